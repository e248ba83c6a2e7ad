// The admin's home: how the desk stands now, from a handful of indexed reads (no COUNT over tickets).
import type { PrismaClient } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { avatarClassOf, initialsOf } from '../lib/avatar.js';
import { ticketStatuses } from '../tickets/ticket-lifecycle.js';

/** The states in which a ticket waits on support (triage, a client's reopen, a proposal to validate). */
const waitingOnSupport = ['NEW', 'REOPENED', 'PENDING_VALIDATION'] as const satisfies readonly TicketStatus[];
const WAITING_SHOWN = 8;
const AUDIT_SHOWN = 8;

export async function adminOverview(prisma: PrismaClient) {
  const [countRows, waitingLists, audit] = await Promise.all([
    // The counts the tickets service keeps per status in the same transaction as each change.
    prisma.ticketStatusCount.findMany(),
    // One short walk of the (status, createdAt, id) index per waiting state: the oldest first.
    Promise.all(
      waitingOnSupport.map((status) =>
        prisma.ticket.findMany({
          where: { status, deletedAt: null },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          take: WAITING_SHOWN,
          select: {
            number: true,
            subject: true,
            status: true,
            priority: true,
            createdAt: true,
            requester: { select: { name: true } },
          },
        }),
      ),
    ),
    prisma.auditLog.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: AUDIT_SHOWN }),
  ]);
  const counts = Object.fromEntries(countRows.map((row) => [row.status, row.count])) as Partial<
    Record<TicketStatus, number>
  >;
  const actorIds = [...new Set(audit.map((row) => row.actorId).filter((id): id is number => id !== null))];
  const actors = actorIds.length
    ? await prisma.user.findMany({ where: { id: { in: actorIds } }, select: { id: true, name: true } })
    : [];
  const nameOf = new Map(actors.map((actor) => [actor.id, actor.name]));
  return {
    statusCounts: ticketStatuses.map((status) => ({ status, count: counts[status] ?? 0 })),
    waitingCount: waitingOnSupport.reduce((sum, status) => sum + (counts[status] ?? 0), 0),
    waiting: waitingLists
      .flat()
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .slice(0, WAITING_SHOWN),
    recentAudit: audit.map((row) => {
      const name = row.actorId === null ? null : (nameOf.get(row.actorId) ?? null);
      return {
        id: String(row.id),
        action: row.action,
        /** Locale key of the action's phrase (admin.overview.audit.*); unknown actions show as stored. */
        actionKey: `admin.overview.audit.${row.action.replace(/\./g, '_')}`,
        entity: `${row.entityType} ${row.entityId}`,
        createdAt: row.createdAt,
        actorName: name,
        initials: name ? initialsOf(name) : '·',
        avatarClass: name ? avatarClassOf(row.actorId) : 'avatar-system',
      };
    }),
  };
}
