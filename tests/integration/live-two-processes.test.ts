// Scale-out: two app processes on one PostgreSQL database. A comment made through process A (this
// test process) reaches a browser's live stream held by process B (a real `src/server.ts` child
// process), and B's own worker delivers the bell notification. Sessions are shared too: the
// cookie from signing in on A is accepted by B. Needs a server database (embedded is one process).
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createServices } from '../../src/services.js';
import { createTestApp, sessionCookie, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { freePort, runTs } from '../helpers/processes.js';
import { openEventStream } from '../helpers/sse.js';

const isServer = inject('dbMode') === 'server';

let t: TestApp;
let processB: ChildProcess | undefined;
let baseB = '';
let uploadDir: string;
let output = '';

describe.runIf(isServer)('two app processes on one database', () => {
  beforeAll(async () => {
    uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-two-'));
    t = await createTestApp({ UPLOAD_DIR: uploadDir });
    const port = await freePort();
    baseB = `http://127.0.0.1:${port}`;
    processB = runTs('src/server.ts', {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: t.db.url,
      DATABASE_POOL_SIZE: '3',
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: baseB,
      SESSION_SECRET: t.ctx.sessionSecret,
      UPLOAD_DIR: uploadDir,
      DATA_DIR: uploadDir,
    });
    processB.stdout?.on('data', (chunk) => {
      output += String(chunk);
    });
    processB.stderr?.on('data', (chunk) => {
      output += String(chunk);
    });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const ready = await fetch(`${baseB}/readyz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ready) return;
      if (processB.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`process B did not start:\n${output}`);
  });

  afterAll(async () => {
    if (processB && processB.exitCode === null) {
      const exited = new Promise((resolve) => processB?.once('exit', resolve));
      processB.kill('SIGTERM');
      await exited;
    }
    await t?.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it('a comment through A reaches a live stream on B, and B shuts down cleanly with it open', async () => {
    const { prisma } = t.db;
    const clientUser = await createUser(prisma, { role: 'CLIENT', name: 'Clara Cliente' });
    const supportUser = await createUser(prisma, { role: 'SUPPORT', name: 'Sara Soporte' });
    const actor = (u: typeof clientUser) => ({
      id: u.id,
      role: u.role,
      organizationId: u.organizationId,
      isOrgManager: u.isOrgManager,
    });
    const tickets = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
    const number = await tickets.create(
      actor(clientUser),
      {
        subject: 'NVR sin grabar',
        description: 'Desde anoche.',
        categoryId: null,
        priority: 'HIGH',
        requesterId: clientUser.id,
      },
      [],
    );

    // Signed in on A; the session lives in PostgreSQL, so B knows the cookie.
    const stream = await openEventStream(
      `${baseB}/events?ticket=TKT-${number}`,
      await sessionCookie(t.app, clientUser.email),
    );
    expect(stream.status).toBe(200);
    const before = (await stream.next('unread', 15_000)) as { count: number };

    await tickets.addComment(actor(supportUser), number, { body: 'Un técnico va hoy.', internal: false }, []);
    expect(await stream.next('ticket', 15_000)).toEqual({ number });
    // B's worker was woken by the commit on A and recorded the client's notification.
    const after = (await stream.next('unread', 15_000)) as { count: number };
    expect(after.count).toBeGreaterThan(before.count);

    const exited = new Promise<number | null>((resolve) => processB?.once('exit', resolve));
    processB?.kill('SIGTERM');
    expect(await exited).toBe(0);
    stream.close();
  }, 60_000);
});
