// The admin's side of the rules: list in order with each one's last run, create/edit (a built-in
// rule: only its hours and whether it is on), reorder, activate, delete (not a built-in one), the
// per-rule run log (latest first, keyset pages of 50) and the dry run. Every write is audited.
import type { AppContext } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import { AppError, notFound, validationError } from '../lib/errors.js';
import { toDefinition } from './rule-engine.js';
import { matches, type RuleDefinition } from './rules.js';
import type { TRuleForm } from './rules.schema.js';

type Tx = Prisma.TransactionClient;

/** The dry run looks at the newest tickets only: this many, and none older than DRY_RUN_DAYS. */
export const DRY_RUN_TICKETS = 200;
export const DRY_RUN_DAYS = 7;
export const RUNS_PAGE = 50;

const ruleSelect = {
  id: true,
  name: true,
  position: true,
  isActive: true,
  builtIn: true,
  trigger: true,
  timeStatus: true,
  timeHours: true,
  priorities: true,
  categoryIds: true,
  departmentIds: true,
  organizationIds: true,
  channels: true,
  subjectContains: true,
  descriptionContains: true,
  actions: true,
  lastRunAt: true,
} as const;

/** Taken by every write that changes the rules' order, so two at once never share a position. */
export async function lockRuleOrder(tx: Tx) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('rule-order'))`;
}

/** Positions 1..n in the given order (default: the current one), writing only the rows that move. */
export async function renumberRules(tx: Tx, ordered?: { id: number; position: number }[]) {
  const rows =
    ordered ??
    (await tx.rule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }], select: { id: true, position: true } }));
  for (const [index, row] of rows.entries())
    if (row.position !== index + 1) await tx.rule.update({ where: { id: row.id }, data: { position: index + 1 } });
}

export type StoredRule = RuleDefinition & { builtIn: string | null; isActive: boolean; lastRunAt: Date | null };

export function createRulesService(ctx: Pick<AppContext, 'db'>, _deps: { fireTimeRules?: () => Promise<number> } = {}) {
  const { prisma } = ctx.db;

  async function audit(tx: Tx, actorId: number, action: string, id: number, data?: Prisma.InputJsonValue) {
    await tx.auditLog.create({
      data: { actorId, action: `rule.${action}`, entityType: 'rule', entityId: String(id), data },
    });
  }

  /** A name taken by another rule is the form's error, not a 500. */
  async function write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await prisma.$transaction(work);
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') {
        throw validationError({ name: { key: 'validation.nameTaken' } });
      }
      throw error;
    }
  }

  async function get(id: number): Promise<StoredRule> {
    const row = await prisma.rule.findUnique({ where: { id }, select: ruleSelect });
    if (!row) throw notFound();
    return { ...toDefinition(row), builtIn: row.builtIn, isActive: row.isActive, lastRunAt: row.lastRunAt };
  }

  async function organizationIdsOf(names: string[]): Promise<number[]> {
    if (names.length === 0) return [];
    const found = await prisma.organization.findMany({
      where: { OR: names.map((name) => ({ name: { equals: name, mode: 'insensitive' as const } })) },
      select: { id: true, name: true },
    });
    const known = new Set(found.map((o) => o.name.toLowerCase()));
    const missing = names.filter((name) => !known.has(name.toLowerCase()));
    if (missing.length > 0) {
      throw validationError({
        organizations: { key: 'validation.unknownOrganizations', params: { names: missing.join(', ') } },
      });
    }
    return found.map((o) => o.id);
  }

  /** The columns a form writes; the time cursor restarts when what it walks changes. */
  async function columnsOf(input: TRuleForm, before: StoredRule | null) {
    const timeChanged =
      !before ||
      before.trigger !== input.trigger ||
      before.timeStatus !== input.timeStatus ||
      before.timeHours !== input.timeHours;
    return {
      name: input.name,
      isActive: input.isActive,
      trigger: input.trigger,
      timeStatus: input.timeStatus,
      timeHours: input.timeHours,
      priorities: input.priorities,
      categoryIds: input.categoryIds,
      departmentIds: input.departmentIds,
      organizationIds: await organizationIdsOf(input.organizationNames),
      channels: input.channels,
      subjectContains: input.subjectContains,
      descriptionContains: input.descriptionContains,
      actions: input.actions as unknown as Prisma.InputJsonValue,
      // Walk the status again from the start: RuleTimeFire keeps a stay from firing twice.
      ...(timeChanged ? { timeCursorAt: null, timeCursorId: null } : {}),
    };
  }

  return {
    get,

    /** What the form offers: active choices, plus the retired ones the rule still names. */
    async formOptions(current: StoredRule | null) {
      const named = (type: string) =>
        (current?.actions ?? [])
          .filter((action) => action.type === type && /^\d+$/.test(action.value ?? ''))
          .map((action) => Number(action.value));
      const [categories, departments, staff, replies] = await Promise.all([
        prisma.category.findMany({
          where: {
            OR: [{ isActive: true }, { id: { in: [...(current?.categoryIds ?? []), ...named('set_category')] } }],
          },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, isActive: true },
        }),
        prisma.department.findMany({
          where: {
            OR: [{ isActive: true }, { id: { in: [...(current?.departmentIds ?? []), ...named('set_department')] } }],
          },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, isActive: true },
        }),
        prisma.user.findMany({
          where: { role: { in: ['TECHNICIAN', 'SUPPORT', 'ADMIN'] }, isActive: true },
          orderBy: [{ name: 'asc' }, { id: 'asc' }],
          select: { id: true, name: true, role: true },
          take: 500,
        }),
        // Shared replies only: a personal one belongs to its owner.
        prisma.cannedReply.findMany({
          where: { ownerId: null, isActive: true },
          orderBy: [{ title: 'asc' }, { id: 'asc' }],
          select: { id: true, title: true },
        }),
      ]);
      return { categories, departments, staff, replies };
    },

    async list() {
      const rows = await prisma.rule.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }], select: ruleSelect });
      return rows.map((row) => ({
        ...toDefinition(row),
        builtIn: row.builtIn,
        isActive: row.isActive,
        lastRunAt: row.lastRunAt,
      }));
    },

    async organizationNames(rule: StoredRule): Promise<string[]> {
      if (rule.organizationIds.length === 0) return [];
      const rows = await prisma.organization.findMany({
        where: { id: { in: rule.organizationIds } },
        select: { name: true },
        orderBy: { name: 'asc' },
      });
      return rows.map((row) => row.name);
    },

    async create(input: TRuleForm, actorId: number) {
      const data = await columnsOf(input, null);
      return write(async (tx) => {
        await lockRuleOrder(tx);
        const last = await tx.rule.aggregate({ _max: { position: true } });
        const rule = await tx.rule.create({
          data: { ...data, position: (last._max.position ?? 0) + 1 },
          select: { id: true },
        });
        await audit(tx, actorId, 'create', rule.id, { name: input.name });
        return rule;
      });
    },

    async update(id: number, input: TRuleForm, actorId: number) {
      const before = await get(id);
      if (before.builtIn) throw new AppError('CONFLICT', 'rules.errors.builtIn');
      const data = await columnsOf(input, before);
      await write(async (tx) => {
        // An edited demo rule is the desk's own: removing the demo data keeps it.
        await tx.rule.update({ where: { id }, data: { ...data, isDemo: false }, select: { id: true } });
        await audit(tx, actorId, 'update', id, { name: input.name });
      });
    },

    /** A built-in rule: its hours and whether it is on, nothing else. */
    async updateBuiltIn(id: number, input: { isActive: boolean; timeHours: number | null }, actorId: number) {
      const before = await get(id);
      if (!before.builtIn) throw notFound();
      await write(async (tx) => {
        await tx.rule.update({
          where: { id },
          data: {
            isActive: input.isActive,
            timeHours: input.timeHours,
            ...(input.timeHours !== before.timeHours ? { timeCursorAt: null, timeCursorId: null } : {}),
          },
          select: { id: true },
        });
        await audit(tx, actorId, 'update', id, { timeHours: input.timeHours, isActive: input.isActive });
      });
    },

    async move(id: number, direction: 'up' | 'down', actorId: number) {
      return write(async (tx) => {
        await lockRuleOrder(tx);
        const ordered = await tx.rule.findMany({
          orderBy: [{ position: 'asc' }, { id: 'asc' }],
          select: { id: true, position: true },
        });
        const from = ordered.findIndex((row) => row.id === id);
        if (from === -1) throw notFound();
        const to = direction === 'up' ? from - 1 : from + 1;
        const other = ordered[to];
        if (!other) return { moved: false };
        ordered[to] = ordered[from] as { id: number; position: number };
        ordered[from] = other;
        await renumberRules(tx, ordered);
        await audit(tx, actorId, 'move', id, { from: from + 1, to: to + 1 });
        return { moved: true };
      });
    },

    async setActive(id: number, isActive: boolean, actorId: number) {
      await get(id);
      await write(async (tx) => {
        await tx.rule.update({ where: { id }, data: { isActive }, select: { id: true } });
        await audit(tx, actorId, isActive ? 'activate' : 'deactivate', id);
      });
    },

    async remove(id: number, actorId: number) {
      const rule = await get(id);
      if (rule.builtIn) throw new AppError('CONFLICT', 'rules.errors.builtInNotDeletable');
      await write(async (tx) => {
        await lockRuleOrder(tx);
        await tx.rule.delete({ where: { id } });
        await renumberRules(tx);
        await audit(tx, actorId, 'delete', id, { name: rule.name });
      });
    },

    /** The rule's log, latest first, RUNS_PAGE at a time from `before` (a run id). */
    async runs(ruleId: number, before: bigint | null) {
      const rows = await prisma.ruleRun.findMany({
        where: { ruleId, ...(before !== null ? { id: { lt: before } } : {}) },
        orderBy: { id: 'desc' },
        take: RUNS_PAGE + 1,
        select: { id: true, ticketNumber: true, trigger: true, outcome: true, detail: true, at: true },
      });
      const page = rows.slice(0, RUNS_PAGE);
      return { runs: page, next: rows.length > RUNS_PAGE ? (page[page.length - 1]?.id ?? null) : null };
    },

    /**
     * Which recent tickets the rule's conditions match now: the newest DRY_RUN_TICKETS created in
     * the last DRY_RUN_DAYS (one bounded walk of the (createdAt, id) index), matched here with the
     * engine's own matches(). Never a scan of every ticket.
     */
    async dryRun(id: number, now = new Date()) {
      const rule = await get(id);
      const since = new Date(now.getTime() - DRY_RUN_DAYS * 86_400_000);
      const tickets = await prisma.ticket.findMany({
        where: { deletedAt: null, createdAt: { gte: since } },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: DRY_RUN_TICKETS,
        select: {
          number: true,
          subject: true,
          description: true,
          status: true,
          priority: true,
          categoryId: true,
          departmentId: true,
          organizationId: true,
          channel: true,
          createdAt: true,
        },
      });
      // Active or not, the dry run asks what the conditions would match.
      const asActive = { ...rule, isActive: true };
      return {
        rule,
        looked: tickets.length,
        matched: tickets.filter((ticket) => matches(asActive, ticket)),
      };
    },
  };
}

export type RulesService = ReturnType<typeof createRulesService>;
