// `npm run bench`: how fast the main pages are, as a share of a minimal page on the same stack
// measured in the same run. Absolute times on a shared 2-core machine swing several-fold with its
// load; the ratio to a yardstick page that sees the same load holds.
//
// Processes: the app (built and run as `npm start` does, or BENCH_APP=tsx for the sources through
// tsx; production settings: view cache on, request logs at info level to nowhere) with a bench-only preload that counts SQL statements per request
// (sql-counter.ts); the minimal page (minimal-page.ts: Express + PostgreSQL session + one indexed
// LIMIT 50 + EJS render of 50 rows); and this process, the load client (autocannon, BENCH_CONNECTIONS
// connections, keep-alive), which signs in through the real login form. Each scenario's run is
// bracketed by runs of the minimal page (minimal, page, minimal, page, …), and its share is its
// throughput over the mean of the two minimal runs around it.
//
// 1. Tickets: BENCH_TICKETS tickets (see seed-tickets.ts). Support's queue (default sort, a status,
//    newest first, a department, unassigned; first page and pages 2–6 through the "next" links,
//    checked for repeated tickets), a search for a common word and for one that matches nothing,
//    a ticket page with 200 comments and one with 2, a client's and an organization manager's
//    "My tickets", a technician's work list. SLA (sla.ts): the queue is measured once before any
//    ticket has an SLA; then a policy and the open tickets' due instants are added, the SLA sweep
//    is measured (next minute, after ten minutes, a backlog of 2,000 recomputes; with EXPLAIN), and
//    every queue scenario above runs with the badges, beside ?sla=at_risk, ?sla=breached and
//    ?sort=due, each compared with the queue before SLA data (target: at least 90 % of it).
// 2. Users: BENCH_USERS accounts added to the same database afterwards; the admin's user list
//    (first page, a search, pages 2–6).
// 3. Mail: BENCH_MAIL notifications from the action to a real SMTP server (mail-latency.ts), on a
//    fresh database, in this process.
//
// Per scenario: throughput, share of the minimal page and PASS/FAIL against the issue's targets,
// p50/p95/p99, SQL statements per request (one probe request alone; the 5-second cache refreshes
// and background statements reported apart), HTML size, the app's RSS under that load (VmRSS of
// its process). Then EXPLAIN (ANALYZE, BUFFERS) of every SELECT of one request per scenario: the
// slowest statement and its plan (BENCH_EXPLAIN=1 prints the full plans).
//
// Database: new databases on the server named by BENCH_DATABASE_URL or TEST_DATABASE_URL,
// created and dropped here; never DATABASE_URL. Settings (environment): BENCH_TICKETS (10000),
// BENCH_USERS (10000), BENCH_MAIL (200), BENCH_CONNECTIONS (16), BENCH_SECONDS per run (10;
// extended up to 3× until BENCH_MIN_ANSWERS, 100, answers),
// BENCH_WARMUP_SECONDS per scenario (1), BENCH_PAGES (5), BENCH_TIMEOUT_SECONDS (2400 + 1 per
// 1,000 tickets), BENCH_EXPLAIN=1. Stops by itself and removes its databases.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type pg from 'pg';
import type { Database } from '../src/db/database.js';
import type { Prisma } from '../src/generated/prisma/client.js';
import { hashPassword } from '../src/lib/password.js';
import { explain, isReadOnly, type PlanSummary } from './explain.js';
import {
  type BenchDatabase,
  type Client,
  createBenchDatabase,
  freePort,
  intFromEnv,
  loadAverage,
  login,
  machine,
  makeClient,
  mib,
  nextLink,
  type Proc,
  percentile,
  prepareApp,
  printRows,
  sampleRss,
  startProcess,
  ticketLinks,
} from './lib.js';
import { measureMailLatency } from './mail-latency.js';
import { ASCII, firstNames, lastNames } from './names.js';
import { describeQuery, isCacheRefresh, type LoggedQuery } from './query-log.js';
import { seedTickets, type TicketSeed } from './seed-tickets.js';
import { measureSweep, seedSla } from './sla.js';

const USERS = intFromEnv('BENCH_USERS', 10_000, 0, 1_000_000);
const TICKETS = intFromEnv('BENCH_TICKETS', 10_000, 0, 5_000_000);
const MAIL_SAMPLES = intFromEnv('BENCH_MAIL', 200, 0, 10_000);
if ((USERS > 0 && USERS < 10) || (TICKETS > 0 && TICKETS < 1_000)) {
  console.error('BENCH_USERS must be 0 or at least 10; BENCH_TICKETS 0 or at least 1000');
  process.exit(2);
}
const CONNECTIONS = intFromEnv('BENCH_CONNECTIONS', 16, 1, 256);
const SECONDS = intFromEnv('BENCH_SECONDS', 10, 1, 600);
/** A run too slow to give this many answers in BENCH_SECONDS goes on, up to 3 × BENCH_SECONDS. */
const MIN_ANSWERS = intFromEnv('BENCH_MIN_ANSWERS', 100, 1, 100_000);
const WARMUP_SECONDS = intFromEnv('BENCH_WARMUP_SECONDS', 1, 0, 60);
const PAGES = intFromEnv('BENCH_PAGES', 5, 1, 50);
const TIMEOUT_SECONDS = intFromEnv('BENCH_TIMEOUT_SECONDS', 2_400 + Math.ceil(TICKETS / 1000), 10, 14_400);
const FULL_PLANS = process.env.BENCH_EXPLAIN === '1';
/** With BENCH_EXPLAIN=1, other statements' plans are printed from this server time on. */
const SLOW_MS = 10;
const USER_SEARCH = 'mart';
/** In about one ticket subject in ten (see seed-tickets.ts), and a word in none. */
const COMMON_WORD = 'alarma';
const MISSING_WORD = 'xilofonista';
/** The issue's ceiling for the app's memory under load. */
const RSS_LIMIT = 300 * 1024 * 1024;

// ---- the processes --------------------------------------------------------------------------

type Running = { bench?: BenchDatabase; procs: Proc[]; clients: Client[]; dirs: string[] };
const running: Running = { procs: [], clients: [], dirs: [] };

async function stopRunning() {
  for (const client of running.clients) client.close();
  running.clients = [];
  const procs = running.procs;
  running.procs = [];
  await Promise.all(procs.map((p) => p.stop()));
  for (const dir of running.dirs) await rm(dir, { recursive: true, force: true });
  running.dirs = [];
  const bench = running.bench;
  running.bench = undefined;
  if (bench) {
    await bench.drop();
    console.log('Benchmark database dropped.');
  }
}

type Stack = {
  app: Proc;
  minimal: Proc;
  minimalCookie: string;
  sqlPort: number;
  signIn(email: string, password: string, home: string): Promise<Client>;
};

async function startStack(bench: BenchDatabase): Promise<Stack> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'centinela-bench-'));
  running.dirs.push(dir);
  const [appPort, sqlPort, minimalPort] = [await freePort(), await freePort(), await freePort()];
  const build = await prepareApp();
  console.log(`App: ${build.label}.`);
  const app = await startProcess({
    name: 'app',
    script: build.script,
    tsx: build.tsx,
    nodeFlags: build.nodeFlags,
    nodeEnv: build.nodeEnv,
    preload: [build.preload],
    port: appPort,
    readyPath: '/healthz',
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(appPort),
      DATABASE_URL: bench.url,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      DATA_DIR: path.join(dir, 'data'),
      UPLOAD_DIR: path.join(dir, 'uploads'),
      LOG_LEVEL: 'info',
      BENCH_SQL_PORT: String(sqlPort),
    },
  });
  running.procs.push(app);
  const minimal = await startProcess({
    name: 'minimal page',
    script: 'bench/minimal-page.ts',
    port: minimalPort,
    env: { NODE_ENV: 'production', PORT: String(minimalPort), BENCH_MINIMAL_DATABASE_URL: bench.url },
  });
  running.procs.push(minimal);
  const yardstick = makeClient(minimalPort);
  running.clients.push(yardstick);
  const started = await yardstick.request('POST', '/login');
  if (started.status !== 204) throw new Error(`minimal page POST /login: status ${started.status}`);
  const check = await yardstick.request('GET', '/');
  if (check.status !== 200 || (check.body.match(/<tr>/g)?.length ?? 0) < 2)
    throw new Error(`minimal page GET /: status ${check.status}`);
  return {
    app,
    minimal,
    minimalCookie: yardstick.cookieHeader(),
    sqlPort,
    async signIn(email, password, home) {
      const client = makeClient(appPort, 2);
      running.clients.push(client);
      await login(client, email, password, home);
      return client;
    },
  };
}

async function side<T>(sqlPort: number, method: 'GET' | 'POST', pathname: string): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${sqlPort}${pathname}`, { method });
  if (!res.ok) throw new Error(`sql-counter ${pathname}: ${res.status}`);
  return (await res.json()) as T;
}

// ---- measurement ----------------------------------------------------------------------------

type Probe = { path: string; statements: LoggedQuery[]; perRequest: number; body: string };

type Targets = { share?: number; statements?: number };

type Result = {
  name: string;
  paths: string[];
  targets: Targets;
  probes: Probe[];
  firstPage?: number;
  run?: LoadRun;
  minimalRps?: number;
  share?: number;
  rss?: number;
  underLoad?: { perRequest: number; refreshesPerSecond: number; backgroundPerSecond: number };
  plans?: {
    label: string;
    path: string;
    statements: number;
    totalMs: number;
    slowest?: PlanSummary;
    keyset?: PlanSummary;
  }[];
};

type LoadRun = { ok: number; errors: number; seconds: number; rps: number; sorted: number[]; firstError?: string };

/**
 * A measured run: `seconds`, extended by further runs while it has fewer than MIN_ANSWERS
 * answers (a page at 2 s per request gives few in 10 s on a busy machine), up to three times.
 */
async function load(port: number, cookie: string, paths: string[], seconds: number): Promise<LoadRun> {
  let total = await loadOnce(port, cookie, paths, seconds);
  for (let i = 1; i < 3 && total.ok < MIN_ANSWERS; i++) {
    const more = await loadOnce(port, cookie, paths, seconds);
    const ok = total.ok + more.ok;
    const elapsed = total.seconds + more.seconds;
    total = {
      ok,
      errors: total.errors + more.errors,
      seconds: elapsed,
      rps: ok / elapsed,
      sorted: [...total.sorted, ...more.sorted].sort((a, b) => a - b),
      firstError: total.firstError ?? more.firstError,
    };
  }
  return total;
}

/** BENCH_CONNECTIONS keep-alive connections for `seconds`, cycling through `paths`. */
async function loadOnce(port: number, cookie: string, paths: string[], seconds: number): Promise<LoadRun> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const t0 = performance.now();
  const instance = autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 30,
    headers: { cookie },
    requests: paths.map((p) => ({ method: 'GET', path: p })),
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
    else {
      errors++;
      firstError ??= `status ${status}`;
    }
  });
  const result = await instance;
  const elapsed = (performance.now() - t0) / 1000;
  errors += result.errors + result.timeouts;
  if (result.errors + result.timeouts > 0) firstError ??= `${result.errors} socket errors, ${result.timeouts} timeouts`;
  return {
    ok: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    sorted: latencies.sort((a, b) => a - b),
    firstError,
  };
}

let probeId = 0;

/** One request per path, alone, with the statements it sent (cache refreshes left out). */
async function probe(stack: Stack, client: Client, paths: string[]): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const p of paths) {
    const id = `p${++probeId}`;
    const res = await client.request('GET', p, undefined, { 'x-bench-probe': id });
    if (res.status !== 200) throw new Error(`GET ${p}: status ${res.status}`);
    // The statement list is stored when the response finishes, a moment after the client has it.
    let statements: LoggedQuery[] | undefined;
    for (let i = 0; i < 50 && !statements; i++) {
      statements = await side<LoggedQuery[]>(stack.sqlPort, 'GET', `/probe/${id}`).catch(() => undefined);
      if (!statements) await new Promise((r) => setTimeout(r, 20));
    }
    if (!statements) throw new Error(`no statement count for GET ${p}`);
    probes.push({ path: p, statements, perRequest: statements.length, body: res.body });
  }
  return probes;
}

type Scenario = { name: string; client: Client; paths: string[]; targets: Targets; firstPage?: number };

/**
 * Probes each scenario, then measures them in turn between runs of the minimal page: minimal,
 * scenario 1, minimal, scenario 2, …, minimal. A scenario's share is its throughput over the mean
 * of the minimal page's runs just before and just after it.
 */
async function measureAll(stack: Stack, scenarios: Scenario[]): Promise<Result[]> {
  const results: Result[] = [];
  for (const s of scenarios) {
    results.push({
      name: s.name,
      paths: s.paths,
      targets: s.targets,
      probes: await probe(stack, s.client, s.paths),
      firstPage: s.firstPage,
    });
  }
  const minimalRun = async () => {
    if (WARMUP_SECONDS > 0) await loadOnce(stack.minimal.port, stack.minimalCookie, ['/'], WARMUP_SECONDS);
    const run = await load(stack.minimal.port, stack.minimalCookie, ['/'], SECONDS);
    if (run.errors > 0) throw new Error(`minimal page: ${run.errors} errors (${run.firstError})`);
    return run;
  };
  let before = await minimalRun();
  for (const [i, s] of scenarios.entries()) {
    const result = results[i] as Result;
    const cookie = s.client.cookieHeader();
    if (WARMUP_SECONDS > 0) await loadOnce(stack.app.port, cookie, s.paths, WARMUP_SECONDS);
    await side(stack.sqlPort, 'POST', '/reset');
    const rss = sampleRss(stack.app.pid);
    const run = await load(stack.app.port, cookie, s.paths, SECONDS);
    result.rss = rss.stop();
    const stats = await side<{
      requests: number;
      statements: number;
      refreshes: number;
      background: number;
      memory: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
    }>(stack.sqlPort, 'GET', '/stats');
    const after = await minimalRun();
    result.run = run;
    result.minimalRps = (before.rps + after.rps) / 2;
    result.share = run.rps / result.minimalRps;
    result.underLoad = {
      perRequest: stats.statements / Math.max(1, stats.requests),
      refreshesPerSecond: stats.refreshes / run.seconds,
      backgroundPerSecond: stats.background / run.seconds,
    };
    console.log(
      `  ${s.name}: ${run.rps.toFixed(0)} req/s, minimal ${result.minimalRps.toFixed(0)} req/s → ` +
        `${(100 * result.share).toFixed(0)} %; load average ${loadAverage()}; app RSS ${mib(result.rss)}, ` +
        `peak V8 heap used ${mib(stats.memory.heapUsed)} of ${mib(stats.memory.heapTotal)}, ` +
        `external ${mib(stats.memory.external)} (array buffers ${mib(stats.memory.arrayBuffers)})`,
    );
    before = after;
  }
  return results;
}

/** Scenarios over every page reached through the "next" links from `start`; no ticket may repeat. */
async function pagesOf(client: Client, start: string, count: number, checks: string[], name: string) {
  const paths = [start];
  const seen = new Set<number>();
  let rows = 0;
  let current = start;
  for (let i = 0; i <= count; i++) {
    const res = await client.request('GET', current);
    if (res.status !== 200) throw new Error(`GET ${current}: status ${res.status}`);
    const page = ticketLinks(res.body);
    rows += page.length;
    for (const n of page) seen.add(n);
    if (i === count) break;
    const next = nextLink(res.body, current);
    if (!next) break;
    paths.push(next);
    current = next;
  }
  if (seen.size !== rows) throw new Error(`${name}: ${rows - seen.size} ticket(s) repeated across the pages`);
  checks.push(`${name}: ${paths.length} page(s), ${rows} distinct tickets`);
  return paths;
}

// ---- report ---------------------------------------------------------------------------------

const pct = (x: number | undefined) => (x === undefined ? '' : `${(100 * x).toFixed(0)} %`);
const ms = (x: number) => x.toFixed(1);
const range = (values: number[]) => {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
};

/** Each failed target, in words; empty when the scenario meets all of its targets. */
function failures(r: Result): string[] {
  const out: string[] = [];
  if (r.run && r.run.errors > 0) out.push(`${r.run.errors} failed requests (${r.run.firstError})`);
  if (r.targets.share !== undefined && (r.share ?? 0) < r.targets.share)
    out.push(`share ${pct(r.share)} < ${pct(r.targets.share)}`);
  const counts = r.probes.map((p) => p.perRequest);
  if (r.targets.statements !== undefined && Math.max(...counts) > r.targets.statements)
    out.push(`${range(counts)} SQL statements > ${r.targets.statements}`);
  if (new Set(counts).size > 1) out.push(`SQL statements differ from page to page (${counts.join(', ')})`);
  return out;
}

function printResults(results: Result[]) {
  printRows(
    [
      'scenario',
      'req/s',
      'minimal req/s',
      'share',
      'target',
      'p50 ms',
      'p95 ms',
      'p99 ms',
      'SQL/req',
      'SQL target',
      'KiB',
      'app RSS MiB',
      'errors',
      'result',
    ],
    results.map((r) => {
      const run = r.run;
      const hasTargets = r.targets.share !== undefined || r.targets.statements !== undefined;
      return [
        r.name,
        run ? run.rps.toFixed(0) : '',
        r.minimalRps?.toFixed(0) ?? '',
        pct(r.share),
        r.targets.share === undefined ? '' : `≥ ${pct(r.targets.share)}`,
        run ? ms(percentile(run.sorted, 50)) : '',
        run ? ms(percentile(run.sorted, 95)) : '',
        run ? ms(percentile(run.sorted, 99)) : '',
        range(r.probes.map((p) => p.perRequest)),
        r.targets.statements === undefined ? '' : `≤ ${r.targets.statements}`,
        String(Math.round(Math.max(...r.probes.map((p) => Buffer.byteLength(p.body))) / 1024)),
        r.rss ? String(Math.round(r.rss / 1024 / 1024)) : '',
        String(run?.errors ?? ''),
        failures(r).length > 0 ? 'FAIL' : hasTargets ? 'PASS' : '',
      ];
    }),
  );
}

function printStatementDetail(results: Result[]) {
  console.log('');
  console.log('SQL statements of one request per scenario (probe alone; 5-second cache refreshes left out):');
  for (const r of results) {
    const p = r.probes.at(-1);
    if (!p) continue;
    const under = r.underLoad
      ? ` [under load: ${r.underLoad.perRequest.toFixed(1)}/request; cache refreshes ${r.underLoad.refreshesPerSecond.toFixed(1)}/s, ` +
        `background ${r.underLoad.backgroundPerSecond.toFixed(1)}/s, not counted per request]`
      : '';
    console.log(`- ${r.name}: ${p.perRequest} — ${p.statements.map((q) => describeQuery(q.text)).join(', ')}${under}`);
  }
}

// ---- the users of part 2 --------------------------------------------------------------------

function roleFor(i: number): 'CLIENT' | 'SUPPORT' | 'TECHNICIAN' | 'ADMIN' {
  if (i % 100 === 0) return 'ADMIN';
  if (i % 20 === 0) return 'SUPPORT';
  if (i % 5 === 0) return 'TECHNICIAN';
  return 'CLIENT';
}

/** USERS accounts (85% clients in 200 organizations), one shared argon2id hash, createMany in chunks. */
async function seedUsers(db: Database, adminEmail: string, password: string) {
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

// ---- EXPLAIN --------------------------------------------------------------------------------

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

// ---- parts 1 and 2: pages -------------------------------------------------------------------

async function ticketScenarios(
  stack: Stack,
  seed: TicketSeed,
  password: string,
  checks: string[],
  bench: BenchDatabase,
) {
  const support = await stack.signIn(seed.supportEmail, password, '/queue');
  const client = await stack.signIn(seed.clientEmail, password, '/tickets');
  const manager = await stack.signIn(seed.managerEmail, password, '/tickets');
  const technician = await stack.signIn(seed.technicianEmail, password, '/work');
  const queue = { share: 0.3, statements: 5 };

  // The queue before any ticket has an SLA (no badges, nothing due), the yardstick for the SLA
  // scenarios below; then the SLA policy and due instants, and the sweep measured on them.
  const [withoutSla] = await measureAll(stack, [
    { name: 'queue, default sort, page 1, before SLA data', client: support, paths: ['/queue'], targets: queue },
  ]);
  const slaNow = new Date();
  const slaSeed = await seedSla(bench.db, slaNow);
  console.log(
    `SLA: policy "Bench: normal" (first response 4 h, resolution 72 h, around the clock) on ${slaSeed.open} open tickets: ` +
      `${slaSeed.withDue} with a due instant, ${slaSeed.atRisk} at risk, ${slaSeed.breached} overdue, ${slaSeed.paused} paused (ON_HOLD).`,
  );
  checks.push(...(await measureSweep(bench.db, bench.url, slaNow)));

  const scenarios: Scenario[] = [];
  const queues: [string, string][] = [
    ['queue, default sort', '/queue'],
    ['queue ?status=NEW', '/queue?status=NEW'],
    ['queue ?sort=newest', '/queue?sort=newest'],
    [`queue ?departmentId=${seed.departmentId}`, `/queue?departmentId=${seed.departmentId}`],
    ['queue ?assignee=none', '/queue?assignee=none'],
    ['queue ?sla=at_risk', '/queue?sla=at_risk'],
    ['queue ?sla=breached', '/queue?sla=breached'],
    ['queue ?sort=due', '/queue?sort=due'],
  ];
  for (const [name, start] of queues) {
    const paths = await pagesOf(support, start, PAGES, checks, name);
    scenarios.push({ name: `${name}, page 1`, client: support, paths: [start], targets: queue, firstPage: 1 });
    if (paths.length > 1)
      scenarios.push({
        name: `${name}, pages 2–${paths.length}`,
        client: support,
        paths: paths.slice(1),
        targets: queue,
        firstPage: 2,
      });
  }
  for (const word of [COMMON_WORD, MISSING_WORD])
    scenarios.push({
      name: `queue ?q=${word}`,
      client: support,
      paths: [`/queue?q=${word}`],
      targets: { share: 0.2, statements: 5 },
    });
  for (const [ticket, share] of [
    [seed.bigTicket, 0.12],
    [seed.smallTicket, 0.25],
  ] as const)
    scenarios.push({
      name: `ticket page, ${ticket.comments} comments, ${ticket.events} events, ${ticket.attachments} files`,
      client: support,
      paths: [`/tickets/TKT-${ticket.number}`],
      targets: { share, statements: 8 },
    });
  scenarios.push({ name: 'client /tickets', client, paths: ['/tickets'], targets: { share: 0.3 } });
  scenarios.push({ name: 'org manager /tickets', client: manager, paths: ['/tickets'], targets: { share: 0.3 } });
  scenarios.push({
    name: 'technician /work',
    client: technician,
    paths: ['/work'],
    targets: { share: 0.25, statements: 5 },
  });
  const results = [withoutSla as Result, ...(await measureAll(stack, scenarios))];

  // Issue 9: the badge and the SLA filters cost at most a tenth of the queue's own throughput.
  const baseline = withoutSla?.share ?? 0;
  for (const r of results.filter((r) => /^queue(, default sort| \?sla=\w+| \?sort=due), page 1$/.test(r.name))) {
    const ratio = (r.share ?? 0) / baseline;
    checks.push(
      `${ratio >= 0.9 ? '' : 'FAIL: '}${r.name} with SLA data: ${(100 * ratio).toFixed(0)} % of the queue's share before SLA data (target ≥ 90 %)`,
    );
  }

  // Support sees every comment, internal notes included; and the count of statements of a ticket
  // page must not depend on its number of comments.
  const pages = results.filter((r) => r.name.startsWith('ticket page'));
  for (const [r, ticket] of pages.map((r, i) => [r, i === 0 ? seed.bigTicket : seed.smallTicket] as const)) {
    const shown = new Set([...(r.probes[0]?.body ?? '').matchAll(/bench-comment-(\d+)/g)].map((m) => m[1])).size;
    checks.push(`TKT-${ticket.number}: ${shown} of ${ticket.comments} comments on the page`);
    if (shown !== ticket.comments)
      checks.push(`FAIL: TKT-${ticket.number} shows ${shown} comments, not ${ticket.comments}`);
  }
  const counts = pages.map((r) => r.probes[0]?.perRequest);
  checks.push(
    counts.every((n) => n === counts[0])
      ? `ticket pages: same number of statements with 200 and 2 comments (${counts[0]})`
      : `FAIL: ticket pages' statements grow with the comments (${counts.join(' vs ')})`,
  );
  return results;
}

async function userScenarios(stack: Stack, db: Database, password: string) {
  const adminEmail = 'admin@bench.example';
  const t0 = performance.now();
  await seedUsers(db, adminEmail, password);
  console.log(`Added ${USERS} users in ${Math.round(performance.now() - t0)} ms.`);
  const admin = await stack.signIn(adminEmail, password, '/admin/users');
  const deep: string[] = [];
  let current = '/admin/users';
  for (let i = 0; i < PAGES; i++) {
    const res = await admin.request('GET', current);
    const next = nextLink(res.body, current);
    if (!next) break;
    deep.push(next);
    current = next;
  }
  if (deep.length === 0) throw new Error('No "next page" link on /admin/users: too few users?');
  return measureAll(stack, [
    { name: 'admin /admin/users, first page', client: admin, paths: ['/admin/users'], targets: {} },
    {
      name: `admin /admin/users?q=${USER_SEARCH}`,
      client: admin,
      paths: [`/admin/users?q=${USER_SEARCH}`],
      targets: {},
    },
    { name: `admin /admin/users, pages 2–${deep.length + 1}`, client: admin, paths: deep, targets: {}, firstPage: 2 },
  ]);
}

async function pagesPart(): Promise<{ results: Result[]; checks: string[]; peakRss: number }> {
  console.log('');
  console.log(`== Parts 1 and 2: pages with ${TICKETS} tickets${USERS > 0 ? `, then ${USERS} users` : ''} ==`);
  const bench = await createBenchDatabase();
  running.bench = bench;
  console.log(`Database: ${bench.label} (migrated).`);
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
  const stack = await startStack(bench);
  console.log(
    `App: own process (pid ${stack.app.pid}), production settings; minimal page: pid ${stack.minimal.pid}. ` +
      `Load client: autocannon in this process, ${CONNECTIONS} connections, ${SECONDS} s per run (after ${WARMUP_SECONDS} s warm-up). ` +
      `Load average ${loadAverage()}.`,
  );
  const checks: string[] = [];
  const results = await ticketScenarios(stack, seed, password, checks, bench);
  // The tickets' table now, so that a run stopped later (timeout, users part) still shows it.
  console.log('');
  printResults(results);
  console.log('');
  if (USERS > 0) results.push(...(await userScenarios(stack, bench.db, password)));
  await explainResults(bench.db.pool, results);
  const peakRss = Math.max(...results.map((r) => r.rss ?? 0));
  console.log('');
  console.log(`Load average after the scenarios: ${loadAverage()}.`);
  console.log('');
  printResults(results);
  for (const r of results) if (r.run?.firstError) console.log(`First error in "${r.name}": ${r.run.firstError}`);
  printStatementDetail(results);
  console.log('');
  printPlans(results);
  printKeysetPlans(results);
  console.log('');
  console.log(`Checks: ${checks.join('; ')}.`);
  await stopRunning();
  return { results, checks, peakRss };
}

// ---- part 3: notification delivery ----------------------------------------------------------

async function mailPart(): Promise<void> {
  console.log('');
  console.log(`== Part 3: action → SMTP delivery of ${MAIL_SAMPLES} notifications (in this process) ==`);
  const bench = await createBenchDatabase();
  running.bench = bench;
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
  console.log(`Centinela benchmark. Machine: ${machine()}.`);
  const watchdog = setTimeout(() => {
    console.error(`Benchmark stopped: over BENCH_TIMEOUT_SECONDS=${TIMEOUT_SECONDS}.`);
    void stopRunning().finally(() => process.exit(1));
  }, TIMEOUT_SECONDS * 1000);
  watchdog.unref();
  const interrupt = () => {
    console.error('Interrupted; stopping the processes and removing the benchmark database.');
    void stopRunning().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  try {
    let failed = false;
    if (TICKETS > 0) {
      const { results, checks, peakRss } = await pagesPart();
      const withTargets = results.filter((r) => r.targets.share !== undefined || r.targets.statements !== undefined);
      const failing = withTargets.filter((r) => failures(r).length > 0);
      console.log('');
      console.log(
        `Targets: ${withTargets.length - failing.length} of ${withTargets.length} scenarios PASS` +
          (failing.length ? `; FAIL: ${failing.map((r) => `${r.name} (${failures(r).join('; ')})`).join(' · ')}` : '') +
          '.',
      );
      console.log(
        `App RSS under load: peak ${mib(peakRss)} (target < ${mib(RSS_LIMIT)}): ${peakRss < RSS_LIMIT ? 'PASS' : 'FAIL'}.`,
      );
      const failedChecks = checks.filter((c) => c.startsWith('FAIL'));
      if (failedChecks.length) console.log(`Checks failed: ${failedChecks.join('; ')}.`);
      failed = results.some((r) => (r.run?.errors ?? 0) > 0) || failedChecks.length > 0;
    } else if (USERS > 0) console.log('BENCH_TICKETS=0: the pages parts are skipped (the minimal page lists tickets).');
    if (MAIL_SAMPLES > 0) await mailPart();
    console.log('');
    console.log(
      `Total run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s; load average ${loadAverage()}.`,
    );
    return failed ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await stopRunning();
  }
}

main().then(
  (code) => process.exit(code),
  async (error: Error) => {
    console.error(`Benchmark failed: ${error.stack ?? error.message}`);
    await stopRunning().catch(() => {});
    process.exit(1);
  },
);
