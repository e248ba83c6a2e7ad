// /admin/sla: SLA policies in the order they are tried, their forms, and "which policy applies to
// this ticket?". Admin only.
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { flash } from '../lib/flash.js';
import { idParam } from '../lib/params.js';
import { parseForm } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import {
  channelOrder,
  priorityOrder,
  slaPolicyFormValues,
  targetFields,
  ZSlaPolicyForm,
} from './sla-policies.schema.js';
import type { SlaPoliciesService, StoredSlaPolicy } from './sla-policies.service.js';
import { channelLabel, conditionsText, missText, priorityLabel, targetsText } from './sla-policy-summary.js';

const ZMove = z.object({ direction: z.enum(['up', 'down']) });

/** Below half a warning comes too early to mean anything; at 100 % it is the breach itself. */
const ZWarnPercent = z.object({
  slaWarnPercent: z
    .string()
    .trim()
    .refine((value) => /^\d{1,3}$/.test(value), { error: 'wholeNumber' })
    .transform(Number)
    .refine((value) => value >= 50 && value <= 99, { error: 'outOfRange', params: { min: 50, max: 99 } }),
});

export function slaPoliciesRouter(policies: SlaPoliciesService): Router {
  const router = Router();
  router.use(requireRole('ADMIN'));
  const actorId = (req: Request) => (req.user as Express.User).id;

  const listData = async (req: Request) => {
    const { policies: rows, names, warnPercent } = await policies.list();
    return {
      warnPercent,
      policies: rows.map((policy) => ({
        ...policy,
        conditionsText: conditionsText(req.t, policy, names),
        targetsText: targetsText(req.t, policy),
      })),
    };
  };

  router.get('/', async (req, res) => {
    const data = await listData(req);
    res.render('admin/sla/list', { ...data, values: { slaWarnPercent: data.warnPercent } });
  });

  router.post(
    '/warning',
    formBody,
    csrfProtection,
    formView('admin/sla/list', (req) => listData(req)),
    async (req, res) => {
      const { slaWarnPercent } = parseForm(ZWarnPercent, req.body, req.invalidUtf8Fields);
      await policies.setWarnPercent(slaWarnPercent, actorId(req));
      flash(req, 'success', 'admin.sla.warning.saved', { percent: slaWarnPercent });
      res.redirect('/admin/sla#warning');
    },
  );

  // Read-only, so a GET form: the answer can be bookmarked and shared.
  router.get(
    '/preview',
    formView('admin/sla/preview', (req) => ({ result: null, values: { ticket: String(req.query.ticket ?? '') } })),
    async (req, res) => {
      const ticketText = typeof req.query.ticket === 'string' ? req.query.ticket.slice(0, 40) : '';
      if (ticketText.trim() === '') {
        res.render('admin/sla/preview', { result: null, values: {} });
        return;
      }
      const { ticket, picked, passedOver, names } = await policies.preview(ticketText);
      const t = req.t;
      const inWords = {
        priority: priorityLabel(t, ticket.priority),
        channel: channelLabel(t, ticket.channel),
        category: ticket.category?.name ?? null,
        department: ticket.department?.name ?? null,
        organization: ticket.organization?.name ?? null,
      };
      res.render('admin/sla/preview', {
        values: { ticket: ticketText },
        result: {
          ticket,
          inWords,
          picked: picked && {
            ...picked,
            conditionsText: conditionsText(t, picked, names),
            targetsText: targetsText(t, picked),
          },
          passedOver: passedOver.map(({ policy, miss }) => ({
            policy,
            reason: missText(t, policy, miss, names, inWords),
          })),
          dueAt: targetFields.map((field) => ({ field, at: ticket[`${field}DueAt`] })),
        },
      });
    },
  );

  const formData = async (editing: StoredSlaPolicy | null) => ({
    ...(await policies.formOptions(editing)),
    priorityOrder,
    channelOrder,
    targetFields,
    missingOrganizations: editing ? (await policies.organizationNames(editing)).missing : 0,
  });

  router.get('/new', async (_req, res) => {
    res.render('admin/sla/form', { ...(await formData(null)), editing: null, values: { businessHours: true } });
  });

  router.get('/:id', async (req, res) => {
    const policy = await policies.get(idParam(req));
    const organizations = await policies.organizationNames(policy);
    res.render('admin/sla/form', {
      ...(await formData(policy)),
      editing: policy,
      values: slaPolicyFormValues(policy, organizations.names),
    });
  });

  const save = (isNew: boolean) => [
    formBody,
    csrfProtection,
    formView('admin/sla/form', (_req, res) => formData(res.locals.editing ?? null)),
    async (req: Request, res: Response) => {
      const id = isNew ? null : idParam(req);
      res.locals.editing = id === null ? null : await policies.get(id);
      const input = parseForm(ZSlaPolicyForm, req.body, req.invalidUtf8Fields);
      const savedId = id ?? (await policies.create(input, actorId(req))).id;
      if (id !== null) await policies.update(id, input, actorId(req));
      flash(req, 'success', 'admin.sla.saved', { name: input.name });
      res.redirect(`/admin/sla/${savedId}`);
    },
  ];
  router.post('/', ...save(true));
  router.post('/:id', ...save(false));

  router.post('/:id/move', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    const { direction } = parseForm(ZMove, req.body);
    const { moved } = await policies.move(id, direction, actorId(req));
    if (moved) flash(req, 'success', 'admin.sla.moved');
    res.redirect(`/admin/sla#policy-${id}`);
  });

  for (const [path, isActive] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    router.post(`/:id/${path}`, formBody, csrfProtection, async (req, res) => {
      const id = idParam(req);
      await policies.setActive(id, isActive, actorId(req));
      flash(req, 'success', isActive ? 'admin.sla.activated' : 'admin.sla.deactivated');
      res.redirect(`/admin/sla/${id}`);
    });
  }

  router.post('/:id/delete', formBody, csrfProtection, async (req, res) => {
    await policies.remove(idParam(req), actorId(req));
    flash(req, 'success', 'admin.sla.deleted');
    res.redirect('/admin/sla');
  });

  return router;
}
