import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ServiceError, isUniqueViolation } from '../auth/errors';
import { systemClock, type Clock } from '../clock/clock';
import { SIP_ACCOUNT_LIMITS, SipAccountSchema, type SipAccountRow } from '../db/entities/sip-account';
import { UserSchema, type UserRow } from '../db/entities/user';
import { UnsafeValueError } from '../freeswitch/errors';
import { domain as domainValue, extension as extensionValue } from '../freeswitch/values';

/** SIP digest HA1: md5("<user>:<realm>:<password>"); FreeSWITCH's directory takes it as `a1-hash`. */
export function a1Hash(extension: string, domain: string, password: string): string {
  return createHash('md5').update(`${extension}:${domain}:${password}`, 'utf8').digest('hex');
}

/** 24 characters of base64url (144 random bits): safe to type into any phone's settings. */
export function generateSipPassword(): string {
  return randomBytes(18).toString('base64url');
}

/** A SIP account as the API shows it: never the hash (it is as good as the password for SIP digest). */
export interface PublicSipAccount {
  id: number;
  user_id: number | null;
  extension: string;
  domain: string;
  display_name: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export function toPublicSipAccount(row: SipAccountRow): PublicSipAccount {
  return {
    id: row.id,
    user_id: row.user_id ?? null,
    extension: row.extension,
    domain: row.domain,
    display_name: row.display_name ?? null,
    enabled: Boolean(row.enabled),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/**
 * A display name as it becomes the caller id name: 1-80 characters, no control characters, and neither `${` nor a
 * backslash (FreeSWITCH expands and un-escapes variable values). XML metacharacters are fine: the directory
 * builder escapes them.
 */
export function displayNameProblem(value: string): string | undefined {
  if (value.length < 1 || value.length > SIP_ACCOUNT_LIMITS.displayName) return `must be 1-${SIP_ACCOUNT_LIMITS.displayName} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(value)) return 'must not contain control characters';
  if (value.includes('${') || value.includes('$${')) return 'must not contain "${" (FreeSWITCH would expand it)';
  if (value.includes('\\')) return 'must not contain a backslash';
  return undefined;
}

function checkDisplayName(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new ServiceError('invalid', 'display_name must be a string or null', 'display_name');
  const v = value.trim();
  if (!v) return null;
  const problem = displayNameProblem(v);
  if (problem) throw new ServiceError('invalid', `display_name ${problem}`, 'display_name');
  return v;
}

function checkToken(fn: (v: unknown, field: string) => string, value: unknown, field: string): string {
  try {
    return fn(value, field);
  } catch (err) {
    if (err instanceof UnsafeValueError) throw new ServiceError('invalid', `${field} is not valid: ${err.message}`, field);
    throw err;
  }
}

export interface CreateSipAccountInput {
  extension: string;
  domain: string;
  display_name?: string | null;
  user_id?: number | null;
  enabled?: boolean;
}

export interface UpdateSipAccountInput {
  display_name?: string | null;
  enabled?: boolean;
  user_id?: number | null;
}

/** Agents' SIP accounts. The password is generated here, returned once, and only its A1 hash is stored. */
export class SipAccountService {
  private readonly clock: Clock;

  constructor(
    private readonly ds: DataSource,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private get repo() {
    return this.ds.getRepository<SipAccountRow>(SipAccountSchema);
  }

  private async checkUser(userId: unknown): Promise<number | null> {
    if (userId === null || userId === undefined) return null;
    if (typeof userId !== 'number' || !Number.isSafeInteger(userId) || userId < 1)
      throw new ServiceError('invalid', 'user_id must be a positive integer or null', 'user_id');
    const user = await this.ds.getRepository<UserRow>(UserSchema).findOneBy({ id: userId });
    if (!user) throw new ServiceError('invalid', `user ${userId} does not exist`, 'user_id');
    return userId;
  }

  async create(input: CreateSipAccountInput): Promise<{ account: PublicSipAccount; password: string }> {
    const extension = checkToken(extensionValue, input.extension, 'extension');
    const domain = checkToken(domainValue, input.domain, 'domain');
    const display_name = checkDisplayName(input.display_name);
    const user_id = await this.checkUser(input.user_id);
    const password = generateSipPassword();
    const now = new Date(this.clock.now());
    try {
      const saved = await this.repo.save({
        user_id,
        extension,
        domain,
        display_name,
        a1_hash: a1Hash(extension, domain, password),
        enabled: input.enabled ?? true,
        created_at: now,
        updated_at: now,
      } as Partial<SipAccountRow>);
      const row = await this.repo.findOneByOrFail({ id: (saved as SipAccountRow).id });
      return { account: toPublicSipAccount(row), password };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ServiceError('conflict', `extension ${extension} already has a SIP account`);
      throw err;
    }
  }

  async list(): Promise<PublicSipAccount[]> {
    return (await this.repo.find({ order: { extension: 'ASC' } })).map(toPublicSipAccount);
  }

  async get(id: number): Promise<PublicSipAccount | null> {
    const row = await this.repo.findOneBy({ id });
    return row ? toPublicSipAccount(row) : null;
  }

  private async getRow(id: number): Promise<SipAccountRow> {
    const row = await this.repo.findOneBy({ id });
    if (!row) throw new ServiceError('not_found', `SIP account ${id} does not exist`);
    return row;
  }

  /** A new random password (returned once); the old one stops working at the phone's next registration. */
  async resetPassword(id: number): Promise<{ account: PublicSipAccount; password: string }> {
    const row = await this.getRow(id);
    const password = generateSipPassword();
    await this.repo.update({ id }, { a1_hash: a1Hash(row.extension, row.domain, password), updated_at: new Date(this.clock.now()) });
    return { account: toPublicSipAccount(await this.getRow(id)), password };
  }

  async update(id: number, input: UpdateSipAccountInput): Promise<{ before: PublicSipAccount; after: PublicSipAccount }> {
    const row = await this.getRow(id);
    const before = toPublicSipAccount(row);
    const patch: Partial<SipAccountRow> = {};
    if ('display_name' in input) patch.display_name = checkDisplayName(input.display_name);
    if (input.enabled !== undefined) {
      if (typeof input.enabled !== 'boolean') throw new ServiceError('invalid', 'enabled must be true or false', 'enabled');
      patch.enabled = input.enabled;
    }
    if ('user_id' in input) patch.user_id = await this.checkUser(input.user_id);
    if (Object.keys(patch).length) {
      patch.updated_at = new Date(this.clock.now());
      await this.repo.update({ id }, patch);
    }
    return { before, after: toPublicSipAccount(await this.getRow(id)) };
  }

  async delete(id: number): Promise<PublicSipAccount> {
    const row = await this.getRow(id);
    await this.repo.delete({ id });
    return toPublicSipAccount(row);
  }

  /** The enabled account for a directory lookup (extension and domain as FreeSWITCH sends them, compared exactly: the
   * domain is the digest realm of the A1 hash), or null. */
  async findForDirectory(extension: string, domain: string): Promise<SipAccountRow | null> {
    const row = await this.repo.findOneBy({ extension });
    if (!row || !row.enabled || row.domain !== domain) return null;
    return row;
  }
}
