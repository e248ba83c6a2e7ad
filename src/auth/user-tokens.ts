// Single-use account tokens (password reset, e-mail verification). Only the SHA-256 of a token
// is stored: whoever reads the database cannot use a pending link. The raw token exists only in
// the link the user receives.
import { createHash, randomBytes } from 'node:crypto';
import type { Prisma } from '../generated/prisma/client.js';
import type { UserTokenPurpose } from '../generated/prisma/enums.js';

export const tokenLifetimeMs: Record<UserTokenPurpose, number> = {
  PASSWORD_RESET: 60 * 60_000,
  EMAIL_VERIFICATION: 48 * 60 * 60_000,
};

/** 32 random bytes in base64url are 43 characters; anything else is refused before a query. */
export const isTokenShaped = (value: unknown): value is string =>
  typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

type Tx = Pick<Prisma.TransactionClient, 'userToken'>;

/** A fresh token for the user; their older unused ones of the same purpose stop working. */
export async function issueToken(tx: Tx, userId: number, purpose: UserTokenPurpose, now = new Date()) {
  await tx.userToken.deleteMany({ where: { userId, purpose, usedAt: null } });
  const token = randomBytes(32).toString('base64url');
  await tx.userToken.create({
    data: {
      userId,
      purpose,
      tokenHash: hashToken(token),
      expiresAt: new Date(now.getTime() + tokenLifetimeMs[purpose]),
    },
  });
  return token;
}

export type TokenState =
  | { state: 'valid'; id: number; userId: number }
  | { state: 'used'; userId: number }
  | { state: 'invalid' };

/** What a link's token is now; expired, unknown and another purpose's tokens are all `invalid`. */
export async function findToken(
  tx: Tx,
  token: unknown,
  purpose: UserTokenPurpose,
  now = new Date(),
): Promise<TokenState> {
  if (!isTokenShaped(token)) return { state: 'invalid' };
  const row = await tx.userToken.findUnique({ where: { tokenHash: hashToken(token) } });
  if (!row || row.purpose !== purpose) return { state: 'invalid' };
  if (row.usedAt) return { state: 'used', userId: row.userId };
  if (row.expiresAt <= now) return { state: 'invalid' };
  return { state: 'valid', id: row.id, userId: row.userId };
}

/**
 * Marks a valid token used. The conditional update is the single-use guard: of two requests
 * racing with the same link, only one sees a count of 1.
 */
export async function useToken(tx: Tx, id: number, now = new Date()): Promise<boolean> {
  const { count } = await tx.userToken.updateMany({
    where: { id, usedAt: null, expiresAt: { gt: now } },
    data: { usedAt: now },
  });
  return count === 1;
}

const tokenInPath = /(\/(?:reset-password|verify-email)\/)[A-Za-z0-9_-]{20,}/g;

/** Request logs never carry a token: not in the URL, the route params or a Referer. */
export function redactTokensInRequestLog<T extends { url?: unknown; params?: unknown; headers?: unknown }>(req: T): T {
  const redact = (value: unknown) => (typeof value === 'string' ? value.replace(tokenInPath, '$1[redacted]') : value);
  // The serialized request shares `params` and `headers` with the live request: copy, never mutate.
  const headers = req.headers as Record<string, unknown> | undefined;
  const params = req.params as Record<string, unknown> | undefined;
  return Object.assign(req, {
    url: redact(req.url),
    ...(params && 'token' in params ? { params: { ...params, token: '[redacted]' } } : {}),
    ...(headers && typeof headers.referer === 'string'
      ? { headers: { ...headers, referer: redact(headers.referer) } }
      : {}),
  });
}
