// Notifications subscribe to "a ticket changed": each change becomes one outbox row (and the live
// event for open pages) in the change's own transaction. Who receives what is decided later, by
// the worker (recipients.ts), from the lifecycle table's `notify` rules.

import { mentionedStaffIds } from '../tickets/mentions.js';
import type { TicketChange, TicketChangeHooks } from '../tickets/ticket-changes.js';
import { enqueueNotification } from './outbox.js';

export function subscribeNotifications(hooks: TicketChangeHooks): void {
  hooks.subscribe(async (tx, change) => {
    const topic = topicOf(change);
    if (!topic) return;
    const base = { number: change.number, actorId: change.actorId };
    switch (change.kind) {
      case 'created':
        return enqueueNotification(tx, topic, { ...base, requesterId: change.requesterId }, change.ticketId);
      case 'transition': {
        const reassigned = change.fields.some((field) => field.field === 'assigneeId');
        return enqueueNotification(
          tx,
          topic,
          {
            ...base,
            action: change.action,
            from: change.from,
            to: change.to,
            assigneeId: change.assigneeId,
            previousAssigneeId: reassigned ? change.previousAssigneeId : undefined,
            commentId: change.comment?.id,
          },
          change.ticketId,
        );
      }
      case 'comment':
        return enqueueNotification(
          tx,
          topic,
          {
            ...base,
            commentId: change.comment.id,
            ...(change.comment.isInternal
              ? { mentionedUserIds: await mentionedStaffIds(tx, change.comment.body) }
              : {}),
          },
          change.ticketId,
        );
      case 'properties':
        return enqueueNotification(tx, topic, { ...base, changes: change.fields }, change.ticketId);
      default:
        return;
    }
  });
}

function topicOf(change: TicketChange): string | null {
  switch (change.kind) {
    case 'created':
      return 'ticket.created';
    case 'transition':
      return `ticket.${change.action}`;
    case 'comment':
      return change.comment.isInternal ? 'comment.internal' : 'comment.public';
    case 'properties':
      return 'ticket.classified';
    default:
      return null;
  }
}
