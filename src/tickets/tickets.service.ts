// Tickets: creation, the lifecycle (transitionTicket is the only code that writes `status`),
// comments, classification, the bin, and the lists. Every change is one transaction holding the
// change, its TicketEvent rows, the status counters and the outbox rows for notifications.

import type { AttachmentStorage } from '../attachments/storage.js';
import type { PreparedUpload } from '../attachments/upload.js';
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { TicketStatus } from '../generated/prisma/enums.js';
import { AppError, forbidden, notFound, validationError } from '../lib/errors.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { mentionedStaffIds } from './mentions.js';
import { isFinal, queueRankOf, type TicketAction, type TicketPriority, urgencyOf } from './ticket-lifecycle.js';
import {
  type Actor,
  allowedActions,
  canActForClients,
  canBrowseQueue,
  canCreateTicket,
  canEditClassification,
  canManageBin,
  canSeeInternal,
  commentRights,
  mayTakeAction,
  ticketScopeFor,
} from './tickets.policy.js';
import type { ActionInput, TClassification, TComment, TCreateTicket } from './tickets.schema.js';

type Tx = Prisma.TransactionClient;
export type SystemActor = 'system';
export const formatTicketNumber = (number: number) => `TKT-${number}`;

/**
 * For callers that keep their own record of the same change (the log row of an inbound e-mail):
 * `inTransaction` runs inside the change's transaction, so both commit or neither does.
 */
export type CreateTicketOptions = {
  channel?: 'EMAIL';
  inTransaction?: (tx: Tx, ticket: { id: number; number: number }) => Promise<void>;
};
export type AddCommentOptions = {
  inTransaction?: (tx: Tx, comment: { ticketId: number; commentId: number }) => Promise<void>;
};

const policyFields = {
  id: true,
  number: true,
  status: true,
  version: true,
  requesterId: true,
  organizationId: true,
  assigneeId: true,
  closedAt: true,
  deletedAt: true,
  onHoldSince: true,
  firstResponseAt: true,
  priority: true,
  categoryId: true,
  departmentId: true,
} as const;

type LoadedTicket = Prisma.TicketGetPayload<{ select: typeof policyFields }>;

const stale = () => new AppError('CONFLICT', 'tickets.errors.stale');

/**
 * Deletes tickets for good inside the caller's transaction, keeping the status counters right.
 * Returns the storage keys of their files, to remove once the transaction has committed.
 */
export async function deleteTicketsInTx(tx: Tx, where: Prisma.TicketWhereInput): Promise<string[]> {
  const doomed = await tx.ticket.findMany({
    where,
    select: { id: true, status: true, deletedAt: true, attachments: { select: { storageKey: true } } },
  });
  if (doomed.length === 0) return [];
  const ids = doomed.map((ticket) => ticket.id);
  const live = new Map<TicketStatus, number>();
  for (const ticket of doomed) if (!ticket.deletedAt) live.set(ticket.status, (live.get(ticket.status) ?? 0) + 1);
  for (const [status, count] of live) {
    await tx.ticketStatusCount.update({ where: { status }, data: { count: { decrement: count } } });
  }
  await tx.outboxMessage.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.notification.deleteMany({ where: { ticketId: { in: ids } } });
  await tx.ticket.updateMany({ where: { duplicateOfId: { in: ids } }, data: { duplicateOfId: null } });
  await tx.ticket.deleteMany({ where: { id: { in: ids } } });
  return doomed.flatMap((ticket) => ticket.attachments.map((file) => file.storageKey));
}

export function createTicketsService(ctx: AppContext, storage: AttachmentStorage) {
  const { prisma } = ctx.db;

  async function rules() {
    const settings = await ctx.settings.get();
    return { reopenWindowDays: settings.reopenWindowDays, autoCloseDays: settings.autoCloseDays };
  }

  /** Loads a ticket the actor may see, or 404 — the same answer as for one that does not exist. */
  async function loadScoped(actor: Actor | SystemActor, number: number): Promise<LoadedTicket> {
    const scope = actor === 'system' ? { deletedAt: null } : ticketScopeFor(actor);
    const ticket = await prisma.ticket.findFirst({ where: { AND: [scope, { number }] }, select: policyFields });
    if (!ticket) throw notFound();
    return ticket;
  }

  /** Files go to the store before the rows that point to them; on failure they are removed. */
  async function withStoredFiles<T>(
    uploads: PreparedUpload[],
    write: (files: { storageKey: string; sha256: string; size: number; upload: PreparedUpload }[]) => Promise<T>,
  ): Promise<T> {
    const stored: { storageKey: string; sha256: string; size: number; upload: PreparedUpload }[] = [];
    try {
      for (const upload of uploads) stored.push({ ...(await storage.put(upload.tempPath)), upload });
      return await write(stored);
    } catch (error) {
      await Promise.all(stored.map((file) => storage.remove(file.storageKey).catch(() => {})));
      throw error;
    }
  }

  async function moveCounts(tx: Tx, from: TicketStatus | null, to: TicketStatus | null) {
    if (from === to) return;
    // Counter rows are always locked in one order: two opposite moves at once (IN_PROGRESS → ON_HOLD
    // on one ticket, ON_HOLD → IN_PROGRESS on another) would otherwise deadlock on PostgreSQL.
    const moves: { status: TicketStatus; by: number }[] = [];
    if (from) moves.push({ status: from, by: -1 });
    if (to) moves.push({ status: to, by: 1 });
    moves.sort((a, b) => (a.status < b.status ? -1 : 1));
    for (const move of moves) {
      await tx.ticketStatusCount.update({ where: { status: move.status }, data: { count: { increment: move.by } } });
    }
  }

  async function outbox(tx: Tx, topic: string, ticketId: number, payload: Record<string, unknown>) {
    await enqueueNotification(tx, topic, payload, ticketId);
  }

  async function assertTechnician(technicianId: number) {
    const technician = await prisma.user.findFirst({
      where: { id: technicianId, role: 'TECHNICIAN', isActive: true },
      select: { id: true, name: true },
    });
    if (!technician) throw validationError({ technicianId: { key: 'validation.invalidChoice' } });
    return technician;
  }

  async function assertCategory(categoryId: number | null, field = 'categoryId') {
    if (categoryId === null) return null;
    const category = await prisma.category.findFirst({
      where: { id: categoryId, isActive: true },
      select: { id: true, name: true, departmentId: true },
    });
    if (!category) throw validationError({ [field]: { key: 'validation.invalidChoice' } });
    return category;
  }

  async function assertDepartment(departmentId: number | null) {
    if (departmentId === null) return null;
    const department = await prisma.department.findFirst({
      where: { id: departmentId, isActive: true },
      select: { id: true },
    });
    if (!department) throw validationError({ departmentId: { key: 'validation.invalidChoice' } });
    return department;
  }

  async function attachFiles(
    tx: Tx,
    ticketId: number,
    uploaderId: number,
    files: { storageKey: string; sha256: string; size: number; upload: PreparedUpload }[],
    options: { commentId?: number; isInternal: boolean },
  ) {
    if (files.length === 0) return;
    await tx.attachment.createMany({
      data: files.map((file) => ({
        ticketId,
        uploaderId,
        commentId: options.commentId ?? null,
        isInternal: options.isInternal,
        originalName: file.upload.originalName,
        mimeType: file.upload.mimeType,
        storageKey: file.storageKey,
        size: file.size,
        sha256: file.sha256,
      })),
    });
  }

  /**
   * The one place a status changes. Checks the lifecycle table and the ticket's version, then
   * writes the change, its events, counters and outbox row in one transaction. A change made
   * against a stale version, or one the table refuses, changes nothing.
   */
  async function transitionTicket<A extends TicketAction>(
    actor: Actor | SystemActor,
    number: number,
    action: A,
    input: ActionInput[A],
    uploads: PreparedUpload[] = [],
  ): Promise<void> {
    const ticket = await loadScoped(actor, number);
    // A form from a page that is no longer current is stale, whatever the action: the fresh page
    // (re-rendered with the message) shows what may be done now.
    if (input.version !== ticket.version) throw stale();
    const check = mayTakeAction(actor, ticket, action, await rules());
    if (!check.ok) {
      if (check.reason === 'not_your_role')
        throw new AppError('FORBIDDEN', 'tickets.errors.forbiddenAction', { params: { action } });
      if (check.reason === 'reopen_window') {
        throw new AppError('CONFLICT', 'tickets.errors.reopenWindow', {
          params: { days: (await rules()).reopenWindowDays },
        });
      }
      throw new AppError('CONFLICT', 'tickets.errors.notAllowedInState', { params: { action, status: ticket.status } });
    }
    const actorId = actor === 'system' ? null : actor.id;
    const to = check.to;
    const now = new Date();

    // Action-specific input that needs the database, checked before anything is written.
    const extra: Prisma.TicketUpdateManyMutationInput & {
      categoryId?: number | null;
      departmentId?: number | null;
      assigneeId?: number | null;
      duplicateOfId?: number | null;
    } = {};
    const events: Omit<Prisma.TicketEventCreateManyInput, 'ticketId'>[] = [];
    let comment: { body: string; isInternal: boolean } | null = null;
    let newAssignee: { id: number; name: string } | null = null;

    switch (action) {
      case 'assign': {
        const data = input as ActionInput['assign'];
        const category = await assertCategory(data.categoryId);
        const departmentId = data.departmentId ?? category?.departmentId ?? null;
        await assertDepartment(departmentId);
        newAssignee = await assertTechnician(data.technicianId);
        Object.assign(extra, {
          categoryId: data.categoryId,
          departmentId,
          priority: data.priority,
          urgency: urgencyOf(data.priority),
          assigneeId: newAssignee.id,
        });
        break;
      }
      case 'reassign': {
        const data = input as ActionInput['reassign'];
        if (data.technicianId === ticket.assigneeId)
          throw validationError({ technicianId: { key: 'validation.sameTechnician' } });
        newAssignee = await assertTechnician(data.technicianId);
        extra.assigneeId = newAssignee.id;
        comment = { body: data.reason, isInternal: true };
        break;
      }
      case 'resolve_direct':
      case 'approve_solution': {
        const message = (input as ActionInput['approve_solution']).message;
        Object.assign(extra, { solution: message, resolvedAt: now });
        comment = { body: message, isInternal: false };
        break;
      }
      case 'submit_solution': {
        const solution = (input as ActionInput['submit_solution']).solution;
        extra.solution = solution;
        // The proposal goes to support for validation; the client sees what support approves.
        comment = { body: solution, isInternal: true };
        break;
      }
      case 'reject_solution':
        comment = { body: (input as ActionInput['reject_solution']).reason, isInternal: true };
        break;
      case 'hold':
        Object.assign(extra, { holdReason: (input as ActionInput['hold']).reason, onHoldSince: now });
        comment = { body: (input as ActionInput['hold']).reason, isInternal: false };
        break;
      case 'resume':
        break;
      case 'confirm': {
        const data = input as ActionInput['confirm'];
        Object.assign(extra, { rating: data.rating, ratingComment: data.comment, closedAt: now });
        break;
      }
      case 'close':
        extra.closedAt = now;
        break;
      case 'reopen':
        Object.assign(extra, { closedAt: null, resolvedAt: null });
        comment = { body: (input as ActionInput['reopen']).reason, isInternal: false };
        break;
      case 'cancel': {
        const data = input as ActionInput['cancel'];
        if (data.duplicateOf !== null) {
          // Only a ticket the actor can see: a client must not learn (or link to) another org's ticket.
          const scope = actor === 'system' ? { deletedAt: null } : ticketScopeFor(actor);
          const original = await prisma.ticket.findFirst({
            where: { AND: [scope, { number: data.duplicateOf }] },
            select: { id: true },
          });
          if (!original || original.id === ticket.id)
            throw validationError({ duplicateOf: { key: 'validation.invalidTicketNumber' } });
          extra.duplicateOfId = original.id;
        }
        Object.assign(extra, { cancelReason: data.reason, closedAt: now });
        comment = { body: data.reason, isInternal: false };
        break;
      }
      case 'start':
        break;
    }

    // Leaving ON_HOLD by any way (resume, reassign, cancel) ends the pause and counts its time.
    if (ticket.status === 'ON_HOLD') {
      const held = ticket.onHoldSince ? Math.round((now.getTime() - ticket.onHoldSince.getTime()) / 1000) : 0;
      Object.assign(extra, { holdReason: null, onHoldSince: null, onHoldSeconds: { increment: Math.max(0, held) } });
    }

    events.push({
      actorId,
      type: 'status',
      action,
      from: ticket.status,
      to,
      isInternal: false,
      data:
        action === 'cancel' && extra.duplicateOfId
          ? { duplicateOf: (input as ActionInput['cancel']).duplicateOf }
          : undefined,
    });
    if (newAssignee) {
      events.push({ actorId, type: 'assigned', action, from: null, to: newAssignee.name, isInternal: false });
    }
    // The first response is staff's: a client withdrawing their own NEW ticket is not one.
    const isStaffActor = actor !== 'system' && actor.role !== 'CLIENT';
    if (ticket.status === 'NEW' && !ticket.firstResponseAt && isStaffActor) extra.firstResponseAt = now;

    await withStoredFiles(uploads, async (files) => {
      await prisma.$transaction(async (tx) => {
        const { categoryId, departmentId, assigneeId, duplicateOfId, ...scalars } = extra;
        const updated = await tx.ticket.updateMany({
          where: { id: ticket.id, version: ticket.version },
          data: {
            ...scalars,
            ...(categoryId !== undefined ? { categoryId } : {}),
            ...(departmentId !== undefined ? { departmentId } : {}),
            ...(assigneeId !== undefined ? { assigneeId } : {}),
            ...(duplicateOfId !== undefined ? { duplicateOfId } : {}),
            status: to,
            queueRank: queueRankOf(to),
            version: { increment: 1 },
          },
        });
        // Someone else changed it between our read and this write: refuse, roll back.
        if (updated.count !== 1) throw stale();
        await moveCounts(tx, ticket.status, to);
        if (newAssignee) {
          await tx.ticketAssigneeHistory.createMany({
            data: [{ ticketId: ticket.id, userId: newAssignee.id }],
            skipDuplicates: true,
          });
        }
        let commentId: number | undefined;
        if (comment && actorId !== null) {
          const created = await tx.comment.create({
            data: { ticketId: ticket.id, authorId: actorId, body: comment.body, isInternal: comment.isInternal },
            select: { id: true },
          });
          commentId = created.id;
        }
        if (actorId !== null)
          await attachFiles(tx, ticket.id, actorId, files, { commentId, isInternal: comment?.isInternal ?? true });
        await tx.ticketEvent.createMany({ data: events.map((event) => ({ ...event, ticketId: ticket.id })) });
        await outbox(tx, `ticket.${action}`, ticket.id, {
          number: ticket.number,
          action,
          from: ticket.status,
          to,
          actorId,
          assigneeId: newAssignee?.id ?? ticket.assigneeId,
          previousAssigneeId: newAssignee ? ticket.assigneeId : undefined,
        });
      });
    });
  }

  return {
    transitionTicket,
    formatTicketNumber,

    async create(
      actor: Actor,
      input: TCreateTicket,
      uploads: PreparedUpload[],
      options: CreateTicketOptions = {},
    ): Promise<number> {
      if (!canCreateTicket(actor)) throw forbidden();
      let requester: { id: number; organizationId: number | null };
      if (canActForClients(actor)) {
        if (input.requesterId === null) throw validationError({ requesterId: { key: 'validation.required' } });
        const client = await prisma.user.findFirst({
          where: { id: input.requesterId, role: 'CLIENT', isActive: true },
          select: { id: true, organizationId: true },
        });
        if (!client) throw validationError({ requesterId: { key: 'validation.invalidChoice' } });
        requester = client;
      } else {
        requester = { id: actor.id, organizationId: actor.organizationId };
      }
      const category = await assertCategory(input.categoryId);
      const channel = options.channel ?? (canActForClients(actor) ? (input.channel ?? 'PHONE') : 'WEB');
      return withStoredFiles(uploads, async (files) =>
        prisma.$transaction(async (tx) => {
          const ticket = await tx.ticket.create({
            data: {
              subject: input.subject,
              description: input.description,
              priority: input.priority,
              urgency: urgencyOf(input.priority as TicketPriority),
              categoryId: category?.id ?? null,
              departmentId: category?.departmentId ?? null,
              requesterId: requester.id,
              organizationId: requester.organizationId,
              createdById: actor.id,
              channel,
              status: 'NEW',
              queueRank: queueRankOf('NEW'),
            },
            select: { id: true, number: true },
          });
          await attachFiles(tx, ticket.id, actor.id, files, { isInternal: false });
          await moveCounts(tx, null, 'NEW');
          await tx.ticketEvent.create({
            data: { ticketId: ticket.id, actorId: actor.id, type: 'created', to: 'NEW', data: { channel } },
          });
          await outbox(tx, 'ticket.created', ticket.id, {
            number: ticket.number,
            actorId: actor.id,
            requesterId: requester.id,
          });
          await options.inTransaction?.(tx, ticket);
          return ticket.number;
        }),
      );
    },

    async addComment(
      actor: Actor,
      number: number,
      input: TComment,
      uploads: PreparedUpload[],
      options: AddCommentOptions = {},
    ): Promise<void> {
      const ticket = await loadScoped(actor, number);
      const rights = commentRights(actor, ticket);
      if (input.internal ? !rights.internal : !rights.public) {
        if (actor.role === 'CLIENT' && ticket.status === 'RESOLVED')
          throw new AppError('CONFLICT', 'tickets.errors.commentOnResolved');
        throw new AppError('CONFLICT', 'tickets.errors.commentNotAllowed');
      }
      const now = new Date();
      // A client's reply to a ticket waiting on them puts it back to work (system resume).
      const autoResume =
        actor.role === 'CLIENT' &&
        ticket.status === 'ON_HOLD' &&
        mayTakeAction('system', ticket, 'resume', await rules()).ok;
      const staffPublic = actor.role !== 'CLIENT' && !input.internal;
      await withStoredFiles(uploads, async (files) => {
        await prisma.$transaction(async (tx) => {
          const comment = await tx.comment.create({
            data: { ticketId: ticket.id, authorId: actor.id, body: input.body, isInternal: input.internal },
            select: { id: true },
          });
          await attachFiles(tx, ticket.id, actor.id, files, { commentId: comment.id, isInternal: input.internal });
          await tx.ticketEvent.create({
            data: {
              ticketId: ticket.id,
              actorId: actor.id,
              type: 'comment',
              isInternal: input.internal,
              data: { commentId: comment.id },
            },
          });
          if (autoResume) {
            const held = ticket.onHoldSince ? Math.round((now.getTime() - ticket.onHoldSince.getTime()) / 1000) : 0;
            const updated = await tx.ticket.updateMany({
              where: { id: ticket.id, version: ticket.version },
              data: {
                status: 'IN_PROGRESS',
                queueRank: queueRankOf('IN_PROGRESS'),
                holdReason: null,
                onHoldSince: null,
                onHoldSeconds: { increment: Math.max(0, held) },
                version: { increment: 1 },
              },
            });
            if (updated.count !== 1) throw stale();
            await moveCounts(tx, 'ON_HOLD', 'IN_PROGRESS');
            await tx.ticketEvent.create({
              data: {
                ticketId: ticket.id,
                actorId: null,
                type: 'status',
                action: 'resume',
                from: 'ON_HOLD',
                to: 'IN_PROGRESS',
              },
            });
          } else {
            await tx.ticket.update({
              where: { id: ticket.id },
              data: { updatedAt: now, ...(staffPublic && !ticket.firstResponseAt ? { firstResponseAt: now } : {}) },
            });
          }
          await outbox(tx, input.internal ? 'comment.internal' : 'comment.public', ticket.id, {
            number: ticket.number,
            commentId: comment.id,
            actorId: actor.id,
            autoResumed: autoResume,
            ...(input.internal ? { mentionedUserIds: await mentionedStaffIds(tx, input.body) } : {}),
          });
          await options.inTransaction?.(tx, { ticketId: ticket.id, commentId: comment.id });
        });
      });
    },

    async updateClassification(actor: Actor, number: number, input: TClassification): Promise<void> {
      if (!canEditClassification(actor)) throw forbidden();
      const ticket = await loadScoped(actor, number);
      if (isFinal(ticket.status) || ticket.deletedAt) throw new AppError('CONFLICT', 'tickets.errors.finalTicket');
      if (input.version !== ticket.version) throw stale();
      await assertCategory(input.categoryId);
      await assertDepartment(input.departmentId);
      const changes: { field: string; from: string | null; to: string | null }[] = [];
      const compare = (field: string, from: unknown, to: unknown) => {
        if (from !== to)
          changes.push({ field, from: from === null ? null : String(from), to: to === null ? null : String(to) });
      };
      compare('categoryId', ticket.categoryId, input.categoryId);
      compare('priority', ticket.priority, input.priority);
      compare('departmentId', ticket.departmentId, input.departmentId);
      if (changes.length === 0) return;
      await prisma.$transaction(async (tx) => {
        const updated = await tx.ticket.updateMany({
          where: { id: ticket.id, version: ticket.version },
          data: {
            categoryId: input.categoryId,
            departmentId: input.departmentId,
            priority: input.priority,
            urgency: urgencyOf(input.priority),
            version: { increment: 1 },
          },
        });
        if (updated.count !== 1) throw stale();
        await tx.ticketEvent.createMany({
          data: changes.map((change) => ({
            ticketId: ticket.id,
            actorId: actor.id,
            type: 'field',
            from: change.from,
            to: change.to,
            data: { field: change.field },
          })),
        });
        await outbox(tx, 'ticket.classified', ticket.id, { number: ticket.number, actorId: actor.id, changes });
      });
    },

    async softDelete(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await loadScoped(actor, number);
      await prisma.$transaction(async (tx) => {
        await tx.ticket.update({
          where: { id: ticket.id },
          data: { deletedAt: new Date(), deletedById: actor.id, version: { increment: 1 } },
        });
        await moveCounts(tx, ticket.status, null);
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'deleted', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.delete', entityType: 'ticket', entityId: String(ticket.number) },
        });
      });
    },

    async restore(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await prisma.ticket.findFirst({
        where: { number, deletedAt: { not: null } },
        select: { id: true, status: true },
      });
      if (!ticket) throw notFound();
      await prisma.$transaction(async (tx) => {
        await tx.ticket.update({
          where: { id: ticket.id },
          data: { deletedAt: null, deletedById: null, version: { increment: 1 } },
        });
        await moveCounts(tx, null, ticket.status);
        await tx.ticketEvent.create({
          data: { ticketId: ticket.id, actorId: actor.id, type: 'restored', isInternal: true },
        });
        await tx.auditLog.create({
          data: { actorId: actor.id, action: 'ticket.restore', entityType: 'ticket', entityId: String(number) },
        });
      });
    },

    /** Deletes a binned ticket for good: its rows, then its files. */
    async purge(actor: Actor, number: number): Promise<void> {
      if (!canManageBin(actor)) throw forbidden();
      const ticket = await prisma.ticket.findFirst({
        where: { number, deletedAt: { not: null } },
        select: { id: true, subject: true, attachments: { select: { storageKey: true } } },
      });
      if (!ticket) throw notFound();
      await prisma.$transaction(async (tx) => {
        await deleteTicketsInTx(tx, { id: ticket.id });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: 'ticket.purge',
            entityType: 'ticket',
            entityId: String(number),
            data: { subject: ticket.subject },
          },
        });
      });
      await Promise.all(ticket.attachments.map((file) => storage.remove(file.storageKey).catch(() => {})));
    },

    /** Closes tickets RESOLVED for longer than the setting, through the same transition (actor: system). */
    async autoCloseResolved(now = new Date()): Promise<number> {
      const { autoCloseDays } = await rules();
      const due = await prisma.ticket.findMany({
        where: {
          status: 'RESOLVED',
          deletedAt: null,
          resolvedAt: { lt: new Date(now.getTime() - autoCloseDays * 86_400_000) },
        },
        select: { number: true, version: true },
        orderBy: { resolvedAt: 'asc' },
        take: 500,
      });
      let closed = 0;
      for (const ticket of due) {
        try {
          await transitionTicket('system', ticket.number, 'close', { version: ticket.version });
          closed++;
        } catch (error) {
          // Changed meanwhile (reopened, confirmed): the next run looks again.
          if (!(error instanceof AppError)) throw error;
        }
      }
      return closed;
    },

    /** The ticket's id if the actor may see it, else 404 (a live stream subscribing to it). */
    async visibleTicketId(actor: Actor, number: number): Promise<number> {
      return (await loadScoped(actor, number)).id;
    },

    async detail(actor: Actor, number: number) {
      const scope = ticketScopeFor(actor);
      const ticket = await prisma.ticket.findFirst({
        where: { AND: [scope, { number }] },
        include: {
          category: { select: { id: true, name: true } },
          department: { select: { id: true, name: true } },
          organization: { select: { id: true, name: true, address: true, phone: true } },
          requester: { select: { id: true, name: true, email: true, phone: true } },
          assignee: { select: { id: true, name: true } },
          createdBy: { select: { id: true, name: true, role: true } },
          duplicateOf: { select: { number: true } },
        },
      });
      if (!ticket) throw notFound();
      const staff = canSeeInternal(actor);
      const visible = staff ? {} : { isInternal: false };
      const [comments, attachments, events, settings] = await Promise.all([
        prisma.comment.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: {
            id: true,
            body: true,
            isInternal: true,
            createdAt: true,
            author: { select: { id: true, name: true, role: true } },
          },
        }),
        prisma.attachment.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: { id: 'asc' },
          select: {
            id: true,
            commentId: true,
            originalName: true,
            size: true,
            mimeType: true,
            isInternal: true,
            createdAt: true,
          },
        }),
        prisma.ticketEvent.findMany({
          where: { ticketId: ticket.id, ...visible },
          orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
          select: {
            id: true,
            type: true,
            action: true,
            from: true,
            to: true,
            data: true,
            isInternal: true,
            createdAt: true,
            actor: { select: { name: true } },
          },
        }),
        ctx.settings.get(),
      ]);
      const rule = { reopenWindowDays: settings.reopenWindowDays };
      return {
        ticket,
        comments,
        attachments,
        events,
        actions: allowedActions(actor, ticket, rule),
        commentRights: commentRights(actor, ticket),
        canEditClassification: canEditClassification(actor) && !isFinal(ticket.status),
        canManageBin: canManageBin(actor),
      };
    },

    /** Technicians with their current open load, those of `departmentId` first. */
    async technicianOptions(departmentId: number | null) {
      const [technicians, loads] = await Promise.all([
        prisma.user.findMany({
          where: { role: 'TECHNICIAN', isActive: true },
          orderBy: { name: 'asc' },
          select: { id: true, name: true, departments: { select: { departmentId: true } } },
        }),
        prisma.ticket.groupBy({
          by: ['assigneeId'],
          where: {
            deletedAt: null,
            status: { in: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION'] },
            assigneeId: { not: null },
          },
          _count: { _all: true },
        }),
      ]);
      const loadOf = new Map(loads.map((row) => [row.assigneeId, row._count._all]));
      return technicians
        .map((tech) => ({
          id: tech.id,
          name: tech.name,
          load: loadOf.get(tech.id) ?? 0,
          inDepartment: departmentId !== null && tech.departments.some((d) => d.departmentId === departmentId),
        }))
        .sort(
          (a, b) => Number(b.inDepartment) - Number(a.inDepartment) || a.load - b.load || a.name.localeCompare(b.name),
        );
    },

    async statusCounts(actor: Actor): Promise<Record<TicketStatus, number>> {
      if (!canBrowseQueue(actor)) throw forbidden();
      const rows = await prisma.ticketStatusCount.findMany();
      return Object.fromEntries(rows.map((row) => [row.status, row.count])) as Record<TicketStatus, number>;
    },
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
