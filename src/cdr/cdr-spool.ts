/**
 * The CDR writer's local spool: where CDRs go while the database cannot take them, so that neither a long outage nor
 * a process killed during one loses a record (the bar FreeSWITCH's mod_xml_cdr sets with its on-disk fallback).
 *
 * Files in `dir`:
 * - `cdrs.jsonl`: append-only. Its first line names the columns (`{"columns":[...]}`), each further line is the
 *   values of one prepared CDR row (src/cdr/cdr-sql.ts) as a JSON array. Appends are written and fsync'd before
 *   append() returns, so a row the writer moved here survives a crash or a power cut.
 * - `cdrs.offset`: how many bytes of cdrs.jsonl are already in the database (replaced atomically: write, fsync,
 *   rename). A crash between an INSERT and its offset update replays those rows again, which the idempotent INSERT
 *   skips (the uuid key exists).
 * When everything is replayed, both files are truncated. The file is bounded (maxBytes): append() refuses rows that
 * would pass it, and the writer counts them as dropped with reason `spool_full`.
 * A spool written by an older version with other columns is replayed by column name (a missing column is null).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CDR_INSERT_COLUMNS, type PreparedCdr } from './cdr-sql';

const DATA_FILE = 'cdrs.jsonl';
const OFFSET_FILE = 'cdrs.offset';
const READ_CHUNK = 1 << 20;

type SqlValue = string | number | null;

export interface CdrSpoolStats {
  /** Rows in the spool not yet in the database. */
  rows: number;
  /** Bytes of those rows. */
  bytes: number;
  maxBytes: number;
  /** Rows refused because the spool was full. */
  refused: number;
}

export class CdrSpool {
  private fd: number | null = null;
  private size = 0;
  private offset = 0;
  private rowCount = 0;
  private refused = 0;
  /** Column positions of the file's rows in today's INSERT (null: the same columns). */
  private remap: Array<number | null> | null = null;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Opens (or creates) the spool and counts the rows waiting from an earlier run. */
  open(): this {
    fs.mkdirSync(this.dir, { recursive: true });
    const file = path.join(this.dir, DATA_FILE);
    this.fd = fs.openSync(file, 'a+');
    this.size = fs.fstatSync(this.fd).size;
    this.offset = Math.min(this.size, readOffset(path.join(this.dir, OFFSET_FILE)));
    if (this.size === 0) this.writeHeader();
    else {
      // No offset yet (or a bad one): replay from the first row.
      this.offset = Math.max(this.offset, this.readHeader());
      this.terminateTornLine();
    }
    this.rowCount = this.countLines(this.offset);
    return this;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  stats(): CdrSpoolStats {
    return { rows: this.rowCount, bytes: Math.max(0, this.size - this.offset), maxBytes: this.maxBytes, refused: this.refused };
  }

  get pending(): boolean {
    return this.rowCount > 0;
  }

  /** Appends rows, durably (fsync). Returns false, appending nothing, when they do not fit under maxBytes. */
  append(rows: readonly PreparedCdr[]): boolean {
    if (rows.length === 0) return true;
    const fd = this.requireOpen();
    const text = rows.map((r) => JSON.stringify(r.values)).join('\n') + '\n';
    const bytes = Buffer.byteLength(text);
    if (this.size - this.offset + bytes > this.maxBytes) {
      this.refused += rows.length;
      return false;
    }
    fs.writeSync(fd, text, null, 'utf8');
    fs.fsyncSync(fd);
    this.size += bytes;
    this.rowCount += rows.length;
    return true;
  }

  /** The oldest rows not yet replayed (at most `max`), and the offset to commit once they are in the database. */
  peek(max: number): { rows: PreparedCdr[]; next: number } {
    const fd = this.requireOpen();
    const rows: PreparedCdr[] = [];
    let pos = this.offset;
    while (rows.length < max && pos < this.size) {
      const len = Math.min(READ_CHUNK, this.size - pos);
      const buf = Buffer.alloc(len);
      const n = fs.readSync(fd, buf, 0, len, pos);
      let start = 0;
      while (rows.length < max) {
        const nl = buf.indexOf(10, start);
        if (nl === -1 || nl >= n) break;
        const row = this.parse(buf.toString('utf8', start, nl));
        if (row) rows.push(row);
        start = nl + 1;
      }
      if (start === 0) {
        // No whole line in this chunk: a torn last line (skipped), or a line longer than a chunk (never written by
        // append(); skipped to its end).
        const nl = len < READ_CHUNK ? -1 : this.nextNewline(pos + len);
        pos = nl === -1 ? this.size : nl + 1;
        continue;
      }
      pos += start;
    }
    return { rows, next: pos };
  }

  private nextNewline(from: number): number {
    const fd = this.requireOpen();
    const buf = Buffer.alloc(READ_CHUNK);
    for (let pos = from; pos < this.size; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, this.size - pos), pos);
      if (n === 0) break;
      const i = buf.subarray(0, n).indexOf(10);
      if (i !== -1) return pos + i;
      pos += n;
    }
    return -1;
  }

  /** Marks everything before `next` as in the database; an empty spool is truncated. */
  commit(next: number, rows: number): void {
    this.requireOpen();
    this.offset = Math.min(next, this.size);
    this.rowCount = Math.max(0, this.rowCount - rows);
    if (this.offset >= this.size) {
      this.rowCount = 0;
      fs.ftruncateSync(this.fd!, 0);
      fs.fsyncSync(this.fd!);
      this.size = 0;
      this.remap = null;
      this.writeHeader();
    }
    writeOffset(path.join(this.dir, OFFSET_FILE), this.offset);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private requireOpen(): number {
    if (this.fd === null) throw new Error('the CDR spool is not open');
    return this.fd;
  }

  private writeHeader(): void {
    const fd = this.requireOpen();
    const h = `${JSON.stringify({ columns: CDR_INSERT_COLUMNS })}\n`;
    fs.writeSync(fd, h, null, 'utf8');
    fs.fsyncSync(fd);
    this.size = Buffer.byteLength(h);
    this.offset = this.size;
  }

  /** Reads the column header (and how to map an older layout to today's); returns where the rows start. */
  private readHeader(): number {
    const fd = this.requireOpen();
    const buf = Buffer.alloc(Math.min(this.size, 64 * 1024));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const nl = buf.subarray(0, n).indexOf(10);
    const line = buf.toString('utf8', 0, Math.max(0, nl));
    let columns: unknown;
    try {
      columns = (JSON.parse(line) as { columns?: unknown }).columns;
    } catch {
      columns = undefined;
    }
    if (!Array.isArray(columns)) throw new Error(`the CDR spool ${path.join(this.dir, DATA_FILE)} has no column header; move it away to start`);
    const same = columns.length === CDR_INSERT_COLUMNS.length && columns.every((c, i) => c === CDR_INSERT_COLUMNS[i]);
    this.remap = same ? null : CDR_INSERT_COLUMNS.map((c) => {
      const i = columns.indexOf(c);
      return i === -1 ? null : i;
    });
    return nl + 1;
  }

  /** A crash in the middle of an append leaves a line without its newline: end it, so the next append starts clean. */
  private terminateTornLine(): void {
    const fd = this.requireOpen();
    const last = Buffer.alloc(1);
    fs.readSync(fd, last, 0, 1, this.size - 1);
    if (last[0] === 10) return;
    fs.writeSync(fd, '\n');
    fs.fsyncSync(fd);
    this.size += 1;
  }

  private countLines(from: number): number {
    const fd = this.requireOpen();
    let count = 0;
    const buf = Buffer.alloc(READ_CHUNK);
    for (let pos = from; pos < this.size; ) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, this.size - pos), pos);
      if (n === 0) break;
      for (let i = 0; i < n; i++) if (buf[i] === 10) count++;
      pos += n;
    }
    return count;
  }

  /** One spooled line as a row of today's INSERT; a torn or unreadable line (a crash mid-write) is skipped. */
  private parse(line: string): PreparedCdr | null {
    let values: unknown;
    try {
      values = JSON.parse(line);
    } catch {
      return null;
    }
    if (!Array.isArray(values)) return null;
    const v = (this.remap ? this.remap.map((i) => (i === null ? null : values[i])) : values) as SqlValue[];
    const uuid = v[CDR_INSERT_COLUMNS.indexOf('uuid' as (typeof CDR_INSERT_COLUMNS)[number])];
    if (typeof uuid !== 'string' || uuid === '') return null;
    return { uuid, values: v, bytes: Buffer.byteLength(line) };
  }
}

function readOffset(file: string): number {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

function writeOffset(file: string, offset: number): void {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, `${offset}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
