import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { languageFromHeader, languages, translator } from '../../src/lib/i18n.js';
import { projectPath } from '../../src/lib/paths.js';

function flatKeys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, child]) => flatKeys(child, prefix ? `${prefix}.${key}` : key));
}

function keysOf(lng: string): string[] {
  const dir = projectPath('locales', lng);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .flatMap((file) => flatKeys(JSON.parse(readFileSync(path.join(dir, file), 'utf8')), path.basename(file, '.json')))
    .sort();
}

describe('locale files', () => {
  it('have exactly the same keys in es, en and pt-BR', () => {
    const spanish = keysOf('es');
    expect(spanish.length).toBeGreaterThan(100);
    expect(keysOf('en')).toEqual(spanish);
    expect(keysOf('pt-BR')).toEqual(spanish);
  });

  it('translate the same key into each language', () => {
    expect(translator('es')('nav.logout')).toBe('Cerrar sesión');
    expect(translator('en')('nav.logout')).toBe('Sign out');
    expect(translator('pt-BR')('nav.logout')).toBe('Sair');
  });

  it('cover every t() key used in views and sources', () => {
    const used = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (/\.(ejs|ts)$/.test(entry.name)) {
          for (const match of readFileSync(full, 'utf8').matchAll(/\bt\('([a-zA-Z]+\.[a-zA-Z0-9_.]+)'/g)) {
            used.add(match[1] as string);
          }
        }
      }
    };
    walk(projectPath('views'));
    walk(projectPath('src'));
    const known = new Set(keysOf('es'));
    // i18next plurals live under `key_one` / `key_other`.
    const missing = [...used].filter((key) => !known.has(key) && !known.has(`${key}_other`) && !key.endsWith('.'));
    expect(missing).toEqual([]);
  });
});

describe('Accept-Language', () => {
  it.each([
    ['es-AR,es;q=0.9,en;q=0.8', 'es'],
    ['en-US,en;q=0.9', 'en'],
    ['pt-BR,pt;q=0.9', 'pt-BR'],
    ['pt-PT', 'pt-BR'],
    ['fr-FR,en;q=0.5', 'en'],
    ['de-DE', undefined],
    ['en;q=0.2,es;q=0.8', 'es'],
  ])('%s → %s', (header, expected) => {
    expect(languageFromHeader(header)).toBe(expected);
  });

  it('offers all three languages', () => {
    expect([...languages]).toEqual(['es', 'en', 'pt-BR']);
  });
});
