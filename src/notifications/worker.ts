// Delivers the notification outbox by e-mail, losing nothing and sending nothing twice.
//
// 1. Claim: one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) pushes the due rows'
//    nextAttemptAt forward (a lease) and returns them. It is a single statement, so it holds the
//    connection for no longer than itself (the embedded database has only one), and several
//    processes claim disjoint batches.
// 2. Outside any transaction: work out the recipients, render, and record one EmailMessage per
//    recipient (one INSERT; its Message-ID is derived from outbox id + user, so it is unique).
//    On a later attempt the recorded messages are reused, never recomputed.
// 3. Send each message not yet SENT/KEPT; mark it. Then mark the outbox row sent, or schedule a
//    retry with exponential backoff, or give up after maxAttempts.
// A crash between sending and marking re-sends the same Message-ID after the lease ends.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Job } from '../jobs/scheduler.js';
import { recordInApp } from './inapp.service.js';
import type { LiveHub } from './live.js';
import { resolveDelivery } from './recipients.js';
import { renderEmail } from './templates.js';
import { createMailTransport, type MailTransport } from './transport.js';

export type MailWorkerOptions = {
  transport?: MailTransport;
  batchSize?: number;
  maxAttempts?: number;
  leaseMs?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
};

export type RunResult = { claimed: number; sent: number; kept: number; retrying: number; failed: number };

export function backoffMs(attempts: number, base = 30_000, cap = 60 * 60_000): number {
  return Math.min(cap, base * 2 ** Math.max(0, attempts - 1));
}

/** Stable per outbox row and recipient; `0` stands for a recipient without an account. */
export function messageIdFor(outboxId: bigint | number, userId: number | null, baseUrl: string): string {
  return `<outbox-${outboxId}-${userId ?? 0}@${new URL(baseUrl).hostname}>`;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 1000);

export function createMailWorker(
  ctx: Pick<AppContext, 'env' | 'db' | 'settings' | 'logger'>,
  options: MailWorkerOptions = {},
) {
  const { prisma } = ctx.db;
  const transport = options.transport ?? createMailTransport(ctx.env);
  const batchSize = options.batchSize ?? 20;
  const maxAttempts = options.maxAttempts ?? 8;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const baseUrl = ctx.env.BASE_URL ?? `http://localhost:${ctx.env.PORT}`;
  let busy = false;
  let again = false;

  async function claim(now: Date): Promise<bigint[]> {
    const at = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    // Timestamps are stored as UTC wall time (timestamp without time zone).
    const rows = await prisma.$queryRaw<{ id: string }[]>`
      UPDATE "OutboxMessage" SET "nextAttemptAt" = (${until}::timestamptz AT TIME ZONE 'UTC')
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE "sentAt" IS NULL AND "failedAt" IS NULL AND kind = 'notification'
          AND "nextAttemptAt" <= (${at}::timestamptz AT TIME ZONE 'UTC')
        ORDER BY "nextAttemptAt", id
        LIMIT ${batchSize}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id::text AS id`;
    // RETURNING follows no order: deliver oldest first.
    return rows.map((row) => BigInt(row.id)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** The row's recorded messages, recording them first on the first attempt. */
  async function messagesOf(row: {
    id: bigint;
    topic: string;
    ticketId: number | null;
    payload: Prisma.JsonValue;
    createdAt: Date;
  }) {
    const recorded = await prisma.emailMessage.findMany({ where: { outboxId: row.id }, orderBy: { id: 'asc' } });
    if (recorded.length > 0) return recorded;
    const payload =
      row.payload && typeof row.payload === 'object' && !Array.isArray(row.payload)
        ? (row.payload as Record<string, unknown>)
        : {};
    const delivery = await resolveDelivery(prisma, { ...row, payload });
    // The bell hears everything the e-mail would say, opted-out kinds and demo accounts included.
    if (delivery) await recordInApp(prisma, row, delivery);
    // Demo accounts (@demo.local) have no mailbox: their mail is only kept, never sent.
    const recipients = (delivery?.recipients ?? []).filter(
      (r) => !(r.isDemo && transport.kind === 'smtp') && !r.emailOptOut.includes(r.kind),
    );
    if (!delivery || recipients.length === 0) return [];
    const { helpdeskName } = await ctx.settings.get();
    const data: Prisma.EmailMessageCreateManyInput[] = [];
    for (const recipient of recipients) {
      const email = await renderEmail({
        kind: recipient.kind,
        content: delivery.content,
        recipient,
        baseUrl,
        helpdesk: helpdeskName,
        replyable: Boolean(ctx.env.IMAP_URL),
      });
      data.push({
        outboxId: row.id,
        topic: row.topic,
        ticketId: row.ticketId,
        toUserId: recipient.userId,
        toAddress: recipient.email,
        ...email,
        messageId: messageIdFor(row.id, recipient.userId, baseUrl),
      });
    }
    await prisma.emailMessage.createMany({ data, skipDuplicates: true });
    return prisma.emailMessage.findMany({ where: { outboxId: row.id }, orderBy: { id: 'asc' } });
  }

  async function deliver(id: bigint, now: Date, result: RunResult) {
    const row = await prisma.outboxMessage.findUnique({ where: { id } });
    if (!row || row.sentAt || row.failedAt) return;
    const errors: string[] = [];
    try {
      for (const message of await messagesOf(row)) {
        if (message.status === 'SENT' || message.status === 'KEPT' || message.status === 'FAILED') continue;
        if (transport.kind === 'keep') {
          await prisma.emailMessage.update({ where: { id: message.id }, data: { status: 'KEPT' } });
          result.kept++;
          continue;
        }
        try {
          await transport.send({
            to: message.toAddress,
            subject: message.subject,
            text: message.text,
            html: message.html,
            messageId: message.messageId,
          });
        } catch (error) {
          errors.push(errorText(error));
          await prisma.emailMessage.update({
            where: { id: message.id },
            data: { attempts: { increment: 1 }, lastError: errorText(error) },
          });
          continue;
        }
        await prisma.emailMessage.update({
          where: { id: message.id },
          data: { status: 'SENT', sentAt: new Date(), attempts: { increment: 1 }, lastError: null },
        });
        result.sent++;
      }
    } catch (error) {
      errors.push(errorText(error));
    }
    if (errors.length === 0) {
      await prisma.outboxMessage.update({ where: { id }, data: { sentAt: now, lastError: null } });
      return;
    }
    const attempts = row.attempts + 1;
    const lastError = errors[0] ?? null;
    ctx.logger.warn({ outboxId: String(id), attempts, err: lastError }, 'e-mail delivery failed');
    if (attempts >= maxAttempts) {
      await prisma.outboxMessage.update({ where: { id }, data: { attempts, lastError, failedAt: now } });
      await prisma.emailMessage.updateMany({
        where: { outboxId: id, status: 'QUEUED' },
        data: { status: 'FAILED' },
      });
      result.failed++;
      return;
    }
    const delay = backoffMs(attempts, options.baseDelayMs, options.maxDelayMs);
    await prisma.outboxMessage.update({
      where: { id },
      data: { attempts, lastError, nextAttemptAt: new Date(now.getTime() + delay) },
    });
    result.retrying++;
  }

  /** One batch: claim due rows and deliver them. `now` lets tests step past a backoff. */
  async function runOnce(options: { now?: Date } = {}): Promise<RunResult> {
    const now = options.now ?? new Date();
    const result: RunResult = { claimed: 0, sent: 0, kept: 0, retrying: 0, failed: 0 };
    const ids = await claim(now);
    result.claimed = ids.length;
    for (const id of ids) await deliver(id, now, result);
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
     * For the scheduler and the outbox wake-up: a tick that finds one running asks it to go once
     * more when done (so a row committed meanwhile waits for no timer), and returns null.
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
