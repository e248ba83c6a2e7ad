// @mentions in internal notes: "@tecnico" (the part of a staff e-mail before the @) or the full
// address, "@tecnico@demo.local". Only active staff can be mentioned; an e-mail address written
// in the text ("tecnico@demo.local", no leading @) mentions nobody.
import type { Prisma } from '../generated/prisma/client.js';

/** A note cannot page the whole company. */
const MAX_MENTIONS = 20;

// Not after a letter, digit or address character, so the "@" inside an address starts nothing.
const mentionPattern = /(?<![\p{L}\p{N}._%+\-@])@([a-z0-9_][a-z0-9._+-]*(?:@[a-z0-9-]+(?:\.[a-z0-9-]+)+)?)/giu;

export type ParsedMentions = { emails: string[]; localParts: string[] };

export function parseMentions(body: string): ParsedMentions {
  const emails = new Set<string>();
  const localParts = new Set<string>();
  for (const match of body.matchAll(mentionPattern)) {
    // "@tecnico." at the end of a sentence: the dot is punctuation.
    const handle = (match[1] as string).toLowerCase().replace(/\.+$/, '');
    if (!handle) continue;
    (handle.includes('@') ? emails : localParts).add(handle);
    if (emails.size + localParts.size >= MAX_MENTIONS) break;
  }
  return { emails: [...emails], localParts: [...localParts] };
}

const staffRoles = ['SUPPORT', 'TECHNICIAN', 'ADMIN'] as const;

/**
 * The active staff a note mentions. A bare local part shared by two staff addresses is
 * ambiguous and mentions neither: the full address says who.
 */
export async function mentionedStaffIds(db: Pick<Prisma.TransactionClient, 'user'>, body: string): Promise<number[]> {
  const { emails, localParts } = parseMentions(body);
  if (emails.length === 0 && localParts.length === 0) return [];
  const candidates = await db.user.findMany({
    where: {
      isActive: true,
      role: { in: [...staffRoles] },
      // startsWith narrows the search; the exact comparison below decides (it may run as LIKE).
      OR: [{ email: { in: emails } }, ...localParts.map((local) => ({ email: { startsWith: `${local}@` } }))],
    },
    select: { id: true, email: true },
    orderBy: { id: 'asc' },
  });
  const ids = new Set<number>();
  for (const user of candidates) if (emails.includes(user.email)) ids.add(user.id);
  for (const local of localParts) {
    const owners = candidates.filter((user) => user.email.slice(0, user.email.lastIndexOf('@')) === local);
    if (owners.length === 1) ids.add((owners[0] as { id: number }).id);
  }
  return [...ids];
}
