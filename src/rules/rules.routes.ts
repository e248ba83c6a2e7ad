// /admin/rules: the automation rules in the order they run, their forms (no JavaScript needed),
// reorder, activate/deactivate, delete (not the built-in ones), each rule's run log and its dry
// run. Admin only; every POST carries the CSRF token.
import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { flash } from '../lib/flash.js';
import { idParam } from '../lib/params.js';
import { parseForm } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { channelOrder, priorityOrder } from '../sla/sla-policies.schema.js';
import { actionTypes, notifyTargets, ruleTriggers } from './rules.js';
import { actionRows, actionRowValues, timeStatuses, ZBuiltInRuleForm, ZRuleForm } from './rules.schema.js';
import { DRY_RUN_DAYS, DRY_RUN_TICKETS, type RulesService, type StoredRule } from './rules.service.js';

const ZMove = z.object({ direction: z.enum(['up', 'down']) });

/** A run's detail as the log shows it: a refusal's reason translated, a loop cut's depth. */
function detailText(t: Request['t'], outcome: string, detail: string | null): string {
  if (!detail) return '';
  try {
    const parsed = JSON.parse(detail) as {
      action?: string;
      key?: string;
      params?: Record<string, unknown>;
      fields?: { field: string; key: string }[];
      depth?: number;
      chain?: number[];
    };
    if (outcome === 'loop_cut')
      return t('rules.log.loopCutDetail', { depth: parsed.depth, chain: parsed.chain?.join(' → ') });
    if (parsed.action && parsed.key) {
      const fields = (parsed.fields ?? []).map((f) => `${f.field}: ${t(f.key)}`).join('; ');
      return `${t(`rules.actionTypes.${parsed.action}`)}: ${t(parsed.key, parsed.params ?? {})}${fields ? ` (${fields})` : ''}`;
    }
  } catch {
    // An assigned technician's name, as written.
  }
  return detail;
}

export function rulesRouter(rules: RulesService): Router {
  const router = Router();
  router.use(requireRole('ADMIN'));
  const actorId = (req: Request) => (req.user as Express.User).id;

  const formData = async (editing: StoredRule | null) => ({
    ...(await rules.formOptions(editing)),
    priorityOrder,
    channelOrder,
    ruleTriggers,
    timeStatuses,
    actionTypes,
    actionRows,
    notifyTargets,
  });

  router.get('/', async (_req, res) => {
    res.render('admin/rules/list', { rules: await rules.list() });
  });

  router.get('/new', async (_req, res) => {
    res.render('admin/rules/form', {
      ...(await formData(null)),
      editing: null,
      values: { isActive: true, trigger: 'created' },
      runs: [],
      next: null,
    });
  });

  async function show(req: Request, res: Response, id: number) {
    const rule = await rules.get(id);
    const before =
      typeof req.query.before === 'string' && /^\d{1,19}$/.test(req.query.before) ? BigInt(req.query.before) : null;
    const { runs, next } = await rules.runs(id, before);
    res.render('admin/rules/form', {
      ...(await formData(rule)),
      editing: rule,
      values: {
        ...rule,
        organizations: (await rules.organizationNames(rule)).join('\n'),
        ...actionRowValues(rule.actions),
      },
      runs: runs.map((run) => ({ ...run, detailText: detailText(req.t, run.outcome, run.detail) })),
      next,
    });
  }
  router.get('/:id', async (req, res) => show(req, res, idParam(req)));

  router.get('/:id/dry-run', async (req, res) => {
    const result = await rules.dryRun(idParam(req));
    res.render('admin/rules/dry-run', { ...result, limit: DRY_RUN_TICKETS, days: DRY_RUN_DAYS });
  });

  // A failed form is shown again with its input and errors (formView), not a 500.
  const keepForm = formView('admin/rules/form', async (_req, res) => ({
    ...(await formData(res.locals.editing ?? null)),
    runs: [],
    next: null,
  }));

  router.post('/', formBody, csrfProtection, keepForm, async (req: Request, res: Response) => {
    res.locals.editing = null;
    const input = parseForm(ZRuleForm, req.body, req.invalidUtf8Fields);
    const { id } = await rules.create(input, actorId(req));
    flash(req, 'success', 'rules.saved', { name: input.name });
    res.redirect(`/admin/rules/${id}`);
  });

  router.post('/:id', formBody, csrfProtection, keepForm, async (req: Request, res: Response) => {
    const id = idParam(req);
    const rule = await rules.get(id);
    res.locals.editing = rule;
    if (rule.builtIn) {
      await rules.updateBuiltIn(id, parseForm(ZBuiltInRuleForm, req.body, req.invalidUtf8Fields), actorId(req));
      flash(req, 'success', 'rules.saved', { name: rule.name });
    } else {
      const input = parseForm(ZRuleForm, req.body, req.invalidUtf8Fields);
      await rules.update(id, input, actorId(req));
      flash(req, 'success', 'rules.saved', { name: input.name });
    }
    res.redirect(`/admin/rules/${id}`);
  });

  router.post('/:id/move', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    const { direction } = parseForm(ZMove, req.body);
    const { moved } = await rules.move(id, direction, actorId(req));
    if (moved) flash(req, 'success', 'rules.moved');
    res.redirect(`/admin/rules#rule-${id}`);
  });

  for (const [path, isActive] of [
    ['activate', true],
    ['deactivate', false],
  ] as const) {
    router.post(`/:id/${path}`, formBody, csrfProtection, async (req, res) => {
      const id = idParam(req);
      await rules.setActive(id, isActive, actorId(req));
      flash(req, 'success', isActive ? 'rules.activated' : 'rules.deactivated');
      res.redirect(`/admin/rules#rule-${id}`);
    });
  }

  router.post('/:id/delete', formBody, csrfProtection, async (req, res) => {
    await rules.remove(idParam(req), actorId(req));
    flash(req, 'success', 'rules.deleted');
    res.redirect('/admin/rules');
  });

  return router;
}
