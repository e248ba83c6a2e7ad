// The ticket page's read model: the ticket with everything shown beside it, what the viewer may do
// now (decided by the policy and the lifecycle table, never by the template), in a fixed number of
// statements whatever the number of comments.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { SettingsService } from '../settings/settings.service.js';
import { isFinal, workStatuses } from './ticket-statuses.js';
import { loadScoped } from './ticket-writes.js';
import {
  type Actor,
  allowedActions,
  canBrowseQueue,
  canEditClassification,
  canManageBin,
  canSeeInternal,
  commentRights,
  ticketScopeFor,
} from './tickets.policy.js';

export function createTicketPage(deps: { prisma: PrismaClient; settings: SettingsService }) {
  const { prisma } = deps;

  return {
    async detail(actor: Actor, number: number) {
      const ticket = await prisma.ticket.findFirst({
        where: { AND: [ticketScopeFor(actor), { number }] },
        include: {
          category: { select: { id: true, name: true } },
          department: { select: { id: true, name: true } },
          organization: { select: { id: true, name: true, address: true, phone: true } },
          requester: { select: { id: true, name: true, email: true, phone: true } },
          assignee: { select: { id: true, name: true } },
          createdBy: { select: { id: true, name: true, role: true } },
          duplicateOf: { select: { number: true } },
        },
      });
      if (!ticket) throw notFound();
      const visible = canSeeInternal(actor) ? {} : { isInternal: false };
      const [comments, attachments, events, settings] = await Promise.all([
        prisma.comment.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: {
            id: true,
            body: true,
            isInternal: true,
            createdAt: true,
            author: { select: { id: true, name: true, role: true } },
          },
        }),
        prisma.attachment.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: { id: 'asc' },
          select: {
            id: true,
            commentId: true,
            originalName: true,
            size: true,
            mimeType: true,
            isInternal: true,
            createdAt: true,
          },
        }),
        prisma.ticketEvent.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: {
            id: true,
            type: true,
            action: true,
            from: true,
            to: true,
            data: true,
            isInternal: true,
            createdAt: true,
            actor: { select: { name: true } },
          },
        }),
        deps.settings.get(),
      ]);
      const rule = { reopenWindowDays: settings.reopenWindowDays };
      return {
        ticket,
        comments,
        attachments,
        events,
        actions: allowedActions(actor, ticket, rule),
        commentRights: commentRights(actor, ticket),
        canEditClassification: canEditClassification(actor) && !isFinal(ticket.status) && ticket.deletedAt === null,
        canManageBin: canManageBin(actor),
      };
    },

    /** Technicians with their current open load, those of `departmentId` first. */
    async technicianOptions(departmentId: number | null) {
      const [technicians, loads] = await Promise.all([
        prisma.user.findMany({
          where: { role: 'TECHNICIAN', isActive: true },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, departments: { select: { departmentId: true } } },
        }),
        prisma.ticket.groupBy({
          by: ['assigneeId'],
          where: { deletedAt: null, status: { in: [...workStatuses] }, assigneeId: { not: null } },
          _count: { _all: true },
        }),
      ]);
      const loadOf = new Map(loads.map((row) => [row.assigneeId, row._count._all]));
      return technicians
        .map((tech) => ({
          id: tech.id,
          name: tech.name,
          load: loadOf.get(tech.id) ?? 0,
          inDepartment: departmentId !== null && tech.departments.some((d) => d.departmentId === departmentId),
        }))
        .sort(
          (a, b) => Number(b.inDepartment) - Number(a.inDepartment) || a.load - b.load || a.name.localeCompare(b.name),
        );
    },

    /** The ticket's id if the actor may see it, else 404 (a live stream subscribing to it). */
    async visibleTicketId(actor: Actor, number: number): Promise<number> {
      return (await loadScoped(prisma, actor, number)).id;
    },

    async statusCounts(actor: Actor): Promise<Record<TicketStatus, number>> {
      if (!canBrowseQueue(actor)) throw forbidden();
      const rows = await prisma.ticketStatusCount.findMany();
      return Object.fromEntries(rows.map((row) => [row.status, row.count])) as Record<TicketStatus, number>;
    },
  };
}
