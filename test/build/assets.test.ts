/**
 * `npm run build` = tsc + scripts/copy-assets.ts: the image runs dist/src/main.js, whose modules look for their data
 * files next to themselves (__dirname). tsc alone leaves the example IVR flows behind, and the service then starts
 * with no flows and no DID.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { copyAssets } from '../../scripts/copy-assets';
import { EXAMPLE_START_FLOW, loadExampleFlows } from '../../src/ivr/examples';

const SRC = path.resolve(__dirname, '../../src');

describe('build assets', () => {
  let out: string;
  beforeEach(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-build-'));
  });
  afterEach(() => fs.rmSync(out, { recursive: true, force: true }));

  it('puts the example flows where dist/src/ivr/examples/index.js looks for them', () => {
    const distSrc = path.join(out, 'dist', 'src');
    const copied = copyAssets(SRC, distSrc);
    expect(copied).toEqual(expect.arrayContaining([path.join('ivr', 'examples', 'main-menu.json'), path.join('ivr', 'examples', 'support.json')]));
    // What the compiled module's __dirname is.
    const flows = loadExampleFlows(path.join(distSrc, 'ivr', 'examples'));
    expect(flows.map((f) => f.name)).toEqual([EXAMPLE_START_FLOW, 'csat-survey', 'support']);
    expect(flows).toEqual(loadExampleFlows());
  });

  it('copies every non-TypeScript file under src/ and no TypeScript', () => {
    const copied = copyAssets(SRC, out);
    const expected: string[] = [];
    const walk = (rel: string): void => {
      for (const e of fs.readdirSync(path.join(SRC, rel), { withFileTypes: true })) {
        const child = path.join(rel, e.name);
        if (e.isDirectory()) walk(child);
        else if (!e.name.endsWith('.ts')) expected.push(child);
      }
    };
    walk('');
    expect(copied).toEqual(expected.sort());
    for (const f of copied) expect(fs.readFileSync(path.join(out, f))).toEqual(fs.readFileSync(path.join(SRC, f)));
    expect(copied.some((f) => f.endsWith('.ts'))).toBe(false);
  });

  it('is what npm run build runs after tsc, and what the Docker image builds with', () => {
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/^tsc -p \. && tsx scripts\/copy-assets\.ts && tsx scripts\/build-console\.ts$/);
    expect(fs.readFileSync(path.resolve(__dirname, '../../docker/Dockerfile'), 'utf8')).toMatch(/RUN npm run build\b/);
  });
});
