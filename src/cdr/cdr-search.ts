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
  /** Matches caller_number, destination_number or callee_number. A trailing `*` makes it a prefix match. */
  number?: string;
  /** 'exact' (default) or 'prefix'. */
  numberMatch?: 'exact' | 'prefix';
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

/** `%`, `_` and the escape character itself are literal in a LIKE pattern after this; '!' escapes on both engines. */
function likePrefix(value: string): string {
  return `${value.replace(/[!%_]/g, (c) => `!${c}`)}%`;
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
  if (q.number !== undefined && q.number !== '') {
    let number = q.number;
    let prefix = q.numberMatch === 'prefix';
    if (number.endsWith('*')) {
      number = number.slice(0, -1);
      prefix = true;
    }
    if (prefix && number === '') {
      // `*` alone matches everything: no condition.
    } else if (prefix) {
      qb.andWhere(
        "(c.caller_number LIKE :numberLike ESCAPE '!' OR c.destination_number LIKE :numberLike ESCAPE '!' OR c.callee_number LIKE :numberLike ESCAPE '!')",
        { numberLike: likePrefix(number) },
      );
    } else {
      qb.andWhere('(c.caller_number = :number OR c.destination_number = :number OR c.callee_number = :number)', { number });
    }
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
