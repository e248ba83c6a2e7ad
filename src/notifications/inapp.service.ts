// The in-app notification centre: what the bell counts and /notifications lists. Rows are made by
// the worker from the same recipients as the e-mails (so the same who-hears-what rules apply),
// one per outbox row and user, and hold only public facts: the kind, the ticket number and subject.
import type { PrismaClient } from '../generated/prisma/client.js';
import { type Cursor, encodeCursor } from '../lib/pagination.js';
import { LIVE_CHANNEL } from './live.js';
import type { Delivery } from './recipients.js';

/** The bell shows "99+" past this: counting stops there, so a huge backlog costs nothing. */
export const UNREAD_CAP = 100;

export type NotificationItem = {
  id: number;
  kind: string;
  ticketNumber: number | null;
  subject: string;
  readAt: Date | null;
  createdAt: Date;
};

type NotificationData = { number?: unknown; subject?: unknown };

export function createInAppNotifications(prisma: PrismaClient) {
  return {
    /** Unread notifications of a user, counted up to UNREAD_CAP (index-only on userId, readAt). */
    async unreadCount(userId: number): Promise<number> {
      const rows = await prisma.$queryRaw<{ count: number }[]>`
        SELECT count(*)::int AS count FROM (
          SELECT 1 FROM "Notification" WHERE "userId" = ${userId} AND "readAt" IS NULL LIMIT ${UNREAD_CAP}
        ) AS unread`;
      return rows[0]?.count ?? 0;
    },

    /** Newest first, by keyset on (createdAt, id): `older` is the cursor of the next page. */
    async list(userId: number, options: { before?: Cursor; size: number }) {
      const cursor = options.before;
      const at = cursor ? new Date(String(cursor.value)) : null;
      const rows = await prisma.notification.findMany({
        where: {
          userId,
          ...(cursor && at && !Number.isNaN(at.getTime())
            ? { OR: [{ createdAt: { lt: at } }, { createdAt: at, id: { lt: cursor.id } }] }
            : {}),
        },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
        take: options.size + 1,
      });
      const page = rows.slice(0, options.size);
      const last = page.at(-1);
      const items: NotificationItem[] = page.map((row) => {
        const data = (row.data ?? {}) as NotificationData;
        return {
          id: Number(row.id),
          kind: row.kind,
          ticketNumber: typeof data.number === 'number' ? data.number : null,
          subject: typeof data.subject === 'string' ? data.subject : '',
          readAt: row.readAt,
          createdAt: row.createdAt,
        };
      });
      const older =
        rows.length > options.size && last
          ? encodeCursor({ value: last.createdAt.toISOString(), id: Number(last.id) })
          : null;
      return { items, older };
    },

    /** Marks one of the user's notifications read; returns its ticket number (to open it). */
    async markRead(userId: number, id: number): Promise<number | null> {
      const row = await prisma.notification.findFirst({ where: { id, userId }, select: { data: true, readAt: true } });
      if (!row) return null;
      if (!row.readAt) await prisma.notification.update({ where: { id }, data: { readAt: new Date() } });
      const number = (row.data as NotificationData | null)?.number;
      return typeof number === 'number' ? number : null;
    },

    async markAllRead(userId: number): Promise<number> {
      const result = await prisma.notification.updateMany({
        where: { userId, readAt: null },
        data: { readAt: new Date() },
      });
      return result.count;
    },
  };
}

export type InAppNotifications = ReturnType<typeof createInAppNotifications>;

/**
 * Records the in-app notifications of a batch of outbox rows and tells the recipients' open pages,
 * in one statement whatever the batch's size: the INSERT and the pg_notify of each user who got a
 * new one (in the same statement, so the event follows the commit of the rows it announces).
 * Idempotent: a retried batch adds nothing and tells nobody. Only about tickets (account e-mails
 * have no in-app twin), and never to the person who acted: the requester who files a ticket gets
 * its e-mail confirmation, not a bell for their own deed.
 */
export async function recordInApp(
  prisma: PrismaClient,
  items: { row: { id: bigint; ticketId: number | null }; delivery: Delivery }[],
  now: Date = new Date(),
): Promise<number> {
  const outboxIds: string[] = [];
  const ticketIds: (number | null)[] = [];
  const userIds: number[] = [];
  const kinds: string[] = [];
  const data: string[] = [];
  for (const { row, delivery } of items) {
    const ticket = delivery.content.ticket;
    if (!ticket) continue;
    for (const recipient of delivery.recipients) {
      if (recipient.userId === null || recipient.isActor) continue;
      outboxIds.push(String(row.id));
      ticketIds.push(row.ticketId);
      userIds.push(recipient.userId);
      kinds.push(recipient.kind);
      data.push(JSON.stringify({ number: ticket.number, subject: ticket.subject }));
    }
  }
  if (userIds.length === 0) return 0;
  // createdAt is UTC wall time (timestamp without time zone), as Prisma writes it.
  const rows = await prisma.$queryRaw<{ notified: number }[]>`
    WITH created AS (
      INSERT INTO "Notification" ("outboxId", "ticketId", "userId", kind, data, "createdAt")
      SELECT n.outbox_id, n.ticket_id, n.user_id, n.kind, n.data, (${now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
      FROM unnest(${outboxIds}::bigint[], ${ticketIds}::int[], ${userIds}::int[], ${kinds}::text[], ${data}::jsonb[])
        AS n(outbox_id, ticket_id, user_id, kind, data)
      ON CONFLICT ("outboxId", "userId") DO NOTHING
      RETURNING "userId"
    )
    SELECT count(pg_notify(${LIVE_CHANNEL}, json_build_object('type', 'notification', 'userId', u."userId")::text))::int
      AS notified
    FROM (SELECT DISTINCT "userId" FROM created) AS u`;
  return rows[0]?.notified ?? 0;
}
