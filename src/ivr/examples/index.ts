/**
 * The shipped example flows (JSON files next to this one): `main-menu` and its `support` sub-flow. Loading validates
 * them like the store would, including that every flow a `goto` names is among them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crossFlowReferences, parseFlowDocument, type FlowDocument } from '../flow-schema';
import type { FlowResolver } from '../interpreter';

export const EXAMPLE_START_FLOW = 'main-menu';

/** Reads and validates every example flow; throws naming the file and the problems when one is invalid. */
export function loadExampleFlows(dir: string = __dirname): FlowDocument[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const flows: FlowDocument[] = [];
  for (const file of files) {
    const parsed = parseFlowDocument(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
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
