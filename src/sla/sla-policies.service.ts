// SLA policies, as the admin keeps them: an ordered list (positions 1..n, no gaps) where the first
// active policy whose conditions hold applies (sla-policies.ts). Each write is one transaction with
// its audit row; then every process drops its cached copies (referenceChanged), so the clock
// picks from what the admin just saved.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { notFound, validationError } from '../lib/errors.js';
import { escapeLike } from '../lib/like.js';
import { referenceChanged } from '../reference/reference-data.js';
import { parseTicketNumber } from '../tickets/ticket-number.js';
import type { SlaPolicyRule, SlaSubject } from './sla-policies.js';
import type { TSlaPolicyForm } from './sla-policies.schema.js';
import { explainPick } from './sla-policy-preview.js';
import { requestSlaRecompute } from './sla-sweep.js';

/**
 * Taken (transaction-scoped) by every write that changes the order, so two admins adding or moving
 * policies at once cannot leave two at one position. A lock on the rows would not do: the first
 * policy has no row to lock. One-part key, beside setup's 727001 (see jobs/locks.ts).
 */
const orderLock = 727002;

const policySelect = {
  id: true,
  name: true,
  position: true,
  isActive: true,
  isDemo: true,
  priorities: true,
  categoryIds: true,
  departmentIds: true,
  organizationIds: true,
  channels: true,
  businessHours: true,
  firstResponseMinutes: true,
  nextResponseMinutes: true,
  resolutionMinutes: true,
  onSiteMinutes: true,
  escalationUserId: true,
  escalationUser: { select: { id: true, name: true, isActive: true } },
} as const satisfies Prisma.SlaPolicySelect;

export type StoredSlaPolicy = Prisma.SlaPolicyGetPayload<{ select: typeof policySelect }>;

/** What a write stores: the form with organization names turned into ids. */
type PolicyData = Omit<TSlaPolicyForm, 'organizationNames'> & { organizationIds: number[] };

const staffRoles = ['SUPPORT', 'TECHNICIAN', 'ADMIN'] as const;

export type PolicyNames = {
  categories: Map<number, string>;
  departments: Map<number, string>;
  organizations: Map<number, string>;
};

type Tx = Prisma.TransactionClient;

const isDuplicateKey = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && (error as { code: unknown }).code === 'P2002';

/** Every write that adds, removes or moves a policy takes this first (the demo data's too). */
export async function lockSlaPolicyOrder(tx: Tx) {
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${orderLock}::bigint)) AS l`;
}

/** Positions 1..n in this order, writing only the rows that move. */
async function renumber(tx: Tx, ordered: { id: number; position: number }[]) {
  for (const [index, row] of ordered.entries()) {
    if (row.position !== index + 1) {
      await tx.slaPolicy.update({ where: { id: row.id }, data: { position: index + 1 }, select: { id: true } });
    }
  }
}

const orderedIds = (tx: Tx) =>
  tx.slaPolicy.findMany({ orderBy: [{ position: 'asc' }, { id: 'asc' }], select: { id: true, position: true } });

/** Closes the gaps a deletion left (under lockSlaPolicyOrder); returns how many policies there are. */
export async function renumberSlaPolicies(tx: Tx): Promise<number> {
  const ordered = await orderedIds(tx);
  await renumber(tx, ordered);
  return ordered.length;
}

export function createSlaPoliciesService(ctx: Pick<AppContext, 'db' | 'settings'>) {
  const { prisma } = ctx.db;

  async function get(id: number): Promise<StoredSlaPolicy> {
    const row = await prisma.slaPolicy.findUnique({ where: { id }, select: policySelect });
    if (!row) throw notFound();
    return row;
  }

  async function assertNameFree(name: string, id?: number) {
    const taken = await prisma.slaPolicy.findFirst({
      where: { name: { equals: escapeLike(name), mode: 'insensitive' }, ...(id ? { id: { not: id } } : {}) },
      select: { id: true },
    });
    if (taken) throw validationError({ name: { key: 'validation.nameTaken' } });
  }

  /** Names for ids, as stored; a name that no longer exists is simply absent from its map. */
  async function namesFor(policies: Pick<SlaPolicyRule, 'categoryIds' | 'departmentIds' | 'organizationIds'>[]) {
    const organizationIds = [...new Set(policies.flatMap((policy) => policy.organizationIds))];
    const [categories, departments, organizations] = await Promise.all([
      prisma.category.findMany({ select: { id: true, name: true } }),
      prisma.department.findMany({ select: { id: true, name: true } }),
      organizationIds.length === 0
        ? []
        : prisma.organization.findMany({ where: { id: { in: organizationIds } }, select: { id: true, name: true } }),
    ]);
    const toMap = (rows: { id: number; name: string }[]) => new Map(rows.map((row) => [row.id, row.name]));
    return {
      categories: toMap(categories),
      departments: toMap(departments),
      organizations: toMap(organizations),
    } satisfies PolicyNames;
  }

  /**
   * The form's references, checked: categories, departments and the escalation user must exist
   * (a retired one the policy already has may stay), organizations are found by name (any case).
   */
  async function resolve(input: TSlaPolicyForm, current: StoredSlaPolicy | null): Promise<PolicyData> {
    const { organizationNames, ...rest } = input;
    const [categories, departments, escalation, organizations] = await Promise.all([
      prisma.category.count({ where: { id: { in: input.categoryIds } } }),
      prisma.department.count({ where: { id: { in: input.departmentIds } } }),
      input.escalationUserId === null
        ? null
        : prisma.user.findUnique({ where: { id: input.escalationUserId }, select: { role: true, isActive: true } }),
      organizationNames.length === 0
        ? []
        : prisma.$queryRaw<{ id: number; name: string }[]>`
            SELECT "id", "name" FROM "Organization" WHERE lower("name") = ANY(${organizationNames.map((name) => name.toLowerCase())})`,
    ]);
    const errors: Record<string, { key: string; params?: Record<string, unknown> }> = {};
    if (categories !== input.categoryIds.length) errors.categoryIds = { key: 'validation.invalidChoice' };
    if (departments !== input.departmentIds.length) errors.departmentIds = { key: 'validation.invalidChoice' };
    const keptEscalation = current !== null && current.escalationUserId === input.escalationUserId;
    const validEscalation =
      escalation !== null &&
      (staffRoles as readonly string[]).includes(escalation.role) &&
      (escalation.isActive || keptEscalation);
    if (input.escalationUserId !== null && !validEscalation) {
      errors.escalationUserId = { key: 'validation.invalidChoice' };
    }
    const idByName = new Map(organizations.map((row) => [row.name.toLowerCase(), row.id]));
    const unknown = organizationNames.filter((name) => !idByName.has(name.toLowerCase()));
    if (unknown.length > 0) {
      errors.organizations = { key: 'validation.unknownOrganizations', params: { names: unknown.join(', ') } };
    }
    if (Object.keys(errors).length > 0) throw validationError(errors);
    return {
      ...rest,
      organizationIds: organizationNames.map((name) => idByName.get(name.toLowerCase()) as number),
    };
  }

  async function audit(tx: Tx, actorId: number, action: string, id: number, data?: Prisma.InputJsonValue) {
    await tx.auditLog.create({
      data: { actorId, action: `slaPolicy.${action}`, entityType: 'slaPolicy', entityId: String(id), data },
    });
  }

  /** Runs a write; a name taken by someone else meanwhile is the form's error, not a 500. */
  async function write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      const result = await prisma.$transaction(async (tx) => {
        const done = await work(tx);
        // Open tickets follow the new rules: the sweep recomputes them.
        await requestSlaRecompute(tx);
        return done;
      });
      await referenceChanged(prisma);
      return result;
    } catch (error) {
      if (isDuplicateKey(error)) throw validationError({ name: { key: 'validation.nameTaken' } });
      throw error;
    }
  }

  async function ticketSubject(numberText: string) {
    const number = parseTicketNumber(numberText);
    if (number === null) throw validationError({ ticket: { key: 'validation.ticketNumber' } });
    const ticket = await prisma.ticket.findFirst({
      where: { number, deletedAt: null },
      select: {
        id: true,
        number: true,
        subject: true,
        status: true,
        priority: true,
        channel: true,
        categoryId: true,
        departmentId: true,
        organizationId: true,
        category: { select: { name: true } },
        department: { select: { name: true } },
        organization: { select: { name: true } },
        slaPolicy: { select: { id: true, name: true } },
        firstResponseDueAt: true,
        nextResponseDueAt: true,
        resolutionDueAt: true,
        onSiteDueAt: true,
      },
    });
    if (!ticket) throw validationError({ ticket: { key: 'validation.ticketNotFound' } });
    return ticket;
  }

  return {
    get,
    namesFor,

    /** Every policy in the order they are tried, with the names their summaries show, and the warning threshold. */
    async list() {
      const policies = await prisma.slaPolicy.findMany({
        orderBy: [{ position: 'asc' }, { id: 'asc' }],
        select: policySelect,
      });
      const { slaWarnPercent } = await ctx.settings.get();
      return { policies, names: await namesFor(policies), warnPercent: slaWarnPercent };
    },

    /**
     * When warnings go out, as a share of each target's time. Every open ticket's warning instant
     * moves with it, so the sweep recomputes them (as after a policy change).
     */
    async setWarnPercent(percent: number, actorId: number) {
      await prisma.$transaction(async (tx) => {
        await tx.setting.upsert({
          where: { key: 'slaWarnPercent' },
          create: { key: 'slaWarnPercent', value: percent },
          update: { value: percent },
        });
        await tx.auditLog.create({
          data: {
            actorId,
            action: 'settings.update',
            entityType: 'setting',
            entityId: 'slaWarnPercent',
            data: { slaWarnPercent: percent },
          },
        });
        await requestSlaRecompute(tx);
      });
      await referenceChanged(prisma);
    },

    /** The form's choices: active ones, plus the retired ones this policy already has. */
    async formOptions(current: StoredSlaPolicy | null) {
      const [categories, departments, staff] = await Promise.all([
        prisma.category.findMany({
          where: { OR: [{ isActive: true }, { id: { in: current?.categoryIds ?? [] } }] },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, isActive: true },
        }),
        prisma.department.findMany({
          where: { OR: [{ isActive: true }, { id: { in: current?.departmentIds ?? [] } }] },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, isActive: true },
        }),
        prisma.user.findMany({
          where: {
            role: { in: [...staffRoles] },
            OR: [{ isActive: true }, ...(current?.escalationUserId ? [{ id: current.escalationUserId }] : [])],
          },
          orderBy: [{ name: 'asc' }, { id: 'asc' }],
          select: { id: true, name: true, role: true, isActive: true },
        }),
      ]);
      return { categories, departments, staff };
    },

    /** Organization names for a policy's form, in its order; ids of deleted ones are counted apart. */
    async organizationNames(policy: Pick<SlaPolicyRule, 'organizationIds'>) {
      const { organizations } = await namesFor([
        { categoryIds: [], departmentIds: [], organizationIds: policy.organizationIds },
      ]);
      const names = policy.organizationIds.flatMap((id) => organizations.get(id) ?? []);
      return { names, missing: policy.organizationIds.length - names.length };
    },

    /** A new policy goes last: it applies only where none of the existing ones does, until moved up. */
    async create(input: TSlaPolicyForm, actorId: number) {
      await assertNameFree(input.name);
      const data = await resolve(input, null);
      return write(async (tx) => {
        await lockSlaPolicyOrder(tx);
        const count = await renumberSlaPolicies(tx);
        const row = await tx.slaPolicy.create({
          data: { ...data, position: count + 1 },
          select: { id: true, position: true },
        });
        await audit(tx, actorId, 'create', row.id, { ...data, position: row.position });
        return row;
      });
    },

    /** An edited demo policy is the admin's own from then on: removing the demo data keeps it. */
    async update(id: number, input: TSlaPolicyForm, actorId: number) {
      const current = await get(id);
      await assertNameFree(input.name, id);
      const data = await resolve(input, current);
      await write(async (tx) => {
        const updated = await tx.slaPolicy.updateMany({ where: { id }, data: { ...data, isDemo: false } });
        if (updated.count === 0) throw notFound();
        await audit(tx, actorId, 'update', id, data);
      });
    },

    async remove(id: number, actorId: number) {
      await write(async (tx) => {
        await lockSlaPolicyOrder(tx);
        const row = await tx.slaPolicy.findUnique({ where: { id }, select: { name: true } });
        if (!row) throw notFound();
        // Tickets that had it keep their due instants until their next change recomputes them
        // (the foreign key clears their slaPolicyId).
        await tx.slaPolicy.delete({ where: { id } });
        await renumberSlaPolicies(tx);
        await audit(tx, actorId, 'delete', id, { name: row.name });
      });
    },

    /** One place earlier or later; at either end, nothing changes (and nothing is logged). */
    async move(id: number, direction: 'up' | 'down', actorId: number) {
      return write(async (tx) => {
        await lockSlaPolicyOrder(tx);
        const ordered = await orderedIds(tx);
        const from = ordered.findIndex((row) => row.id === id);
        if (from === -1) throw notFound();
        const to = direction === 'up' ? from - 1 : from + 1;
        const other = ordered[to];
        if (!other) return { moved: false };
        ordered[to] = ordered[from] as { id: number; position: number };
        ordered[from] = other;
        await renumber(tx, ordered);
        await audit(tx, actorId, 'move', id, { from: from + 1, to: to + 1 });
        return { moved: true };
      });
    },

    async setActive(id: number, isActive: boolean, actorId: number) {
      await write(async (tx) => {
        const row = await tx.slaPolicy.findUnique({ where: { id }, select: { isActive: true } });
        if (!row) throw notFound();
        if (row.isActive === isActive) return;
        await tx.slaPolicy.update({ where: { id }, data: { isActive }, select: { id: true } });
        await audit(tx, actorId, isActive ? 'activate' : 'deactivate', id);
      });
    },

    /**
     * Which policy applies to a ticket now (by its number, "TKT-1234" or "1234"), why each one
     * before it does not, and what the ticket has stored (its policy and due instants).
     */
    async preview(numberText: string) {
      const ticket = await ticketSubject(numberText);
      const subject: SlaSubject = {
        priority: ticket.priority,
        categoryId: ticket.categoryId,
        departmentId: ticket.departmentId,
        organizationId: ticket.organizationId,
        channel: ticket.channel,
      };
      const policies = await prisma.slaPolicy.findMany({
        orderBy: [{ position: 'asc' }, { id: 'asc' }],
        select: policySelect,
      });
      return { ticket, ...explainPick(policies, subject), names: await namesFor(policies) };
    },
  };
}

export type SlaPoliciesService = ReturnType<typeof createSlaPoliciesService>;
