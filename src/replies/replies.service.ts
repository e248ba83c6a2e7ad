// Canned replies: personal ones (a staff member's own, managed at /replies) and shared ones (the
// admin's, at /admin/replies; for one department's staff or for all staff). Who may use which is
// decided here, and the text a reply inserts is rendered here, for the ticket's reader.
import type { SessionUser } from '../auth/session-user.js';
import type { Prisma, PrismaClient } from '../generated/prisma/client.js';
import { forbidden, notFound, validationError } from '../lib/errors.js';
import { defaultLanguage, type Language, languageFromDb, translator } from '../lib/i18n.js';
import { type ReferenceDataCache, referenceChanged, registerCache } from '../reference/reference-data.js';
import { formatTicketNumber } from '../tickets/ticket-number.js';
import { ticketScopeFor } from '../tickets/tickets.policy.js';
import type { TCannedReply } from './replies.schema.js';
import {
  type CannedAction,
  fillVariables,
  isCannedAction,
  languagesOf,
  pickBody,
  unknownVariables,
} from './reply-text.js';

export type ReplyUser = Pick<SessionUser, 'id' | 'role' | 'name' | 'organizationId' | 'isOrgManager'>;
/** Personal replies belong to their author; shared ones are the admin's. */
export type ReplyScope = 'own' | 'shared';

/** What the ticket page's picker needs of a reply (no bodies: those are read when one is inserted). */
export type ReplyOption = {
  id: number;
  title: string;
  ownerId: number | null;
  departmentId: number | null;
  setStatusAction: CannedAction | null;
};

const MAX_AGE_MS = 60_000;

/**
 * May this user pick this reply? Their own; shared ones without a department; shared ones of a
 * department for its technicians. Support and admins work every department's tickets, so every
 * shared reply is theirs to use.
 */
export function mayUseReply(
  reply: Pick<ReplyOption, 'ownerId' | 'departmentId'>,
  user: Pick<ReplyUser, 'id' | 'role'>,
  departmentIds: readonly number[],
): boolean {
  if (user.role === 'CLIENT') return false;
  if (reply.ownerId !== null) return reply.ownerId === user.id;
  if (reply.departmentId === null || user.role !== 'TECHNICIAN') return true;
  return departmentIds.includes(reply.departmentId);
}

/** The shared replies mayUseReply() lets this staff member use, as a `where`. */
function sharedWhere(user: ReplyUser, departmentIds: readonly number[]): Prisma.CannedReplyWhereInput {
  return user.role === 'TECHNICIAN'
    ? { ownerId: null, OR: [{ departmentId: null }, { departmentId: { in: [...departmentIds] } }] }
    : { ownerId: null };
}

/** The same rule as mayUseReply(), as a `where` for loading one reply to insert. */
function usableWhere(user: ReplyUser, departmentIds: readonly number[]): Prisma.CannedReplyWhereInput {
  if (user.role === 'CLIENT') return { id: -1 };
  return { isActive: true, OR: [{ ownerId: user.id }, sharedWhere(user, departmentIds)] };
}

const listSelect = {
  id: true,
  title: true,
  bodyEs: true,
  bodyEn: true,
  bodyPtBr: true,
  ownerId: true,
  departmentId: true,
  setStatusAction: true,
  isActive: true,
  updatedAt: true,
  department: { select: { name: true } },
} as const;

type ListedRow = Prisma.CannedReplyGetPayload<{ select: typeof listSelect }>;
const toListed = ({ bodyEs, bodyEn, bodyPtBr, ...row }: ListedRow) => ({
  ...row,
  languages: languagesOf({ bodyEs, bodyEn, bodyPtBr }),
  setStatusAction: isCannedAction(row.setStatusAction) ? row.setStatusAction : null,
});

/** What a reply's text is filled with: the ticket as its reader (the requester) knows it. */
export type ReplyTicket = {
  number: number;
  subject: string;
  requester: { name: string; locale: string | null; timeZone: string | null };
  /** The SLA's resolution target, if a policy sets one. */
  dueAt: Date | null;
};

export function createRepliesService(deps: {
  prisma: PrismaClient;
  reference: ReferenceDataCache;
  /** The desk's time zone, for due dates in a reply. */
  timeZone: () => Promise<string>;
}) {
  const { prisma, reference } = deps;

  // Every active reply's title and audience, kept in this process like the reference data: the
  // ticket page offers the picker without a statement of its own. Any write empties it here and,
  // through referenceChanged(), in every other process; it also expires after a minute.
  let cached: { at: number; value: Promise<ReplyOption[]> } | null = null;
  registerCache(() => {
    cached = null;
  });
  function catalog(): Promise<ReplyOption[]> {
    if (!cached || Date.now() - cached.at > MAX_AGE_MS) {
      const value = prisma.cannedReply
        .findMany({
          where: { isActive: true },
          orderBy: [{ title: 'asc' }, { id: 'asc' }],
          select: { id: true, title: true, ownerId: true, departmentId: true, setStatusAction: true },
        })
        .then((rows) =>
          rows.map((row) => ({
            ...row,
            setStatusAction: isCannedAction(row.setStatusAction) ? row.setStatusAction : null,
          })),
        );
      cached = { at: Date.now(), value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  }

  async function departmentIdsOf(user: Pick<ReplyUser, 'id' | 'role'>): Promise<number[]> {
    if (user.role !== 'TECHNICIAN') return [];
    const { technicians } = await reference.get();
    return technicians.find((tech) => tech.id === user.id)?.departmentIds ?? [];
  }

  async function loadForEdit(actor: ReplyUser, scope: ReplyScope, id: number) {
    if (scope === 'shared' && actor.role !== 'ADMIN') throw forbidden();
    const row = await prisma.cannedReply.findFirst({
      where: { id, ownerId: scope === 'own' ? actor.id : null },
    });
    if (!row) throw notFound();
    return row;
  }

  async function assertDepartment(departmentId: number | null) {
    if (departmentId === null) return;
    const found = await prisma.department.findUnique({ where: { id: departmentId }, select: { id: true } });
    if (!found) throw validationError({ departmentId: { key: 'validation.invalidChoice' } });
  }

  return {
    /** The replies this user may insert on a ticket (own first, then shared), from the per-process copy. */
    async usable(user: ReplyUser): Promise<ReplyOption[]> {
      if (user.role === 'CLIENT') return [];
      const [all, departmentIds] = await Promise.all([catalog(), departmentIdsOf(user)]);
      const mine = all.filter((reply) => reply.ownerId === user.id);
      const shared = all.filter((reply) => reply.ownerId === null && mayUseReply(reply, user, departmentIds));
      return [...mine, ...shared];
    },

    /** /replies: the user's own replies (active or not) and the shared ones they may use. */
    async listForUser(user: ReplyUser) {
      const departmentIds = await departmentIdsOf(user);
      const rows = await prisma.cannedReply.findMany({
        where: { OR: [{ ownerId: user.id }, { isActive: true, ...sharedWhere(user, departmentIds) }] },
        orderBy: [{ title: 'asc' }, { id: 'asc' }],
        select: listSelect,
      });
      const listed = rows.map(toListed);
      return { own: listed.filter((r) => r.ownerId === user.id), shared: listed.filter((r) => r.ownerId === null) };
    },

    /** /admin/replies: every shared reply. */
    async listShared(actor: ReplyUser) {
      if (actor.role !== 'ADMIN') throw forbidden();
      const rows = await prisma.cannedReply.findMany({
        where: { ownerId: null },
        orderBy: [{ title: 'asc' }, { id: 'asc' }],
        select: listSelect,
      });
      return rows.map(toListed);
    },

    get: loadForEdit,

    /**
     * Creates (id null) or updates a reply in one transaction with its audit row. Returns the
     * variables no ticket fills, which stay as typed: the page shows them as a hint.
     */
    async save(actor: ReplyUser, scope: ReplyScope, id: number | null, input: TCannedReply) {
      if (actor.role === 'CLIENT') throw forbidden();
      if (scope === 'shared' && actor.role !== 'ADMIN') throw forbidden();
      if (id !== null) await loadForEdit(actor, scope, id);
      const departmentId = scope === 'shared' ? input.departmentId : null;
      await assertDepartment(departmentId);
      const data = {
        title: input.title,
        bodyEs: input.bodyEs,
        bodyEn: input.bodyEn,
        bodyPtBr: input.bodyPtBr,
        departmentId,
        setStatusAction: input.setStatusAction,
        isActive: input.isActive,
      };
      const saved = await prisma.$transaction(async (tx) => {
        const row =
          id === null
            ? await tx.cannedReply.create({
                data: { ...data, ownerId: scope === 'own' ? actor.id : null },
                select: { id: true },
              })
            : await tx.cannedReply.update({ where: { id }, data, select: { id: true } });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: id === null ? 'canned_reply.create' : 'canned_reply.update',
            entityType: 'canned_reply',
            entityId: String(row.id),
            data: { title: input.title, shared: scope === 'shared', departmentId },
          },
        });
        return row;
      });
      await referenceChanged(prisma);
      return { id: saved.id, unknownVariables: unknownVariables(input.bodyEs, input.bodyEn, input.bodyPtBr) };
    },

    async remove(actor: ReplyUser, scope: ReplyScope, id: number) {
      const reply = await loadForEdit(actor, scope, id);
      await prisma.$transaction(async (tx) => {
        await tx.cannedReply.delete({ where: { id } });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: 'canned_reply.delete',
            entityType: 'canned_reply',
            entityId: String(id),
            data: { title: reply.title, shared: reply.ownerId === null },
          },
        });
      });
      await referenceChanged(prisma);
      return reply;
    },

    /** The ticket as a reply sees it, if the user may see the ticket (else 404). */
    async ticketFor(user: ReplyUser, number: number): Promise<ReplyTicket> {
      const ticket = await prisma.ticket.findFirst({
        where: { AND: [ticketScopeFor(user), { number }] },
        select: {
          number: true,
          subject: true,
          // The date a client is promised: the SLA's resolution target (none without a policy).
          resolutionDueAt: true,
          requester: { select: { name: true, locale: true, timeZone: true } },
        },
      });
      if (!ticket) throw notFound();
      const { resolutionDueAt, ...rest } = ticket;
      return { ...rest, dueAt: resolutionDueAt };
    },

    /**
     * A reply's text for a ticket: the reader's language variant (else the first there is), its
     * variables filled for that reader. 404 for a reply the user may not use.
     */
    async render(user: ReplyUser, replyId: number, ticket: ReplyTicket) {
      const reply = await prisma.cannedReply.findFirst({
        where: { AND: [{ id: replyId }, usableWhere(user, await departmentIdsOf(user))] },
        select: { id: true, title: true, bodyEs: true, bodyEn: true, bodyPtBr: true, setStatusAction: true },
      });
      if (!reply) throw notFound();
      const reader: Language = languageFromDb(ticket.requester.locale) ?? defaultLanguage;
      const { language, body } = pickBody(reply, reader);
      const t = translator(language);
      const dueAt = ticket.dueAt
        ? new Intl.DateTimeFormat(language, {
            dateStyle: 'medium',
            timeStyle: 'short',
            // The reader's own clock when they set one, else the company's.
            timeZone: ticket.requester.timeZone ?? (await deps.timeZone()),
          }).format(ticket.dueAt)
        : t('replies.noDueDate');
      const text = fillVariables(body, {
        'ticket.number': formatTicketNumber(ticket.number),
        'ticket.subject': ticket.subject,
        'requester.name': ticket.requester.name,
        'agent.name': user.name,
        'ticket.dueAt': dueAt,
      });
      return {
        id: reply.id,
        title: reply.title,
        language,
        text,
        action: isCannedAction(reply.setStatusAction) ? reply.setStatusAction : null,
      };
    },
  };
}

export type RepliesService = ReturnType<typeof createRepliesService>;
