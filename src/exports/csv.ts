// CSV as Excel and LibreOffice read it (RFC 4180, UTF-8 with a BOM, CRLF), with spreadsheet
// formulas neutralised: a cell a client typed ("=HYPERLINK(…)") must open as text, never run.
// The one CSV writer of the codebase: ticket lists, reports and the audit log all go through it.

/** The UTF-8 byte order mark: Excel needs it to read accents correctly. */
export const CSV_BOM = '\uFEFF';

// OWASP's list: a leading =, +, -, @, tab or carriage return starts a formula in some spreadsheet.
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralised (a leading apostrophe) and quoted when it needs to be. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (value instanceof Date) text = value.toISOString();
  else if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  else text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. Numbers stay numbers (a negative figure is not a formula). */
export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}
