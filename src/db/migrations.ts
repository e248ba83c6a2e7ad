// Applies the migrations under prisma/migrations (Prisma's standard layout, recorded in
// `_prisma_migrations`), so `prisma migrate deploy` stays interchangeable with this.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { MigrationDirectory } from '@prisma/schema-engine-wasm';
import type pg from 'pg';
import { projectPath } from '../lib/paths.js';
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

/** Applies pending migrations; returns the names applied now (empty when up to date). */
export async function applyMigrations(pool: pg.Pool): Promise<string[]> {
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
