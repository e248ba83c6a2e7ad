// A reply sent with a lifecycle action (a canned reply's "also put on hold"): both go through the
// table, in one transaction, or neither happens. Where the action posts its own public message (a
// hold's reason, a solution's message) the reply IS that message; otherwise the reply is posted as
// a comment and the action taken in the comment's transaction.
import type { PreparedUpload } from '../attachments/upload.js';
import { AppError, validationError } from '../lib/errors.js';
import { parseForm } from '../lib/validate.js';
import { type CannedAction, cannedActionText } from '../replies/reply-text.js';
import type { createAddComment } from './add-comment.js';
import { lifecycle } from './ticket-lifecycle.js';
import { loadScoped, type TicketDeps } from './ticket-writes.js';
import type { Actor } from './tickets.policy.js';
import type { TComment } from './tickets.schema.js';
import { applyTransition, type createTransitionTicket, planTransition } from './transition-ticket.js';

export function createReplyWithAction(
  deps: TicketDeps,
  addComment: ReturnType<typeof createAddComment>,
  transitionTicket: ReturnType<typeof createTransitionTicket>,
) {
  return async function replyWithAction(
    actor: Actor,
    number: number,
    input: TComment,
    action: CannedAction,
    version: number,
    uploads: PreparedUpload[],
  ): Promise<void> {
    const field = cannedActionText[action];
    if (field) {
      // The reply becomes the action's public message: an internal note or files cannot ride along.
      if (input.internal) throw validationError({ internal: { key: 'validation.replyActionIsPublic' } });
      if (uploads.length > 0) throw validationError({ attachments: { key: 'validation.replyActionNoFiles' } });
      let actionInput: { version: number };
      try {
        actionInput = parseForm(lifecycle[action].input, { version: String(version), [field]: input.body });
      } catch (error) {
        // The action's limits (a hold's reason is short) are the reply box's limits here.
        if (error instanceof AppError && error.fieldErrors[field]) {
          throw validationError({ body: error.fieldErrors[field] });
        }
        throw error;
      }
      await transitionTicket(actor, number, action, actionInput as never);
      return;
    }
    // Planned first: a refused or stale action writes nothing, the comment included.
    const ticket = await loadScoped(deps.prisma, actor, number);
    const plan = await planTransition(deps, actor, ticket, action, { version } as never);
    await addComment(actor, number, input, uploads, {
      inTransaction: async (tx) => {
        await applyTransition(tx, deps, plan);
      },
    });
  };
}
