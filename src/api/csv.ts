/**
 * CSV output (RFC 4180) for report downloads, written by csv-stringify (the sibling of the csv-parse that reads lead
 * files): quoting as needed, CRLF line ends, a header line. A text cell a spreadsheet would run as a formula (=, +,
 * -, @, tab, CR at its start: "CSV injection") gets a leading apostrophe, since agent and queue names come from people.
 */
import { stringify } from 'csv-stringify/sync';

export interface CsvColumn<T> {
  header: string;
  value: (row: T) => string | number | boolean | null | undefined;
}

/** `header: false` for the later chunks of an export written batch by batch. */
export function toCsv<T>(columns: ReadonlyArray<CsvColumn<T>>, rows: readonly T[], options: { header?: boolean } = {}): string {
  return stringify(
    rows.map((r) => columns.map((c) => {
      const v = c.value(r);
      return typeof v === 'number' && !Number.isFinite(v) ? null : v;
    })),
    {
      header: options.header ?? true,
      columns: columns.map((c) => c.header),
      record_delimiter: '\r\n',
      escape_formulas: true,
      // A bare LF or CR inside a field is quoted too (csv-stringify quotes only the record delimiter by default).
      quoted_match: /[\r\n]/,
      cast: { boolean: (b) => String(b) },
    },
  );
}

/** The columns of a flat row object, in the order of `keys`. */
export function columnsOf<T extends object>(keys: ReadonlyArray<keyof T & string>): CsvColumn<T>[] {
  return keys.map((k) => ({ header: k, value: (r: T) => r[k] as string | number | null }));
}
