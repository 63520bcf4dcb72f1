/**
 * First start: the shipped example flows go into an empty flow table, and the example is bound to its demo DID
 * unless some DID is bound already. Later starts change nothing (admins own the flows from then on).
 */
import type { Logger } from '../log/logger';
import { crossFlowReferences, type FlowDocument } from './flow-schema';
import type { IvrStore } from './store';

export const EXAMPLE_DID = '18005550100';

export interface SeedResult {
  imported: string[];
  bound?: { did: string; flow: string };
}

/** Orders flows so that each comes after the flows it goes to (cycles keep their given order). */
function dependencyOrder(docs: readonly FlowDocument[]): FlowDocument[] {
  const byName = new Map(docs.map((d) => [d.name, d]));
  const out: FlowDocument[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (d: FlowDocument): void => {
    if (state.get(d.name)) return;
    state.set(d.name, 'visiting');
    for (const ref of crossFlowReferences(d)) {
      const dep = byName.get(ref);
      if (dep && ref !== d.name) visit(dep);
    }
    state.set(d.name, 'done');
    out.push(d);
  };
  for (const d of docs) visit(d);
  return out;
}

export async function seedExampleFlows(
  store: IvrStore,
  examples: readonly FlowDocument[],
  opts: { logger: Logger; did?: string | null; mainFlow?: string },
): Promise<SeedResult> {
  await store.ensureLoaded();
  const result: SeedResult = { imported: [] };
  if (store.flowCount() === 0) {
    for (const doc of dependencyOrder(examples)) {
      const saved = await store.saveFlow(doc, { by: 'system', comment: 'shipped example' });
      if (!saved.ok) {
        opts.logger.error('shipped example flow does not validate; skipped', { flow: doc.name, errors: saved.errors });
        continue;
      }
      result.imported.push(saved.flow.name);
    }
  }
  const did = opts.did === undefined ? EXAMPLE_DID : opts.did;
  const main = opts.mainFlow ?? examples[0]?.name;
  if (did && main && store.listBindings().length === 0 && store.liveFlow(main)) {
    await store.putBinding(did, main, 'system');
    result.bound = { did, flow: main };
  }
  return result;
}
