// Start-up steps shared by the server, the scripts and the tests.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from './config/env.js';
import type { AppContext } from './context.js';
import type { Database } from './db/database.js';
import { applyMigrations, applyMigrationsInChildProcess } from './db/migrations.js';
import { demoAccounts, isDatabaseEmpty, seedDemoData } from './demo/demo.service.js';
import { seedDemoTickets } from './demo/demo-tickets.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createServices } from './services.js';
import { SettingsService } from './settings/settings.service.js';
import { issueSetupToken } from './setup/setup.service.js';

/** A tickets service for start-up work (demo tickets), outside any request. */
/** The services outside a request (demo data, scripts): no jobs started. */
function servicesFor(env: Env, db: Database) {
  const ctx: AppContext = {
    env,
    db,
    logger: createLogger('silent'),
    settings: new SettingsService(db.prisma),
    sessionSecret: 'unused-outside-requests-unused-outside',
  };
  return createServices(ctx);
}

function ticketsServiceFor(env: Env, db: Database) {
  return servicesFor(env, db).tickets;
}

/** SESSION_SECRET, or one generated once and kept in DATA_DIR (so restarts keep sessions). */
export async function resolveSessionSecret(env: Env): Promise<string> {
  if (env.SESSION_SECRET) return env.SESSION_SECRET;
  const file = path.resolve(env.DATA_DIR, 'session-secret');
  const existing = await readFile(file, 'utf8').catch(() => '');
  if (existing.trim().length >= 32) return existing.trim();
  const secret = randomBytes(32).toString('hex');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * Pending migrations applied before the app serves. On a server database in a child process, so
 * the schema engine's memory leaves with it; the embedded database has one connection, the app's,
 * so there they are applied in this process.
 */
export async function migrate(db: Database, logger: Logger): Promise<void> {
  const applied = db.isEmbedded ? await applyMigrations(db) : await applyMigrationsInChildProcess(db.url);
  if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
}

/**
 * Demo data on an empty embedded database (or when SEED_DEMO is set); otherwise, while no
 * administrator exists, a one-time setup token. What a person must read goes to the console.
 */
export { servicesFor, ticketsServiceFor };

export async function prepareFirstRun(options: {
  env: Env;
  db: Database;
  baseUrl: string;
  print: (text: string) => void;
}) {
  const { env, db, baseUrl, print } = options;
  const seedDemo = (db.isEmbedded || env.SEED_DEMO) && (await isDatabaseEmpty(db.prisma));
  if (seedDemo) {
    const password = await seedDemoData(db.prisma, { password: env.DEMO_PASSWORD });
    const services = servicesFor(env, db);
    await seedDemoTickets(db.prisma, services.tickets, services.sla);
    print(
      [
        '',
        'Demo data created. Sign in at ' + `${baseUrl}/login with any of:`,
        ...demoAccounts.map((account) => `  ${account.email.padEnd(22)} (${account.role.toLowerCase()})`),
        env.DEMO_PASSWORD
          ? '  password: the value of DEMO_PASSWORD'
          : `  password: ${password}   <- shown only this once; set DEMO_PASSWORD to choose it`,
        'An administrator can remove the demo data from Settings.',
        '',
      ].join('\n'),
    );
    return;
  }
  const token = await issueSetupToken(db.prisma);
  if (token) {
    print(
      [
        '',
        'No administrator yet. Create the first one at:',
        `  ${baseUrl}/setup   with the one-time setup token: ${token}`,
        '(Each start prints a new token; those printed by the last starts keep working until the administrator exists.)',
        '',
      ].join('\n'),
    );
  }
}
