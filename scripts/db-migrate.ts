// `npm run db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database.
// The server also does this at start; this command is for deploy pipelines and backups-first upgrades.
import { ConfigError, loadEnv } from '../src/config/env.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';

try {
  const env = loadEnv();
  const db = await openDatabase(env);
  try {
    const applied = await applyMigrations(db);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`);
  process.exit(1);
}
