// Password reset by e-mail and e-mail verification. Every change is one transaction with its
// token, audit row and outbox row. No answer here says whether an address has an account: the
// routes show the same page whatever these functions find.
import { setTimeout as sleep } from 'node:timers/promises';
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AppError } from '../lib/errors.js';
import { hashPassword } from '../lib/password.js';
import { PASSWORD_RESET_TOPIC, queueAccountEmail, VERIFY_EMAIL_TOPIC } from './account-emails.js';
import { findToken, issueToken, useToken } from './user-tokens.js';

type Tx = Prisma.TransactionClient;

/**
 * A reset request for a real account writes a token and an e-mail (about 10 ms more than a
 * lookup that finds nothing); every request takes at least this long, so the answer's timing
 * does not tell whether the address has an account.
 */
const RESET_REQUEST_FLOOR_MS = 150;

/** Ends every session of the user: the new epoch refuses any cookie, the DELETE frees the rows. */
async function endSessions(tx: Tx, userId: number) {
  await tx.user.update({ where: { id: userId }, data: { sessionEpoch: { increment: 1 } } });
  await tx.$executeRaw`DELETE FROM "session" WHERE sess->'passport'->'user'->>'id' = ${String(userId)}`;
}

/** Issues a verification token and queues its e-mail, inside the caller's transaction. */
export async function queueEmailVerification(tx: Tx, ctx: Pick<AppContext, 'env'>, userId: number): Promise<void> {
  const token = await issueToken(tx, userId, 'EMAIL_VERIFICATION');
  await queueAccountEmail(tx, ctx.env, VERIFY_EMAIL_TOPIC, userId, token);
}

export function createAccountService(ctx: AppContext) {
  const { prisma } = ctx.db;

  return {
    /** Queues a reset link for an active account with this address; does nothing otherwise. */
    async requestPasswordReset(email: string): Promise<void> {
      const started = performance.now();
      try {
        const user = await prisma.user.findUnique({ where: { email }, select: { id: true, isActive: true } });
        if (!user?.isActive) return;
        await prisma.$transaction(async (tx) => {
          const token = await issueToken(tx, user.id, 'PASSWORD_RESET');
          await queueAccountEmail(tx, ctx.env, PASSWORD_RESET_TOPIC, user.id, token);
          await tx.auditLog.create({
            data: { actorId: null, action: 'user.requestPasswordReset', entityType: 'user', entityId: String(user.id) },
          });
        });
      } finally {
        await sleep(Math.max(0, RESET_REQUEST_FLOOR_MS - (performance.now() - started)));
      }
    },

    /** The account a reset link is for, or null when the link no longer works. */
    async resetTarget(token: unknown): Promise<{ email: string } | null> {
      const found = await findToken(prisma, token, 'PASSWORD_RESET');
      if (found.state !== 'valid') return null;
      return prisma.user.findFirst({ where: { id: found.userId, isActive: true }, select: { email: true } });
    },

    /**
     * Sets the new password, uses the token up and ends every session of the user. Following
     * the link also proves the address, so a client who never confirmed it is confirmed now.
     */
    async resetPassword(token: unknown, newPassword: string): Promise<void> {
      const passwordHash = await hashPassword(newPassword);
      await prisma.$transaction(async (tx) => {
        const found = await findToken(tx, token, 'PASSWORD_RESET');
        const user =
          found.state === 'valid'
            ? await tx.user.findFirst({
                where: { id: found.userId, isActive: true },
                select: { id: true, emailVerifiedAt: true },
              })
            : null;
        if (found.state !== 'valid' || !user || !(await useToken(tx, found.id))) {
          throw new AppError('NOT_FOUND', 'auth.reset.invalid');
        }
        await tx.user.update({
          where: { id: user.id },
          data: { passwordHash, ...(user.emailVerifiedAt ? {} : { emailVerifiedAt: new Date() }) },
        });
        await endSessions(tx, user.id);
        await tx.auditLog.create({
          data: {
            actorId: user.id,
            action: 'user.resetPasswordByEmail',
            entityType: 'user',
            entityId: String(user.id),
          },
        });
      });
    },

    /** `verified` on first use; `already` for a used link whose address is confirmed (a mail scanner may have opened it first). */
    async verifyEmail(token: unknown): Promise<'verified' | 'already' | 'invalid'> {
      return prisma.$transaction(async (tx) => {
        const found = await findToken(tx, token, 'EMAIL_VERIFICATION');
        if (found.state === 'invalid') return 'invalid';
        const user = await tx.user.findUnique({
          where: { id: found.userId },
          select: { id: true, emailVerifiedAt: true, isActive: true },
        });
        if (!user?.isActive) return 'invalid';
        if (found.state === 'used') return user.emailVerifiedAt ? 'already' : 'invalid';
        if (!(await useToken(tx, found.id))) return 'invalid';
        if (!user.emailVerifiedAt) {
          await tx.user.update({ where: { id: user.id }, data: { emailVerifiedAt: new Date() } });
          await tx.auditLog.create({
            data: { actorId: user.id, action: 'user.verifyEmail', entityType: 'user', entityId: String(user.id) },
          });
        }
        return 'verified';
      });
    },

    /** A new verification link for an active account still waiting for one; nothing otherwise. */
    async resendVerification(userId: number): Promise<void> {
      await prisma.$transaction(async (tx) => {
        const user = await tx.user.findFirst({
          where: { id: userId, isActive: true, emailVerifiedAt: null },
          select: { id: true },
        });
        if (!user) return;
        await queueEmailVerification(tx, ctx, user.id);
      });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
