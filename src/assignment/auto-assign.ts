// Automatic assignment: a new or reopened ticket goes to a technician of its department by the
// department's method (round-robin or least open load), among its active members who are not
// absent. It is the lifecycle's `assign` action taken by the system — planned and applied by the
// same runner as a person's, so the table, its guards and the history apply — in its own
// transaction after the ticket's creation (or reopening) committed. A person always wins: if the
// ticket was assigned or otherwise changed meanwhile, this steps aside and changes nothing.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { AssignMethod } from '../generated/prisma/enums.js';
import { AppError } from '../lib/errors.js';
import type { Tx } from '../tickets/ticket-changes.js';
import { loadedTicketSelect, type SystemActor, type TicketDeps } from '../tickets/ticket-writes.js';
import { applyTransition, planTransition } from '../tickets/transition-ticket.js';
import { type Candidate, pickTechnician } from './pick-technician.js';

export type AutoAssignResult = { assigned: { id: number; name: string } } | { skipped: SkipReason };

/** Why nothing was assigned; none of them is an error. */
export type SkipReason =
  | 'not_found'
  | 'not_waiting'
  | 'changed'
  | 'no_department'
  | 'no_category'
  | 'manual'
  | 'no_one_available'
  | 'refused';

export type AutoAssignOptions = {
  /**
   * The version the caller left the ticket at (after its create or reopen committed): a newer one
   * means a person touched it first, and their choice stands.
   */
  version?: number;
  /** On a reopen: give it back to the technician who had it, if they are still available. */
  preferPrevious?: boolean;
  /** Who assigns: the system, or a rule on its behalf (its name in the history, its causal chain). */
  actor?: SystemActor;
};

/** Active technicians of the department, not absent at `now`, with their open load: one statement. */
export function availableMembers(db: Pick<PrismaClient, '$queryRaw'>, departmentId: number, now: Date) {
  return db.$queryRaw<Candidate[]>`
    SELECT u.id, u.name, COALESCE(l."openCount", 0)::int AS "openCount"
    FROM "UserDepartment" m
    JOIN "User" u ON u.id = m."userId"
    LEFT JOIN "TechnicianLoad" l ON l."userId" = u.id
    WHERE m."departmentId" = ${departmentId} AND u.role = 'TECHNICIAN' AND u."isActive"
      AND NOT EXISTS (
        SELECT 1 FROM "UserAbsence" a
        WHERE a."userId" = u.id AND a."startsAt" <= ${now} AND a."endsAt" > ${now})
    ORDER BY u.id`;
}

export function createAutoAssign(deps: TicketDeps) {
  const { prisma } = deps;

  async function assignByDepartment(ticketNumber: number, options: AutoAssignOptions = {}): Promise<AutoAssignResult> {
    // The settings the table's guards read, loaded before the transaction: with one connection
    // (embedded mode) nothing may wait on a second query while the transaction holds it.
    await deps.settings.get();
    try {
      return await prisma.$transaction((tx) => assignIn(tx, ticketNumber, options));
    } catch (error) {
      // Someone changed the ticket between our read and our write: their change stands.
      if (error instanceof AppError && error.code === 'STALE') return { skipped: 'changed' };
      // The table or a lookup refused (e.g. the department or category was retired meanwhile).
      if (error instanceof AppError && ['VALIDATION', 'CONFLICT', 'FORBIDDEN'].includes(error.code)) {
        return { skipped: 'refused' };
      }
      throw error;
    }
  }

  async function assignIn(tx: Tx, number: number, options: AutoAssignOptions): Promise<AutoAssignResult> {
    const ticket = await tx.ticket.findFirst({ where: { number, deletedAt: null }, select: loadedTicketSelect });
    if (!ticket) return { skipped: 'not_found' };
    if (ticket.status !== 'NEW' && ticket.status !== 'REOPENED') return { skipped: 'not_waiting' };
    if (options.version !== undefined && ticket.version !== options.version) return { skipped: 'changed' };
    if (ticket.departmentId === null) return { skipped: 'no_department' };
    // The table's assign needs a category; a ticket without one waits for triage.
    if (ticket.categoryId === null) return { skipped: 'no_category' };
    // The department row is the turnstile: concurrent assignments in one department take turns,
    // so two tickets created at once never read the same cursor (or the same loads). NO KEY: the
    // tickets being filed into the department meanwhile (their key-share locks) need not wait.
    const [department] = await tx.$queryRaw<
      { assignMethod: AssignMethod; lastAutoAssigneeId: number | null; isActive: boolean }[]
    >`
      SELECT "assignMethod", "lastAutoAssigneeId", "isActive" FROM "Department"
      WHERE id = ${ticket.departmentId} FOR NO KEY UPDATE`;
    // A retired department routes nothing new; support reclassifies.
    if (!department?.isActive) return { skipped: 'no_department' };
    if (department.assignMethod === 'MANUAL') return { skipped: 'manual' };

    const candidates = await availableMembers(tx, ticket.departmentId, new Date());
    const previous = options.preferPrevious
      ? candidates.find((candidate) => candidate.id === ticket.assigneeId)
      : undefined;
    const chosen = previous ?? pickTechnician(department.assignMethod, candidates, department.lastAutoAssigneeId);
    if (!chosen) return { skipped: 'no_one_available' };

    // Planned with the transaction's client: the lookups see (and wait on) what this transaction sees.
    const txDeps = { ...deps, prisma: tx as unknown as PrismaClient };
    const plan = await planTransition(txDeps, options.actor ?? 'system', ticket, 'assign', {
      version: ticket.version,
      categoryId: ticket.categoryId,
      priority: ticket.priority,
      technicianId: chosen.id,
      departmentId: ticket.departmentId,
    });
    await applyTransition(tx, txDeps, plan);
    // A returning technician is not a turn: the round goes on from where it was.
    if (!previous && department.assignMethod === 'ROUND_ROBIN') {
      await tx.department.update({ where: { id: ticket.departmentId }, data: { lastAutoAssigneeId: chosen.id } });
    }
    return { assigned: { id: chosen.id, name: chosen.name } };
  }

  return { assignByDepartment };
}

export type AutoAssign = ReturnType<typeof createAutoAssign>;
