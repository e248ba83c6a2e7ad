// `npm run worker`: the e-mail worker as its own process, beside (or instead of) the one inside
// each app process. Several may run at once: claims use FOR UPDATE SKIP LOCKED.
import { ConfigError, loadEnv } from '../src/config/env.js';
import { openDatabase } from '../src/db/database.js';
import { startJobs } from '../src/jobs/scheduler.js';
import { createLogger } from '../src/lib/logger.js';
import { createAppMailWorker } from '../src/mail-worker.js';
import { createLiveHub } from '../src/notifications/live.js';
import { mailJob } from '../src/notifications/worker.js';
import { SettingsService } from '../src/settings/settings.service.js';

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
if (!env.DATABASE_URL) {
  // The embedded database belongs to the one app process, which already runs the worker.
  console.error(
    'The embedded database is used by the app process, which runs the worker itself. Set DATABASE_URL to run a separate worker.',
  );
  process.exit(2);
}
const logger = createLogger(env.LOG_LEVEL);
const db = await openDatabase(env);
const worker = createAppMailWorker({ env, db, logger, settings: new SettingsService(db.prisma) });
const live = createLiveHub(db, logger);
const jobs = startJobs([mailJob(worker, live)], logger);
logger.info({ smtp: Boolean(env.SMTP_URL) }, 'mail worker started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'mail worker stopping');
  await live.close();
  await jobs.stop();
  await db.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
