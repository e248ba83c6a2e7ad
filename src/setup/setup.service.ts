// First administrator of a fresh server install. A one-time token printed on the console guards
// the page, so a stranger who reaches a new install first cannot take it over.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sessionUserSelect } from '../auth/session-user.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { AppError, validationError } from '../lib/errors.js';
import { hashPassword } from '../lib/password.js';

const tokenKey = 'setupTokenHash';
const sha256 = (value: string) => createHash('sha256').update(value).digest();

export async function adminExists(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.findFirst({ where: { role: 'ADMIN' }, select: { id: true } })) !== null;
}

/** Tokens printed by this many recent starts stay valid (two processes of a rolling start, restarts). */
const KEEP_TOKENS = 10;
const setupLock = 727001;

/** Hashes of the valid tokens, newest last (an older install stored a single hash as a string). */
function storedHashes(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((hash): hash is string => typeof hash === 'string') : [];
}

/**
 * A fresh token, added to those still valid; null when an admin already exists. Every process
 * prints the token it issued, so a token read from any process's log works: a second process
 * started beside the first (or a restart) must not void the token a person is about to type.
 */
export async function issueSetupToken(prisma: PrismaClient): Promise<string | null> {
  const token = randomBytes(18).toString('base64url');
  const issued = await prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${setupLock})) AS l`;
    if ((await tx.user.findFirst({ where: { role: 'ADMIN' }, select: { id: true } })) !== null) return false;
    const stored = await tx.setting.findUnique({ where: { key: tokenKey } });
    const value = [...storedHashes(stored?.value), sha256(token).toString('hex')].slice(-KEEP_TOKENS);
    await tx.setting.upsert({ where: { key: tokenKey }, create: { key: tokenKey, value }, update: { value } });
    return true;
  });
  return issued ? token : null;
}

export async function createFirstAdmin(
  prisma: PrismaClient,
  input: { token: string; name: string; email: string; password: string },
) {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    // Serializes concurrent attempts: only the first to commit creates the admin.
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(${setupLock})) AS l`;
    if ((await tx.user.findFirst({ where: { role: 'ADMIN' }, select: { id: true } })) !== null) {
      throw new AppError('CONFLICT', 'setup.alreadyDone');
    }
    const stored = await tx.setting.findUnique({ where: { key: tokenKey } });
    const given = sha256(input.token);
    const matches = storedHashes(stored?.value).some((hash) => {
      const expected = Buffer.from(hash, 'hex');
      return expected.length === 32 && timingSafeEqual(expected, given);
    });
    if (!matches) {
      throw validationError({ token: { key: 'validation.setupTokenInvalid' } });
    }
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, role: 'ADMIN', passwordHash, emailVerifiedAt: new Date() },
      select: sessionUserSelect,
    });
    await tx.setting.delete({ where: { key: tokenKey } });
    await tx.auditLog.create({
      data: { actorId: user.id, action: 'setup.firstAdmin', entityType: 'user', entityId: String(user.id) },
    });
    return user;
  });
}
