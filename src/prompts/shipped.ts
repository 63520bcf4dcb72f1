/**
 * The prompt files this repository ships (`sounds/switchboard/`, made by `npm run prompts -- --generate`): where they
 * are, what their manifest says, and each file's length read from its WAV header. Used by `npm run prompts` (to
 * install them), the demo (to install them into the simulator, as on a real switch) and the tests.
 */
import fs from 'node:fs';
import path from 'node:path';
import { shippedPath } from '../config/package-root';
import { wavInfo, type WavInfo } from '../recording/files';
import { PROMPTS } from './catalog';

/** sounds/switchboard at the package root. */
export const SHIPPED_PROMPTS_DIR = shippedPath('sounds', 'switchboard');

export const MANIFEST_FILE = 'MANIFEST.json';

/** FreeSWITCH's native narrowband format: what every shipped file must be. */
export const PROMPT_FORMAT = { sampleRate: 8000, channels: 1, bitsPerSample: 16 } as const;

export interface PromptManifest {
  /** How the files were made (tool versions and options), for whoever regenerates them. */
  generator: string;
  format: string;
  /** `<name>.wav` -> the text it says (checked against the catalogue by the tests). */
  files: Record<string, { text: string }>;
}

export interface ShippedPrompt {
  name: string;
  file: string;
  wav: WavInfo;
}

export function readManifest(dir: string = SHIPPED_PROMPTS_DIR): PromptManifest {
  return JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as PromptManifest;
}

/** Reads the WAV header of a prompt file (the first 4 KiB are plenty for sox's 44-byte header). */
export function readWavInfo(file: string): WavInfo | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return wavInfo(head.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
}

/** Every catalogue prompt as shipped, with its length; throws naming the first file that is missing or not a WAV. */
export function shippedPrompts(dir: string = SHIPPED_PROMPTS_DIR): ShippedPrompt[] {
  return PROMPTS.map((p) => {
    const file = path.join(dir, `${p.name}.wav`);
    if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run prompts -- --generate`);
    const wav = readWavInfo(file);
    if (!wav) throw new Error(`${file} is not a PCM WAV file`);
    return { name: p.name, file, wav };
  });
}
