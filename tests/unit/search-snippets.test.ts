import { describe, expect, it } from 'vitest';
import { markAll, queryWords, snippetOf } from '../../src/tickets/search-snippets.js';

const marked = (parts: { text: string; hit: boolean }[]) =>
  parts.map((part) => (part.hit ? `[${part.text}]` : part.text)).join('');

describe('queryWords', () => {
  it('folds accents and case, drops excluded words and "or"', () => {
    expect(queryWords('Cámara OR grabador -alarma "No funciona"')).toEqual(['camara', 'grabador', 'no', 'funciona']);
  });
});

describe('markAll', () => {
  it.each([
    ['Las Cámaras del depósito no graban', 'camara', 'Las [Cámaras] del depósito no graban'],
    ['The printers stopped working', 'printer', 'The [printers] stopped working'],
    ['As impressoras não funcionam desde ontem', 'nao funciona', 'As impressoras [não] [funcionam] desde ontem'],
    ['Cambiamos la fuente de alimentación', 'ALIMENTACION', 'Cambiamos la fuente de [alimentación]'],
    ['<b>pantalla</b> rota', 'pantalla', '<b>[pantalla]</b> rota'],
    ['Grabación cortada', 'graban', '[Grabación] cortada'],
    // Short words match only whole; unrelated words sharing a short prefix stay unmarked.
    ['El DVR no graba', 'dvr', 'El [DVR] no graba'],
    ['Alarma del depósito', 'alarmante', '[Alarma] del depósito'],
    ['Cambio de batería', 'camara', 'Cambio de batería'],
  ])('%s / %s', (text, query, expected) => {
    expect(marked(markAll(text, queryWords(query)))).toBe(expected);
  });
});

describe('snippetOf', () => {
  const long = Array.from({ length: 80 }, (_, i) => `palabra${i}`).join(' ');
  it('cuts a window around the first marked word, with an ellipsis where it cuts', () => {
    const text = `${long} el teclado inalámbrico falla ${long}`;
    const snippet = marked(snippetOf(text, queryWords('teclado')));
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).toContain('palabra79 el [teclado] inalámbrico');
    expect(snippet.split(/\s+/).length).toBeLessThan(35);
  });
  it('shows the beginning, unmarked, when no word can be told', () => {
    const parts = snippetOf(long, queryWords('teclado'));
    expect(parts).toHaveLength(1);
    expect(parts[0]?.hit).toBe(false);
    expect(parts[0]?.text.endsWith('…')).toBe(true);
    expect(parts[0]?.text.length).toBeLessThanOrEqual(241);
  });
  it('keeps a short text whole', () => {
    expect(marked(snippetOf('Sin imagen en la cámara 3.', queryWords('camaras')))).toBe('Sin imagen en la [cámara] 3.');
  });
});
