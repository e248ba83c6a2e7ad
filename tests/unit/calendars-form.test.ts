// The calendar form's text fields: ranges per weekday and one holiday per line.
import { describe, expect, it } from 'vitest';
import {
  calendarFormValues,
  parseDayRanges,
  parseHolidayLines,
  ZCalendarForm,
} from '../../src/sla/calendars.schema.js';

describe('a weekday written as text', () => {
  it.each([
    ['', []],
    ['09:00-18:00', [{ start: '09:00', end: '18:00' }]],
    [
      '8:00 – 13:00, 14:00-18:00',
      [
        { start: '08:00', end: '13:00' },
        { start: '14:00', end: '18:00' },
      ],
    ],
    ['20:00-24:00', [{ start: '20:00', end: '24:00' }]],
    ['9-18', null],
    ['mañana', null],
  ])('%j', (text, expected) => {
    expect(parseDayRanges(text)).toEqual(expected);
  });
});

describe('holidays one per line', () => {
  it('reads a name, a yearly marker, blank lines, and sorts by date', () => {
    expect(parseHolidayLines('2026-12-25 Navidad *\n\n  2026-11-23 Soberanía  \n2027-01-01*')).toEqual({
      holidays: [
        { date: '2026-11-23', yearly: false, name: 'Soberanía' },
        { date: '2026-12-25', yearly: true, name: 'Navidad' },
        { date: '2027-01-01', yearly: true },
      ],
    });
  });

  it.each([['25/12/2026 Navidad'], ['2026-13-01'], ['2026-02-29 not a leap year']])('refuses %j', (line) => {
    expect(parseHolidayLines(`2026-12-08 Inmaculada\n${line}`)).toEqual({ badLine: 2 });
  });
});

describe('the whole form', () => {
  const form = {
    name: ' Oficina ',
    timeZone: 'Europe/Madrid',
    hours1: '09:00-14:00, 15:00-18:00',
    hours5: '08:00-15:00',
    holidays: '2026-10-12 Fiesta Nacional *',
  };

  it('turns into a calendar and back into the same text', () => {
    const parsed = ZCalendarForm.parse(form);
    expect(parsed).toEqual({
      name: 'Oficina',
      timeZone: 'Europe/Madrid',
      alwaysOpen: false,
      hours: [
        [],
        [
          { start: '09:00', end: '14:00' },
          { start: '15:00', end: '18:00' },
        ],
        [],
        [],
        [],
        [{ start: '08:00', end: '15:00' }],
        [],
      ],
      holidays: [{ date: '2026-10-12', yearly: true, name: 'Fiesta Nacional' }],
    });
    expect(calendarFormValues(parsed)).toMatchObject({ ...form, name: 'Oficina', hours0: '', hours2: '' });
  });

  it('names the field of each mistake', () => {
    const result = ZCalendarForm.safeParse({ ...form, hours1: '14:00-18:00, 09:00-13:00', holidays: 'x' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path[0], issue.message])).toEqual([
      ['hours1', 'rangesOverlap'],
      ['holidays', 'invalidHolidayLine'],
    ]);
  });
});
