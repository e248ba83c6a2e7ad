// The signed-in user's own preferences, and the language picker for visitors.
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { flash } from '../lib/flash.js';
import { isLanguage, languages, languageToDb } from '../lib/i18n.js';
import { parseForm } from '../lib/validate.js';
import { requireAuth } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { isValidTimeZone } from '../settings/settings.service.js';

const ZPreferences = z.object({
  locale: z.enum(languages, { error: 'invalidChoice' }),
  timeZone: z
    .string()
    .trim()
    .max(64)
    .refine((value) => value === '' || isValidTimeZone(value), { error: 'invalidTimeZone' })
    .transform((value) => (value === '' ? null : value)),
});

const timeZones = Intl.supportedValuesOf('timeZone');

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

  router.get('/account', requireAuth, (req, res) => {
    res.render('account/preferences', { timeZones, values: { locale: req.lang, timeZone: req.user?.timeZone ?? '' } });
  });

  router.post(
    '/account',
    requireAuth,
    formBody,
    csrfProtection,
    formView('account/preferences', () => ({ timeZones })),
    async (req, res) => {
      const input = parseForm(ZPreferences, req.body, req.invalidUtf8Fields);
      await ctx.db.prisma.user.update({
        where: { id: (req.user as Express.User).id },
        data: { locale: languageToDb(input.locale), timeZone: input.timeZone },
      });
      req.session.lang = input.locale;
      flash(req, 'success', 'account.saved');
      res.redirect('/account');
    },
  );

  return router;
}
