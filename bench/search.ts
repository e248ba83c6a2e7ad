// `npx tsx bench/search.ts`: ticket search (src/tickets/ticket-search.ts) on a big database — the
// statements a search sends, re-run under EXPLAIN (ANALYZE, BUFFERS), and the time of whole
// searches, for support, a client and a technician, with a common word, a very common one, a rare
// one, a word that matches nothing, a word only in internal notes, a typo and a fragment.
//
// The database is kept between runs (seeding a million tickets takes a while): BENCH_SEARCH_DB
// (default centinela_search_bench) on the server of BENCH_DATABASE_URL or TEST_DATABASE_URL,
// seeded with bench/seed-tickets.ts (BENCH_TICKETS, default 1,000,000) plus a comment volume of
// our own: one more public reply per ticket and an internal note on every third, so that comment
// search reads a table the size of a real one. BENCH_SEARCH_DROP=1 drops it at the end.
// BENCH_SEARCH_ONLY=<text> runs only the cases whose "<actor> <query>" label contains it.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import pg from 'pg';
import type { AppContext } from '../src/context.js';
import { connectDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { hashPassword } from '../src/lib/password.js';
import { createTicketSearch } from '../src/tickets/ticket-search.js';
import type { Actor } from '../src/tickets/tickets.policy.js';
import { explain } from './explain.js';
import { installQueryLog, recordQueries } from './query-recorder.js';
import { commentWords, seedTickets } from './seed-tickets.js';

const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
if (!serverUrl) {
  console.error('Set BENCH_DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server; never DATABASE_URL).');
  process.exit(2);
}
const name = process.env.BENCH_SEARCH_DB || 'centinela_search_bench';
const total = Number(process.env.BENCH_TICKETS || 1_000_000);
/** Only the cases whose "<actor> <query>" label contains this (e.g. "client (busiest) rare"). */
const only = process.env.BENCH_SEARCH_ONLY;
const target = new URL(serverUrl);
target.pathname = `/${name}`;

// Rare words: in a few hundred tickets' descriptions, and in internal notes only.
const rareWord = 'ferrocarril';
const noteWord = 'contraseñamaestra';
const notes = [
  'Nota interna: el cliente tiene el equipo fuera de garantía, cobrar la visita.',
  'Nota interna: revisar el firmware antes de cambiar el grabador.',
  `Nota interna: la ${noteWord} del panel está en el gestor de claves.`,
];
const replies = [
  'Seguimos revisando el caso. Si el problema vuelve a aparecer, respondé este mensaje con una foto.',
  'The technician replaced the power supply and the printer works again. Please confirm.',
  'O técnico trocou a fonte e as câmeras voltaram a gravar. Pode confirmar, por favor?',
];

async function prepare(): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
  if (!exists) await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const pool = new pg.Pool({ connectionString: target.toString(), max: 2 });
  await applyMigrations({ url: target.toString(), isEmbedded: false });
  const seeded = Number((await pool.query('SELECT count(*) AS n FROM "Ticket"')).rows[0].n);
  await pool.end();
  if (seeded > 0) {
    console.log(`Reusing ${name}: ${seeded} tickets.`);
    return;
  }
  const db = connectDatabase({ url: target.toString(), poolSize: 4 });
  const passwordHash = await hashPassword(randomBytes(12).toString('base64url'));
  const adminId = (
    await db.prisma.user.create({
      data: {
        email: 'admin@search.bench.example',
        name: 'Admin',
        role: 'ADMIN',
        passwordHash,
        emailVerifiedAt: new Date(),
      },
    })
  ).id;
  const t0 = performance.now();
  await seedTickets(db, total, passwordHash, adminId, (line) => console.log(line));
  console.log(`Seeded ${total} tickets in ${((performance.now() - t0) / 1000).toFixed(0)} s.`);
  const t1 = performance.now();
  // Row by row, the rule that keeps each ticket's comment words would rewrite every ticket twice:
  // off for these inserts, then the same words in one set-based statement (as seedTickets does).
  await db.pool.query('ALTER TABLE "Comment" DISABLE RULE "Comment_ticket_words"');
  await db.pool.query(
    `INSERT INTO "Comment" ("ticketId", "authorId", "body", "isInternal", "createdAt")
     SELECT "id", coalesce("assigneeId", "createdById"), ($1::text[])[1 + "id" % 3], false, "createdAt" + interval '2 hours'
       FROM "Ticket"`,
    [replies],
  );
  await db.pool.query(
    `INSERT INTO "Comment" ("ticketId", "authorId", "body", "isInternal", "createdAt")
     SELECT "id", coalesce("assigneeId", "createdById"), ($1::text[])[1 + ("id" / 3) % 3], true, "createdAt" + interval '3 hours'
       FROM "Ticket" WHERE "id" % 3 = 0`,
    [notes],
  );
  await db.pool.query(
    `UPDATE "Ticket" SET "description" = "description" || ' Estamos cerca de la estación de ${rareWord}.'
      WHERE "id" % 4000 = 7`,
  );
  await db.pool.query(commentWords);
  await db.pool.query('ALTER TABLE "Comment" ENABLE RULE "Comment_ticket_words"');
  await db.pool.query('VACUUM ANALYZE');
  console.log(`Comments and rare words in ${((performance.now() - t1) / 1000).toFixed(0)} s.`);
  await db.close();
}

async function main() {
  await prepare();
  installQueryLog();
  const db = connectDatabase({ url: target.toString(), poolSize: 4 });
  const search = createTicketSearch({ db } as AppContext);
  const counts = await db.pool.query(
    `SELECT (SELECT count(*) FROM "Ticket") AS tickets, (SELECT count(*) FROM "Comment") AS comments,
            (SELECT count(*) FROM "Comment" WHERE "isInternal") AS notes`,
  );
  console.log(`Database ${name}: ${JSON.stringify(counts.rows[0])}`);

  const actorOf = async (sql: string): Promise<Actor> => {
    const row = (await db.pool.query(sql)).rows[0];
    return { id: row.id, role: row.role, organizationId: row.organizationId, isOrgManager: row.isOrgManager };
  };
  const actors: [string, Actor][] = [
    ['support', await actorOf(`SELECT * FROM "User" WHERE "role" = 'SUPPORT' ORDER BY "id" LIMIT 1`)],
    [
      'client (busiest)',
      await actorOf(`SELECT u.* FROM "User" u JOIN (SELECT "requesterId", count(*) n FROM "Ticket" GROUP BY 1 ORDER BY 2 DESC LIMIT 1) b
                      ON b."requesterId" = u."id"`),
    ],
    [
      'technician',
      await actorOf(`SELECT u.* FROM "User" u WHERE u."role" = 'TECHNICIAN'
                       AND EXISTS (SELECT 1 FROM "UserDepartment" d WHERE d."userId" = u."id") ORDER BY u."id" LIMIT 1`),
    ],
  ];
  const queries: [string, string][] = [
    ['common word', 'impresora'],
    ['very common word', 'problema'],
    ['rare word', rareWord],
    ['nothing', 'zqxjvw'],
    ['internal-note word', noteWord],
    ['typo', 'impresra'],
    ['fragment', 'grabad'],
  ];

  const explainer = new pg.Pool({ connectionString: target.toString(), max: 1 });
  explainer.on('connect', (client) => {
    client.query("SET pg_trgm.word_similarity_threshold = '0.45'").catch(() => {});
    client.query('SET jit = off').catch(() => {});
  });
  const rows: string[] = [];
  for (const [who, actor] of actors) {
    for (const [label, q] of queries) {
      if (only && !`${who} ${label}`.includes(only)) continue;
      const times: number[] = [];
      let result: Awaited<ReturnType<typeof search.searchTickets>> | undefined;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        result = await search.searchTickets(actor, q);
        times.push(performance.now() - t0);
      }
      times.sort((a, b) => a - b);
      const log = await recordQueries(() => search.searchTickets(actor, q));
      const plans = [];
      for (const query of log) {
        if (!/^\s*(WITH|SELECT)\b/i.test(query.text) || /set_config/.test(query.text)) continue;
        plans.push(await explain(explainer, query, process.env.BENCH_EXPLAIN === '1'));
      }
      const found =
        result && result.jumpTo === undefined
          ? `${result.mode} ${result.items.length}${result.limited ? ' (limited)' : ''}`
          : 'jump';
      rows.push(
        `${who.padEnd(17)} ${label.padEnd(19)} ${q.padEnd(18)} median ${times[2]?.toFixed(1).padStart(7)} ms  ${found.padEnd(18)} ` +
          plans
            .map((p) => `plan ${p.planningMs.toFixed(1)} + run ${p.executionMs.toFixed(1)} ms [${p.nodes.join(', ')}]`)
            .join(' | '),
      );
      console.log(rows.at(-1));
      if (process.env.BENCH_EXPLAIN === '1') for (const p of plans) console.log(p.text);
    }
  }
  console.log(
    `load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  await explainer.end();
  await db.close();
  if (process.env.BENCH_SEARCH_DROP === '1') {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

await main();
