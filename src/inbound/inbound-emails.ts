// The polite replies to inbound e-mail that could not be filed: to a stranger, to someone not
// allowed on the ticket they answered, or about a ticket that is no longer open (with its link,
// where they can reopen it). Queued through the outbox like every other message.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Delivery, OutboxRow } from '../notifications/recipients.js';

export const INBOUND_REJECTED_TOPIC = 'inbound.rejected';

export type InboundReplyReason = 'unknownSender' | 'notAllowed' | 'ticketClosed';

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

export async function resolveInboundRejected(prisma: PrismaClient, row: OutboxRow): Promise<Delivery | null> {
  const to = str(row.payload.to);
  if (!to) return null;
  const account = await prisma.user.findFirst({
    where: { email: to.toLowerCase(), isActive: true },
    select: { id: true, name: true, role: true, locale: true, isDemo: true, emailOptOut: true },
  });
  // Only a ticket the sender may see is named: the reply of a ticket-closed refusal.
  const ticket =
    row.payload.reason === 'ticketClosed' && row.ticketId !== null
      ? await prisma.ticket.findFirst({
          where: { id: row.ticketId, deletedAt: null },
          select: { number: true, subject: true },
        })
      : null;
  const kind = ticket ? 'inboundTicketClosed' : 'inboundRejected';
  return {
    // The stranger's own subject line, so they know which of their mails this answers.
    content: { ticket, quote: ticket ? null : str(row.payload.subject), link: null },
    recipients: [
      {
        userId: account?.id ?? null,
        email: to,
        name: account?.name ?? str(row.payload.name) ?? to,
        role: account?.role ?? 'CLIENT',
        locale: account?.locale ?? str(row.payload.locale),
        isDemo: account?.isDemo ?? false,
        kind,
        emailOptOut: account?.emailOptOut ?? [],
      },
    ],
  };
}
