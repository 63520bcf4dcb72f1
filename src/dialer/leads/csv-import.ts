import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse, type Options as CsvOptions } from 'csv-parse';
import { DIALER_LIMITS } from '../../db/entities/dialer';
import { normalisePhone } from './normalise';

/**
 * Streamed CSV lead import. The input is piped through a byte limit and CRLF->LF step into csv-parse's streaming
 * parser; leads go to the sink in batches (memory stays bounded whatever the file's size). Rules:
 * - the first non-empty line is the header; it needs a `phone` column (case-insensitive); `name` is optional; every
 *   other column is kept in the lead's `fields` (under its header text) for the screen pop;
 * - numbers become E.164 (numbers without + are read in the default country);
 * - a number seen twice (in the file, or already a lead of the campaign) is merged into one lead: the later row's name
 *   and fields win (fields are merged key by key);
 * - every data row is counted once: imported + merged + rejected = rows. A rejected row is reported with its line
 *   number, reason and the offending value; the response lists the first `maxErrors` of them and counts all;
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

export interface ImportResult {
  rows: number;
  imported: number;
  merged: number;
  rejected: number;
  blank_lines: number;
  errors: ImportError[];
  /** True when more errors happened than `errors` lists. */
  errors_truncated: boolean;
}

export interface PreparedLead {
  phone_e164: string;
  phone_raw: string;
  name: string | null;
  fields: Record<string, string>;
  time_zones: string[];
}

/** Where the leads go (see store.ts): returns how many of the batch were new and how many merged into existing leads. */
export interface LeadSink {
  upsertBatch(leads: PreparedLead[]): Promise<{ inserted: number; merged: number }>;
}

export interface ImportOptions {
  /** ISO country for numbers without an international prefix. */
  defaultCountry: string;
  /** Errors listed in the result (all are counted). Default 100. */
  maxErrors?: number;
  /** Leads per sink call. Default 500. */
  batchSize?: number;
  /** Largest input in bytes (ImportTooLargeError beyond). Default 100 MiB. */
  maxBytes?: number;
  /** Longest cell (characters); longer rows are rejected. Default 2000. */
  maxCellLength?: number;
  /** Most columns in the header. Default 200. */
  maxColumns?: number;
}

/** The file cannot be imported at all (bad header): nothing was written. */
export class ImportHeaderError extends Error {}
/** The input passed maxBytes; the leads of earlier batches were written. */
export class ImportTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`CSV body is larger than ${maxBytes} bytes`);
  }
}

const VALUE_PREVIEW = 100;
/** Largest JSON of one row's custom fields (bytes). */
export const MAX_FIELDS_BYTES = 64 * 1024;

function preview(value: string): string {
  return value.length > VALUE_PREVIEW ? `${value.slice(0, VALUE_PREVIEW)}…` : value;
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

/** Reads a lead CSV from `input` into `sink`. */
export async function importLeadsCsv(input: Readable, sink: LeadSink, options: ImportOptions): Promise<ImportResult> {
  const maxErrors = options.maxErrors ?? 100;
  const batchSize = options.batchSize ?? 500;
  const maxCell = options.maxCellLength ?? 2000;
  const maxColumns = options.maxColumns ?? 200;
  const result: ImportResult = { rows: 0, imported: 0, merged: 0, rejected: 0, blank_lines: 0, errors: [], errors_truncated: false };
  const reject = (line: number, reason: string, value: string): void => {
    result.rejected++;
    if (result.errors.length < maxErrors) result.errors.push({ line, reason, value: preview(value) });
    else result.errors_truncated = true;
  };

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

  let header: { names: string[]; phone: number; name: number } | null = null;
  let batch = new Map<string, PreparedLead>();
  const flush = async (): Promise<void> => {
    if (batch.size === 0) return;
    const leads = [...batch.values()];
    batch = new Map();
    const { inserted, merged } = await sink.upsertBatch(leads);
    result.imported += inserted;
    result.merged += merged;
  };
  // The parser runs ahead of this loop: a skip is handled once the records before it in the file have been.
  const takeSkipped = (beforeLine = Infinity): void => {
    while (skipped.length > 0 && skipped[0].to < beforeLine) {
      const s = skipped.shift()!;
      if (header === null) throw new ImportHeaderError(`line ${s.from}: the header row is not valid CSV: ${s.reason}`);
      result.rows++;
      reject(s.from, s.to > s.from ? `malformed CSV (lines ${s.from}-${s.to} skipped): ${s.reason}` : `malformed CSV: ${s.reason}`, s.raw);
    }
  };

  try {
    for await (const item of parser as AsyncIterable<ParsedItem>) {
      takeSkipped(item.lines);
      // Blank lines that were not empty (spaces only) start at item.line; csv-parse drops fully empty ones.
      const line = firstLineOf(item);
      if (item.record.every((c) => c.trim() === '')) {
        result.blank_lines++;
        continue;
      }
      if (header === null) {
        header = readHeader(item.record, maxColumns);
        continue;
      }
      result.rows++;
      const { record } = item;
      if (record.length !== header.names.length) {
        reject(line, `expected ${header.names.length} columns, got ${record.length}`, record.join(','));
        continue;
      }
      const long = record.findIndex((c) => c.length > maxCell);
      if (long >= 0) {
        reject(line, `column "${header.names[long]}" is longer than ${maxCell} characters`, record[long]);
        continue;
      }
      const rawPhone = record[header.phone];
      const phone = normalisePhone(rawPhone, options.defaultCountry);
      if (!phone.ok) {
        reject(line, phone.reason, rawPhone);
        continue;
      }
      const name = header.name >= 0 ? record[header.name].trim() : '';
      if (name.length > DIALER_LIMITS.leadName) {
        reject(line, `name is longer than ${DIALER_LIMITS.leadName} characters`, name);
        continue;
      }
      const fields: Record<string, string> = {};
      header.names.forEach((col, i) => {
        if (i !== header!.phone && i !== header!.name) Object.defineProperty(fields, col, { value: record[i], enumerable: true, writable: true, configurable: true });
      });
      const fieldsBytes = Buffer.byteLength(JSON.stringify(fields));
      if (fieldsBytes > MAX_FIELDS_BYTES) {
        reject(line, `the row's custom fields take ${fieldsBytes} bytes; at most ${MAX_FIELDS_BYTES} are kept per row`, rawPhone);
        continue;
      }
      const lead: PreparedLead = { phone_e164: phone.e164, phone_raw: rawPhone.trim(), name: name === '' ? null : name, fields, time_zones: phone.timeZones };
      const earlier = batch.get(phone.e164);
      if (earlier) {
        result.merged++;
        batch.set(phone.e164, mergeLeads(earlier, lead));
      } else {
        batch.set(phone.e164, lead);
        if (batch.size >= batchSize) await flush();
      }
    }
    takeSkipped();
    if (header === null) throw new ImportHeaderError('the CSV has no header row');
    await flush();
  } finally {
    if (!input.destroyed && !input.readableEnded) {
      input.unpipe(limiter);
      input.resume(); // drain what is left so the client gets its answer
    }
    if (!parser.destroyed) parser.destroy();
  }
  return result;
}

function firstLineOf(item: ParsedItem): number {
  // A record may span lines (quoted newlines); its first line is where the previous record (or skip) ended + 1,
  // except that csv-parse drops empty lines first: count back the newlines inside the record instead.
  const inner = item.record.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  return Math.max(item.line, item.lines - inner);
}

function readHeader(record: string[], maxColumns: number): { names: string[]; phone: number; name: number } {
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
  const phone = names.findIndex((n) => n.toLowerCase() === 'phone');
  if (phone < 0) throw new ImportHeaderError('the header has no "phone" column');
  return { names, phone, name: names.findIndex((n) => n.toLowerCase() === 'name') };
}

/** A later row for the same number: its non-empty name wins, fields merge key by key. */
export function mergeLeads(earlier: PreparedLead, later: PreparedLead): PreparedLead {
  const fields: Record<string, string> = {};
  for (const src of [earlier.fields, later.fields]) for (const [k, v] of Object.entries(src)) Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true });
  return { ...later, name: later.name ?? earlier.name, fields };
}
