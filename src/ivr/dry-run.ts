/**
 * Dry-run: walks a flow with scripted caller input and a VirtualClock set to `at`, performing nothing. The flow editor
 * uses it to show which path a call would take at a given time with given key presses.
 */
import { VirtualClock } from '../clock/clock';
import { IvrSession, type FlowResolver, type IvrResult } from './interpreter';
import { digitsProblem } from './nodes';
import type { IvrAction, IvrInput, IvrPathStep } from './protocol';

export interface DryRunOptions {
  flows: FlowResolver;
  flow: string;
  /** When the call happens (conditions read it in the flow's time zone). */
  at: Date | number;
  callerNumber?: string;
  did?: string;
  /** One entry per collect/menu attempt; '' is a timeout; running out of entries is a timeout too. */
  digits: string[];
  /** Answers for http nodes, by node id; a node without one fails with "not performed in dry-run". */
  http?: Record<string, { ok: boolean; values?: Record<string, string> }>;
  variables?: Record<string, string>;
  maxSteps?: number;
}

export interface DryRunResult {
  /** Every action returned, the final `end` included. */
  actions: IvrAction[];
  path: IvrPathStep[];
  result: IvrResult | undefined;
  variables: Record<string, string>;
}

export const DRY_RUN_CALLER = 'anonymous';
export const DRY_RUN_RECORDING = '/tmp/dry-run/voicemail.wav';
export const DRY_RUN_COMMENT = '/tmp/dry-run/comment.wav';

export function dryRun(opts: DryRunOptions): DryRunResult {
  const start = opts.at instanceof Date ? opts.at.getTime() : opts.at;
  const clock = new VirtualClock(start);
  const session = new IvrSession({
    flows: opts.flows,
    flow: opts.flow,
    clock,
    call: {
      uuid: 'dry-run',
      callerNumber: opts.callerNumber ?? DRY_RUN_CALLER,
      did: opts.did ?? '',
      variables: opts.variables,
    },
    maxSteps: opts.maxSteps,
  });
  const script = [...opts.digits];
  const actions: IvrAction[] = [];
  let action = session.next();
  actions.push(action);
  // The session's own loop guard ends it; this bound only protects against a session bug.
  const limit = (opts.maxSteps ?? 500) * 2 + 10;
  while (action.kind !== 'end' && actions.length <= limit) {
    const input = answer(action, session.position?.node, script, opts, clock);
    action = session.next(input);
    actions.push(action);
  }
  return { actions, path: [...session.path], result: session.result, variables: { ...session.variables } };
}

function answer(
  action: Exclude<IvrAction, { kind: 'end' }>,
  node: string | undefined,
  script: string[],
  opts: DryRunOptions,
  clock: VirtualClock,
): IvrInput {
  switch (action.kind) {
    case 'collect': {
      const digits = script.length ? (script.shift() as string) : '';
      // Time passes as it would on the phone: a timeout waits out timeoutMs, a key press a moment.
      clock.advance(digits === '' ? action.timeoutMs : 1000);
      return { kind: 'digits', digits, valid: digits !== '' && digitsProblem(digits, action) === undefined };
    }
    case 'http': {
      const mock = node !== undefined && opts.http && Object.hasOwn(opts.http, node) ? opts.http[node] : undefined;
      if (!mock) return { kind: 'http', ok: false, values: {}, error: 'not performed in dry-run' };
      return mock.ok ? { kind: 'http', ok: true, status: 200, values: { ...(mock.values ?? {}) } } : { kind: 'http', ok: false, values: {}, error: 'mocked failure' };
    }
    case 'voicemail':
      return { kind: 'recorded', path: DRY_RUN_RECORDING, durationMs: 0, bytes: 0 };
    case 'record':
      return { kind: 'recorded', path: DRY_RUN_COMMENT, durationMs: 0, bytes: 0 };
    default:
      return { kind: 'done' };
  }
}
