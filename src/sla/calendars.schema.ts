// The shape of a business calendar (see business-time.ts), validated wherever one enters the
// system: the admin form, the database's JSON columns, seeds. Custom messages are keys under
// `validation.` (see lib/validate.ts).
import { z } from 'zod';
import { checkbox, text } from '../lib/validate.js';
import type { Calendar, Holiday, OpeningRange } from './business-time.js';

const clockPattern = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export function isValidTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** A real calendar date 'YYYY-MM-DD' (no 2026-02-30). */
export function isValidIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

const minutesOf = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

export const ZOpeningRange = z
  .object({
    start: z.string().regex(clockPattern, { error: 'invalidTimeRange' }),
    end: z.string().regex(clockPattern, { error: 'invalidTimeRange' }),
  })
  .refine((range) => range.start !== '24:00' && minutesOf(range.start) < minutesOf(range.end), {
    error: 'invalidTimeRange',
  });

/** One weekday's ranges: each start < end, ordered, not overlapping (touching is allowed). */
export const ZDayRanges = z
  .array(ZOpeningRange)
  .max(12, { error: 'tooManyRanges' })
  .refine(
    (ranges) => ranges.every((range, i) => i === 0 || minutesOf(ranges[i - 1]?.end ?? '') <= minutesOf(range.start)),
    {
      error: 'rangesOverlap',
    },
  );

export const ZHoliday = z.object({
  date: z.string().refine(isValidIsoDate, { error: 'invalidDate' }),
  yearly: z.boolean(),
  name: z.string().trim().max(80).optional(),
});

export const ZCalendarRules = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, { error: 'invalidTimeZone' }),
    alwaysOpen: z.boolean(),
    hours: z.array(ZDayRanges).length(7),
    holidays: z.array(ZHoliday).max(500, { error: 'tooManyHolidays' }),
  })
  .refine((calendar) => calendar.alwaysOpen || calendar.hours.some((ranges) => ranges.length > 0), {
    error: 'noOpeningHours',
    path: ['hours'],
  }) satisfies z.ZodType<Calendar>;

export type TCalendarRules = z.infer<typeof ZCalendarRules>;

// ---------------------------------------------------------------------------------------------
// The admin form: each weekday's ranges as text ("09:00-13:00, 14:00-18:00"), holidays one per
// line ("2026-12-08 Inmaculada Concepción", a trailing "*" repeats it every year).

export const weekdayFields = ['hours0', 'hours1', 'hours2', 'hours3', 'hours4', 'hours5', 'hours6'] as const;

const rangePattern = /^(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})$/;
const pad = (value: string) => value.padStart(2, '0');

/** "09:00-13:00, 14:00-18:00" → ranges, or null when a piece is not a range. */
export function parseDayRanges(value: string): OpeningRange[] | null {
  const pieces = value
    .split(/[,;\n]/)
    .map((piece) => piece.trim())
    .filter((piece) => piece !== '');
  const ranges: OpeningRange[] = [];
  for (const piece of pieces) {
    const match = rangePattern.exec(piece);
    if (!match) return null;
    ranges.push({ start: `${pad(match[1] ?? '')}:${match[2]}`, end: `${pad(match[3] ?? '')}:${match[4]}` });
  }
  return ranges;
}

export const formatDayRanges = (ranges: OpeningRange[]) =>
  ranges.map((range) => `${range.start}-${range.end}`).join(', ');

/** One holiday per line: "YYYY-MM-DD name", "*" at the end for every year. Returns the bad line number. */
export function parseHolidayLines(value: string): { holidays: Holiday[] } | { badLine: number } {
  const holidays: Holiday[] = [];
  const lines = value.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    let line = raw.trim();
    if (line === '') continue;
    const yearly = line.endsWith('*');
    if (yearly) line = line.slice(0, -1).trim();
    const match = /^(\d{4}-\d{2}-\d{2})(?:\s+(.*))?$/.exec(line);
    const name = match?.[2]?.trim() ?? '';
    if (!match?.[1] || !isValidIsoDate(match[1]) || name.length > 80) return { badLine: index + 1 };
    holidays.push(name === '' ? { date: match[1], yearly } : { date: match[1], yearly, name });
  }
  return { holidays: holidays.sort((a, b) => a.date.localeCompare(b.date)) };
}

export const formatHolidayLines = (holidays: Holiday[]) =>
  holidays
    .map((holiday) => [holiday.date, holiday.name, holiday.yearly ? '*' : ''].filter(Boolean).join(' '))
    .join('\n');

const limited = (max: number) =>
  z
    .string()
    .refine((value) => value.length <= max, { error: 'tooLong', params: { max } })
    .optional();
const optionalLine = limited(200);

export const ZCalendarForm = z
  .object({
    name: text({ max: 80 }),
    timeZone: z.string({ error: 'required' }).trim().refine(isValidTimeZone, { error: 'invalidTimeZone' }),
    alwaysOpen: checkbox(),
    hours0: optionalLine,
    hours1: optionalLine,
    hours2: optionalLine,
    hours3: optionalLine,
    hours4: optionalLine,
    hours5: optionalLine,
    hours6: optionalLine,
    holidays: limited(20_000),
  })
  .transform((form, ctx) => {
    const hours: OpeningRange[][] = [];
    for (const field of weekdayFields) {
      const ranges = parseDayRanges(form[field] ?? '');
      const checked = ranges === null ? null : ZDayRanges.safeParse(ranges);
      if (ranges === null || !checked?.success) {
        const message = checked?.error?.issues[0]?.message === 'rangesOverlap' ? 'rangesOverlap' : 'invalidTimeRange';
        ctx.addIssue({ code: 'custom', message, path: [field] });
        hours.push([]);
      } else {
        hours.push(checked.data);
      }
    }
    const parsedHolidays = parseHolidayLines(form.holidays ?? '');
    if ('badLine' in parsedHolidays) {
      ctx.addIssue({
        code: 'custom',
        message: 'invalidHolidayLine',
        path: ['holidays'],
        params: { line: parsedHolidays.badLine },
      });
    } else if (parsedHolidays.holidays.length > 500) {
      ctx.addIssue({ code: 'custom', message: 'tooManyHolidays', path: ['holidays'] });
    }
    if (!form.alwaysOpen && hours.every((ranges) => ranges.length === 0) && !ctx.issues?.length) {
      ctx.addIssue({ code: 'custom', message: 'noOpeningHours', path: ['hours1'] });
    }
    return {
      name: form.name,
      timeZone: form.timeZone,
      alwaysOpen: form.alwaysOpen,
      hours,
      holidays: 'holidays' in parsedHolidays ? parsedHolidays.holidays : [],
    } satisfies Calendar & { name: string };
  });

export type TCalendarForm = z.output<typeof ZCalendarForm>;

/** A stored calendar as the form shows it. */
export function calendarFormValues(calendar: Calendar & { name: string }) {
  return {
    name: calendar.name,
    timeZone: calendar.timeZone,
    alwaysOpen: calendar.alwaysOpen,
    holidays: formatHolidayLines(calendar.holidays),
    ...Object.fromEntries(weekdayFields.map((field, day) => [field, formatDayRanges(calendar.hours[day] ?? [])])),
  };
}
