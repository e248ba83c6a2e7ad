import { z } from 'zod';
import { optionalId, optionalText, text } from '../lib/validate.js';
import { cannedActions } from '../replies/reply-text.js';
import { lifecycle, type TicketAction } from './ticket-lifecycle.js';
import { priorities, ticketStatuses } from './ticket-statuses.js';

const priority = z.enum(priorities, { error: 'invalidChoice' });
export const ZCreateTicket = z.object({
  subject: text({ max: 200 }),
  description: text({ max: 20_000, multiline: true }),
  categoryId: optionalId(),
  priority: z
    .union([priority, z.literal('')])
    .optional()
    .transform((value) => (value ? value : ('MEDIUM' as const))),
  // Support filing on a client's behalf names the client; ignored for clients.
  requesterId: optionalId(),
  channel: z.enum(['WEB', 'PHONE', 'EMAIL']).optional().catch(undefined),
});
export type TCreateTicket = z.infer<typeof ZCreateTicket>;

const version = z.coerce.number({ error: 'required' }).int().min(1);

/** Each action's form, as the lifecycle table defines it. */
export const actionSchemas = Object.fromEntries(
  Object.entries(lifecycle).map(([action, record]) => [action, record.input]),
) as { [A in TicketAction]: (typeof lifecycle)[A]['input'] };

export type { ActionInput } from './ticket-lifecycle.js';

export const ZComment = z.object({
  body: text({ max: 20_000, multiline: true }),
  internal: z
    .string()
    .optional()
    .transform((value) => value === 'on' || value === 'true' || value === '1'),
});
export type TComment = z.infer<typeof ZComment>;

/** A canned reply's action sent with the reply (a ticked "also …" box), against the page's version. */
export const ZReplyAction = z
  .object({
    thenAction: z
      .union([z.enum(cannedActions), z.literal('')])
      .optional()
      .transform((value) => (value ? value : null)),
    version: z.string().optional(),
  })
  .transform((value, ctx) => {
    if (value.thenAction === null) return { thenAction: null, version: 0 };
    const version = /^\d{1,9}$/.test(value.version ?? '') ? Number(value.version) : 0;
    if (version < 1) {
      ctx.addIssue({ code: 'custom', message: 'required', path: ['version'] });
      return z.NEVER;
    }
    return { thenAction: value.thenAction, version };
  });

/** "Insert" on the reply form: which canned reply, and what the box already held. */
export const ZInsertReply = z.object({
  replyId: optionalId().refine((value): value is number => value !== null, { error: 'required' }),
  body: optionalText({ max: 20_000, multiline: true }),
  internal: z
    .string()
    .optional()
    .transform((value) => value === 'on'),
});

/** The properties panel: classification, and the technician (an assign or a reassign with its reason). */
export const ZProperties = z.object({
  version,
  categoryId: optionalId(),
  priority,
  departmentId: optionalId(),
  technicianId: optionalId(),
  reason: optionalText({ max: 1000, multiline: true }),
});
export type TProperties = z.infer<typeof ZProperties>;

const dateOnly = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);
const idFilter = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number)
  .optional()
  .catch(undefined);

export const ZQueueFilters = z
  .object({
    // No status: the open work (nothing final, nothing waiting only on the client's confirmation).
    status: z
      .union([z.enum(ticketStatuses), z.literal('all')])
      .optional()
      .catch(undefined),
    priority: priority.optional().catch(undefined),
    categoryId: idFilter,
    departmentId: idFilter,
    // A technician's id, or "none" for unassigned tickets.
    assignee: z
      .union([z.literal('none'), z.string().regex(/^\d{1,9}$/)])
      .optional()
      .catch(undefined),
    organizationId: idFilter,
    requesterId: idFilter,
    from: dateOnly,
    to: dateOnly,
    q: z.string().trim().max(200).optional().catch(undefined),
    // SLA: the nearest pending target at risk (its warning passed), breached, or within its time.
    sla: z.enum(['at_risk', 'breached', 'ok']).optional().catch(undefined),
    sort: z.enum(['queue', 'newest', 'oldest', 'updated', 'due']).optional().catch(undefined),
  })
  // An SLA filter lists by due instant unless another order is asked for: the most pressing first,
  // and a walk of the due-instant index (the queue's order would sort every overdue ticket).
  .transform(({ sort, ...filters }) => ({
    ...filters,
    sort: sort ?? (filters.sla ? ('due' as const) : ('queue' as const)),
  }));
export type TQueueFilters = z.infer<typeof ZQueueFilters>;

export const ZMyTicketsFilters = z.object({
  tab: z.enum(['open', 'resolved', 'closed']).default('open').catch('open'),
  q: z.string().trim().max(200).optional().catch(undefined),
  from: dateOnly,
  to: dateOnly,
  requesterId: idFilter,
});
export type TMyTicketsFilters = z.infer<typeof ZMyTicketsFilters>;
