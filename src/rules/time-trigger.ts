// The time trigger, "N hours in status X" (a job, every minute, exclusive). Index-driven, cheap at
// 1M tickets: per active time rule, one keyset range over the partial index
// "Ticket_status_changed_idx" (status, statusChangedAt, id) WHERE deletedAt IS NULL — from the
// rule's cursor (the last stay looked at) up to now − N hours — so each run reads only the stays
// that crossed the threshold since the previous run, never the tickets already past it.
//
// A stay that crosses fires once: a RuleTimeFire row keyed (rule, ticket, stay start) and the rule
// event (rules outbox row, evaluated by the engine like any other) are written in one transaction
// with the cursor's move. The key makes a second process, or a cursor moved back by an edit of the
// hours, harmless. A ticket that leaves the status and comes back starts a new stay (the
// transition runner sets statusChangedAt), which may fire again. The engine checks, when it
// evaluates, that the ticket is still in that same stay.
//
// New stays always start after the cursor: the cursor never passes now − N hours (N ≥ 1), and a
// stay begins at the moment of its transition.
import type { AppContext } from '../context.js';
import { recordRuleEvent } from './rule-engine.js';

const BATCH = 500;
const iso = (date: Date) => date.toISOString();

export function createTimeTrigger(ctx: Pick<AppContext, 'db'>) {
  const { prisma } = ctx.db;

  return async function fireTimeRules(now = new Date()): Promise<number> {
    const rules = await prisma.rule.findMany({
      where: { isActive: true, trigger: 'time_in_status', timeStatus: { not: null }, timeHours: { gt: 0 } },
      select: { id: true, timeStatus: true, timeHours: true, timeCursorAt: true, timeCursorId: true },
    });
    let fired = 0;
    for (const rule of rules) {
      const threshold = new Date(now.getTime() - (rule.timeHours as number) * 3_600_000);
      let cursor = { at: rule.timeCursorAt, id: rule.timeCursorId ?? 0 };
      for (;;) {
        const after =
          cursor.at === null
            ? prisma.$queryRaw<{ id: number; statusChangedAt: Date }[]>`
                SELECT "id", "statusChangedAt" FROM "Ticket"
                 WHERE "deletedAt" IS NULL AND "status" = ${rule.timeStatus}::"TicketStatus"
                   AND "statusChangedAt" <= (${iso(threshold)}::timestamptz AT TIME ZONE 'UTC')
                 ORDER BY "statusChangedAt", "id" LIMIT ${BATCH}`
            : prisma.$queryRaw<{ id: number; statusChangedAt: Date }[]>`
                SELECT "id", "statusChangedAt" FROM "Ticket"
                 WHERE "deletedAt" IS NULL AND "status" = ${rule.timeStatus}::"TicketStatus"
                   AND ("statusChangedAt", "id") > (${iso(cursor.at)}::timestamptz AT TIME ZONE 'UTC', ${cursor.id})
                   AND "statusChangedAt" <= (${iso(threshold)}::timestamptz AT TIME ZONE 'UTC')
                 ORDER BY "statusChangedAt", "id" LIMIT ${BATCH}`;
        const due = await after;
        if (due.length === 0) break;
        const last = due[due.length - 1] as { id: number; statusChangedAt: Date };
        await prisma.$transaction(async (tx) => {
          for (const ticket of due) {
            const written = await tx.$executeRaw`
              INSERT INTO "RuleTimeFire" ("ruleId", "ticketId", "stayStart", "at")
              VALUES (${rule.id}, ${ticket.id}, (${iso(ticket.statusChangedAt)}::timestamptz AT TIME ZONE 'UTC'),
                      (${iso(now)}::timestamptz AT TIME ZONE 'UTC'))
              ON CONFLICT DO NOTHING`;
            if (written === 0) continue;
            fired++;
            await recordRuleEvent(tx, ticket.id, {
              trigger: 'time_in_status',
              depth: 0,
              chain: [],
              ruleId: rule.id,
              stayStart: ticket.statusChangedAt.toISOString(),
            });
          }
          await tx.rule.update({
            where: { id: rule.id },
            data: { timeCursorAt: last.statusChangedAt, timeCursorId: last.id },
          });
        });
        cursor = { at: last.statusChangedAt, id: last.id };
        if (due.length < BATCH) break;
      }
    }
    return fired;
  };
}
