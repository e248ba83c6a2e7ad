// The admin's view of outgoing e-mail: the list (keyset, newest first), one message, and
// "retry" for a message the worker gave up on.
import type { AppContext } from '../context.js';
import type { EmailStatus } from '../generated/prisma/enums.js';
import { AppError, notFound } from '../lib/errors.js';

export const emailStatuses = ['QUEUED', 'SENT', 'FAILED', 'KEPT'] as const satisfies readonly EmailStatus[];

const listFields = {
  id: true,
  topic: true,
  toAddress: true,
  subject: true,
  status: true,
  attempts: true,
  lastError: true,
  createdAt: true,
  sentAt: true,
} as const;

export function createMailService(ctx: Pick<AppContext, 'db'>) {
  const { prisma } = ctx.db;
  return {
    /** Newest first; `after` is the id of the last message of the previous page. */
    async list(options: { status?: EmailStatus; after?: number; size?: number }) {
      const size = options.size ?? 25;
      const rows = await prisma.emailMessage.findMany({
        where: {
          ...(options.status ? { status: options.status } : {}),
          ...(options.after !== undefined ? { id: { lt: options.after } } : {}),
        },
        orderBy: { id: 'desc' },
        take: size + 1,
        select: listFields,
      });
      const items = rows.slice(0, size);
      const last = items.at(-1);
      return { items, nextAfter: rows.length > size && last ? last.id : null };
    },

    async get(id: number) {
      const message = await prisma.emailMessage.findUnique({ where: { id } });
      if (!message) throw notFound();
      return message;
    },

    /** Makes a failed message due again; the worker picks its outbox row up on its next tick. */
    async retry(id: number): Promise<void> {
      const message = await prisma.emailMessage.findUnique({ where: { id }, select: { status: true, outboxId: true } });
      if (!message) throw notFound();
      if (message.status !== 'FAILED') throw new AppError('CONFLICT', 'emails.outbox.notRetriable');
      await prisma.$transaction([
        prisma.emailMessage.update({ where: { id }, data: { status: 'QUEUED', attempts: 0 } }),
        prisma.outboxMessage.update({
          where: { id: message.outboxId },
          data: { sentAt: null, failedAt: null, attempts: 0, nextAttemptAt: new Date() },
        }),
      ]);
    },
  };
}

export type MailService = ReturnType<typeof createMailService>;
