// env → database → migrations → first run → createApp() → listen; signals. Nothing else.
import type { Server } from 'node:http';
import { createApp } from './app.js';
import { migrate, prepareFirstRun, resolveSessionSecret } from './bootstrap.js';
import { ConfigError, loadEnv } from './config/env.js';
import { openDatabase } from './db/database.js';
import { startJobs } from './jobs/scheduler.js';
import { createLogger } from './lib/logger.js';
import { createServices } from './services.js';
import { SettingsService } from './settings/settings.service.js';

const started = performance.now();
let env: ReturnType<typeof loadEnv>;
try {
  env = loadEnv();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(env.LOG_LEVEL);
const db = await openDatabase(env).catch((error: Error) => {
  logger.fatal({ err: error }, 'cannot open the database');
  console.error(`Cannot open the database: ${error.message}`);
  process.exit(1);
});
await migrate(db, logger).catch((error: Error) => {
  logger.fatal({ err: error }, 'cannot apply the database migrations');
  console.error(`Cannot apply the database migrations: ${error.message}`);
  process.exit(1);
});
const sessionSecret = await resolveSessionSecret(env);
const baseUrl = env.BASE_URL ?? `http://localhost:${env.PORT}`;
await prepareFirstRun({ env, db, baseUrl, print: (text) => console.log(text) });
const ctx = { env, db, logger, settings: new SettingsService(db.prisma), sessionSecret };
const services = createServices(ctx);
const app = createApp(ctx, { services });

const server: Server = app.listen(env.PORT, env.HOST, () => {
  logger.info(
    {
      url: baseUrl,
      database: db.isEmbedded ? 'embedded' : 'server',
      startupMs: Math.round(performance.now() - started),
    },
    'Centinela is listening',
  );
  console.log(
    `Centinela is running at ${baseUrl} (${db.isEmbedded ? 'embedded database in ' + env.DATA_DIR : 'PostgreSQL server'})`,
  );
});
// With MAIL_WORKER=separate the outbox is left to `npm run worker` processes.
const jobs = startJobs(
  env.MAIL_WORKER === 'separate' ? services.jobs.filter((job) => job.name !== 'mail') : services.jobs,
  logger,
  { db },
);
server.on('error', (error) => {
  logger.fatal({ err: error }, 'cannot listen');
  console.error(`Cannot listen on port ${env.PORT}: ${error.message}`);
  process.exit(1);
});

// Graceful shutdown: stop accepting, let requests finish, then close the pools.
let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  // Ends the live streams too, which would otherwise keep server.close() waiting.
  await services.live.close();
  server.close(async () => {
    await jobs.stop();
    await db.close().catch((error) => logger.error({ err: error }, 'error while closing the database'));
    process.exit(0);
  });
  server.closeIdleConnections();
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
