// The SLA sweep (a job, every minute): tickets whose next warning or due instant has come
// (`slaCheckAt`, a partial index over the few with a pending target) get each crossing written
// once to the SLA log and notified through the outbox (unless it is old news: NOTIFY_WITHIN_MS), in
// one transaction per ticket. The log's
// unique key (ticket, target, kind, due instant) makes a crossing count once whatever the number
// of processes sweeping; a due instant moved by a change (priority raised) is a new crossing.
import type { AppContext } from '../context.js';
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { openStatuses } from '../tickets/ticket-statuses.js';
import type { SlaService } from './sla.service.js';

const BATCH = 200;
/**
 * A crossing found more than this long after it happened is logged but not notified: it was not
 * watched as it happened (a policy created or changed over old open tickets, the app stopped for
 * hours), and hundreds of e-mails about old news would bury the live ones. The queue still shows it.
 */
export const NOTIFY_WITHIN_MS = 60 * 60_000;
/** A run stops taking new batches after this long (a policy change may queue every open ticket). */
const RUN_BUDGET_MS = 20_000;

/**
 * After a change to policies or calendars, inside its transaction: every open ticket is queued
 * for the sweep, which recomputes it with the new rules (in batches, within a minute or a few).
 */
export async function requestSlaRecompute(
  tx: { $executeRaw: PrismaClient['$executeRaw'] },
  only: { departmentId?: number } = {},
  now = new Date(),
) {
  const department =
    only.departmentId === undefined ? Prisma.empty : Prisma.sql`AND "departmentId" = ${only.departmentId}`;
  await tx.$executeRaw`
    UPDATE "Ticket" SET "slaCheckAt" = ${now}
     WHERE "deletedAt" IS NULL ${department}
       AND "status" IN (${Prisma.join(openStatuses.map((s) => Prisma.sql`${s}::"TicketStatus"`))})`;
}

/** Crossings logged in a run; `unnotified` of them were old news or superseded (see NOTIFY_WITHIN_MS). */
export type SweepResult = { checked: number; warnings: number; breaches: number; unnotified: number };

/** Told of each crossing inside the sweep's transaction (the rules' SLA triggers, src/rules/). */
export type SlaCrossingHook = (
  tx: Prisma.TransactionClient,
  crossing: { ticketId: number; kind: 'WARNING' | 'BREACH' },
) => Promise<void>;

export function createSlaSweep(ctx: AppContext, sla: SlaService, onCrossing?: SlaCrossingHook) {
  const { prisma } = ctx.db;

  return async function sweepSla(now = new Date()): Promise<SweepResult> {
    const result: SweepResult = { checked: 0, warnings: 0, breaches: 0, unnotified: 0 };
    const started = Date.now();
    let due: { id: number }[];
    do {
      due = await prisma.$queryRaw<{ id: number }[]>`
        SELECT "id" FROM "Ticket" WHERE "slaCheckAt" IS NOT NULL AND "slaCheckAt" <= ${now}
         ORDER BY "slaCheckAt", "id" LIMIT ${BATCH}`;
      const before = result.checked;
      await sweepBatch(due, now, result);
      // Every ticket of the batch locked by a change right now: leave them to the next run.
      if (result.checked === before) break;
    } while (due.length === BATCH && Date.now() - started < RUN_BUDGET_MS);
    return result;
  };

  async function sweepBatch(due: { id: number }[], now: Date, result: SweepResult): Promise<void> {
    for (const { id } of due) {
      await prisma.$transaction(async (tx) => {
        // A ticket being changed right now is left to the next run (its change recomputes it).
        const locked = await tx.$queryRaw<{ number: number }[]>`
          SELECT "number" FROM "Ticket" WHERE "id" = ${id} AND "slaCheckAt" <= ${now} FOR UPDATE SKIP LOCKED`;
        const number = locked[0]?.number;
        if (number === undefined) return;
        result.checked++;
        const computed = await sla.recompute(tx, id, null, now);
        let next: Date | null = null;
        for (const target of computed?.clock.targets ?? []) {
          if (!target.pending || target.dueAt === null) continue;
          for (const [kind, at] of [
            ['WARNING', target.warnAt],
            ['BREACH', target.dueAt],
          ] as const) {
            if (at === null) continue;
            if (at > now) {
              if (next === null || at < next) next = at;
              continue;
            }
            const written = await tx.$executeRaw`
              INSERT INTO "SlaEvent" ("ticketId", "target", "kind", "dueAt", "at")
              VALUES (${id}, ${target.target}::"SlaTarget", ${kind}::"SlaEventKind", ${target.dueAt}, ${now})
              ON CONFLICT DO NOTHING`;
            if (written === 0) continue;
            if (kind === 'WARNING') result.warnings++;
            else result.breaches++;
            // Rules hear of every crossing logged, old news included: they act on the ticket.
            await onCrossing?.(tx, { ticketId: id, kind });
            // A warning whose breach has come too says nothing the breach does not.
            const superseded = kind === 'WARNING' && target.dueAt <= now;
            if (superseded || now.getTime() - at.getTime() > NOTIFY_WITHIN_MS) {
              result.unnotified++;
              continue;
            }
            await enqueueNotification(
              tx,
              kind === 'WARNING' ? 'sla.warning' : 'sla.breach',
              {
                number,
                actorId: null,
                target: target.target,
                dueAt: target.dueAt.toISOString(),
                escalationUserId: kind === 'BREACH' ? computed?.policy.escalationUserId : undefined,
              },
              id,
            );
          }
        }
        await tx.$executeRaw`UPDATE "Ticket" SET "slaCheckAt" = ${next} WHERE "id" = ${id}`;
      });
    }
  }
}
