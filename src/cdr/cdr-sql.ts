import type { DataSource, QueryRunner } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import type { CdrInput } from './cdr-from-event';

/** The columns the writer inserts, in order (id is generated). */
export const CDR_INSERT_COLUMNS = [
  'uuid',
  'fs_node',
  'direction',
  'caller_number',
  'caller_name',
  'destination_number',
  'callee_number',
  'callee_name',
  'context',
  'channel_name',
  'start_at',
  'answer_at',
  'end_at',
  'duration_s',
  'billsec',
  'wait_s',
  'progress_s',
  'answer_s',
  'hangup_cause',
  'hangup_cause_q850',
  'sip_hangup_disposition',
  'bridged_uuid',
  'call_uuid',
  'queue_call_id',
  'agent_id',
  'campaign_id',
  'recording_id',
  'ivr_path',
  'variables',
  'created_at',
] as const;

type Column = (typeof CDR_INSERT_COLUMNS)[number];
type SqlValue = string | number | null;

/** A CDR as bound parameters; timestamps in the stored UTC text form, JSON as text. */
export interface PreparedCdr {
  uuid: string;
  values: SqlValue[];
  /** Rough size in bytes, for keeping one statement under the server's packet limit. */
  bytes: number;
}

function json(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

function date(value: Date | null | undefined): string | null {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) return null;
  return sqlDateTime(value);
}

export function prepareCdr(input: CdrInput, createdAtMs: number): PreparedCdr {
  const row: Record<Column, SqlValue> = {
    uuid: input.uuid,
    fs_node: input.fs_node,
    direction: input.direction,
    caller_number: input.caller_number,
    caller_name: input.caller_name ?? null,
    destination_number: input.destination_number,
    callee_number: input.callee_number ?? null,
    callee_name: input.callee_name ?? null,
    context: input.context ?? null,
    channel_name: input.channel_name ?? null,
    start_at: date(input.start_at) ?? sqlDateTime(0),
    answer_at: date(input.answer_at),
    end_at: date(input.end_at) ?? date(input.start_at) ?? sqlDateTime(0),
    duration_s: input.duration_s,
    billsec: input.billsec,
    wait_s: input.wait_s ?? null,
    progress_s: input.progress_s ?? null,
    answer_s: input.answer_s ?? null,
    hangup_cause: input.hangup_cause,
    hangup_cause_q850: input.hangup_cause_q850 ?? null,
    sip_hangup_disposition: input.sip_hangup_disposition ?? null,
    bridged_uuid: input.bridged_uuid ?? null,
    call_uuid: input.call_uuid ?? null,
    queue_call_id: input.queue_call_id ?? null,
    agent_id: input.agent_id ?? null,
    campaign_id: input.campaign_id ?? null,
    recording_id: input.recording_id ?? null,
    ivr_path: json(input.ivr_path),
    variables: json(input.variables),
    created_at: sqlDateTime(createdAtMs),
  };
  const values = CDR_INSERT_COLUMNS.map((c) => (row[c] === undefined ? null : row[c]));
  let bytes = 0;
  for (const v of values) bytes += typeof v === 'string' ? v.length * 2 + 4 : 8;
  return { uuid: input.uuid, values, bytes };
}

export type Engine = 'mysql' | 'sqlite';

export function engineOf(ds: DataSource): Engine {
  const t = ds.options.type;
  if (t === 'mysql' || t === 'mariadb') return 'mysql';
  if (t === 'better-sqlite3') return 'sqlite';
  throw new Error(`CDRs support MySQL/MariaDB and SQLite, not ${t}`);
}

/** One multi-row INSERT that skips rows whose uuid already exists (a replayed event never duplicates a row). */
export function insertSql(engine: Engine, rows: number): string {
  const placeholders = `(${CDR_INSERT_COLUMNS.map(() => '?').join(', ')})`;
  const values = Array.from({ length: rows }, () => placeholders).join(', ');
  if (engine === 'mysql') {
    return `INSERT INTO cdrs (${CDR_INSERT_COLUMNS.map((c) => `\`${c}\``).join(', ')}) VALUES ${values} ON DUPLICATE KEY UPDATE id = id`;
  }
  return `INSERT INTO "cdrs" (${CDR_INSERT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${values} ON CONFLICT ("uuid") DO NOTHING`;
}

// SQLite binds at most 32766 parameters per statement; MySQL statements stay well under max_allowed_packet (16 MiB default).
const SQLITE_MAX_PARAMS = 32_766;
const MYSQL_MAX_BYTES = 4 * 1024 * 1024;

/** Splits a batch into statements that fit the engine's limits (one statement for any normal batch). */
export function chunkForEngine(engine: Engine, rows: PreparedCdr[]): PreparedCdr[][] {
  const maxRows = engine === 'sqlite' ? Math.floor(SQLITE_MAX_PARAMS / CDR_INSERT_COLUMNS.length) : Number.MAX_SAFE_INTEGER;
  const maxBytes = engine === 'mysql' ? MYSQL_MAX_BYTES : Number.MAX_SAFE_INTEGER;
  const chunks: PreparedCdr[][] = [];
  let current: PreparedCdr[] = [];
  let bytes = 0;
  for (const r of rows) {
    if (current.length && (current.length >= maxRows || bytes + r.bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(r);
    bytes += r.bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

/** Rows actually inserted by one statement of `rows` rows (the rest were duplicates). */
function insertedCount(engine: Engine, rows: number, result: { affected?: number; raw?: unknown }): number {
  if (engine === 'sqlite') return result.affected ?? 0;
  // mysql2 runs with CLIENT_FOUND_ROWS, so affectedRows counts a skipped duplicate too. A multi-row INSERT reports
  // "Records: N  Duplicates: D  Warnings: W"; a single-row one reports insertId 0 for a skipped duplicate.
  const raw = (result.raw ?? {}) as { info?: string; insertId?: number; affectedRows?: number };
  const m = /Records:\s*(\d+)\s+Duplicates:\s*(\d+)/.exec(raw.info ?? '');
  if (m) return Number(m[1]) - Number(m[2]);
  if (rows === 1) return raw.insertId ? 1 : 0;
  return Math.min(rows, raw.affectedRows ?? rows);
}

/**
 * Inserts prepared rows: one statement per chunk (normally one), all chunks in one transaction. Returns how many rows
 * were new. Throws the driver's error; nothing is half-written.
 */
export async function insertCdrs(ds: DataSource, rows: PreparedCdr[]): Promise<number> {
  if (rows.length === 0) return 0;
  const engine = engineOf(ds);
  const chunks = chunkForEngine(engine, rows);
  const qr: QueryRunner = ds.createQueryRunner();
  try {
    if (chunks.length === 1) return await runChunk(qr, engine, chunks[0]!);
    await qr.startTransaction();
    try {
      let inserted = 0;
      for (const c of chunks) inserted += await runChunk(qr, engine, c);
      await qr.commitTransaction();
      return inserted;
    } catch (err) {
      await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  } finally {
    await qr.release().catch(() => undefined);
  }
}

async function runChunk(qr: QueryRunner, engine: Engine, chunk: PreparedCdr[]): Promise<number> {
  const params: SqlValue[] = [];
  for (const r of chunk) params.push(...r.values);
  const result = await qr.query(insertSql(engine, chunk.length), params, true);
  return insertedCount(engine, chunk.length, result as { affected?: number; raw?: unknown });
}
