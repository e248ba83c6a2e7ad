// /admin/mail: what the system sent or kept, and a retry for what failed. Admin only.
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { flash } from '../lib/flash.js';
import { idParam, ZIdCursor } from '../lib/params.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { emailStatuses, type MailService } from './mail.service.js';

const ZMailFilters = z.object({
  status: z.enum(emailStatuses).optional().catch(undefined),
  after: ZIdCursor,
});

export function mailRouter(ctx: AppContext, mail: MailService): Router {
  const router = Router();
  router.use(requireRole('ADMIN'));
  router.get('/', async (req, res) => {
    const filters = ZMailFilters.parse(req.query);
    res.render('admin/mail/list', {
      filters,
      page: await mail.list(filters),
      statuses: emailStatuses,
      isKeeping: !ctx.env.SMTP_URL,
    });
  });
  router.get('/:id', async (req, res) => {
    res.render('admin/mail/show', { message: await mail.get(idParam(req)) });
  });
  router.post('/:id/retry', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    await mail.retry(id);
    flash(req, 'success', 'emails.outbox.retried');
    res.redirect(`/admin/mail/${id}`);
  });
  return router;
}
