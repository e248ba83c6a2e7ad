// Limits on requests that send an account e-mail (password reset, new verification link),
// shared by every app process (rate-limiter-flexible on PostgreSQL, like the login throttle):
// per IP against someone flooding many addresses, per account against flooding one inbox.
import type pg from 'pg';
import { type RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { postgresLimiter } from '../lib/rate-limit.js';

export type AccountThrottle = {
  /** Counts one request from this IP; seconds to wait when it is over the limit, else 0. */
  takeIp(ip: string): Promise<number>;
  /** Counts one request for this account key (an e-mail, a user id); seconds to wait, else 0. */
  takeAccount(key: string): Promise<number>;
};

export function createAccountThrottle(
  pool: pg.Pool,
  limits = { perIp: 20, perAccount: 3, ipWindowSeconds: 15 * 60, accountWindowSeconds: 60 * 60 },
): AccountThrottle {
  const byIp = postgresLimiter(pool, {
    keyPrefix: 'account_mail_ip',
    points: limits.perIp,
    durationSeconds: limits.ipWindowSeconds,
  });
  const byAccount = postgresLimiter(pool, {
    keyPrefix: 'account_mail_account',
    points: limits.perAccount,
    durationSeconds: limits.accountWindowSeconds,
  });
  const take = async (limiter: RateLimiterPostgres, key: string) => {
    try {
      await limiter.consume(key);
      return 0;
    } catch (rejection) {
      // consume() rejects with a RateLimiterRes once the limit is passed; anything else is a fault.
      if (rejection instanceof RateLimiterRes) return Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
      throw rejection;
    }
  };
  return {
    takeIp: (ip) => take(byIp, ip),
    takeAccount: (key) => take(byAccount, key.toLowerCase()),
  };
}
