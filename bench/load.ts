// `npm run bench:load`: a day's realistic load. Staff and clients at once (40 and 200 by default)
// for BENCH_LOAD_SECONDS (600), each a virtual user with its own session who signs in through the
// real login form, then clicks every ~3 s (randomised): 80 % reads (their home list, ticket pages,
// notifications, search) and 20 % writes through the real forms, parsed from the pages (CSRF
// token and the ticket's `version` included): clients file tickets and reply; support assigns,
// approves solutions, replies and adds internal notes; technicians start, hold, resume, submit
// solutions and comment. A 409 (a stale version, or an action another user's change made
// impossible) is a legitimate outcome, counted apart from errors. Every write carries a unique
// marker; at the end the database must hold every acknowledged write (lost writes = 0).
//
// The app runs as in production, in its own process (built and run as `npm start` does, or
// BENCH_APP=tsx; NODE_ENV=production) with its
// mail worker inside, sending through SMTP to a local smtp-server sink, so e-mails are really sent
// (BENCH_WORKER=process runs it only as `scripts/worker.ts`, its own process, with the app's
// MAIL_WORKER=separate). Every second the run
// samples the notification outbox ("OutboxMessage" rows neither sent nor failed): its backlog and
// the age of the oldest waiting row; and the app's RSS.
//
// Targets (issue 8): p95 < 300 ms, p99 < 1 s over all clicks; 0 errors; 0 lost writes; no outbox
// row waiting more than 30 s at any time; app RSS < 300 MiB.
//
// Database: a new database on the server named by BENCH_DATABASE_URL or TEST_DATABASE_URL
// (never DATABASE_URL), seeded with seed-tickets.ts at BENCH_TICKETS (10000), dropped at the end.
// Settings: BENCH_LOAD_SECONDS (600), BENCH_LOAD_STAFF (40), BENCH_LOAD_SUPPORT (10 of the staff;
// the rest are technicians), BENCH_LOAD_CLIENTS (200), BENCH_THINK_MS (3000, mean pause between
// clicks), BENCH_WRITE_PERCENT (20), BENCH_LOGIN_CONCURRENCY (4 sign-ins at a time before the
// clicking starts), BENCH_WORKER (app | process), BENCH_APP (dist | tsx, see lib.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../src/lib/password.js';
import { startTestSmtp } from '../tests/helpers/smtp.js';
import {
  type BenchDatabase,
  type Body,
  type Client,
  createBenchDatabase,
  type Form,
  freePort,
  intFromEnv,
  loadAverage,
  login,
  machine,
  makeClient,
  mib,
  type Proc,
  parseForms,
  percentile,
  prepareApp,
  printRows,
  type Reply,
  rssOf,
  sleep,
  startProcess,
  ticketLinks,
} from './lib.js';
import { seedTickets } from './seed-tickets.js';

const SECONDS = intFromEnv('BENCH_LOAD_SECONDS', 600, 10, 86_400);
const STAFF = intFromEnv('BENCH_LOAD_STAFF', 40, 2, 1_000);
const SUPPORT = intFromEnv('BENCH_LOAD_SUPPORT', Math.max(1, Math.round(STAFF / 4)), 1, STAFF - 1);
const CLIENTS = intFromEnv('BENCH_LOAD_CLIENTS', 200, 1, 5_000);
const TICKETS = intFromEnv('BENCH_TICKETS', 10_000, 1_000, 5_000_000);
const THINK_MS = intFromEnv('BENCH_THINK_MS', 3_000, 0, 600_000);
const WRITE_PERCENT = intFromEnv('BENCH_WRITE_PERCENT', 20, 0, 100);
const LOGIN_CONCURRENCY = intFromEnv('BENCH_LOGIN_CONCURRENCY', 4, 1, 64);
const WORKER = process.env.BENCH_WORKER === 'process' ? 'process' : 'app';
const TARGET = { p95: 300, p99: 1_000, outboxWaitSeconds: 30, rss: 300 * 1024 * 1024 };
const SEARCH_WORDS = ['alarma', 'cámara', 'impresora', 'vpn', 'portón', 'xilofonista'];

// ---- figures --------------------------------------------------------------------------------

const latencies = new Map<string, number[]>();
const errorsByClass = new Map<string, number>();
const conflictsByClass = new Map<string, number>();
const firstErrors: string[] = [];

function record(cls: string, ms: number) {
  const list = latencies.get(cls) ?? [];
  if (list.length === 0) latencies.set(cls, list);
  list.push(ms);
}
function countError(cls: string, what: string) {
  errorsByClass.set(cls, (errorsByClass.get(cls) ?? 0) + 1);
  if (firstErrors.length < 10) firstErrors.push(`${cls}: ${what}`);
}

type Write =
  | { kind: 'ticket'; marker: string }
  | { kind: 'comment'; marker: string }
  | { kind: 'action'; ticket: number; action: string; email: string };
const acknowledged: Write[] = [];
let markerSeq = 0;
const runId = randomBytes(3).toString('hex');
const marker = () => `[bl-${runId}-${++markerSeq}]`;

// ---- virtual users --------------------------------------------------------------------------

type Role = 'client' | 'support' | 'technician';
type Vu = { role: Role; email: string; client: Client; known: number[] };

const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];
const think = () => sleep(THINK_MS * (0.5 + Math.random()));

async function get(vu: Vu, cls: string, url: string): Promise<Reply | undefined> {
  try {
    const res = await vu.client.request('GET', url);
    record(cls, res.ms);
    if (res.status !== 200) {
      countError(cls, `GET ${url}: status ${res.status}`);
      return undefined;
    }
    return res;
  } catch (error) {
    countError(cls, `GET ${url}: ${(error as Error).message}`);
    return undefined;
  }
}

/** A form submission: true when acknowledged (a redirect), which the browser then follows. */
async function submit(vu: Vu, cls: string, form: Form, fields: [string, string][]): Promise<boolean> {
  const body: Body = form.multipart
    ? { type: 'multipart', fields }
    : { type: 'form', fields: Object.fromEntries(fields) };
  let res: Reply;
  try {
    res = await vu.client.request('POST', form.action, body);
  } catch (error) {
    countError(cls, `POST ${form.action}: ${(error as Error).message}`);
    return false;
  }
  record(cls, res.ms);
  if (res.status === 409) {
    conflictsByClass.set(cls, (conflictsByClass.get(cls) ?? 0) + 1);
    return false;
  }
  if (res.status !== 302 && res.status !== 303) {
    const message = /class="invalid-feedback[^"]*"[^>]*>([^<]*)</.exec(res.body)?.[1]?.trim();
    countError(cls, `POST ${form.action}: status ${res.status}${message ? ` (${message})` : ''}`);
    return false;
  }
  const location = String(res.headers.location ?? '').replace(/#.*$/, '');
  if (location.startsWith('/')) await get(vu, 'GET ticket page', location);
  return true;
}

/** The fields a person would send: hidden ones as they are, the text typed, a choice in each list. */
function fill(form: Form, text: Record<string, string>, choose: Record<string, string> = {}): [string, string][] {
  const fields: [string, string][] = Object.entries(form.hidden);
  for (const [name, select] of Object.entries(form.selects)) {
    const value = choose[name] ?? select.selected ?? pick(select.options);
    if (value) fields.push([name, value]);
  }
  for (const [name, current] of Object.entries(form.textareas)) fields.push([name, text[name] ?? current]);
  for (const [name, values] of Object.entries(form.radios)) fields.push([name, pick(values) as string]);
  return fields;
}

const home = (role: Role) => (role === 'client' ? '/tickets' : role === 'support' ? '/queue' : '/work');

async function list(vu: Vu, url: string, cls = 'GET home list') {
  const res = await get(vu, cls, url);
  if (res) {
    const found = ticketLinks(res.body);
    if (found.length > 0) vu.known = found;
  }
  return res;
}

async function ticketPage(vu: Vu, number?: number) {
  const n = number ?? pick(vu.known);
  if (n === undefined) return undefined;
  const res = await get(vu, 'GET ticket page', `/tickets/TKT-${n}`);
  return res ? { number: n, html: res.body } : undefined;
}

async function read(vu: Vu) {
  const r = Math.random();
  if (r < 0.35) {
    const url =
      vu.role === 'support'
        ? (pick(['/queue', '/queue?status=NEW', '/queue?assignee=none', '/queue?sort=newest']) as string)
        : home(vu.role);
    await list(vu, url);
  } else if (r < 0.75) await ticketPage(vu);
  else if (r < 0.9 || vu.role === 'technician') await get(vu, 'GET notifications', '/notifications');
  else {
    const word = encodeURIComponent(pick(SEARCH_WORDS) as string);
    await get(vu, 'GET search', `${vu.role === 'support' ? '/queue' : '/tickets'}?q=${word}`);
  }
}

const actionForm = (forms: Form[], action: string) => forms.find((f) => f.action.endsWith(`/actions/${action}`));
const commentForm = (forms: Form[]) => forms.find((f) => f.action.endsWith('/comments'));

async function comment(vu: Vu, page: { number: number; html: string }, internal: boolean): Promise<boolean> {
  const form = commentForm(parseForms(page.html));
  if (!form) return false;
  const mark = marker();
  const fields: [string, string][] = [
    ...Object.entries(form.hidden),
    ['body', `${mark} ${internal ? 'Nota interna' : 'Respuesta'} de carga: revisado, seguimos en contacto.`],
  ];
  if (internal && form.checkboxes.includes('internal')) fields.push(['internal', 'on']);
  if (await submit(vu, internal ? 'POST internal note' : 'POST reply', form, fields))
    acknowledged.push({ kind: 'comment', marker: mark });
  return true;
}

async function action(vu: Vu, page: { number: number; html: string }, name: string): Promise<boolean> {
  const form = actionForm(parseForms(page.html), name);
  if (!form) return false;
  const mark = marker();
  const text = Object.fromEntries(
    Object.entries(form.textareas).map(([field, current]) => [field, `${mark} ${current || 'Motivo de carga.'}`]),
  );
  const choose: Record<string, string> = {};
  for (const [field, select] of Object.entries(form.selects))
    if (!select.selected && select.options.length > 0) choose[field] = pick(select.options) as string;
  if (await submit(vu, `POST action ${name}`, form, fill(form, text, choose)))
    acknowledged.push({ kind: 'action', ticket: page.number, action: name, email: vu.email });
  return true;
}

async function newTicket(vu: Vu) {
  const res = await get(vu, 'GET new ticket form', '/tickets/new');
  const form = res && parseForms(res.body).find((f) => f.action === '/tickets');
  if (!form) return;
  const mark = marker();
  const fields = fill(form, {}).filter(([name]) => name !== 'subject' && name !== 'description');
  fields.push(['subject', `${mark} La cámara del acceso no graba`]);
  fields.push(['description', 'Ticket de la prueba de carga: desde ayer la cámara no guarda grabaciones.']);
  if (await submit(vu, 'POST new ticket', form, fields)) acknowledged.push({ kind: 'ticket', marker: mark });
}

async function write(vu: Vu) {
  const r = Math.random();
  if (vu.role === 'client') {
    if (r < 0.4) return newTicket(vu);
    const page = await ticketPage(vu);
    if (page && !(await comment(vu, page, false))) await list(vu, home(vu.role));
    return;
  }
  if (vu.role === 'support') {
    const wanted = r < 0.3 ? 'assign' : r < 0.5 ? 'approve_solution' : undefined;
    const status = wanted === 'assign' ? 'NEW' : wanted === 'approve_solution' ? 'PENDING_VALIDATION' : undefined;
    await list(vu, status ? `/queue?status=${status}` : '/queue');
    const page = await ticketPage(vu);
    if (!page) return;
    if (wanted && (await action(vu, page, wanted))) return;
    await comment(vu, page, Math.random() < 0.5);
    return;
  }
  // Technician: their own work list, then what the page allows.
  await list(vu, '/work');
  const page = await ticketPage(vu);
  if (!page) return;
  const forms = parseForms(page.html);
  const possible = ['start', 'hold', 'resume', 'submit_solution'].filter((a) => actionForm(forms, a));
  const chosen = Math.random() < 0.6 ? pick(possible) : undefined;
  if (chosen && (await action(vu, page, chosen))) return;
  await comment(vu, page, Math.random() < 0.3);
}

async function signIn(vu: Vu, password: string): Promise<boolean> {
  const t0 = performance.now();
  try {
    await login(vu.client, vu.email, password);
  } catch (error) {
    countError('sign-in', `${vu.email}: ${(error as Error).message}`);
    return false;
  }
  signInTimes.push(performance.now() - t0);
  return true;
}
const signInTimes: number[] = [];

async function clicks(vu: Vu, endAt: number) {
  // Users do not all click in the same second: each starts somewhere in its first pause.
  await sleep(Math.random() * THINK_MS);
  await list(vu, home(vu.role));
  while (Date.now() < endAt) {
    await think();
    if (Date.now() >= endAt) break;
    if (Math.random() * 100 < WRITE_PERCENT) await write(vu);
    else await read(vu);
  }
}

// ---- run ------------------------------------------------------------------------------------

type Running = { bench?: BenchDatabase; procs: Proc[]; dir?: string; stopSmtp?: () => Promise<void> };
const running: Running = { procs: [] };

async function stopRunning() {
  const procs = running.procs;
  running.procs = [];
  await Promise.all(procs.map((p) => p.stop()));
  await running.stopSmtp?.();
  running.stopSmtp = undefined;
  if (running.dir) await rm(running.dir, { recursive: true, force: true });
  running.dir = undefined;
  const bench = running.bench;
  running.bench = undefined;
  if (bench) {
    await bench.drop();
    console.log('Load database dropped.');
  }
}

async function main(): Promise<number> {
  console.log(
    `Centinela load run: ${STAFF} staff (${SUPPORT} support, ${STAFF - SUPPORT} technicians) and ${CLIENTS} clients ` +
      `for ${SECONDS} s, ~${THINK_MS} ms between clicks, ${100 - WRITE_PERCENT} % reads / ${WRITE_PERCENT} % writes, ` +
      `${TICKETS} tickets. Machine: ${machine()}.`,
  );
  const bench = await createBenchDatabase('centinela_load');
  running.bench = bench;
  const { prisma } = bench.db;
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  const adminId = (
    await prisma.user.create({
      data: { email: 'admin@load.bench.example', name: 'Admin Carga', role: 'ADMIN', passwordHash },
    })
  ).id;
  const seed = await seedTickets(bench.db, TICKETS, passwordHash, adminId, (line) => console.log(line));
  console.log(`Database: ${bench.label}; seeded (${seed.timings.join('; ')}).`);

  // Every staff member has an account of their own: the seed's, plus new ones in its departments.
  const staff = await prisma.user.findMany({
    where: { role: { in: ['SUPPORT', 'TECHNICIAN'] } },
    select: { email: true, role: true },
    orderBy: { id: 'asc' },
  });
  const departments = (await prisma.department.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
    (d) => d.id,
  );
  const have = (role: 'SUPPORT' | 'TECHNICIAN') => staff.filter((u) => u.role === role).length;
  const extra = (role: 'SUPPORT' | 'TECHNICIAN', wanted: number) =>
    Array.from({ length: Math.max(0, wanted - have(role)) }, (_, i) => ({
      email: `${role.toLowerCase()}-carga-${i + 1}@load.bench.example`,
      name: `${role === 'SUPPORT' ? 'Mesa de Ayuda' : 'Técnico'} Carga ${i + 1}`,
      role,
      passwordHash,
      emailVerifiedAt: new Date(),
    }));
  await prisma.user.createMany({ data: [...extra('SUPPORT', SUPPORT), ...extra('TECHNICIAN', STAFF - SUPPORT)] });
  const newTechnicians = await prisma.user.findMany({
    where: { role: 'TECHNICIAN', email: { endsWith: '@load.bench.example' } },
    select: { id: true },
  });
  await prisma.userDepartment.createMany({
    data: newTechnicians.map((u, i) => ({ userId: u.id, departmentId: departments[i % departments.length] as number })),
  });
  const people = await prisma.user.findMany({
    where: { role: { in: ['SUPPORT', 'TECHNICIAN', 'CLIENT'] } },
    select: { email: true, role: true },
    orderBy: { id: 'asc' },
  });
  const byRole = (role: string) => people.filter((u) => u.role === role).map((u) => u.email);
  const [supportEmails, technicianEmails, clientEmails] = [byRole('SUPPORT'), byRole('TECHNICIAN'), byRole('CLIENT')];

  const smtp = await startTestSmtp();
  running.stopSmtp = () => smtp.close();
  let mails = 0;
  smtp.onMail = () => {
    mails++;
    smtp.received.length = 0;
  };
  running.dir = await mkdtemp(path.join(os.tmpdir(), 'centinela-load-'));
  const port = await freePort();
  const env = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: bench.url,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    DATA_DIR: path.join(running.dir, 'data'),
    UPLOAD_DIR: path.join(running.dir, 'uploads'),
    LOG_LEVEL: 'info',
    SMTP_URL: smtp.url,
  };
  const build = await prepareApp();
  const app = await startProcess({
    name: 'app',
    script: build.script,
    tsx: build.tsx,
    nodeFlags: build.nodeFlags,
    nodeEnv: build.nodeEnv,
    port,
    readyPath: '/healthz',
    env: WORKER === 'process' ? { ...env, MAIL_WORKER: 'separate' } : env,
  });
  running.procs.push(app);
  let worker: Proc | undefined;
  if (WORKER === 'process') {
    // The worker serves no HTTP: readiness is its process being up a moment later.
    const workerPort = await freePort();
    worker = await startProcess({
      name: 'worker',
      script: build.tsx ? 'scripts/worker.ts' : 'dist/scripts/worker.js',
      tsx: build.tsx,
      nodeFlags: build.nodeFlags,
      nodeEnv: build.nodeEnv,
      port: port,
      env: { ...env, PORT: String(workerPort) },
    });
    running.procs.push(worker);
  }
  console.log(
    `App: ${build.label}, own process (pid ${app.pid}), mail worker ${WORKER === 'app' ? 'inside the app' : `in its own process only (pid ${worker?.pid}; the app runs with MAIL_WORKER=separate)`}, ` +
      `SMTP sink on ${smtp.url}. Load average ${loadAverage()}.`,
  );

  const vus: Vu[] = [];
  for (let i = 0; i < SUPPORT; i++)
    vus.push({
      role: 'support',
      email: supportEmails[i % supportEmails.length] as string,
      client: makeClient(port),
      known: [],
    });
  for (let i = 0; i < STAFF - SUPPORT; i++)
    vus.push({
      role: 'technician',
      email: technicianEmails[i % technicianEmails.length] as string,
      client: makeClient(port),
      known: [],
    });
  for (let i = 0; i < CLIENTS; i++)
    vus.push({
      role: 'client',
      email: clientEmails[i % clientEmails.length] as string,
      client: makeClient(port),
      known: [],
    });
  // Sign-ins first, a few at a time (argon2id is slow on purpose; a day's users sign in over
  // hours, not in one minute), then everyone clicks at once.
  const signInStarted = performance.now();
  const queue = [...vus];
  const signedIn: Vu[] = [];
  await Promise.all(
    Array.from({ length: LOGIN_CONCURRENCY }, async () => {
      for (let vu = queue.shift(); vu; vu = queue.shift()) if (await signIn(vu, password)) signedIn.push(vu);
    }),
  );
  const sortedSignIns = [...signInTimes].sort((a, b) => a - b);
  console.log(
    `${signedIn.length} of ${vus.length} users signed in through the login form in ${((performance.now() - signInStarted) / 1000).toFixed(0)} s ` +
      `(${LOGIN_CONCURRENCY} at a time; p50 ${percentile(sortedSignIns, 50).toFixed(0)} ms, p95 ${percentile(sortedSignIns, 95).toFixed(0)} ms per sign-in).`,
  );

  // Outbox, RSS and load average, every second.
  const outbox = { maxBacklog: 0, maxWaitSeconds: 0, samples: 0, overTarget: 0 };
  let peakRss = 0;
  let peakWorkerRss = 0;
  let peakLoad = 0;
  const started = Date.now();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssOf(app.pid));
    if (worker) peakWorkerRss = Math.max(peakWorkerRss, rssOf(worker.pid));
    peakLoad = Math.max(peakLoad, os.loadavg()[0] ?? 0);
    void bench.db.pool
      .query<{ n: number; age: number | null }>(
        `SELECT count(*)::int AS n, extract(epoch FROM (now() AT TIME ZONE 'UTC') - min("createdAt"))::float8 AS age
         FROM "OutboxMessage" WHERE "sentAt" IS NULL AND "failedAt" IS NULL`,
      )
      .then(({ rows }) => {
        const n = rows[0]?.n ?? 0;
        const age = Math.max(0, rows[0]?.age ?? 0);
        outbox.samples++;
        outbox.maxBacklog = Math.max(outbox.maxBacklog, n);
        outbox.maxWaitSeconds = Math.max(outbox.maxWaitSeconds, age);
        if (age > TARGET.outboxWaitSeconds) outbox.overTarget++;
      })
      .catch(() => {});
  }, 1_000);
  const progress = setInterval(() => {
    const clicks = [...latencies].reduce((n, [, l]) => n + l.length, 0);
    console.log(
      `  ${Math.round((Date.now() - started) / 1000)} s: ${clicks} requests, ${acknowledged.length} writes acknowledged, ` +
        `${[...errorsByClass.values()].reduce((a, b) => a + b, 0)} errors; outbox max backlog ${outbox.maxBacklog}, ` +
        `max wait ${outbox.maxWaitSeconds.toFixed(1)} s; app RSS ${mib(rssOf(app.pid))}; load average ${loadAverage()}`,
    );
  }, 60_000);

  const endAt = started + SECONDS * 1000;
  const loadAtStart = loadAverage();
  await Promise.all(signedIn.map((vu) => clicks(vu, endAt)));
  for (const vu of vus) vu.client.close();
  const loadAtEnd = loadAverage();
  clearInterval(progress);

  // Let the outbox drain (bounded), still sampling, then verify every acknowledged write.
  const drainStarted = Date.now();
  let backlog = -1;
  while (Date.now() - drainStarted < 120_000) {
    backlog = (
      await bench.db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM "OutboxMessage" WHERE "sentAt" IS NULL AND "failedAt" IS NULL',
      )
    ).rows[0]?.n as number;
    if (backlog === 0) break;
    await sleep(1_000);
  }
  const drainSeconds = (Date.now() - drainStarted) / 1000;
  clearInterval(sampler);
  const outboxRows = (
    await bench.db.pool.query<{ total: number; sent: number; failed: number }>(
      `SELECT count(*)::int AS total, count("sentAt")::int AS sent, count("failedAt")::int AS failed FROM "OutboxMessage"
       WHERE "createdAt" >= $1`,
      [new Date(started)],
    )
  ).rows[0];

  const found = new Set<string>();
  const markerOf = (text: string) => /\[bl-[0-9a-f]+-\d+\]/.exec(text)?.[0];
  for (const sql of [
    `SELECT "subject" AS t FROM "Ticket" WHERE "subject" LIKE '[bl-${runId}-%'`,
    `SELECT "body" AS t FROM "Comment" WHERE "body" LIKE '[bl-${runId}-%'`,
  ]) {
    for (const row of (await bench.db.pool.query<{ t: string }>(sql)).rows) {
      const m = markerOf(row.t);
      if (m) found.add(m);
    }
  }
  const events = new Map<string, number>();
  for (const row of (
    await bench.db.pool.query<{ number: number; action: string; email: string; n: number }>(
      `SELECT t."number", e."action", u."email", count(*)::int AS n
       FROM "TicketEvent" e JOIN "Ticket" t ON t."id" = e."ticketId" JOIN "User" u ON u."id" = e."actorId"
       WHERE e."createdAt" >= $1 AND e."action" IS NOT NULL GROUP BY 1, 2, 3`,
      [new Date(started)],
    )
  ).rows)
    events.set(`${row.number}/${row.action}/${row.email}`, row.n);
  let lost = 0;
  const lostExamples: string[] = [];
  const actionsWanted = new Map<string, number>();
  for (const w of acknowledged) {
    if (w.kind === 'action') {
      const key = `${w.ticket}/${w.action}/${w.email}`;
      actionsWanted.set(key, (actionsWanted.get(key) ?? 0) + 1);
    } else if (!found.has(w.marker)) {
      lost++;
      if (lostExamples.length < 5) lostExamples.push(`${w.kind} ${w.marker}`);
    }
  }
  for (const [key, n] of actionsWanted) {
    const have = events.get(key) ?? 0;
    if (have < n) {
      lost += n - have;
      if (lostExamples.length < 5) lostExamples.push(`action ${key}: ${n} acknowledged, ${have} in the database`);
    }
  }

  // ---- report ----
  const all: number[] = [];
  const rows: string[][] = [];
  for (const [cls, list] of [...latencies].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...list].sort((a, b) => a - b);
    all.push(...sorted);
    rows.push([
      cls,
      String(sorted.length),
      String(errorsByClass.get(cls) ?? 0),
      String(conflictsByClass.get(cls) ?? 0),
      ...[50, 95, 99].map((p) => percentile(sorted, p).toFixed(0)),
      (sorted.at(-1) ?? Number.NaN).toFixed(0),
    ]);
  }
  all.sort((a, b) => a - b);
  const errors = [...errorsByClass.values()].reduce((a, b) => a + b, 0);
  const conflicts = [...conflictsByClass.values()].reduce((a, b) => a + b, 0);
  const p95 = percentile(all, 95);
  const p99 = percentile(all, 99);
  rows.push([
    'all requests after sign-in',
    String(all.length),
    '',
    '',
    ...[50, 95, 99].map((p) => percentile(all, p).toFixed(0)),
    (all.at(-1) ?? Number.NaN).toFixed(0),
  ]);
  console.log('');
  console.log(
    `Load: ${signedIn.length} virtual users for ${SECONDS} s; ` +
      `${(all.length / SECONDS).toFixed(1)} requests/s; load average ${loadAtStart} at the start, ${loadAtEnd} at the end, peak 1-min ${peakLoad.toFixed(2)}.`,
  );
  printRows(['request class', 'requests', 'errors', '409', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], rows);
  if (firstErrors.length) console.log(`First errors: ${firstErrors.join(' | ')}`);
  const writes = acknowledged.length;
  console.log(
    `Writes acknowledged: ${writes} (tickets ${acknowledged.filter((w) => w.kind === 'ticket').length}, comments ${acknowledged.filter((w) => w.kind === 'comment').length}, ` +
      `actions ${acknowledged.filter((w) => w.kind === 'action').length}); found in the database: ${found.size} markers in tickets and comments, ` +
      `${[...events.values()].reduce((a, b) => a + b, 0)} action events since the start; conflicts (409) ${conflicts}; lost writes ${lost}${lostExamples.length ? ` (${lostExamples.join('; ')})` : ''}.`,
  );
  console.log(
    `Outbox: ${outboxRows?.total ?? 0} rows during the run, ${outboxRows?.sent ?? 0} sent, ${outboxRows?.failed ?? 0} failed; ` +
      `max backlog ${outbox.maxBacklog}, max wait of a waiting row ${outbox.maxWaitSeconds.toFixed(1)} s ` +
      `(over ${TARGET.outboxWaitSeconds} s in ${outbox.overTarget} of ${outbox.samples} samples); ` +
      `${backlog} still waiting ${drainSeconds.toFixed(0)} s after the load stopped; ${mails} e-mails reached the SMTP sink.`,
  );
  console.log(`App RSS: peak ${mib(peakRss)}${worker ? `; worker process peak ${mib(peakWorkerRss)}` : ''}.`);
  const verdicts: [string, boolean][] = [
    [`p95 ${p95.toFixed(0)} ms < ${TARGET.p95} ms`, p95 < TARGET.p95],
    [`p99 ${p99.toFixed(0)} ms < ${TARGET.p99} ms`, p99 < TARGET.p99],
    [`errors ${errors} = 0`, errors === 0],
    [`lost writes ${lost} = 0`, lost === 0],
    [
      `outbox max wait ${outbox.maxWaitSeconds.toFixed(1)} s ≤ ${TARGET.outboxWaitSeconds} s`,
      outbox.maxWaitSeconds <= TARGET.outboxWaitSeconds,
    ],
    [`app RSS ${mib(peakRss)} < ${mib(TARGET.rss)}`, peakRss < TARGET.rss],
  ];
  console.log('');
  for (const [label, ok] of verdicts) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
  await stopRunning();
  return errors > 0 || lost > 0 ? 1 : 0;
}

process.once('SIGINT', () => void stopRunning().finally(() => process.exit(130)));
process.once('SIGTERM', () => void stopRunning().finally(() => process.exit(143)));
main().then(
  (code) => process.exit(code),
  async (error: Error) => {
    console.error(`Load run failed: ${error.stack ?? error.message}`);
    await stopRunning().catch(() => {});
    process.exit(1);
  },
);
