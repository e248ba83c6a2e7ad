// The translator's fast interpolation must say exactly what i18next says, for every text of every
// language that has a {{placeholder}} — and hand anything it does not handle back to i18next.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fillTemplate, i18nextTranslator, languages, translator } from '../../src/lib/i18n.js';

function keysWithPlaceholders(lng: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  const walk = (prefix: string, node: unknown) => {
    if (typeof node === 'string') {
      const names = [...node.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] as string);
      if (names.length > 0 && !/_(one|other|many|zero|few|two)$/.test(prefix)) out.push([prefix, names]);
    } else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(prefix ? `${prefix}.${k}` : k, v);
  };
  const dir = path.join(process.cwd(), 'locales', lng);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')))
    walk(path.basename(file, '.json'), JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
  return out;
}

describe('interpolation', () => {
  it.each(languages)('%s: every text with placeholders reads the same as through i18next', (lng) => {
    const fast = translator(lng);
    const reference = i18nextTranslator(lng);
    const keys = keysWithPlaceholders(lng);
    expect(keys.length).toBeGreaterThan(50);
    for (const [key, names] of keys) {
      const values = Object.fromEntries(names.filter((n) => n !== 'count').map((n, i) => [n, `v${i}<b>&`]));
      expect(fast(key, values), key).toBe(reference(key, values));
    }
  });

  it('plurals, missing values and nesting are left to i18next', () => {
    expect(fillTemplate('Hola {{name}}', { name: 'Ana' })).toBe('Hola Ana');
    expect(fillTemplate('Hola {{name}}', {})).toBeNull();
    expect(fillTemplate('Ver $t(common.save)', {})).toBeNull();
    expect(fillTemplate('{{value, number}}', { value: 1 })).toBeNull();
    const t = translator('es');
    const reference = i18nextTranslator('es');
    expect(t('tickets.sla.badge.overdue', { relative: 'hace 2 horas' })).toBe('Vencido hace 2 horas');
    const plural = keysWithPlaceholders('es').find(([, names]) => names.includes('count'));
    if (plural) expect(t(plural[0], { count: 3 })).toBe(reference(plural[0], { count: 3 }));
  });
});
