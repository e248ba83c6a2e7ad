// The ticket lifecycle of LIFECYCLE.md as data: the one table every page, API, e-mail reply and
// job asks. Nothing else decides whether a status may change. Pure: no database here.
import type { Role, TicketStatus } from '../generated/prisma/enums.js';

export const ticketStatuses = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'ON_HOLD',
  'PENDING_VALIDATION',
  'RESOLVED',
  'CLOSED',
  'REOPENED',
  'CANCELLED',
] as const satisfies readonly TicketStatus[];

export const ticketActions = [
  'assign',
  'resolve_direct',
  'start',
  'reassign',
  'hold',
  'resume',
  'submit_solution',
  'reject_solution',
  'approve_solution',
  'confirm',
  'close',
  'reopen',
  'cancel',
] as const;
export type TicketAction = (typeof ticketActions)[number];

/** How an actor stands towards a ticket; a person may hold several capacities at once. */
export type Capacity = 'owner' | 'support' | 'assignee' | 'system';

type Transition = {
  to: TicketStatus;
  /** For each capacity allowed to act, the states it may act from. */
  by: Partial<Record<Capacity, readonly TicketStatus[]>>;
};

const open = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION', 'RESOLVED', 'REOPENED'] as const;

export const transitions: Record<TicketAction, Transition> = {
  assign: { to: 'ASSIGNED', by: { support: ['NEW', 'REOPENED'] } },
  resolve_direct: { to: 'RESOLVED', by: { support: ['NEW', 'REOPENED'] } },
  start: { to: 'IN_PROGRESS', by: { assignee: ['ASSIGNED'] } },
  reassign: {
    to: 'ASSIGNED',
    by: { support: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'], assignee: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'] },
  },
  hold: { to: 'ON_HOLD', by: { assignee: ['IN_PROGRESS'], support: ['IN_PROGRESS'] } },
  // The system resumes a ticket when the client replies while it waits on them.
  resume: { to: 'IN_PROGRESS', by: { assignee: ['ON_HOLD'], support: ['ON_HOLD'], system: ['ON_HOLD'] } },
  submit_solution: { to: 'PENDING_VALIDATION', by: { assignee: ['IN_PROGRESS'] } },
  reject_solution: { to: 'IN_PROGRESS', by: { support: ['PENDING_VALIDATION'] } },
  approve_solution: { to: 'RESOLVED', by: { support: ['PENDING_VALIDATION'] } },
  confirm: { to: 'CLOSED', by: { owner: ['RESOLVED'] } },
  close: { to: 'CLOSED', by: { support: ['RESOLVED'], system: ['RESOLVED'] } },
  // A client may reopen a CLOSED ticket only within the reopen window (a guard in the service).
  reopen: { to: 'REOPENED', by: { owner: ['RESOLVED', 'CLOSED'], support: ['RESOLVED', 'CLOSED'] } },
  cancel: { to: 'CANCELLED', by: { support: open, owner: ['NEW'] } },
};

/** What each action needs from the form, beyond the ticket's version. */
export const requiredInput: Record<TicketAction, readonly string[]> = {
  assign: ['categoryId', 'priority', 'technicianId'],
  resolve_direct: ['message'],
  start: [],
  reassign: ['technicianId', 'reason'],
  hold: ['reason'],
  resume: [],
  submit_solution: ['solution'],
  reject_solution: ['reason'],
  approve_solution: ['message'],
  confirm: [],
  close: [],
  reopen: ['reason'],
  cancel: ['reason'],
};

export type TicketActor = { id: number; role: Role; organizationId: number | null; isOrgManager: boolean };
export type TicketParties = { requesterId: number; organizationId: number | null; assigneeId: number | null };

/** The capacities in which `actor` stands towards `ticket`. Admin holds every one but system. */
export function capacitiesOf(actor: TicketActor | 'system', ticket: TicketParties): Set<Capacity> {
  if (actor === 'system') return new Set(['system']);
  const capacities = new Set<Capacity>();
  if (actor.role === 'ADMIN') return new Set(['owner', 'support', 'assignee']);
  if (actor.role === 'SUPPORT') capacities.add('support');
  if (actor.role === 'TECHNICIAN' && ticket.assigneeId === actor.id) capacities.add('assignee');
  if (actor.role === 'CLIENT') {
    const ownsIt = ticket.requesterId === actor.id;
    const managesIt =
      actor.isOrgManager && actor.organizationId !== null && actor.organizationId === ticket.organizationId;
    if (ownsIt || managesIt) capacities.add('owner');
  }
  return capacities;
}

export type TransitionCheck =
  | { ok: true; to: TicketStatus; capacity: Capacity }
  | { ok: false; reason: 'not_allowed_in_state' | 'not_your_role' };

/**
 * May this actor take this action on a ticket in this status? The answer names the capacity used,
 * so guards that depend on it (the client's reopen window) can be applied by the caller.
 */
export function checkTransition(
  action: TicketAction,
  status: TicketStatus,
  capacities: Set<Capacity>,
): TransitionCheck {
  const transition = transitions[action];
  let hasRole = false;
  for (const [capacity, from] of Object.entries(transition.by) as [Capacity, readonly TicketStatus[]][]) {
    if (!capacities.has(capacity)) continue;
    hasRole = true;
    if (from.includes(status)) return { ok: true, to: transition.to, capacity };
  }
  return { ok: false, reason: hasRole ? 'not_allowed_in_state' : 'not_your_role' };
}

/** Actions the actor may take now, in table order: what a ticket page offers. */
export function availableActions(status: TicketStatus, capacities: Set<Capacity>): TicketAction[] {
  return ticketActions.filter((action) => checkTransition(action, status, capacities).ok);
}

export function isTicketAction(value: unknown): value is TicketAction {
  return typeof value === 'string' && (ticketActions as readonly string[]).includes(value);
}

/** The queue's first sort key: waiting on support (0), being worked or awaiting the client (1), final (2). */
export const queueRankOf = (status: TicketStatus) =>
  status === 'NEW' || status === 'REOPENED' || status === 'PENDING_VALIDATION'
    ? 0
    : status === 'CLOSED' || status === 'CANCELLED'
      ? 2
      : 1;

export const priorities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type TicketPriority = (typeof priorities)[number];
/** Sort key, most urgent first. */
export const urgencyOf = (priority: TicketPriority) => ({ CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 })[priority];

export const isFinal = (status: TicketStatus) => status === 'CLOSED' || status === 'CANCELLED';
export const isOpenForWork = (status: TicketStatus) => !isFinal(status) && status !== 'RESOLVED';
