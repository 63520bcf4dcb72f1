/**
 * IvrSession: one call's walk through IVR flows. Pure: flow documents + inputs + the injected clock in, one IvrAction
 * out per `next()` (see protocol.ts). Node behaviour lives in ./nodes (one file per node type); this file owns the
 * call stack, the path, the variables, the loop guard and how the session ends.
 *
 * Ending:
 * - queue / transfer / hangup actions hand the call over. `result` is set as soon as one is returned (a runner that
 *   stops there still has the outcome); the runner's input to it then gives `end`: `done` -> completed, `failed` ->
 *   error, `hangup` -> caller-hangup (for queue/transfer; a caller hanging up during our own hangup changes nothing).
 * - a node without `next` that is not a hand-over ends with `end{completed}` (outcome `completed`);
 * - `{ kind: 'hangup' }` as input to any action ends with `end{caller-hangup}`, recorded in the path;
 * - errors (a missing flow or node, a failed answer, an input of the wrong kind, the loop guard) end with `end{error}`.
 * Once a voicemail was recorded, the outcome stays `voicemail` (detail: the box) however the call then ends, unless it
 * is routed to a queue or transfer afterwards or fails with an error.
 * After `end`, `next()` returns the same `end` again and records nothing.
 *
 * `back` (the call stack): each frame (flow) remembers the menus visited in it. `back` goes to the menu before the
 * last one in the current frame; when the frame has no earlier menu, it leaves the frame (if another flow `goto`-ed
 * here) for the last menu of the calling frame, or that flow's start; in the first flow with no earlier menu it goes
 * to its first menu, else its start. `top` drops every frame but the first and enters its start.
 */
import type { Clock } from '../clock/clock';
import type { FlowDocument, FlowMediaSpec, FlowNode } from './flow-schema';
import { enterNode, resumeNode, type NodeContext, type Step } from './nodes';
import type { RouteOutcome } from './nodes/types';
import type { IvrAction, IvrInput, IvrPathStep, MediaSpec } from './protocol';
import { cleanText, renderTemplate, type TemplateScope } from './template';

export type FlowResolver = (name: string) => { name: string; version: number; document: FlowDocument } | undefined;

export type IvrOutcome = 'queue' | 'transfer' | 'voicemail' | 'hangup' | 'caller-hangup' | 'error' | 'completed';
export interface IvrResult {
  outcome: IvrOutcome;
  detail?: string;
}

export interface IvrCall {
  uuid: string;
  callerNumber: string;
  callerName?: string;
  did: string;
  variables?: Record<string, string>;
}

export interface IvrSessionOptions {
  flows: FlowResolver;
  flow: string;
  clock: Clock;
  call: IvrCall;
  /** Loop guard: nodes entered + actions returned before the session ends with an error. Default 500. */
  maxSteps?: number;
}

export const DEFAULT_MAX_STEPS = 500;
/** Deepest `goto` nesting across flows. */
export const MAX_CALL_DEPTH = 16;
/** Longest path kept; later steps are counted but not stored (the loop guard normally stops long before). */
export const MAX_PATH_STEPS = 2000;

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

interface Frame {
  name: string;
  version: number;
  doc: FlowDocument;
  /** Menus entered in this frame, oldest first; re-entering a menu cuts the list back to it. */
  menus: string[];
}

type EndAction = Extract<IvrAction, { kind: 'end' }>;
type Pending =
  | { type: 'node'; action: IvrAction }
  | { type: 'route'; action: IvrAction; outcome: RouteOutcome; detail?: string };

export class IvrSession {
  readonly uuid: string;
  private readonly flows: FlowResolver;
  private readonly clock: Clock;
  private readonly maxSteps: number;
  private readonly callerNumber: string;
  private readonly callerName: string;
  private readonly did: string;
  private readonly vars: Record<string, string> = Object.create(null) as Record<string, string>;
  private readonly steps: IvrPathStep[] = [];
  private readonly frames: Frame[] = [];
  private readonly firstFlow: string;
  private nodeId = '';
  private attempts = 0;
  private phase = '';
  /** The queue hand-over a call came back from (the ACD sent it on to a survey flow): its outcome stays the call's. */
  private returnedFrom: IvrResult | undefined;
  private stepCount = 0;
  private started = false;
  private pending: Pending | undefined;
  private final: EndAction | undefined;
  private outcome: IvrResult | undefined;
  private voicemailBox: string | undefined;

  constructor(opts: IvrSessionOptions) {
    this.uuid = opts.call.uuid;
    this.flows = opts.flows;
    this.clock = opts.clock;
    this.maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
    this.callerNumber = typeof opts.call.callerNumber === 'string' ? opts.call.callerNumber : '';
    this.callerName = typeof opts.call.callerName === 'string' ? opts.call.callerName : '';
    this.did = typeof opts.call.did === 'string' ? opts.call.did : '';
    for (const [k, v] of Object.entries(opts.call.variables ?? {})) {
      if (VAR_NAME.test(k) && typeof v === 'string') this.vars[k] = cleanText(v);
    }
    this.firstFlow = opts.flow;
    const f = this.flows(opts.flow);
    if (f) this.frames.push({ name: f.name, version: f.version, doc: f.document, menus: [] });
  }

  /** The call's path so far. */
  get path(): readonly IvrPathStep[] {
    return this.steps;
  }

  get variables(): Readonly<Record<string, string>> {
    return { ...this.vars };
  }

  /** True once `end` has been returned. */
  get ended(): boolean {
    return this.final !== undefined;
  }

  /** How the IVR part of the call ended; set when `end` is returned, or already when a hand-over action is. */
  get result(): IvrResult | undefined {
    return this.outcome ? { ...this.outcome } : undefined;
  }

  /** Where the session is (the node whose action is running), or undefined before the start and after the end. */
  get position(): { flow: string; flowVersion: number; node: string; nodeType: string } | undefined {
    const frame = this.frame;
    if (!frame || !this.started || this.final) return undefined;
    return { flow: frame.name, flowVersion: frame.version, node: this.nodeId, nodeType: frame.doc.nodes[this.nodeId]?.type ?? '' };
  }

  /** The next action; the first call takes no input, every later one the input answering the previous action. */
  next(input?: IvrInput): IvrAction {
    if (this.final) return this.final;
    if (!this.started) {
      this.started = true;
      if (input?.kind === 'hangup') return this.callerHangup();
      const frame = this.frame;
      if (!frame) return this.fail(`flow ${JSON.stringify(this.firstFlow)} not found`);
      return this.run(this.enter(frame.doc.start));
    }
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return this.fail('internal: no action is running');
    if (!input || typeof input !== 'object') return this.fail(`next() called without an input while "${pending.action.kind}" was running`);
    if (pending.type === 'route') return this.afterRoute(pending, input);
    if (input.kind === 'hangup') return this.callerHangup();
    const node = this.node;
    if (!node) return this.fail(`node ${JSON.stringify(this.nodeId)} not found`);
    return this.run(resumeNode(node, input, this.context()));
  }

  // -------------------------------------------------------------------------------------------------------------

  private get frame(): Frame | undefined {
    return this.frames[this.frames.length - 1];
  }

  private get node(): FlowNode | undefined {
    const frame = this.frame;
    return frame && Object.hasOwn(frame.doc.nodes, this.nodeId) ? frame.doc.nodes[this.nodeId] : undefined;
  }

  private record(event: string, extra: { digits?: string; detail?: string } = {}): void {
    if (this.steps.length >= MAX_PATH_STEPS) return;
    const frame = this.frame;
    const step: IvrPathStep = {
      at: this.clock.now(),
      flow: frame?.name ?? this.firstFlow,
      flowVersion: frame?.version ?? 0,
      node: this.nodeId,
      nodeType: this.node?.type ?? '',
      event,
    };
    if (extra.digits !== undefined) step.digits = extra.digits;
    if (extra.detail !== undefined) step.detail = extra.detail;
    this.steps.push(step);
  }

  private countStep(): boolean {
    this.stepCount++;
    return this.stepCount <= this.maxSteps;
  }

  private scope(): TemplateScope {
    return { callerNumber: this.callerNumber, callerName: this.callerName, did: this.did, variables: this.vars };
  }

  private context(): NodeContext {
    const frame = this.frame as Frame;
    const session = this;
    return {
      nodeId: this.nodeId,
      timeZone: frame.doc.timeZone,
      callerNumber: this.callerNumber,
      variables: this.vars,
      get attempts() {
        return session.attempts;
      },
      set attempts(n: number) {
        session.attempts = n;
      },
      get phase() {
        return session.phase;
      },
      set phase(p: string) {
        session.phase = p;
      },
      now: () => this.clock.now(),
      record: (event, extra) => this.record(event, extra),
      setVariable: (name, value) => {
        if (VAR_NAME.test(name)) this.vars[name] = value;
      },
      render: (template, max) => renderTemplate(template, this.scope(), max),
      renderMedia: (media) => this.renderMedia(media),
      markVoicemail: (box) => {
        this.voicemailBox = box;
      },
    };
  }

  private renderMedia(media: readonly FlowMediaSpec[]): MediaSpec[] {
    const out: MediaSpec[] = [];
    for (const m of media) {
      if (m.kind !== 'say') {
        out.push({ ...m });
        continue;
      }
      const raw = renderTemplate(m.value, this.scope(), 64).trim();
      const value = m.type === 'digits' ? raw.replace(/[^0-9*#A-Da-d]/g, '') : raw;
      const ok = m.type === 'digits' ? value.length > 0 : /^-?[0-9]{1,15}(?:\.[0-9]{1,6})?$/.test(value);
      if (!ok) {
        this.record('skipped', { detail: `say ${m.type}: nothing sayable in the value` });
        continue;
      }
      out.push({ kind: 'say', type: m.type, value, ...(m.language !== undefined ? { language: m.language } : {}) });
    }
    return out;
  }

  /** Enters a node of the current frame. */
  private enter(id: string): Step {
    const frame = this.frame as Frame;
    if (!this.countStep()) return { kind: 'end', reason: 'error', detail: `loop guard: more than ${this.maxSteps} steps` };
    if (!Object.hasOwn(frame.doc.nodes, id)) return { kind: 'end', reason: 'error', detail: `node ${JSON.stringify(id)} not found in flow ${JSON.stringify(frame.name)}` };
    this.nodeId = id;
    this.attempts = 0;
    this.phase = '';
    const node = frame.doc.nodes[id];
    if (node.type === 'menu') {
      const i = frame.menus.indexOf(id);
      if (i >= 0) frame.menus.length = i + 1;
      else frame.menus.push(id);
    }
    this.record('entered');
    return enterNode(node, this.context());
  }

  /** Carries out steps until one needs the runner. */
  private run(first: Step): IvrAction {
    let step = first;
    for (;;) {
      switch (step.kind) {
        case 'wait':
          if (!this.countStep()) return this.fail(`loop guard: more than ${this.maxSteps} steps`);
          this.pending = { type: 'node', action: step.action };
          return step.action;
        case 'route':
          if (!this.countStep()) return this.fail(`loop guard: more than ${this.maxSteps} steps`);
          this.pending = { type: 'route', action: step.action, outcome: step.outcome, detail: step.detail };
          this.outcome = this.routeResult(step.outcome, step.detail);
          return step.action;
        case 'go':
          step = this.enter(step.node);
          break;
        case 'goto':
          step = this.goto(step.flow, step.node);
          break;
        case 'back':
          step = this.back();
          break;
        case 'top':
          step = this.top();
          break;
        case 'end':
          if (step.reason === 'error') return this.fail(step.detail ?? 'error');
          return this.finish({ kind: 'end', reason: 'completed' }, this.voicemailBox !== undefined ? { outcome: 'voicemail', detail: this.voicemailBox } : { outcome: 'completed' });
      }
    }
  }

  private goto(flow: string | undefined, node: string | undefined): Step {
    const here = this.frame as Frame;
    if (flow === undefined) {
      this.record('goto', { detail: `node ${node}` });
      return { kind: 'go', node: node ?? here.doc.start };
    }
    const target = this.flows(flow);
    if (!target) return { kind: 'end', reason: 'error', detail: `goto: flow ${JSON.stringify(flow)} not found` };
    if (this.frames.length >= MAX_CALL_DEPTH) return { kind: 'end', reason: 'error', detail: `goto: flows nested deeper than ${MAX_CALL_DEPTH}` };
    this.record('goto', { detail: `flow ${target.name} v${target.version}${node !== undefined ? ` node ${node}` : ''}` });
    this.frames.push({ name: target.name, version: target.version, doc: target.document, menus: [] });
    return { kind: 'go', node: node ?? target.document.start };
  }

  private back(): Step {
    const frame = this.frame as Frame;
    if (frame.menus.length >= 2) {
      frame.menus.pop();
      const to = frame.menus[frame.menus.length - 1];
      this.record('back', { detail: `menu ${to}` });
      return { kind: 'go', node: to };
    }
    if (this.frames.length > 1) {
      this.frames.pop();
      const caller = this.frame as Frame;
      const to = caller.menus[caller.menus.length - 1] ?? caller.doc.start;
      this.record('back', { detail: `flow ${caller.name} node ${to}` });
      return { kind: 'go', node: to };
    }
    const to = frame.menus[0] ?? frame.doc.start;
    this.record('back', { detail: `node ${to}` });
    return { kind: 'go', node: to };
  }

  private top(): Step {
    this.record('top');
    this.frames.length = 1;
    const first = this.frames[0];
    first.menus = [];
    return { kind: 'go', node: first.doc.start };
  }

  private routeResult(outcome: RouteOutcome, detail: string | undefined): IvrResult {
    if (outcome === 'hangup' && this.voicemailBox !== undefined) return { outcome: 'voicemail', detail: this.voicemailBox };
    return detail !== undefined ? { outcome, detail } : { outcome };
  }

  private afterRoute(pending: Extract<Pending, { type: 'route' }>, input: IvrInput): IvrAction {
    switch (input.kind) {
      case 'done':
        return this.finish({ kind: 'end', reason: 'completed' }, this.routeResult(pending.outcome, pending.detail));
      case 'failed':
        this.record('failed', { detail: cleanText(String(input.error), 200) });
        return this.fail(`${pending.action.kind} failed: ${cleanText(String(input.error), 200)}`);
      case 'continue':
        if (pending.outcome !== 'queue') return this.fail(`unexpected input "continue" after ${pending.action.kind}`);
        return this.continueAfterQueue(pending, input);
      case 'hangup':
        if (pending.outcome === 'hangup') return this.finish({ kind: 'end', reason: 'completed' }, this.routeResult(pending.outcome, pending.detail));
        return this.callerHangup();
      default:
        return this.fail(`unexpected input "${input.kind}" after ${pending.action.kind}`);
    }
  }

  /** Back from the ACD with the caller on the line: the flow goes on in another flow (the queue's survey). */
  private continueAfterQueue(pending: Extract<Pending, { type: 'route' }>, input: Extract<IvrInput, { kind: 'continue' }>): IvrAction {
    this.returnedFrom = this.routeResult(pending.outcome, pending.detail);
    this.outcome = undefined;
    for (const [k, v] of Object.entries(input.variables ?? {})) if (VAR_NAME.test(k) && typeof v === 'string') this.vars[k] = cleanText(v);
    this.record('continue', { detail: `back from queue ${pending.detail ?? ''}, on to flow ${cleanText(String(input.flow), 64)}` });
    return this.run(this.goto(String(input.flow), undefined));
  }

  private callerHangup(): IvrAction {
    this.record('caller-hangup');
    const result: IvrResult = this.voicemailBox !== undefined ? { outcome: 'voicemail', detail: this.voicemailBox } : { outcome: 'caller-hangup' };
    return this.finish({ kind: 'end', reason: 'caller-hangup' }, result);
  }

  private fail(detail: string): IvrAction {
    this.record('error', { detail });
    return this.finish({ kind: 'end', reason: 'error', detail }, { outcome: 'error', detail });
  }

  private finish(action: EndAction, result: IvrResult): IvrAction {
    this.pending = undefined;
    this.final = action;
    // A call that was answered in a queue and then surveyed keeps the queue as its outcome (unless the survey failed).
    this.outcome = this.returnedFrom && result.outcome !== 'error' ? this.returnedFrom : result;
    return action;
  }
}
