// The ticket page's read model: the ticket with everything shown beside it, what the viewer may do
// now (decided by the policy and the lifecycle table, never by the template), in a fixed number of
// statements whatever the number of comments.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import type { Channel, Priority, Role, TicketStatus } from '../generated/prisma/enums.js';
import { forbidden, notFound } from '../lib/errors.js';
import type { SettingsService } from '../settings/settings.service.js';
import { isFinal } from './ticket-statuses.js';
import { loadScoped } from './ticket-writes.js';
import {
  type Actor,
  allowedActions,
  canBrowseQueue,
  canEditClassification,
  canManageBin,
  canSeeInternal,
  commentRights,
  ticketScopeSql,
} from './tickets.policy.js';

type HeaderRow = {
  id: number;
  number: number;
  subject: string;
  description: string;
  status: TicketStatus;
  queueRank: number;
  priority: Priority;
  urgency: number;
  channel: Channel;
  categoryId: number | null;
  departmentId: number | null;
  requesterId: number;
  organizationId: number | null;
  assigneeId: number | null;
  createdById: number;
  solution: string | null;
  holdReason: string | null;
  onHoldSince: Date | null;
  onHoldSeconds: number;
  cancelReason: string | null;
  duplicateOfId: number | null;
  rating: number | null;
  ratingComment: string | null;
  version: number;
  firstResponseAt: Date | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  onSiteDueAt: Date | null;
  onSiteAt: Date | null;
  slaDueAt: Date | null;
  slaWarnAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  deletedAt: Date | null;
  deletedById: number | null;
  createdAt: Date;
  updatedAt: Date;
  categoryName: string | null;
  departmentName: string | null;
  organization: JsonOf<{ name: string; address: string | null; phone: string | null }> | null;
  requester: JsonOf<{ name: string; email: string; phone: string | null }>;
  assigneeName: string | null;
  /** An absence of the assignee covers now (UserAbsence): the page marks them "ausente". */
  assigneeAbsent: boolean;
  createdBy: JsonOf<{ name: string; role: Role }>;
  duplicateOfNumber: number | null;
  slaPolicyName: string | null;
};
/** A json_build_object column: parsed by the driver, or its text when a driver leaves JSON as a string. */
type JsonOf<T> = T | string;
const jsonOf = <T>(value: JsonOf<T>): T => (typeof value === 'string' ? (JSON.parse(value) as T) : value);
type CommentRow = {
  id: number;
  body: string;
  isInternal: boolean;
  createdAt: Date;
  /** A rule's comment: no author, the rule's name. */
  ruleName: string | null;
  authorId: number | null;
  authorName: string | null;
  authorRole: string | null;
};
type EventRow = {
  id: bigint | number;
  type: string;
  action: string | null;
  from: string | null;
  to: string | null;
  data: Prisma.JsonValue;
  isInternal: boolean;
  createdAt: Date;
  actorName: string | null;
};

type AttachmentRow = {
  id: number;
  commentId: number | null;
  originalName: string;
  size: number;
  mimeType: string;
  isInternal: boolean;
  createdAt: Date;
};

/** A json_agg column: parsed by the driver, or its text when a driver leaves JSON as a string. */
function jsonRows<T>(value: unknown): T[] {
  return (typeof value === 'string' ? JSON.parse(value) : (value ?? [])) as T[];
}

/** Timestamps inside JSON lose their type: `timestamp(3)` columns hold UTC, written without a zone. */
function utcDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
}

/** Named, not `t.*`: a wide column added later (a search vector) must not ride along on every page. */
const ticketColumns = Prisma.raw(
  [
    'id',
    'number',
    'subject',
    'description',
    'status',
    'queueRank',
    'priority',
    'urgency',
    'channel',
    'categoryId',
    'departmentId',
    'requesterId',
    'organizationId',
    'assigneeId',
    'createdById',
    'solution',
    'holdReason',
    'onHoldSince',
    'onHoldSeconds',
    'cancelReason',
    'duplicateOfId',
    'rating',
    'ratingComment',
    'version',
    'firstResponseAt',
    'firstResponseDueAt',
    'nextResponseDueAt',
    'resolutionDueAt',
    'onSiteDueAt',
    'onSiteAt',
    'slaDueAt',
    'slaWarnAt',
    'resolvedAt',
    'closedAt',
    'deletedAt',
    'deletedById',
    'createdAt',
    'updatedAt',
  ]
    .map((column) => `t."${column}"`)
    .join(', '),
);

/** An event's data as a client reads it: without the name of the rule that made the change. */
function withoutRuleName(data: Prisma.JsonValue): Prisma.JsonValue {
  if (!data || typeof data !== 'object' || Array.isArray(data) || !('rule' in data)) return data;
  const { rule: _rule, ...rest } = data;
  return rest;
}

/** `condition` unless the actor may read internal notes. */
const staffOnly = (actor: Actor, condition: Prisma.Sql) => (canSeeInternal(actor) ? Prisma.empty : condition);

function toTicket(row: HeaderRow) {
  const {
    categoryName,
    departmentName,
    organization,
    requester,
    assigneeName,
    assigneeAbsent,
    createdBy,
    duplicateOfNumber,
    ...ticket
  } = row;
  return {
    ...ticket,
    category: ticket.categoryId === null ? null : { id: ticket.categoryId, name: categoryName ?? '' },
    department: ticket.departmentId === null ? null : { id: ticket.departmentId, name: departmentName ?? '' },
    organization:
      ticket.organizationId === null || organization === null
        ? null
        : { id: ticket.organizationId, ...jsonOf(organization) },
    requester: { id: ticket.requesterId, ...jsonOf(requester) },
    assignee:
      ticket.assigneeId === null
        ? null
        : { id: ticket.assigneeId, name: assigneeName ?? '', isAbsent: assigneeAbsent === true },
    createdBy: { id: ticket.createdById, ...jsonOf(createdBy) },
    duplicateOf: duplicateOfNumber === null ? null : { number: duplicateOfNumber },
  };
}

export function createTicketPage(deps: { prisma: PrismaClient; settings: SettingsService }) {
  const { prisma } = deps;

  return {
    /**
     * `history: false` (the conversation tab) reads only the status events the conversation needs
     * (which note is a proposal, which message carried the solution), not one per comment.
     */
    async detail(actor: Actor, number: number, options: { history?: boolean } = {}) {
      const eventFilter =
        options.history === false
          ? Prisma.sql`AND e."type" = 'status' AND e."action" IN ('submit_solution', 'approve_solution', 'resolve_direct')`
          : Prisma.empty;
      // The ticket and everything shown beside it (comments, attachments, history) in ONE
      // statement, under the same scope as every load: a page costs one round trip to the
      // database whatever the number of comments. The lists come back as JSON arrays. Names are
      // looked up by scalar subqueries, not joins: eight joined tables cost PostgreSQL 2-5 ms of
      // join-order search per request (measured), a subquery by primary key next to nothing.
      const [rows, settings] = await Promise.all([
        prisma.$queryRaw<(HeaderRow & { comments: unknown; attachments: unknown; events: unknown })[]>`
          SELECT ${ticketColumns},
                 (SELECT c."name" FROM "Category" c WHERE c."id" = t."categoryId") AS "categoryName",
                 (SELECT d."name" FROM "Department" d WHERE d."id" = t."departmentId") AS "departmentName",
                 (SELECT json_build_object('name', o."name", 'address', o."address", 'phone', o."phone")
                    FROM "Organization" o WHERE o."id" = t."organizationId") AS "organization",
                 (SELECT json_build_object('name', r."name", 'email', r."email", 'phone', r."phone")
                    FROM "User" r WHERE r."id" = t."requesterId") AS "requester",
                 (SELECT a."name" FROM "User" a WHERE a."id" = t."assigneeId") AS "assigneeName",
                 EXISTS (SELECT 1 FROM "UserAbsence" ab
                          WHERE ab."userId" = t."assigneeId" AND ab."endsAt" > now() AND ab."startsAt" <= now()
                        ) AS "assigneeAbsent",
                 (SELECT json_build_object('name', cb."name", 'role', cb."role")
                    FROM "User" cb WHERE cb."id" = t."createdById") AS "createdBy",
                 (SELECT dup."number" FROM "Ticket" dup WHERE dup."id" = t."duplicateOfId") AS "duplicateOfNumber",
                 (SELECT sp."name" FROM "SlaPolicy" sp WHERE sp."id" = t."slaPolicyId") AS "slaPolicyName",
                 (SELECT coalesce(json_agg(x ORDER BY x."createdAt", x."id"), '[]')
                    FROM (SELECT cm."id", cm."body", cm."isInternal", cm."createdAt", cm."ruleName",
                                 u."id" AS "authorId", u."name" AS "authorName", u."role"::text AS "authorRole"
                            FROM "Comment" cm LEFT JOIN "User" u ON u."id" = cm."authorId"
                           WHERE cm."ticketId" = t."id" ${staffOnly(actor, Prisma.sql`AND cm."isInternal" = false`)}) x
                 ) AS "comments",
                 (SELECT coalesce(json_agg(x ORDER BY x."id"), '[]')
                    FROM (SELECT f."id", f."commentId", f."originalName", f."size", f."mimeType", f."isInternal", f."createdAt"
                            FROM "Attachment" f
                           WHERE f."ticketId" = t."id" ${staffOnly(actor, Prisma.sql`AND f."isInternal" = false`)}) x
                 ) AS "attachments",
                 (SELECT coalesce(json_agg(x ORDER BY x."createdAt", x."id"), '[]')
                    FROM (SELECT e."id", e."type", e."action", e."from", e."to", e."data", e."isInternal", e."createdAt",
                                 u."name" AS "actorName"
                            FROM "TicketEvent" e LEFT JOIN "User" u ON u."id" = e."actorId"
                           WHERE e."ticketId" = t."id" ${eventFilter} ${staffOnly(actor, Prisma.sql`AND e."isInternal" = false`)}) x
                 ) AS "events"
          FROM "Ticket" t
          WHERE t."number" = ${number} AND ${ticketScopeSql(actor)}`,
        deps.settings.get(),
      ]);
      const row = rows[0];
      if (!row) throw notFound();
      const { comments, attachments, events, ...header } = row;
      const ticket = toTicket(header);
      const rule = { reopenWindowDays: settings.reopenWindowDays };
      return {
        ticket,
        comments: jsonRows<CommentRow>(comments).map(({ authorId, authorName, authorRole, ruleName, ...comment }) => ({
          ...comment,
          // A rule's name is the admin's internal wording: staff read it, a client reads "Sistema".
          ruleName: canSeeInternal(actor) ? ruleName : null,
          createdAt: utcDate(comment.createdAt),
          author: authorId === null ? null : { id: authorId, name: authorName ?? '', role: authorRole as Role },
        })),
        attachments: jsonRows<AttachmentRow>(attachments).map((file) => ({
          ...file,
          createdAt: utcDate(file.createdAt),
        })),
        events: jsonRows<EventRow>(events).map(({ actorName, id, ...event }) => ({
          ...event,
          data: canSeeInternal(actor) ? event.data : withoutRuleName(event.data),
          id: BigInt(id),
          createdAt: utcDate(event.createdAt),
          actor: actorName === null ? null : { name: actorName },
        })),
        actions: allowedActions(actor, ticket, rule),
        commentRights: commentRights(actor, ticket),
        canEditClassification: canEditClassification(actor) && !isFinal(ticket.status) && ticket.deletedAt === null,
        canManageBin: canManageBin(actor),
      };
    },

    /**
     * Active technicians (from the reference copy) with their current open load and whether they
     * are absent now, those of `departmentId` first: one statement, by primary key, over the counters the writes keep
     * (moveCounters() in ticket-writes.ts) — never a count over the tickets.
     */
    async technicianOptions(
      departmentId: number | null,
      technicians: { id: number; name: string; isActive: boolean; departmentIds: number[] }[],
    ) {
      const active = technicians.filter((tech) => tech.isActive);
      // Load and "absent now" together: still one statement, by primary key and the absences' index.
      const rows =
        active.length === 0
          ? []
          : await prisma.$queryRaw<{ userId: number; openCount: number; isAbsent: boolean }[]>`
              SELECT u.id AS "userId", COALESCE(l."openCount", 0)::int AS "openCount",
                     EXISTS (SELECT 1 FROM "UserAbsence" ab
                              WHERE ab."userId" = u.id AND ab."endsAt" > now() AND ab."startsAt" <= now()) AS "isAbsent"
              FROM unnest(${active.map((tech) => tech.id)}::int[]) AS u(id)
              LEFT JOIN "TechnicianLoad" l ON l."userId" = u.id`;
      const byId = new Map(rows.map((row) => [row.userId, row]));
      return (
        active
          .map((tech) => ({
            id: tech.id,
            name: tech.name,
            load: byId.get(tech.id)?.openCount ?? 0,
            // Still offered for a manual assignment (support may know better), but marked.
            isAbsent: byId.get(tech.id)?.isAbsent ?? false,
            inDepartment: departmentId !== null && tech.departmentIds.includes(departmentId),
          }))
          // The department's own first, the absent after those present, then the least loaded.
          .sort(
            (a, b) =>
              Number(b.inDepartment) - Number(a.inDepartment) ||
              Number(a.isAbsent) - Number(b.isAbsent) ||
              a.load - b.load ||
              a.name.localeCompare(b.name),
          )
      );
    },

    /** The ticket's id if the actor may see it, else 404 (a live stream subscribing to it). */
    async visibleTicketId(actor: Actor, number: number): Promise<number> {
      return (await loadScoped(prisma, actor, number)).id;
    },

    async statusCounts(actor: Actor): Promise<Record<TicketStatus, number>> {
      if (!canBrowseQueue(actor)) throw forbidden();
      const rows = await prisma.ticketStatusCount.findMany();
      return Object.fromEntries(rows.map((row) => [row.status, row.count])) as Record<TicketStatus, number>;
    },
  };
}
