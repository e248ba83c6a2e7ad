// UI text comes only from locale files: locales/<lng>/<area>.json, read as keys `<area>.…`
// (locales/es/admin.json holds `admin.…`). Spanish is the default.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import i18next, { type TFunction } from 'i18next';
import { projectPath } from './paths.js';

export const languages = ['es', 'en', 'pt-BR'] as const;
export type Language = (typeof languages)[number];
export const defaultLanguage: Language = 'es';

function loadLanguage(lng: Language): Record<string, unknown> {
  const dir = projectPath('locales', lng);
  const files = readdirSync(dir).filter((file) => file.endsWith('.json'));
  return Object.fromEntries(
    files.map((file) => [path.basename(file, '.json'), JSON.parse(readFileSync(path.join(dir, file), 'utf8'))]),
  );
}

const resources = Object.fromEntries(languages.map((lng) => [lng, { translation: loadLanguage(lng) }]));

const instance = i18next.createInstance();
await instance.init({
  resources,
  lng: defaultLanguage,
  fallbackLng: defaultLanguage,
  supportedLngs: [...languages],
  // EJS escapes on output; escaping here too would double-escape.
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
  showSupportNotice: false,
});

const translators = new Map<Language, TFunction>();
const MAX_MEMOIZED = 5_000;

/**
 * One translator per language, built once: every request and e-mail of that language shares it.
 * A key asked without options (a label, most of a page's texts) is looked up in i18next once and
 * then remembered: a list page asks for the same few labels hundreds of times, and i18next's
 * lookup was the largest share of a page's CPU time in a profile of /queue.
 */
export function translator(lng: Language): TFunction {
  let t = translators.get(lng);
  if (!t) {
    const fixed = instance.getFixedT(lng);
    const memo = new Map<string, string>();
    const template = (key: string) => {
      let text = memo.get(key);
      if (text === undefined) {
        text = String(fixed(key));
        if (memo.size < MAX_MEMOIZED) memo.set(key, text);
      }
      return text;
    };
    const slow = fixed as unknown as (...args: unknown[]) => unknown;
    t = ((key: unknown, ...rest: unknown[]) => {
      if (typeof key !== 'string') return slow(key, ...rest);
      if (rest.length === 0) return template(key);
      // Plain values into a remembered template: i18next's own interpolation costs ~30 µs a call,
      // and a list page fills one per row (the SLA badge). Anything else goes to i18next.
      const values = rest.length === 1 ? simpleValues(rest[0]) : null;
      return (values && fillTemplate(template(key), values)) ?? slow(key, ...rest);
    }) as unknown as TFunction;
    translators.set(lng, t);
  }
  return t;
}

/** i18next's own translator, unmemoized (tests compare the fast paths with it). */
export const i18nextTranslator = (lng: Language) => instance.getFixedT(lng);

/** Options i18next gives a meaning (plurals, context, defaults…): those calls are i18next's. */
const i18nextOptions = new Set([
  'count',
  'context',
  'defaultValue',
  'lng',
  'lngs',
  'ns',
  'ordinal',
  'replace',
  'returnObjects',
  'returnDetails',
  'joinArrays',
  'interpolation',
  'keySeparator',
  'nsSeparator',
  'postProcess',
  'fallbackLng',
]);

function simpleValues(options: unknown): Record<string, string | number> | null {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return null;
  for (const [name, value] of Object.entries(options)) {
    if (i18nextOptions.has(name) || (typeof value !== 'string' && typeof value !== 'number')) return null;
  }
  return options as Record<string, string | number>;
}

/** `{{name}}` filled from `values`; null (i18next decides) for nesting, formats or a missing value. */
export function fillTemplate(text: string, values: Record<string, string | number>): string | null {
  if (!text.includes('{{')) return text.includes('$t(') ? null : text;
  if (text.includes('$t(')) return null;
  let complete = true;
  const filled = text.replace(/\{\{([^{}]*)\}\}/g, (whole, inner: string) => {
    const name = inner.trim();
    if (!/^\w+$/.test(name) || !Object.hasOwn(values, name)) {
      complete = false;
      return whole;
    }
    return String(values[name]);
  });
  return complete ? filled : null;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (languages as readonly string[]).includes(value);
}

/** DB enum values (`pt_BR`) ↔ BCP 47 tags (`pt-BR`). */
export const languageFromDb = (value: string | null | undefined): Language | undefined =>
  value ? (value.replace('_', '-') as Language) : undefined;
export const languageToDb = (value: Language) => value.replace('-', '_') as 'es' | 'en' | 'pt_BR';

/** Best supported language for an Accept-Language header (`pt` matches `pt-BR`). */
export function languageFromHeader(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1, index };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const { tag } of ranked) {
    const exact = languages.find((lng) => lng.toLowerCase() === tag);
    if (exact) return exact;
    const base = tag.split('-')[0];
    const partial = languages.find((lng) => lng.toLowerCase().split('-')[0] === base);
    if (partial) return partial;
  }
  return undefined;
}
