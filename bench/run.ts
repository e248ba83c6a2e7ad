// `npm run bench`: how fast the main pages answer on a big database, measured over real HTTP on
// the loopback interface against the real app (createApp), each part on a fresh database:
//
// 1. users — the admin user list with BENCH_USERS accounts (first page, a search, deep pages);
// 2. tickets — BENCH_TICKETS tickets (see seed-tickets.ts for their shape): support's queue
//    (default sort, a status, newest first, a department, unassigned; first page and the pages
//    reached through the "next" links), a ticket page with 200 comments and one with 2, a client's
//    "My tickets" (plain client and organization manager) and a technician's work list.
//
// For every scenario it also counts the SQL statements per request (pg's Client#query wrapped in
// this process) and re-runs each request's SELECTs under EXPLAIN (ANALYZE, BUFFERS): the server
// time and the plan of the slowest one (BENCH_EXPLAIN=1 prints the full plans of the queue's
// keyset statement and of any statement over 10 ms).
//
// Database: a new database on the PostgreSQL server named by BENCH_DATABASE_URL or
// TEST_DATABASE_URL (created and dropped here), or an in-memory embedded PGlite otherwise.
// Never DATABASE_URL: a benchmark must not touch a real install.
//
// Settings (environment): BENCH_USERS (10000; 0 skips the part), BENCH_TICKETS (10000; 0 skips
// the part), BENCH_REQUESTS per scenario (300), BENCH_CONCURRENCY (4), BENCH_PAGES deep for the
// cursor scenarios (5), BENCH_SCENARIO_SECONDS cap per scenario (60), BENCH_TIMEOUT_SECONDS for
// the whole run (900 + 1 per 1,000 tickets), BENCH_EXPLAIN=1 for full query plans.
// Bounded in count and time; stops by itself and removes its databases.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import pg from 'pg';
import { pino } from 'pino';
import { createApp } from '../src/app.js';
import { migrate } from '../src/bootstrap.js';
import { loadEnv } from '../src/config/env.js';
import { connectDatabase, type Database } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { hashPassword } from '../src/lib/password.js';
import { SettingsService } from '../src/settings/settings.service.js';
import { explain, isReadOnly, type PlanSummary } from './explain.js';
import { measureMailLatency } from './mail-latency.js';
import { ASCII, firstNames, lastNames } from './names.js';
import { describeQuery, installQueryLog, isCacheRefresh, type LoggedQuery, recordQueries } from './query-log.js';
import { seedTickets, type TicketSeed } from './seed-tickets.js';

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}

const USERS = intFromEnv('BENCH_USERS', 10_000, 0, 1_000_000);
const TICKETS = intFromEnv('BENCH_TICKETS', 10_000, 0, 5_000_000);
const MAIL_SAMPLES = intFromEnv('BENCH_MAIL', 200, 0, 10_000);
if ((USERS > 0 && USERS < 10) || (TICKETS > 0 && TICKETS < 1_000)) {
  console.error('BENCH_USERS must be 0 or at least 10; BENCH_TICKETS 0 or at least 1000');
  process.exit(2);
}
const REQUESTS = intFromEnv('BENCH_REQUESTS', 300, 1, 100_000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 4, 1, 64);
const PAGES = intFromEnv('BENCH_PAGES', 5, 1, 50);
const SCENARIO_SECONDS = intFromEnv('BENCH_SCENARIO_SECONDS', 60, 1, 3_600);
const TIMEOUT_SECONDS = intFromEnv('BENCH_TIMEOUT_SECONDS', 900 + Math.ceil(TICKETS / 1000), 10, 14_400);
const FULL_PLANS = process.env.BENCH_EXPLAIN === '1';
/** With BENCH_EXPLAIN=1, other statements' plans are printed from this server time on. */
const SLOW_MS = 10;
const WARMUP = Math.min(20, REQUESTS);
const SEARCH = 'mart';

const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;

// ---- database -------------------------------------------------------------------------------

type BenchDatabase = { db: Database; label: string; drop(): Promise<void> };

async function openBenchDatabase(): Promise<BenchDatabase> {
  if (serverUrl) {
    const name = `centinela_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const version = (await admin.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v;
    await admin.end();
    const target = new URL(serverUrl);
    target.pathname = `/${name}`;
    const db = connectDatabase({ url: target.toString(), poolSize: 10 });
    return {
      db,
      label: `PostgreSQL ${version} server at ${target.host} (database ${name}, pool 10)`,
      async drop() {
        const cleanup = new pg.Client({ connectionString: serverUrl });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await cleanup.end();
      },
    };
  }
  const embedded = await startEmbeddedDatabase({ dataDir: null });
  const db = connectDatabase({ url: embedded.url, poolSize: 1, embedded });
  return { db, label: 'embedded PGlite in memory (one connection)', drop: async () => {} };
}

// ---- data -----------------------------------------------------------------------------------

function roleFor(i: number): 'CLIENT' | 'SUPPORT' | 'TECHNICIAN' | 'ADMIN' {
  if (i % 100 === 0) return 'ADMIN';
  if (i % 20 === 0) return 'SUPPORT';
  if (i % 5 === 0) return 'TECHNICIAN';
  return 'CLIENT';
}

/** USERS accounts (85% clients in 200 organizations), one shared argon2id hash, createMany in chunks. */
async function seed(db: Database, adminEmail: string, password: string) {
  const passwordHash = await hashPassword(password);
  const organizations = Math.max(1, Math.min(200, Math.floor(USERS / 50)));
  await db.prisma.organization.createMany({
    data: Array.from({ length: organizations }, (_, i) => ({ name: `Cliente corporativo ${i + 1} S.A.` })),
  });
  const orgIds = (await db.prisma.organization.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
    (org) => org.id,
  );
  await db.prisma.user.create({
    data: { email: adminEmail, name: 'Admin Benchmark', role: 'ADMIN', passwordHash, emailVerifiedAt: new Date() },
  });
  const chunk = 2_000;
  for (let start = 1; start < USERS; start += chunk) {
    const rows: Prisma.UserCreateManyInput[] = [];
    for (let i = start; i < Math.min(USERS, start + chunk); i++) {
      const first = firstNames[i % firstNames.length] as string;
      const last = lastNames[Math.floor(i / firstNames.length) % lastNames.length] as string;
      const last2 = lastNames[(i * 7) % lastNames.length] as string;
      const role = roleFor(i);
      rows.push({
        email: `${ASCII(first)}.${ASCII(last)}.${i}@bench.example`,
        name: `${first} ${last} ${last2}`,
        role,
        passwordHash,
        emailVerifiedAt: new Date(),
        isActive: i % 25 !== 0,
        organizationId: role === 'CLIENT' ? (orgIds[i % orgIds.length] as number) : null,
      });
    }
    await db.prisma.user.createMany({ data: rows });
  }
  // What the planner would know after autovacuum's analyze on a real install.
  await db.pool.query('ANALYZE');
}

// ---- HTTP client ----------------------------------------------------------------------------

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: string };

function makeClient(port: number) {
  // Idle sockets are closed by the client after 4 s, before the server's 5 s keep-alive timeout
  // (Node's default, as in production): otherwise a socket left idle during a slow sequential
  // warm-up can be reused just as the server closes it, and fail with ECONNRESET.
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY, timeout: 4_000 });
  let cookie = '';
  function request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Reply> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          agent,
          timeout: 30_000,
          headers: {
            ...(cookie ? { cookie } : {}),
            ...(body
              ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (data: Buffer) => chunks.push(data));
          res.on('end', () => {
            const setCookie = res.headers['set-cookie']?.find((c) => c.startsWith('centinela.sid='));
            if (setCookie) cookie = setCookie.split(';')[0] as string;
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on('error', reject);
      req.end(body);
    });
  }
  return { request, close: () => agent.destroy() };
}

type Client = ReturnType<typeof makeClient>;

async function login(client: Client, email: string, password: string, home: string) {
  const page = await client.request('GET', '/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`GET /login: status ${page.status}, no _csrf field`);
  const res = await client.request('POST', '/login', { email, password, _csrf: csrf });
  if (res.status !== 302) throw new Error(`POST /login as ${email}: status ${res.status} (expected a redirect)`);
  const check = await client.request('GET', home);
  if (check.status !== 200) throw new Error(`GET ${home} after login as ${email}: status ${check.status}`);
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&#61;/g, '=')
    .replace(/&quot;/g, '"');

/** The `?after=` links of the first `count` pages after the one at `path`, with each page's body. */
async function followNextLinks(client: Client, path: string, count: number) {
  const base = path.split('?')[0] as string;
  const links: string[] = [];
  const bodies: string[] = [];
  let current = path;
  for (let i = 0; i <= count; i++) {
    const res = await client.request('GET', current);
    if (res.status !== 200) throw new Error(`GET ${current}: status ${res.status}`);
    bodies.push(res.body);
    if (i === count) break;
    const href = /href="(\?[^"]*)" rel="next"/.exec(res.body)?.[1];
    if (!href?.includes('after=')) break;
    current = `${base}${unescapeHtml(href)}`;
    links.push(current);
  }
  return { links, bodies };
}

/** Ticket pages walked through "next" must never repeat a ticket (a keyset bug would). */
function checkDistinctTickets(name: string, bodies: string[]): string {
  const seen = new Set<string>();
  let rows = 0;
  for (const body of bodies) {
    const page = new Set([...body.matchAll(/href="\/tickets\/(TKT-\d+)"/g)].map((m) => m[1] as string));
    rows += page.size;
    for (const number of page) seen.add(number);
  }
  if (seen.size !== rows) throw new Error(`${name}: ${rows - seen.size} ticket(s) repeated across the pages`);
  return `${name}: ${bodies.length} page(s), ${rows} distinct tickets`;
}

// ---- measurement ----------------------------------------------------------------------------

type Probe = { path: string; statements: LoggedQuery[]; perRequest: number; body: string };

type Result = {
  name: string;
  paths: string[];
  ok: number;
  errors: number;
  seconds: number;
  latencies: number[];
  capped: boolean;
  /** What the first failed request answered (status and start of the body, or the error). */
  firstError?: string;
  rss: number;
  probes: Probe[];
  /** Page number of paths[0] in a paginated list (labels the plans). */
  firstPage?: number;
  plans?: {
    label: string;
    path: string;
    statements: number;
    totalMs: number;
    slowest?: PlanSummary;
    keyset?: PlanSummary;
  }[];
};

/**
 * One request per path, alone, recording its SQL: statements per request (without the 5-second
 * cache refreshes) and what to EXPLAIN later.
 */
async function probe(client: Client, paths: string[]): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const path of paths) {
    let body = '';
    const statements = await recordQueries(async () => {
      const res = await client.request('GET', path);
      if (res.status !== 200) throw new Error(`GET ${path}: status ${res.status}`);
      body = res.body;
    });
    probes.push({ path, statements, perRequest: statements.filter((q) => !isCacheRefresh(q.text)).length, body });
  }
  return probes;
}

async function measure(client: Client, name: string, paths: string[], firstPage?: number): Promise<Result> {
  const probes = await probe(client, paths);
  for (let i = 0; i < WARMUP; i++) await client.request('GET', paths[i % paths.length] as string);
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
  let firstError: string | undefined;
  let capped = false;
  const started = performance.now();
  const deadline = started + SCENARIO_SECONDS * 1000;
  async function worker() {
    while (issued < REQUESTS) {
      if (performance.now() > deadline) {
        capped = true;
        return;
      }
      const path = paths[issued % paths.length] as string;
      issued++;
      const t0 = performance.now();
      try {
        const res = await client.request('GET', path);
        const ms = performance.now() - t0;
        if (res.status === 200 && res.body.includes('</html>')) latencies.push(ms);
        else {
          errors++;
          firstError ??= `${path}: status ${res.status}, ${Math.round(ms)} ms, body ${res.body.replace(/\s+/g, ' ').slice(0, 300)}`;
        }
      } catch (error) {
        errors++;
        firstError ??= `${path}: ${(error as Error).message}`;
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    name,
    paths,
    ok: latencies.length,
    errors,
    seconds,
    latencies,
    capped,
    firstError,
    rss: process.memoryUsage().rss,
    probes,
    firstPage,
  };
}

const isKeyset = (text: string) => /FROM "Ticket" t WHERE/.test(text);

/** EXPLAIN ANALYZE of every SELECT of the first and the last probed request of each scenario. */
async function explainResults(pool: pg.Pool, results: Result[]) {
  for (const result of results) {
    const last = result.probes.length - 1;
    result.plans = [];
    for (const index of last > 0 ? [0, last] : [0]) {
      const p = result.probes[index];
      if (!p) continue;
      const label = result.firstPage === undefined ? '' : `page ${result.firstPage + index}`;
      let totalMs = 0;
      let statements = 0;
      let slowest: PlanSummary | undefined;
      let keyset: PlanSummary | undefined;
      for (const statement of p.statements) {
        if (!isReadOnly(statement.text) || isCacheRefresh(statement.text)) continue;
        const plan = await explain(pool, statement, FULL_PLANS);
        statements++;
        totalMs += plan.executionMs;
        if (!slowest || plan.executionMs > slowest.executionMs) slowest = plan;
        if (isKeyset(statement.text)) keyset = plan;
      }
      result.plans.push({ label, path: p.path, statements, totalMs, slowest, keyset });
    }
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function printRows(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i === 0 ? '-' : ':'}`).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

const range = (values: number[]) => {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
};

function printTable(results: Result[]) {
  printRows(
    ['scenario', 'requests', 'errors', 'SQL/req', 'KiB', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s', 'RSS MiB'],
    results.map((r) => {
      const sorted = [...r.latencies].sort((a, b) => a - b);
      return [
        r.name + (r.capped ? ' (time cap)' : ''),
        String(r.ok + r.errors),
        String(r.errors),
        range(r.probes.map((p) => p.perRequest)),
        String(Math.round(Math.max(...r.probes.map((p) => Buffer.byteLength(p.body))) / 1024)),
        percentile(sorted, 50).toFixed(1),
        percentile(sorted, 95).toFixed(1),
        percentile(sorted, 99).toFixed(1),
        (sorted.at(-1) ?? Number.NaN).toFixed(1),
        (r.ok / r.seconds).toFixed(0),
        String(Math.round(r.rss / 1024 / 1024)),
      ];
    }),
  );
  for (const r of results) if (r.firstError) console.log(`First error in "${r.name}": ${r.firstError}`);
}

const shortPlan = (plan: PlanSummary | undefined) => (plan ? plan.nodes.slice(0, 4).join(' › ') : '');

function printPlans(results: Result[]) {
  const rows: string[][] = [];
  const slow: string[] = [];
  for (const r of results) {
    for (const p of r.plans ?? []) {
      const s = p.slowest;
      if (s?.text && s.executionMs >= SLOW_MS && !isKeyset(s.statement)) {
        slow.push(`-- ${r.name}${p.label ? ` (${p.label})` : ''}: ${p.path}\n${s.statement}\n${s.text}`);
      }
      rows.push([
        p.label ? `${r.name} (${p.label})` : r.name,
        String(p.statements),
        p.totalMs.toFixed(2),
        p.slowest ? `${p.slowest.executionMs.toFixed(2)} ${describeQuery(p.slowest.statement)}` : '',
        shortPlan(p.slowest),
      ]);
    }
  }
  printRows(['scenario (one request)', 'SELECTs', 'server ms', 'slowest ms', 'plan of the slowest'], rows);
  for (const text of slow) console.log(`\n${text}`);
}

function printKeysetPlans(results: Result[]) {
  const rows: string[][] = [];
  const texts: string[] = [];
  for (const r of results) {
    for (const p of r.plans ?? []) {
      if (!p.keyset) continue;
      const k = p.keyset;
      rows.push([
        `${r.name} (${p.label})`,
        k.executionMs.toFixed(2),
        String(k.rowsRemovedByFilter),
        `${k.sharedHit}/${k.sharedRead}`,
        k.usesSeqScanOn.length ? `SEQ SCAN ${k.usesSeqScanOn.join(', ')}` : shortPlan(k),
      ]);
      if (k.text) texts.push(`-- ${r.name} (${p.label}): ${p.path}\n${k.statement}\n${k.text}`);
    }
  }
  if (rows.length === 0) return;
  console.log('');
  console.log("The queue's keyset statement alone (EXPLAIN ANALYZE; buffers: shared hit/read):");
  printRows(['scenario', 'server ms', 'rows filtered out', 'buffers', 'plan'], rows);
  for (const text of texts) console.log(`\n${text}`);
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

// ---- the app --------------------------------------------------------------------------------

type Running = { bench?: BenchDatabase; server?: http.Server; clients: Client[] };
const running: Running = { clients: [] };

async function stopRunning() {
  for (const client of running.clients) client.close();
  running.clients = [];
  const { server, bench } = running;
  running.server = undefined;
  running.bench = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  if (bench) {
    await bench.db.close().catch(() => {});
    await bench.drop();
    console.log(serverUrl ? 'Benchmark database dropped.' : 'Embedded database discarded.');
  }
}

/** A fresh, migrated database. */
async function freshDatabase(): Promise<BenchDatabase> {
  const bench = await openBenchDatabase();
  running.bench = bench;
  console.log(`Database: ${bench.label}.`);
  const t0 = performance.now();
  await migrate(bench.db, pino({ level: 'silent' }));
  console.log(`Migrated in ${Math.round(performance.now() - t0)} ms.`);
  return bench;
}

/** The real app, as in production (view cache on, request logging at info level to /dev/null). */
async function startApp(db: Database): Promise<(email: string, password: string, home: string) => Promise<Client>> {
  const env = loadEnv({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
  // Errors also reach stderr, so a failed request in a scenario can be explained.
  const logger = pino(
    { level: 'info' },
    pino.multistream([
      { level: 'info', stream: pino.destination({ dest: '/dev/null', sync: false }) },
      { level: 'error', stream: process.stderr },
    ]),
  );
  const app = createApp({
    env,
    db,
    logger,
    settings: new SettingsService(db.prisma),
    sessionSecret: randomBytes(32).toString('hex'),
  });
  const server = app.listen(0, '127.0.0.1');
  running.server = server;
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return async (email, password, home) => {
    const client = makeClient(port);
    running.clients.push(client);
    await login(client, email, password, home);
    return client;
  };
}

// ---- part 1: the admin user list ------------------------------------------------------------

async function usersPart(): Promise<Result[]> {
  console.log('');
  console.log(`== Part 1: GET /admin/users with ${USERS} users ==`);
  const bench = await freshDatabase();
  const adminEmail = 'admin@bench.example';
  const password = randomBytes(12).toString('base64url');
  const t0 = performance.now();
  await seed(bench.db, adminEmail, password);
  const seeded = await bench.db.prisma.user.count();
  const matches = await bench.db.prisma.user.count({
    where: {
      isActive: true,
      OR: [{ name: { contains: SEARCH, mode: 'insensitive' } }, { email: { contains: SEARCH } }],
    },
  });
  console.log(`Seeded ${seeded} users in ${Math.round(performance.now() - t0)} ms.`);

  const signIn = await startApp(bench.db);
  const admin = await signIn(adminEmail, password, '/admin/users');
  const first = '/admin/users';
  const search = `/admin/users?q=${SEARCH}`;
  const { links: deep } = await followNextLinks(admin, first, PAGES);
  if (deep.length === 0) throw new Error('No "next page" link on /admin/users: too few users?');

  const results: Result[] = [];
  results.push(await measure(admin, 'first page (25 rows)', [first]));
  results.push(await measure(admin, `search ?q=${SEARCH} (${matches} active matches)`, [search]));
  results.push(await measure(admin, `after= cursor, pages 2-${deep.length + 1}`, deep, 2));
  await explainResults(bench.db.pool, results);
  console.log(`Load average after the scenarios: ${load()}.`);
  console.log('');
  printTable(results);
  console.log('');
  printPlans(results);
  await stopRunning();
  return results;
}

// ---- part 2: tickets ------------------------------------------------------------------------

function printSeed(seed: TicketSeed, ms: number) {
  const pct = (n: number) => `${((100 * n) / seed.rows.tickets).toFixed(1)}%`;
  console.log(
    `Seeded ${seed.rows.tickets} tickets, ${seed.rows.comments} comments, ${seed.rows.events} events in ` +
      `${(ms / 1000).toFixed(1)} s (${seed.timings.join('; ')}).`,
  );
  console.log(
    `Live tickets per status (TicketStatusCount): ${Object.entries(seed.statusCounts)
      .map(([status, n]) => `${status} ${n} (${pct(n)})`)
      .join(', ')}.`,
  );
}

async function ticketsPart(): Promise<Result[]> {
  console.log('');
  console.log(`== Part 2: ticket pages with ${TICKETS} tickets ==`);
  const bench = await freshDatabase();
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const adminId = (
    await bench.db.prisma.user.create({
      data: {
        email: 'admin@tickets.bench.example',
        name: 'Admin Benchmark',
        role: 'ADMIN',
        passwordHash,
        emailVerifiedAt: new Date(),
      },
    })
  ).id;
  const t0 = performance.now();
  const seed = await seedTickets(bench.db, TICKETS, passwordHash, adminId, (line) => console.log(line));
  printSeed(seed, performance.now() - t0);

  const signIn = await startApp(bench.db);
  const support = await signIn(seed.supportEmail, password, '/queue');
  const client = await signIn(seed.clientEmail, password, '/tickets');
  const manager = await signIn(seed.managerEmail, password, '/tickets');
  const technician = await signIn(seed.technicianEmail, password, '/work');

  const results: Result[] = [];
  const checks: string[] = [];
  const queues: [string, string][] = [
    ['queue, default sort', '/queue'],
    ['queue ?status=NEW', '/queue?status=NEW'],
    ['queue ?sort=newest', '/queue?sort=newest'],
    [`queue ?departmentId=${seed.departmentId}`, `/queue?departmentId=${seed.departmentId}`],
    ['queue ?assignee=none', '/queue?assignee=none'],
  ];
  for (const [name, path] of queues) {
    const { links, bodies } = await followNextLinks(support, path, PAGES);
    checks.push(checkDistinctTickets(name, bodies));
    results.push(await measure(support, `${name}, first page`, [path], 1));
    if (links.length > 0) results.push(await measure(support, `${name}, pages 2-${links.length + 1}`, links, 2));
  }
  const pageResults: Result[] = [];
  for (const ticket of [seed.bigTicket, seed.smallTicket]) {
    const name = `ticket page, ${ticket.comments} comments, ${ticket.events} events, ${ticket.attachments} files`;
    const result = await measure(support, name, [`/tickets/TKT-${ticket.number}`]);
    const shown = new Set([...(result.probes[0]?.body ?? '').matchAll(/bench-comment-(\d+)/g)].map((m) => m[1])).size;
    checks.push(
      `TKT-${ticket.number}: ${shown} of ${ticket.comments} comments on the page (support sees internal notes)`,
    );
    if (shown !== ticket.comments)
      throw new Error(`TKT-${ticket.number} shows ${shown} comments, not ${ticket.comments}`);
    results.push(result);
    pageResults.push(result);
  }
  results.push(await measure(client, 'client GET /tickets (open tab)', ['/tickets']));
  results.push(await measure(manager, 'org manager GET /tickets (open tab)', ['/tickets']));
  results.push(await measure(technician, 'technician GET /work', ['/work']));
  // Search (src/tickets/ticket-search.ts): a common word, one that matches nothing (words, then
  // trigrams), a typo (trigrams), and a common word in a client's and a technician's lists.
  const searches: [Client, string, string][] = [
    [support, 'queue search, common word ?q=impresora', '/queue?q=impresora'],
    [support, 'queue search, no match ?q=zqxjvw', '/queue?q=zqxjvw'],
    [support, 'queue search, typo ?q=impresra', '/queue?q=impresra'],
    [client, 'client search ?q=impresora', '/tickets?q=impresora'],
    [technician, 'technician search ?q=impresora', '/work?q=impresora'],
  ];
  for (const [who, name, path] of searches) results.push(await measure(who, name, [path]));

  await explainResults(bench.db.pool, results);
  console.log(`Load average after the scenarios: ${load()}.`);
  console.log('');
  printTable(results);
  console.log('');
  printPlans(results);
  printKeysetPlans(results);
  console.log('');
  console.log('SQL statements per ticket page request (support user; cache refreshes left out):');
  for (const result of pageResults) {
    const probe = result.probes[0];
    if (!probe) continue;
    const statements = probe.statements.filter((q) => !isCacheRefresh(q.text)).map((q) => describeQuery(q.text));
    console.log(`- ${result.name}: ${statements.length} — ${statements.join(', ')}`);
  }
  const counts = pageResults.map((r) => r.probes[0]?.perRequest);
  console.log(
    counts.every((n) => n === counts[0])
      ? `Same number of statements for both ticket pages (${counts[0]}): independent of the comment count.`
      : `DIFFERENT statement counts per ticket page: ${counts.join(' vs ')}.`,
  );
  console.log('');
  console.log(`Checks: ${checks.join('; ')}.`);
  await stopRunning();
  return results;
}

// ---- part 3: notification delivery ----------------------------------------------------------

async function mailPart(): Promise<void> {
  console.log('');
  console.log(`== Part 3: action → SMTP delivery of ${MAIL_SAMPLES} notifications ==`);
  const bench = await freshDatabase();
  const summaries = await measureMailLatency(bench.db, MAIL_SAMPLES);
  printRows(
    ['run', 'mails', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    summaries.map((s) => [s.label, String(s.samples), ...[s.p50, s.p95, s.p99, s.max].map((v) => v.toFixed(1))]),
  );
  await stopRunning();
}

// ---- run ------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const runStarted = performance.now();
  console.log(
    `Centinela benchmark: ${REQUESTS} requests per scenario (after ${WARMUP} warm-up), ` +
      `concurrency ${CONCURRENCY}, loopback HTTP only.`,
  );
  console.log(
    `Machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model.trim()}), Node ${process.version}, load average ${load()}.`,
  );
  installQueryLog();

  const watchdog = setTimeout(() => {
    console.error(`Benchmark stopped: over BENCH_TIMEOUT_SECONDS=${TIMEOUT_SECONDS}.`);
    void stopRunning().finally(() => process.exit(1));
  }, TIMEOUT_SECONDS * 1000);
  watchdog.unref();
  const interrupt = () => {
    console.error('Interrupted; removing the benchmark database.');
    void stopRunning().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    const results: Result[] = [];
    if (USERS > 0) results.push(...(await usersPart()));
    if (TICKETS > 0) results.push(...(await ticketsPart()));
    if (MAIL_SAMPLES > 0) await mailPart();
    const usage = process.memoryUsage();
    console.log('');
    console.log(
      `Process memory (app + client${serverUrl ? '' : ' + embedded database'} in this one process): ` +
        `RSS ${mb(usage.rss)} now, peak ${mb(process.resourceUsage().maxRSS * 1024)}; heap used ${mb(usage.heapUsed)}.`,
    );
    console.log(`Total run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s; load average ${load()}.`);
    return results.some((r) => r.errors > 0) ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await stopRunning();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Benchmark failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
