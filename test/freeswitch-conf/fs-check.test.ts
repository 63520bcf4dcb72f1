/**
 * npm run fs:check against the simulator: a hardened switch passes; a stock one (api-expansion on, no mod_amd) fails
 * on api-expansion and warns about mod_amd; the inbound park is proven with a loopback call the IVR ignores.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSimulator, STOCK_MODULES, type SimulatorOptions } from '../../src/simulator';

const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

interface Report {
  ok: boolean;
  nodes: Record<string, Array<{ check: string; level: string; detail: string }>>;
}

async function check(opts: SimulatorOptions): Promise<{ code: number; report: Report }> {
  const sim = await startSimulator({ password: 'check-secret', heartbeatMs: 0, stockDialplanWarnings: false, ...opts });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fscheck-'));
  try {
    const env = { ...process.env, FREESWITCH_NODES: `pbx1=127.0.0.1:${sim.port}:check-secret`, DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, DATA_DIR: dir, NODE_ENV: 'test' };
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/fs-check.ts', '--json', '--did', '18005550100'], { cwd: ROOT, env });
      return { code: 0, report: JSON.parse(stdout) as Report };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, report: JSON.parse(e.stdout) as Report };
    }
  } finally {
    await sim.close();
  }
}

const level = (r: Report, name: string): string | undefined => r.nodes.pbx1?.find((f) => f.check === name)?.level;

describe('npm run fs:check', () => {
  it('a hardened switch with mod_amd: every required check passes', async () => {
    const { code, report } = await check({ apiExpansion: false, modules: [...STOCK_MODULES, 'mod_amd'] });
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(level(report, 'event socket')).toBe('ok');
    expect(level(report, 'api-expansion')).toBe('ok');
    expect(level(report, 'module mod_amd')).toBe('ok');
    expect(level(report, 'inbound park')).toBe('ok');
    expect(level(report, 'prompts')).toBe('ok');
  }, 60_000);

  it('a stock switch: api-expansion on fails (exit 1), mod_amd missing is a warning, missing prompts fail', async () => {
    const { code, report } = await check({ soundFiles: [] });
    expect(code).toBe(1);
    expect(level(report, 'api-expansion')).toBe('fail');
    expect(level(report, 'module mod_amd')).toBe('warn');
    expect(level(report, 'module mod_sofia')).toBe('ok');
    expect(level(report, 'prompts')).toBe('fail');
    expect(report.nodes.pbx1!.find((f) => f.check === 'prompts')!.detail).toMatch(/^\d+ missing: .*acd-you-are-caller\.wav/);
  }, 60_000);

  it('a wrong ESL password is reported, not a crash', async () => {
    const sim = await startSimulator({ password: 'other', heartbeatMs: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-fscheck-'));
    try {
      const env = { ...process.env, FREESWITCH_NODES: `pbx1=127.0.0.1:${sim.port}:wrong`, DATABASE_URL: `sqlite:${path.join(dir, 'db.sqlite')}`, DATA_DIR: dir, NODE_ENV: 'test' };
      const err = (await run(process.execPath, ['--import', 'tsx', 'scripts/fs-check.ts', '--json'], { cwd: ROOT, env }).catch((e: unknown) => e)) as { code: number; stdout: string };
      expect(err.code).toBe(1);
      expect((JSON.parse(err.stdout) as Report).nodes.pbx1![0]).toMatchObject({ check: 'event socket', level: 'fail' });
    } finally {
      await sim.close();
    }
  }, 60_000);
});
