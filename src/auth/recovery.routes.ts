// Pages reached from an e-mail or from the sign-in page without an account session: forgotten
// password, reset link, address confirmation and its "send it again".
import { type Response, Router } from 'express';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { flash } from '../lib/flash.js';
import { parseForm } from '../lib/validate.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import type { AccountService } from './account.service.js';
import type { AccountThrottle } from './account-throttle.js';
import { ZForgotPassword, ZResetPassword } from './auth.schema.js';

/** A page whose URL holds a token: never cached, never sent on as a Referer. */
function privatePage(res: Response) {
  res.set('Cache-Control', 'no-store');
  res.set('Referrer-Policy', 'no-referrer');
}

function renderInvalidLink(res: Response, kind: 'reset' | 'verify') {
  res.status(404).render('auth/link-invalid', {
    title: res.locals.t(`auth.${kind}.invalidTitle`),
    message: res.locals.t(`auth.${kind}.invalid`),
    href: kind === 'reset' ? '/forgot-password' : '/login',
    label: res.locals.t(kind === 'reset' ? 'auth.reset.askAgain' : 'auth.login.submit'),
  });
}

const minutes = (seconds: number) => ({ params: { minutes: Math.ceil(seconds / 60) } });

export function recoveryRouter(_ctx: AppContext, account: AccountService, throttle: AccountThrottle): Router {
  const router = Router();

  router.get('/forgot-password', (_req, res) => {
    res.render('auth/forgot-password');
  });

  router.post(
    '/forgot-password',
    formBody,
    csrfProtection,
    formView('auth/forgot-password', undefined, ['RATE_LIMITED']),
    async (req, res) => {
      const input = parseForm(ZForgotPassword, req.body, req.invalidUtf8Fields);
      const wait = await throttle.takeIp(req.ip ?? 'unknown');
      if (wait > 0) throw new AppError('RATE_LIMITED', 'auth.forgot.tooMany', minutes(wait));
      // Over the per-address limit nothing more is sent, and the answer stays the same, so it
      // tells nothing about the address either.
      if ((await throttle.takeAccount(`reset:${input.email}`)) === 0) await account.requestPasswordReset(input.email);
      flash(req, 'info', 'auth.forgot.sent');
      res.redirect(303, '/forgot-password');
    },
  );

  router.get('/reset-password/:token', async (req, res) => {
    privatePage(res);
    const target = await account.resetTarget(req.params.token);
    if (!target) return renderInvalidLink(res, 'reset');
    res.render('auth/reset-password', { token: req.params.token, email: target.email });
  });

  router.post('/reset-password/:token', formBody, csrfProtection, async (req, res, next) => {
    privatePage(res);
    const token = req.params.token;
    const target = await account.resetTarget(token);
    if (!target) return renderInvalidLink(res, 'reset');
    res.locals.formOnError = { view: 'auth/reset-password', load: () => ({ token, email: target.email }) };
    const input = parseForm(ZResetPassword, req.body, req.invalidUtf8Fields);
    await account.resetPassword(token, input.newPassword);
    // Whoever was signed in on this browser is not any more; the message goes to a fresh session.
    req.session.regenerate((error) => {
      if (error) return next(error);
      flash(req, 'success', 'auth.reset.done');
      res.redirect(303, '/login');
    });
  });

  // A GET that changes state, on purpose: it is the link in the e-mail. Its token is the proof;
  // a mail scanner opening it first confirms the same address the user would.
  router.get('/verify-email/:token', async (req, res) => {
    privatePage(res);
    const result = await account.verifyEmail(req.params.token);
    if (result === 'invalid') return renderInvalidLink(res, 'verify');
    flash(
      req,
      result === 'verified' ? 'success' : 'info',
      result === 'verified' ? 'auth.verify.done' : 'auth.verify.already',
    );
    res.redirect(303, '/login');
  });

  router.post('/verify-email/resend', formBody, csrfProtection, async (req, res) => {
    const userId = req.session.unverifiedUserId;
    const ipWait = await throttle.takeIp(req.ip ?? 'unknown');
    if (ipWait > 0) {
      flash(req, 'danger', 'auth.forgot.tooMany', minutes(ipWait).params);
      return res.redirect(303, '/login');
    }
    if (userId !== undefined) {
      const wait = await throttle.takeAccount(`verify:${userId}`);
      if (wait > 0) {
        flash(req, 'warning', 'auth.verify.tooMany', minutes(wait).params);
        return res.redirect(303, '/login');
      }
      await account.resendVerification(userId);
    }
    flash(req, 'info', 'auth.verify.resent');
    res.redirect(303, '/login');
  });

  return router;
}
