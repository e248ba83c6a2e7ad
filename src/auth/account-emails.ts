// Account e-mails (password reset, address verification) go through the outbox like every other
// message: the caller queues one inside the transaction that issues the token, and the worker
// renders and sends it. They ignore the user's e-mail opt-outs: nobody can turn off their own
// password reset.
import type { Env } from '../config/env.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { DirectResolver } from '../notifications/direct.js';
import { enqueueNotification } from '../notifications/outbox.js';
import type { Delivery, EmailKind } from '../notifications/recipients.js';

export const PASSWORD_RESET_TOPIC = 'account.password_reset';
export const VERIFY_EMAIL_TOPIC = 'account.verify_email';

/** The site's public address, as the mail worker computes it. */
export function siteUrl(env: Pick<Env, 'BASE_URL' | 'PORT'>): string {
  return (env.BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
}

type Tx = Pick<Prisma.TransactionClient, 'outboxMessage' | '$executeRaw'>;

/** Queues the message with its full link (the worker has no request to build one from). */
export function queueAccountEmail(
  tx: Tx,
  env: Pick<Env, 'BASE_URL' | 'PORT'>,
  topic: typeof PASSWORD_RESET_TOPIC | typeof VERIFY_EMAIL_TOPIC,
  userId: number,
  token: string,
): Promise<void> {
  const path = topic === PASSWORD_RESET_TOPIC ? 'reset-password' : 'verify-email';
  return enqueueNotification(tx, topic, { userId, link: `${siteUrl(env)}/${path}/${token}` }, null);
}

function accountResolver(kind: EmailKind, options: { onlyUnverified?: boolean } = {}): DirectResolver {
  return async (prisma, rows) => {
    const wanted = rows.flatMap((row) => {
      const { userId, link } = row.payload;
      return typeof userId === 'number' && typeof link === 'string' ? [{ row, userId, link }] : [];
    });
    const deliveries = new Map<bigint, Delivery | null>();
    if (wanted.length === 0) return deliveries;
    const users = await prisma.user.findMany({
      where: {
        id: { in: wanted.map((w) => w.userId) },
        isActive: true,
        ...(options.onlyUnverified ? { emailVerifiedAt: null } : {}),
      },
      select: { id: true, email: true, name: true, role: true, locale: true, isDemo: true },
    });
    const byId = new Map(users.map((user) => [user.id, user]));
    for (const { row, userId, link } of wanted) {
      const user = byId.get(userId);
      deliveries.set(
        row.id,
        user
          ? {
              content: { ticket: null, quote: null, link },
              recipients: [{ ...user, userId: user.id, kind, emailOptOut: [] }],
            }
          : null,
      );
    }
    return deliveries;
  };
}

/** Registered with the mail worker by the composition root (src/mail-worker.ts). */
export const accountEmailResolvers: Record<string, DirectResolver> = {
  [PASSWORD_RESET_TOPIC]: accountResolver('passwordReset'),
  // Confirmed meanwhile (another link, or a password reset): the message has nothing to say.
  [VERIFY_EMAIL_TOPIC]: accountResolver('verifyEmail', { onlyUnverified: true }),
};
