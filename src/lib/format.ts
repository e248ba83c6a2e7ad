// Dates and numbers through Intl, in the user's language and time zone.
import type { Language } from './i18n.js';

type Formatters = ReturnType<typeof buildFormatters>;
const cache = new Map<string, Formatters>();

/** Intl formatters are costly to build; pages reuse one set per language and time zone. */
export function createFormatters(lang: Language, timeZone: string): Formatters {
  const key = `${lang}|${timeZone}`;
  let formatters = cache.get(key);
  if (!formatters) {
    formatters = buildFormatters(lang, timeZone);
    if (cache.size < 1000) cache.set(key, formatters);
  }
  return formatters;
}

function buildFormatters(lang: Language, timeZone: string) {
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone });
  const number = new Intl.NumberFormat(lang);
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['week', 604_800],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  const bytes = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  return {
    /** "hace 3 horas" — shown beside the absolute time, which is in the title and <time datetime>. */
    formatRelative(value: Date, now = new Date()) {
      const seconds = Math.round((value.getTime() - now.getTime()) / 1000);
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) return relative.format(Math.trunc(seconds / size), unit);
      }
      return relative.format(0, 'minute');
    },
    formatBytes(value: number) {
      if (value < 1024) return `${bytes.format(value)} B`;
      if (value < 1024 * 1024) return `${bytes.format(value / 1024)} KB`;
      return `${bytes.format(value / 1024 / 1024)} MB`;
    },
    formatDateTime: (value: Date | null | undefined) => (value ? dateTime.format(value) : ''),
    formatDate: (value: Date | null | undefined) => (value ? date.format(value) : ''),
    formatNumber: (value: number) => number.format(value),
    isoDate: (value: Date) => value.toISOString(),
  };
}
