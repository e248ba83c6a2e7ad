// Dates and numbers through Intl, in the user's language and time zone.
import type { Language } from './i18n.js';

export function createFormatters(lang: Language, timeZone: string) {
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone });
  const date = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone });
  const number = new Intl.NumberFormat(lang);
  return {
    formatDateTime: (value: Date | null | undefined) => (value ? dateTime.format(value) : ''),
    formatDate: (value: Date | null | undefined) => (value ? date.format(value) : ''),
    formatNumber: (value: number) => number.format(value),
    isoDate: (value: Date) => value.toISOString(),
  };
}
