import { z } from 'zod';
import { optionalId, optionalText, text } from '../lib/validate.js';
import { priorities, ticketStatuses } from './ticket-lifecycle.js';

const priority = z.enum(priorities, { error: 'invalidChoice' });
const requiredId = () =>
  optionalId().refine((value): value is number => value !== null, {
    error: 'required',
  }) as unknown as z.ZodType<number>;

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

/** Each action's form, with exactly the inputs LIFECYCLE.md requires. */
export const actionSchemas = {
  assign: z.object({
    version,
    categoryId: requiredId(),
    priority,
    technicianId: requiredId(),
    departmentId: optionalId(),
  }),
  resolve_direct: z.object({ version, message: text({ max: 20_000, multiline: true }) }),
  start: z.object({ version }),
  reassign: z.object({ version, technicianId: requiredId(), reason: text({ max: 1000, multiline: true }) }),
  hold: z.object({ version, reason: text({ max: 500, multiline: true }) }),
  resume: z.object({ version }),
  submit_solution: z.object({ version, solution: text({ max: 20_000, multiline: true }) }),
  reject_solution: z.object({ version, reason: text({ max: 5000, multiline: true }) }),
  approve_solution: z.object({ version, message: text({ max: 20_000, multiline: true }) }),
  confirm: z.object({
    version,
    rating: z
      .union([z.literal(''), z.coerce.number().int().min(1).max(5)])
      .optional()
      .transform((value) => (value === '' || value === undefined ? null : value)),
    comment: optionalText({ max: 2000, multiline: true }),
  }),
  close: z.object({ version }),
  reopen: z.object({ version, reason: text({ max: 5000, multiline: true }) }),
  cancel: z.object({
    version,
    reason: text({ max: 1000, multiline: true }),
    duplicateOf: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const trimmed = (value ?? '').trim().toUpperCase();
        if (!trimmed) return null;
        const match = /^(?:TKT-)?(\d{1,9})$/.exec(trimmed);
        if (!match) {
          ctx.addIssue({ code: 'custom', message: 'invalidTicketNumber' });
          return z.NEVER;
        }
        return Number(match[1]);
      }),
  }),
} as const;

export type ActionInput = {
  [K in keyof typeof actionSchemas]: z.infer<(typeof actionSchemas)[K]>;
};

export const ZComment = z.object({
  body: text({ max: 20_000, multiline: true }),
  internal: z
    .string()
    .optional()
    .transform((value) => value === 'on' || value === 'true' || value === '1'),
});
export type TComment = z.infer<typeof ZComment>;

export const ZClassification = z.object({
  version,
  categoryId: optionalId(),
  priority,
  departmentId: optionalId(),
});
export type TClassification = z.infer<typeof ZClassification>;

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

export const ZQueueFilters = z.object({
  status: z.enum(ticketStatuses).optional().catch(undefined),
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
  sort: z.enum(['queue', 'newest', 'oldest', 'updated']).default('queue').catch('queue'),
});
export type TQueueFilters = z.infer<typeof ZQueueFilters>;

export const ZMyTicketsFilters = z.object({
  tab: z.enum(['open', 'resolved', 'closed']).default('open').catch('open'),
  q: z.string().trim().max(200).optional().catch(undefined),
  from: dateOnly,
  to: dateOnly,
  requesterId: idFilter,
});
export type TMyTicketsFilters = z.infer<typeof ZMyTicketsFilters>;
