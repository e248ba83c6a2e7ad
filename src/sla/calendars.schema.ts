// The shape of a business calendar (see business-time.ts), validated wherever one enters the
// system: the admin form, the database's JSON columns, seeds. Custom messages are keys under
// `validation.` (see lib/validate.ts).
import { z } from 'zod';
import type { Calendar } from './business-time.js';

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
