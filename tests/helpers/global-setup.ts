// Runs once before all test files: prepares a migrated template database.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { applyMigrations, listMigrationDirectories, migrationsDir } from '../../src/db/migrations.js';
import { serverUrl, templateName } from './database-names.js';

declare module 'vitest' {
  export interface ProvidedContext {
    dbMode: 'server' | 'embedded';
    dbTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const url = serverUrl();
  if (url) {
    // Names and SQL: a migration edited while it is being written gets a fresh template too.
    const migrations = await Promise.all(
      (await listMigrationDirectories()).map(
        async (dir) => `${dir.path}:${await readFile(path.join(migrationsDir, dir.path, 'migration.sql'), 'utf8')}`,
      ),
    );
    const template = templateName(migrations);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      // A template per migration set: reused across runs, rebuilt when migrations change.
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
      if (exists.rowCount === 0) {
        const building = `${template}_building_${process.pid}`;
        await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
        await admin.query(`CREATE DATABASE "${building}"`);
        const target = new URL(url);
        target.pathname = `/${building}`;
        await applyMigrations({ url: target.toString(), isEmbedded: false });
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`).catch(async (error) => {
          // Another run built it first.
          await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
          if (!String(error.message).includes('already exists')) throw error;
        });
      }
    } finally {
      await admin.end();
    }
    project.provide('dbMode', 'server');
    project.provide('dbTemplate', template);
    return;
  }

  const embedded = await startEmbeddedDatabase({ dataDir: null });
  const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
  await applyMigrations({ pool, isEmbedded: true });
  await pool.end();
  const dump = await embedded.db.dumpDataDir('none');
  await embedded.stop();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'centinela-test-'));
  const file = path.join(dir, 'template.tar');
  await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('dbMode', 'embedded');
  project.provide('dbTemplate', file);
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
