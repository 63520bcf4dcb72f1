import type { Readable } from 'node:stream';
import { DIALER_LIMITS } from '../../db/entities/dialer';
import { headerNames, ImportHeaderError, readCsvRows, RejectionList, type CsvReadOptions, type ImportError } from './csv-rows';
import { normalisePhone } from './normalise';

export { ImportHeaderError, ImportTooLargeError, type ImportError } from './csv-rows';

/**
 * Streamed CSV lead import, on the shared row reader (csv-rows.ts: byte limit, line numbers, malformed spans, blank
 * lines); leads go to the sink in batches (memory stays bounded whatever the file's size). Rules:
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

export interface ImportOptions extends CsvReadOptions {
  /** ISO country for numbers without an international prefix. */
  defaultCountry: string;
  /** Errors listed in the result (all are counted). Default 100. */
  maxErrors?: number;
  /** Leads per sink call. Default 500. */
  batchSize?: number;
}

/** Largest JSON of one row's custom fields (bytes). */
export const MAX_FIELDS_BYTES = 64 * 1024;

/** Reads a lead CSV from `input` into `sink`. */
export async function importLeadsCsv(input: Readable, sink: LeadSink, options: ImportOptions): Promise<ImportResult> {
  const batchSize = options.batchSize ?? 500;
  const report = new RejectionList(options.maxErrors ?? 100);
  let imported = 0;
  let merged = 0;
  let batch = new Map<string, PreparedLead>();
  const flush = async (): Promise<void> => {
    if (batch.size === 0) return;
    const leads = [...batch.values()];
    batch = new Map();
    const counts = await sink.upsertBatch(leads);
    imported += counts.inserted;
    merged += counts.merged;
  };
  const counts = await readCsvRows(input, options, {
    header: (record, maxColumns) => readHeader(record, maxColumns),
    reject: (line, reason, value) => report.reject(line, reason, value),
    row: async (line, record, header) => {
      const rawPhone = record[header.phone];
      const phone = normalisePhone(rawPhone, options.defaultCountry);
      if (!phone.ok) return report.reject(line, phone.reason, rawPhone);
      const name = header.name >= 0 ? record[header.name].trim() : '';
      if (name.length > DIALER_LIMITS.leadName) return report.reject(line, `name is longer than ${DIALER_LIMITS.leadName} characters`, name);
      const fields: Record<string, string> = {};
      header.names.forEach((col, i) => {
        if (i !== header.phone && i !== header.name) Object.defineProperty(fields, col, { value: record[i], enumerable: true, writable: true, configurable: true });
      });
      const fieldsBytes = Buffer.byteLength(JSON.stringify(fields));
      if (fieldsBytes > MAX_FIELDS_BYTES) return report.reject(line, `the row's custom fields take ${fieldsBytes} bytes; at most ${MAX_FIELDS_BYTES} are kept per row`, rawPhone);
      const lead: PreparedLead = { phone_e164: phone.e164, phone_raw: rawPhone.trim(), name: name === '' ? null : name, fields, time_zones: phone.timeZones };
      const earlier = batch.get(phone.e164);
      if (earlier) {
        merged++;
        batch.set(phone.e164, mergeLeads(earlier, lead));
      } else {
        batch.set(phone.e164, lead);
        if (batch.size >= batchSize) await flush();
      }
    },
    end: flush,
  });
  return { rows: counts.rows, imported, merged, rejected: report.rejected, blank_lines: counts.blank_lines, errors: report.errors, errors_truncated: report.truncated };
}

function readHeader(record: string[], maxColumns: number): { names: string[]; phone: number; name: number } {
  const names = headerNames(record, maxColumns);
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
