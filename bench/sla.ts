// The SLA part of `npm run bench`: one policy over the seeded tickets, and the sweep measured on
// them (issue 9: query time and rows touched per run, with EXPLAIN).
//
// The policy: first response 4 h, resolution 72 h, around the clock (so the seeded due instants
// are plain SQL arithmetic), warning at the setting's percentage. The open tickets get the columns
// the clock (src/sla/sla-clock.ts) and the sweep would have left: due instants (none while ON_HOLD
// holds a target still running), the nearest pending one with its warning, and `slaCheckAt` = the
// next warning or due instant still to come (crossings already past count as logged). A sample is
// then recomputed by the real sweep, which says how many of the seeded rows it agrees with.
import pg from 'pg';
import { pino } from 'pino';
import { loadEnv } from '../src/config/env.js';
import type { AppContext } from '../src/context.js';
import type { Database } from '../src/db/database.js';
import { createJobLock } from '../src/jobs/locks.js';
import { defaultSettings, SettingsService } from '../src/settings/settings.service.js';
import { createSlaService } from '../src/sla/sla.service.js';
import { createSlaSweep, type SweepResult } from '../src/sla/sla-sweep.js';
import { openStatuses } from '../src/tickets/ticket-statuses.js';
import { printRows } from './lib.js';

const FIRST_RESPONSE_MINUTES = 240;
const RESOLUTION_MINUTES = 72 * 60;
/** Open tickets whose SLA the real sweep recomputes (a policy change queues every open ticket). */
const BACKLOG = 2_000;

export type SlaSeed = { open: number; withDue: number; atRisk: number; breached: number; paused: number };

const openList = openStatuses.map((s) => `'${s}'`).join(', ');

/** Adds the policy and gives every open ticket the SLA columns a sweep would have left. */
export async function seedSla(db: Database, now: Date): Promise<SlaSeed> {
  const policy = await db.prisma.slaPolicy.create({
    data: {
      name: 'Bench: normal',
      position: 1,
      businessHours: false,
      firstResponseMinutes: FIRST_RESPONSE_MINUTES,
      resolutionMinutes: RESOLUTION_MINUTES,
    },
  });
  const warn = defaultSettings.slaWarnPercent / 100;
  // A target's instant with the ticket's pause: kept if reached before the hold began, else none.
  const held = (at: string) => `CASE WHEN hold IS NULL OR ${at} <= hold THEN ${at} END`;
  await db.pool.query(
    `UPDATE "Ticket" t SET "slaPolicyId" = $1, "firstResponseDueAt" = s.fr_due, "resolutionDueAt" = s.res_due,
            "slaDueAt" = s.due, "slaWarnAt" = CASE WHEN s.due IS NULL THEN NULL WHEN s.frp AND s.due = s.fr_due THEN s.fr_warn ELSE s.res_warn END,
            "slaCheckAt" = LEAST(
              CASE WHEN s.frp AND s.fr_due IS NOT NULL AND s.fr_warn > $2 THEN s.fr_warn END,
              CASE WHEN s.frp AND s.fr_due > $2 THEN s.fr_due END,
              CASE WHEN s.res_due IS NOT NULL AND s.res_warn > $2 THEN s.res_warn END,
              CASE WHEN s.res_due > $2 THEN s.res_due END)
       FROM (SELECT id, frp, fr_due, fr_warn, res_due, res_warn,
                    LEAST(CASE WHEN frp THEN fr_due END, res_due) AS due
               FROM (SELECT id, "firstResponseAt" IS NULL AS frp,
                            ${held(`"createdAt" + interval '${FIRST_RESPONSE_MINUTES} minutes'`)} AS fr_due,
                            ${held(`"createdAt" + interval '${Math.floor(FIRST_RESPONSE_MINUTES * warn)} minutes'`)} AS fr_warn,
                            ${held(`"createdAt" + interval '${RESOLUTION_MINUTES} minutes'`)} AS res_due,
                            ${held(`"createdAt" + interval '${Math.floor(RESOLUTION_MINUTES * warn)} minutes'`)} AS res_warn
                       FROM (SELECT id, "createdAt", "firstResponseAt",
                                    CASE WHEN status = 'ON_HOLD' THEN "onHoldSince" END AS hold
                               FROM "Ticket" WHERE "deletedAt" IS NULL AND status IN (${openList})) base) targets) s
      WHERE t.id = s.id`,
    [policy.id, now],
  );
  const counts = await db.pool.query<SlaSeed>(
    `SELECT count(*)::int AS open, count("slaDueAt")::int AS "withDue",
            count(*) FILTER (WHERE "slaDueAt" > $1 AND "slaWarnAt" <= $1)::int AS "atRisk",
            count(*) FILTER (WHERE "slaDueAt" <= $1)::int AS breached,
            count(*) FILTER (WHERE status = 'ON_HOLD')::int AS paused
       FROM "Ticket" WHERE "deletedAt" IS NULL AND status IN (${openList})`,
    [now],
  );
  // VACUUM, not only ANALYZE: the UPDATE above left a dead version of every open ticket (the
  // newest rows, those searches walk), and at 1M tickets that 6 % stays below autovacuum's 20 %
  // threshold for the whole run. Searches read twice the heap pages until it runs (measured at 1M:
  // a search that matches nothing took 14.8 ms of database CPU per request before, 5.4 after).
  await db.pool.query('VACUUM ANALYZE "Ticket"');
  return counts.rows[0] as SlaSeed;
}

type SweepRun = SweepResult & { label: string; ms: number; statements: number; outbox: number };

/**
 * The sweep as the app's job runs it (same code, the job's advisory lock), in this process:
 * the next minute's run, a run after ten minutes without one, and a backlog of BACKLOG open
 * tickets queued for recompute as a policy change queues them.
 */
export async function measureSweep(db: Database, url: string, now: Date): Promise<string[]> {
  const ctx: AppContext = {
    env: loadEnv({ NODE_ENV: 'production', LOG_LEVEL: 'silent' }),
    db,
    logger: pino({ level: 'silent' }),
    settings: new SettingsService(db.prisma),
    sessionSecret: 'bench',
  };
  const sweep = createSlaSweep(ctx, createSlaService(ctx));
  const lock = createJobLock(url, 1);
  const statements = countStatements(db.pool);
  const outboxCount = async () =>
    Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM "OutboxMessage"`)).rows[0]?.n ?? 0);
  const runs: SweepRun[] = [];
  const checks: string[] = [];
  const run = async (label: string, at: Date) => {
    const outboxBefore = await outboxCount();
    statements.reset();
    const started = performance.now();
    // The app's own job may hold the lock for a moment: wait for it as the next tick would.
    for (;;) {
      const outcome = await lock.run('sla-sweep', () => sweep(at));
      if (outcome.ran) {
        runs.push({
          label,
          ...outcome.result,
          ms: performance.now() - started,
          statements: statements.count(),
          outbox: (await outboxCount()) - outboxBefore,
        });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };
  try {
    const plan = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) SELECT "id" FROM "Ticket" WHERE "slaCheckAt" IS NOT NULL AND "slaCheckAt" <= $1
        ORDER BY "slaCheckAt", "id" LIMIT 200`,
      [new Date(now.getTime() + 60_000)],
    );
    await run('next minute', new Date(now.getTime() + 60_000));
    await run('after 10 minutes without a run', new Date(now.getTime() + 11 * 60_000));

    // The backlog: a sample of open tickets with a due instant, as seeded, then recomputed.
    await db.pool.query(
      `CREATE TEMP TABLE IF NOT EXISTS bench_sla_seeded AS
         SELECT id, "firstResponseDueAt", "resolutionDueAt", "slaDueAt", "slaWarnAt", "slaCheckAt" FROM "Ticket"
          WHERE "deletedAt" IS NULL AND status IN (${openList}) AND "slaPolicyId" IS NOT NULL
          ORDER BY id DESC LIMIT ${BACKLOG}`,
    );
    const at = new Date(now.getTime() + 12 * 60_000);
    await db.pool.query(`UPDATE "Ticket" SET "slaCheckAt" = $1 WHERE id IN (SELECT id FROM bench_sla_seeded)`, [
      new Date(at.getTime() - 1000),
    ]);
    await run(`backlog of ${BACKLOG} open tickets`, at);
    const agree = await db.pool.query<{ same: number; total: number }>(
      `SELECT count(*) FILTER (WHERE t."firstResponseDueAt" IS NOT DISTINCT FROM s."firstResponseDueAt"
                                 AND t."resolutionDueAt" IS NOT DISTINCT FROM s."resolutionDueAt"
                                 AND t."slaDueAt" IS NOT DISTINCT FROM s."slaDueAt"
                                 AND t."slaWarnAt" IS NOT DISTINCT FROM s."slaWarnAt")::int AS same,
              count(*)::int AS total
         FROM bench_sla_seeded s JOIN "Ticket" t USING (id)`,
    );
    const { same, total } = agree.rows[0] as { same: number; total: number };
    checks.push(`SLA seed: the real clock agrees with ${same} of ${total} seeded tickets' due instants`);
    if (same < total * 0.95)
      checks.push(`FAIL: the seeded SLA columns differ from the clock for ${total - same} tickets`);

    console.log('');
    console.log('SLA sweep (the job, in this process, on the benchmark database):');
    printRows(
      [
        'run',
        'tickets checked',
        'warnings',
        'breaches',
        'not notified',
        'outbox rows',
        'SQL statements',
        'ms',
        'ms per ticket',
      ],
      runs.map((r) => [
        r.label,
        String(r.checked),
        String(r.warnings),
        String(r.breaches),
        String(r.unnotified),
        String(r.outbox),
        String(r.statements),
        r.ms.toFixed(1),
        r.checked ? (r.ms / r.checked).toFixed(2) : '',
      ]),
    );
    console.log('');
    console.log('The sweep\'s query for "what is due by the next minute" (EXPLAIN ANALYZE, BUFFERS):');
    for (const row of plan.rows) console.log(`  ${row['QUERY PLAN']}`);
    return checks;
  } finally {
    statements.restore();
    await lock.close();
  }
}

/** Counts the statements this process sends through the pool (the sweep's own, one run at a time). */
function countStatements(pool: pg.Pool) {
  let count = 0;
  const original = pg.Client.prototype.query;
  // Prisma's adapter and the raw pool both end in Client#query.
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    count++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  void pool;
  return {
    reset: () => {
      count = 0;
    },
    count: () => count,
    restore: () => {
      pg.Client.prototype.query = original;
    },
  };
}
