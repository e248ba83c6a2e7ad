// The tickets service: the use cases of the ticket wing, built once by the composition root
// (services.ts) and handed to routes, jobs, the inbound e-mail reader and scripts. Each use case
// lives in its own module; this only puts them together.
import { createAutoAssign } from '../assignment/auto-assign.js';
import type { Logger } from '../lib/logger.js';
import { createAddComment } from './add-comment.js';
import { createCreateTicket } from './create-ticket.js';
import { createRecordOnSite } from './record-on-site.js';
import { createReplyWithAction } from './reply-with-action.js';
import { createTicketBin } from './ticket-bin.js';
import { createTicketPage } from './ticket-page.js';
import type { TicketDeps } from './ticket-writes.js';
import { createTransitionTicket } from './transition-ticket.js';
import { createUpdateProperties } from './update-properties.js';

export type { AddCommentOptions } from './add-comment.js';
export type { CreateTicketOptions } from './create-ticket.js';
export type { SystemActor, TicketDeps } from './ticket-writes.js';

export function createTicketsService(deps: TicketDeps, options: { logger?: Logger } = {}) {
  const { assignByDepartment } = createAutoAssign(deps);
  // Automatic assignment runs after the client's change committed, as its own transaction: it
  // can never undo or fail a ticket's creation or reopening — a failure is only logged.
  const autoAssign = async (number: number, autoOptions: Parameters<typeof assignByDepartment>[1]) => {
    // Twice: on a loaded server a lock or a pool connection can time out once; the version check
    // keeps a second try from overriding anything a person did meanwhile.
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await assignByDepartment(number, autoOptions);
        options.logger?.debug({ ticket: number, ...result }, 'automatic assignment');
        return;
      } catch (error) {
        if (attempt < 2) continue;
        options.logger?.error({ err: error, ticket: number }, 'automatic assignment failed');
        return;
      }
    }
  };
  const createTicket = createCreateTicket(deps);
  // Every way in (web form, inbound e-mail, support on a client's behalf, demo data) comes here.
  const create: typeof createTicket = async (...args) => {
    const number = await createTicket(...args);
    // A ticket is created at version 1; anything newer is a person's change, which wins.
    await autoAssign(number, { version: 1 });
    return number;
  };
  const runTransition = createTransitionTicket(deps);
  const transitionTicket: typeof runTransition = async (actor, number, action, input, uploads) => {
    await runTransition(actor, number, action, input, uploads);
    // The reopen's compare-and-set left it one version on; back to whoever had it, if available.
    if (action === 'reopen') await autoAssign(number, { version: input.version + 1, preferPrevious: true });
  };
  const page = createTicketPage(deps);
  const addComment = createAddComment(deps);
  return {
    create,
    transitionTicket,
    addComment,
    replyWithAction: createReplyWithAction(deps, addComment, transitionTicket),
    updateProperties: createUpdateProperties(deps),
    recordOnSite: createRecordOnSite(deps),
    ...createTicketBin(deps),
    /** "Assign per the department's method" (the rules engine's action; reports why it did not). */
    assignByDepartment,
    ...page,
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
