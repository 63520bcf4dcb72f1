import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROMPTS } from '../../src/prompts/catalog';
import { MANIFEST_FILE, PROMPT_FORMAT, readManifest, SHIPPED_PROMPTS_DIR, shippedPrompts } from '../../src/prompts/shipped';

const ROOT = path.resolve(__dirname, '../..');

describe('the committed prompt files (sounds/switchboard)', () => {
  it('are one WAV per catalogue entry and nothing else', () => {
    const wavs = fs.readdirSync(SHIPPED_PROMPTS_DIR).filter((f) => f !== MANIFEST_FILE).sort();
    expect(wavs).toEqual(PROMPTS.map((p) => `${p.name}.wav`).sort());
  });

  it('are 8000 Hz mono 16-bit PCM with sound in them, and small', () => {
    for (const p of shippedPrompts()) {
      expect({ name: p.name, rate: p.wav.sampleRate, channels: p.wav.channels, bits: p.wav.bitsPerSample }).toEqual({
        name: p.name,
        rate: PROMPT_FORMAT.sampleRate,
        channels: PROMPT_FORMAT.channels,
        bits: PROMPT_FORMAT.bitsPerSample,
      });
      expect(p.wav.durationMs).toBeGreaterThan(200);
      expect(p.wav.durationMs).toBeLessThan(15_000);
      // The data chunk is the file (44-byte header): no trailing chunks, no truncated copy.
      expect(fs.statSync(p.file).size).toBe(44 + p.wav.dataBytes);
    }
  });

  it('say what the catalogue says (a changed text without npm run prompts -- --generate fails here)', () => {
    const manifest = readManifest();
    expect(Object.keys(manifest.files).sort()).toEqual(PROMPTS.map((p) => `${p.name}.wav`).sort());
    for (const p of PROMPTS) expect({ file: `${p.name}.wav`, text: manifest.files[`${p.name}.wav`]?.text }).toEqual({ file: `${p.name}.wav`, text: p.text });
  });
});

describe('npm run prompts -- --dir', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-prompts-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const run = (...args: string[]): string =>
    execFileSync(process.execPath, [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), path.join(ROOT, 'scripts/prompts.ts'), ...args], { encoding: 'utf8', cwd: ROOT });

  it('copies every shipped prompt byte for byte into the folder, leaving other files alone', () => {
    const target = path.join(dir, 'sounds', 'switchboard');
    fs.mkdirSync(target, { recursive: true });
    fs.writeFileSync(path.join(target, 'site-greeting.wav'), 'ours');
    fs.writeFileSync(path.join(target, 'welcome.wav'), 'an old copy');
    expect(run('--dir', target)).toContain(`installed ${PROMPTS.length} prompts into ${target}`);
    for (const p of PROMPTS) {
      expect(fs.readFileSync(path.join(target, `${p.name}.wav`)).equals(fs.readFileSync(path.join(SHIPPED_PROMPTS_DIR, `${p.name}.wav`)))).toBe(true);
    }
    expect(fs.readFileSync(path.join(target, 'site-greeting.wav'), 'utf8')).toBe('ours');
    expect(fs.readdirSync(target).filter((f) => f.endsWith('.part'))).toEqual([]);
  }, 30_000);

  it('refuses a relative folder and unknown arguments', () => {
    expect(() => run('--dir', 'relative/sounds')).toThrow(/absolute path/);
    expect(() => run('--bogus')).toThrow(/unknown argument --bogus/);
    expect(() => run()).toThrow(/nothing to do/);
  }, 30_000);
});
