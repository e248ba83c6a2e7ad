// Part 3 of `npm run bench`: how long a notification takes from the action that causes it to a
// real SMTP server (smtp-server on loopback). The mail worker runs as inside the app: a job on its
// 2 s timer, woken by the outbox NOTIFY of each commit through the live hub's listener. Each sample: support posts a public reply through the tickets service;
// the clock stops when the SMTP server has accepted the client's e-mail carrying that reply.
// Two runs: one action at a time (each waits for its mail: the latency a user sees), and a burst
// of all actions at once (the worker's throughput and queueing).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createLocalStorage } from '../src/attachments/storage.js';
import { loadEnv } from '../src/config/env.js';
import type { Database } from '../src/db/database.js';
import { startJobs } from '../src/jobs/scheduler.js';
import { hashPassword } from '../src/lib/password.js';
import { createAppMailWorker } from '../src/mail-worker.js';
import { createLiveHub } from '../src/notifications/live.js';
import { mailJob } from '../src/notifications/worker.js';
import { createServices } from '../src/services.js';
import { SettingsService } from '../src/settings/settings.service.js';
import { type ReceivedMail, startTestSmtp } from '../tests/helpers/smtp.js';

export type LatencySummary = { label: string; samples: number; p50: number; p95: number; p99: number; max: number };

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number);

function summarize(label: string, values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    label,
    samples: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

export async function measureMailLatency(db: Database, samples: number): Promise<LatencySummary[]> {
  const smtp = await startTestSmtp();
  const uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-bench-mail-'));
  const env = loadEnv({ NODE_ENV: 'production', LOG_LEVEL: 'silent', SMTP_URL: smtp.url, UPLOAD_DIR: uploadDir });
  const ctx = {
    env,
    db,
    logger: pino({ level: 'silent' }),
    settings: new SettingsService(db.prisma),
    sessionSecret: randomBytes(32).toString('hex'),
  };
  const live = createLiveHub(db, ctx.logger);
  const worker = createAppMailWorker(ctx);
  const jobs = startJobs([mailJob(worker, live)], ctx.logger);
  try {
    const passwordHash = await hashPassword(randomBytes(12).toString('hex'));
    const organization = await db.prisma.organization.create({ data: { name: 'Bench mail org' } });
    const client = await db.prisma.user.create({
      data: {
        email: 'bench-client@example.test',
        name: 'Bench Client',
        role: 'CLIENT',
        passwordHash,
        organizationId: organization.id,
      },
    });
    const support = await db.prisma.user.create({
      data: { email: 'bench-support@example.test', name: 'Bench Support', role: 'SUPPORT', passwordHash },
    });
    const tickets = createServices(ctx, { storage: createLocalStorage(uploadDir) }).tickets;
    const clientActor = { id: client.id, role: client.role, organizationId: organization.id, isOrgManager: false };
    const supportActor = { id: support.id, role: support.role, organizationId: null, isOrgManager: false };
    const number = await tickets.create(
      clientActor,
      {
        subject: 'Bench: camera offline',
        description: 'Latency run.',
        categoryId: null,
        priority: 'MEDIUM',
        requesterId: client.id,
      },
      [],
    );
    // Let the filing's own mails go out (and the listener connect) before timing anything.
    await live.ready();
    const waiting = new Map<string, (mail: ReceivedMail) => void>();
    smtp.onMail = (mail) => {
      const marker = /bench-mark-\d+-\d+/.exec(mail.raw)?.[0];
      if (marker) waiting.get(marker)?.(mail);
    };
    const arrival = (marker: string) =>
      new Promise<ReceivedMail>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail for ${marker} within 30 s`)), 30_000);
        waiting.set(marker, (mail) => {
          clearTimeout(timer);
          waiting.delete(marker);
          resolve(mail);
        });
      });
    const reply = async (run: number, i: number) => {
      const marker = `bench-mark-${run}-${i}`;
      const arrived = arrival(marker);
      const started = performance.now();
      await tickets.addComment(supportActor, number, { body: `Reply ${marker}`, internal: false }, []);
      const mail = await arrived;
      return mail.at - started;
    };

    const warmup = Math.min(10, samples);
    for (let i = 0; i < warmup; i++) await reply(0, i);
    const oneByOne: number[] = [];
    for (let i = 0; i < samples; i++) oneByOne.push(await reply(1, i));
    const burst = await Promise.all(Array.from({ length: samples }, (_, i) => reply(2, i)));
    return [summarize('one at a time', oneByOne), summarize(`burst of ${samples}`, burst)];
  } finally {
    await live.close();
    await jobs.stop();
    await smtp.close();
    await rm(uploadDir, { recursive: true, force: true });
  }
}
