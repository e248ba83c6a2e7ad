// The polite replies to inbound e-mail that could not be filed: to a stranger, to someone not
// allowed on the ticket they answered, or about a ticket that is no longer open (with its link,
// where they can reopen it). Queued through the outbox like every other message.
import type { DirectResolver } from '../notifications/direct.js';
import type { Delivery } from '../notifications/recipients.js';

export const INBOUND_REJECTED_TOPIC = 'inbound.rejected';

export type InboundReplyReason = 'unknownSender' | 'notAllowed' | 'ticketClosed';

const str = (value: unknown): string | null => (typeof value === 'string' && value.trim() ? value.trim() : null);

/** Registered with the mail worker by the composition root (src/mail-worker.ts). */
export const resolveInboundRejected: DirectResolver = async (prisma, rows) => {
  const deliveries = new Map<bigint, Delivery | null>();
  const wanted = rows.flatMap((row) => {
    const to = str(row.payload.to);
    return to ? [{ row, to }] : [];
  });
  if (wanted.length === 0) return deliveries;
  const accounts = await prisma.user.findMany({
    where: { email: { in: [...new Set(wanted.map((w) => w.to.toLowerCase()))] }, isActive: true },
    select: { id: true, email: true, name: true, role: true, locale: true, isDemo: true, emailOptOut: true },
  });
  const byEmail = new Map(accounts.map((account) => [account.email, account]));
  // Only a ticket the sender may see is named: the reply of a ticket-closed refusal.
  const closedTicketIds = wanted
    .filter((w) => w.row.payload.reason === 'ticketClosed' && w.row.ticketId !== null)
    .map((w) => w.row.ticketId as number);
  const tickets = new Map(
    closedTicketIds.length > 0
      ? (
          await prisma.ticket.findMany({
            where: { id: { in: closedTicketIds }, deletedAt: null },
            select: { id: true, number: true, subject: true },
          })
        ).map(({ id, number, subject }) => [id, { number, subject }])
      : [],
  );
  for (const { row, to } of wanted) {
    const account = byEmail.get(to.toLowerCase());
    const ticket =
      row.payload.reason === 'ticketClosed' && row.ticketId !== null ? (tickets.get(row.ticketId) ?? null) : null;
    const kind = ticket ? 'inboundTicketClosed' : 'inboundRejected';
    deliveries.set(row.id, {
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
    });
  }
  return deliveries;
};
