// Outbox topics that are not about a ticket (account e-mails, replies to inbound mail): each
// topic names the function that works out its messages. The features that own them (auth/,
// inbound/) export their resolvers, and the composition root hands them to the worker
// (src/mail-worker.ts), so notifications/ depends on no feature and the worker stays the only
// sender. A resolver takes every row of its topic in a batch at once: a few set-based queries
// whatever the batch's size.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Delivery, OutboxRow } from './recipients.js';

/** The delivery of each row, by row id; a row it leaves out (or maps to null) sends nothing. */
export type DirectResolver = (prisma: PrismaClient, rows: OutboxRow[]) => Promise<Map<bigint, Delivery | null>>;

export type DirectResolvers = Readonly<Record<string, DirectResolver>>;
