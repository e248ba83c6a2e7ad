// The one way to queue a notification: an outbox row written inside the caller's transaction,
// plus a NOTIFY that wakes the workers of every process the moment that transaction commits
// (PostgreSQL delivers NOTIFY only on commit, and drops it on rollback).
import type { Prisma } from '../generated/prisma/client.js';

export const OUTBOX_CHANNEL = 'centinela_outbox';

type Tx = Pick<Prisma.TransactionClient, 'outboxMessage' | '$executeRaw'>;

export async function enqueueNotification(
  tx: Tx,
  topic: string,
  payload: Record<string, unknown>,
  ticketId: number | null = null,
): Promise<void> {
  await tx.outboxMessage.create({
    data: { kind: 'notification', topic, ticketId, payload: payload as Prisma.InputJsonValue },
  });
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
}
