import { describe, expect, it } from 'vitest';
import { CSV_BOM, csvCell, csvRow } from '../../src/exports/csv.js';

describe('CSV writer', () => {
  it('neutralises every cell a spreadsheet would run as a formula', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) {
      expect(csvCell(`${start}HYPERLINK("http://x")`).replace(/^"/, '').startsWith(`'${start}`)).toBe(true);
    }
    expect(csvCell('Cámara 3')).toBe('Cámara 3');
  });

  it('quotes separators, quotes and line breaks, and ends records with CRLF', () => {
    expect(csvRow(['a,b', 'say "hi"', 'two\nlines', null, 42, -3])).toBe('"a,b","say ""hi""","two\nlines",,42,-3\r\n');
    expect(CSV_BOM).toBe('\uFEFF');
  });

  it('writes dates as ISO instants', () => {
    expect(csvCell(new Date('2026-12-02T10:00:00Z'))).toBe('2026-12-02T10:00:00.000Z');
  });
});
