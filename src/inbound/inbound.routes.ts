// /admin/inbound: every incoming e-mail and what became of it (ticket, comment, or why not).
// Admin only and read-only, like /admin/mail.
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { ZIdCursor } from '../lib/params.js';
import { requireRole } from '../middleware/auth.js';
import { type InboundLog, inboundStatuses } from './inbound-log.js';

const ZInboundFilters = z.object({
  status: z.enum(inboundStatuses).optional().catch(undefined),
  after: ZIdCursor,
});

export function inboundRouter(ctx: AppContext, log: InboundLog): Router {
  const router = Router();
  router.use(requireRole('ADMIN'));
  router.get('/', async (req, res) => {
    const filters = ZInboundFilters.parse(req.query);
    res.render('admin/inbound/list', {
      filters,
      statuses: inboundStatuses,
      isEnabled: Boolean(ctx.env.IMAP_URL),
      page: await log.list(filters),
    });
  });
  return router;
}
