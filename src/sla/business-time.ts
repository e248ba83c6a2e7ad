// Business-time arithmetic: pure, no database, only Node's Intl for time zones.
//
// Units: instants are Date (millisecond precision); durations are minutes as a JavaScript number.
// Internally everything is whole milliseconds, so businessMinutesBetween returns elapsed business
// milliseconds / 60 000 (fractional when the instants are not on whole minutes) and
// addBusinessMinutes rounds its argument to whole milliseconds. For whole-minute n the two are exact
// inverses: businessMinutesBetween(c, s, addBusinessMinutes(c, s, n)) === n.
//
// The calendar is walked day by day in its time zone (never minute by minute): each local day
// yields at most a handful of open intervals, turned into real instants, and whole intervals are
// consumed at once.
//
// Local wall-clock times become instants deterministically across DST:
// - a time that does not exist (inside a spring-forward gap, e.g. 02:30 in Madrid on the last
//   Sunday of March, or 00:00 in São Paulo on 2018-11-04) is the instant the clock jumps, i.e. the
//   first real instant after the gap (Madrid 02:30 → 03:00 CEST; São Paulo 00:00 → 01:00 -02);
// - a time that exists twice (inside a fall-back overlap, e.g. 02:30 in Madrid on the last Sunday
//   of October) is its first occurrence (the earlier instant).
// Both rules are monotonic, so an ordered local range never becomes an inverted one. A range that
// contains the gap is one hour shorter in real time and one that contains the overlap one hour
// longer (09:00–18:00 is 9 real hours on a DST day unless the change falls inside it); a range that
// lies wholly inside a gap is empty that day.
//
// Calendar rules:
// - `alwaysOpen` means every instant is business time: weekly hours and holidays are ignored (a
//   24×7 monitoring desk works on holidays too). "Every day but holidays" is seven 00:00–24:00 days.
// - A holiday closes its whole local date. A yearly holiday repeats on that month and day every
//   year (a yearly 29 February only exists in leap years).
// - Zero minutes from an open instant is that instant; from a closed instant it is the next
//   opening. A positive amount that runs out exactly at a range's end is that end (18:00 Friday),
//   not the next opening.

export const WEEKDAYS = [0, 1, 2, 3, 4, 5, 6] as const; // 0 = Sunday … 6 = Saturday, as Date#getDay

/** A local opening range, 'HH:MM' (00:00–23:59) to 'HH:MM' (00:01–24:00). */
export type OpeningRange = { start: string; end: string };

export type Holiday = { date: string; yearly: boolean; name?: string };

export type Calendar = {
  timeZone: string;
  alwaysOpen: boolean;
  /** Index 0 = Sunday … 6 = Saturday; each day's ranges ordered and non-overlapping. */
  hours: OpeningRange[][];
  holidays: Holiday[];
};

/** Every minute counts (a policy on calendar time, or no calendar at all). */
export const aroundTheClock: Calendar = {
  timeZone: 'UTC',
  alwaysOpen: true,
  hours: [[], [], [], [], [], [], []],
  holidays: [],
};

/** Optional counter of local days visited, so tests can see the walk is day by day. */
export type WalkProbe = { days: number };

/** Consecutive closed days after which a calendar is deemed never open (about three years). */
export const MAX_CLOSED_DAYS = 1100;

export class CalendarNeverOpenError extends Error {
  constructor(reason: string) {
    super(`Business calendar is never open: ${reason}`);
    this.name = 'CalendarNeverOpenError';
  }
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Time-zone offsets through Intl

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall clock at an instant, as milliseconds of a "UTC" date with the same fields. */
function wallClockAt(timeZone: string, instant: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = fields;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years < 100 literal
  utc.setUTCHours(hour, minute, second, 0);
  return utc.getTime() + (((instant % 1000) + 1000) % 1000);
}

function offsetAt(timeZone: string, instant: number): number {
  return wallClockAt(timeZone, instant) - instant;
}

/**
 * The instant of a local wall-clock time (given as "UTC" milliseconds with the same fields), with
 * the gap and overlap rules described at the top of this file.
 */
export function wallClockToInstant(timeZone: string, wall: number): number {
  // Offsets a day either side cover the one transition that can concern this wall time.
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((instant) => wallClockAt(timeZone, instant) === wall)
    .sort((a, b) => a - b);
  const [earliest] = candidates;
  if (earliest !== undefined) return earliest;
  // A gap: the wall time is skipped. The jump lies between the two candidate instants; find the
  // first instant whose wall clock is past the requested time.
  let low = Math.min(wall - before, wall - after);
  let high = Math.max(wall - before, wall - after);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClockAt(timeZone, middle) > wall) high = middle;
    else low = middle;
  }
  return high;
}

// ---------------------------------------------------------------------------------------------
// Local days

/** A local date as "UTC" midnight milliseconds. */
type LocalDay = number;

function localDayOf(timeZone: string, instant: number): LocalDay {
  const wall = wallClockAt(timeZone, instant);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

function isoDate(day: LocalDay): string {
  return new Date(day).toISOString().slice(0, 10);
}

export function parseClock(value: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new RangeError(`Invalid time of day: ${value}`);
  return (Number(match[1]) * 60 + Number(match[2])) * MINUTE_MS;
}

type Interval = [start: number, end: number];

/** Prepared calendar: parsed ranges and holiday look-ups, so each day costs only the conversions. */
type Prepared = {
  timeZone: string;
  ranges: Array<Array<[number, number]>>;
  oneOff: Set<string>;
  yearly: Set<string>;
};

function prepare(calendar: Calendar): Prepared {
  const ranges = WEEKDAYS.map((weekday) =>
    (calendar.hours[weekday] ?? []).map((range): [number, number] => [parseClock(range.start), parseClock(range.end)]),
  );
  if (ranges.every((day) => day.length === 0)) {
    throw new CalendarNeverOpenError('no opening hours on any weekday');
  }
  return {
    timeZone: calendar.timeZone,
    ranges,
    oneOff: new Set(calendar.holidays.filter((holiday) => !holiday.yearly).map((holiday) => holiday.date)),
    yearly: new Set(calendar.holidays.filter((holiday) => holiday.yearly).map((holiday) => holiday.date.slice(5))),
  };
}

/** Real open intervals of one local day, in order; empty on holidays and closed days. */
function openIntervals(prepared: Prepared, day: LocalDay): Interval[] {
  const date = isoDate(day);
  if (prepared.oneOff.has(date) || prepared.yearly.has(date.slice(5))) return [];
  const intervals: Interval[] = [];
  for (const [start, end] of prepared.ranges[new Date(day).getUTCDay()] ?? []) {
    const from = wallClockToInstant(prepared.timeZone, day + start);
    const to = wallClockToInstant(prepared.timeZone, day + end);
    if (to > from) intervals.push([from, to]);
  }
  return intervals;
}

function toMilliseconds(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`Invalid business minutes: ${minutes}`);
  return Math.round(minutes * MINUTE_MS);
}

// ---------------------------------------------------------------------------------------------
// The two operations

/** The instant at which `minutes` business minutes have elapsed after `start`. */
export function addBusinessMinutes(calendar: Calendar, start: Date, minutes: number, probe?: WalkProbe): Date {
  let remaining = toMilliseconds(minutes);
  const from = start.getTime();
  if (calendar.alwaysOpen) return new Date(from + remaining);
  const prepared = prepare(calendar);
  // From the day before: with a fall-back across midnight, the previous local day can still be open.
  let day = localDayOf(prepared.timeZone, from) - DAY_MS;
  let closedDays = 0;
  for (;;) {
    if (probe) probe.days += 1;
    let open = false;
    for (const [intervalStart, intervalEnd] of openIntervals(prepared, day)) {
      if (intervalEnd <= from) continue;
      open = true;
      const counted = Math.max(intervalStart, from);
      if (remaining <= intervalEnd - counted) {
        // Zero minutes from a closed instant lands here on the next opening.
        return new Date(counted + remaining);
      }
      remaining -= intervalEnd - counted;
    }
    closedDays = open ? 0 : closedDays + 1;
    if (closedDays > MAX_CLOSED_DAYS) {
      throw new CalendarNeverOpenError(`closed for ${MAX_CLOSED_DAYS} consecutive days after ${isoDate(day)}`);
    }
    day += DAY_MS;
  }
}

/** Business minutes elapsed between two instants (0 when `to` is not after `from`). */
export function businessMinutesBetween(calendar: Calendar, from: Date, to: Date, probe?: WalkProbe): number {
  const start = from.getTime();
  const end = to.getTime();
  if (end <= start) return 0;
  if (calendar.alwaysOpen) return (end - start) / MINUTE_MS;
  const prepared = prepare(calendar);
  const lastDay = localDayOf(prepared.timeZone, end) + DAY_MS;
  let elapsed = 0;
  for (let day = localDayOf(prepared.timeZone, start) - DAY_MS; day <= lastDay; day += DAY_MS) {
    if (probe) probe.days += 1;
    for (const [intervalStart, intervalEnd] of openIntervals(prepared, day)) {
      const overlap = Math.min(intervalEnd, end) - Math.max(intervalStart, start);
      if (overlap > 0) elapsed += overlap;
    }
  }
  return elapsed / MINUTE_MS;
}

/** The next `count` instants at which the calendar opens after `after` (for previews). */
export function nextOpenings(calendar: Calendar, after: Date, count: number): Date[] {
  if (calendar.alwaysOpen) return [];
  const prepared = prepare(calendar);
  const from = after.getTime();
  const openings: Date[] = [];
  let day = localDayOf(prepared.timeZone, from) - DAY_MS;
  let previousEnd = Number.NEGATIVE_INFINITY;
  let closedDays = 0;
  while (openings.length < count) {
    const intervals = openIntervals(prepared, day);
    for (const [intervalStart, intervalEnd] of intervals) {
      // A range that continues one ending at the same instant (24:00 then 00:00) is not an opening.
      if (intervalStart > from && intervalStart !== previousEnd && openings.length < count) {
        openings.push(new Date(intervalStart));
      }
      previousEnd = intervalEnd;
    }
    closedDays = intervals.length > 0 ? 0 : closedDays + 1;
    if (closedDays > MAX_CLOSED_DAYS) break;
    day += DAY_MS;
  }
  return openings;
}
