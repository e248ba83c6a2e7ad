// The ticket lifecycle of LIFECYCLE.md as data: one record per action, the only place that says who
// may take it from which state, what it asks for (input schema and form fields), what it does to the
// ticket (effects), and who hears about it (notifications). The transition runner executes a
// record; pages ask it which actions to offer and which form each needs; the notification rules read
// its `notify`. No database here: effects that need one receive lookups from the runner.
import { z } from 'zod';
import type { Role, TicketStatus } from '../generated/prisma/enums.js';
import { optionalId, optionalText, text } from '../lib/validate.js';
import { parseTicketNumber } from './ticket-number.js';
import { priorities, type TicketPriority } from './ticket-statuses.js';

export {
  isFinal,
  priorities,
  queueRankOf,
  type TicketPriority,
  ticketStatuses,
  urgencyOf,
} from './ticket-statuses.js';

/** How an actor stands towards a ticket; a person may hold several capacities at once. */
export type Capacity = 'owner' | 'support' | 'assignee' | 'system';

export type TicketActor = { id: number; role: Role; organizationId: number | null; isOrgManager: boolean };
export type TicketParties = { requesterId: number; organizationId: number | null; assigneeId: number | null };

/** What a form on the ticket page asks for (input names; `comment` is the rating's), in this order. */
export type FormField =
  | 'categoryId'
  | 'priority'
  | 'departmentId'
  | 'technicianId'
  | 'message'
  | 'solution'
  | 'reason'
  | 'duplicateOf'
  | 'rating'
  | 'comment'
  | 'attachments';

/** Who hears about a change: the requester, support staff, or the technician holding it after the change. */
export type NotifyRule = { audience: 'requester' | 'support' | 'assignee'; kind: string };

/** Database checks an effect may need; each throws a validation error for a bad choice. */
export type Lookups = {
  technician(id: number): Promise<{ id: number; name: string }>;
  category(id: number): Promise<{ id: number; departmentId: number | null }>;
  department(id: number | null): Promise<void>;
  /** The id of a ticket the actor can see, or a validation error on `field`. */
  visibleTicket(number: number, field: string): Promise<{ id: number }>;
};

export type EffectTicket = {
  id: number;
  status: TicketStatus;
  assigneeId: number | null;
  categoryId: number | null;
  priority: TicketPriority;
  departmentId: number | null;
  solution: string | null;
};

/** What an action changes besides the status (which the runner sets from `to`). */
export type Effects = {
  /** Ticket columns to set. */
  set?: {
    solution?: string | null;
    resolvedAt?: Date | null;
    closedAt?: Date | null;
    holdReason?: string | null;
    onHoldSince?: Date | null;
    cancelReason?: string | null;
    duplicateOfId?: number | null;
    rating?: number | null;
    ratingComment?: string | null;
  };
  /** Category, priority, department chosen with the action (recorded field by field in the history). */
  classification?: { categoryId: number | null; priority: TicketPriority; departmentId: number | null };
  /** The technician who holds the ticket after the change. */
  assignee?: { id: number; name: string };
  /** The comment written with the change; `isProposal` marks a technician's solution under validation. */
  comment?: { body: string; isInternal: boolean; isProposal?: boolean };
  /** Files go with the comment (or, with none, are staff-only). */
  acceptsFiles?: boolean;
  /** Extra facts for the history entry. */
  data?: Record<string, unknown>;
};

type EffectContext<I> = { ticket: EffectTicket; input: I; now: Date; look: Lookups };

export type ActionRecord<I extends { version: number } = { version: number }> = {
  to: TicketStatus;
  /** For each capacity allowed to act, the states it may act from. */
  by: Partial<Record<Capacity, readonly TicketStatus[]>>;
  input: z.ZodType<I>;
  form: readonly FormField[];
  /** How the page presents the button: the main way forward, a side step, or a destructive one. */
  tone: 'primary' | 'secondary' | 'danger';
  effects(context: EffectContext<I>): Effects | Promise<Effects>;
  notify: readonly NotifyRule[];
};

// ---- inputs -----------------------------------------------------------------------------------

const version = z.coerce.number({ error: 'required' }).int().min(1);
const priority = z.enum(priorities, { error: 'invalidChoice' });
const requiredId = () =>
  optionalId().refine((value): value is number => value !== null, {
    error: 'required',
  }) as unknown as z.ZodType<number>;
const longText = (max: number) => text({ max, multiline: true });
const ticketNumber = z
  .string()
  .optional()
  .transform((value, ctx) => {
    if (!value?.trim()) return null;
    const number = parseTicketNumber(value);
    if (number === null) {
      ctx.addIssue({ code: 'custom', message: 'invalidTicketNumber' });
      return z.NEVER;
    }
    return number;
  });
const rating = z
  .union([z.literal(''), z.coerce.number().int().min(1).max(5)])
  .optional()
  .transform((value) => (value === '' || value === undefined ? null : value));

const open = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION', 'RESOLVED', 'REOPENED'] as const;

function record<I extends { version: number }>(definition: ActionRecord<I>): ActionRecord<I> {
  return definition;
}

// ---- the table --------------------------------------------------------------------------------

export const lifecycle = {
  // The system assigns per the department's method (src/assignment/auto-assign.ts).
  assign: record({
    to: 'ASSIGNED',
    by: { support: ['NEW', 'REOPENED'], system: ['NEW', 'REOPENED'] },
    input: z.object({
      version,
      categoryId: requiredId(),
      priority,
      technicianId: requiredId(),
      departmentId: optionalId(),
    }),
    form: ['categoryId', 'priority', 'departmentId', 'technicianId'],
    tone: 'primary',
    async effects({ input, look }) {
      const category = await look.category(input.categoryId);
      // No department chosen: the category's own routes it.
      const departmentId = input.departmentId ?? category.departmentId;
      await look.department(departmentId);
      return {
        classification: { categoryId: category.id, priority: input.priority, departmentId },
        assignee: await look.technician(input.technicianId),
      };
    },
    notify: [{ audience: 'assignee', kind: 'assigned' }],
  }),
  resolve_direct: record({
    to: 'RESOLVED',
    by: { support: ['NEW', 'REOPENED'] },
    input: z.object({ version, message: longText(20_000) }),
    form: ['message'],
    tone: 'secondary',
    effects: ({ input, now }) => ({
      set: { solution: input.message, resolvedAt: now },
      comment: { body: input.message, isInternal: false },
    }),
    notify: [{ audience: 'requester', kind: 'resolved' }],
  }),
  start: record({
    to: 'IN_PROGRESS',
    by: { assignee: ['ASSIGNED'] },
    input: z.object({ version }),
    form: [],
    tone: 'primary',
    effects: () => ({}),
    notify: [],
  }),
  reassign: record({
    to: 'ASSIGNED',
    by: { support: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'], assignee: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'] },
    input: z.object({ version, technicianId: requiredId(), reason: longText(1000) }),
    form: ['technicianId', 'reason'],
    tone: 'secondary',
    async effects({ ticket, input, look }) {
      if (input.technicianId === ticket.assigneeId) {
        throw new LookupError({ technicianId: 'validation.sameTechnician' });
      }
      return {
        assignee: await look.technician(input.technicianId),
        // Why the work changed hands is for staff only.
        comment: { body: input.reason, isInternal: true },
      };
    },
    notify: [{ audience: 'assignee', kind: 'assigned' }],
  }),
  hold: record({
    to: 'ON_HOLD',
    by: { assignee: ['IN_PROGRESS'], support: ['IN_PROGRESS'] },
    input: z.object({ version, reason: longText(500) }),
    form: ['reason'],
    tone: 'secondary',
    // The reason tells the client what the ticket waits for.
    effects: ({ input, now }) => ({
      set: { holdReason: input.reason, onHoldSince: now },
      comment: { body: input.reason, isInternal: false },
    }),
    notify: [{ audience: 'requester', kind: 'onHold' }],
  }),
  // The system resumes a ticket when the client replies while it waits on them.
  resume: record({
    to: 'IN_PROGRESS',
    by: { assignee: ['ON_HOLD'], support: ['ON_HOLD'], system: ['ON_HOLD'] },
    input: z.object({ version }),
    form: [],
    tone: 'primary',
    effects: () => ({}),
    notify: [],
  }),
  submit_solution: record({
    to: 'PENDING_VALIDATION',
    by: { assignee: ['IN_PROGRESS'] },
    input: z.object({ version, solution: longText(20_000) }),
    form: ['solution', 'attachments'],
    tone: 'primary',
    // A proposal for support to validate: the client sees only what support approves.
    effects: ({ input }) => ({
      set: { solution: input.solution },
      comment: { body: input.solution, isInternal: true, isProposal: true },
      acceptsFiles: true,
    }),
    notify: [{ audience: 'support', kind: 'solutionSubmitted' }],
  }),
  reject_solution: record({
    to: 'IN_PROGRESS',
    by: { support: ['PENDING_VALIDATION'] },
    input: z.object({ version, reason: longText(5000) }),
    form: ['reason'],
    tone: 'danger',
    effects: ({ input }) => ({ comment: { body: input.reason, isInternal: true } }),
    notify: [],
  }),
  approve_solution: record({
    to: 'RESOLVED',
    by: { support: ['PENDING_VALIDATION'] },
    input: z.object({ version, message: longText(20_000) }),
    form: ['message'],
    tone: 'primary',
    effects: ({ input, now }) => ({
      set: { solution: input.message, resolvedAt: now },
      comment: { body: input.message, isInternal: false },
    }),
    notify: [{ audience: 'requester', kind: 'resolved' }],
  }),
  confirm: record({
    to: 'CLOSED',
    by: { owner: ['RESOLVED'] },
    input: z.object({ version, rating, comment: optionalText({ max: 2000, multiline: true }) }),
    form: ['rating', 'comment'],
    tone: 'primary',
    effects: ({ input, now }) => ({ set: { rating: input.rating, ratingComment: input.comment, closedAt: now } }),
    notify: [{ audience: 'requester', kind: 'closed' }],
  }),
  close: record({
    to: 'CLOSED',
    by: { support: ['RESOLVED'], system: ['RESOLVED'] },
    input: z.object({ version }),
    form: [],
    tone: 'secondary',
    effects: ({ now }) => ({ set: { closedAt: now } }),
    notify: [{ audience: 'requester', kind: 'closed' }],
  }),
  // A client may reopen a CLOSED ticket only within the reopen window (see mayTakeAction).
  reopen: record({
    to: 'REOPENED',
    by: { owner: ['RESOLVED', 'CLOSED'], support: ['RESOLVED', 'CLOSED'] },
    input: z.object({ version, reason: longText(5000) }),
    form: ['reason'],
    tone: 'secondary',
    effects: ({ input }) => ({
      set: { closedAt: null, resolvedAt: null },
      comment: { body: input.reason, isInternal: false },
    }),
    notify: [
      { audience: 'support', kind: 'reopened' },
      { audience: 'assignee', kind: 'reopened' },
    ],
  }),
  cancel: record({
    to: 'CANCELLED',
    by: { support: open, owner: ['NEW'] },
    input: z.object({ version, reason: longText(1000), duplicateOf: ticketNumber }),
    form: ['reason', 'duplicateOf'],
    tone: 'danger',
    async effects({ ticket, input, now, look }) {
      let duplicateOfId: number | null = null;
      if (input.duplicateOf !== null) {
        // Only a ticket the actor can see: a client must not learn of (or link to) another's.
        const original = await look.visibleTicket(input.duplicateOf, 'duplicateOf');
        if (original.id === ticket.id) throw new LookupError({ duplicateOf: 'validation.invalidTicketNumber' });
        duplicateOfId = original.id;
      }
      return {
        set: { cancelReason: input.reason, closedAt: now, ...(duplicateOfId ? { duplicateOfId } : {}) },
        comment: { body: input.reason, isInternal: false },
        data: duplicateOfId ? { duplicateOf: input.duplicateOf } : undefined,
      };
    },
    notify: [{ audience: 'requester', kind: 'cancelled' }],
  }),
} as const;

export type TicketAction = keyof typeof lifecycle;
export type ActionInput = { [A in TicketAction]: z.output<(typeof lifecycle)[A]['input']> };
export const ticketActions = Object.keys(lifecycle) as TicketAction[];

/** A bad choice found by an effect (field → i18n key); the runner turns it into a validation error. */
export class LookupError extends Error {
  constructor(readonly fields: Record<string, string>) {
    super('invalid input');
  }
}

// ---- who may act ------------------------------------------------------------------------------

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
 * May someone with these capacities take this action on a ticket in this status? The answer names
 * the capacity used, so guards that depend on it (the client's reopen window) can be applied.
 */
export function checkTransition(
  action: TicketAction,
  status: TicketStatus,
  capacities: Set<Capacity>,
): TransitionCheck {
  const entry = lifecycle[action];
  let hasRole = false;
  for (const [capacity, from] of Object.entries(entry.by) as [Capacity, readonly TicketStatus[]][]) {
    if (!capacities.has(capacity)) continue;
    hasRole = true;
    if (from.includes(status)) return { ok: true, to: entry.to, capacity };
  }
  return { ok: false, reason: hasRole ? 'not_allowed_in_state' : 'not_your_role' };
}

/** Actions the actor may take now, in table order: what a ticket page offers. */
export function availableActions(status: TicketStatus, capacities: Set<Capacity>): TicketAction[] {
  return ticketActions.filter((action) => checkTransition(action, status, capacities).ok);
}

export function isTicketAction(value: unknown): value is TicketAction {
  return typeof value === 'string' && Object.hasOwn(lifecycle, value);
}
