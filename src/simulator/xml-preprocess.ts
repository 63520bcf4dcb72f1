/**
 * FreeSWITCH's XML pre-processor as it runs at start-up (switch_xml.c, preprocess()): the files are read line by
 * line and every line holding `<X-PRE-PROCESS cmd="..." data="..."/>` is acted on, whether or not it sits inside an
 * XML comment (the pre-processor knows nothing of XML). `include` pulls in the named files (a glob, relative to the
 * including file's folder), `set` defines a `$${var}`. An include nested too deep fails with "Error including <file>
 * (Maximum recursion limit reached)" and FreeSWITCH stops with "Cannot Initialize": a file that includes itself
 * (e.g. through the include line quoted in its own header comment) never starts.
 *
 * The simulator has no XML configuration of its own; this model checks the files the project ships, the way the
 * real switch will read them (test/freeswitch-conf/).
 */
import fs from 'node:fs';
import path from 'node:path';

/** FreeSWITCH's include depth limit. */
export const MAX_INCLUDE_DEPTH = 100;

export interface PreprocessResult {
  /** The text FreeSWITCH would parse (pre-processor lines removed, includes expanded). */
  text: string;
  /** `set` variables, in order. */
  vars: Map<string, string>;
  /** What FreeSWITCH would log at error level; any error means it does not start. */
  errors: string[];
}

const DIRECTIVE = /<X-PRE-PROCESS\s+cmd="([^"]*)"\s+data="([^"]*)"\s*\/?>/i;

export function preprocessFile(file: string): PreprocessResult {
  const out: PreprocessResult = { text: '', vars: new Map(), errors: [] };
  out.text = run(path.resolve(file), 0, out);
  return out;
}

function run(file: string, depth: number, out: PreprocessResult): string {
  let src: string;
  try {
    src = fs.readFileSync(file, 'utf8');
  } catch (err) {
    out.errors.push(`Error including ${file} (${(err as Error).message})`);
    return '';
  }
  const lines: string[] = [];
  for (const line of src.split('\n')) {
    const m = DIRECTIVE.exec(line);
    if (!m) {
      lines.push(line);
      continue;
    }
    const [, cmd, data] = m as unknown as [string, string, string];
    switch (cmd.toLowerCase()) {
      case 'set': {
        const eq = data.indexOf('=');
        if (eq > 0) out.vars.set(data.slice(0, eq).trim(), data.slice(eq + 1).trim());
        break;
      }
      case 'include': {
        if (depth + 1 > MAX_INCLUDE_DEPTH) {
          if (!out.errors.some((e) => e.includes('Maximum recursion limit reached'))) {
            out.errors.push(`Error including ${data} (Maximum recursion limit reached)`);
          }
          break;
        }
        for (const f of globIn(path.dirname(file), data)) lines.push(run(f, depth + 1, out));
        break;
      }
      default:
        // exec, exec-set, env-set, stun-set...: not used by shipped files; their presence is what the scan test flags.
        break;
    }
  }
  return lines.join('\n');
}

/** `data` as FreeSWITCH's include glob: a path or a `*` pattern in the last part, relative to `dir`. */
function globIn(dir: string, pattern: string): string[] {
  const full = path.resolve(dir, pattern);
  const base = path.basename(full);
  if (!base.includes('*')) return [full];
  const re = new RegExp(`^${base.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const folder = path.dirname(full);
  let names: string[] = [];
  try {
    names = fs.readdirSync(folder);
  } catch {
    return [];
  }
  return names.filter((n) => re.test(n)).sort().map((n) => path.join(folder, n));
}

/** Pre-processor lines inside XML comments in `xml` (1-based line numbers): never acceptable in a shipped file. */
export function preprocessLinesInComments(xml: string): number[] {
  const found: number[] = [];
  const re = /<!--[\s\S]*?-->/g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    const body = m[0];
    let offset = 0;
    for (const part of body.split('\n')) {
      if (/<\s*X-PRE-PROCESS/i.test(part)) found.push(xml.slice(0, m.index + offset).split('\n').length);
      offset += part.length + 1;
    }
  }
  return found;
}
