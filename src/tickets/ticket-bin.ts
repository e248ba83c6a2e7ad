// The admin's bin: a ticket moved there disappears from every list and page (soft delete), can be
// restored, or purged for good — each audited, each a "ticket changed".
import type { Prisma } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { Tx } from './ticket-changes.js';
import { loadScoped, moveCounts, type TicketDeps } from './ticket-writes.js';
import { type Actor, canManageBin } from './tickets.policy.js';

/**
 * Deletes tickets for good inside the caller's transaction, keeping the status counters right.
 * Returns the storage keys of their files, to remove once the transaction has committed.
 */
export async function deleteTicketsInTx(tx: Tx, where: Prisma.TicketWhereInput): Promise<string[]> {
  const doomed = await tx.ticket.findMany({
    where,
    select: { id: true, status: true, deletedAt: true, attachments: { select: { storageKey: true } } },
  });
  if (doomed.length === 0) return [];
  const ids = doomed.map((ticket) => ticket.id);
  const live = new Map<TicketStatus, number>();
  for (const ticket of doomed) if (!ticket.deletedAt) live.set(ticket.status, (live.get(ticket.status) ?? 0) + 1);
  for (const [status, count] of [...live].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await moveCounts(tx, status, null, count);
  }
  await tx.outboxMessage.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.notification.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.ticket.updateMany({ where: { duplicateOfId: { in: ids } }, data: { duplicateOfId: null } });
  await tx.ticket.deleteMany({ where: { id: { in: ids } } });
  return doomed.flatMap((ticket) => ticket.attachments.map((file) => file.storageKey));
}

export function createTicketBin(deps: TicketDeps) {
  const { prisma } = deps;
  const base = (
    ticket: { id: number; number: number; requesterId: number; assigneeId: number | null },
    actor: Actor,
  ) => ({
    ticketId: ticket.id,
    number: ticket.number,
    actorId: actor.id,
    actorRole: actor.role,
    at: new Date(),
    requesterId: ticket.requesterId,
    assigneeId: ticket.assigneeId,
  });

  return {
    async softDelete(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await loadScoped(prisma, actor, number);
      await prisma.$transaction(async (tx) => {
        await tx.ticket.update({
          where: { id: ticket.id },
          data: { deletedAt: new Date(), deletedById: actor.id, version: { increment: 1 } },
        });
        await moveCounts(tx, ticket.status, null);
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'deleted', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.delete', entityType: 'ticket', entityId: String(ticket.number) },
        });
        await deps.hooks.emit(tx, { ...base(ticket, actor), kind: 'deleted', status: ticket.status });
      });
    },

    async restore(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await prisma.ticket.findFirst({
        where: { number, deletedAt: { not: null } },
        select: { id: true, number: true, status: true, requesterId: true, assigneeId: true },
      });
      if (!ticket) throw notFound();
      await prisma.$transaction(async (tx) => {
        await tx.ticket.update({
          where: { id: ticket.id },
          data: { deletedAt: null, deletedById: null, version: { increment: 1 } },
        });
        await moveCounts(tx, null, ticket.status);
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'restored', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.restore', entityType: 'ticket', entityId: String(number) },
        });
        await deps.hooks.emit(tx, { ...base(ticket, actor), kind: 'restored', status: ticket.status });
      });
    },

    /** Deletes a binned ticket for good: its rows, then its files. */
    async purge(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await prisma.ticket.findFirst({
        where: { number, deletedAt: { not: null } },
        select: { id: true, subject: true, attachments: { select: { storageKey: true } } },
      });
      if (!ticket) throw notFound();
      await prisma.$transaction(async (tx) => {
        await deleteTicketsInTx(tx, { id: ticket.id });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: 'ticket.purge',
            entityType: 'ticket',
            entityId: String(number),
            data: { subject: ticket.subject },
          },
        });
      });
      await Promise.all(ticket.attachments.map((file) => deps.storage.remove(file.storageKey).catch(() => {})));
    },
  };
}
