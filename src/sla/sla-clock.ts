// The SLA clock of one ticket, computed whole from what happened to it (pure: no database). Every
// change recomputes it the same way, so a changed priority, department (calendar) or policy, a
// pause or a reopen can never leave a due instant that an incremental update got wrong.
//
// - Each target runs from its start (creation; for the next response, the client's unanswered
//   reply) for its minutes, on the calendar (business minutes) or around the clock.
// - Time in ON_HOLD does not count, and neither does time in RESOLVED or CLOSED before a reopen,
//   so a reopened ticket's resolution goes on with the time it had left.
// - A target stops being pending once met (first public staff reply, arrival on site, a staff
//   reply to the client) and every target stops in a final or resolved status; its due instant
//   is kept, so the ticket page can say whether it was met.
// - While the ticket is paused, pending targets have no due instant (shown as paused).
// - The warning instant is when `warnPercent` of the target has elapsed, on the same clock.
import type { TicketStatus } from '../generated/prisma/enums.js';
import { isOpen } from '../tickets/ticket-statuses.js';
import { addBusinessMinutes, aroundTheClock, businessMinutesBetween, type Calendar } from './business-time.js';
import type { SlaTargets } from './sla-policies.js';

export const slaTargets = ['FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION', 'ON_SITE'] as const;
export type SlaTargetName = (typeof slaTargets)[number];

/** A span of time that does not count (end null: still going on). */
export type Pause = { from: Date; to: Date | null };

export type ClockFacts = {
  status: TicketStatus;
  createdAt: Date;
  firstResponseAt: Date | null;
  onSiteAt: Date | null;
  awaitingReplySince: Date | null;
  /** ON_HOLD spans, and RESOLVED/CLOSED spans followed by a reopen (from statusPauses()). */
  pauses: Pause[];
  deleted: boolean;
};

export type TargetClock = {
  target: SlaTargetName;
  minutes: number;
  /** Null while the ticket is paused and the target is pending. */
  dueAt: Date | null;
  warnAt: Date | null;
  /** Still running (not met, not stopped). */
  pending: boolean;
  /** When it was met (first response, arrival, reply), if it was. */
  metAt: Date | null;
};

export type SlaClock = {
  targets: TargetClock[];
  /** The nearest pending due instant and its warning (lists' badge, filters, sort). */
  dueAt: Date | null;
  warnAt: Date | null;
  /** The earliest warning or due instant of a pending target: where the sweep looks next. */
  checkAt: Date | null;
  paused: boolean;
};

/**
 * Pauses from the ticket's status changes, oldest first: every ON_HOLD span, and every
 * RESOLVED/CLOSED span that a reopen ended. (A span still open at the end is returned open.)
 */
export function statusPauses(changes: { at: Date; from: string | null; to: string | null }[]): Pause[] {
  const pauses: Pause[] = [];
  let open: Date | null = null;
  const pausing = (status: string | null) => status === 'ON_HOLD' || status === 'RESOLVED' || status === 'CLOSED';
  for (const change of [...changes].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    if (pausing(change.to) && open === null) open = change.at;
    else if (!pausing(change.to) && open !== null) {
      pauses.push({ from: open, to: change.at });
      open = null;
    }
  }
  if (open !== null) pauses.push({ from: open, to: null });
  return pauses;
}

/**
 * The instant `minutes` after `start` on `calendar`, not counting the pauses; null when the
 * pauses hold it (a pause still going on before the minutes are spent).
 */
export function deadline(calendar: Calendar, start: Date, minutes: number, pauses: Pause[]): Date | null {
  let from = start;
  let left = minutes;
  for (const pause of pauses) {
    const pauseEnd = pause.to;
    if (pauseEnd !== null && pauseEnd <= from) continue;
    const pauseStart = new Date(Math.max(pause.from.getTime(), from.getTime()));
    const reached = addBusinessMinutes(calendar, from, left);
    if (reached <= pauseStart) return reached;
    left -= businessMinutesBetween(calendar, from, pauseStart);
    if (pauseEnd === null) return null;
    from = pauseEnd;
  }
  return addBusinessMinutes(calendar, from, left);
}

export function computeSlaClock(
  policy: SlaTargets & { businessHours: boolean },
  calendar: Calendar,
  facts: ClockFacts,
  warnPercent: number,
): SlaClock {
  const clockCalendar = policy.businessHours ? calendar : aroundTheClock;
  // Open work only: resolved, closed and cancelled tickets have nothing pending.
  const running = !facts.deleted && isOpen(facts.status);
  const paused = running && facts.pauses.some((pause) => pause.to === null);
  // A stopped ticket's last span (resolved, closed) is its end, not a pause: the due instants it
  // had are kept for the record.
  const pauses = running ? facts.pauses : facts.pauses.filter((pause) => pause.to !== null);
  const targets: TargetClock[] = [];
  const add = (target: SlaTargetName, minutes: number | null, start: Date | null, metAt: Date | null) => {
    if (minutes === null || start === null) return;
    const dueAt = deadline(clockCalendar, start, minutes, pauses);
    const warnAt = deadline(clockCalendar, start, Math.floor((minutes * warnPercent) / 100), pauses);
    targets.push({ target, minutes, dueAt, warnAt, pending: running && metAt === null, metAt });
  };
  add('FIRST_RESPONSE', policy.firstResponseMinutes, facts.createdAt, facts.firstResponseAt);
  add('NEXT_RESPONSE', policy.nextResponseMinutes, facts.awaitingReplySince, null);
  add('RESOLUTION', policy.resolutionMinutes, facts.createdAt, null);
  add('ON_SITE', policy.onSiteMinutes, facts.createdAt, facts.onSiteAt);

  const pending = targets.filter((t) => t.pending && t.dueAt !== null);
  const nearest = pending.reduce<TargetClock | null>(
    (best, t) => (best === null || (t.dueAt as Date) < (best.dueAt as Date) ? t : best),
    null,
  );
  const instants = pending.flatMap((t) => [t.warnAt, t.dueAt]).filter((at): at is Date => at !== null);
  return {
    targets,
    dueAt: nearest?.dueAt ?? null,
    warnAt: nearest?.warnAt ?? null,
    checkAt: instants.length ? new Date(Math.min(...instants.map((at) => at.getTime()))) : null,
    paused,
  };
}
