import { Router } from 'express';
import type { PassportStatic } from 'passport';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { flash } from '../lib/flash.js';
import { languageToDb } from '../lib/i18n.js';
import { parseForm } from '../lib/validate.js';
import { requireAuth } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { ZChangePassword, ZLogin, ZRegister } from './auth.schema.js';
import { type AuthService, EmailNotVerifiedError } from './auth.service.js';
import { homePathByRole, type SessionUser } from './session-user.js';

/** Only same-site paths, so `?next=` cannot send users to another site. */
function safeNext(value: unknown): string | null {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : null;
}

export function authRouter(ctx: AppContext, auth: AuthService, passport: PassportStatic): Router {
  const router = Router();

  router.get('/', (req, res) => {
    res.redirect(req.user ? homePathByRole[req.user.role] : '/login');
  });

  router.get('/login', async (req, res) => {
    if (req.user) return res.redirect(homePathByRole[req.user.role]);
    res.render('auth/login', {
      next: safeNext(req.query.next),
      registrationEnabled: (await ctx.settings.get()).registrationEnabled,
    });
  });

  router.post('/login', formBody, csrfProtection, (req, res, next) => {
    const input = ZLogin.parse(req.body ?? {});
    req.body = { ...req.body, ...input };
    passport.authenticate('local', (error: unknown, user: SessionUser | false) => {
      const unverified = error instanceof EmailNotVerifiedError;
      // Remembered only after the right password, so "send the link again" needs no e-mail field.
      if (unverified) req.session.unverifiedUserId = error.userId;
      if (
        error instanceof AppError &&
        (error.code === 'UNAUTHENTICATED' || error.code === 'RATE_LIMITED' || unverified)
      ) {
        res.status(error.status);
        return ctx.settings.get().then((settings) =>
          res.render('auth/login', {
            next: safeNext(req.body?.next),
            registrationEnabled: settings.registrationEnabled,
            values: { email: input.email },
            formError: req.t(error.messageKey, error.options.params ?? {}),
            offerResend: unverified,
          }),
        );
      }
      if (error || !user) return next(error ?? new AppError('UNAUTHENTICATED', 'auth.invalidCredentials'));
      // req.login regenerates the session id (no fixation) before storing the user.
      req.login(user, (loginError) => {
        if (loginError) return next(loginError);
        res.redirect(safeNext(req.body?.next) ?? homePathByRole[user.role]);
      });
    })(req, res, next);
  });

  router.post('/logout', formBody, csrfProtection, (req, res, next) => {
    req.logout((error) => {
      if (error) return next(error);
      req.session.destroy((destroyError) => {
        if (destroyError) return next(destroyError);
        res.clearCookie('centinela.sid');
        res.redirect('/login');
      });
    });
  });

  router.get('/register', async (_req, res) => {
    if (!(await ctx.settings.get()).registrationEnabled) throw new AppError('NOT_FOUND', 'auth.registrationDisabled');
    res.render('auth/register');
  });

  router.post('/register', formBody, csrfProtection, formView('auth/register'), async (req, res) => {
    const input = parseForm(ZRegister, req.body, req.invalidUtf8Fields);
    const user = await auth.register(input, languageToDb(req.lang));
    // Not signed in yet: the account opens once the address is confirmed.
    flash(req, 'success', 'auth.registered', { email: user.email });
    res.redirect(303, '/login');
  });

  router.get('/account/password', requireAuth, (_req, res) => {
    res.render('account/password');
  });

  router.post(
    '/account/password',
    requireAuth,
    formBody,
    csrfProtection,
    formView('account/password'),
    async (req, res) => {
      const input = parseForm(ZChangePassword, req.body, req.invalidUtf8Fields);
      const user = req.user as SessionUser;
      const epoch = await auth.changePassword(user.id, input);
      // Keep this session signed in under the new epoch; every other session has ended.
      (req.session as unknown as { passport: { user: { id: number; epoch: number } } }).passport.user = {
        id: user.id,
        epoch,
      };
      flash(req, 'success', 'account.passwordChanged');
      res.redirect('/account/password');
    },
  );

  return router;
}
