// "Llegué al sitio": the assigned technician records arriving at the client's site. A fact, not a
// lifecycle step (the status does not move and open forms stay valid: no version bump), written
// once, with its history entry (the client sees it too) and the "ticket changed" hook, which stops
// the SLA's on-site clock.
import { AppError, forbidden } from '../lib/errors.js';
import { loadScoped, type TicketDeps } from './ticket-writes.js';
import { type Actor, mayRecordOnSite } from './tickets.policy.js';

export function createRecordOnSite(deps: TicketDeps) {
  const { prisma } = deps;

  return async function recordOnSite(actor: Actor, number: number): Promise<void> {
    const ticket = await loadScoped(prisma, actor, number);
    const onSite = await prisma.ticket.findUniqueOrThrow({ where: { id: ticket.id }, select: { onSiteAt: true } });
    const allowed = mayRecordOnSite(actor, { ...ticket, onSiteAt: onSite.onSiteAt });
    if (!allowed.ok) {
      if (allowed.code === 'FORBIDDEN') throw forbidden();
      throw new AppError('CONFLICT', 'tickets.onSite.notNow');
    }
    const now = new Date();
    await prisma.$transaction(async (tx) => {
      // Once: a second tap (or another tab) finds it recorded.
      const written = await tx.ticket.updateMany({
        where: { id: ticket.id, onSiteAt: null },
        data: { onSiteAt: now, updatedAt: now },
      });
      if (written.count !== 1) throw new AppError('CONFLICT', 'tickets.onSite.notNow');
      await tx.ticketEvent.create({
        data: { ticketId: ticket.id, actorId: actor.id, type: 'on_site', createdAt: now },
      });
      await deps.hooks.emit(tx, {
        kind: 'onSite',
        ticketId: ticket.id,
        number: ticket.number,
        actorId: actor.id,
        actorRole: actor.role,
        at: now,
        requesterId: ticket.requesterId,
        assigneeId: ticket.assigneeId,
        status: ticket.status,
      });
    });
  };
}
