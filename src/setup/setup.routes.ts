import { Router } from 'express';
import { ZSetup } from '../auth/auth.schema.js';
import type { AppContext } from '../context.js';
import { AppError } from '../lib/errors.js';
import { flash } from '../lib/flash.js';
import { parseForm } from '../lib/validate.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { adminExists, createFirstAdmin } from './setup.service.js';

export function setupRouter(ctx: AppContext): Router {
  const router = Router();
  const { prisma } = ctx.db;

  router.get('/setup', async (_req, res) => {
    if (await adminExists(prisma)) throw new AppError('NOT_FOUND', 'errors.notFound');
    res.render('setup/setup');
  });

  router.post('/setup', formBody, csrfProtection, formView('setup/setup'), async (req, res, next) => {
    const input = parseForm(ZSetup, req.body, req.invalidUtf8Fields);
    const user = await createFirstAdmin(prisma, input);
    req.login(user, (error) => {
      if (error) return next(error);
      flash(req, 'success', 'setup.done');
      res.redirect('/admin/users');
    });
  });

  return router;
}
