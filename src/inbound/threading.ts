// Which ticket an e-mail answers: a Message-ID of ours in In-Reply-To/References (the mail it
// replies to), an inbound message already filed on a ticket, or a `[TKT-1234]` tag in the subject.
import type { PrismaClient } from '../generated/prisma/client.js';
import { parseSubjectTag } from '../tickets/ticket-number.js';

export type ThreadTicket = { id: number; number: number; status: string };

/** The outbox ids of our own Message-IDs (`<outbox-<id>-<user>@<our host>>`) among `ids`. */
export function outboxIdsIn(ids: string[], baseUrl: string): bigint[] {
  const host = new URL(baseUrl).hostname.toLowerCase();
  const found: bigint[] = [];
  for (const id of ids) {
    const match = /^<?outbox-(\d{1,19})-\d{1,10}@([^>]+)>?$/i.exec(id.trim());
    if (match?.[1] && match[2]?.toLowerCase() === host) found.push(BigInt(match[1]));
  }
  return found;
}

export async function findThreadTicket(
  prisma: PrismaClient,
  mail: { subject: string; inReplyTo: string | null; references: string | string[] | null; baseUrl: string },
): Promise<ThreadTicket | null> {
  const refs = typeof mail.references === 'string' ? mail.references.split(/\s+/) : (mail.references ?? []);
  // The direct parent first, then the rest of the thread, newest first.
  const ids = [...new Set([mail.inReplyTo ?? '', ...[...refs].reverse()].map((id) => id.trim()).filter(Boolean))].slice(
    0,
    50,
  );
  const select = { id: true, number: true, status: true } as const;
  const live = { deletedAt: null };

  for (const outboxId of outboxIdsIn(ids, mail.baseUrl)) {
    const row = await prisma.outboxMessage.findUnique({ where: { id: outboxId }, select: { ticketId: true } });
    if (row?.ticketId == null) continue;
    const ticket = await prisma.ticket.findFirst({ where: { id: row.ticketId, ...live }, select });
    if (ticket) return ticket;
  }
  if (ids.length > 0) {
    // A reply to the client's own first message (or a copy of it sent to the help desk).
    const filed = await prisma.inboundEmail.findFirst({
      where: { messageId: { in: ids }, ticketId: { not: null } },
      orderBy: { id: 'desc' },
      select: { ticketId: true },
    });
    if (filed?.ticketId) {
      const ticket = await prisma.ticket.findFirst({ where: { id: filed.ticketId, ...live }, select });
      if (ticket) return ticket;
    }
  }
  const tagged = parseSubjectTag(mail.subject);
  if (tagged !== null) return prisma.ticket.findFirst({ where: { number: tagged, ...live }, select });
  return null;
}
