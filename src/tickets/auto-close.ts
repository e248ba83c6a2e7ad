// The job that closes tickets left RESOLVED longer than the setting, through the lifecycle table
// like any other close (actor: system), so history, counters and notifications are the same.
import { AppError } from '../lib/errors.js';
import type { TicketAction } from './ticket-lifecycle.js';
import { lifecycleRules, type TicketDeps } from './ticket-writes.js';

type Transition = (
  actor: 'system',
  number: number,
  action: Extract<TicketAction, 'close'>,
  input: { version: number },
) => Promise<void>;

export function createAutoClose(deps: TicketDeps, transitionTicket: Transition) {
  return async function autoCloseResolved(now = new Date()): Promise<number> {
    const { autoCloseDays } = await lifecycleRules(deps.settings);
    const due = await deps.prisma.ticket.findMany({
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
  };
}
