// Credentials, registration and password changes. One message for unknown e-mail and wrong
// password (no account enumeration); throttled per IP and per account.
import type { AppContext } from '../context.js';
import { AppError, validationError } from '../lib/errors.js';
import { hashPassword, verifyPassword } from '../lib/password.js';
import { queueEmailVerification } from './account.service.js';
import type { TRegister } from './auth.schema.js';
import type { LoginThrottle } from './login-throttle.js';
import { type SessionUser, sessionUserSelect } from './session-user.js';

/**
 * The right password for an account whose address was never confirmed (a self-registered
 * client). Raised only after the password checked out, so it tells a stranger nothing.
 */
export class EmailNotVerifiedError extends AppError {
  constructor(readonly userId: number) {
    super('FORBIDDEN', 'auth.verify.required');
  }
}

export function createAuthService(ctx: AppContext, throttle: LoginThrottle) {
  const { prisma } = ctx.db;

  return {
    async verifyCredentials(input: { email: string; password: string; ip: string }): Promise<SessionUser> {
      const wait = await throttle.retryAfter(input.ip, input.email);
      if (wait > 0) {
        throw new AppError('RATE_LIMITED', 'auth.tooManyAttempts', { params: { minutes: Math.ceil(wait / 60) } });
      }
      const user = input.email
        ? await prisma.user.findUnique({
            where: { email: input.email },
            select: { ...sessionUserSelect, passwordHash: true, isActive: true, emailVerifiedAt: true },
          })
        : null;
      const ok = await verifyPassword(user?.passwordHash ?? null, input.password);
      if (!user || !ok || !user.isActive) {
        await throttle.recordFailure(input.ip, input.email);
        throw new AppError('UNAUTHENTICATED', 'auth.invalidCredentials');
      }
      await throttle.recordSuccess(input.email);
      // The one place that keeps an unconfirmed address out (every sign-in comes through here).
      if (!user.emailVerifiedAt) throw new EmailNotVerifiedError(user.id);
      await prisma.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
      const { passwordHash: _hash, isActive: _active, emailVerifiedAt: _verified, ...sessionUser } = user;
      return sessionUser;
    },

    /** The user behind a session, or null when deactivated or signed out everywhere since. */
    async loadSessionUser(id: number, epoch: number): Promise<SessionUser | null> {
      const user = await prisma.user.findUnique({ where: { id }, select: { ...sessionUserSelect, isActive: true } });
      if (!user?.isActive || user.sessionEpoch !== epoch) return null;
      const { isActive: _active, ...sessionUser } = user;
      return sessionUser;
    },

    /** A client who signs in once they follow the verification link this queues. */
    async register(input: TRegister, locale: 'es' | 'en' | 'pt_BR'): Promise<{ id: number; email: string }> {
      const settings = await ctx.settings.get();
      if (!settings.registrationEnabled) throw new AppError('FORBIDDEN', 'auth.registrationDisabled');
      const existing = await prisma.user.findUnique({ where: { email: input.email }, select: { id: true } });
      if (existing) throw validationError({ email: { key: 'validation.emailTaken' } });
      const passwordHash = await hashPassword(input.password);
      return prisma.$transaction(async (tx) => {
        // A self-registered client names their company; an existing one of that name is reused
        // only by an admin, so strangers cannot join someone else's organization.
        const organization = await tx.organization.create({
          data: { name: await uniqueOrganizationName(tx, input.organizationName), phone: input.phone ?? null },
        });
        const user = await tx.user.create({
          data: {
            email: input.email,
            name: input.name,
            phone: input.phone ?? null,
            role: 'CLIENT',
            passwordHash,
            locale,
            organizationId: organization.id,
            isOrgManager: true,
            emailVerifiedAt: null,
          },
          select: { id: true, email: true },
        });
        await tx.auditLog.create({
          data: { actorId: user.id, action: 'user.register', entityType: 'user', entityId: String(user.id) },
        });
        await queueEmailVerification(tx, ctx, user.id);
        return user;
      });
    },

    async changePassword(userId: number, input: { currentPassword: string; newPassword: string }): Promise<number> {
      const user = await prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
      if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
        throw validationError({ currentPassword: { key: 'validation.wrongPassword' } });
      }
      const passwordHash = await hashPassword(input.newPassword);
      // A new epoch ends the user's other sessions; the caller re-stamps the current one.
      const updated = await prisma.user.update({
        where: { id: userId },
        data: { passwordHash, sessionEpoch: { increment: 1 } },
        select: { sessionEpoch: true },
      });
      await prisma.auditLog.create({
        data: { actorId: userId, action: 'user.changePassword', entityType: 'user', entityId: String(userId) },
      });
      return updated.sessionEpoch;
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;

type Tx = Parameters<Parameters<AppContext['db']['prisma']['$transaction']>[0]>[0];

async function uniqueOrganizationName(tx: Tx, name: string): Promise<string> {
  for (let suffix = 1; ; suffix++) {
    const candidate = suffix === 1 ? name : `${name} (${suffix})`;
    const taken = await tx.organization.findUnique({ where: { name: candidate }, select: { id: true } });
    if (!taken) return candidate;
  }
}
