// `npm run bench`: how fast the admin user list answers with many accounts, measured over real
// HTTP on the loopback interface against the real app (createApp), on a fresh database.
//
// Database: a new database on the PostgreSQL server named by BENCH_DATABASE_URL or
// TEST_DATABASE_URL (created and dropped here), or an in-memory embedded PGlite otherwise.
// Never DATABASE_URL: a benchmark must not touch a real install.
//
// Settings (environment): BENCH_USERS (10000), BENCH_REQUESTS per scenario (300),
// BENCH_CONCURRENCY (4), BENCH_PAGES deep for the cursor scenario (5),
// BENCH_SCENARIO_SECONDS cap per scenario (60), BENCH_TIMEOUT_SECONDS for the whole run (900).
// Bounded in count and time; stops by itself and removes its database.
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

const USERS = intFromEnv('BENCH_USERS', 10_000, 10, 1_000_000);
const REQUESTS = intFromEnv('BENCH_REQUESTS', 300, 1, 100_000);
const CONCURRENCY = intFromEnv('BENCH_CONCURRENCY', 4, 1, 64);
const PAGES = intFromEnv('BENCH_PAGES', 5, 1, 50);
const SCENARIO_SECONDS = intFromEnv('BENCH_SCENARIO_SECONDS', 60, 1, 3_600);
const TIMEOUT_SECONDS = intFromEnv('BENCH_TIMEOUT_SECONDS', 900, 10, 7_200);
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

const firstNames = [
  'Ana',
  'Carlos',
  'Lucía',
  'Martín',
  'Sofía',
  'Juan',
  'Valentina',
  'Diego',
  'Camila',
  'Mateo',
  'Isabella',
  'Santiago',
  'Martina',
  'Tomás',
  'Florencia',
  'Joaquín',
  'Paula',
  'Nicolás',
  'Julieta',
  'Pedro',
  'Mariana',
  'Andrés',
  'Gabriela',
  'Luis',
  'Renata',
  'Felipe',
  'Daniela',
  'João',
  'Beatriz',
  'Rafael',
];
const lastNames = [
  'García',
  'Martínez',
  'López',
  'González',
  'Rodríguez',
  'Fernández',
  'Pérez',
  'Sánchez',
  'Romero',
  'Díaz',
  'Álvarez',
  'Torres',
  'Ruiz',
  'Ramírez',
  'Flores',
  'Acosta',
  'Benítez',
  'Medina',
  'Herrera',
  'Suárez',
  'Silva',
  'Souza',
  'Oliveira',
  'Costa',
  'Pereira',
  'Castro',
  'Vargas',
  'Rojas',
  'Molina',
  'Ortiz',
];

const ASCII = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();

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
    data: { email: adminEmail, name: 'Admin Benchmark', role: 'ADMIN', passwordHash },
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
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

async function login(client: Client, email: string, password: string) {
  const page = await client.request('GET', '/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (page.status !== 200 || !csrf) throw new Error(`GET /login: status ${page.status}, no _csrf field`);
  const res = await client.request('POST', '/login', { email, password, _csrf: csrf });
  if (res.status !== 302) throw new Error(`POST /login: status ${res.status} (expected a redirect)`);
  const check = await client.request('GET', '/admin/users');
  if (check.status !== 200) throw new Error(`GET /admin/users after login: status ${check.status}`);
}

const unescapeHtml = (text: string) =>
  text
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;/g, '=')
    .replace(/&#61;/g, '=')
    .replace(/&quot;/g, '"');

/** The `?after=` links of the first `count` pages after the one at `path`. */
async function followNextLinks(client: Client, path: string, count: number): Promise<string[]> {
  const links: string[] = [];
  let current = path;
  for (let i = 0; i < count; i++) {
    const res = await client.request('GET', current);
    const href = /href="(\?[^"]*)" rel="next"/.exec(res.body)?.[1];
    if (res.status !== 200 || !href || !href.includes('after=')) break;
    current = `/admin/users${unescapeHtml(href)}`;
    links.push(current);
  }
  return links;
}

// ---- measurement ----------------------------------------------------------------------------

type Result = {
  name: string;
  paths: string[];
  ok: number;
  errors: number;
  seconds: number;
  latencies: number[];
  capped: boolean;
};

async function measure(client: Client, name: string, paths: string[]): Promise<Result> {
  for (let i = 0; i < WARMUP; i++) await client.request('GET', paths[i % paths.length] as string);
  const latencies: number[] = [];
  let issued = 0;
  let errors = 0;
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
        else errors++;
      } catch {
        errors++;
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { name, paths, ok: latencies.length, errors, seconds, latencies, capped };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function printTable(results: Result[]) {
  const header = ['scenario', 'requests', 'errors', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s'];
  const rows = results.map((r) => {
    const sorted = [...r.latencies].sort((a, b) => a - b);
    return [
      r.name + (r.capped ? ' (time cap)' : ''),
      String(r.ok + r.errors),
      String(r.errors),
      percentile(sorted, 50).toFixed(1),
      percentile(sorted, 95).toFixed(1),
      percentile(sorted, 99).toFixed(1),
      (sorted.at(-1) ?? Number.NaN).toFixed(1),
      (r.ok / r.seconds).toFixed(0),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => `${'-'.repeat(w + 1)}${i === 0 ? '-' : ':'}`).join('|')}|`);
  for (const row of rows) console.log(line(row));
}

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MiB`;

// ---- run ------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const runStarted = performance.now();
  console.log(
    `Centinela benchmark: GET /admin/users with ${USERS} users; ${REQUESTS} requests per scenario ` +
      `(after ${WARMUP} warm-up), concurrency ${CONCURRENCY}, loopback HTTP only.`,
  );
  console.log(`Machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model.trim()}), Node ${process.version}.`);

  const bench = await openBenchDatabase();
  let server: http.Server | undefined;
  let client: Client | undefined;
  const cleanup = async () => {
    client?.close();
    if (server) {
      server.closeAllConnections();
      await new Promise((resolve) => server?.close(resolve));
    }
    await bench.db.close().catch(() => {});
    await bench.drop();
  };
  const watchdog = setTimeout(() => {
    console.error(`Benchmark stopped: over BENCH_TIMEOUT_SECONDS=${TIMEOUT_SECONDS}.`);
    void cleanup().finally(() => process.exit(1));
  }, TIMEOUT_SECONDS * 1000);
  watchdog.unref();
  const interrupt = () => {
    console.error('Interrupted; removing the benchmark database.');
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  try {
    console.log(`Database: ${bench.label}.`);
    let t0 = performance.now();
    await migrate(bench.db, pino({ level: 'silent' }));
    console.log(`Migrated in ${Math.round(performance.now() - t0)} ms.`);

    const adminEmail = 'admin@bench.example';
    const password = randomBytes(12).toString('base64url');
    t0 = performance.now();
    await seed(bench.db, adminEmail, password);
    const seeded = await bench.db.prisma.user.count();
    const matches = await bench.db.prisma.user.count({
      where: {
        isActive: true,
        OR: [{ name: { contains: SEARCH, mode: 'insensitive' } }, { email: { contains: SEARCH } }],
      },
    });
    console.log(`Seeded ${seeded} users in ${Math.round(performance.now() - t0)} ms.`);

    // The real app, as in production (view cache on, request logging at info level, to /dev/null).
    const env = loadEnv({ NODE_ENV: 'production', LOG_LEVEL: 'info' });
    const logger = pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: false }));
    const app = createApp({
      env,
      db: bench.db,
      logger,
      settings: new SettingsService(bench.db.prisma),
      sessionSecret: randomBytes(32).toString('hex'),
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = makeClient(port);
    await login(client, adminEmail, password);

    const first = '/admin/users';
    const search = `/admin/users?q=${SEARCH}`;
    const deep = await followNextLinks(client, first, PAGES);
    if (deep.length === 0) throw new Error('No "next page" link on /admin/users: too few users?');

    const results: Result[] = [];
    results.push(await measure(client, 'first page (25 rows)', [first]));
    results.push(await measure(client, `search ?q=${SEARCH} (${matches} active matches)`, [search]));
    results.push(await measure(client, `after= cursor, pages 2-${deep.length + 1}`, deep));

    console.log('');
    printTable(results);
    const usage = process.memoryUsage();
    console.log('');
    console.log(
      `Process memory (app + client${serverUrl ? '' : ' + embedded database'} in this one process): ` +
        `RSS ${mb(usage.rss)} now, peak ${mb(process.resourceUsage().maxRSS * 1024)}; heap used ${mb(usage.heapUsed)}.`,
    );
    console.log(`Total run time ${((performance.now() - runStarted) / 1000).toFixed(1)} s.`);
    return results.some((r) => r.errors > 0) ? 1 : 0;
  } finally {
    clearTimeout(watchdog);
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await cleanup();
    console.log(serverUrl ? 'Benchmark database dropped.' : 'Embedded database discarded.');
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Benchmark failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
