import type { DataSource } from 'typeorm';
import { CdrSchema, type CdrRow } from '../db/entities/cdr';
import { sqlDateTime } from '../db/entities/columns';

export const CDR_SEARCH_MAX_LIMIT = 500;
export const CDR_SEARCH_DEFAULT_LIMIT = 50;

export interface CdrQuery {
  /** start_at >= from. */
  from?: Date;
  /** start_at < to. */
  to?: Date;
  /** Matches caller_number, destination_number or callee_number; see parseNumberQuery for the syntax. */
  number?: string;
  /** How `number` matches; absent: a trailing `*` means prefix, a leading `*` suffix, else exact. */
  numberMatch?: NumberMatch;
  /** Hangup cause, e.g. NORMAL_CLEARING (case-insensitive: stored upper-case). */
  cause?: string;
  direction?: string;
  fs_node?: string;
  uuid?: string;
  /** Legs of one call (variable_call_uuid). */
  call_uuid?: string;
  /** 1-500, default 50. */
  limit?: number;
  offset?: number;
}

export interface CdrPage {
  total: number;
  items: CdrRow[];
}

export const NUMBER_MATCHES = ['exact', 'prefix', 'suffix'] as const;
export type NumberMatch = (typeof NUMBER_MATCHES)[number];

/** A number search: the values any of the three number columns may equal / start with / end with. */
export interface NumberSearch {
  match: NumberMatch;
  values: string[];
}

/**
 * The number filter's syntax:
 * - `+14155550100` or `14155550100`: exact; `+1415*`: prefix; `*0100`: suffix (`numberMatch` says it explicitly, and
 *   then a `*` is literal, e.g. the feature code `*97` with numberMatch exact).
 * - Bare digits also match the same digits after a `+` (`1415*` finds `+1415...` and `1415...`); a query that
 *   starts with `+` matches only numbers with it.
 * - A leading space is read as `+`: in a query string an unescaped `+` arrives as a space, and numbers have none.
 * Returns null when the filter matches everything (`*` alone).
 */
export function parseNumberQuery(raw: string, explicit?: NumberMatch): NumberSearch | null {
  let value = raw.startsWith(' ') ? `+${raw.trimStart()}` : raw;
  let match: NumberMatch = explicit ?? 'exact';
  if (!explicit) {
    if (value.endsWith('*')) {
      match = 'prefix';
      value = value.slice(0, -1);
    } else if (value.startsWith('*') && value.length > 1) {
      match = 'suffix';
      value = value.slice(1);
    }
  }
  if (value === '' || value === '*') return null;
  // A suffix of digits is the same with or without the +; exact and prefix need both spellings.
  const values = /^[0-9]+$/.test(value) && match !== 'suffix' ? [value, `+${value}`] : [value];
  return { match, values };
}

/** `%`, `_` and the escape character itself are literal in a LIKE pattern after this; '!' escapes on both engines. */
function escapeLike(value: string): string {
  return value.replace(/[!%_]/g, (c) => `!${c}`);
}

const NUMBER_COLUMNS = ['c.caller_number', 'c.destination_number', 'c.callee_number'] as const;

/**
 * The WHERE text and parameters of a number search. On MariaDB exact and prefix conditions are index range scans of
 * each number column's index (`=`, and `LIKE 'x%'` with a constant prefix), merged over the OR; a suffix
 * (`LIKE '%x'`) cannot use an index and reads the rows the other filters leave, so pair it with from/to.
 */
function numberCondition(search: NumberSearch): { sql: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const parts: string[] = [];
  search.values.forEach((v, i) => {
    const name = `number${i}`;
    params[name] = search.match === 'exact' ? v : search.match === 'prefix' ? `${escapeLike(v)}%` : `%${escapeLike(v)}`;
    for (const col of NUMBER_COLUMNS) parts.push(search.match === 'exact' ? `${col} = :${name}` : `${col} LIKE :${name} ESCAPE '!'`);
  });
  return { sql: `(${parts.join(' OR ')})`, params };
}

function clampInt(value: number | undefined, min: number, max: number, fallback: number): number {
  if (value === undefined || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, Math.floor(value)));
}

function validDate(d: Date | undefined): d is Date {
  return d instanceof Date && !Number.isNaN(d.getTime());
}

/**
 * Searches CDRs, newest first (start_at desc, id desc), with the total matching count. Every value is a bound
 * parameter; the SQL text depends only on which filters are present.
 */
export async function searchCdrs(ds: DataSource, q: CdrQuery = {}): Promise<CdrPage> {
  const limit = clampInt(q.limit, 1, CDR_SEARCH_MAX_LIMIT, CDR_SEARCH_DEFAULT_LIMIT);
  const offset = clampInt(q.offset, 0, Number.MAX_SAFE_INTEGER, 0);
  const qb = ds.getRepository<CdrRow>(CdrSchema).createQueryBuilder('c');

  if (validDate(q.from)) qb.andWhere('c.start_at >= :from', { from: sqlDateTime(q.from) });
  if (validDate(q.to)) qb.andWhere('c.start_at < :to', { to: sqlDateTime(q.to) });
  const numberSearch = q.number !== undefined && q.number !== '' ? parseNumberQuery(q.number, q.numberMatch) : null;
  if (numberSearch) {
    const { sql, params } = numberCondition(numberSearch);
    qb.andWhere(sql, params);
  }
  if (q.cause) qb.andWhere('c.hangup_cause = :cause', { cause: q.cause.toUpperCase() });
  if (q.direction) qb.andWhere('c.direction = :direction', { direction: q.direction.toLowerCase() });
  if (q.fs_node) qb.andWhere('c.fs_node = :fsNode', { fsNode: q.fs_node });
  if (q.uuid) qb.andWhere('c.uuid = :uuid', { uuid: q.uuid });
  if (q.call_uuid) qb.andWhere('c.call_uuid = :callUuid', { callUuid: q.call_uuid });

  const total = await qb.getCount();
  if (total === 0 || offset >= total) return { total, items: [] };
  const items = await qb.orderBy('c.start_at', 'DESC').addOrderBy('c.id', 'DESC').limit(limit).offset(offset).getMany();
  return { total, items };
}

/** The CDR of one channel, or null. */
export async function getCdrByUuid(ds: DataSource, uuid: string): Promise<CdrRow | null> {
  if (typeof uuid !== 'string' || uuid === '' || uuid.length > 64) return null;
  return ds.getRepository<CdrRow>(CdrSchema).findOneBy({ uuid });
}
