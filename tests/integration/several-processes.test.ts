// Several real `src/server.ts` processes on one PostgreSQL database, started one after the other
// (a rolling deploy: the new one starts before the old one stops) and at the same moment on an
// empty database. Each must become ready, the migrations must be applied once, and no process
// may keep an advisory lock after its start (the migration lock once did, so a second process
// timed out waiting for it and never started). Needs a server database: embedded is one process.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { listMigrationDirectories } from '../../src/db/migrations.js';
import { jobLockClass } from '../../src/jobs/locks.js';
import { serverUrl } from '../helpers/database-names.js';
import { exitOf, freePort, runTs } from '../helpers/processes.js';

const isServer = inject('dbMode') === 'server';
const sessionSecret = 'several-processes-test-secret-0123456789abcdef';

type Running = { child: ChildProcess; base: string; output: () => string };

let dataDir: string;
const created: string[] = [];
const children: ChildProcess[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty database on the test server (no template: the processes must migrate it). */
async function emptyDatabase(): Promise<{ name: string; url: string }> {
  const name = `centinela_p_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  await admin((client) => client.query(`CREATE DATABASE "${name}"`));
  created.push(name);
  const url = new URL(serverUrl() as string);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

async function startServer(databaseUrl: string): Promise<Running> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = runTs('src/server.ts', {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    DATABASE_POOL_SIZE: '3',
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: base,
    SESSION_SECRET: sessionSecret,
    UPLOAD_DIR: path.join(dataDir, 'uploads'),
    DATA_DIR: dataDir,
  });
  children.push(child);
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  return { child, base, output: () => output };
}

/** Waits for `GET /readyz` to answer 200; fails with the process's output if it exits or stalls. */
async function ready(server: Running): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const status = await fetch(`${server.base}/readyz`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (server.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the process at ${server.base} did not become ready:\n${server.output()}`);
}

async function stop(server: Running): Promise<NodeJS.Signals | number | null> {
  const exited = exitOf(server.child);
  server.child.kill('SIGTERM');
  return exited;
}

/** Migrations recorded in the database, with how many times each was recorded. */
async function recordedMigrations(url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const rows = await client.query<{ migration_name: string; n: number }>(
      `SELECT migration_name, count(*)::int AS n FROM _prisma_migrations
        WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL GROUP BY migration_name`,
    );
    return Object.fromEntries(rows.rows.map((row) => [row.migration_name, row.n]));
  } finally {
    await client.end();
  }
}

/**
 * Advisory locks held on this database by any session (the processes' ones included), but for
 * those of a background job's run: one may be running right now, and it lets go when it ends.
 */
async function advisoryLocks(name: string): Promise<number> {
  return admin(async (client) => {
    const rows = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_locks
        WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = $1)
          AND NOT (objsubid = 2 AND classid = $2)`,
      [name, jobLockClass],
    );
    return rows.rows[0]?.n ?? -1;
  });
}

async function everyMigrationOnce(): Promise<Record<string, number>> {
  const onDisk = (await listMigrationDirectories()).map((dir) => dir.path);
  return Object.fromEntries(onDisk.map((name) => [name, 1]));
}

describe.runIf(isServer)('several app processes on one database', () => {
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-procs-'));
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all(children.map((child) => exitOf(child)));
    for (const name of created) {
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('started one after the other (a rolling deploy), both serve; the migrations ran once', async () => {
    const db = await emptyDatabase();
    const first = await startServer(db.url);
    await ready(first);
    // The first keeps running, as the old version does while the new one starts.
    const second = await startServer(db.url);
    await ready(second);

    expect(await recordedMigrations(db.url)).toEqual(await everyMigrationOnce());
    expect(await advisoryLocks(db.name)).toBe(0);
    // Both answer with the database: a request to each one's readiness check after the other's start.
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);

    expect(await stop(first)).toBe(0);
    expect((await fetch(`${second.base}/readyz`)).status).toBe(200);
    expect(await stop(second)).toBe(0);
  }, 420_000);

  it('a process whose migrations cannot run stops with the database’s error in one line', async () => {
    // The migrations run in a child process; its failure must reach the operator as before.
    const name = `centinela_missing_${process.pid}`;
    const url = new URL(serverUrl() as string);
    url.pathname = `/${name}`;
    const server = await startServer(url.toString());
    expect(await exitOf(server.child)).toBe(1);
    expect(server.output()).toContain(`Cannot apply the database migrations: database "${name}" does not exist`);
  }, 120_000);

  it('started at the same moment on an empty database, both serve; each migration applied once', async () => {
    const db = await emptyDatabase();
    const both = await Promise.all([startServer(db.url), startServer(db.url)]);
    await Promise.all(both.map((server) => ready(server)));

    expect(await recordedMigrations(db.url)).toEqual(await everyMigrationOnce());
    expect(await advisoryLocks(db.name)).toBe(0);

    expect(await Promise.all(both.map((server) => stop(server)))).toEqual([0, 0]);
  }, 420_000);
});
