// Downloads go through the same visibility rule as the ticket; staff-only files stay staff-only.
import type { AppContext } from '../context.js';
import { notFound } from '../lib/errors.js';
import { type Actor, canSeeInternal, ticketScopeFor } from '../tickets/tickets.policy.js';

export function createAttachmentsService(ctx: AppContext) {
  const { prisma } = ctx.db;
  return {
    async forDownload(actor: Actor, id: number) {
      const attachment = await prisma.attachment.findFirst({
        where: { id, ...(canSeeInternal(actor) ? {} : { isInternal: false }), ticket: ticketScopeFor(actor) },
        select: { storageKey: true, originalName: true, mimeType: true, size: true, sha256: true },
      });
      if (!attachment) throw notFound();
      return attachment;
    },
  };
}
