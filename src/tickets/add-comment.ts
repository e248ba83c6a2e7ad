// A public reply or an internal note. A client's reply to a ticket waiting on them puts it back to
// work through the lifecycle table (the system's `resume`), in the same transaction.
import type { PreparedUpload } from '../attachments/upload.js';
import { AppError } from '../lib/errors.js';
import type { Tx } from './ticket-changes.js';
import {
  attachFiles,
  causeOf,
  loadScoped,
  type RuleActor,
  ruleMark,
  type TicketDeps,
  withStoredFiles,
} from './ticket-writes.js';
import { type Actor, commentRights } from './tickets.policy.js';
import type { TComment } from './tickets.schema.js';
import { applyTransition, planTransition, type TransitionPlan } from './transition-ticket.js';

export type AddCommentOptions = {
  /** Runs inside the comment's transaction (the inbound e-mail log row), so both commit or neither. */
  inTransaction?: (tx: Tx, comment: { ticketId: number; commentId: number }) => Promise<void>;
};

export function createAddComment(deps: TicketDeps) {
  const { prisma } = deps;
  return async function addComment(
    by: Actor | RuleActor,
    number: number,
    input: TComment,
    uploads: PreparedUpload[],
    options: AddCommentOptions = {},
  ): Promise<void> {
    // A rule (an internal note, a canned reply) writes as support would, but with no author: the
    // comment carries the rule's name instead (Comment.ruleName), and it never uploads files.
    const rule = 'kind' in by ? by : null;
    const actor: Actor = rule ? { id: 0, role: 'SUPPORT', organizationId: null, isOrgManager: false } : (by as Actor);
    const authorId = rule ? null : actor.id;
    const ticket = await loadScoped(prisma, by, number);
    const rights = commentRights(actor, ticket);
    if (input.internal ? !rights.internal : !rights.public) {
      if (actor.role === 'CLIENT' && ticket.status === 'RESOLVED') {
        throw new AppError('CONFLICT', 'tickets.errors.commentOnResolved');
      }
      throw new AppError('CONFLICT', 'tickets.errors.commentNotAllowed');
    }
    // The client answered what the ticket waited for: the system resumes it, if the table allows.
    let resume: TransitionPlan | null = null;
    if (actor.role === 'CLIENT' && ticket.status === 'ON_HOLD') {
      resume = await planTransition(deps, 'system', ticket, 'resume', { version: ticket.version }).catch((error) => {
        if (error instanceof AppError) return null;
        throw error;
      });
    }
    const now = new Date();
    // A rule's reply is an automatic message, not a first response (LIFECYCLE.md).
    const isStaffReply = !rule && actor.role !== 'CLIENT' && !input.internal;
    await withStoredFiles(deps.storage, rule ? [] : uploads, (files) =>
      prisma.$transaction(async (tx) => {
        const comment = await tx.comment.create({
          data: {
            ticketId: ticket.id,
            authorId,
            ruleName: rule?.name ?? null,
            body: input.body,
            isInternal: input.internal,
          },
          select: { id: true },
        });
        if (authorId !== null) {
          await attachFiles(tx, ticket.id, authorId, files, { commentId: comment.id, isInternal: input.internal });
        }
        await tx.ticketEvent.create({
          data: {
            ticketId: ticket.id,
            actorId: authorId,
            type: 'comment',
            isInternal: input.internal,
            data: { commentId: comment.id, ...ruleMark(by) },
          },
        });
        // A comment does not bump the version: forms open elsewhere stay valid.
        await tx.ticket.update({
          where: { id: ticket.id },
          data: { updatedAt: now, ...(isStaffReply && !ticket.firstResponseAt ? { firstResponseAt: now } : {}) },
        });
        await deps.hooks.emit(tx, {
          ...causeOf(by),
          kind: 'comment',
          ticketId: ticket.id,
          number: ticket.number,
          actorId: authorId,
          actorRole: rule ? null : actor.role,
          at: now,
          requesterId: ticket.requesterId,
          assigneeId: ticket.assigneeId,
          status: resume ? 'IN_PROGRESS' : ticket.status,
          comment: { id: comment.id, body: input.body, isInternal: input.internal },
        });
        if (resume) await applyTransition(tx, deps, resume);
        await options.inTransaction?.(tx, { ticketId: ticket.id, commentId: comment.id });
      }),
    );
  };
}
