// `npx tsx bench/profile.ts`: a CPU profile of the app serving pages under load, to see where a
// request's time goes. Seeds (once) a kept database PROFILE_DB (default centinela_profile) with
// PROFILE_TICKETS tickets, builds the app, starts it with --cpu-prof, signs in as support, client
// and technician, drives PROFILE_PATHS for PROFILE_SECONDS each with autocannon, stops the app
// (the profile is written on exit) and prints the top self-time functions.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { connectDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { hashPassword } from '../src/lib/password.js';
import { freePort, login, makeClient, prepareApp, startProcess } from './lib.js';
import { seedTickets } from './seed-tickets.js';

const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || '';
const name = process.env.PROFILE_DB || 'centinela_profile';
const total = Number(process.env.PROFILE_TICKETS || 20_000);
const seconds = Number(process.env.PROFILE_SECONDS || 10);
const password = process.env.PROFILE_PASSWORD || 'profile-password-1';
const target = new URL(serverUrl);
target.pathname = `/${name}`;
const url = target.toString();

async function prepare() {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  if (!(await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount)
    await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  await applyMigrations({ url, isEmbedded: false });
  const db = connectDatabase({ url, poolSize: 4 });
  const seeded = Number((await db.pool.query('SELECT count(*) AS n FROM "Ticket"')).rows[0].n);
  if (seeded === 0) {
    const passwordHash = await hashPassword(password);
    const adminId = (
      await db.prisma.user.create({
        data: {
          email: 'admin@profile.example',
          name: 'Admin',
          role: 'ADMIN',
          passwordHash,
          emailVerifiedAt: new Date(),
        },
      })
    ).id;
    const seed = await seedTickets(db, total, passwordHash, adminId, (line) => console.log(line));
    await db.pool.query('VACUUM ANALYZE');
    await db.pool.query('CREATE TABLE IF NOT EXISTS profile_seed (v jsonb)');
    await db.pool.query('INSERT INTO profile_seed VALUES ($1)', [JSON.stringify(seed)]);
  }
  const seed = (await db.pool.query('SELECT v FROM profile_seed')).rows[0].v;
  await db.close();
  return seed;
}

type Answers = {
  requests: { average: number; total: number };
  latency: { p50: number };
  throughput: { average: number };
  non2xx: number;
};

const seed = await prepare();
const dir = `/tmp/profile-${process.pid}`;
await mkdir(dir, { recursive: true });
const port = await freePort();
const build = await prepareApp();
const app = await startProcess({
  name: 'app',
  script: build.script,
  tsx: build.tsx,
  nodeEnv: build.nodeEnv,
  nodeFlags: [...build.nodeFlags, ...(process.env.PROFILE_CPU === '0' ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`])],
  port,
  readyPath: '/healthz',
  env: {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: url,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: path.join(dir, 'data'),
    UPLOAD_DIR: path.join(dir, 'uploads'),
    LOG_LEVEL: 'info',
  },
});
const who: Record<string, string> = {
  support: seed.supportEmail,
  client: seed.clientEmail,
  technician: seed.technicianEmail,
};
const paths = (
  process.env.PROFILE_PATHS ||
  `support:/queue,support:/tickets/TKT-${seed.smallTicket.number},support:/tickets/TKT-${seed.bigTicket.number},technician:/work,client:/tickets`
).split(',');
const cookies: Record<string, string> = {};
for (const [role, email] of Object.entries(who)) {
  const client = makeClient(port, 2);
  await login(client, email, password);
  cookies[role] = client.cookieHeader();
}
const minimalPort = await freePort();
const minimal = await startProcess({
  name: 'minimal page',
  script: 'bench/minimal-page.ts',
  port: minimalPort,
  env: { NODE_ENV: 'production', PORT: String(minimalPort), BENCH_MINIMAL_DATABASE_URL: url },
});
const yardstick = makeClient(minimalPort);
await yardstick.request('POST', '/login');
const probeDb = new pg.Pool({ connectionString: url, max: 1 });

/** CPU seconds used so far by a process (utime + stime), 0 when it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
async function backendPids(): Promise<number[]> {
  const { rows } = await probeDb.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
  );
  return rows.map((r) => r.pid);
}
/** Requests per second and CPU milliseconds per request: the Node process and its PostgreSQL backends. */
async function measure(pid: number, target: string, cookie: string) {
  const before = new Map((await backendPids()).map((b) => [b, cpuSeconds(b)]));
  const node0 = cpuSeconds(pid);
  const result = (await autocannon({
    url: target,
    connections: 16,
    duration: seconds,
    headers: { cookie },
  })) as unknown as Answers;
  const node = cpuSeconds(pid) - node0;
  let db = 0;
  for (const b of await backendPids()) db += cpuSeconds(b) - (before.get(b) ?? 0);
  const n = Math.max(1, result.requests.total);
  return { result, nodeMs: (1000 * node) / n, dbMs: (1000 * db) / n };
}
const minimalCost = async () => measure(minimal.pid, `http://127.0.0.1:${minimalPort}/`, yardstick.cookieHeader());
let yard = await minimalCost();
console.log(
  `minimal page: ${yard.result.requests.average.toFixed(0)} req/s, CPU/request node ${yard.nodeMs.toFixed(2)} ms + db ${yard.dbMs.toFixed(2)} ms`,
);

for (const item of paths) {
  const [role, p] = item.split(':') as [string, string];
  const probe = await fetch(`http://127.0.0.1:${port}${p}`, {
    headers: { cookie: cookies[role] as string },
    redirect: 'manual',
  });
  const html = await probe.text();
  await writeFile(path.join(dir, `${role}${p.replaceAll('/', '_')}.html`), html);
  if (probe.status !== 200) console.log(`${item}: status ${probe.status} ${probe.headers.get('location') ?? ''}`);
  const { result, nodeMs, dbMs } = await measure(app.pid, `http://127.0.0.1:${port}${p}`, cookies[role] as string);
  const after = await minimalCost();
  const yardMs = (yard.nodeMs + yard.dbMs + after.nodeMs + after.dbMs) / 2;
  yard = after;
  console.log(
    `${item.padEnd(30)} ${result.requests.average.toFixed(0)} req/s  p50 ${result.latency.p50} ms  non2xx ${result.non2xx}  ${html.length} B  ` +
      `CPU/request node ${nodeMs.toFixed(2)} + db ${dbMs.toFixed(2)} ms → CPU share ${((100 * yardMs) / (nodeMs + dbMs)).toFixed(0)} %`,
  );
}
await app.stop();
await minimal.stop();
await probeDb.end();
await new Promise((r) => setTimeout(r, 1000));
const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
for (const f of files) {
  const profile = JSON.parse(await readFile(path.join(dir, f), 'utf8'));
  const self = new Map<string, number>();
  const dt = profile.timeDeltas as number[];
  const byId = new Map<number, { callFrame: { functionName: string; url: string; lineNumber: number } }>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const samples = profile.samples as number[];
  let totalTime = 0;
  samples.forEach((id, i) => {
    const n = byId.get(id);
    const cf = n?.callFrame;
    const key = `${cf?.functionName || '(anon)'} ${(cf?.url ?? '').replace(/.*node_modules\//, '').replace(/.*\/work\/main\//, '')}:${cf?.lineNumber}`;
    const t = dt[i] ?? 0;
    totalTime += t;
    self.set(key, (self.get(key) ?? 0) + t);
  });
  console.log(`\n${path.join(dir, f)} total ${(totalTime / 1e6).toFixed(1)} s`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 45))
    console.log(`${((100 * v) / totalTime).toFixed(1).padStart(5)}%  ${k}`);
}
process.exit(0);
