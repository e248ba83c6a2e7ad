// /absences: a technician's own absences; an admin records and removes anyone's (user select).
import { type Request, type Response, Router } from 'express';
import { flash } from '../lib/flash.js';
import { idParam } from '../lib/params.js';
import { parseForm } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { ZAbsence } from './absences.schema.js';
import type { AbsencesService } from './absences.service.js';

const me = (req: Request) => req.user as Express.User;

export function absencesRouter(absences: AbsencesService): Router {
  const router = Router();
  const guard = requireRole('TECHNICIAN', 'ADMIN');

  const pageData = async (req: Request) => ({
    absences: await absences.list(me(req)),
    technicians: await absences.technicianOptions(me(req)),
    forOthers: absences.mayRecordForOthers(me(req)),
  });

  router.get('/absences', guard, async (req, res) => {
    // From a technician's admin page: their name chosen already.
    const userId = typeof req.query.userId === 'string' && /^\d{1,9}$/.test(req.query.userId) ? req.query.userId : '';
    res.render('absences/list', { ...(await pageData(req)), values: { userId } });
  });
  router.post(
    '/absences',
    guard,
    formBody,
    csrfProtection,
    // Refused: the same page again, with what was typed and the reason beside each field.
    formView('absences/list', (req: Request) => pageData(req)),
    async (req: Request, res: Response) => {
      const input = parseForm(ZAbsence, req.body, req.invalidUtf8Fields);
      const saved = await absences.record(me(req), input, res.locals.timeZone as string);
      flash(req, 'success', 'absences.saved', { name: saved.name });
      res.redirect('/absences');
    },
  );
  router.post('/absences/:id/delete', guard, formBody, csrfProtection, async (req, res) => {
    const removed = await absences.remove(me(req), idParam(req));
    flash(req, 'success', 'absences.deleted', { name: removed.name });
    res.redirect('/absences');
  });
  return router;
}
