// Ticket numbers as people see them: "TKT-1234". The one place that knows the prefix and the
// pattern; pages, e-mail subjects, inbound threading and search all go through here.

export const TICKET_PREFIX = 'TKT-';

const numberPattern = /^(?:TKT-)?(\d{1,9})$/i;

export const formatTicketNumber = (number: number) => `${TICKET_PREFIX}${number}`;

/** `TKT-1234`, `tkt-1234` or `1234` → 1234; anything else → null. */
export function parseTicketNumber(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const match = numberPattern.exec(value.trim());
  return match ? Number(match[1]) : null;
}

/** The ticket page's path. */
export const ticketPath = (number: number) => `/tickets/${formatTicketNumber(number)}`;

/** The tag in an e-mail subject that threads a reply to its ticket: "[TKT-1234]". */
export const subjectTag = (number: number) => `[${formatTicketNumber(number)}]`;
const subjectTagPattern = /\[TKT-(\d{1,9})\]/i;
export function parseSubjectTag(subject: string): number | null {
  const match = subjectTagPattern.exec(subject);
  return match ? Number(match[1]) : null;
}
