// `npm run bench:outbox`: how fast the mail worker drains a backlog of notifications, and how many
// SQL statements each batch costs. The shape of issue 8's load test (40 staff, 200 clients): the
// tickets service walks BENCH_OUTBOX_TICKETS tickets through filing, an internal note mentioning
// the technician, assignment, replies both ways, a hold, a proposed solution, its approval and the
// client's confirmation, which leaves about ten outbox rows per ticket (2,000 by default) waiting.
// Then one worker drains them twice: with no SMTP server (messages kept) and into a real SMTP
// server on loopback (tests/helpers/smtp.ts). Each run reports the drain time, the rows per
// second and the statements per batch (pg's Client#query wrapped in this process).
//
// Database: a new database on the PostgreSQL server named by BENCH_DATABASE_URL or
// TEST_DATABASE_URL (created and dropped here). Never DATABASE_URL.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { createLocalStorage } from '../src/attachments/storage.js';
import { migrate } from '../src/bootstrap.js';
import { loadEnv } from '../src/config/env.js';
import type { AppContext } from '../src/context.js';
import { connectDatabase, type Database } from '../src/db/database.js';
import { hashPassword } from '../src/lib/password.js';
import { createAppMailWorker } from '../src/mail-worker.js';
import { createServices } from '../src/services.js';
import { SettingsService } from '../src/settings/settings.service.js';
import type { TicketAction } from '../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../src/tickets/tickets.policy.js';
import { startTestSmtp } from '../tests/helpers/smtp.js';
import { installQueryLog, queriesSoFar } from './query-recorder.js';

const serverUrl = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
const TICKETS = Number(process.env.BENCH_OUTBOX_TICKETS ?? 200);
const BATCH = process.env.BENCH_OUTBOX_BATCH ? Number(process.env.BENCH_OUTBOX_BATCH) : undefined;
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

type Person = Actor & { email: string };

async function seedPeople(db: Database) {
  const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
  const departments = await Promise.all(
    ['CCTV', 'Alarmas', 'Redes'].map((name) => db.prisma.department.create({ data: { name } })),
  );
  const category = await db.prisma.category.create({
    data: { name: 'Cámaras', departmentId: (departments[0] as { id: number }).id },
  });
  const organizations = await db.prisma.organization.createManyAndReturn({
    data: Array.from({ length: 20 }, (_, i) => ({ name: `Cliente ${i + 1} S.A.` })),
    select: { id: true },
  });
  // 40 staff: 6 support, 32 technicians, 2 admins; 200 clients in 20 organizations.
  const staffRole = (i: number) => (i < 6 ? 'SUPPORT' : i < 38 ? 'TECHNICIAN' : 'ADMIN') as Actor['role'];
  await db.prisma.user.createMany({
    data: [
      ...Array.from({ length: 40 }, (_, i) => ({
        email: `staff${i}@mesa.example`,
        name: `Staff ${i}`,
        role: staffRole(i),
        passwordHash,
        locale: (['es', 'en', 'pt_BR'] as const)[i % 3],
      })),
      ...Array.from({ length: 200 }, (_, i) => ({
        email: `client${i}@cliente.example`,
        name: `Client ${i}`,
        role: 'CLIENT' as const,
        passwordHash,
        organizationId: (organizations[i % organizations.length] as { id: number }).id,
        locale: (['es', 'en', 'pt_BR'] as const)[i % 3],
      })),
    ],
  });
  const users = await db.prisma.user.findMany({
    select: { id: true, role: true, organizationId: true, isOrgManager: true, email: true },
    orderBy: { id: 'asc' },
  });
  const of = (role: Actor['role']): Person[] => users.filter((u) => u.role === role);
  return { categoryId: category.id, support: of('SUPPORT'), techs: of('TECHNICIAN'), clients: of('CLIENT') };
}

async function fillOutbox(db: Database, ctx: AppContext, uploadDir: string) {
  const people = await seedPeople(db);
  const service = createServices(ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const step = async (actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) => {
    const { version } = await db.prisma.ticket.findUniqueOrThrow({ where: { number }, select: { version: true } });
    await service.transitionTicket(actor, number, action, { version, ...input } as never);
  };
  const pick = <T>(list: T[], i: number) => list[i % list.length] as T;
  // Ten tickets at a time: the order of rows in the outbox interleaves as under real load.
  for (let start = 0; start < TICKETS; start += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, TICKETS - start) }, async (_, k) => {
        const i = start + k;
        const client = pick(people.clients, i);
        const support = pick(people.support, i);
        const tech = pick(people.techs, i);
        const number = await service.create(
          client,
          {
            subject: `Cámara ${i} sin imagen`,
            description: 'Desde ayer.',
            categoryId: people.categoryId,
            priority: 'MEDIUM',
            requesterId: client.id,
          },
          [],
        );
        const techLocal = tech.email.slice(0, tech.email.indexOf('@'));
        await service.addComment(
          support,
          number,
          { body: `@${techLocal} revisar el NVR primero.`, internal: true },
          [],
        );
        await step(support, number, 'assign', {
          categoryId: people.categoryId,
          priority: 'HIGH',
          technicianId: tech.id,
          departmentId: null,
        });
        await step(tech, number, 'start');
        await service.addComment(support, number, { body: 'Estamos en ello.', internal: false }, []);
        await step(tech, number, 'hold', { reason: 'Necesitamos la clave del NVR.' });
        await service.addComment(client, number, { body: 'Está en la etiqueta.', internal: false }, []);
        await step(tech, number, 'submit_solution', { solution: 'Cambiamos el disco.' });
        await step(support, number, 'approve_solution', { message: 'Cambiamos el disco de grabación.' });
        await step(client, number, 'confirm', { rating: 5, comment: null });
      }),
    );
  }
}

async function drainOnce(label: string, worker: ReturnType<typeof createAppMailWorker>, db: Database) {
  const rows = await db.prisma.outboxMessage.count({ where: { sentAt: null, failedAt: null } });
  const perBatch: { claimed: number; statements: number }[] = [];
  const started = performance.now();
  for (;;) {
    const before = queriesSoFar();
    const result = await worker.runOnce();
    if (result.claimed === 0) break;
    perBatch.push({ claimed: result.claimed, statements: queriesSoFar() - before });
  }
  const seconds = (performance.now() - started) / 1000;
  const messages = await db.prisma.emailMessage.count();
  const bells = await db.prisma.notification.count();
  const statements = perBatch.map((b) => b.statements);
  const sizes = [...new Set(perBatch.map((b) => b.claimed))].join('/');
  console.log(
    `${label}: ${rows} outbox rows → ${messages} e-mails, ${bells} in-app notifications in ${seconds.toFixed(1)} s ` +
      `(${Math.round(rows / seconds)} rows/s); ${perBatch.length} batches of ${sizes} rows; statements per batch ` +
      `min ${Math.min(...statements)}, median ${statements.sort((a, b) => a - b)[Math.floor(statements.length / 2)]}, ` +
      `max ${Math.max(...statements)} (${(statements.reduce((a, b) => a + b, 0) / rows).toFixed(1)} per row); ` +
      `load average ${load()}.`,
  );
}

async function main() {
  if (!serverUrl) {
    console.error('Set BENCH_DATABASE_URL or TEST_DATABASE_URL to a PostgreSQL server.');
    return 2;
  }
  installQueryLog();
  const name = `centinela_outbox_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const target = new URL(serverUrl);
  target.pathname = `/${name}`;
  const db = connectDatabase({ url: target.toString(), poolSize: 10 });
  const dropDatabase = async () => {
    const cleanup = new pg.Client({ connectionString: serverUrl });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await cleanup.end();
  };
  // Interrupted (Ctrl-C, a timeout): the database goes anyway.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error('Interrupted; removing the benchmark database.');
      void dropDatabase().finally(() => process.exit(130));
    });
  }
  const uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-bench-outbox-'));
  const smtp = await startTestSmtp();
  try {
    const logger = pino({ level: 'silent' });
    await migrate(db, logger);
    const env = loadEnv({ NODE_ENV: 'production', LOG_LEVEL: 'silent', UPLOAD_DIR: uploadDir });
    const ctx = {
      env,
      db,
      logger,
      settings: new SettingsService(db.prisma),
      sessionSecret: randomBytes(32).toString('hex'),
    };
    console.log(`Outbox drain: ${TICKETS} tickets walked to closure; load average ${load()}.`);
    const filled = performance.now();
    await fillOutbox(db, ctx, uploadDir);
    console.log(`Outbox filled in ${((performance.now() - filled) / 1000).toFixed(1)} s.`);

    const options = BATCH ? { batchSize: BATCH } : {};
    const kept = createAppMailWorker(ctx, options);
    await drainOnce('No SMTP (kept)', kept, db);
    kept.close();

    // The same rows again, into an SMTP server.
    await db.prisma.emailMessage.deleteMany({});
    await db.prisma.notification.deleteMany({});
    await db.prisma.outboxMessage.updateMany({ data: { sentAt: null, attempts: 0, nextAttemptAt: new Date(0) } });
    const sending = createAppMailWorker({ ...ctx, env: { ...env, SMTP_URL: smtp.url } }, options);
    await drainOnce('SMTP on loopback', sending, db);
    sending.close();
    console.log(`SMTP server accepted ${smtp.received.length} e-mails.`);
    return 0;
  } finally {
    await smtp.close();
    await db.close();
    await dropDatabase();
    await rm(uploadDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(`Benchmark failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
