// Applies the migrations under prisma/migrations (Prisma's standard layout, recorded in
// `_prisma_migrations`), so `prisma migrate deploy` stays interchangeable with this.
import { fork } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MigrationDirectory } from '@prisma/schema-engine-wasm';
import pg from 'pg';
import { projectPath } from '../lib/paths.js';
import type { MigrationReply } from './migration-process.js';
import { openSchemaEngine } from './schema-engine.js';

export const migrationsDir = projectPath('prisma', 'migrations');
const emptyFilter = { externalTables: [], externalEnums: [] };

export async function listMigrationDirectories(): Promise<MigrationDirectory[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8').then(
          (sql) => ({ tag: 'ok' as const, value: sql }),
          (error: Error) => ({ tag: 'error' as const, value: error.message }),
        ),
      },
    })),
  );
}

/**
 * Where migrations are applied (a `Database` is one): a server by its URL, or the embedded
 * database through its pool of one connection.
 */
export type MigrationTarget = { url: string; isEmbedded: false } | { pool: pg.Pool; isEmbedded: true };

// The session-level advisory lock Prisma's schema engine takes (and never releases) around
// applying migrations, so that only one process migrates at a time.
const migrationLockKey = 72707369;
// The engine gives up after 10 s waiting for that lock; a process that starts while another one is
// applying every migration to an empty database (or a long one) must wait longer than that.
const migrationLockWaitMs = 10 * 60_000;

/**
 * Applies pending migrations; returns the names applied now (empty when up to date). Safe with
 * several processes starting at once: whichever takes the lock first applies them, the others
 * wait for it and then find nothing to do. The lock is released when this returns or throws.
 */
export async function applyMigrations(target: MigrationTarget): Promise<string[]> {
  if (target.isEmbedded) {
    // PGlite is one session: another connection would be the same session, and the app's pool
    // is its only connection. Apply on it and drop the lock explicitly, success or failure.
    try {
      return await runSchemaEngine(target.pool);
    } finally {
      // Failing here means the connection is gone, and the session (with its lock) with it.
      await target.pool.query('SELECT pg_advisory_unlock_all()').catch(() => {});
    }
  }
  // A dedicated connection, closed when done: closing the session releases the lock, even if
  // the engine failed half-way, and the app's pool never holds a connection that holds it.
  const dedicated = new pg.Pool({ connectionString: target.url, max: 1, idleTimeoutMillis: 0 });
  dedicated.on('error', () => {});
  try {
    // Taken first, with our own patience; the engine's own request for it on the same session
    // then succeeds at once (advisory locks are re-entrant within a session).
    await dedicated.query(`SET lock_timeout = ${migrationLockWaitMs}`);
    await dedicated.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    await dedicated.query('SET lock_timeout = DEFAULT');
    return await runSchemaEngine(dedicated);
  } finally {
    await dedicated.end();
  }
}

/**
 * applyMigrations() on a server database, run in a child process that exits when done. The schema
 * engine is WebAssembly: once loaded, its compiled code and memory (15-20 MiB) stay in the process
 * for good, so the app, which needs it for a second at start, leaves it to a process that ends.
 * Same lock and same outcome as applyMigrations(); a failure rejects with the engine's message.
 */
export function applyMigrationsInChildProcess(url: string): Promise<string[]> {
  const self = fileURLToPath(import.meta.url);
  // migration-process.ts beside this file under tsx, migration-process.js in the build.
  const entry = path.join(path.dirname(self), `migration-process${path.extname(self)}`);
  // The same node options (tsx's loader, V8 flags), but never a second debugger on the same port.
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--inspect'));
  const child = fork(entry, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let answer: MigrationReply | undefined;
    child.on('message', (message: Partial<MigrationReply> | null) => {
      if (message?.migrations) answer = message as MigrationReply;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer?.migrations === 'applied') resolve(answer.applied);
      else if (answer?.migrations === 'failed') reject(new Error(answer.error));
      else reject(new Error(`the migration process ended (${signal ?? `exit code ${code}`}) without an answer`));
    });
    child.send({ url });
  });
}

async function runSchemaEngine(pool: pg.Pool): Promise<string[]> {
  const engine = await openSchemaEngine({ pool });
  try {
    const lockPath = path.join(migrationsDir, 'migration_lock.toml');
    const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
    const result = await engine.applyMigrations({
      migrationsList: {
        baseDir: migrationsDir,
        lockfile: { path: 'migration_lock.toml', content: lockContent },
        shadowDbInitScript: '',
        migrationDirectories: await listMigrationDirectories(),
      },
      filters: emptyFilter,
    });
    return result.appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/** Names of migrations on disk that the database has not finished applying. */
export async function pendingMigrations(pool: pg.Pool): Promise<string[]> {
  const onDisk = (await listMigrationDirectories()).map((dir) => dir.path);
  const table = await pool.query<{ exists: boolean }>(
    "SELECT to_regclass('public._prisma_migrations') IS NOT NULL AS exists",
  );
  if (!table.rows[0]?.exists) return onDisk;
  const applied = await pool.query<{ migration_name: string }>(
    'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const done = new Set(applied.rows.map((row) => row.migration_name));
  return onDisk.filter((name) => !done.has(name));
}
