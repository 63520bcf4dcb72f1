import { In, type DataSource } from 'typeorm';
import { isUniqueViolation } from '../auth/errors';
import { CallerProfileSchema, type CallerProfileRow } from '../db/entities/caller-profile';
import { normalisePhone } from '../dialer/leads/normalise';
import { EMPTY_PROFILE_FIELDS, type ProfileFields, type ProfilePatch } from './profile-fields';

/** Caller profiles in the database: CRUD, lookup by any form of a number, search, batch upserts for the CSV import. */

export interface CallerProfile extends ProfileFields {
  id: number;
  phone_e164: string;
  created_at: Date;
  updated_at: Date;
  updated_by: string | null;
}

export interface ProfileSearch {
  /** Substring of the name, the CRM id or the number (digits only are compared with the number). */
  q?: string;
  tag?: string;
  vip_level?: number;
  blocked?: boolean;
  offset?: number;
  limit?: number;
}

/** A phone number or CRM id already belongs to another profile. */
export class ProfileConflictError extends Error {}

/** One row of a batch upsert: the number and the fields it sets (absent fields keep their stored value). */
export interface ProfileUpsert {
  phone_e164: string;
  patch: ProfilePatch;
  /** Passed back with a conflict (the CSV import's line number). */
  ref: number;
}

export interface UpsertCounts {
  inserted: number;
  updated: number;
  conflicts: Array<{ ref: number; reason: string }>;
  /** The numbers written (for cache invalidation). */
  phones: string[];
}

export function profileFromRow(row: CallerProfileRow): CallerProfile {
  return { ...row, tags: parseTags(row.tags), blocked: Boolean(row.blocked) };
}

function parseTags(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

function toColumns(patch: ProfilePatch): Partial<CallerProfileRow> {
  const { tags, ...rest } = patch;
  const out: Partial<CallerProfileRow> = {};
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  if (tags !== undefined) out.tags = JSON.stringify(tags);
  return out;
}

function withoutId(row: Partial<CallerProfileRow>): Partial<CallerProfileRow> {
  const { id: _id, ...rest } = row;
  return rest;
}

/** LIKE pattern for a substring, with `!` as the escape character (the same on MySQL and SQLite). */
function likeSubstring(s: string): string {
  return `%${s.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

export class ProfileStore {
  constructor(
    private readonly ds: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private get repo() {
    return this.ds.getRepository(CallerProfileSchema);
  }

  /** A number in E.164 (numbers without + are read in `country`; without a country only +... numbers pass). */
  static normalise(raw: string, country?: string): { ok: true; e164: string } | { ok: false; reason: string } {
    const p = normalisePhone(raw, country);
    return p.ok ? { ok: true, e164: p.e164 } : { ok: false, reason: p.reason };
  }

  async get(id: number): Promise<CallerProfile | null> {
    const row = await this.repo.findOneBy({ id });
    return row ? profileFromRow(row) : null;
  }

  async byPhone(e164: string): Promise<CallerProfile | null> {
    const row = await this.repo.findOneBy({ phone_e164: e164 });
    return row ? profileFromRow(row) : null;
  }

  /** The profile of a number in any form (see normalise); null when the number is not valid or has no profile. */
  async byNumber(raw: string, country?: string): Promise<CallerProfile | null> {
    const p = ProfileStore.normalise(raw, country);
    return p.ok ? this.byPhone(p.e164) : null;
  }

  async create(phoneE164: string, patch: ProfilePatch, actor: string | null): Promise<CallerProfile> {
    const now = this.now();
    const row = { ...EMPTY_PROFILE_FIELDS, tags: '[]', ...toColumns(patch), phone_e164: phoneE164, created_at: now, updated_at: now, updated_by: actor };
    try {
      return profileFromRow(await this.repo.save(row as CallerProfileRow));
    } catch (err) {
      throw this.conflict(err, phoneE164, patch.crm_id);
    }
  }

  /** Changes a profile; null when it does not exist. `phone_e164` moves the profile to another number. */
  async update(id: number, patch: ProfilePatch & { phone_e164?: string }, actor: string | null): Promise<{ before: CallerProfile; after: CallerProfile } | null> {
    const before = await this.repo.findOneBy({ id });
    if (!before) return null;
    const { phone_e164, ...fields } = patch;
    const next = { ...before, ...toColumns(fields), ...(phone_e164 ? { phone_e164 } : {}), updated_at: this.now(), updated_by: actor };
    try {
      const after = await this.repo.save(next);
      return { before: profileFromRow(before), after: profileFromRow(after) };
    } catch (err) {
      throw this.conflict(err, phone_e164 ?? before.phone_e164, fields.crm_id);
    }
  }

  async delete(id: number): Promise<CallerProfile | null> {
    const before = await this.repo.findOneBy({ id });
    if (!before) return null;
    await this.repo.delete({ id });
    return profileFromRow(before);
  }

  /** Profiles matching every given filter, by id; `total` counts them all. */
  async search(filter: ProfileSearch): Promise<{ items: CallerProfile[]; total: number }> {
    const qb = this.repo.createQueryBuilder('p');
    const q = filter.q?.trim();
    if (q) {
      const digits = q.replace(/[^0-9]/g, '');
      const parts = ["p.name LIKE :q ESCAPE '!'", "p.crm_id LIKE :q ESCAPE '!'", "p.phone_e164 LIKE :q ESCAPE '!'"];
      if (digits.length >= 3 && digits !== q) parts.push("p.phone_e164 LIKE :digits ESCAPE '!'");
      qb.andWhere(`(${parts.join(' OR ')})`, { q: likeSubstring(q), digits: likeSubstring(digits) });
    }
    // Tags cannot hold quotes (TAG_PATTERN): the JSON text holds "<tag>" exactly when the array has the tag.
    if (filter.tag) qb.andWhere("p.tags LIKE :tag ESCAPE '!'", { tag: likeSubstring(JSON.stringify(filter.tag)) });
    if (filter.vip_level !== undefined) qb.andWhere('p.vip_level = :vip', { vip: filter.vip_level });
    if (filter.blocked !== undefined) qb.andWhere('p.blocked = :blocked', { blocked: filter.blocked });
    const [rows, total] = await qb
      .orderBy('p.id', 'ASC')
      .skip(filter.offset ?? 0)
      .take(filter.limit ?? 50)
      .getManyAndCount();
    return { items: rows.map(profileFromRow), total };
  }

  /**
   * Inserts new numbers and changes known ones, in one transaction. A row whose CRM id belongs to another number (in
   * the database or earlier in the batch) is not written: it comes back in `conflicts`. Rows apply in order (a later
   * row for the same number changes what the earlier one wrote). The batch is planned in memory and written with one
   * INSERT and one UPDATE per changed profile; should that order of statements collide on a unique key (CRM ids handed
   * from one profile to another inside the batch), the batch is written again row by row, in file order.
   */
  async upsertBatch(rows: ProfileUpsert[], actor: string | null): Promise<UpsertCounts> {
    if (rows.length === 0) return { inserted: 0, updated: 0, conflicts: [], phones: [] };
    try {
      return await this.writeBatch(rows, actor, true);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      return this.writeBatch(rows, actor, false);
    }
  }

  private async writeBatch(rows: ProfileUpsert[], actor: string | null, bulk: boolean): Promise<UpsertCounts> {
    const counts: UpsertCounts = { inserted: 0, updated: 0, conflicts: [], phones: [] };
    await this.ds.transaction(async (em) => {
      const repo = em.getRepository(CallerProfileSchema);
      const existing = new Map<string, Partial<CallerProfileRow>>((await repo.findBy({ phone_e164: In(rows.map((r) => r.phone_e164)) })).map((r) => [r.phone_e164, r]));
      const crmIds = rows.map((r) => r.patch.crm_id).filter((c): c is string => typeof c === 'string');
      const crmOwner = new Map(crmIds.length ? (await repo.findBy({ crm_id: In(crmIds) })).map((r) => [r.crm_id!, r.phone_e164]) : []);
      const now = this.now();
      const inserts = new Map<string, Partial<CallerProfileRow>>();
      const updates = new Map<number, Partial<CallerProfileRow>>();
      for (const r of rows) {
        const crm = r.patch.crm_id;
        const owner = typeof crm === 'string' ? crmOwner.get(crm) : undefined;
        if (owner !== undefined && owner !== r.phone_e164) {
          counts.conflicts.push({ ref: r.ref, reason: `crm_id "${crm}" belongs to the profile of ${owner}` });
          continue;
        }
        const before = existing.get(r.phone_e164);
        // The CRM id this number gives up is free for later rows.
        if (before?.crm_id && crm !== undefined && before.crm_id !== crm) crmOwner.delete(before.crm_id);
        if (typeof crm === 'string') crmOwner.set(crm, r.phone_e164);
        const after = before
          ? { ...before, ...toColumns(r.patch), updated_at: now, updated_by: actor }
          : { ...EMPTY_PROFILE_FIELDS, tags: '[]', ...toColumns(r.patch), phone_e164: r.phone_e164, created_at: now, updated_at: now, updated_by: actor };
        if (!bulk) {
          if (before?.id !== undefined) await repo.update({ id: before.id }, withoutId(after));
          else Object.assign(after, { id: (await repo.insert(after)).identifiers[0]?.id as number });
        } else if (before?.id !== undefined) updates.set(before.id, after);
        else inserts.set(r.phone_e164, after);
        existing.set(r.phone_e164, after);
        if (before) counts.updated++;
        else counts.inserted++;
        counts.phones.push(r.phone_e164);
      }
      for (const [id, after] of updates) await repo.update({ id }, withoutId(after));
      if (inserts.size) await repo.insert([...inserts.values()]);
    });
    return counts;
  }

  /** Every profile by id, `batchSize` rows at a time (the CSV export streams them). */
  async *all(batchSize = 500): AsyncGenerator<CallerProfile[]> {
    let afterId = 0;
    for (;;) {
      const rows = await this.repo.createQueryBuilder('p').where('p.id > :afterId', { afterId }).orderBy('p.id', 'ASC').limit(batchSize).getMany();
      if (rows.length === 0) return;
      yield rows.map(profileFromRow);
      afterId = rows[rows.length - 1]!.id;
      if (rows.length < batchSize) return;
    }
  }

  private conflict(err: unknown, phone: string, crmId: string | null | undefined): unknown {
    if (!isUniqueViolation(err)) return err;
    const text = String((err as Error).message ?? '');
    if (crmId && /crm/i.test(text)) return new ProfileConflictError(`crm_id "${crmId}" belongs to another profile`);
    return new ProfileConflictError(crmId ? `${phone} or crm_id "${crmId}" already has a profile` : `${phone} already has a profile`);
  }
}

