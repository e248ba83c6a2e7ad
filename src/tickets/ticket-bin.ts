// The admin's bin: a ticket moved there disappears from every list and page (soft delete), can be
// restored, or purged for good — each audited, each a "ticket changed".
import { Prisma } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { Tx } from './ticket-changes.js';
import { loadScoped, moveCounters, type TicketDeps } from './ticket-writes.js';
import { type Actor, canManageBin } from './tickets.policy.js';

/**
 * Deletes tickets for good inside the caller's transaction, keeping the counters right.
 * Returns the storage keys of their files, to remove once the transaction has committed.
 */
export async function deleteTicketsInTx(tx: Tx, where: Prisma.TicketWhereInput): Promise<string[]> {
  const found = await tx.ticket.findMany({
    where,
    select: { id: true, attachments: { select: { storageKey: true } } },
  });
  if (found.length === 0) return [];
  // Locked in id order (two purges at once wait for each other instead of deadlocking) and read
  // again under the lock, so a restore or transition committed meanwhile is what gets uncounted.
  const doomed = await tx.$queryRaw<{ id: number; status: TicketStatus; assigneeId: number | null; live: boolean }[]>`
    SELECT "id", "status", "assigneeId", "deletedAt" IS NULL AS "live" FROM "Ticket"
    WHERE "id" IN (${Prisma.join(found.map((ticket) => ticket.id))}) ORDER BY "id" FOR UPDATE`;
  if (doomed.length === 0) return [];
  const ids = doomed.map((ticket) => ticket.id);
  await tx.outboxMessage.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.notification.deleteMany({ where: { ticketId: { in: ids } } });
  // The time trigger's "fired for this stay" marks (src/rules/) go with their ticket.
  await tx.ruleTimeFire.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.ticket.updateMany({ where: { duplicateOfId: { in: ids } }, data: { duplicateOfId: null } });
  // After the last ticket row this takes (its duplicates), like every write: tickets, then counters.
  await moveCounters(tx, ...doomed.filter((ticket) => ticket.live).map((ticket) => ({ from: ticket, to: null })));
  await tx.ticket.deleteMany({ where: { id: { in: ids } } });
  return found
    .filter((ticket) => ids.includes(ticket.id))
    .flatMap((ticket) => ticket.attachments.map((file) => file.storageKey));
}

/**
 * Moves a ticket into the bin (`binned`) or out of it, if it is not there already; returns what
 * the counters count of it, read under the row lock the move took (a change committed meanwhile
 * included), or null when someone else moved it first.
 */
async function moveBinState(tx: Tx, id: number, binned: { at: Date; by: number } | null) {
  const moved = await tx.ticket.updateMany({
    where: { id, deletedAt: binned ? null : { not: null } },
    data: { deletedAt: binned?.at ?? null, deletedById: binned?.by ?? null, version: { increment: 1 } },
  });
  if (moved.count !== 1) return null;
  return tx.ticket.findUniqueOrThrow({ where: { id }, select: { status: true, assigneeId: true } });
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
        const state = await moveBinState(tx, ticket.id, { at: new Date(), by: actor.id });
        if (!state) return; // binned meanwhile (a second click): nothing more to record
        await moveCounters(tx, { from: state, to: null });
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'deleted', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.delete', entityType: 'ticket', entityId: String(ticket.number) },
        });
        await deps.hooks.emit(tx, { ...base({ ...ticket, ...state }, actor), kind: 'deleted', status: state.status });
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
        const state = await moveBinState(tx, ticket.id, null);
        if (!state) return; // restored (or purged) meanwhile: nothing more to record
        await moveCounters(tx, { from: null, to: state });
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'restored', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.restore', entityType: 'ticket', entityId: String(number) },
        });
        await deps.hooks.emit(tx, { ...base({ ...ticket, ...state }, actor), kind: 'restored', status: state.status });
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
