import type { DataSource } from 'typeorm';
import { ensureBootstrapAdmin } from '../../src/auth/bootstrap';
import { verifyPassword } from '../../src/auth/password';
import { UserService } from '../../src/auth/users';
import { openTestDatabase } from '../api/helpers';

describe('ensureBootstrapAdmin', () => {
  let ds: DataSource;
  beforeEach(async () => {
    ({ ds } = await openTestDatabase());
  });
  afterEach(() => ds.destroy());

  it('creates nothing without ADMIN_USERNAME/ADMIN_PASSWORD: there is no default password', async () => {
    const warnings: string[] = [];
    const logger = { warn: (m: string) => warnings.push(m), info: () => undefined } as never;
    expect(await ensureBootstrapAdmin(ds, undefined, { logger })).toBe('skipped');
    expect(await new UserService(ds).list()).toEqual([]);
    expect(warnings.join(' ')).toMatch(/ADMIN_USERNAME/);
  });

  it('creates the first admin once; later runs never change it', async () => {
    const users = new UserService(ds, { bcryptCost: 4 });
    expect(await ensureBootstrapAdmin(ds, { username: 'Root', password: 'first-admin-pass' }, { bcryptCost: 4 })).toBe('created');
    const row = (await users.findByUsername('root'))!;
    expect(row.role).toBe('admin');
    expect(await verifyPassword('first-admin-pass', row.password_hash)).toBe(true);

    expect(await ensureBootstrapAdmin(ds, { username: 'root', password: 'changed-admin-pass' }, { bcryptCost: 4 })).toBe('exists');
    expect(await ensureBootstrapAdmin(ds, { username: 'other', password: 'other-admin-pass' }, { bcryptCost: 4 })).toBe('exists');
    const after = (await users.findByUsername('root'))!;
    expect(after.password_hash).toBe(row.password_hash);
    expect((await users.list()).map((u) => u.username)).toEqual(['root']);
  });

  it('does not run when an admin was made another way', async () => {
    const users = new UserService(ds, { bcryptCost: 4 });
    await users.create({ username: 'made-by-script', password: 'script-admin-pass', role: 'admin' });
    expect(await ensureBootstrapAdmin(ds, { username: 'root', password: 'first-admin-pass' }, { bcryptCost: 4 })).toBe('exists');
    expect(await users.findByUsername('root')).toBeNull();
  });

  it('leaves an existing non-admin user of that name alone', async () => {
    const users = new UserService(ds, { bcryptCost: 4 });
    const agent = await users.create({ username: 'root', password: 'agent-root-pass', role: 'agent' });
    expect(await ensureBootstrapAdmin(ds, { username: 'root', password: 'first-admin-pass' }, { bcryptCost: 4 })).toBe('skipped');
    expect((await users.get(agent.id))!.role).toBe('agent');
  });
});
