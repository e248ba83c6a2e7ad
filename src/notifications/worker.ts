// Delivers the notification outbox by e-mail and to the bell, in batches, losing nothing and
// sending nothing twice. A batch (100 rows by default) costs a small number of statements,
// whatever its size:
//
// 1. Claim: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) pushes the due rows'
//    nextAttemptAt forward (a lease) and returns them. It is a single statement, so it holds the
//    connection for no longer than itself (the embedded database has only one), and several
//    processes claim disjoint batches.
// 2. Outside any transaction: the rows' recorded e-mails (a retry reuses them, never recomputes
//    them); for the others, the recipients (recipients.ts: a few set-based queries for the whole
//    batch), the in-app notifications with their live events (one statement), and every e-mail of
//    the batch rendered and recorded in one INSERT. Its Message-ID is derived from outbox id +
//    user, so it is unique and stable.
// 3. Without SMTP, every message is marked KEPT in one UPDATE. With SMTP, the messages go out over
//    the pooled transport, one per connection, each marked as soon as it is accepted (by default;
//    `sendConcurrency` and `markEvery` change that). A crash between sending and marking re-sends,
//    after the lease, only the messages in flight, with their same Message-IDs.
// 4. One UPDATE settles every row: sent, or retried with exponential backoff (its own attempts),
//    or FAILED after maxAttempts. A row that fails (an unreachable recipient, a template error)
//    fails alone; the rest of its batch is delivered.
import type { AppContext } from '../context.js';
import type { EmailMessage, Prisma } from '../generated/prisma/client.js';
import type { Job } from '../jobs/scheduler.js';
import type { DirectResolvers } from './direct.js';
import { recordInApp } from './inapp.service.js';
import type { LiveHub } from './live.js';
import { type Delivery, type OutboxRow, resolveDeliveries } from './recipients.js';
import { renderEmail } from './templates.js';
import { createMailTransport, type MailTransport, SMTP_CONNECTIONS } from './transport.js';

export type MailWorkerOptions = {
  /** Non-ticket topics (account e-mails, inbound replies), registered by the composition root. */
  resolvers?: DirectResolvers;
  transport?: MailTransport;
  batchSize?: number;
  maxAttempts?: number;
  leaseMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Messages handed to the SMTP pool at once (it keeps that many connections open). */
  sendConcurrency?: number;
  /** Sent messages are marked in one statement per this many (and at the end of the batch). */
  markEvery?: number;
};

/** E-mails rendered between two turns of the event loop. */
const RENDER_SLICE = 8;

export type RunResult = { claimed: number; sent: number; kept: number; retrying: number; failed: number };

export function backoffMs(attempts: number, base = 30_000, cap = 60 * 60_000): number {
  return Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
}

/** Stable per outbox row and recipient; `0` stands for a recipient without an account. */
export function messageIdFor(outboxId: bigint | number, userId: number | null, baseUrl: string): string {
  return `<outbox-${outboxId}-${userId ?? 0}@${new URL(baseUrl).hostname}>`;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

type ClaimedRow = OutboxRow & { attempts: number };

/** One claimed row on its way through the batch. */
type Work = { row: ClaimedRow; messages: EmailMessage[]; errors: string[]; isReleased: boolean };

/** Timestamps are stored as UTC wall time (timestamp without time zone). */
const iso = (date: Date) => date.toISOString();

export function createMailWorker(
  ctx: Pick<AppContext, 'env' | 'db' | 'settings' | 'logger'>,
  options: MailWorkerOptions = {},
) {
  const { prisma } = ctx.db;
  const transport = options.transport ?? createMailTransport(ctx.env);
  const resolvers = options.resolvers ?? {};
  const batchSize = options.batchSize ?? 100;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  // One message per pooled SMTP connection, each marked as soon as the server accepts it: a crash
  // re-sends at most the messages in flight (with their same Message-IDs). One lane alone fell
  // behind under bench:load (rows waiting 40 s and more); marking in bulk (markEvery) trades more
  // repeats after a crash for fewer statements.
  const sendConcurrency = Math.max(1, options.sendConcurrency ?? SMTP_CONNECTIONS);
  const markEvery = Math.max(1, options.markEvery ?? 1);
  const baseUrl = ctx.env.BASE_URL ?? `http://localhost:${ctx.env.PORT}`;
  const cacheTemplates = ctx.env.NODE_ENV === 'production';
  let busy = false;
  let again = false;

  async function claim(now: Date): Promise<ClaimedRow[]> {
    const until = new Date(now.getTime() + leaseMs);
    const rows = await prisma.$queryRaw<
      {
        id: string;
        topic: string;
        ticketId: number | null;
        payload: Prisma.JsonValue;
        attempts: number;
        createdAt: Date;
      }[]
    >`
      UPDATE "OutboxMessage" SET "nextAttemptAt" = (${iso(until)}::timestamptz AT TIME ZONE 'UTC')
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND kind = 'notification'
          AND "nextAttemptAt" <= (${iso(now)}::timestamptz AT TIME ZONE 'UTC')
        ORDER BY "nextAttemptAt", id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id::text AS id, topic, "ticketId", payload, attempts, "createdAt"`;
    // RETURNING follows no order: deliver oldest first.
    return rows
      .map((row) => ({
        ...row,
        id: BigInt(row.id),
        payload:
          row.payload && typeof row.payload === 'object' && !Array.isArray(row.payload)
            ? (row.payload as Record<string, unknown>)
            : {},
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Works out, records and returns the messages of rows seen for the first time. */
  async function recordMessages(fresh: Work[], now: Date): Promise<void> {
    const resolved = await resolveDeliveries(
      prisma,
      fresh.map((work) => work.row),
      resolvers,
    );
    const deliveries: { work: Work; delivery: Delivery }[] = [];
    for (const work of fresh) {
      const outcome = resolved.get(work.row.id);
      if (outcome && 'error' in outcome) work.errors.push(errorText(outcome.error));
      else if (outcome?.delivery) deliveries.push({ work, delivery: outcome.delivery });
    }
    if (deliveries.length === 0) return;

    // The bell hears everything the e-mail would say, opted-out kinds and demo accounts included.
    await eachOrAlone(
      deliveries,
      (items) =>
        recordInApp(
          prisma,
          items.map(({ work, delivery }) => ({ row: work.row, delivery })),
          now,
        ),
      ({ work }, error) => work.errors.push(errorText(error)),
    );

    const { helpdeskName } = await ctx.settings.get();
    const drafts: { work: Work; data: Prisma.EmailMessageCreateManyInput[] }[] = [];
    let rendered = 0;
    for (const { work, delivery } of deliveries) {
      // Demo accounts (@demo.local) have no mailbox: their mail is only kept, never sent.
      const recipients = delivery.recipients.filter(
        (r) => !(r.isDemo && transport.kind === 'smtp') && !r.emailOptOut.includes(r.kind),
      );
      try {
        const data: Prisma.EmailMessageCreateManyInput[] = [];
        for (const recipient of recipients) {
          // Rendering is synchronous: a batch's hundreds of e-mails would hold the event loop (and
          // every page this process serves) for a second. Let pending requests run every few.
          if (++rendered % RENDER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
          const email = await renderEmail({
            kind: recipient.kind,
            content: delivery.content,
            recipient,
            baseUrl,
            helpdesk: helpdeskName,
            replyable: Boolean(ctx.env.IMAP_URL),
            cache: cacheTemplates,
          });
          data.push({
            outboxId: work.row.id,
            topic: work.row.topic,
            ticketId: work.row.ticketId,
            toUserId: recipient.userId,
            toAddress: recipient.email,
            ...email,
            messageId: messageIdFor(work.row.id, recipient.userId, baseUrl),
          });
        }
        if (data.length > 0) drafts.push({ work, data });
      } catch (error) {
        work.errors.push(errorText(error));
      }
    }
    await eachOrAlone(
      drafts.filter((draft) => draft.work.errors.length === 0),
      async (items) => {
        const created = await prisma.emailMessage.createManyAndReturn({
          data: items.flatMap((item) => item.data),
          // Recorded meanwhile by a worker whose lease ran out: that one sends them, not this one.
          skipDuplicates: true,
        });
        const byRow = new Map(items.map((item) => [item.work.row.id, item.work]));
        for (const message of created.sort((a, b) => a.id - b.id)) byRow.get(message.outboxId)?.messages.push(message);
      },
      ({ work }, error) => work.errors.push(errorText(error)),
    );
  }

  /** Marks sent or refused messages in one statement. */
  async function markResults(results: { id: number; error: string | null }[]) {
    if (results.length === 0) return;
    await prisma.$executeRaw`
      UPDATE "EmailMessage" AS m SET
        status = CASE WHEN r.error IS NULL THEN 'SENT'::"EmailStatus" ELSE m.status END,
        "sentAt" = CASE WHEN r.error IS NULL THEN (${iso(new Date())}::timestamptz AT TIME ZONE 'UTC') ELSE m."sentAt" END,
        attempts = m.attempts + 1,
        "lastError" = r.error
      FROM unnest(${results.map((r) => r.id)}::int[], ${results.map((r) => r.error)}::text[]) AS r(id, error)
      WHERE m.id = r.id`;
  }

  /** Sends the batch's queued messages, a few at once, marking them in bulk as they go. */
  async function send(work: Work[], result: RunResult, deadline: number) {
    if (transport.kind !== 'smtp') return;
    const queue = work.flatMap((w) =>
      w.messages.filter((m) => m.status === 'QUEUED').map((message) => ({ work: w, message })),
    );
    let pending: { id: number; error: string | null }[] = [];
    let markError: unknown = null;
    // One mark at a time, each taking every message accepted meanwhile: at a trickle each message
    // is marked alone as soon as it is accepted; under load, marks (a commit each, bound by the
    // disk's flush) coalesce instead of queueing one per message behind each other.
    let marker: Promise<void> | null = null;
    const markPending = async () => {
      while (pending.length > 0 && pending.length >= markEvery) {
        const batch = pending;
        pending = [];
        try {
          await markResults(batch);
        } catch (error) {
          markError ??= error;
        }
      }
      marker = null;
    };
    const flush = () => {
      marker ??= markPending();
    };
    let next = 0;
    const lane = async () => {
      while (next < queue.length) {
        const item = queue[next++] as (typeof queue)[number];
        // Past half the lease another worker may soon claim these rows: leave them to the next run.
        if (Date.now() > deadline) {
          item.work.isReleased = true;
          continue;
        }
        const { message } = item;
        try {
          await transport.send({
            to: message.toAddress,
            subject: message.subject,
            text: message.text,
            html: message.html,
            messageId: message.messageId,
          });
          pending.push({ id: message.id, error: null });
          result.sent++;
        } catch (error) {
          item.work.errors.push(errorText(error));
          pending.push({ id: message.id, error: errorText(error) });
        }
        if (pending.length >= markEvery) flush();
      }
    };
    await Promise.all(Array.from({ length: Math.min(sendConcurrency, queue.length) }, lane));
    await marker;
    if (pending.length > 0) {
      const batch = pending;
      pending = [];
      await markResults(batch).catch((error) => {
        markError ??= error;
      });
    }
    // Sent but not marked: the row must not count as done, so its messages go again (same IDs).
    if (markError) {
      for (const w of work) if (w.messages.length > 0) w.errors.push(errorText(markError));
    }
  }

  /** Settles every claimed row in one statement: sent, released, retrying or failed. */
  async function settle(work: Work[], now: Date, result: RunResult) {
    const ids: string[] = [];
    const sentAt: (string | null)[] = [];
    const attempts: number[] = [];
    const lastError: (string | null)[] = [];
    const nextAttemptAt: (string | null)[] = [];
    const failedAt: (string | null)[] = [];
    const gaveUp: bigint[] = [];
    for (const w of work) {
      ids.push(String(w.row.id));
      if (w.errors.length === 0 && w.isReleased) {
        // Not tried for lack of time: due again at once, and no attempt counted.
        sentAt.push(null);
        attempts.push(w.row.attempts);
        lastError.push(null);
        nextAttemptAt.push(iso(new Date()));
        failedAt.push(null);
        continue;
      }
      if (w.errors.length === 0) {
        sentAt.push(iso(now));
        attempts.push(w.row.attempts);
        lastError.push(null);
        nextAttemptAt.push(null);
        failedAt.push(null);
        continue;
      }
      const count = w.row.attempts + 1;
      const error = w.errors[0] ?? null;
      ctx.logger.warn({ outboxId: String(w.row.id), attempts: count, err: error }, 'e-mail delivery failed');
      sentAt.push(null);
      attempts.push(count);
      lastError.push(error);
      if (count >= maxAttempts) {
        nextAttemptAt.push(null);
        failedAt.push(iso(now));
        gaveUp.push(w.row.id);
        result.failed++;
      } else {
        const delay = backoffMs(count, options.baseDelayMs, options.maxDelayMs);
        nextAttemptAt.push(iso(new Date(now.getTime() + delay)));
        failedAt.push(null);
        result.retrying++;
      }
    }
    await prisma.$executeRaw`
      UPDATE "OutboxMessage" AS o SET
        "sentAt" = (s.sent_at AT TIME ZONE 'UTC'),
        attempts = s.attempts,
        "lastError" = s.last_error,
        "nextAttemptAt" = COALESCE((s.next_at AT TIME ZONE 'UTC'), o."nextAttemptAt"),
        "failedAt" = (s.failed_at AT TIME ZONE 'UTC')
      FROM unnest(${ids}::bigint[], ${sentAt}::timestamptz[], ${attempts}::int[], ${lastError}::text[],
                  ${nextAttemptAt}::timestamptz[], ${failedAt}::timestamptz[])
        AS s(id, sent_at, attempts, last_error, next_at, failed_at)
      WHERE o.id = s.id`;
    if (gaveUp.length > 0) {
      await prisma.emailMessage.updateMany({
        where: { outboxId: { in: gaveUp }, status: 'QUEUED' },
        data: { status: 'FAILED' },
      });
    }
  }

  /** One batch: claim due rows and deliver them. `now` lets tests step past a backoff. */
  async function runOnce(options: { now?: Date } = {}): Promise<RunResult> {
    const now = options.now ?? new Date();
    const deadline = Date.now() + leaseMs / 2;
    const result: RunResult = { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
    const rows = await claim(now);
    result.claimed = rows.length;
    if (rows.length === 0) return result;
    const work: Work[] = rows.map((row) => ({ row, messages: [], errors: [], isReleased: false }));
    try {
      const recorded = await prisma.emailMessage.findMany({
        where: { outboxId: { in: rows.map((row) => row.id) } },
        orderBy: { id: 'asc' },
      });
      const byRow = new Map(work.map((w) => [w.row.id, w]));
      for (const message of recorded) byRow.get(message.outboxId)?.messages.push(message);
      const fresh = work.filter((w) => w.messages.length === 0);
      if (fresh.length > 0) await recordMessages(fresh, now);

      if (transport.kind === 'keep') {
        const queued = work.flatMap((w) => w.messages.filter((m) => m.status === 'QUEUED').map((m) => m.id));
        if (queued.length > 0) {
          await prisma.emailMessage.updateMany({ where: { id: { in: queued } }, data: { status: 'KEPT' } });
          result.kept += queued.length;
        }
      } else {
        await send(work, result, deadline);
      }
    } catch (error) {
      // A statement for the whole batch failed (the database went away): every row is retried.
      for (const w of work) w.errors.push(errorText(error));
    }
    await settle(work, now, result);
    return result;
  }

  return {
    runOnce,
    /** Runs batches until none is due (for tests and one-shot use). */
    async drain(options: { now?: Date; maxRounds?: number } = {}): Promise<RunResult> {
      const total: RunResult = { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
      for (let round = 0; round < (options.maxRounds ?? 100); round++) {
        const result = await runOnce({ now: options.now });
        for (const key of Object.keys(total) as (keyof RunResult)[]) total[key] += result[key];
        if (result.claimed === 0) break;
      }
      return total;
    },
    /**
     * For the scheduler and the outbox wake-up: claims batch after batch while full ones come back
     * (a backlog drains without waiting for timers); a tick that finds one running asks it to go
     * once more when done (so a row committed meanwhile waits for no timer), and returns null.
     */
    async tick(): Promise<RunResult | null> {
      if (busy) {
        again = true;
        return null;
      }
      busy = true;
      try {
        let result: RunResult;
        do {
          again = false;
          result = await runOnce();
        } while (again || result.claimed === batchSize);
        return result;
      } finally {
        busy = false;
      }
    },
    close() {
      if (transport.kind === 'smtp') transport.close();
    },
  };
}

/**
 * Runs `work` on all items in one go; if that statement fails, once per item, so one bad row
 * (a value the table refuses) fails alone instead of failing its whole batch.
 */
async function eachOrAlone<T>(
  items: T[],
  work: (items: T[]) => Promise<unknown>,
  onError: (item: T, error: unknown) => void,
): Promise<void> {
  if (items.length === 0) return;
  try {
    await work(items);
    return;
  } catch (error) {
    if (items.length === 1) {
      onError(items[0] as T, error);
      return;
    }
  }
  for (const item of items) {
    try {
      await work([item]);
    } catch (error) {
      onError(item, error);
    }
  }
}

export type MailWorker = ReturnType<typeof createMailWorker>;

/**
 * The worker as a scheduled job: a timer as the fallback, and a wake-up the moment any process
 * commits an outbox row (the live hub's LISTEN). The app, `npm run worker` and the bench use it.
 */
export function mailJob(worker: MailWorker, live: Pick<LiveHub, 'onOutbox'>): Job {
  return {
    name: 'mail',
    everyMs: 2_000,
    run: () => worker.tick(),
    start: () => live.onOutbox(() => void worker.tick()),
    stop: () => worker.close(),
  };
}
