// Ticket lists, designed for a million rows: every list is a keyset walk over an index (row
// comparisons on the index's own columns), never OFFSET, and never a COUNT over the table.
import type { AppContext } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.js';
import { forbidden } from '../lib/errors.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import { slaBadge } from '../sla/sla-display.js';
import { finalStatuses, openStatuses, workStatuses } from './ticket-statuses.js';
import { type Actor, canBrowseQueue, canManageBin, ticketScopeSql } from './tickets.policy.js';
import type { TMyTicketsFilters, TQueueFilters } from './tickets.schema.js';

export const queuePageSize = 50;
const listPageSize = 25;
const workPageSize = 50;

/** What a list row shows. */
export type TicketRow = {
  id: number;
  number: number;
  subject: string;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  createdAt: Date;
  updatedAt: Date;
  category: { name: string } | null;
  department: { name: string } | null;
  requester: { id: number; name: string };
  organization: { name: string } | null;
  assignee: { id: number; name: string; isAbsent: boolean } | null;
  /** The nearest pending SLA target's badge (staff lists show it). */
  sla: ReturnType<typeof slaBadge>;
};
export type TicketPage = { items: TicketRow[]; nextCursor: string | null; prevCursor: string | null };

type RawRow = Omit<TicketRow, 'category' | 'department' | 'requester' | 'organization' | 'assignee'> & {
  queueRank: number;
  urgency: number;
  categoryId: number | null;
  departmentId: number | null;
  requesterId: number;
  organizationId: number | null;
  assigneeId: number | null;
  categoryName: string | null;
  departmentName: string | null;
  requesterName: string;
  organizationName: string | null;
  assigneeName: string | null;
  assigneeAbsent: boolean | null;
  slaDueAt: Date | null;
  slaWarnAt: Date | null;
};

const rowColumns = Prisma.raw(
  ['id', 'number', 'subject', 'status', 'priority', 'channel', 'createdAt', 'updatedAt', 'queueRank', 'urgency']
    .concat(['categoryId', 'departmentId', 'requesterId', 'organizationId', 'assigneeId', 'slaDueAt', 'slaWarnAt'])
    .map((column) => `t."${column}"`)
    .join(', '),
);

/**
 * A keyset page from `size + 1` rows read in walking order: the extra row says whether there is
 * more; walking backwards, the rows are flipped back into the list's order.
 */
function pageOf(
  rows: RawRow[],
  size: number,
  walk: { backwards: boolean; cursor: unknown },
  keyOf: (row: RawRow) => string,
): TicketPage {
  const hasMore = rows.length > size;
  const page = rows.slice(0, size);
  if (walk.backwards) page.reverse();
  const first = page[0];
  const last = page.at(-1);
  return {
    items: page.map(toTicketRow),
    nextCursor: last && (walk.backwards || hasMore) ? keyOf(last) : null,
    prevCursor: first && (walk.backwards ? hasMore : Boolean(walk.cursor)) ? keyOf(first) : null,
  };
}

function toTicketRow(row: RawRow): TicketRow {
  return {
    id: row.id,
    number: row.number,
    subject: row.subject,
    status: row.status,
    priority: row.priority,
    channel: row.channel,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    category: row.categoryName === null ? null : { name: row.categoryName },
    department: row.departmentName === null ? null : { name: row.departmentName },
    requester: { id: row.requesterId, name: row.requesterName },
    organization: row.organizationName === null ? null : { name: row.organizationName },
    assignee:
      row.assigneeId === null
        ? null
        : { id: row.assigneeId, name: row.assigneeName ?? '', isAbsent: row.assigneeAbsent === true },
    sla: slaBadge(row),
  };
}

type SortSpec = { columns: string[]; direction: 'ASC' | 'DESC' };
const queueSorts: Record<TQueueFilters['sort'], SortSpec> = {
  queue: { columns: ['queueRank', 'urgency', 'createdAt', 'id'], direction: 'ASC' },
  oldest: { columns: ['createdAt', 'id'], direction: 'ASC' },
  newest: { columns: ['createdAt', 'id'], direction: 'DESC' },
  updated: { columns: ['updatedAt', 'id'], direction: 'DESC' },
  // Nearest SLA due first; only tickets with a pending target (the partial index over them).
  due: { columns: ['slaDueAt', 'id'], direction: 'ASC' },
};

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

  /**
   * One statement for a page of rows: the keyset query (`inner`, which selects the ticket columns
   * below in its own order and limit) with the names a list shows, in the same order.
   */
  async function rowsOf(inner: Prisma.Sql, order: string[], direction: 'ASC' | 'DESC'): Promise<RawRow[]> {
    const orderBy = Prisma.raw(order.map((column) => `p."${column}" ${direction}`).join(', '));
    // Names by scalar subqueries on primary keys, not joins: the planner's join-order search over
    // six tables cost more than running the page (measured), a subquery by key next to nothing.
    return prisma.$queryRaw<RawRow[]>`
      SELECT p.*,
             (SELECT c."name" FROM "Category" c WHERE c."id" = p."categoryId") AS "categoryName",
             (SELECT d."name" FROM "Department" d WHERE d."id" = p."departmentId") AS "departmentName",
             (SELECT r."name" FROM "User" r WHERE r."id" = p."requesterId") AS "requesterName",
             (SELECT o."name" FROM "Organization" o WHERE o."id" = p."organizationId") AS "organizationName",
             (SELECT a."name" FROM "User" a WHERE a."id" = p."assigneeId") AS "assigneeName",
             EXISTS (SELECT 1 FROM "UserAbsence" ab
                      WHERE ab."userId" = p."assigneeId" AND ab."endsAt" > now() AND ab."startsAt" <= now()
                    ) AS "assigneeAbsent"
      FROM (${inner}) p
      ORDER BY ${orderBy}`;
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
    // Only open tickets have a due instant (sla-clock.ts): with an SLA filter or the due order the
    // open-status test is implied, and stated it makes the planner multiply two selectivities it
    // takes for independent (6 % × 6 %) and pick a bitmap AND that sorts every overdue ticket.
    const dueOnly = filters.sla !== undefined || filters.sort === 'due';
    if (filters.status === undefined) {
      if (!dueOnly)
        where.push(
          Prisma.sql`t."status" IN (${Prisma.join(openStatuses.map((status) => Prisma.sql`${status}::"TicketStatus"`))})`,
        );
    } else if (filters.status !== 'all') {
      where.push(Prisma.sql`t."status" = ${filters.status}::"TicketStatus"`);
    }
    if (filters.priority) where.push(Prisma.sql`t."priority" = ${filters.priority}::"Priority"`);
    if (filters.categoryId) where.push(Prisma.sql`t."categoryId" = ${filters.categoryId}`);
    if (filters.departmentId) where.push(Prisma.sql`t."departmentId" = ${filters.departmentId}`);
    if (filters.assignee === 'none') where.push(Prisma.sql`t."assigneeId" IS NULL`);
    else if (filters.assignee) where.push(Prisma.sql`t."assigneeId" = ${Number(filters.assignee)}`);
    if (filters.organizationId) where.push(Prisma.sql`t."organizationId" = ${filters.organizationId}`);
    if (filters.requesterId) where.push(Prisma.sql`t."requesterId" = ${filters.requesterId}`);
    if (filters.from) where.push(Prisma.sql`t."createdAt" >= ${dayStart(filters.from, timeZone)}`);
    if (filters.to) where.push(Prisma.sql`t."createdAt" < ${dayStart(filters.to, timeZone, 1)}`);
    const now = new Date();
    if (filters.sla === 'breached') where.push(Prisma.sql`t."slaDueAt" <= ${now}`);
    else if (filters.sla === 'at_risk') where.push(Prisma.sql`t."slaDueAt" > ${now} AND t."slaWarnAt" <= ${now}`);
    else if (filters.sla === 'ok')
      where.push(Prisma.sql`t."slaDueAt" > ${now} AND (t."slaWarnAt" IS NULL OR t."slaWarnAt" > ${now})`);
    if (filters.sort === 'due') where.push(Prisma.sql`t."slaDueAt" IS NOT NULL`);
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
        column === 'createdAt' || column === 'updatedAt' || column === 'slaDueAt'
          ? new Date(cursor[i] as string)
          : cursor[i],
      );
      where.push(Prisma.sql`(${columns}) ${Prisma.raw(forward ? '>' : '<')} (${Prisma.join(values)})`);
    }
    const order = Prisma.raw(sort.columns.map((column) => `t."${column}" ${forward ? 'ASC' : 'DESC'}`).join(', '));
    const rows = await rowsOf(
      Prisma.sql`SELECT ${rowColumns} FROM "Ticket" t WHERE ${Prisma.join(where, ' AND ')} ORDER BY ${order} LIMIT ${queuePageSize + 1}`,
      sort.columns,
      forward ? 'ASC' : 'DESC',
    );
    return pageOf(rows, queuePageSize, { backwards, cursor }, (row) =>
      encode(
        sort.columns.map((column) => {
          const value = row[column as keyof RawRow];
          return value instanceof Date ? value.toISOString() : (value as number);
        }),
      ),
    );
  }

  /** Keyset over (createdAt DESC, id DESC) inside the client's scope (their own or their organization's tickets). */
  async function mine(
    actor: Actor,
    filters: TMyTicketsFilters,
    query: { after?: unknown; before?: unknown },
    timeZone: string,
  ): Promise<TicketPage> {
    const statuses =
      filters.tab === 'open' ? openStatuses : filters.tab === 'resolved' ? (['RESOLVED'] as const) : finalStatuses;
    const where: Prisma.Sql[] = [
      ticketScopeSql(actor),
      Prisma.sql`t."status" IN (${Prisma.join(statuses.map((status) => Prisma.sql`${status}::"TicketStatus"`))})`,
    ];
    if (filters.requesterId) where.push(Prisma.sql`t."requesterId" = ${filters.requesterId}`);
    if (filters.from) where.push(Prisma.sql`t."createdAt" >= ${dayStart(filters.from, timeZone)}`);
    if (filters.to) where.push(Prisma.sql`t."createdAt" < ${dayStart(filters.to, timeZone, 1)}`);
    // A search (`filters.q`) is answered by ticket-search.ts, not by this list.
    return keysetByCreated(where, query, listPageSize);
  }

  /**
   * A technician's work: assigned and not yet resolved, most urgent then oldest first, 50 a page
   * (keyset over the partial index of open assigned tickets).
   */
  async function work(actor: Actor, query: { after?: unknown; before?: unknown } = {}): Promise<TicketPage> {
    if (actor.role !== 'TECHNICIAN' && actor.role !== 'ADMIN') throw forbidden();
    const statuses = Prisma.join(workStatuses.map((status) => Prisma.sql`${status}::"TicketStatus"`));
    const where: Prisma.Sql[] = [
      Prisma.sql`t."assigneeId" = ${actor.id}`,
      Prisma.sql`t."deletedAt" IS NULL`,
      Prisma.sql`t."status" IN (${statuses})`,
    ];
    const after = decode(query.after, 3);
    const before = after ? undefined : decode(query.before, 3);
    const cursor = after ?? before;
    const backwards = Boolean(before);
    if (cursor) {
      where.push(
        Prisma.sql`(t."urgency", t."createdAt", t."id") ${Prisma.raw(backwards ? '<' : '>')} (${cursor[0] as number}, ${new Date(cursor[1] as string)}, ${cursor[2] as number})`,
      );
    }
    const direction = backwards ? 'DESC' : 'ASC';
    const dir = Prisma.raw(direction);
    const rows = await rowsOf(
      Prisma.sql`SELECT ${rowColumns} FROM "Ticket" t WHERE ${Prisma.join(where, ' AND ')}
        ORDER BY t."urgency" ${dir}, t."createdAt" ${dir}, t."id" ${dir} LIMIT ${workPageSize + 1}`,
      ['urgency', 'createdAt', 'id'],
      direction,
    );
    return pageOf(rows, workPageSize, { backwards, cursor }, (row) =>
      encode([row.urgency, row.createdAt.toISOString(), row.id]),
    );
  }

  /** The admin's bin. */
  async function bin(actor: Actor, query: { after?: unknown; before?: unknown }): Promise<TicketPage> {
    if (!canManageBin(actor)) throw forbidden();
    return keysetByCreated([Prisma.sql`t."deletedAt" IS NOT NULL`], query, listPageSize);
  }

  async function keysetByCreated(
    where: Prisma.Sql[],
    query: { after?: unknown; before?: unknown },
    size: number,
  ): Promise<TicketPage> {
    const after = decode(query.after, 2);
    const before = after ? undefined : decode(query.before, 2);
    const cursor = after ?? before;
    const backwards = Boolean(before);
    if (cursor) {
      const at = new Date(cursor[0] as string);
      where.push(
        Prisma.sql`(t."createdAt", t."id") ${Prisma.raw(backwards ? '>' : '<')} (${at}, ${cursor[1] as number})`,
      );
    }
    const direction = backwards ? 'ASC' : 'DESC';
    const rows = await rowsOf(
      Prisma.sql`SELECT ${rowColumns} FROM "Ticket" t WHERE ${Prisma.join(where, ' AND ')}
        ORDER BY t."createdAt" ${Prisma.raw(direction)}, t."id" ${Prisma.raw(direction)} LIMIT ${size + 1}`,
      ['createdAt', 'id'],
      direction,
    );
    return pageOf(rows, size, { backwards, cursor }, (row) => encode([row.createdAt.toISOString(), row.id]));
  }

  return { queue, mine, work, bin };
}

export type TicketLists = ReturnType<typeof createTicketLists>;
