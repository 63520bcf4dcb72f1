import type { Readable } from 'node:stream';
import { headerNames, ImportHeaderError, readCsvRows, RejectionList, type CsvReadOptions, type ImportError } from '../dialer/leads/csv-rows';
import type { CsvColumn } from '../api/csv';
import { profilePatchSchema, type ProfilePatch } from './profile-fields';
import { ProfileStore, type CallerProfile, type ProfileUpsert, type UpsertCounts } from './profile-store';

/**
 * Caller profiles as CSV, both ways. The export's columns are the import's: a file exported, edited and imported again
 * changes exactly what was edited.
 * - Import: streamed through the lead import's row reader (csv-rows.ts). A header with a `phone` column; optional
 *   crm_id, name, vip_level (0-5), language (BCP 47), tags (separated by `;`), blocked (true/false, yes/no, 1/0),
 *   notes; a leading apostrophe before = + - @ (the export's formula escaping) is dropped; id, created_at, updated_at, updated_by are read-only (ignored); any other column is a header error (a typo
 *   must not drop a column silently). Rows are upserted by number: a column the file has sets the field (an empty
 *   cell clears it), a column it lacks leaves the field as it is. Every data row is counted once:
 *   imported + updated + rejected = rows; a rejected row is reported with its line number, reason and value.
 * - Export: every profile by id (written batch by batch).
 */

export const PROFILE_CSV_COLUMNS = ['phone', 'crm_id', 'name', 'vip_level', 'language', 'tags', 'blocked', 'notes'] as const;
const READ_ONLY_COLUMNS = new Set(['id', 'created_at', 'updated_at', 'updated_by']);
type FieldColumn = Exclude<(typeof PROFILE_CSV_COLUMNS)[number], 'phone'>;

export interface ProfileImportResult {
  rows: number;
  imported: number;
  updated: number;
  rejected: number;
  blank_lines: number;
  errors: ImportError[];
  errors_truncated: boolean;
}

export interface ProfileImportOptions extends CsvReadOptions {
  /** ISO country for numbers without +; without one, such numbers are rejected. */
  country?: string;
  /** Who the rows are attributed to (updated_by). */
  actor: string | null;
  /** Errors listed (all are counted). Default 100. */
  maxErrors?: number;
  /** Rows per transaction. Default 200. */
  batchSize?: number;
}

/** Where imported rows go: the store's upsertBatch (the caller also invalidates the call cache with `phones`). */
export type ProfileSink = (rows: ProfileUpsert[]) => Promise<UpsertCounts>;

interface Header {
  names: string[];
  phone: number;
  fields: Array<{ column: FieldColumn; index: number }>;
}

function readHeader(record: string[], maxColumns: number): Header {
  const names = headerNames(record, maxColumns);
  const lower = names.map((n) => n.toLowerCase());
  const unknown = names.filter((_n, i) => !(PROFILE_CSV_COLUMNS as readonly string[]).includes(lower[i]!) && !READ_ONLY_COLUMNS.has(lower[i]!));
  if (unknown.length) throw new ImportHeaderError(`unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')}; the columns are ${PROFILE_CSV_COLUMNS.join(', ')}`);
  const phone = lower.indexOf('phone');
  if (phone < 0) throw new ImportHeaderError('the header has no "phone" column');
  const fields = PROFILE_CSV_COLUMNS.filter((c): c is FieldColumn => c !== 'phone')
    .map((column) => ({ column, index: lower.indexOf(column) }))
    .filter((f) => f.index >= 0);
  return { names, phone, fields };
}

/** The export's formula escaping (src/api/csv.ts) undone: `'+1415...` reads back as `+1415...`. */
function unescapeFormula(cell: string): string {
  return /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
}

const TRUE = new Set(['true', 'yes', '1', 'y']);
const FALSE = new Set(['false', 'no', '0', 'n', '']);

/** One row's cells as a patch, or the first reason it is not one. */
function rowPatch(record: string[], header: Header): { ok: true; patch: ProfilePatch } | { ok: false; reason: string; value: string } {
  const raw: Record<string, unknown> = {};
  for (const { column, index } of header.fields) {
    const cell = unescapeFormula(record[index]!.trim());
    switch (column) {
      case 'vip_level':
        if (!/^[0-9]{0,2}$/.test(cell)) return { ok: false, reason: 'vip_level: must be 0-5', value: cell };
        raw.vip_level = cell === '' ? 0 : Number(cell);
        break;
      case 'blocked':
        if (!TRUE.has(cell.toLowerCase()) && !FALSE.has(cell.toLowerCase())) return { ok: false, reason: 'blocked: must be true or false', value: cell };
        raw.blocked = TRUE.has(cell.toLowerCase());
        break;
      case 'tags':
        raw.tags = cell.split(';').map((t) => t.trim()).filter((t) => t !== '');
        break;
      default:
        raw[column] = cell;
    }
  }
  const parsed = profilePatchSchema.safeParse(raw);
  if (parsed.success) return { ok: true, patch: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  const column = header.fields.find((f) => f.column === field);
  return { ok: false, reason: `${field}: ${issue.message}`, value: column ? record[column.index]! : '' };
}

/** Reads a profile CSV from `input` into `sink`. */
export async function importProfilesCsv(input: Readable, sink: ProfileSink, options: ProfileImportOptions): Promise<ProfileImportResult> {
  const batchSize = options.batchSize ?? 200;
  const report = new RejectionList(options.maxErrors ?? 100);
  let imported = 0;
  let updated = 0;
  let batch: Array<ProfileUpsert & { raw: string }> = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const counts = await sink(rows);
    imported += counts.inserted;
    updated += counts.updated;
    for (const c of counts.conflicts) report.reject(c.ref, c.reason, rows.find((r) => r.ref === c.ref)?.raw ?? '');
  };
  const counts = await readCsvRows(input, options, {
    header: readHeader,
    reject: (line, reason, value) => report.reject(line, reason, value),
    row: async (line, record, header) => {
      const rawPhone = unescapeFormula(record[header.phone]!.trim());
      const phone = ProfileStore.normalise(rawPhone, options.country);
      if (!phone.ok) return report.reject(line, phone.reason, rawPhone);
      const patch = rowPatch(record, header);
      if (!patch.ok) return report.reject(line, patch.reason, patch.value);
      batch.push({ phone_e164: phone.e164, patch: patch.patch, ref: line, raw: rawPhone });
      if (batch.length >= batchSize) await flush();
    },
    end: flush,
  });
  // A CRM id conflict is known only once its batch is written: sorted back into line order.
  report.errors.sort((a, b) => a.line - b.line);
  return { rows: counts.rows, imported, updated, rejected: report.rejected, blank_lines: counts.blank_lines, errors: report.errors, errors_truncated: report.truncated };
}

/** The export's columns (the import's, plus the read-only ones). */
export const PROFILE_EXPORT_COLUMNS: ReadonlyArray<CsvColumn<CallerProfile>> = [
  { header: 'id', value: (p) => p.id },
  { header: 'phone', value: (p) => p.phone_e164 },
  { header: 'crm_id', value: (p) => p.crm_id },
  { header: 'name', value: (p) => p.name },
  { header: 'vip_level', value: (p) => p.vip_level },
  { header: 'language', value: (p) => p.language },
  { header: 'tags', value: (p) => p.tags.join(';') },
  { header: 'blocked', value: (p) => p.blocked },
  { header: 'notes', value: (p) => p.notes },
  { header: 'updated_at', value: (p) => p.updated_at.toISOString() },
  { header: 'updated_by', value: (p) => p.updated_by },
];
