// A real crash: `npm run worker` (scripts/worker.ts, its own process) is killed with SIGKILL the
// moment the SMTP server has accepted its first e-mail, before it can mark anything sent. A new
// worker then delivers the rest: every e-mail arrives, at most those in flight (one per pooled SMTP
// connection) twice, and a repeat carries the same Message-ID (so the receiving server drops it).
// Needs a server database.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { SMTP_CONNECTIONS } from '../../src/notifications/transport.js';
import { createServices } from '../../src/services.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { exitOf, runTs } from '../helpers/processes.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

const isServer = inject('dbMode') === 'server';

let t: TestApp;
let smtp: TestSmtp;
let uploadDir: string;
const children: ChildProcess[] = [];

function startWorker(): ChildProcess {
  const child = runTs(
    'scripts/worker.ts',
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.db.url,
      DATABASE_POOL_SIZE: '2',
      SMTP_URL: smtp.url,
      BASE_URL: 'https://help.example.test',
    },
    'inherit',
  );
  children.push(child);
  return child;
}

describe.runIf(isServer)('a worker process killed between sending and marking', () => {
  beforeAll(async () => {
    uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-kill-'));
    t = await createTestApp({ UPLOAD_DIR: uploadDir });
    smtp = await startTestSmtp();
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await smtp?.close();
    await t?.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('delivers every e-mail, at most those in flight twice, and then with the same Message-ID', async () => {
    const { prisma } = t.db;
    const client = await createUser(prisma, { role: 'CLIENT' });
    await createUser(prisma, { role: 'SUPPORT' });
    const tickets = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
    const actor = { id: client.id, role: client.role, organizationId: client.organizationId, isOrgManager: false };
    for (let i = 0; i < 6; i++) {
      await tickets.create(
        actor,
        {
          subject: `Alarma ${i} sin señal`,
          description: 'Panel offline.',
          categoryId: null,
          priority: 'HIGH',
          requesterId: client.id,
        },
        [],
      );
    }

    // The first accepted e-mail kills the worker right after the server's "250 OK" goes out.
    const first = startWorker();
    smtp.onMail = () => {
      smtp.onMail = undefined;
      setImmediate(() => first.kill('SIGKILL'));
    };
    expect(await exitOf(first)).toBe('SIGKILL');
    const accepted = smtp.received.length;
    expect(accepted).toBeGreaterThanOrEqual(1);
    const unsent = await prisma.outboxMessage.count({ where: { sentAt: null } });
    expect(unsent).toBeGreaterThan(0);

    // Ten minutes later the dead worker's lease has run out (here: made due now).
    await prisma.outboxMessage.updateMany({ where: { sentAt: null }, data: { nextAttemptAt: new Date(0) } });
    const second = startWorker();
    await expect
      .poll(() => prisma.outboxMessage.count({ where: { sentAt: null } }), { timeout: 30_000, interval: 200 })
      .toBe(0);
    second.kill('SIGTERM');
    expect(await exitOf(second)).toBe(0);

    const recorded = await prisma.emailMessage.findMany({ select: { messageId: true, status: true } });
    expect(recorded.length).toBe(12); // 6 confirmations to the client + 6 to support
    expect(recorded.every((m) => m.status === 'SENT')).toBe(true);
    const received = smtp.received.map((mail) => mail.messageId);
    expect(new Set(received)).toEqual(new Set(recorded.map((m) => m.messageId)));
    const duplicates = received.length - new Set(received).size;
    expect(duplicates).toBeLessThanOrEqual(SMTP_CONNECTIONS);
  }, 90_000);
});
