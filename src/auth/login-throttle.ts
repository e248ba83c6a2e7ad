// Login throttling shared by every app process (rate-limiter-flexible on PostgreSQL):
// per IP against spraying, per account against guessing one password.

import type pg from 'pg';
import type { RateLimiterRes } from 'rate-limiter-flexible';
import { postgresLimiter } from '../lib/rate-limit.js';

export type LoginThrottle = {
  /** Seconds to wait if this IP or account is locked out now, else 0. */
  retryAfter(ip: string, email: string): Promise<number>;
  recordFailure(ip: string, email: string): Promise<void>;
  recordSuccess(email: string): Promise<void>;
};

export function createLoginThrottle(
  pool: pg.Pool,
  limits = { perIp: 30, perAccount: 8, windowSeconds: 15 * 60 },
): LoginThrottle {
  const byIp = postgresLimiter(pool, {
    keyPrefix: 'login_ip',
    points: limits.perIp,
    durationSeconds: limits.windowSeconds,
  });
  const byAccount = postgresLimiter(pool, {
    keyPrefix: 'login_account',
    points: limits.perAccount,
    durationSeconds: limits.windowSeconds,
  });
  const waitOf = (res: RateLimiterRes | null, limit: number) =>
    res && res.consumedPoints >= limit ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : 0;

  return {
    async retryAfter(ip, email) {
      const [ipRes, accountRes] = await Promise.all([byIp.get(ip), byAccount.get(email)]);
      return Math.max(waitOf(ipRes, limits.perIp), waitOf(accountRes, limits.perAccount));
    },
    async recordFailure(ip, email) {
      // consume() rejects once the limit is passed; that is the lock-out, not an error.
      await Promise.allSettled([byIp.consume(ip), byAccount.consume(email)]);
    },
    async recordSuccess(email) {
      await byAccount.delete(email);
    },
  };
}
