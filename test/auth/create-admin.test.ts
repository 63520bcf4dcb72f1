import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { verifyPassword } from '../../src/auth/password';
import { UserService } from '../../src/auth/users';
import { openTestDatabase, tempDir } from '../api/helpers';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function run(args: string[], env: Record<string, string>, input?: string) {
  const base = { ...process.env };
  delete base.ADMIN_PASSWORD;
  delete base.ADMIN_USERNAME;
  delete base.DATABASE_URL;
  delete base.JWT_SECRET;
  return spawnSync(TSX, ['scripts/create-admin.ts', ...args], {
    cwd: ROOT,
    env: { ...base, NODE_ENV: 'test', LOG_LEVEL: 'error', ...env },
    input: input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  });
}

async function userIn(dataDir: string, username: string) {
  const { ds } = await openTestDatabase(dataDir);
  try {
    return await new UserService(ds).findByUsername(username);
  } finally {
    await ds.destroy();
  }
}

// Each test spawns the CLI with tsx several times: slow on a loaded 2-core CI machine, so no tight limit here.
jest.setTimeout(90_000);

describe('scripts/create-admin.ts', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir('sb-create-admin-');
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('creates an admin with the password from ADMIN_PASSWORD', async () => {
    const d = dir();
    const r = run(['--username', 'Chief'], { DATA_DIR: d, ADMIN_PASSWORD: 'chief-password-1' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/created admin "chief"/);
    const u = (await userIn(d, 'chief'))!;
    expect(u.role).toBe('admin');
    expect(await verifyPassword('chief-password-1', u.password_hash)).toBe(true);
  });

  it('reads the password from piped stdin, refuses a short one and an existing user without --reset', async () => {
    const d = dir();
    const short = run(['--username', 'piped'], { DATA_DIR: d }, 'tooshort\n');
    expect(short.status).toBe(1);
    expect(short.stderr).toMatch(/at least 12/);
    const ok = run(['--username', 'piped'], { DATA_DIR: d }, 'piped-password-1\n');
    expect(ok.status).toBe(0);
    expect(await verifyPassword('piped-password-1', (await userIn(d, 'piped'))!.password_hash)).toBe(true);
    const again = run(['--username', 'piped'], { DATA_DIR: d }, 'piped-password-2\n');
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    const reset = run(['--username', 'piped', '--reset'], { DATA_DIR: d }, 'piped-password-2\n');
    expect(reset.status).toBe(0);
    expect(await verifyPassword('piped-password-2', (await userIn(d, 'piped'))!.password_hash)).toBe(true);
  });

  it('needs --username', () => {
    const r = run([], { DATA_DIR: dir(), ADMIN_PASSWORD: 'whatever-pass-1' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--username/);
  });
});
