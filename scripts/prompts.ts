/**
 * `npm run prompts -- --dir /usr/share/freeswitch/sounds/switchboard` installs the shipped prompts (sounds/switchboard,
 * committed) where FreeSWITCH reads them: one copy per catalogue entry (src/prompts/catalog.ts), nothing else in the
 * folder touched. `--generate` first makes them again from the catalogue's texts with espeak-ng and sox (Debian:
 * `apt-get install espeak-ng sox`), 8 kHz mono 16-bit PCM, FreeSWITCH's native narrowband format (it resamples for
 * wideband calls); without `--dir` it only regenerates the repository's files.
 *
 *   npm run prompts -- --dir DIR [--generate] [--voice en-us] [--speed 160]
 *   npm run prompts -- --generate            (rewrite sounds/switchboard from the catalogue)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROMPTS } from '../src/prompts/catalog';
import { MANIFEST_FILE, PROMPT_FORMAT, readWavInfo, SHIPPED_PROMPTS_DIR, shippedPrompts, type PromptManifest } from '../src/prompts/shipped';

interface Args {
  dir?: string;
  generate: boolean;
  voice: string;
  speed: number;
}

const USAGE = 'usage: npm run prompts -- [--dir DIR] [--generate] [--voice en-us] [--speed 160]\n';

function parseArgs(argv: string[]): Args {
  const args: Args = { generate: false, voice: 'en-us', speed: 160 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--dir') args.dir = value();
    else if (a === '--generate') args.generate = true;
    else if (a === '--voice') args.voice = value();
    else if (a === '--speed') args.speed = Number(value());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a}\n${USAGE}`);
  }
  if (!args.dir && !args.generate) throw new Error(`nothing to do: give --dir DIR (install) and/or --generate\n${USAGE}`);
  if (args.dir !== undefined && !path.isAbsolute(args.dir)) throw new Error('--dir must be an absolute path (the folder FreeSWITCH reads, PROMPTS_DIR)');
  if (!/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i.test(args.voice)) throw new Error('--voice must be an espeak-ng voice name, e.g. en-us');
  if (!Number.isInteger(args.speed) || args.speed < 80 || args.speed > 400) throw new Error('--speed must be 80-400 words per minute');
  return args;
}

function toolVersion(cmd: string, arg: string): string {
  try {
    return execFileSync(cmd, [arg], { encoding: 'utf8' }).split('\n')[0]!.replace(/\s+Data at:.*$/, '').trim();
  } catch {
    throw new Error(`${cmd} is not installed (Debian: apt-get install espeak-ng sox)`);
  }
}

/**
 * espeak-ng writes 22.05 kHz mono; sox converts to 8 kHz mono 16-bit, trims the leading and trailing silence, adds
 * 150 ms of it at the end (so concatenated number words stay apart), and normalises to -3 dBFS. `-D` turns dither
 * off, so the same espeak-ng and sox make the same bytes.
 */
function generate(out: string, voice: string, speed: number): void {
  const espeak = toolVersion('espeak-ng', '--version');
  const sox = toolVersion('sox', '--version');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-prompts-'));
  fs.mkdirSync(out, { recursive: true });
  try {
    const manifest: PromptManifest = {
      generator: `${espeak} (-v ${voice} -s ${speed}); ${sox.replace(/^sox:\s*/, '')} (rate 8000, silence trim, pad 0.15, norm -3, no dither)`,
      format: `WAV, PCM ${PROMPT_FORMAT.bitsPerSample}-bit, ${PROMPT_FORMAT.sampleRate} Hz, mono`,
      files: {},
    };
    for (const p of PROMPTS) {
      const raw = path.join(tmp, `${p.name}.raw.wav`);
      const file = path.join(out, `${p.name}.wav`);
      execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '-w', raw, '--', p.text]);
      // silence 1 0.02 0.5%: drop leading audio under 0.5% until 20 ms above it; reverse twice for the tail.
      execFileSync('sox', ['-D', raw, '-r', String(PROMPT_FORMAT.sampleRate), '-c', '1', '-b', '16', '-e', 'signed-integer', file,
        'silence', '1', '0.02', '0.5%', 'reverse', 'silence', '1', '0.02', '0.5%', 'reverse', 'pad', '0', '0.15', 'norm', '-3']);
      manifest.files[`${p.name}.wav`] = { text: p.text };
      process.stdout.write(`generated ${file} (${readWavInfo(file)?.durationMs ?? '?'} ms)\n`);
    }
    fs.writeFileSync(path.join(out, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Copies each shipped prompt into `dir` (made if missing); other files there stay as they are. */
function install(from: string, dir: string): void {
  const files = shippedPrompts(from);
  fs.mkdirSync(dir, { recursive: true });
  for (const p of files) {
    const target = path.join(dir, `${p.name}.wav`);
    // Write next to the target, then rename: FreeSWITCH never opens a half-copied prompt.
    const part = `${target}.part`;
    fs.copyFileSync(p.file, part);
    fs.chmodSync(part, 0o644);
    fs.renameSync(part, target);
  }
  process.stdout.write(`installed ${files.length} prompts into ${dir}\n`);
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  if (args.generate) generate(SHIPPED_PROMPTS_DIR, args.voice, args.speed);
  if (args.dir) install(SHIPPED_PROMPTS_DIR, args.dir);
}

try {
  main();
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}
