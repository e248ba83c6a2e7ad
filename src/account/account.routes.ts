// The signed-in user's own preferences, and the language picker for visitors.
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Role } from '../generated/prisma/enums.js';
import { flash } from '../lib/flash.js';
import { isLanguage, languages, languageToDb } from '../lib/i18n.js';
import { parseForm } from '../lib/validate.js';
import { requireAuth } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { emailKindsByRole, receivedKindsField } from '../notifications/preferences.js';
import { isValidTimeZone } from '../settings/settings.service.js';
import { savePreferences } from './account.service.js';

const ZPreferences = z.object({
  locale: z.enum(languages, { error: 'invalidChoice' }),
  timeZone: z
    .string()
    .trim()
    .max(64)
    .refine((value) => value === '' || isValidTimeZone(value), { error: 'invalidTimeZone' })
    .transform((value) => (value === '' ? null : value)),
});

/** The e-mail checkboxes are part of the form; `emailKindsShown` says the page showed them. */
const preferencesFor = (role: Role) =>
  ZPreferences.extend({ emailKinds: receivedKindsField(role), emailKindsShown: z.literal('1').optional() });

const timeZones = Intl.supportedValuesOf('timeZone');

/** What the form needs besides the values: the user's role's e-mail kinds. */
const formData = (req: Request) => ({ timeZones, emailKinds: emailKindsByRole[(req.user as Express.User).role] });

export function accountRouter(ctx: AppContext): Router {
  const router = Router();

  router.post('/language', formBody, csrfProtection, async (req, res) => {
    const lang = req.body?.lang;
    if (isLanguage(lang)) {
      req.session.lang = lang;
      if (req.user)
        await ctx.db.prisma.user.update({ where: { id: req.user.id }, data: { locale: languageToDb(lang) } });
    }
    const back = typeof req.body?.back === 'string' && /^\/(?![/\\])/.test(req.body.back) ? req.body.back : '/';
    res.redirect(303, back);
  });

  router.get('/account', requireAuth, async (req, res) => {
    const user = req.user as Express.User;
    const { emailOptOut } = await ctx.db.prisma.user.findUniqueOrThrow({
      where: { id: user.id },
      select: { emailOptOut: true },
    });
    const data = formData(req);
    res.render('account/preferences', {
      ...data,
      values: {
        locale: req.lang,
        timeZone: user.timeZone ?? '',
        emailKinds: data.emailKinds.filter((kind) => !emailOptOut.includes(kind)),
      },
    });
  });

  router.post(
    '/account',
    requireAuth,
    formBody,
    csrfProtection,
    formView('account/preferences', formData),
    async (req, res) => {
      const user = req.user as Express.User;
      const input = parseForm(preferencesFor(user.role), req.body, req.invalidUtf8Fields);
      await savePreferences(ctx.db.prisma, user, {
        locale: languageToDb(input.locale),
        timeZone: input.timeZone,
        receivedKinds: input.emailKindsShown ? input.emailKinds : undefined,
      });
      req.session.lang = input.locale;
      flash(req, 'success', 'account.saved');
      res.redirect('/account');
    },
  );

  return router;
}
