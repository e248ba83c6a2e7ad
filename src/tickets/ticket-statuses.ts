// The groups of statuses the product talks about, defined once (lists, counters, policies, jobs).
import type { TicketStatus } from '../generated/prisma/enums.js';

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

/** Nothing more happens to these. */
export const finalStatuses = ['CLOSED', 'CANCELLED'] as const satisfies readonly TicketStatus[];

/** Someone still has to act: the default of every "open work" list. */
export const openStatuses = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'ON_HOLD',
  'PENDING_VALIDATION',
  'REOPENED',
] as const satisfies readonly TicketStatus[];

/** In a technician's hands: their work list and their open load. */
export const workStatuses = [
  'ASSIGNED',
  'IN_PROGRESS',
  'ON_HOLD',
  'PENDING_VALIDATION',
] as const satisfies readonly TicketStatus[];

/** Waiting on support: first in the queue. */
export const supportWaitingStatuses = [
  'NEW',
  'REOPENED',
  'PENDING_VALIDATION',
] as const satisfies readonly TicketStatus[];

const has = (list: readonly TicketStatus[], status: TicketStatus) => list.includes(status);
export const isFinal = (status: TicketStatus) => has(finalStatuses, status);
export const isOpen = (status: TicketStatus) => has(openStatuses, status);
export const isInWork = (status: TicketStatus) => has(workStatuses, status);

/** The queue's first sort key: waiting on support (0), being worked or awaiting the client (1), final (2). */
export const queueRankOf = (status: TicketStatus) =>
  has(supportWaitingStatuses, status) ? 0 : isFinal(status) ? 2 : 1;

export const priorities = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type TicketPriority = (typeof priorities)[number];
/** Sort key, most urgent first. */
export const urgencyOf = (priority: TicketPriority) => ({ CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 })[priority];
