// Rate limiters kept in PostgreSQL (rate-limiter-flexible's `rate_limit` table, created by the
// migrations), so every app process counts against the same limits.
import type pg from 'pg';
import { RateLimiterPostgres } from 'rate-limiter-flexible';

export function postgresLimiter(
  pool: pg.Pool,
  options: { keyPrefix: string; points: number; durationSeconds: number },
): RateLimiterPostgres {
  return new RateLimiterPostgres({
    storeClient: pool,
    storeType: 'pool',
    tableName: 'rate_limit',
    tableCreated: true,
    clearExpiredByTimeout: false,
    keyPrefix: options.keyPrefix,
    points: options.points,
    duration: options.durationSeconds,
  });
}
