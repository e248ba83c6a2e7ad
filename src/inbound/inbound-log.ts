// The admin's view of incoming e-mail: the log, newest first, in keyset pages.
import type { AppContext } from '../context.js';
import type { InboundStatus } from '../generated/prisma/enums.js';

export const inboundStatuses = [
  'TICKET_CREATED',
  'COMMENT_ADDED',
  'IGNORED',
  'REJECTED',
  'FAILED',
] as const satisfies readonly InboundStatus[];

export function createInboundLog(ctx: Pick<AppContext, 'db'>) {
  const { prisma } = ctx.db;
  return {
    /** `after` is the id of the last row of the previous page. */
    async list(options: { status?: InboundStatus; after?: number; size?: number }) {
      const size = options.size ?? 25;
      const rows = await prisma.inboundEmail.findMany({
        where: {
          ...(options.status ? { status: options.status } : {}),
          ...(options.after !== undefined ? { id: { lt: options.after } } : {}),
        },
        orderBy: { id: 'desc' },
        take: size + 1,
      });
      const items = rows.slice(0, size);
      const ticketIds = [...new Set(items.flatMap((row) => (row.ticketId === null ? [] : [row.ticketId])))];
      const tickets = await prisma.ticket.findMany({
        where: { id: { in: ticketIds }, deletedAt: null },
        select: { id: true, number: true },
      });
      const numberOf = new Map(tickets.map((ticket) => [ticket.id, ticket.number]));
      const last = items.at(-1);
      return {
        items: items.map((row) => ({
          ...row,
          ticketNumber: row.ticketId === null ? null : (numberOf.get(row.ticketId) ?? null),
        })),
        nextAfter: rows.length > size && last ? last.id : null,
      };
    },
  };
}

export type InboundLog = ReturnType<typeof createInboundLog>;
