import type { Env } from './config/env.js';
import type { Database } from './db/database.js';
import type { Logger } from './lib/logger.js';
import type { SettingsService } from './settings/settings.service.js';

/** What every part of the app is built from: created once in server.ts (or a test). */
export type AppContext = {
  env: Env;
  db: Database;
  logger: Logger;
  settings: SettingsService;
  sessionSecret: string;
};
