// Canned reply pages: a staff member's own replies at /replies (and the shared ones they may use,
// read-only); the admin's shared replies at /admin/replies. Same form, the scope decides the owner.
import { type Request, type Response, Router } from 'express';
import type { DepartmentsService } from '../departments/departments.service.js';
import { flash } from '../lib/flash.js';
import { idParam } from '../lib/params.js';
import { parseForm } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { ZCannedReply } from './replies.schema.js';
import type { RepliesService, ReplyScope } from './replies.service.js';
import { cannedActions, replyVariables } from './reply-text.js';

const me = (req: Request) => req.user as Express.User;

export function repliesRouter(services: { replies: RepliesService; departments: DepartmentsService }): Router {
  const { replies, departments } = services;
  const router = Router();

  function mount(base: string, scope: ReplyScope, guard: ReturnType<typeof requireRole>) {
    // A shared reply's retired department stays on its form, so saving it does not silently clear it.
    // `replyScope`, not `scope`: EJS reads a `scope` local as one of its own options.
    const formData = async (keepDepartmentId: number | null = null) => ({
      replyScope: scope,
      base,
      actions: cannedActions,
      variables: replyVariables,
      departments:
        scope === 'shared'
          ? await departments.departmentOptions(keepDepartmentId === null ? [] : [keepDepartmentId])
          : [],
    });

    router.get(base, guard, async (req, res) => {
      const lists =
        scope === 'own' ? await replies.listForUser(me(req)) : { own: [], shared: await replies.listShared(me(req)) };
      res.render('replies/list', { replyScope: scope, base, ...lists });
    });
    router.get(`${base}/new`, guard, async (_req, res) => {
      res.render('replies/form', { ...(await formData()), editing: null, values: { isActive: true } });
    });
    router.get(`${base}/:id`, guard, async (req, res) => {
      const reply = await replies.get(me(req), scope, idParam(req));
      res.render('replies/form', { ...(await formData(reply.departmentId)), editing: reply, values: reply });
    });

    const save = (isNew: boolean) => [
      guard,
      formBody,
      csrfProtection,
      formView('replies/form', async (_req: Request, res: Response) => ({
        ...(await formData(res.locals.editing?.departmentId ?? null)),
        editing: res.locals.editing ?? null,
      })),
      async (req: Request, res: Response) => {
        const id = isNew ? null : idParam(req);
        res.locals.editing = id === null ? null : await replies.get(me(req), scope, id);
        const input = parseForm(ZCannedReply, req.body, req.invalidUtf8Fields);
        const saved = await replies.save(me(req), scope, id, input);
        flash(req, 'success', 'replies.saved', { title: input.title });
        // Saved all the same: an unknown variable is inserted as typed, which may be what was meant.
        if (saved.unknownVariables.length > 0) {
          flash(req, 'warning', 'replies.unknownVariables', { list: saved.unknownVariables.join(', ') });
        }
        res.redirect(base);
      },
    ];
    router.post(base, ...save(true));
    router.post(`${base}/:id`, ...save(false));
    router.post(`${base}/:id/delete`, guard, formBody, csrfProtection, async (req, res) => {
      const removed = await replies.remove(me(req), scope, idParam(req));
      flash(req, 'success', 'replies.deleted', { title: removed.title });
      res.redirect(base);
    });
  }

  mount('/admin/replies', 'shared', requireRole('ADMIN'));
  mount('/replies', 'own', requireRole('SUPPORT', 'TECHNICIAN', 'ADMIN'));
  return router;
}
