import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse, type Options as CsvOptions } from 'csv-parse';

/**
 * The streamed CSV reading every import shares (leads: csv-import.ts; caller profiles: src/profiles/csv.ts). The input
 * is piped through a byte limit and CRLF->LF step into csv-parse's streaming parser and handed over one row at a time
 * (awaited, so memory stays bounded whatever the file's size). Rules:
 * - the first non-empty line is the header (the handler reads it, and throws ImportHeaderError when it is unusable);
 * - every data row is counted once in `rows`; a row with the wrong column count or a too long cell is rejected here
 *   with its line number, the others go to the handler, which accepts or rejects them;
 * - a malformed quoted field makes csv-parse skip to where it can resume: that span is one rejected row whose reason
 *   names every line it swallowed (nothing disappears silently);
 * - empty lines (and lines of only blanks) are not rows; they are counted in `blank_lines`.
 */

export interface ImportError {
  /** 1-based physical line number in the file (the first line of the record). */
  line: number;
  reason: string;
  value: string;
}

export interface CsvReadOptions {
  /** Largest input in bytes (ImportTooLargeError beyond). Default 100 MiB. */
  maxBytes?: number;
  /** Longest cell (characters); longer rows are rejected. Default 2000. */
  maxCellLength?: number;
  /** Most columns in the header. Default 200. */
  maxColumns?: number;
}

export interface CsvRowsHandler<H extends { names: string[] }> {
  /** Reads the header row (throws ImportHeaderError when it is unusable: nothing is imported). */
  header(record: string[], maxColumns: number): H;
  /** One data row with the header's column count; the handler accepts it or calls reject. */
  row(line: number, record: string[], header: H): Promise<void> | void;
  reject(line: number, reason: string, value: string): void;
  /** After the last row (e.g. to write the last batch). */
  end?(): Promise<void> | void;
}

/** The file cannot be imported at all (bad header): nothing was written. */
export class ImportHeaderError extends Error {}
/** The input passed maxBytes; the rows of earlier batches were written. */
export class ImportTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`CSV body is larger than ${maxBytes} bytes`);
  }
}

const VALUE_PREVIEW = 100;

/** Counts the rejected rows of an import and lists the first `max` of them (value shortened). */
export class RejectionList {
  rejected = 0;
  truncated = false;
  readonly errors: ImportError[] = [];

  constructor(private readonly max: number) {}

  reject(line: number, reason: string, value: string): void {
    this.rejected++;
    if (this.errors.length < this.max) this.errors.push({ line, reason, value: value.length > VALUE_PREVIEW ? `${value.slice(0, VALUE_PREVIEW)}…` : value });
    else this.truncated = true;
  }
}

/** Header cells trimmed, each named, at most 128 characters, no name twice (case-insensitive). */
export function headerNames(record: string[], maxColumns: number): string[] {
  if (record.length > maxColumns) throw new ImportHeaderError(`the header has ${record.length} columns; at most ${maxColumns} are accepted`);
  const names = record.map((c) => c.trim());
  const seen = new Set<string>();
  names.forEach((n, i) => {
    if (n === '') throw new ImportHeaderError(`header column ${i + 1} has no name`);
    if (n.length > 128) throw new ImportHeaderError(`header column ${i + 1} is longer than 128 characters`);
    const key = n.toLowerCase();
    if (seen.has(key)) throw new ImportHeaderError(`header column "${n}" appears twice`);
    seen.add(key);
  });
  return names;
}

/** Counts bytes (failing beyond the limit) and turns CRLF into LF, so csv-parse's line numbers are physical lines. */
class LimitAndNormaliseNewlines extends Transform {
  private bytes = 0;
  private pendingCr = false;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, done: TransformCallback): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes += buf.length;
    if (this.bytes > this.maxBytes) return done(new ImportTooLargeError(this.maxBytes));
    let text = buf.toString('latin1');
    if (this.pendingCr) text = `\r${text}`;
    this.pendingCr = text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    done(null, Buffer.from(text.replace(/\r\n/g, '\n'), 'latin1'));
  }

  override _flush(done: TransformCallback): void {
    done(null, this.pendingCr ? Buffer.from('\r', 'latin1') : undefined);
  }
}

interface ParsedItem {
  record: string[];
  line: number;
  lines: number;
}

/** Reads the CSV on `input` row by row into `handler`; returns the data rows and blank lines seen. */
export async function readCsvRows<H extends { names: string[] }>(input: Readable, options: CsvReadOptions, handler: CsvRowsHandler<H>): Promise<{ rows: number; blank_lines: number }> {
  const maxCell = options.maxCellLength ?? 2000;
  const maxColumns = options.maxColumns ?? 200;
  const counts = { rows: 0, blank_lines: 0 };

  // csv-parse calls on_record/on_skip in file order: the end line of the last record tells where the next begins.
  let lastEnd = 0;
  const skipped: Array<{ from: number; to: number; reason: string; raw: string }> = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (record: string[], context: { lines: number }) => {
      const item: ParsedItem = { record, line: lastEnd + 1, lines: context.lines };
      lastEnd = context.lines;
      return item;
    },
    on_skip: (err: Error | undefined, raw: string | undefined) => {
      const to = (err as { lines?: number } | undefined)?.lines ?? lastEnd + 1;
      skipped.push({ from: lastEnd + 1, to, reason: err?.message ?? 'malformed CSV', raw: raw ?? '' });
      lastEnd = to;
    },
  } as unknown as CsvOptions);
  const limiter = new LimitAndNormaliseNewlines(options.maxBytes ?? 100 * 1024 * 1024);
  // Piped by hand, not with pipeline(): on an error the input (an HTTP request) must stay open, drained below, so that
  // the client still reads the answer.
  input.on('error', (err) => limiter.destroy(err));
  limiter.on('error', (err) => parser.destroy(err));
  input.pipe(limiter).pipe(parser);

  let header: H | null = null;
  // The parser runs ahead of this loop: a skip is handled once the records before it in the file have been.
  const takeSkipped = (beforeLine = Infinity): void => {
    while (skipped.length > 0 && skipped[0].to < beforeLine) {
      const s = skipped.shift()!;
      if (header === null) throw new ImportHeaderError(`line ${s.from}: the header row is not valid CSV: ${s.reason}`);
      counts.rows++;
      handler.reject(s.from, s.to > s.from ? `malformed CSV (lines ${s.from}-${s.to} skipped): ${s.reason}` : `malformed CSV: ${s.reason}`, s.raw);
    }
  };

  try {
    for await (const item of parser as AsyncIterable<ParsedItem>) {
      takeSkipped(item.lines);
      // Blank lines that were not empty (spaces only) start at item.line; csv-parse drops fully empty ones.
      const line = firstLineOf(item);
      if (item.record.every((c) => c.trim() === '')) {
        counts.blank_lines++;
        continue;
      }
      if (header === null) {
        header = handler.header(item.record, maxColumns);
        continue;
      }
      counts.rows++;
      const { record } = item;
      if (record.length !== header.names.length) {
        handler.reject(line, `expected ${header.names.length} columns, got ${record.length}`, record.join(','));
        continue;
      }
      const long = record.findIndex((c) => c.length > maxCell);
      if (long >= 0) {
        handler.reject(line, `column "${header.names[long]}" is longer than ${maxCell} characters`, record[long]);
        continue;
      }
      await handler.row(line, record, header);
    }
    takeSkipped();
    if (header === null) throw new ImportHeaderError('the CSV has no header row');
    await handler.end?.();
  } finally {
    if (!input.destroyed && !input.readableEnded) {
      input.unpipe(limiter);
      input.resume(); // drain what is left so the client gets its answer
    }
    if (!parser.destroyed) parser.destroy();
  }
  return counts;
}

function firstLineOf(item: ParsedItem): number {
  // A record may span lines (quoted newlines); its first line is where the previous record (or skip) ended + 1,
  // except that csv-parse drops empty lines first: count back the newlines inside the record instead.
  const inner = item.record.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  return Math.max(item.line, item.lines - inner);
}
