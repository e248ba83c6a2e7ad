// What the ticket page and the lists say about a ticket's SLA, from the due instants the clock
// stored (sla-clock.ts): per target met / missed / running / at risk / overdue, and the nearest
// due instant's badge for the lists. Pure; the words come from the locale files.
import type { TicketStatus } from '../generated/prisma/enums.js';
import { isOpen } from '../tickets/ticket-statuses.js';

export type SlaState = 'met' | 'missed' | 'running' | 'atRisk' | 'overdue' | 'stopped';
export type SlaTargetKey = 'firstResponse' | 'nextResponse' | 'resolution' | 'onSite';
export type SlaTargetView = { key: SlaTargetKey; dueAt: Date; state: SlaState; doneAt: Date | null };

type SlaTicket = {
  status: TicketStatus;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  onSiteAt: Date | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  onSiteDueAt: Date | null;
  slaDueAt: Date | null;
  slaWarnAt: Date | null;
};

export function slaTargetsView(ticket: SlaTicket, now = new Date()): { targets: SlaTargetView[]; paused: boolean } {
  const isStopped = !isOpen(ticket.status);
  const rows: [SlaTargetKey, Date | null, Date | null][] = [
    ['firstResponse', ticket.firstResponseDueAt, ticket.firstResponseAt],
    ['nextResponse', ticket.nextResponseDueAt, null],
    [
      'resolution',
      ticket.resolutionDueAt,
      ticket.status === 'RESOLVED' || ticket.status === 'CLOSED' ? ticket.resolvedAt : null,
    ],
    ['onSite', ticket.onSiteDueAt, ticket.onSiteAt],
  ];
  const targets: SlaTargetView[] = [];
  for (const [key, dueAt, doneAt] of rows) {
    if (dueAt === null) continue;
    let state: SlaState;
    if (doneAt !== null) state = doneAt <= dueAt ? 'met' : 'missed';
    else if (isStopped) state = dueAt < now ? 'missed' : 'stopped';
    else if (dueAt <= now) state = 'overdue';
    else if (ticket.slaDueAt?.getTime() === dueAt.getTime() && ticket.slaWarnAt !== null && ticket.slaWarnAt <= now)
      state = 'atRisk';
    else state = 'running';
    targets.push({ key, dueAt, state, doneAt });
  }
  return { targets, paused: ticket.status === 'ON_HOLD' };
}

/** The lists' badge: the nearest pending due instant, at risk (warning passed) or overdue. */
export function slaBadge(
  ticket: { slaDueAt: Date | null; slaWarnAt: Date | null },
  now = new Date(),
): { state: 'running' | 'atRisk' | 'overdue'; dueAt: Date } | null {
  if (ticket.slaDueAt === null) return null;
  const state =
    ticket.slaDueAt <= now ? 'overdue' : ticket.slaWarnAt !== null && ticket.slaWarnAt <= now ? 'atRisk' : 'running';
  return { state, dueAt: ticket.slaDueAt };
}
