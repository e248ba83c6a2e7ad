// Who gets which e-mail for the outbox rows of one batch, by the roles of LIFECYCLE.md. Never the
// actor themself (but for the e-mail confirming their own new ticket; their bell stays quiet),
// only active users. Content is loaded here too, and only public content: a comment is read with
// `isInternal: false`, so an internal note, a rejection reason or a technician's unapproved
// proposal can never reach a message, whoever receives it. The one exception is an internal note
// quoted to the staff it mentions: that audience is checked here to hold only staff who can see
// the ticket (the tickets policy's own scope, asked for the whole batch at once), and the note is quoted only when
// every recipient is staff.
//
// A batch costs a bounded number of statements whatever its size: tickets, people, support staff,
// the scope check and quoted comments are each loaded for every row at once, and the rules run in
// memory per row.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Role } from '../generated/prisma/enums.js';
import { isTicketAction, lifecycle } from '../tickets/ticket-lifecycle.js';
import { canSeeInternal, ticketScopeFor } from '../tickets/tickets.policy.js';
import type { DirectResolvers } from './direct.js';

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
  | 'slaWarning'
  | 'slaBreach'
  | 'ruleNotify'
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
  /** The person who made the change (only the filing confirmation reaches them): no bell for it. */
  isActor?: boolean;
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
  id: bigint;
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
export type Audience = {
  userIds?: (number | null | undefined)[];
  support?: boolean;
  /** Every active admin (an SLA breach). */
  admins?: boolean;
  kind: EmailKind;
  evenTheActor?: boolean;
  staffWhoSeeIt?: boolean;
};

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isInteger(value) ? value : null);
const numList = (value: unknown): number[] => (Array.isArray(value) ? value.map(num).filter((id) => id !== null) : []);

/** The audiences of one topic; `ticket` holds the people on the ticket now. */
export function audiencesFor(
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
    // SLA (src/sla/sla-sweep.ts): a warning to the technician and support; a breach to support, the
    // admins and the policy's escalation contact.
    case 'sla.warning':
      return [
        { userIds: [assigneeId], kind: 'slaWarning', staffWhoSeeIt: true },
        { support: true, kind: 'slaWarning' },
      ];
    case 'sla.breach':
      return [
        { support: true, kind: 'slaBreach' },
        { admins: true, kind: 'slaBreach' },
        { userIds: [num(payload.escalationUserId)], kind: 'slaBreach', staffWhoSeeIt: true },
      ];
    // An automation rule's "notify" (src/rules/): a named staff member who can see the ticket, or
    // a role's active members. Never the client: a named person is checked against the ticket's
    // staff scope like a mention.
    case 'rule.notify':
      return [
        { userIds: numList(payload.userIds), kind: 'ruleNotify', staffWhoSeeIt: true },
        { support: payload.role === 'SUPPORT', admins: payload.role === 'ADMIN', kind: 'ruleNotify' },
      ];
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

/** What the batch's rules need to know of a person (recipients, actors). */
const personSelect = { ...userSelect, isActive: true, organizationId: true, isOrgManager: true } as const;

type Person = {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  isDemo: boolean;
  emailOptOut: string[];
  isActive: boolean;
  organizationId: number | null;
  isOrgManager: boolean;
};

type TicketFacts = { id: number; number: number; subject: string; requesterId: number; assigneeId: number | null };

/** The outcome for each row: its delivery (null: nothing to send), or why it could not be worked out. */
export type Resolved = Map<bigint, { delivery: Delivery | null } | { error: unknown }>;

const pairKey = (userId: number, ticketId: number) => `${userId}:${ticketId}`;

/**
 * The deliveries of a batch of outbox rows. Rows of a registered direct topic go to their resolver
 * (all rows of a topic at once); ticket rows are worked out here with a fixed number of queries.
 */
export async function resolveDeliveries(
  prisma: PrismaClient,
  rows: OutboxRow[],
  direct: DirectResolvers = {},
): Promise<Resolved> {
  const resolved: Resolved = new Map();
  const byTopic = new Map<string, OutboxRow[]>();
  const ticketRows: OutboxRow[] = [];
  for (const row of rows) {
    if (direct[row.topic]) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
    else if (row.ticketId === null) resolved.set(row.id, { delivery: null });
    else ticketRows.push(row);
  }
  for (const [topic, topicRows] of byTopic) {
    // One topic's failure is its rows' failure (they are retried), not the batch's.
    try {
      const deliveries = await (direct[topic] as NonNullable<DirectResolvers[string]>)(prisma, topicRows);
      for (const row of topicRows) resolved.set(row.id, { delivery: deliveries.get(row.id) ?? null });
    } catch (error) {
      for (const row of topicRows) resolved.set(row.id, { error });
    }
  }
  if (ticketRows.length > 0) {
    for (const [id, delivery] of await resolveTicketDeliveries(prisma, ticketRows)) resolved.set(id, { delivery });
  }
  return resolved;
}

async function resolveTicketDeliveries(prisma: PrismaClient, rows: OutboxRow[]): Promise<Map<bigint, Delivery | null>> {
  const result = new Map<bigint, Delivery | null>();
  const ticketIds = [...new Set(rows.map((row) => row.ticketId as number))];
  const tickets = new Map<number, TicketFacts>(
    (
      await prisma.ticket.findMany({
        where: { id: { in: ticketIds }, deletedAt: null },
        select: { id: true, number: true, subject: true, requesterId: true, assigneeId: true },
      })
    ).map((ticket) => [ticket.id, ticket]),
  );

  // Everyone a row names (actor, requester, assignee, mentioned) or its ticket names, in one query.
  const personIds = new Set<number>();
  for (const row of rows) {
    const ticket = tickets.get(row.ticketId as number);
    if (!ticket) continue;
    for (const id of [num(row.payload.actorId), num(row.payload.requesterId), num(row.payload.assigneeId)]) {
      if (id !== null) personIds.add(id);
    }
    for (const id of numList(row.payload.mentionedUserIds)) personIds.add(id);
    for (const id of numList(row.payload.userIds)) personIds.add(id);
    const escalation = num(row.payload.escalationUserId);
    if (escalation !== null) personIds.add(escalation);
    personIds.add(ticket.requesterId);
    if (ticket.assigneeId !== null) personIds.add(ticket.assigneeId);
  }
  const people = new Map<number, Person>(
    personIds.size > 0
      ? (await prisma.user.findMany({ where: { id: { in: [...personIds] } }, select: personSelect })).map((u) => [
          u.id,
          u,
        ])
      : [],
  );

  type Plan = { row: OutboxRow; ticket: TicketFacts; actorId: number | null; audiences: Audience[] };
  const plans: Plan[] = [];
  for (const row of rows) {
    const ticket = tickets.get(row.ticketId as number);
    if (!ticket) {
      result.set(row.id, null);
      continue;
    }
    const actorId = num(row.payload.actorId);
    const actorRole = actorId !== null ? (people.get(actorId)?.role ?? null) : null;
    const audiences = audiencesFor(row.topic, row.payload, ticket, actorRole);
    if (audiences.length === 0) result.set(row.id, null);
    else plans.push({ row, ticket, actorId, audiences });
  }
  if (plans.length === 0) return result;

  const support = plans.some((plan) => plan.audiences.some((audience) => audience.support))
    ? await supportStaff(prisma)
    : [];
  const admins = plans.some((plan) => plan.audiences.some((audience) => audience.admins))
    ? await prisma.user.findMany({
        where: { role: 'ADMIN', isActive: true },
        select: personSelect,
        orderBy: { id: 'asc' },
      })
    : [];

  // Staff-only audiences (mentions): which of the named people may open which ticket.
  const scopePairs: { person: Person; ticketId: number }[] = [];
  for (const plan of plans) {
    for (const audience of plan.audiences) {
      if (!audience.staffWhoSeeIt) continue;
      for (const id of audience.userIds ?? []) {
        const person = typeof id === 'number' ? people.get(id) : undefined;
        if (person) scopePairs.push({ person, ticketId: plan.ticket.id });
      }
    }
  }
  const visible = await staffWhoSee(prisma, scopePairs);

  type Draft = { plan: Plan; recipients: Map<number, Recipient> };
  const drafts: Draft[] = plans.map((plan) => {
    const recipients = new Map<number, Recipient>();
    for (const audience of plan.audiences) {
      const ids = (audience.userIds ?? []).filter((id): id is number => typeof id === 'number');
      const named = ids.map((id) => people.get(id)).filter((p): p is Person => Boolean(p?.isActive));
      for (const user of [...named, ...(audience.support ? support : []), ...(audience.admins ? admins : [])]) {
        const isActor = user.id === plan.actorId;
        if ((isActor && !audience.evenTheActor) || recipients.has(user.id)) continue;
        if (audience.staffWhoSeeIt && !visible.has(pairKey(user.id, plan.ticket.id))) continue;
        recipients.set(user.id, {
          userId: user.id,
          email: user.email,
          name: user.name,
          role: user.role,
          locale: user.locale,
          isDemo: user.isDemo,
          kind: audience.kind,
          emailOptOut: user.emailOptOut,
          isActor,
        });
      }
    }
    return { plan, recipients };
  });

  const quotes = await quotesFor(prisma, drafts);
  for (const { plan, recipients } of drafts) {
    result.set(plan.row.id, {
      content: {
        ticket: { number: plan.ticket.number, subject: plan.ticket.subject },
        quote: quotes.get(plan.row.id) ?? null,
      },
      recipients: [...recipients.values()],
    });
  }
  return result;
}

/** The comment each row's message quotes: at most two queries for the whole batch. */
async function quotesFor(
  prisma: PrismaClient,
  drafts: { plan: { row: OutboxRow; ticket: TicketFacts }; recipients: Map<number, Recipient> }[],
): Promise<Map<bigint, string>> {
  const publicById: { rowId: bigint; commentId: number; ticketId: number }[] = [];
  const internalById: { rowId: bigint; commentId: number; ticketId: number }[] = [];
  for (const { plan, recipients } of drafts) {
    const { row, ticket } = plan;
    const commentId = num(row.payload.commentId);
    if (commentId === null) continue;
    if (row.topic !== 'comment.internal') {
      // A public comment written with the change (a reply, a solution, a hold or cancel reason).
      publicById.push({ rowId: row.id, commentId, ticketId: ticket.id });
    } else if (recipients.size > 0 && [...recipients.values()].every((recipient) => canSeeInternal(recipient))) {
      internalById.push({ rowId: row.id, commentId, ticketId: ticket.id });
    }
  }
  const quotes = new Map<bigint, string>();
  // Internal notes are asked for apart, and only for the rows whose every recipient is staff.
  for (const [wanted, isInternal] of [
    [publicById, false],
    [internalById, true],
  ] as const) {
    if (wanted.length === 0) continue;
    const comments = await prisma.comment.findMany({
      where: { id: { in: wanted.map((w) => w.commentId) }, isInternal },
      select: { id: true, ticketId: true, body: true },
    });
    const byId = new Map(comments.map((comment) => [comment.id, comment]));
    for (const w of wanted) {
      const comment = byId.get(w.commentId);
      if (comment && comment.ticketId === w.ticketId) quotes.set(w.rowId, comment.body);
    }
  }
  return quotes;
}

/**
 * Re-checked at send time: a client, or staff who cannot open the ticket, never reads its notes.
 * Set-based, asking the tickets policy's own `ticketScopeFor`: one query ORs, per person, "these
 * tickets, within this person's scope". A ticket found belongs to the one person who asked for it
 * in that query, so a query holds each ticket once; a second query is needed only for a ticket
 * whose notes mention two staff members in the same batch (a third for three, and so on).
 */
async function staffWhoSee(prisma: PrismaClient, pairs: { person: Person; ticketId: number }[]): Promise<Set<string>> {
  const rounds: Map<number, Person>[] = [];
  const asked = new Set<string>();
  for (const { person, ticketId } of pairs) {
    const key = pairKey(person.id, ticketId);
    if (!person.isActive || !canSeeInternal(person) || asked.has(key)) continue;
    asked.add(key);
    let round = rounds.find((r) => !r.has(ticketId));
    if (!round) {
      round = new Map();
      rounds.push(round);
    }
    round.set(ticketId, person);
  }
  const visible = new Set<string>();
  for (const round of rounds) {
    const byPerson = new Map<number, { person: Person; ticketIds: number[] }>();
    for (const [ticketId, person] of round) {
      const entry = byPerson.get(person.id) ?? { person, ticketIds: [] };
      entry.ticketIds.push(ticketId);
      byPerson.set(person.id, entry);
    }
    const seen = await prisma.ticket.findMany({
      where: {
        OR: [...byPerson.values()].map(({ person, ticketIds }) => ({
          AND: [{ id: { in: ticketIds } }, ticketScopeFor(person)],
        })),
      },
      select: { id: true },
    });
    for (const { id } of seen) {
      const person = round.get(id);
      if (person) visible.add(pairKey(person.id, id));
    }
  }
  return visible;
}

/** Support staff; a small install with no support user has its admins do the job. One query. */
async function supportStaff(prisma: PrismaClient): Promise<Person[]> {
  const staff = await prisma.user.findMany({
    where: { role: { in: ['SUPPORT', 'ADMIN'] }, isActive: true },
    select: personSelect,
    orderBy: { id: 'asc' },
  });
  const support = staff.filter((user) => user.role === 'SUPPORT');
  return support.length > 0 ? support : staff;
}
