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

/** A fresh token (the previous one stops working); null when an admin already exists. */
export async function issueSetupToken(prisma: PrismaClient): Promise<string | null> {
  if (await adminExists(prisma)) return null;
  const token = randomBytes(18).toString('base64url');
  const value = sha256(token).toString('hex');
  await prisma.setting.upsert({ where: { key: tokenKey }, create: { key: tokenKey, value }, update: { value } });
  return token;
}

export async function createFirstAdmin(
  prisma: PrismaClient,
  input: { token: string; name: string; email: string; password: string },
) {
  const passwordHash = await hashPassword(input.password);
  return prisma.$transaction(async (tx) => {
    // Serializes concurrent attempts: only the first to commit creates the admin.
    await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(727001)) AS l`;
    if ((await tx.user.findFirst({ where: { role: 'ADMIN' }, select: { id: true } })) !== null) {
      throw new AppError('CONFLICT', 'setup.alreadyDone');
    }
    const stored = await tx.setting.findUnique({ where: { key: tokenKey } });
    const expected = typeof stored?.value === 'string' ? Buffer.from(stored.value, 'hex') : null;
    if (expected?.length !== 32 || !timingSafeEqual(expected, sha256(input.token))) {
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
