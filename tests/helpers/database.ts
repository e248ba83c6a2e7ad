// A fresh, migrated database for one test file.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { inject } from 'vitest';
import { connectDatabase, type Database } from '../../src/db/database.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';
import { serverUrl } from './database-names.js';

export type TestDatabase = Database & { url: string };

export async function createTestDatabase(): Promise<TestDatabase> {
  const template = inject('dbTemplate');
  if (inject('dbMode') === 'server') {
    const url = serverUrl() as string;
    const name = `centinela_t_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    await admin.end();
    const target = new URL(url);
    target.pathname = `/${name}`;
    const db = connectDatabase({ url: target.toString(), poolSize: 5 });
    return {
      ...db,
      url: target.toString(),
      async close() {
        await db.close();
        const cleanup = new pg.Client({ connectionString: url });
        await cleanup.connect();
        await cleanup.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await cleanup.end();
      },
    };
  }
  const dump = new Blob([await readFile(template)]);
  const embedded = await startEmbeddedDatabase({ dataDir: null, loadDataDir: dump });
  const db = connectDatabase({ url: embedded.url, poolSize: 1, embedded });
  return { ...db, url: embedded.url };
}
