// Filing a ticket: by a client for themself, by support on a client's behalf (a phone call), or by
// the inbound e-mail reader. The ticket, its files, counters, history and "ticket changed" in one
// transaction.
import type { PreparedUpload } from '../attachments/upload.js';
import { forbidden, validationError } from '../lib/errors.js';
import type { Tx } from './ticket-changes.js';
import { queueRankOf, type TicketPriority, urgencyOf } from './ticket-statuses.js';
import {
  attachFiles,
  createLookups,
  moveCounters,
  type TicketDeps,
  validated,
  withStoredFiles,
} from './ticket-writes.js';
import { type Actor, canActForClients, canCreateTicket } from './tickets.policy.js';
import type { TCreateTicket } from './tickets.schema.js';

/**
 * For callers that keep their own record of the same change (the log row of an inbound e-mail):
 * `inTransaction` runs inside the change's transaction, so both commit or neither does.
 */
export type CreateTicketOptions = {
  channel?: 'EMAIL';
  inTransaction?: (tx: Tx, ticket: { id: number; number: number }) => Promise<void>;
};

export function createCreateTicket(deps: TicketDeps) {
  const { prisma } = deps;
  return async function createTicket(
    actor: Actor,
    input: TCreateTicket,
    uploads: PreparedUpload[],
    options: CreateTicketOptions = {},
  ): Promise<number> {
    if (!canCreateTicket(actor)) throw forbidden();
    let requester: { id: number; organizationId: number | null };
    if (canActForClients(actor)) {
      if (input.requesterId === null) throw validationError({ requesterId: { key: 'validation.required' } });
      const client = await prisma.user.findFirst({
        where: { id: input.requesterId, role: 'CLIENT', isActive: true },
        select: { id: true, organizationId: true },
      });
      if (!client) throw validationError({ requesterId: { key: 'validation.invalidChoice' } });
      requester = client;
    } else {
      requester = { id: actor.id, organizationId: actor.organizationId };
    }
    const category =
      input.categoryId === null
        ? null
        : await validated(() => createLookups(prisma, actor).category(input.categoryId as number));
    const channel = options.channel ?? (canActForClients(actor) ? (input.channel ?? 'PHONE') : 'WEB');
    const now = new Date();
    return withStoredFiles(deps.storage, uploads, (files) =>
      prisma.$transaction(async (tx) => {
        const ticket = await tx.ticket.create({
          data: {
            subject: input.subject,
            description: input.description,
            priority: input.priority,
            urgency: urgencyOf(input.priority as TicketPriority),
            categoryId: category?.id ?? null,
            departmentId: category?.departmentId ?? null,
            requesterId: requester.id,
            organizationId: requester.organizationId,
            createdById: actor.id,
            channel,
            status: 'NEW',
            queueRank: queueRankOf('NEW'),
          },
          select: { id: true, number: true },
        });
        await attachFiles(tx, ticket.id, actor.id, files, { isInternal: false });
        await moveCounters(tx, { from: null, to: { status: 'NEW', assigneeId: null } });
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'created', to: 'NEW', data: { channel } },
        });
        await deps.hooks.emit(tx, {
          kind: 'created',
          ticketId: ticket.id,
          number: ticket.number,
          actorId: actor.id,
          actorRole: actor.role,
          at: now,
          requesterId: requester.id,
          assigneeId: null,
          status: 'NEW',
          channel,
        });
        await options.inTransaction?.(tx, ticket);
        return ticket.number;
      }),
    );
  };
}
