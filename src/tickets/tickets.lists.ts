// Ticket lists, designed for a million rows: every list is a keyset walk over an index (row
// comparisons on the index's own columns), never OFFSET, and never a COUNT over the table.
import type { AppContext } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import { forbidden } from '../lib/errors.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import { type Actor, canBrowseQueue, ticketScopeFor } from './tickets.policy.js';
import type { TMyTicketsFilters, TQueueFilters } from './tickets.schema.js';

export const queuePageSize = 50;
const listPageSize = 25;

const rowSelect = {
  id: true,
  number: true,
  subject: true,
  status: true,
  priority: true,
  channel: true,
  createdAt: true,
  updatedAt: true,
  category: { select: { name: true } },
  department: { select: { name: true } },
  requester: { select: { id: true, name: true } },
  organization: { select: { name: true } },
  assignee: { select: { id: true, name: true } },
} as const;
export type TicketRow = Prisma.TicketGetPayload<{ select: typeof rowSelect }>;
export type TicketPage = { items: TicketRow[]; nextCursor: string | null; prevCursor: string | null };

type SortSpec = { columns: string[]; direction: 'ASC' | 'DESC' };
const queueSorts: Record<TQueueFilters['sort'], SortSpec> = {
  queue: { columns: ['queueRank', 'urgency', 'createdAt', 'id'], direction: 'ASC' },
  oldest: { columns: ['createdAt', 'id'], direction: 'ASC' },
  newest: { columns: ['createdAt', 'id'], direction: 'DESC' },
  updated: { columns: ['updatedAt', 'id'], direction: 'DESC' },
};

export const openStatuses = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION', 'REOPENED'] as const;
const workStatuses = ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION'] as const;

/** A day boundary (YYYY-MM-DD) in the display time zone, as an instant. */
export function dayStart(day: string, timeZone: string, offsetDays = 0): Date {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = Date.UTC(y, m - 1, d + offsetDays);
  const shown = new Date(new Date(utc).toLocaleString('en-US', { timeZone }));
  const asUtc = new Date(new Date(utc).toLocaleString('en-US', { timeZone: 'UTC' }));
  return new Date(utc - (shown.getTime() - asUtc.getTime()));
}

type CursorValues = (string | number)[];
const encode = (values: CursorValues) => encodeCursor({ value: JSON.stringify(values), id: 0 });
function decode(raw: unknown, length: number): CursorValues | undefined {
  const cursor = decodeCursor(raw);
  if (!cursor || typeof cursor.value !== 'string') return undefined;
  try {
    const values = JSON.parse(cursor.value) as unknown;
    if (
      Array.isArray(values) &&
      values.length === length &&
      values.every((v) => typeof v === 'string' || typeof v === 'number')
    ) {
      return values as CursorValues;
    }
  } catch {}
  return undefined;
}

export function createTicketLists(ctx: AppContext) {
  const { prisma } = ctx.db;

  /** Loads the display rows for ids already ordered by the keyset query (a constant number of queries). */
  async function rowsInOrder(ids: number[]): Promise<TicketRow[]> {
    if (ids.length === 0) return [];
    const rows = await prisma.ticket.findMany({ where: { id: { in: ids } }, select: rowSelect });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id)).filter((row): row is TicketRow => row !== undefined);
  }

  /** Support's queue: every live ticket, filters on indexed columns, keyset over the chosen sort. */
  async function queue(
    actor: Actor,
    filters: TQueueFilters,
    query: { after?: unknown; before?: unknown },
    timeZone: string,
  ): Promise<TicketPage> {
    if (!canBrowseQueue(actor)) throw forbidden();
    const sort = queueSorts[filters.sort];
    const where: Prisma.Sql[] = [Prisma.sql`t."deletedAt" IS NULL`];
    if (filters.status) where.push(Prisma.sql`t."status" = ${filters.status}::"TicketStatus"`);
    if (filters.priority) where.push(Prisma.sql`t."priority" = ${filters.priority}::"Priority"`);
    if (filters.categoryId) where.push(Prisma.sql`t."categoryId" = ${filters.categoryId}`);
    if (filters.departmentId) where.push(Prisma.sql`t."departmentId" = ${filters.departmentId}`);
    if (filters.assignee === 'none') where.push(Prisma.sql`t."assigneeId" IS NULL`);
    else if (filters.assignee) where.push(Prisma.sql`t."assigneeId" = ${Number(filters.assignee)}`);
    if (filters.organizationId) where.push(Prisma.sql`t."organizationId" = ${filters.organizationId}`);
    if (filters.requesterId) where.push(Prisma.sql`t."requesterId" = ${filters.requesterId}`);
    if (filters.from) where.push(Prisma.sql`t."createdAt" >= ${dayStart(filters.from, timeZone)}`);
    if (filters.to) where.push(Prisma.sql`t."createdAt" < ${dayStart(filters.to, timeZone, 1)}`);
    // A search (`filters.q`) is answered by ticket-search.ts, not by this list.

    const after = decode(query.after, sort.columns.length);
    const before = after ? undefined : decode(query.before, sort.columns.length);
    const cursor = after ?? before;
    const backwards = Boolean(before);
    // Walking "after" follows the sort; walking "before" runs it in reverse, then flips the page.
    const forward = sort.direction === 'ASC' ? !backwards : backwards;
    const columns = Prisma.raw(sort.columns.map((column) => `t."${column}"`).join(', '));
    if (cursor) {
      const values = sort.columns.map((column, i) =>
        column === 'createdAt' || column === 'updatedAt' ? new Date(cursor[i] as string) : cursor[i],
      );
      where.push(Prisma.sql`(${columns}) ${Prisma.raw(forward ? '>' : '<')} (${Prisma.join(values)})`);
    }
    const order = Prisma.raw(sort.columns.map((column) => `t."${column}" ${forward ? 'ASC' : 'DESC'}`).join(', '));
    const rows = await prisma.$queryRaw<Record<string, unknown>[]>`
      SELECT ${columns} FROM "Ticket" t WHERE ${Prisma.join(where, ' AND ')} ORDER BY ${order} LIMIT ${queuePageSize + 1}`;
    const hasMore = rows.length > queuePageSize;
    const page = rows.slice(0, queuePageSize);
    if (backwards) page.reverse();
    const keyOf = (row: Record<string, unknown>) =>
      encode(
        sort.columns.map((column) =>
          row[column] instanceof Date ? (row[column] as Date).toISOString() : (row[column] as number),
        ),
      );
    const first = page[0];
    const last = page.at(-1);
    return {
      items: await rowsInOrder(page.map((row) => row.id as number)),
      nextCursor: last && (backwards || hasMore) ? keyOf(last) : null,
      prevCursor: first && (backwards ? hasMore : Boolean(cursor)) ? keyOf(first) : null,
    };
  }

  /** Keyset over (createdAt DESC, id DESC) inside the actor's scope (their own or their organization's tickets). */
  async function mine(
    actor: Actor,
    filters: TMyTicketsFilters,
    query: { after?: unknown; before?: unknown },
    timeZone: string,
  ): Promise<TicketPage> {
    const statusFilter: Prisma.TicketWhereInput =
      filters.tab === 'open'
        ? { status: { in: [...openStatuses] } }
        : filters.tab === 'resolved'
          ? { status: 'RESOLVED' }
          : { status: { in: ['CLOSED', 'CANCELLED'] } };
    const conditions: Prisma.TicketWhereInput[] = [ticketScopeFor(actor), statusFilter];
    if (filters.requesterId) conditions.push({ requesterId: filters.requesterId });
    if (filters.from) conditions.push({ createdAt: { gte: dayStart(filters.from, timeZone) } });
    if (filters.to) conditions.push({ createdAt: { lt: dayStart(filters.to, timeZone, 1) } });
    // A search (`filters.q`) is answered by ticket-search.ts, not by this list.
    return keysetByCreated(conditions, query, listPageSize);
  }

  /** A technician's work: assigned and not yet resolved, most urgent then oldest first. */
  async function work(actor: Actor): Promise<TicketRow[]> {
    if (actor.role !== 'TECHNICIAN' && actor.role !== 'ADMIN') throw forbidden();
    return prisma.ticket.findMany({
      where: { assigneeId: actor.id, deletedAt: null, status: { in: [...workStatuses] } },
      orderBy: [{ urgency: 'asc' }, { createdAt: 'asc' }, { id: 'asc' }],
      take: 200,
      select: rowSelect,
    });
  }

  /** The admin's bin. */
  async function bin(actor: Actor, query: { after?: unknown; before?: unknown }): Promise<TicketPage> {
    return keysetByCreated([ticketScopeFor(actor, { bin: true })], query, listPageSize);
  }

  async function keysetByCreated(
    conditions: Prisma.TicketWhereInput[],
    query: { after?: unknown; before?: unknown },
    size: number,
  ): Promise<TicketPage> {
    const after = decode(query.after, 2);
    const before = after ? undefined : decode(query.before, 2);
    const cursor = after ?? before;
    const backwards = Boolean(before);
    if (cursor) {
      const at = new Date(cursor[0] as string);
      const id = cursor[1] as number;
      const op = backwards ? 'gt' : 'lt';
      conditions.push({ OR: [{ createdAt: { [op]: at } }, { createdAt: at, id: { [op]: id } }] });
    }
    const direction = backwards ? 'asc' : 'desc';
    const rows = await prisma.ticket.findMany({
      where: { AND: conditions },
      orderBy: [{ createdAt: direction }, { id: direction }],
      take: size + 1,
      select: rowSelect,
    });
    const hasMore = rows.length > size;
    const items = rows.slice(0, size);
    if (backwards) items.reverse();
    const keyOf = (row: TicketRow) => encode([row.createdAt.toISOString(), row.id]);
    const first = items[0];
    const last = items.at(-1);
    return {
      items,
      nextCursor: last && (backwards || hasMore) ? keyOf(last) : null,
      prevCursor: first && (backwards ? hasMore : Boolean(cursor)) ? keyOf(first) : null,
    };
  }

  return { queue, mine, work, bin };
}

export type TicketLists = ReturnType<typeof createTicketLists>;
