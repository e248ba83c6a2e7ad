// Per-request language, translator and what every page template needs.
import type { NextFunction, Request, Response } from 'express';
import { homePathByRole } from '../auth/session-user.js';
import type { AppContext } from '../context.js';
import { demoDataExists } from '../demo/demo.service.js';
import { assetUrl } from '../lib/assets.js';
import { avatarClassOf, initialsOf } from '../lib/avatar.js';
import { takeFlash } from '../lib/flash.js';
import { createFormatters } from '../lib/format.js';
import { defaultLanguage, languageFromDb, languageFromHeader, translator } from '../lib/i18n.js';
import { createInAppNotifications } from '../notifications/inapp.service.js';
import { formatTicketNumber, ticketPath } from '../tickets/ticket-number.js';
import { csrfToken } from './csrf.js';
import { activeNavHref, navigationFor } from './navigation.js';

/** A browser's speculative prefetch must not swallow the message meant for the page the user opens. */
function isPrefetch(req: Request): boolean {
  return /prefetch|prerender/i.test(`${req.get('sec-purpose') ?? ''} ${req.get('purpose') ?? ''}`);
}

/** Ticket numbers in pages: `ticketLabel(1234)` → TKT-1234, `ticketUrl(1234)` → its page. */
const ticketHelpers = { ticketLabel: formatTicketNumber, ticketUrl: ticketPath };

export function localsMiddleware(ctx: AppContext) {
  const inApp = createInAppNotifications(ctx.db.prisma);
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = req.user;
    const nav = user ? navigationFor(user.role) : [];
    req.lang =
      languageFromDb(user?.locale) ??
      req.session?.lang ??
      languageFromHeader(req.headers['accept-language']) ??
      defaultLanguage;
    req.t = translator(req.lang);
    const settings = await ctx.settings.get();
    const timeZone = user?.timeZone ?? settings.timeZone;
    Object.assign(res.locals, {
      t: req.t,
      lang: req.lang,
      user,
      settings,
      timeZone,
      currentPath: req.path,
      asset: assetUrl,
      csrfToken: () => csrfToken(req),
      flash: isPrefetch(req) ? [] : takeFlash(req),
      nav,
      navActive: activeNavHref(nav, req.path),
      /** The signed-in user's role as a label key: templates show it, they never compare it. */
      userRoleKey: user ? `roles.${user.role}` : null,
      userInitials: user ? initialsOf(user.name) : '',
      userAvatarClass: user ? avatarClassOf(user.id) : '',
      homePath: user ? homePathByRole[user.role] : '/login',
      initialsOf,
      avatarClassOf,
      showDemoBanner: await demoDataExists(ctx.db.prisma),
      unreadCount: user ? (user.unreadCount ?? (await inApp.unreadCount(user.id))) : 0,
      errors: {},
      values: {},
      ...createFormatters(req.lang, timeZone),
      ...ticketHelpers,
    });
    res.setHeader('Content-Language', req.lang);
    next();
  };
}

/** Safe defaults so even an error raised before the session exists renders a full page. */
export function baseLocals(req: Request, res: Response, next: NextFunction): void {
  req.lang = languageFromHeader(req.headers['accept-language']) ?? defaultLanguage;
  req.t = translator(req.lang);
  Object.assign(res.locals, {
    t: req.t,
    lang: req.lang,
    user: undefined,
    settings: null,
    timeZone: 'UTC',
    currentPath: req.path,
    asset: assetUrl,
    csrfToken: () => '',
    flash: [],
    nav: [],
    navActive: '',
    userRoleKey: null,
    userInitials: '',
    userAvatarClass: '',
    homePath: '/',
    initialsOf,
    avatarClassOf,
    showDemoBanner: false,
    unreadCount: 0,
    errors: {},
    values: {},
    ...createFormatters(req.lang, 'UTC'),
    ...ticketHelpers,
  });
  next();
}
