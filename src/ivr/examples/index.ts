/**
 * The shipped example flows (JSON files next to this one): `main-menu` and its `support` sub-flow. Loading validates
 * them like the store would, including that every flow a `goto` names is among them. Their prompts are the shipped
 * ones (src/prompts/catalog.ts), written `$PROMPTS_DIR/<name>.wav` in the files and placed in PROMPTS_DIR on loading.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_PROMPTS_DIR } from '../../prompts/catalog';
import { crossFlowReferences, parseFlowDocument, type FlowDocument } from '../flow-schema';
import type { FlowResolver } from '../interpreter';

export const EXAMPLE_START_FLOW = 'main-menu';

const PROMPTS_DIR_MARK = '$PROMPTS_DIR/';

/** Every string that starts with `$PROMPTS_DIR/` gets the folder instead. */
function placePrompts(value: unknown, dir: string): unknown {
  if (typeof value === 'string') return value.startsWith(PROMPTS_DIR_MARK) ? path.posix.join(dir, value.slice(PROMPTS_DIR_MARK.length)) : value;
  if (Array.isArray(value)) return value.map((v) => placePrompts(v, dir));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, placePrompts(v, dir)]));
  return value;
}

/** Reads and validates every example flow; throws naming the file and the problems when one is invalid. */
export function loadExampleFlows(dir: string = __dirname, opts: { promptsDir?: string } = {}): FlowDocument[] {
  const promptsDir = opts.promptsDir ?? DEFAULT_PROMPTS_DIR;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const flows: FlowDocument[] = [];
  for (const file of files) {
    const parsed = parseFlowDocument(placePrompts(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')), promptsDir));
    if (!parsed.ok) throw new Error(`example flow ${file} is invalid: ${parsed.errors.map((e) => e.message).join('; ')}`);
    flows.push(parsed.flow);
  }
  const names = new Set(flows.map((f) => f.name));
  for (const f of flows) {
    const missing = crossFlowReferences(f).filter((n) => !names.has(n));
    if (missing.length) throw new Error(`example flow ${f.name} goes to missing flows: ${missing.join(', ')}`);
  }
  // The entry flow first.
  return flows.sort((a, b) => Number(b.name === EXAMPLE_START_FLOW) - Number(a.name === EXAMPLE_START_FLOW));
}

/** A FlowResolver over the example flows, every one at version 1. */
export function exampleFlowResolver(flows: FlowDocument[] = loadExampleFlows()): FlowResolver {
  const byName = new Map(flows.map((f) => [f.name, f]));
  return (name) => {
    const document = byName.get(name);
    return document ? { name, version: 1, document } : undefined;
  };
}
