import { describe, expect, it } from 'vitest';
import type { Calendar } from '../../src/sla/business-time.js';
import { type ClockFacts, computeSlaClock, deadline, statusPauses } from '../../src/sla/sla-clock.js';

const day = [{ start: '09:00', end: '18:00' }];
// Monday to Friday 09:00-18:00 UTC. 2026-12-07 is a Monday.
const office: Calendar = { timeZone: 'UTC', alwaysOpen: false, hours: [[], day, day, day, day, day, []], holidays: [] };
const at = (iso: string) => new Date(iso);
const iso = (date: Date | null) => date?.toISOString() ?? null;

describe('deadline with pauses', () => {
  it.each([
    ['no pause', '2026-12-07T10:00:00Z', 120, [], '2026-12-07T12:00:00.000Z'],
    [
      'a pause after the deadline changes nothing',
      '2026-12-07T10:00:00Z',
      60,
      [['2026-12-07T15:00:00Z', '2026-12-07T16:00:00Z']],
      '2026-12-07T11:00:00.000Z',
    ],
    [
      'a one-hour pause inside pushes it one hour',
      '2026-12-07T10:00:00Z',
      120,
      [['2026-12-07T11:00:00Z', '2026-12-07T12:00:00Z']],
      '2026-12-07T13:00:00.000Z',
    ],
    [
      'a pause over the night counts only its business part',
      '2026-12-07T17:00:00Z',
      120,
      [['2026-12-07T17:30:00Z', '2026-12-08T10:00:00Z']],
      '2026-12-08T11:30:00.000Z',
    ],
    [
      'a pause that began before the start',
      '2026-12-07T10:00:00Z',
      60,
      [['2026-12-07T09:00:00Z', '2026-12-07T11:00:00Z']],
      '2026-12-07T12:00:00.000Z',
    ],
    [
      'two pauses',
      '2026-12-07T09:00:00Z',
      180,
      [
        ['2026-12-07T10:00:00Z', '2026-12-07T11:00:00Z'],
        ['2026-12-07T12:00:00Z', '2026-12-07T14:00:00Z'],
      ],
      '2026-12-07T15:00:00.000Z',
    ],
    ['a weekend in the middle (Friday 17:00, 2 h)', '2026-12-11T17:00:00Z', 120, [], '2026-12-14T10:00:00.000Z'],
  ])('%s', (_label, start, minutes, pauses, expected) => {
    const spans = pauses.map(([from, to]) => ({ from: at(from as string), to: at(to as string) }));
    expect(iso(deadline(office, at(start), minutes, spans))).toBe(expected);
  });

  it('is held (null) by a pause still going on before the minutes are spent', () => {
    expect(
      deadline(office, at('2026-12-07T10:00:00Z'), 120, [{ from: at('2026-12-07T11:00:00Z'), to: null }]),
    ).toBeNull();
  });
});

describe('statusPauses', () => {
  it('counts ON_HOLD spans and RESOLVED spans that a reopen ended; a span still open stays open', () => {
    const pauses = statusPauses([
      { at: at('2026-12-07T10:00:00Z'), from: 'NEW', to: 'ASSIGNED' },
      { at: at('2026-12-07T11:00:00Z'), from: 'ASSIGNED', to: 'ON_HOLD' },
      { at: at('2026-12-07T12:00:00Z'), from: 'ON_HOLD', to: 'IN_PROGRESS' },
      { at: at('2026-12-07T13:00:00Z'), from: 'IN_PROGRESS', to: 'RESOLVED' },
      { at: at('2026-12-08T09:30:00Z'), from: 'RESOLVED', to: 'REOPENED' },
      { at: at('2026-12-08T10:00:00Z'), from: 'REOPENED', to: 'ON_HOLD' },
    ]);
    expect(pauses.map((p) => [iso(p.from), iso(p.to)])).toEqual([
      ['2026-12-07T11:00:00.000Z', '2026-12-07T12:00:00.000Z'],
      ['2026-12-07T13:00:00.000Z', '2026-12-08T09:30:00.000Z'],
      ['2026-12-08T10:00:00.000Z', null],
    ]);
  });
});

describe('computeSlaClock', () => {
  const policy = {
    firstResponseMinutes: 60,
    nextResponseMinutes: 120,
    resolutionMinutes: 240,
    onSiteMinutes: 480,
    businessHours: true,
  };
  const facts = (over: Partial<ClockFacts> = {}): ClockFacts => ({
    status: 'NEW',
    createdAt: at('2026-12-11T17:55:00Z'), // a Friday, five minutes before closing
    firstResponseAt: null,
    onSiteAt: null,
    awaitingReplySince: null,
    pauses: [],
    deleted: false,
    ...over,
  });
  const due = (clock: ReturnType<typeof computeSlaClock>, target: string) =>
    iso(clock.targets.find((t) => t.target === target)?.dueAt ?? null);

  it('runs each target on business hours: a Friday 17:55 ticket is answered by Monday 09:55', () => {
    const clock = computeSlaClock(policy, office, facts(), 80);
    expect(due(clock, 'FIRST_RESPONSE')).toBe('2026-12-14T09:55:00.000Z');
    expect(due(clock, 'RESOLUTION')).toBe('2026-12-14T12:55:00.000Z');
    expect(due(clock, 'ON_SITE')).toBe('2026-12-14T16:55:00.000Z');
    expect(clock.targets.map((t) => t.target)).not.toContain('NEXT_RESPONSE');
    expect(iso(clock.dueAt)).toBe('2026-12-14T09:55:00.000Z');
    // 80 % of 60 minutes: 48 business minutes, 5 on Friday and 43 on Monday.
    expect(iso(clock.warnAt)).toBe('2026-12-14T09:43:00.000Z');
    expect(iso(clock.checkAt)).toBe('2026-12-14T09:43:00.000Z');
  });

  it('around the clock when the policy is not on business hours', () => {
    const clock = computeSlaClock({ ...policy, businessHours: false }, office, facts(), 80);
    expect(due(clock, 'FIRST_RESPONSE')).toBe('2026-12-11T18:55:00.000Z');
  });

  it('a met target stops being pending but keeps its due instant; the nearest is then the next one', () => {
    const clock = computeSlaClock(policy, office, facts({ firstResponseAt: at('2026-12-14T09:10:00Z') }), 80);
    const first = clock.targets.find((t) => t.target === 'FIRST_RESPONSE');
    expect(first?.pending).toBe(false);
    expect(iso(first?.dueAt ?? null)).toBe('2026-12-14T09:55:00.000Z');
    expect(iso(clock.dueAt)).toBe('2026-12-14T12:55:00.000Z');
  });

  it('a client reply waiting for an answer starts the next-response target', () => {
    const clock = computeSlaClock(
      policy,
      office,
      facts({ firstResponseAt: at('2026-12-14T09:10:00Z'), awaitingReplySince: at('2026-12-14T10:00:00Z') }),
      80,
    );
    expect(due(clock, 'NEXT_RESPONSE')).toBe('2026-12-14T12:00:00.000Z');
    expect(iso(clock.dueAt)).toBe('2026-12-14T12:00:00.000Z');
  });

  it('while on hold nothing is due (paused); after it, resolution goes on with the time it had left', () => {
    const held = computeSlaClock(
      policy,
      office,
      facts({ status: 'ON_HOLD', pauses: [{ from: at('2026-12-14T09:30:00Z'), to: null }] }),
      80,
    );
    expect(held.paused).toBe(true);
    expect(held.dueAt).toBeNull();
    expect(held.checkAt).toBeNull();
    const resumed = computeSlaClock(
      policy,
      office,
      facts({ status: 'IN_PROGRESS', pauses: [{ from: at('2026-12-14T09:30:00Z'), to: at('2026-12-15T09:00:00Z') }] }),
      80,
    );
    // 240 minutes: 5 on Friday, 30 on Monday before the hold, 205 from Tuesday 09:00.
    expect(due(resumed, 'RESOLUTION')).toBe('2026-12-15T12:25:00.000Z');
    // A target already overdue when the hold began stays overdue (the hold does not hide it).
    const late = computeSlaClock(
      policy,
      office,
      facts({ status: 'ON_HOLD', pauses: [{ from: at('2026-12-14T10:00:00Z'), to: null }] }),
      80,
    );
    expect(iso(late.dueAt)).toBe('2026-12-14T09:55:00.000Z');
  });

  it('stops every target when resolved, and a reopen continues the resolution clock', () => {
    const resolved = computeSlaClock(policy, office, facts({ status: 'RESOLVED' }), 80);
    expect(resolved.targets.every((t) => !t.pending)).toBe(true);
    expect(resolved.dueAt).toBeNull();
    expect(resolved.checkAt).toBeNull();
    const reopened = computeSlaClock(
      policy,
      office,
      facts({
        status: 'REOPENED',
        firstResponseAt: at('2026-12-14T09:10:00Z'),
        onSiteAt: at('2026-12-14T10:00:00Z'),
        pauses: statusPauses([
          { at: at('2026-12-14T11:00:00Z'), from: 'IN_PROGRESS', to: 'RESOLVED' },
          { at: at('2026-12-16T09:00:00Z'), from: 'RESOLVED', to: 'REOPENED' },
        ]),
      }),
      80,
    );
    // 5 + 120 minutes were spent before the resolution; 115 are left from Wednesday 09:00.
    expect(due(reopened, 'RESOLUTION')).toBe('2026-12-16T10:55:00.000Z');
    expect(iso(reopened.dueAt)).toBe('2026-12-16T10:55:00.000Z');
  });

  it('a deleted ticket has nothing pending', () => {
    expect(computeSlaClock(policy, office, facts({ deleted: true }), 80).checkAt).toBeNull();
  });
});
