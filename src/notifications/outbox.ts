// The one way to queue a notification: an outbox row written inside the caller's transaction,
// plus NOTIFYs that the listeners of every process receive the moment that transaction commits
// (PostgreSQL delivers NOTIFY only on commit, and drops it on rollback): one wakes the workers,
// one tells open ticket pages that the ticket changed.
import type { Prisma } from '../generated/prisma/client.js';

export const OUTBOX_CHANNEL = 'centinela_outbox';
/** Live events for open pages (see live.ts, which listens on both channels). */
export const LIVE_CHANNEL = 'centinela_live';

/** Changes a client's view of the ticket does not show: their live event goes to staff only. */
const staffOnlyTopics = new Set(['comment.internal', 'sla.warning', 'sla.breach', 'rule.notify']);

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
  if (ticketId !== null && typeof payload.number === 'number') {
    const event = {
      type: 'ticket',
      ticketId,
      number: payload.number,
      staffOnly: staffOnlyTopics.has(topic),
      actorId: typeof payload.actorId === 'number' ? payload.actorId : null,
    };
    await tx.$executeRaw`SELECT pg_notify(${LIVE_CHANNEL}, ${JSON.stringify(event)})`;
  }
}
