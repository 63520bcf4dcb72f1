/** Small builders for IVR tests: validated flows, a resolver over them, and a session driver. */
import { VirtualClock } from '../../src/clock/clock';
import { parseFlowDocument, type FlowDocument } from '../../src/ivr/flow-schema';
import { IvrSession, type FlowResolver } from '../../src/ivr/interpreter';
import type { IvrAction, IvrInput } from '../../src/ivr/protocol';

export const F = (name: string) => ({ kind: 'file' as const, path: `/sounds/${name}.wav` });

/** Parses a flow document and fails the test with the errors when it is invalid. */
export function flow(doc: Record<string, unknown>): FlowDocument {
  const r = parseFlowDocument({ timeZone: 'UTC', ...doc });
  if (!r.ok) throw new Error(`invalid test flow: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.flow;
}

export function resolver(...docs: FlowDocument[]): FlowResolver {
  const byName = new Map(docs.map((d) => [d.name, d]));
  return (name) => {
    const document = byName.get(name);
    return document ? { name, version: 3, document } : undefined;
  };
}

export function session(
  docs: FlowDocument[],
  opts: { clock?: VirtualClock; flow?: string; callerNumber?: string; callerName?: string; variables?: Record<string, string>; maxSteps?: number } = {},
): { s: IvrSession; clock: VirtualClock } {
  const clock = opts.clock ?? new VirtualClock(Date.UTC(2026, 2, 10, 15, 0));
  const s = new IvrSession({
    flows: resolver(...docs),
    flow: opts.flow ?? docs[0].name,
    clock,
    call: { uuid: 'call-1', callerNumber: opts.callerNumber ?? '+15551230000', callerName: opts.callerName, did: '+15559990000', variables: opts.variables },
    maxSteps: opts.maxSteps,
  });
  return { s, clock };
}

export const done: IvrInput = { kind: 'done' };
export const digits = (d: string): IvrInput => ({ kind: 'digits', digits: d, valid: true });
export const timeout: IvrInput = { kind: 'digits', digits: '', valid: false };
export const hangup: IvrInput = { kind: 'hangup' };

/** Feeds inputs one by one after the first next(); returns every action (the first included). */
export function drive(s: IvrSession, inputs: IvrInput[]): IvrAction[] {
  const out = [s.next()];
  for (const i of inputs) out.push(s.next(i));
  return out;
}

export const kinds = (actions: IvrAction[]) => actions.map((a) => a.kind);
