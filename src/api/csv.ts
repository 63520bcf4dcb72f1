/**
 * CSV output (RFC 4180) for report downloads: every field that holds a comma, a quote, CR or LF is quoted with its
 * quotes doubled; lines end with CRLF. A text cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR
 * at its start: "CSV injection") gets a leading apostrophe, since agent and queue names come from people.
 */

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv<T>(columns: ReadonlyArray<CsvColumn<T>>, rows: readonly T[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** The columns of a flat row object, in the order of `keys`. */
export function columnsOf<T extends object>(keys: ReadonlyArray<keyof T & string>): CsvColumn<T>[] {
  return keys.map((k) => ({ header: k, value: (r: T) => r[k] as string | number | null }));
}
