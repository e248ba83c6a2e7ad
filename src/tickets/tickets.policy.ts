// Who may see and do what with a ticket. Lists and loads are scoped with ticketScopeFor() in SQL,
// so what a user cannot see is simply not found (404); what they see but cannot do is a 403/409.
import type { SessionUser } from '../auth/session-user.js';
import { Prisma } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import {
  availableActions,
  capacitiesOf,
  checkTransition,
  type TicketAction,
  type TicketActor,
  type TicketParties,
} from './ticket-lifecycle.js';
import { isInWork } from './ticket-statuses.js';

export type Actor = Pick<SessionUser, 'id' | 'role' | 'organizationId' | 'isOrgManager'>;
export type PolicyTicket = TicketParties & { status: TicketStatus; closedAt: Date | null; deletedAt: Date | null };

export const isStaff = (actor: Pick<Actor, 'role'>) => actor.role !== 'CLIENT';
export const canBrowseQueue = (actor: Actor) => actor.role === 'SUPPORT' || actor.role === 'ADMIN';
export const canCreateTicket = (actor: Actor) => actor.role !== 'TECHNICIAN';
/** Creating on behalf of a client (phone call) and editing classification are support's job. */
export const canActForClients = (actor: Actor) => actor.role === 'SUPPORT' || actor.role === 'ADMIN';
export const canEditClassification = canActForClients;
export const canManageBin = (actor: Actor) => actor.role === 'ADMIN';
/** Internal notes and staff-only attachments and events. */
export const canSeeInternal = isStaff;

/** The tickets this actor may see, as a Prisma filter (deleted tickets only for the admin's bin). */
export function ticketScopeFor(actor: Actor, options: { bin?: boolean } = {}): Prisma.TicketWhereInput {
  const deleted: Prisma.TicketWhereInput =
    options.bin && canManageBin(actor) ? { deletedAt: { not: null } } : { deletedAt: null };
  switch (actor.role) {
    case 'ADMIN':
    case 'SUPPORT':
      return deleted;
    case 'TECHNICIAN':
      // Assigned now or before, or in one of their departments (read-only browsing).
      return {
        ...deleted,
        OR: [
          { assigneeId: actor.id },
          { pastAssignees: { some: { userId: actor.id } } },
          { department: { members: { some: { userId: actor.id } } } },
        ],
      };
    case 'CLIENT':
      return actor.isOrgManager && actor.organizationId !== null
        ? { ...deleted, OR: [{ requesterId: actor.id }, { organizationId: actor.organizationId }] }
        : { ...deleted, requesterId: actor.id };
  }
}

/**
 * The same rule as ticketScopeFor(), as SQL on the alias `t`, for the statements written by hand
 * (lists, search). Keep the two side by side: they must always agree.
 */
export function ticketScopeSql(actor: Actor): Prisma.Sql {
  switch (actor.role) {
    case 'ADMIN':
    case 'SUPPORT':
      return Prisma.sql`t."deletedAt" IS NULL`;
    case 'TECHNICIAN':
      // The past-assignee check last, and probed row by row (OFFSET 0 keeps PostgreSQL from
      // hashing every ticket the technician ever held first: 175,000 at 1M tickets, 110 ms per
      // statement, when a search checks a few thousand rows).
      return Prisma.sql`t."deletedAt" IS NULL AND (
        t."assigneeId" = ${actor.id}
        OR t."departmentId" IN (SELECT ud."departmentId" FROM "UserDepartment" ud WHERE ud."userId" = ${actor.id})
        OR EXISTS (SELECT 1 FROM "TicketAssigneeHistory" h WHERE h."ticketId" = t."id" AND h."userId" = ${actor.id} OFFSET 0))`;
    case 'CLIENT':
      return actor.isOrgManager && actor.organizationId !== null
        ? Prisma.sql`t."deletedAt" IS NULL AND (t."requesterId" = ${actor.id} OR t."organizationId" = ${actor.organizationId})`
        : Prisma.sql`t."deletedAt" IS NULL AND t."requesterId" = ${actor.id}`;
  }
}

/**
 * ticketScopeSql() as disjoint parts whose union is the same set of tickets, for reading the
 * newest tickets in scope: each part follows its own index (a manager's own tickets, then the rest
 * of the organization's), where the single OR walks every ticket newest first (20 rows read per row
 * in scope, measured at 1M). Keep beside ticketScopeSql(): they must always agree.
 */
export function ticketScopePartsSql(actor: Actor): Prisma.Sql[] {
  if (actor.role === 'CLIENT' && actor.isOrgManager && actor.organizationId !== null) {
    return [
      Prisma.sql`t."deletedAt" IS NULL AND t."requesterId" = ${actor.id}`,
      Prisma.sql`t."deletedAt" IS NULL AND t."organizationId" = ${actor.organizationId} AND t."requesterId" <> ${actor.id}`,
    ];
  }
  return [ticketScopeSql(actor)];
}

export type ReopenRule = { reopenWindowDays: number; now?: Date };

/** Lifecycle check plus the rules around the table (a client's reopen window). */
export function mayTakeAction(
  actor: Actor | 'system' | { kind: 'rule' },
  ticket: PolicyTicket,
  action: TicketAction,
  rule: ReopenRule,
): { ok: true; to: TicketStatus } | { ok: false; reason: 'not_allowed_in_state' | 'not_your_role' | 'reopen_window' } {
  if (ticket.deletedAt) return { ok: false, reason: 'not_allowed_in_state' };
  // A rule acts for the system: the table gives it exactly the system's capacity.
  const capacities = capacitiesOf(actor !== 'system' && 'kind' in actor ? 'system' : (actor as TicketActor), ticket);
  const check = checkTransition(action, ticket.status, capacities);
  if (!check.ok) return check;
  if (action === 'reopen' && check.capacity === 'owner' && ticket.status === 'CLOSED' && !capacities.has('support')) {
    const closedAt = ticket.closedAt?.getTime() ?? 0;
    const deadline = closedAt + rule.reopenWindowDays * 86_400_000;
    if ((rule.now ?? new Date()).getTime() > deadline) return { ok: false, reason: 'reopen_window' };
  }
  return { ok: true, to: check.to };
}

/** The actions a page offers: exactly those the service would accept now. */
export function allowedActions(actor: Actor, ticket: PolicyTicket, rule: ReopenRule): TicketAction[] {
  if (ticket.deletedAt) return [];
  const capacities = capacitiesOf(actor as TicketActor, ticket);
  return availableActions(ticket.status, capacities).filter((action) => mayTakeAction(actor, ticket, action, rule).ok);
}

/**
 * "Llegué al sitio": the technician holding the ticket records arriving at the client's site, once,
 * while the work is theirs (assigned, in progress or on hold).
 */
export function mayRecordOnSite(
  actor: Pick<Actor, 'id' | 'role'>,
  ticket: PolicyTicket & { onSiteAt: Date | null },
): { ok: true } | { ok: false; code: 'FORBIDDEN' | 'CONFLICT' } {
  if (actor.role !== 'TECHNICIAN' || ticket.assigneeId !== actor.id) return { ok: false, code: 'FORBIDDEN' };
  // In the technician's hands, and not yet handed back as a proposal.
  const working = isInWork(ticket.status) && ticket.status !== 'PENDING_VALIDATION';
  if (!working || ticket.deletedAt !== null || ticket.onSiteAt !== null) return { ok: false, code: 'CONFLICT' };
  return { ok: true };
}

/** Public comments while the ticket is open; a client on a RESOLVED ticket is offered a reopen instead. */
export function commentRights(actor: Actor, ticket: PolicyTicket): { public: boolean; internal: boolean } {
  const closed = ticket.status === 'CLOSED' || ticket.status === 'CANCELLED' || ticket.deletedAt !== null;
  if (closed) {
    const staffWriter = actor.role === 'SUPPORT' || actor.role === 'ADMIN';
    return { public: false, internal: staffWriter && ticket.deletedAt === null };
  }
  if (actor.role === 'CLIENT') return { public: ticket.status !== 'RESOLVED', internal: false };
  // A technician browsing a department's tickets reads them; only the assignee writes.
  if (actor.role === 'TECHNICIAN' && ticket.assigneeId !== actor.id) return { public: false, internal: false };
  return { public: true, internal: true };
}
