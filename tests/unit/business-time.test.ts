// The business-time arithmetic, as a table computed by hand. Every expected instant is written
// with its real UTC offset (the offsets in force that day, checked against the tz database), so
// JavaScript's own ISO parser, not the code under test, turns it into an instant.
import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  type Calendar,
  CalendarNeverOpenError,
  nextOpenings,
  type OpeningRange,
  type WalkProbe,
} from '../../src/sla/business-time.js';
import { ZCalendarRules } from '../../src/sla/calendars.schema.js';

const r = (start: string, end: string): OpeningRange => ({ start, end });
const closed: OpeningRange[] = [];
const nineToSix = [r('09:00', '18:00')];

/** Buenos Aires (UTC-3 all year since 2009), Mon–Fri 09:00–18:00, Argentine holidays. */
const office: Calendar = {
  timeZone: 'America/Argentina/Buenos_Aires',
  alwaysOpen: false,
  hours: [closed, nineToSix, nineToSix, nineToSix, nineToSix, nineToSix, closed],
  holidays: [
    { date: '2026-11-23', yearly: false, name: 'Soberanía (trasladado)' },
    { date: '2026-12-07', yearly: false, name: 'Puente' },
    { date: '2000-12-08', yearly: true, name: 'Inmaculada Concepción' },
    { date: '2000-12-25', yearly: true, name: 'Navidad' },
    { date: '2000-01-01', yearly: true, name: 'Año nuevo' },
  ],
};

/** Split days with a lunch break and a Saturday morning; no holidays. */
const split: Calendar = {
  timeZone: 'America/Argentina/Buenos_Aires',
  alwaysOpen: false,
  hours: [
    closed,
    ...Array.from({ length: 5 }, () => [r('08:00', '13:00'), r('14:00', '18:00')]),
    [r('09:00', '12:00')],
  ],
  holidays: [],
};

const plainOffice: Calendar = { ...office, holidays: [] };

/** 24×7: the holiday listed is ignored. */
const always: Calendar = {
  timeZone: 'Europe/Madrid',
  alwaysOpen: true,
  hours: [closed, closed, closed, closed, closed, closed, closed],
  holidays: [{ date: '2026-12-25', yearly: false }],
};

/** Madrid office plus a Sunday night window around the hour at which the clocks change. */
const madrid: Calendar = {
  timeZone: 'Europe/Madrid',
  alwaysOpen: false,
  hours: [[r('02:15', '03:30')], nineToSix, nineToSix, nineToSix, nineToSix, nineToSix, closed],
  holidays: [],
};

/** Madrid, open round the clock every day (not alwaysOpen): a day is as long as the clock says. */
const madridEveryDay: Calendar = {
  timeZone: 'Europe/Madrid',
  alwaysOpen: false,
  hours: Array.from({ length: 7 }, () => [r('00:00', '24:00')]),
  holidays: [],
};

/** Buenos Aires with a weekend guard shift: Saturday 20:00–24:00 and Sunday 00:00–06:00. */
const baGuard: Calendar = {
  timeZone: 'America/Argentina/Buenos_Aires',
  alwaysOpen: false,
  hours: [[r('00:00', '06:00')], nineToSix, nineToSix, nineToSix, nineToSix, nineToSix, [r('20:00', '24:00')]],
  holidays: [],
};

/** São Paulo office 08:00–17:00, Saturday 18:00–24:00 and Sunday 00:00–12:00. */
const saoPaulo: Calendar = {
  timeZone: 'America/Sao_Paulo',
  alwaysOpen: false,
  hours: [[r('00:00', '12:00')], ...Array.from({ length: 5 }, () => [r('08:00', '17:00')]), [r('18:00', '24:00')]],
  holidays: [],
};

type AddCase = [name: string, calendar: Calendar, start: string, minutes: number, expected: string];
type BetweenCase = [name: string, calendar: Calendar, from: string, to: string, expected: number];

const addCases: AddCase[] = [
  // Nights, weekends, the working day
  ['inside the day', office, '2026-12-02T10:00-03:00', 60, '2026-12-02T11:00-03:00'],
  ['over the night', office, '2026-12-02T17:30-03:00', 60, '2026-12-03T09:30-03:00'],
  ['filed at night counts from the opening', office, '2026-12-02T20:00-03:00', 60, '2026-12-03T10:00-03:00'],
  ['filed before dawn', office, '2026-12-02T03:00-03:00', 30, '2026-12-02T09:30-03:00'],
  ['zero minutes while open is the start', office, '2026-12-02T10:00-03:00', 0, '2026-12-02T10:00-03:00'],
  [
    'runs out exactly at closing: closing, not the next opening',
    office,
    '2026-12-04T17:00-03:00',
    60,
    '2026-12-04T18:00-03:00',
  ],
  ['one minute past closing: Monday', plainOffice, '2026-12-04T17:00-03:00', 61, '2026-12-07T09:01-03:00'],
  ['over a weekend', plainOffice, '2026-12-04T16:00-03:00', 180, '2026-12-07T10:00-03:00'],
  ['filed on Saturday', plainOffice, '2026-12-05T11:00-03:00', 90, '2026-12-07T10:30-03:00'],
  ['fractional minutes', office, '2026-12-02T10:00-03:00', 1.5, '2026-12-02T10:01:30-03:00'],
  // Holidays
  ['17:55 Friday before a Monday holiday, 60 min', office, '2026-11-20T17:55-03:00', 60, '2026-11-24T09:55-03:00'],
  ['17:55 Friday before Monday and Tuesday holidays', office, '2026-12-04T17:55-03:00', 60, '2026-12-09T09:55-03:00'],
  ['zero minutes on a holiday weekend: next opening', office, '2026-12-05T12:00-03:00', 0, '2026-12-09T09:00-03:00'],
  ['zero minutes at closing: next opening', office, '2026-12-04T18:00-03:00', 0, '2026-12-09T09:00-03:00'],
  ['yearly holiday in another year (Christmas 2025)', office, '2025-12-24T17:00-03:00', 120, '2025-12-26T10:00-03:00'],
  [
    'one-off holiday does not repeat (7 Dec 2027 is open)',
    office,
    '2027-12-06T17:00-03:00',
    120,
    '2027-12-07T10:00-03:00',
  ],
  ['New Year (yearly) then a weekend', office, '2026-12-31T17:00-03:00', 120, '2027-01-04T10:00-03:00'],
  // Split days
  ['across lunch', split, '2026-11-30T12:30-03:00', 60, '2026-11-30T14:30-03:00'],
  ['filed at lunch', split, '2026-11-30T13:30-03:00', 10, '2026-11-30T14:10-03:00'],
  ['zero at the start of lunch: after lunch', split, '2026-11-30T13:00-03:00', 0, '2026-11-30T14:00-03:00'],
  ['into Saturday morning', split, '2026-12-04T17:00-03:00', 180, '2026-12-05T11:00-03:00'],
  ['from Saturday to Monday', split, '2026-12-05T11:30-03:00', 60, '2026-12-07T08:30-03:00'],
  // Several weeks
  ['two full weeks end on Friday at closing', office, '2026-11-02T09:00-03:00', 5400, '2026-11-13T18:00-03:00'],
  ['two weeks and a minute', office, '2026-11-02T09:00-03:00', 5401, '2026-11-16T09:01-03:00'],
  ['four weeks over a holiday (23 Nov)', office, '2026-11-02T09:00-03:00', 10_800, '2026-11-30T18:00-03:00'],
  [
    '100,000 minutes: 37 weeks and 100 minutes',
    plainOffice,
    '2027-01-04T09:00-03:00',
    100_000,
    '2027-09-20T10:40-03:00',
  ],
  // 24×7
  ['24×7 ignores holidays', always, '2026-12-25T10:00Z', 1440, '2026-12-26T10:00Z'],
  ['24×7 over the October change is real minutes', always, '2026-10-24T22:00Z', 1440, '2026-10-25T22:00Z'],
  // Europe/Madrid: 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET
  [
    'Madrid spring: 02:15 does not exist, the window opens at 03:00 CEST',
    madrid,
    '2026-03-29T01:00+01:00',
    0,
    '2026-03-29T03:00+02:00',
  ],
  ['Madrid spring: 10 min into the shortened window', madrid, '2026-03-29T01:00+01:00', 10, '2026-03-29T03:10+02:00'],
  ['Madrid spring: the window is 30 min, then Monday', madrid, '2026-03-29T01:00+01:00', 31, '2026-03-30T09:01+02:00'],
  [
    'Madrid spring: Friday to Monday over the Sunday window',
    madrid,
    '2026-03-27T17:00+01:00',
    120,
    '2026-03-30T09:30+02:00',
  ],
  [
    'Madrid autumn: 02:15 is its first occurrence (CEST)',
    madrid,
    '2026-10-25T02:00+02:00',
    0,
    '2026-10-25T02:15+02:00',
  ],
  ['Madrid autumn: 60 min into the lengthened window', madrid, '2026-10-25T02:00+02:00', 60, '2026-10-25T02:15+01:00'],
  ['Madrid autumn: the window is 135 min', madrid, '2026-10-25T02:00+02:00', 135, '2026-10-25T03:30+01:00'],
  [
    'Madrid autumn: Friday to Monday over the Sunday window',
    madrid,
    '2026-10-23T17:00+02:00',
    300,
    '2026-10-26T10:45+01:00',
  ],
  // America/Argentina/Buenos_Aires: 2008-10-19 00:00 → 01:00 (-03 → -02); 2009-03-15 00:00 → 14th 23:00
  ['Buenos Aires spring: Saturday 22:00 plus 60', baGuard, '2008-10-18T22:00-03:00', 60, '2008-10-18T23:00-03:00'],
  [
    'Buenos Aires spring: Saturday shift ends at the jump',
    baGuard,
    '2008-10-18T22:00-03:00',
    120,
    '2008-10-19T01:00-02:00',
  ],
  ['Buenos Aires spring: on into Sunday (01:00 -02)', baGuard, '2008-10-18T22:00-03:00', 180, '2008-10-19T02:00-02:00'],
  [
    'Buenos Aires spring: Friday 17:00 plus 600 (the weekend lost an hour)',
    baGuard,
    '2008-10-17T17:00-03:00',
    600,
    '2008-10-19T06:00-02:00',
  ],
  ['Buenos Aires summer time: a weekday at -02', baGuard, '2008-10-20T09:00-02:00', 60, '2008-10-20T10:00-02:00'],
  [
    'Buenos Aires autumn: 23:30 first pass plus 60 is 23:30 second pass',
    baGuard,
    '2009-03-14T23:30-02:00',
    60,
    '2009-03-14T23:30-03:00',
  ],
  ['Buenos Aires autumn: Saturday shift is 5 h', baGuard, '2009-03-14T20:00-02:00', 300, '2009-03-15T00:00-03:00'],
  // America/Sao_Paulo: 2018-11-04 00:00 → 01:00 (-03 → -02); 2019-02-17 00:00 → 16th 23:00
  ['São Paulo spring: zero minutes on Saturday noon', saoPaulo, '2018-11-03T12:00-03:00', 0, '2018-11-03T18:00-03:00'],
  [
    'São Paulo spring: Saturday 23:30 plus 30 is the jump',
    saoPaulo,
    '2018-11-03T23:30-03:00',
    30,
    '2018-11-04T01:00-02:00',
  ],
  ['São Paulo spring: Saturday 23:30 plus 31', saoPaulo, '2018-11-03T23:30-03:00', 31, '2018-11-04T01:01-02:00'],
  [
    'São Paulo spring: Sunday window is 11 h, then Monday',
    saoPaulo,
    '2018-11-04T01:00-02:00',
    661,
    '2018-11-05T08:01-02:00',
  ],
  ['São Paulo summer time: a full weekday', saoPaulo, '2018-11-05T08:00-02:00', 540, '2018-11-05T17:00-02:00'],
  [
    'São Paulo autumn: Saturday 23:00 (first pass) plus 120',
    saoPaulo,
    '2019-02-16T23:00-02:00',
    120,
    '2019-02-17T00:00-03:00',
  ],
];

const betweenCases: BetweenCase[] = [
  [
    'the 17:55 Friday ticket answered at 09:55 after the holidays',
    office,
    '2026-12-04T17:55-03:00',
    '2026-12-09T09:55-03:00',
    60,
  ],
  ['same instant', office, '2026-12-02T10:00-03:00', '2026-12-02T10:00-03:00', 0],
  ['to before from', office, '2026-12-02T12:00-03:00', '2026-12-02T10:00-03:00', 0],
  ['a weekend', office, '2026-11-28T00:00-03:00', '2026-11-30T00:00-03:00', 0],
  ['a week', office, '2026-11-02T00:00-03:00', '2026-11-09T00:00-03:00', 2700],
  ['a week with a holiday', office, '2026-11-23T00:00-03:00', '2026-11-30T00:00-03:00', 2160],
  ['half a minute', office, '2026-12-02T12:00:30-03:00', '2026-12-02T12:01:00-03:00', 0.5],
  ['split day, whole day', split, '2026-11-30T07:00-03:00', '2026-11-30T19:00-03:00', 540],
  ['split day over lunch', split, '2026-11-30T12:00-03:00', '2026-11-30T14:30-03:00', 90],
  ['24×7 is real time', always, '2026-03-28T23:00Z', '2026-03-29T23:00Z', 1440],
  ['Madrid spring Sunday window: 30 min', madrid, '2026-03-28T23:00Z', '2026-03-29T22:00Z', 30],
  ['Madrid ordinary Sunday window: 75 min', madrid, '2026-03-22T00:00+01:00', '2026-03-23T00:00+01:00', 75],
  ['Madrid autumn Sunday window: 135 min', madrid, '2026-10-24T22:00Z', '2026-10-25T22:00Z', 135],
  [
    'Madrid 00:00–24:00 on the autumn Sunday is 25 h',
    madridEveryDay,
    '2026-10-25T00:00+02:00',
    '2026-10-26T00:00+01:00',
    1500,
  ],
  [
    'Madrid 00:00–24:00 on the spring Sunday is 23 h',
    madridEveryDay,
    '2026-03-29T00:00+01:00',
    '2026-03-30T00:00+02:00',
    1380,
  ],
  ['Buenos Aires 2008 weekend shift is 9 h', baGuard, '2008-10-18T20:00-03:00', '2008-10-19T06:00-02:00', 540],
  ['Buenos Aires 2009 weekend shift is 11 h', baGuard, '2009-03-14T20:00-02:00', '2009-03-15T06:00-03:00', 660],
  ['São Paulo 2018 weekend is 6 + 11 h', saoPaulo, '2018-11-03T18:00-03:00', '2018-11-04T12:00-02:00', 1020],
  ['São Paulo 2019 weekend is 7 + 12 h', saoPaulo, '2019-02-16T18:00-02:00', '2019-02-17T12:00-03:00', 1140],
];

describe('addBusinessMinutes', () => {
  it.each(addCases)('%s', (_name, calendar, start, minutes, expected) => {
    expect(addBusinessMinutes(calendar, new Date(start), minutes).toISOString()).toBe(new Date(expected).toISOString());
  });
});

describe('businessMinutesBetween', () => {
  it.each(betweenCases)('%s', (_name, calendar, from, to, expected) => {
    expect(businessMinutesBetween(calendar, new Date(from), new Date(to))).toBe(expected);
  });
});

describe('adding then counting gives back the minutes', () => {
  const calendars: Array<[string, Calendar]> = [
    ['office', office],
    ['split', split],
    ['madrid', madrid],
    ['baGuard', baGuard],
    ['saoPaulo', saoPaulo],
    ['madridEveryDay', madridEveryDay],
    ['always', always],
  ];
  const starts = [
    '2026-12-04T17:55-03:00',
    '2026-11-30T13:30-03:00',
    '2026-03-28T23:59+01:00',
    '2026-10-25T02:30+02:00',
    '2008-10-18T23:30-03:00',
    '2009-03-14T23:30-03:00',
    '2018-11-03T23:59:30-03:00',
    '2019-02-16T23:15-02:00',
    '2026-12-02T10:00:00.250-03:00',
  ];
  const amounts = [0, 1, 29, 60, 61, 135, 539, 540, 541, 1000, 5400, 12_345, 100_000];
  for (const [name, calendar] of calendars) {
    it(`${name}: for every start and amount`, () => {
      for (const start of starts) {
        for (const minutes of amounts) {
          const due = addBusinessMinutes(calendar, new Date(start), minutes);
          expect(businessMinutesBetween(calendar, new Date(start), due), `${start} + ${minutes}`).toBe(minutes);
          if (minutes > 0) {
            // One minute less is never later: the result is monotonic in the amount.
            expect(addBusinessMinutes(calendar, new Date(start), minutes - 1).getTime()).toBeLessThan(due.getTime());
          }
        }
      }
    });
  }
});

describe('the walk is day by day', () => {
  it('100,000 minutes (37 weeks) visits a few hundred days, not minutes', () => {
    const probe: WalkProbe = { days: 0 };
    const due = addBusinessMinutes(plainOffice, new Date('2027-01-04T09:00-03:00'), 100_000, probe);
    expect(due.toISOString()).toBe(new Date('2027-09-20T10:40-03:00').toISOString());
    // 259 calendar days plus the day before and the last one.
    expect(probe.days).toBe(261);
  });
});

describe('a calendar that never opens', () => {
  it('with no hours at all throws a clear error', () => {
    const none: Calendar = { ...office, hours: [[], [], [], [], [], [], []] };
    expect(() => addBusinessMinutes(none, new Date('2026-12-02T10:00Z'), 10)).toThrow(CalendarNeverOpenError);
    expect(() => businessMinutesBetween(none, new Date('2026-12-02T10:00Z'), new Date('2026-12-03T10:00Z'))).toThrow(
      /no opening hours/,
    );
  });

  it('with every day a yearly holiday throws instead of looping', () => {
    const holidays = Array.from({ length: 366 }, (_, i) => ({
      date: new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10),
      yearly: true,
    }));
    const allHolidays: Calendar = { ...office, holidays };
    expect(() => addBusinessMinutes(allHolidays, new Date('2026-12-02T10:00Z'), 10)).toThrow(/consecutive days/);
    expect(businessMinutesBetween(allHolidays, new Date('2026-01-01T00:00Z'), new Date('2027-01-01T00:00Z'))).toBe(0);
  });

  it('refuses negative or non-finite amounts', () => {
    expect(() => addBusinessMinutes(office, new Date(), -1)).toThrow(RangeError);
    expect(() => addBusinessMinutes(office, new Date(), Number.NaN)).toThrow(RangeError);
  });
});

describe('nextOpenings', () => {
  it('skips holidays and weekends', () => {
    const openings = nextOpenings(office, new Date('2026-12-04T17:55-03:00'), 5).map((date) => date.toISOString());
    expect(openings).toEqual(
      [
        '2026-12-09T09:00-03:00',
        '2026-12-10T09:00-03:00',
        '2026-12-11T09:00-03:00',
        '2026-12-14T09:00-03:00',
        '2026-12-15T09:00-03:00',
      ].map((iso) => new Date(iso).toISOString()),
    );
  });

  it('counts a reopening after lunch, and a night shift across midnight once', () => {
    expect(nextOpenings(split, new Date('2026-11-30T12:00-03:00'), 2).map((date) => date.toISOString())).toEqual(
      ['2026-11-30T14:00-03:00', '2026-12-01T08:00-03:00'].map((iso) => new Date(iso).toISOString()),
    );
    expect(nextOpenings(baGuard, new Date('2026-12-04T18:00-03:00'), 2).map((date) => date.toISOString())).toEqual(
      ['2026-12-05T20:00-03:00', '2026-12-07T09:00-03:00'].map((iso) => new Date(iso).toISOString()),
    );
  });
});

describe('calendar schema', () => {
  const valid = {
    timeZone: 'America/Argentina/Buenos_Aires',
    alwaysOpen: false,
    hours: [
      [],
      [
        { start: '08:00', end: '13:00' },
        { start: '13:00', end: '24:00' },
      ],
      [],
      [],
      [],
      [],
      [],
    ],
    holidays: [{ date: '2026-12-08', yearly: true, name: 'Inmaculada' }],
  };
  const withMonday = (monday: OpeningRange[]) => ({ ...valid, hours: [[], monday, [], [], [], [], []] });

  it.each([
    ['a valid calendar (touching ranges, 24:00 end)', valid, true],
    ['an unknown time zone', { ...valid, timeZone: 'America/Atlantis' }, false],
    ['start after end', withMonday([r('18:00', '09:00')]), false],
    ['start equal to end', withMonday([r('09:00', '09:00')]), false],
    ['24:00 as a start', withMonday([r('24:00', '24:00')]), false],
    ['25:00', withMonday([r('09:00', '25:00')]), false],
    ['overlapping ranges', withMonday([r('08:00', '13:00'), r('12:00', '18:00')]), false],
    ['ranges out of order', withMonday([r('14:00', '18:00'), r('08:00', '13:00')]), false],
    ['a date that does not exist', { ...valid, holidays: [{ date: '2026-02-30', yearly: false }] }, false],
    ['no hours and not 24×7', withMonday([]), false],
    ['no hours but 24×7', { ...withMonday([]), alwaysOpen: true }, true],
  ])('%s', (_name, input, ok) => {
    expect(ZCalendarRules.safeParse(input).success).toBe(ok);
  });
});
