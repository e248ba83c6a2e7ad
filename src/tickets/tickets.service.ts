// The tickets service: the use cases of the ticket wing, built once by the composition root
// (services.ts) and handed to routes, jobs, the inbound e-mail reader and scripts. Each use case
// lives in its own module; this only puts them together.
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

export function createTicketsService(deps: TicketDeps) {
  const transitionTicket = createTransitionTicket(deps);
  const page = createTicketPage(deps);
  const addComment = createAddComment(deps);
  return {
    create: createCreateTicket(deps),
    transitionTicket,
    addComment,
    replyWithAction: createReplyWithAction(deps, addComment, transitionTicket),
    updateProperties: createUpdateProperties(deps),
    recordOnSite: createRecordOnSite(deps),
    ...createTicketBin(deps),
    ...page,
  };
}

export type TicketsService = ReturnType<typeof createTicketsService>;
