import type { DataSource, EntityManager } from 'typeorm';
import type { Clock } from '../clock/clock';
import { systemClock } from '../clock/clock';
import { UserSchema, type UserRow } from '../db/entities/user';
import { isUniqueViolation, ServiceError } from './errors';
import { BCRYPT_COST, hashPassword, passwordProblem } from './password';
import { isRole, type Role } from './roles';

/** 3-64 characters: letters, digits, `.`, `_`, `-`, `@`; starts with a letter or digit. Stored lower-case. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/;
export const DISPLAY_NAME_MAX = 128;

/** Returns what is wrong with `username`, or undefined when it is acceptable. */
export function usernameProblem(username: string): string | undefined {
  if (typeof username !== 'string') return 'must be a string';
  if (!USERNAME_PATTERN.test(username))
    return 'must be 3-64 characters of letters, digits, ".", "_", "-" or "@", starting with a letter or digit';
  return undefined;
}

export function normalizeUsername(username: string): string {
  return username.trim().toLowerCase();
}

/** A user as shown to API clients and written to the audit log: never the password hash. */
export interface PublicUser {
  id: number;
  username: string;
  role: Role;
  display_name: string | null;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export function toPublicUser(row: UserRow): PublicUser {
  return {
    id: row.id,
    username: row.username,
    role: row.role,
    display_name: row.display_name ?? null,
    disabled: Boolean(row.disabled),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

function toIso(d: Date | string | null | undefined): string {
  if (!d) return new Date(0).toISOString();
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  display_name?: string | null;
  disabled?: boolean;
}

export interface UpdateUserInput {
  role?: Role;
  display_name?: string | null;
  disabled?: boolean;
}

export interface UserServiceOptions {
  clock?: Clock;
  /** bcrypt cost for new hashes; 12 unless a test asks for less. */
  bcryptCost?: number;
}

export interface Change<T> {
  before: T;
  after: T;
}

/** Users over the typeorm repository. Keeps at least one enabled admin: refuses to demote, disable or delete the last one. */
export class UserService {
  private readonly clock: Clock;
  readonly bcryptCost: number;

  constructor(
    private readonly ds: DataSource,
    options: UserServiceOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.bcryptCost = options.bcryptCost ?? BCRYPT_COST;
  }

  private repo(manager?: EntityManager) {
    return (manager ?? this.ds.manager).getRepository<UserRow>(UserSchema);
  }

  async create(input: CreateUserInput): Promise<PublicUser> {
    const uProblem = usernameProblem(input.username);
    if (uProblem) throw new ServiceError('invalid', `username ${uProblem}`, 'username');
    const pProblem = passwordProblem(input.password);
    if (pProblem) throw new ServiceError('invalid', `password ${pProblem}`, 'password');
    if (!isRole(input.role)) throw new ServiceError('invalid', 'role must be admin, supervisor or agent', 'role');
    const displayName = cleanDisplayName(input.display_name);

    const username = normalizeUsername(input.username);
    if (await this.repo().findOneBy({ username })) throw new ServiceError('conflict', `username "${username}" is taken`, 'username');
    const password_hash = await hashPassword(input.password, this.bcryptCost);
    const now = new Date(this.clock.now());
    try {
      const row = await this.repo().save({
        username,
        password_hash,
        role: input.role,
        display_name: displayName,
        disabled: input.disabled ?? false,
        created_at: now,
        updated_at: now,
      } as Partial<UserRow>);
      const saved = await this.repo().findOneByOrFail({ id: (row as UserRow).id });
      return toPublicUser(saved);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ServiceError('conflict', `username "${username}" is taken`, 'username');
      throw err;
    }
  }

  async list(): Promise<PublicUser[]> {
    const rows = await this.repo().find({ order: { id: 'ASC' } });
    return rows.map(toPublicUser);
  }

  async get(id: number): Promise<PublicUser | null> {
    const row = await this.getRow(id);
    return row ? toPublicUser(row) : null;
  }

  /** The full row (with hash) for authentication; never send it to a client. */
  async getRow(id: number): Promise<UserRow | null> {
    if (!Number.isSafeInteger(id) || id < 1) return null;
    return this.repo().findOneBy({ id });
  }

  /** The full row for a login name (case-insensitive), or null. */
  async findByUsername(username: string): Promise<UserRow | null> {
    if (typeof username !== 'string' || username.length === 0 || username.length > 256) return null;
    return this.repo().findOneBy({ username: normalizeUsername(username) });
  }

  async update(id: number, input: UpdateUserInput): Promise<Change<PublicUser>> {
    if (input.role !== undefined && !isRole(input.role))
      throw new ServiceError('invalid', 'role must be admin, supervisor or agent', 'role');
    const displayName = input.display_name === undefined ? undefined : cleanDisplayName(input.display_name);
    return this.ds.transaction(async (m) => {
      const row = await this.repo(m).findOneBy({ id });
      if (!row) throw new ServiceError('not_found', `user ${id} does not exist`);
      const before = toPublicUser(row);
      const losesAdmin =
        row.role === 'admin' && !row.disabled && ((input.role !== undefined && input.role !== 'admin') || input.disabled === true);
      if (losesAdmin) await this.assertAnotherActiveAdmin(m, id);
      if (input.role !== undefined) row.role = input.role;
      if (displayName !== undefined) row.display_name = displayName;
      if (input.disabled !== undefined) row.disabled = input.disabled;
      row.updated_at = new Date(this.clock.now());
      await this.repo(m).save(row);
      return { before, after: toPublicUser(row) };
    });
  }

  async setPassword(id: number, password: string): Promise<PublicUser> {
    const problem = passwordProblem(password);
    if (problem) throw new ServiceError('invalid', `password ${problem}`, 'password');
    const row = await this.getRow(id);
    if (!row) throw new ServiceError('not_found', `user ${id} does not exist`);
    row.password_hash = await hashPassword(password, this.bcryptCost);
    row.updated_at = new Date(this.clock.now());
    await this.repo().save(row);
    return toPublicUser(row);
  }

  async delete(id: number): Promise<PublicUser> {
    return this.ds.transaction(async (m) => {
      const row = await this.repo(m).findOneBy({ id });
      if (!row) throw new ServiceError('not_found', `user ${id} does not exist`);
      if (row.role === 'admin' && !row.disabled) await this.assertAnotherActiveAdmin(m, id);
      await this.repo(m).delete({ id });
      return toPublicUser(row);
    });
  }

  /** Enabled admins. */
  async countActiveAdmins(): Promise<number> {
    return this.repo().countBy({ role: 'admin', disabled: false });
  }

  private async assertAnotherActiveAdmin(m: EntityManager, exceptId: number): Promise<void> {
    const admins = await this.repo(m).findBy({ role: 'admin', disabled: false });
    if (!admins.some((a) => a.id !== exceptId))
      throw new ServiceError('conflict', 'this is the last enabled admin; create or enable another admin first');
  }
}

function cleanDisplayName(value: string | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const v = value.trim();
  if (v.length === 0) return null;
  if (v.length > DISPLAY_NAME_MAX) throw new ServiceError('invalid', `display_name must be at most ${DISPLAY_NAME_MAX} characters`, 'display_name');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(v)) throw new ServiceError('invalid', 'display_name must not contain control characters', 'display_name');
  return v;
}
