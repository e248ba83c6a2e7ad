// "A ticket changed": the one hook point every ticket write goes through, inside its transaction.
// Subscribers (notifications today; SLA clocks, rules, report roll-ups and webhooks later) receive
// what changed — never re-reading the database to guess — and write their own rows in the same
// transaction, so the change and everything that follows from it commit together or not at all.
import type { Prisma } from '../generated/prisma/client.js';
import type { Channel, Role, TicketStatus } from '../generated/prisma/enums.js';
import type { TicketAction } from './ticket-lifecycle.js';

export type Tx = Prisma.TransactionClient;

/** One property that changed: category, priority, department or technician. */
export type FieldChange = {
  field: 'categoryId' | 'priority' | 'departmentId' | 'assigneeId';
  from: string | number | null;
  to: string | number | null;
};

type Base = {
  ticketId: number;
  number: number;
  /** Null for the system (jobs, a client's reply resuming a ticket). */
  actorId: number | null;
  actorRole: Role | null;
  at: Date;
  requesterId: number;
  /** The technician holding the ticket after the change. */
  assigneeId: number | null;
  /** Set when a rule made the change (src/rules/): how deep in a chain of rules, and which ones. */
  cause?: { ruleId: number; depth: number; chain: number[] };
};

/** The comment written with the change, if any. */
export type ChangeComment = { id: number; body: string; isInternal: boolean };

export type TicketChange =
  | (Base & { kind: 'created'; status: TicketStatus; channel: Channel })
  | (Base & {
      kind: 'transition';
      action: TicketAction;
      from: TicketStatus;
      to: TicketStatus;
      fields: FieldChange[];
      comment: ChangeComment | null;
      previousAssigneeId: number | null;
    })
  | (Base & { kind: 'comment'; status: TicketStatus; comment: ChangeComment })
  | (Base & { kind: 'properties'; status: TicketStatus; fields: FieldChange[] })
  | (Base & { kind: 'deleted' | 'restored'; status: TicketStatus })
  /** The technician recorded arriving on site (the SLA's on-site target). */
  | (Base & { kind: 'onSite'; status: TicketStatus });

export type TicketChangeSubscriber = (tx: Tx, change: TicketChange) => Promise<void>;

export type TicketChangeHooks = {
  subscribe(subscriber: TicketChangeSubscriber): void;
  /** Called by the ticket use cases inside their transaction, after their own writes. */
  emit(tx: Tx, change: TicketChange): Promise<void>;
};

export function createTicketChangeHooks(): TicketChangeHooks {
  const subscribers: TicketChangeSubscriber[] = [];
  return {
    subscribe(subscriber) {
      subscribers.push(subscriber);
    },
    async emit(tx, change) {
      // In order, one at a time: they share the transaction's connection.
      for (const subscriber of subscribers) await subscriber(tx, change);
    },
  };
}
