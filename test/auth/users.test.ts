import type { DataSource } from 'typeorm';
import bcrypt from 'bcryptjs';
import { ServiceError } from '../../src/auth/errors';
import { UserService, usernameProblem } from '../../src/auth/users';
import { UserSchema, type UserRow } from '../../src/db/entities/user';
import { openTestDatabase } from '../api/helpers';

describe('UserService', () => {
  let ds: DataSource;
  let users: UserService;
  beforeAll(async () => {
    ({ ds } = await openTestDatabase());
    users = new UserService(ds, { bcryptCost: 4 });
  });
  afterAll(() => ds.destroy());

  it('creates users with a bcrypt hash, lower-cased username, and never returns the hash', async () => {
    const u = await users.create({ username: 'Alice.Smith', password: 'alice-password-1', role: 'supervisor', display_name: ' Alice ' });
    expect(u).toMatchObject({ username: 'alice.smith', role: 'supervisor', display_name: 'Alice', disabled: false });
    expect(u).not.toHaveProperty('password_hash');
    const row = await ds.getRepository<UserRow>(UserSchema).findOneByOrFail({ id: u.id });
    expect(await bcrypt.compare('alice-password-1', row.password_hash)).toBe(true);
    expect(await users.findByUsername('ALICE.SMITH')).not.toBeNull();
  });

  it('uses cost 12 unless told otherwise', () => {
    expect(new UserService(ds).bcryptCost).toBe(12);
  });

  it('validates usernames', () => {
    for (const bad of ['ab', '-lead', 'a b c', "x' OR '1'='1", 'a'.repeat(65), 'née', '../etc', '']) expect(usernameProblem(bad)).toBeDefined();
    for (const good of ['abc', 'agent_007', 'first.last', 'ops-1', 'me@example.com']) expect(usernameProblem(good)).toBeUndefined();
  });

  it('refuses duplicates, bad usernames, short passwords and bad roles', async () => {
    await users.create({ username: 'bob', password: 'bob-password-12', role: 'agent' });
    await expect(users.create({ username: 'BOB', password: 'bob-password-12', role: 'agent' })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(users.create({ username: 'x', password: 'long-enough-pass', role: 'agent' })).rejects.toMatchObject({ kind: 'invalid', field: 'username' });
    await expect(users.create({ username: 'carol', password: 'short', role: 'agent' })).rejects.toMatchObject({ kind: 'invalid', field: 'password' });
    await expect(users.create({ username: 'carol', password: 'long-enough-pass', role: 'root' as never })).rejects.toBeInstanceOf(ServiceError);
  });

  it('updates role, display name and disabled; sets passwords; deletes', async () => {
    const u = await users.create({ username: 'dave', password: 'dave-password-1', role: 'agent' });
    const { before, after } = await users.update(u.id, { role: 'supervisor', display_name: 'Dave', disabled: true });
    expect(before).toMatchObject({ role: 'agent', display_name: null, disabled: false });
    expect(after).toMatchObject({ role: 'supervisor', display_name: 'Dave', disabled: true });
    const oldHash = (await users.getRow(u.id))!.password_hash;
    await users.setPassword(u.id, 'dave-password-2');
    expect((await users.getRow(u.id))!.password_hash).not.toBe(oldHash);
    await expect(users.setPassword(u.id, 'tiny')).rejects.toMatchObject({ field: 'password' });
    expect((await users.delete(u.id)).username).toBe('dave');
    expect(await users.get(u.id)).toBeNull();
    await expect(users.delete(u.id)).rejects.toMatchObject({ kind: 'not_found' });
    await expect(users.update(987654, { role: 'agent' })).rejects.toMatchObject({ kind: 'not_found' });
  });

  it('keeps at least one enabled admin', async () => {
    const a = await users.create({ username: 'admin-a', password: 'admin-a-pass-1', role: 'admin' });
    await expect(users.update(a.id, { role: 'agent' })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(users.update(a.id, { disabled: true })).rejects.toMatchObject({ kind: 'conflict' });
    await expect(users.delete(a.id)).rejects.toMatchObject({ kind: 'conflict' });
    // Renaming the display of the last admin is fine.
    await users.update(a.id, { display_name: 'Boss' });
    const b = await users.create({ username: 'admin-b', password: 'admin-b-pass-1', role: 'admin' });
    await users.update(a.id, { disabled: true });
    expect(await users.countActiveAdmins()).toBe(1);
    await expect(users.delete(b.id)).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('hostile usernames simply do not match', async () => {
    for (const s of ["' OR '1'='1", "admin'--", '"; DROP TABLE users; --', '%', '_', 'admin\u0000', 'a'.repeat(10_000)])
      expect(await users.findByUsername(s)).toBeNull();
    expect((await users.list()).length).toBeGreaterThan(0);
  });
});
