// Exclusive background jobs (auto-close, orphan files, the inbound mailbox) run in one process
// at a time: each run takes an advisory lock, and releases it when it ends, even when it fails.
// Two schedulers (or two locks) on one database stand for two app processes: each has its own
// connections, as separate processes do. On the embedded database (one process, one session)
// there is no lock, and an exclusive job must still run without waiting on itself.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createJobLock } from '../../src/jobs/locks.js';
import { type Job, startJobs } from '../../src/jobs/scheduler.js';
import { createLogger } from '../../src/lib/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const isServer = inject('dbMode') === 'server';
const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

async function advisoryLocks(): Promise<number> {
  const rows = await db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
  );
  return rows.rows[0]?.n ?? -1;
}

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

describe('exclusive jobs', () => {
  it('run, with their queries on the app’s pool (embedded: one connection, no deadlock)', async () => {
    let runs = 0;
    const job: Job = {
      name: 'test-exclusive-queries',
      everyMs: 50,
      exclusive: true,
      run: async () => {
        await db.prisma.$queryRaw`SELECT 1`;
        runs += 1;
      },
    };
    const jobs = startJobs([job], logger, { db });
    try {
      await until(() => runs >= 2);
    } finally {
      await jobs.stop();
    }
    if (isServer) expect(await advisoryLocks()).toBe(0);
  });

  it.runIf(isServer)('run in one of two processes at a time, each run on its own', async () => {
    let now = 0;
    let most = 0;
    let runs = 0;
    const job = (): Job => ({
      name: 'test-exclusive-overlap',
      everyMs: 30,
      exclusive: true,
      run: async () => {
        now += 1;
        most = Math.max(most, now);
        try {
          await db.prisma.$queryRaw`SELECT 1 AS slept FROM pg_sleep(0.1)`;
          runs += 1;
        } finally {
          now -= 1;
        }
      },
    });
    const first = startJobs([job()], logger, { db });
    const second = startJobs([job()], logger, { db });
    try {
      await until(() => runs >= 5);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }

    expect(most).toBe(1);
    expect(await advisoryLocks()).toBe(0);
  });

  it.runIf(isServer)('skip while another process holds the lock, which a failed run releases', async () => {
    const a = createJobLock(db.url, 1);
    const b = createJobLock(db.url, 1);
    try {
      let finish: (() => void) | undefined;
      const holding = a.run(
        'test-exclusive-skip',
        () =>
          new Promise<string>((resolve) => {
            finish = () => resolve('a');
          }),
      );
      // Running means the lock is held.
      await until(() => finish !== undefined);
      expect(await b.run('test-exclusive-skip', async () => 'b')).toEqual({ ran: false });
      // Another job is not held up by it.
      expect(await b.run('test-exclusive-other', async () => 'b')).toEqual({ ran: true, result: 'b' });
      finish?.();
      expect(await holding).toEqual({ ran: true, result: 'a' });
      expect(await b.run('test-exclusive-skip', async () => 'b')).toEqual({ ran: true, result: 'b' });

      await expect(a.run('test-exclusive-skip', () => Promise.reject(new Error('broken')))).rejects.toThrow('broken');
      expect(await advisoryLocks()).toBe(0);
      expect(await b.run('test-exclusive-skip', async () => 'b')).toEqual({ ran: true, result: 'b' });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
