/**
 * What a node handler sees and returns. One file per node type in this folder; each handler is pure: it reads the
 * node and the context and says what happens next, the session (../interpreter.ts) carries it out and records it.
 */
import type { FlowMediaSpec, NodeOf, NodeType } from '../flow-schema';
import type { IvrAction, IvrInput, MediaSpec } from '../protocol';

/** Outcomes a node can end the call's IVR part with by handing the call over. */
export type RouteOutcome = 'queue' | 'transfer' | 'hangup';

export type Step =
  /** Perform this action and come back to the same node (`resume`) with its input. */
  | { kind: 'wait'; action: IvrAction }
  /** Continue at a node of the current flow. */
  | { kind: 'go'; node: string }
  /** Go to a node of this flow (no `flow`) or into another flow (a new frame on the call stack). */
  | { kind: 'goto'; flow?: string; node?: string }
  | { kind: 'back' }
  | { kind: 'top' }
  /** Hand the call over (queue, transfer, hang up): the action is the last one before `end`. */
  | { kind: 'route'; action: IvrAction; outcome: RouteOutcome; detail?: string }
  /** Stop now. */
  | { kind: 'end'; reason: 'completed' | 'error'; detail?: string };

export interface NodeContext {
  readonly nodeId: string;
  readonly timeZone: string;
  readonly callerNumber: string;
  readonly variables: Readonly<Record<string, string>>;
  /** Attempts already made at this node during this visit (menus, collects); reset when the node is entered. */
  attempts: number;
  /** Where a multi-step node is in its visit (survey: score, offer, record...); '' when the node is entered. */
  phase: string;
  now(): number;
  record(event: string, extra?: { digits?: string; detail?: string }): void;
  setVariable(name: string, value: string): void;
  render(template: string, max?: number): string;
  /** Media with templates rendered; say items whose rendered value cannot be said are left out (and recorded). */
  renderMedia(media: readonly FlowMediaSpec[]): MediaSpec[];
  /** A voicemail was left: the call's outcome is `voicemail` from now on, whatever ends it. */
  markVoicemail(box: string): void;
}

/** Inputs a handler sees: `hangup` is handled by the session for every node. */
export type NodeInput = Exclude<IvrInput, { kind: 'hangup' }>;

export interface NodeHandler<T extends NodeType> {
  enter(node: NodeOf<T>, ctx: NodeContext): Step;
  /** The input answering the action this node asked for. Nodes that never wait need not implement it. */
  resume?(node: NodeOf<T>, input: NodeInput, ctx: NodeContext): Step;
}

/** Continue at `next`, or finish the flow when there is none. */
export function proceed(next: string | undefined): Step {
  return next === undefined ? { kind: 'end', reason: 'completed' } : { kind: 'go', node: next };
}

export function hangupStep(detail?: string): Step {
  return { kind: 'route', action: { kind: 'hangup', cause: 'NORMAL_CLEARING' }, outcome: 'hangup', detail };
}

export function unexpected(input: NodeInput, waitingFor: string): Step {
  return { kind: 'end', reason: 'error', detail: `unexpected input "${input.kind}" while waiting for ${waitingFor}` };
}
