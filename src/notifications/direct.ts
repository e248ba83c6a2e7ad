// Outbox topics that are not about a ticket (account e-mails, replies to inbound mail): each
// topic names the function that works out its one message. Features register theirs here so
// the worker stays the only sender.
import { accountEmailResolvers } from '../auth/account-emails.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { INBOUND_REJECTED_TOPIC, resolveInboundRejected } from '../inbound/inbound-emails.js';
import type { Delivery, OutboxRow } from './recipients.js';

export type DirectResolver = (prisma: PrismaClient, row: OutboxRow) => Promise<Delivery | null>;

export const directResolvers: Record<string, DirectResolver> = {
  ...accountEmailResolvers,
  [INBOUND_REJECTED_TOPIC]: resolveInboundRejected,
};
