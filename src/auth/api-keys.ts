import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from '../clock/clock';
import { systemClock } from '../clock/clock';
import { ApiKeySchema, type ApiKeyRow } from '../db/entities/api-key';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { ServiceError } from './errors';
import { isRole, type Role } from './roles';

/** `sb_` + 32 random bytes in base64url (43 characters). */
export const API_KEY_PATTERN = /^sb_[A-Za-z0-9_-]{43}$/;
export const API_KEY_PREFIX_LENGTH = 8;
export const API_KEY_NAME_MAX = 100;
/** last_used_at is written at most this often per key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function generateApiKey(): string {
  return 'sb_' + randomBytes(32).toString('base64url');
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** An API key as listed: never the hash, and the key itself only once, at creation. */
export interface PublicApiKey {
  id: number;
  name: string;
  key_prefix: string;
  role: Role;
  created_by: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export function toPublicApiKey(row: ApiKeyRow): PublicApiKey {
  return {
    id: row.id,
    name: row.name,
    key_prefix: row.key_prefix,
    role: row.role,
    created_by: row.created_by ?? null,
    created_at: iso(row.created_at)!,
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}

function iso(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  created_by: number | null;
}

/** Machine credentials: stored as prefix + SHA-256 only; the full key is returned once by create(). */
export class ApiKeyService {
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(
    private readonly ds: DataSource,
    options: { clock?: Clock; logger?: Logger } = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  private get repo() {
    return this.ds.getRepository<ApiKeyRow>(ApiKeySchema);
  }

  /**
   * `options.key`: store a key made elsewhere instead of a new one (the fault drill's, already written into a test
   * switch's xml_cdr.conf.xml); never offered by the API, which always generates.
   */
  async create(input: CreateApiKeyInput, options: { key?: string } = {}): Promise<{ key: string; apiKey: PublicApiKey }> {
    const name = typeof input.name === 'string' ? input.name.trim() : '';
    if (name.length === 0 || name.length > API_KEY_NAME_MAX)
      throw new ServiceError('invalid', `name must be 1-${API_KEY_NAME_MAX} characters`, 'name');
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name)) throw new ServiceError('invalid', 'name must not contain control characters', 'name');
    if (!isRole(input.role)) throw new ServiceError('invalid', 'role must be admin, supervisor or agent', 'role');
    if (options.key !== undefined && !API_KEY_PATTERN.test(options.key)) throw new ServiceError('invalid', 'key must be sb_ and 43 base64url characters', 'key');
    const key = options.key ?? generateApiKey();
    const saved = await this.repo.save({
      name,
      key_prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
      key_hash: hashApiKey(key),
      role: input.role,
      created_by: input.created_by,
      created_at: new Date(this.clock.now()),
      last_used_at: null,
      revoked_at: null,
    } as Partial<ApiKeyRow>);
    const row = await this.repo.findOneByOrFail({ id: (saved as ApiKeyRow).id });
    return { key, apiKey: toPublicApiKey(row) };
  }

  async list(): Promise<PublicApiKey[]> {
    const rows = await this.repo.find({ order: { id: 'ASC' } });
    return rows.map(toPublicApiKey);
  }

  async get(id: number): Promise<PublicApiKey | null> {
    const row = await this.repo.findOneBy({ id });
    return row ? toPublicApiKey(row) : null;
  }

  /** Revokes a key; revoking a revoked key changes nothing. */
  async revoke(id: number): Promise<{ before: PublicApiKey; after: PublicApiKey }> {
    const row = await this.repo.findOneBy({ id });
    if (!row) throw new ServiceError('not_found', `API key ${id} does not exist`);
    const before = toPublicApiKey(row);
    if (!row.revoked_at) {
      row.revoked_at = new Date(this.clock.now());
      await this.repo.update({ id }, { revoked_at: row.revoked_at });
    }
    return { before, after: toPublicApiKey(row) };
  }

  /** The active key row matching `key`, or null. Records last use (at most once a minute per key). */
  async authenticate(key: string): Promise<ApiKeyRow | null> {
    if (typeof key !== 'string' || !API_KEY_PATTERN.test(key)) return null;
    const wanted = Buffer.from(hashApiKey(key), 'hex');
    const candidates = await this.repo.findBy({ key_prefix: key.slice(0, API_KEY_PREFIX_LENGTH) });
    let match: ApiKeyRow | null = null;
    for (const c of candidates) {
      const stored = Buffer.from(String(c.key_hash), 'hex');
      if (stored.length === wanted.length && timingSafeEqual(stored, wanted)) match = c;
    }
    if (!match || match.revoked_at) return null;
    const now = this.clock.now();
    const last = match.last_used_at ? new Date(match.last_used_at).getTime() : -Infinity;
    if (now - last >= LAST_USED_RESOLUTION_MS) {
      match.last_used_at = new Date(now);
      try {
        await this.repo.update({ id: match.id }, { last_used_at: match.last_used_at });
      } catch (err) {
        this.logger.warn('could not record API key use', { id: match.id, error: (err as Error).message });
      }
    }
    return match;
  }
}
