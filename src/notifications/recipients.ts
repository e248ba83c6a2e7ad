// Who gets which e-mail for one outbox row, by the roles of LIFECYCLE.md. Never the actor
// themself (but for the confirmation of their own new ticket), only active users. Content is loaded here too, and only public content: a comment
// is read with `isInternal: false`, so an internal note, a rejection reason or a technician's
// unapproved proposal can never reach a message, whoever receives it. The one exception is an
// internal note quoted to the staff it mentions: that audience is checked here to hold only
// staff who can see the ticket, and the note is quoted only when every recipient is staff.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Role } from '../generated/prisma/enums.js';
import { isTicketAction, lifecycle } from '../tickets/ticket-lifecycle.js';
import { canSeeInternal, ticketScopeFor } from '../tickets/tickets.policy.js';
import { directResolvers } from './direct.js';

/** The kinds of e-mail; each has its strings under `emails.kinds.<kind>` and one template. */
export type EmailKind =
  | 'createdRequester'
  | 'createdSupport'
  | 'assigned'
  | 'solutionSubmitted'
  | 'resolved'
  | 'onHold'
  | 'closed'
  | 'reopened'
  | 'cancelled'
  | 'commentFromClient'
  | 'commentFromStaff'
  | 'mentioned'
  | 'passwordReset'
  | 'verifyEmail'
  | 'inboundRejected'
  | 'inboundTicketClosed';

export type Recipient = {
  /** Null for an address without an account (a reply to an inbound e-mail from a stranger). */
  userId: number | null;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  isDemo: boolean;
  kind: EmailKind;
  /** E-mail kinds the user turned off (User.emailOptOut); in-app notifications still arrive. */
  emailOptOut: string[];
};

export type NotificationContent = {
  /** Null for a message that is not about a ticket (account e-mails). */
  ticket: { number: number; subject: string } | null;
  /** A public comment to quote (a solution, a hold or cancel reason, a reply), or null. */
  quote: string | null;
  /** Where the button points when it is not the ticket (a password-reset link), or null. */
  link?: string | null;
};

export type Delivery = { content: NotificationContent; recipients: Recipient[] };

export type OutboxRow = {
  topic: string;
  ticketId: number | null;
  payload: Record<string, unknown>;
  createdAt: Date;
};

export const userSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  locale: true,
  isDemo: true,
  emailOptOut: true,
} as const;

/**
 * `evenTheActor`: the filing confirmation goes to the requester who filed it themself.
 * `staffWhoSeeIt`: only staff whose scope includes the ticket (for staff-only content).
 */
type Audience = {
  userIds?: (number | null | undefined)[];
  support?: boolean;
  kind: EmailKind;
  evenTheActor?: boolean;
  staffWhoSeeIt?: boolean;
};

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);
const numList = (value: unknown): number[] => (Array.isArray(value) ? value.map(num).filter((id) => id !== null) : []);

/** The audiences of one topic; `ticket` holds the people on the ticket now. */
function audiencesFor(
  topic: string,
  payload: Record<string, unknown>,
  ticket: { requesterId: number; assigneeId: number | null },
  actorRole: Role | null,
): Audience[] {
  const assigneeId = num(payload.assigneeId) ?? ticket.assigneeId;
  switch (topic) {
    case 'ticket.created':
      return [
        { userIds: [num(payload.requesterId) ?? ticket.requesterId], kind: 'createdRequester', evenTheActor: true },
        { support: true, kind: 'createdSupport' },
      ];
    case 'comment.public':
      if (actorRole === 'CLIENT') {
        return assigneeId !== null
          ? [{ userIds: [assigneeId], kind: 'commentFromClient' }]
          : [{ support: true, kind: 'commentFromClient' }];
      }
      return [{ userIds: [ticket.requesterId], kind: 'commentFromStaff' }];
    case 'comment.internal':
      return [{ userIds: numList(payload.mentionedUserIds), kind: 'mentioned', staffWhoSeeIt: true }];
    default: {
      // A lifecycle action: its record in the table says who hears about it (maybe nobody).
      const action = topic.startsWith('ticket.') ? topic.slice('ticket.'.length) : '';
      if (!isTicketAction(action)) return [];
      return lifecycle[action].notify.map((rule) =>
        rule.audience === 'support'
          ? { support: true, kind: rule.kind as EmailKind }
          : {
              userIds: [rule.audience === 'requester' ? ticket.requesterId : assigneeId],
              kind: rule.kind as EmailKind,
            },
      );
    }
  }
}

export async function resolveDelivery(prisma: PrismaClient, row: OutboxRow): Promise<Delivery | null> {
  const direct = directResolvers[row.topic];
  if (direct) return direct(prisma, row);
  if (row.ticketId === null) return null;
  const ticket = await prisma.ticket.findFirst({
    where: { id: row.ticketId, deletedAt: null },
    select: { id: true, number: true, subject: true, requesterId: true, assigneeId: true },
  });
  if (!ticket) return null;
  const actorId = num(row.payload.actorId);
  const actor = actorId ? await prisma.user.findUnique({ where: { id: actorId }, select: { role: true } }) : null;
  const audiences = audiencesFor(row.topic, row.payload, ticket, actor?.role ?? null);
  if (audiences.length === 0) return null;

  const recipients = new Map<number, Recipient>();
  for (const audience of audiences) {
    const ids = (audience.userIds ?? []).filter((id): id is number => typeof id === 'number');
    const users = [
      ...(ids.length > 0
        ? await prisma.user.findMany({ where: { id: { in: ids }, isActive: true }, select: userSelect })
        : []),
      ...(audience.support ? await supportStaff(prisma) : []),
    ];
    for (const user of users) {
      if ((user.id === actorId && !audience.evenTheActor) || recipients.has(user.id)) continue;
      if (audience.staffWhoSeeIt && !(await isStaffWhoSees(prisma, user.id, ticket.id))) continue;
      recipients.set(user.id, {
        userId: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        locale: user.locale,
        isDemo: user.isDemo,
        kind: audience.kind,
        emailOptOut: user.emailOptOut,
      });
    }
  }

  let quote: string | null = null;
  const commentId = num(row.payload.commentId);
  // A public comment written with the change (a reply, a solution, a hold or cancel reason).
  if (row.topic !== 'comment.internal' && commentId !== null) {
    const comment = await prisma.comment.findFirst({
      where: { id: commentId, ticketId: ticket.id, isInternal: false },
      select: { body: true },
    });
    quote = comment?.body ?? null;
  } else if (
    row.topic === 'comment.internal' &&
    commentId !== null &&
    recipients.size > 0 &&
    [...recipients.values()].every((recipient) => canSeeInternal(recipient))
  ) {
    const comment = await prisma.comment.findFirst({
      where: { id: commentId, ticketId: ticket.id, isInternal: true },
      select: { body: true },
    });
    quote = comment?.body ?? null;
  }
  return {
    content: { ticket: { number: ticket.number, subject: ticket.subject }, quote },
    recipients: [...recipients.values()],
  };
}

/** Re-checked at send time: a client, or staff who cannot open the ticket, never reads its notes. */
async function isStaffWhoSees(prisma: PrismaClient, userId: number, ticketId: number): Promise<boolean> {
  const user = await prisma.user.findUnique({
    where: { id: userId },
    select: { id: true, role: true, organizationId: true, isOrgManager: true, isActive: true },
  });
  if (!user?.isActive || !canSeeInternal(user)) return false;
  return (await prisma.ticket.count({ where: { AND: [{ id: ticketId }, ticketScopeFor(user)] } })) === 1;
}

/** Support staff; a small install with no support user has its admins do the job. */
async function supportStaff(prisma: PrismaClient) {
  const select = userSelect;
  const orderBy = { id: 'asc' } as const;
  const support = await prisma.user.findMany({ where: { role: 'SUPPORT', isActive: true }, select, orderBy });
  if (support.length > 0) return support;
  return prisma.user.findMany({ where: { role: 'ADMIN', isActive: true }, select, orderBy });
}
