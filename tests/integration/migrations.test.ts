import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  listMigrationDirectories,
  migrationsDir,
  pendingMigrations,
} from '../../src/db/migrations.js';
import { projectPath } from '../../src/lib/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.close();
});

describe('migrations', () => {
  it('applied a second time change nothing', async () => {
    const before = await db.pool.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    const applied = await applyMigrations(db);
    const after = await db.pool.query('SELECT count(*)::int AS n FROM _prisma_migrations');
    expect(applied).toEqual([]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect(await pendingMigrations(db.pool)).toEqual([]);
  });

  it('are all recorded as finished in Prisma’s standard table', async () => {
    const onDisk = (await listMigrationDirectories()).map((dir) => dir.path);
    const rows = await db.pool.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name',
    );
    expect(rows.rows.map((row) => row.migration_name)).toEqual(onDisk);
  });

  it('match the working schema (a forgotten `npm run db:migration` fails here)', async () => {
    const dirs = await listMigrationDirectories();
    const last = dirs.at(-1);
    expect(last).toBeDefined();
    const snapshot = await readFile(path.join(migrationsDir, last?.path ?? '', 'schema.prisma'), 'utf8');
    const working = await readFile(projectPath('prisma', 'schema.prisma'), 'utf8');
    expect(working).toBe(snapshot);
  });
});
