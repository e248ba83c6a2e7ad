// What every ticket use case writes with: the scoped load, the version compare-and-set, the counters
// (per status, per technician), files stored before the rows that point to them, and the lookups
// that validate a choice.
import type { AttachmentStorage } from '../attachments/storage.js';
import type { PreparedUpload } from '../attachments/upload.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { AppError, notFound, validationError } from '../lib/errors.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { FieldChange, TicketChangeHooks, Tx } from './ticket-changes.js';
import { LookupError, type Lookups } from './ticket-lifecycle.js';
import { isInWork } from './ticket-statuses.js';
import { type Actor, ticketScopeFor } from './tickets.policy.js';

/**
 * A rule acting for the system (src/rules/): the lifecycle table sees the system (capacity
 * `system`), the history shows the rule's name, and what the change triggers carries the causal
 * chain — `depth` (1 for a rule acting on a person's change, +1 per rule in between) and the ids
 * of every rule on the way — so no rule runs on an event it caused and the chain stops at a depth.
 */
export type RuleActor = { kind: 'rule'; ruleId: number; name: string; depth: number; chain: number[] };
/** The system: a job (`'system'`) or a rule on its behalf. */
export type SystemActor = 'system' | RuleActor;

export const isSystemActor = (actor: Actor | SystemActor): actor is SystemActor =>
  actor === 'system' || 'kind' in actor;
/** The rule behind an actor, if it is one. */
export const ruleOf = (actor: Actor | SystemActor): RuleActor | null =>
  actor !== 'system' && 'kind' in actor ? actor : null;
/** What a change made by a rule carries to the subscribers (see TicketChange.cause). */
export const causeOf = (actor: Actor | SystemActor) => {
  const rule = ruleOf(actor);
  return rule ? { cause: { ruleId: rule.ruleId, depth: rule.depth, chain: rule.chain } } : {};
};
/** The history's mark of a rule's change: TicketEvent.data.rule (shown as "Regla: <name>"). */
export const ruleMark = (actor: Actor | SystemActor) => {
  const rule = ruleOf(actor);
  return rule ? { rule: rule.name } : {};
};

/** What the ticket use cases are built from (see services.ts). */
export type TicketDeps = {
  prisma: PrismaClient;
  settings: SettingsService;
  storage: AttachmentStorage;
  hooks: TicketChangeHooks;
};

export const loadedTicketSelect = {
  id: true,
  number: true,
  status: true,
  version: true,
  requesterId: true,
  organizationId: true,
  assigneeId: true,
  closedAt: true,
  deletedAt: true,
  onHoldSince: true,
  firstResponseAt: true,
  priority: true,
  categoryId: true,
  departmentId: true,
  solution: true,
} as const;

export type LoadedTicket = {
  id: number;
  number: number;
  status: TicketStatus;
  version: number;
  requesterId: number;
  organizationId: number | null;
  assigneeId: number | null;
  closedAt: Date | null;
  deletedAt: Date | null;
  onHoldSince: Date | null;
  firstResponseAt: Date | null;
  priority: 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  categoryId: number | null;
  departmentId: number | null;
  solution: string | null;
};

/** "This ticket changed while you were editing": the form was made from an older version. */
export const stale = () => new AppError('STALE', 'tickets.errors.stale');

export const scopeOf = (actor: Actor | SystemActor) =>
  isSystemActor(actor) ? { deletedAt: null } : ticketScopeFor(actor);

/** Loads a ticket the actor may see, or 404 — the same answer as for one that does not exist. */
export async function loadScoped(
  prisma: Pick<PrismaClient, 'ticket'>,
  actor: Actor | SystemActor,
  number: number,
): Promise<LoadedTicket> {
  const ticket = await prisma.ticket.findFirst({
    where: { AND: [scopeOf(actor), { number }] },
    select: loadedTicketSelect,
  });
  if (!ticket) throw notFound();
  return ticket;
}

/**
 * Writes `data` only if the ticket is still at the version the change was planned on, bumping it;
 * otherwise someone changed it meanwhile and the whole transaction is refused (nothing written).
 */
export async function compareAndSet(
  tx: Tx,
  ticket: Pick<LoadedTicket, 'id' | 'version'>,
  data: Parameters<Tx['ticket']['updateMany']>[0]['data'],
): Promise<void> {
  const updated = await tx.ticket.updateMany({
    where: { id: ticket.id, version: ticket.version },
    data: { ...data, version: { increment: 1 } },
  });
  if (updated.count !== 1) throw stale();
}

/**
 * What the counters count of a ticket: its status and technician while it is live; null before it
 * exists, while it is in the bin, and once it is purged.
 */
export type Counted = { status: TicketStatus; assigneeId: number | null } | null;

/** The technician whose open load a ticket adds to: its assignee while it is live and in work. */
export const loadHolderOf = (ticket: Counted): number | null =>
  ticket !== null && ticket.assigneeId !== null && isInWork(ticket.status) ? ticket.assigneeId : null;

/**
 * Keeps the counters right for tickets going from one counted state to another: tickets per status
 * (the queue's counts) and each technician's open load (the technician picker). Every write that
 * changes a ticket's status, technician or bin state calls it, in its transaction, after locking
 * the ticket. Counter rows are always locked in one order — statuses by name, then technicians by
 * id: two opposite moves at once (IN_PROGRESS → ON_HOLD on one ticket, ON_HOLD → IN_PROGRESS on
 * another; a reassignment from A to B beside one from B to A) would otherwise deadlock.
 */
export async function moveCounters(tx: Tx, ...moves: { from: Counted; to: Counted }[]): Promise<void> {
  const byStatus = new Map<TicketStatus, number>();
  const byTechnician = new Map<number, number>();
  const add = <K>(tally: Map<K, number>, key: K | null | undefined, by: number) => {
    if (key !== null && key !== undefined) tally.set(key, (tally.get(key) ?? 0) + by);
  };
  for (const { from, to } of moves) {
    add(byStatus, from?.status, -1);
    add(byStatus, to?.status, 1);
    add(byTechnician, loadHolderOf(from), -1);
    add(byTechnician, loadHolderOf(to), 1);
  }
  const changed = <K extends string | number>(tally: Map<K, number>) =>
    [...tally].filter(([, by]) => by !== 0).sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [status, by] of changed(byStatus)) {
    await tx.ticketStatusCount.update({ where: { status }, data: { count: { increment: by } } });
  }
  // A technician's row appears with their first ticket, hence the upsert (one statement, no race).
  for (const [userId, by] of changed(byTechnician)) {
    await tx.$executeRaw`
      INSERT INTO "TechnicianLoad" ("userId", "openCount") VALUES (${userId}, ${by})
      ON CONFLICT ("userId") DO UPDATE SET "openCount" = "TechnicianLoad"."openCount" + EXCLUDED."openCount"`;
  }
}

export type StoredFile = { storageKey: string; sha256: string; size: number; upload: PreparedUpload };

/** Files go to the store before the rows that point to them; if the write fails they are removed. */
export async function withStoredFiles<T>(
  storage: AttachmentStorage,
  uploads: PreparedUpload[],
  write: (files: StoredFile[]) => Promise<T>,
): Promise<T> {
  const stored: StoredFile[] = [];
  try {
    for (const upload of uploads) stored.push({ ...(await storage.put(upload.tempPath)), upload });
    return await write(stored);
  } catch (error) {
    await Promise.all(stored.map((file) => storage.remove(file.storageKey).catch(() => {})));
    throw error;
  }
}

export async function attachFiles(
  tx: Tx,
  ticketId: number,
  uploaderId: number,
  files: StoredFile[],
  options: { commentId?: number; isInternal: boolean },
) {
  if (files.length === 0) return;
  await tx.attachment.createMany({
    data: files.map((file) => ({
      ticketId,
      uploaderId,
      commentId: options.commentId ?? null,
      isInternal: options.isInternal,
      originalName: file.upload.originalName,
      mimeType: file.upload.mimeType,
      storageKey: file.storageKey,
      size: file.size,
      sha256: file.sha256,
    })),
  });
}

type Classification = { categoryId: number | null; priority: string; departmentId: number | null };

/** Which of category, priority and department a new classification changes (for history and subscribers). */
export function classificationChanges(current: Classification, next: Classification): FieldChange[] {
  return (['categoryId', 'priority', 'departmentId'] as const)
    .filter((field) => current[field] !== next[field])
    .map((field) => ({ field, from: current[field], to: next[field] }));
}

/** Validates a choice made on a form against the database (active rows only). */
export function createLookups(prisma: PrismaClient, actor: Actor | SystemActor): Lookups {
  const invalid = (field: string) => new LookupError({ [field]: 'validation.invalidChoice' });
  return {
    async technician(id) {
      const technician = await prisma.user.findFirst({
        where: { id, role: 'TECHNICIAN', isActive: true },
        select: { id: true, name: true },
      });
      if (!technician) throw invalid('technicianId');
      return technician;
    },
    async category(id) {
      const category = await prisma.category.findFirst({
        where: { id, isActive: true },
        select: { id: true, departmentId: true },
      });
      if (!category) throw invalid('categoryId');
      return category;
    },
    async department(id) {
      if (id === null) return;
      const department = await prisma.department.findFirst({ where: { id, isActive: true }, select: { id: true } });
      if (!department) throw invalid('departmentId');
    },
    async visibleTicket(number, field) {
      const ticket = await prisma.ticket.findFirst({
        where: { AND: [scopeOf(actor), { number }] },
        select: { id: true },
      });
      if (!ticket) throw new LookupError({ [field]: 'validation.invalidTicketNumber' });
      return ticket;
    },
  };
}

/** Runs a lookup-using step, turning a bad choice into the form's inline validation error. */
export async function validated<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof LookupError) {
      throw validationError(Object.fromEntries(Object.entries(error.fields).map(([field, key]) => [field, { key }])));
    }
    throw error;
  }
}

export async function lifecycleRules(settings: SettingsService) {
  const { reopenWindowDays } = await settings.get();
  return { reopenWindowDays };
}
