/**
 * One inbound call driven through its flow: the IvrSession (pure) says what to do, this runner does it on the
 * channel, one application at a time, and answers with the result.
 *
 * Every wait is capped (the execute timeout of each application, a clock timer for the recording) and every wait
 * ends when the caller hangs up: the ESL client rejects the pending execute with ChannelHungUpError, the HTTP lookup
 * is aborted, the timers are cancelled. The end of the call is handled synchronously in the CHANNEL_HANGUP (or, at
 * the latest, CHANNEL_HANGUP_COMPLETE) handler, so the call's path is final before its CDR is written.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Clock, ClockTimer } from '../../clock/clock';
import { ChannelHungUpError, EslClosedError, EslCommandError, EslDisconnectedError, EslTimeoutError } from '../../esl/errors';
import type { EslClient } from '../../esl/client';
import { channelVar, header, type EslEvent } from '../../esl/types';
import {
  apps,
  dialGateway,
  filePath,
  toneStream,
  uuidBreak,
  uuidExists,
  uuidKill,
  uuidSetVar,
  uuidSetVarMulti,
  uuidTransfer,
  uuidUnsetVar,
  type AppInvocation,
  type HangupCause,
  type MediaPath,
} from '../../freeswitch';
import type { Logger } from '../../log/logger';
import type { IvrAction, IvrInput, IvrPathStep, MediaSpec } from '../protocol';
import { cleanText } from '../template';
import type { IvrStore } from '../store';
import type { CsatStore } from '../../csat/store';
import { httpLookup } from './http-lookup';
import { mediaLabel, playbackNotFound, playInvocation, promptPath, SHORT_SILENCE } from './media';
import type { QueueHandoff, QueuedCall } from './queue-handoff';

type ActionOf<K extends IvrAction['kind']> = Extract<IvrAction, { kind: K }>;
type EndAction = ActionOf<'end'>;

/** What the runner needs from an IvrSession (src/ivr/interpreter.ts). */
export interface SessionLike {
  next(input?: IvrInput): IvrAction;
  readonly path: readonly IvrPathStep[];
  readonly variables: Readonly<Record<string, string>>;
  /** How the IVR part ended (queue, transfer, voicemail, hangup, caller-hangup, error, completed) and why. */
  readonly result?: { outcome: string; detail?: string } | undefined;
}

export interface RuntimeLimits {
  /** answer, set, hangup, uuid_* commands. */
  commandMs: number;
  /** One playback (a prompt of unknown length). */
  playMs: number;
  /** Added to a collect's own timeouts for its prompt. */
  promptMarginMs: number;
  /** The longest any single collect may take. */
  collectMaxMs: number;
  /** Added to a recording's limit before it is stopped by us. */
  recordMarginMs: number;
  /** RECORD_STOP may follow CHANNEL_HANGUP: how long the recording waits for it then. */
  recordAfterHangupMs: number;
  /** Ringing time for a transfer to an external number before it counts as failed. */
  bridgeRingMs: number;
  /** How long a call waits for a lost ESL connection to come back before its action counts as failed. */
  reconnectWaitMs: number;
}

export const DEFAULT_LIMITS: RuntimeLimits = {
  commandMs: 10_000,
  playMs: 300_000,
  promptMarginMs: 60_000,
  collectMaxMs: 600_000,
  recordMarginMs: 5_000,
  recordAfterHangupMs: 3_000,
  bridgeRingMs: 60_000,
  reconnectWaitMs: 30_000,
};

/**
 * Actions run again from their start after an ESL reconnect: the caller hears the prompt again or is asked for the
 * digits again (what they pressed while the socket was down is lost). Handoffs, transfers, HTTP lookups and
 * voicemail are not repeated blindly: they may have happened.
 */
const REPEATABLE = new Set<IvrAction['kind']>(['answer', 'play', 'collect', 'set', 'hangup']);
/** At most this many reconnects are ridden out by one action. */
const MAX_RECONNECTS_PER_ACTION = 3;

/** Digits play_and_get_digits accepts for us: the flow's own rules are checked here, so the invalid digits are seen. */
const ANY_DIGITS = '^[0-9*#A-D]+$';
const BOX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface CallInfo {
  uuid: string;
  node: string;
  did: string;
  callerNumber: string;
  flow: string;
  flowVersion: number;
  startedAt: number;
}

export interface CallRunDeps {
  client: EslClient;
  store: IvrStore;
  clock: Clock;
  logger: Logger;
  fetch: typeof fetch;
  voicemailDir: string;
  queueHandoff: QueueHandoff;
  defaultGateway?: string;
  transferContext: string;
  limits: RuntimeLimits;
  /** The run ended: the runtime keeps the final path for the CDR. */
  onFinished(run: CallRun): void;
  /** Database writes in flight (close() waits for them). */
  track(p: Promise<unknown>): void;
  /**
   * A `sensitive` collect starts (active) or ends: call recording masks the channel's recordings meanwhile. Awaited
   * before the digits are asked for; its failures are logged, never fatal to the flow.
   */
  sensitiveInput?(uuid: string, active: boolean): Promise<void>;
  /** Where survey nodes store their answers (csat_answers); without it a survey's answer fails (and is logged). */
  csat?: Pick<CsatStore, 'insert' | 'setComment'>;
}

/** Survey comments go to <voicemailDir>/_csat/<day>/<uuid>.wav: `_` cannot start a box name, so no box shares it. */
export const CSAT_COMMENT_FOLDER = '_csat';

export type CallOutcome = 'completed' | 'caller-hangup' | 'error' | 'queue' | 'transfer' | 'voicemail' | 'hangup' | (string & {});

interface RecordingWait {
  file: MediaPath;
  startedAt: number;
  timer?: ClockTimer;
  resolve(event: EslEvent | undefined): void;
  /** The input for the action waiting on this recording, when the caller hung up during it. */
  inputOnHangup(result: IvrInput): IvrInput;
  /** A voicemail (voicemails row, outcome voicemail) or a survey comment (neither). */
  voicemail: boolean;
}

/** Removes what FreeSWITCH would interpret from data text (control characters, backslashes, `${`), bounded. */
export function channelSafe(value: string, max = 256): string {
  return cleanText(value, max).trim();
}

export class CallRun {
  readonly uuid: string;
  private finished = false;
  private hungUp = false;
  /** We asked for the hangup (hangup action, handoff): it completes the action instead of interrupting it. */
  private expectHangup = false;
  /** The call went on elsewhere (an ACD, a transfer): do not hang it up when the flow ends. */
  private leaveChannel = false;
  /** In the ACD (the queue handoff is pending). */
  private inQueue = false;
  private readonly ac = new AbortController();
  private readonly extra: IvrPathStep[] = [];
  private digitSeq = 0;
  /** The last failure was the ESL connection dropping (perform() rides it out for repeatable actions). */
  private lostConnection = false;
  private recording?: RecordingWait;
  private bridgeWaiter?: () => void;
  private reached: { queue?: boolean; transfer?: boolean; voicemail?: boolean } = {};
  private note?: string;
  /** The id of this call's stored survey answer (the comment is added to it). */
  private csatAnswer?: Promise<number | undefined>;
  private endAction?: EndAction;
  private outcomeValue?: CallOutcome;
  private endedAt?: number;
  private readonly log: Logger;

  constructor(
    readonly info: CallInfo,
    private readonly session: SessionLike,
    private readonly deps: CallRunDeps,
  ) {
    this.uuid = info.uuid;
    this.log = deps.logger.child({ uuid: info.uuid, flow: info.flow });
  }

  get isFinished(): boolean {
    return this.finished;
  }

  get outcome(): CallOutcome | undefined {
    return this.outcomeValue;
  }

  /**
   * The path so far (final once finished): the interpreter's steps and the runtime's own (handoff notes, reconnects)
   * in time order; a runtime step at the same millisecond comes after the interpreter's (it reports on it).
   */
  path(): IvrPathStep[] {
    const steps = [...this.session.path];
    for (const x of this.extra) {
      let i = steps.length;
      while (i > 0 && steps[i - 1]!.at > x.at) i--;
      steps.splice(i, 0, x);
    }
    return steps;
  }

  /** A step the runtime adds to the path, attributed to the node the call is in. */
  private runtimeStep(event: string, detail: string, at: IvrPathStep | undefined = this.session.path.at(-1), nodeType = at?.nodeType ?? 'runtime'): void {
    this.extra.push({
      at: this.deps.clock.now(),
      flow: at?.flow ?? this.info.flow,
      flowVersion: at?.flowVersion ?? this.info.flowVersion,
      node: at?.node ?? nodeType,
      nodeType,
      event,
      detail,
    });
  }

  /** Drives the flow until it ends. Never rejects. */
  async run(): Promise<void> {
    let input: IvrInput | undefined;
    try {
      for (;;) {
        if (this.finished) return;
        const action = this.session.next(input);
        if (action.kind === 'end') {
          this.finish(action);
          return;
        }
        input = await this.perform(action);
      }
    } catch (err) {
      this.log.error('IVR flow failed', { error: (err as Error).stack ?? String(err) });
      this.finish({ kind: 'end', reason: 'error', detail: (err as Error).message });
    }
  }

  // ---- events (called synchronously by the runtime) ------------------------------------------------------------

  onHangup(): void {
    if (this.finished) return;
    this.hungUp = true;
    if (this.expectHangup) {
      this.endSync({ kind: 'done' });
      return;
    }
    const rec = this.recording;
    if (rec) {
      // The message is complete: FreeSWITCH closes the file (RECORD_STOP) right after CHANNEL_HANGUP.
      rec.timer?.cancel();
      rec.timer = this.deps.clock.setTimeout(() => this.onRecordingLost(), this.deps.limits.recordAfterHangupMs);
      return;
    }
    this.endSync({ kind: 'hangup' });
  }

  onHangupComplete(event: EslEvent): void {
    if (this.finished) return;
    this.hungUp = true;
    const rec = this.recording;
    if (rec) {
      this.onRecordStop(event, true);
      return;
    }
    this.endSync({ kind: 'hangup' });
  }

  onRecordStop(event: EslEvent, force = false): void {
    const rec = this.recording;
    if (!rec || this.finished) return;
    if (!force && header(event, 'Record-File-Path') !== rec.file) return;
    if (!this.hungUp) {
      rec.resolve(event);
      return;
    }
    // The caller hung up while recording (the usual way to end a voicemail): finish the call now, synchronously.
    this.recording = undefined;
    rec.timer?.cancel();
    const result = this.recorded(rec, event);
    this.endSync(rec.inputOnHangup(result));
  }

  onBridge(): void {
    this.bridgeWaiter?.();
  }

  /**
   * The service is stopping: end the run now. A caller waiting in the ACD stays on the line: the instance that runs
   * next (a restart, or the standby taking over) finds them on the switch and keeps their place (takeover-plan.ts).
   */
  abort(reason: string): void {
    if (this.finished) return;
    if (this.inQueue) this.leaveChannel = true;
    this.finish({ kind: 'end', reason: 'error', detail: reason });
  }

  private onRecordingLost(): void {
    const rec = this.recording;
    if (!rec || this.finished) return;
    this.recording = undefined;
    this.endSync(rec.inputOnHangup(this.recorded(rec, undefined)));
  }

  /** Feeds `first` to the session, then `hangup` to whatever it asks next, until it ends; then finishes. */
  private endSync(first: IvrInput): void {
    if (this.finished) return;
    let action: IvrAction;
    try {
      action = this.session.next(first);
      for (let guard = 0; action.kind !== 'end' && guard < 1000; guard++) {
        // A survey answer (or its comment) given just before the hangup is still stored.
        if (action.kind === 'csat') {
          this.deps.track(this.storeCsat(action));
          action = this.session.next({ kind: 'done' });
        } else action = this.session.next({ kind: 'hangup' });
      }
    } catch (err) {
      action = { kind: 'end', reason: 'error', detail: (err as Error).message };
    }
    this.finish(action.kind === 'end' ? action : { kind: 'end', reason: 'caller-hangup' });
  }

  private finish(end: EndAction): void {
    if (this.finished) return;
    this.finished = true;
    this.endAction = end;
    this.endedAt = this.deps.clock.now();
    this.ac.abort();
    this.recording?.timer?.cancel();
    this.recording = undefined;
    this.bridgeWaiter = undefined;
    const result = this.session.result;
    this.outcomeValue =
      end.reason === 'error'
        ? 'error'
        : (result?.outcome ??
          (this.reached.voicemail ? 'voicemail' : this.reached.queue ? 'queue' : this.reached.transfer ? 'transfer' : end.reason));
    const details = [this.note, result?.detail, end.detail].filter((d): d is string => !!d);
    const detail = [...new Set(details)].join('; ') || null;
    this.deps.onFinished(this);
    this.deps.track(
      this.deps.store
        .insertCall({
          uuid: this.info.uuid,
          fs_node: this.info.node,
          did: this.info.did,
          caller_number: this.info.callerNumber,
          flow: this.info.flow,
          flow_version: this.info.flowVersion,
          started_at: new Date(this.info.startedAt),
          ended_at: new Date(this.endedAt),
          outcome: this.outcomeValue,
          detail,
          path: this.path(),
        })
        .catch((err: unknown) => this.log.error('could not store the IVR call', { error: (err as Error).message })),
    );
    this.log.debug('IVR flow ended', { outcome: this.outcomeValue, reason: end.reason, detail });
    if (!this.hungUp && !this.expectHangup && !this.leaveChannel) {
      // The flow ended with the caller still on the line (it ran out of nodes, or failed): do not leave them parked.
      const cause: HangupCause = end.reason === 'error' ? 'NORMAL_TEMPORARY_FAILURE' : 'NORMAL_CLEARING';
      this.deps.client.api(uuidKill(this.uuid, cause), { timeoutMs: this.deps.limits.commandMs }).catch(() => undefined);
    }
  }

  get summary(): { outcome?: CallOutcome; detail?: string; endedAt?: number; reason?: string } {
    return { outcome: this.outcomeValue, detail: this.endAction?.detail, endedAt: this.endedAt, reason: this.endAction?.reason };
  }

  // ---- actions -------------------------------------------------------------------------------------------------

  private async perform(action: Exclude<IvrAction, EndAction>): Promise<IvrInput> {
    for (let attempt = 0; ; attempt++) {
      this.lostConnection = false;
      const input = await this.performOnce(action);
      if (input.kind !== 'failed' || !this.lostConnection || attempt >= MAX_RECONNECTS_PER_ACTION || !this.repeatable(action)) return input;
      // The socket dropped under this action (FreeSWITCH kept the call parked and may still run the app): wait for
      // the reconnect, check the call is still there, stop what may still play, and run the action again.
      const back = await this.waitForConnection();
      if (this.finished) return { kind: 'hangup' };
      if (!back) return input;
      let exists: boolean;
      try {
        exists = (await this.deps.client.api(uuidExists(this.uuid), { timeoutMs: this.deps.limits.commandMs })).body.trim() === 'true';
      } catch {
        return input;
      }
      if (!exists) {
        // It hung up while we were away (its CHANNEL_HANGUP went to the dead socket).
        this.hungUp = true;
        return this.expectHangup ? { kind: 'done' } : { kind: 'hangup' };
      }
      await this.deps.client.api(uuidBreak(this.uuid, true), { timeoutMs: this.deps.limits.commandMs }).catch(() => undefined);
      this.runtimeStep('reconnected', `esl connection lost and back: ${action.kind} restarted`);
      this.log.info('ESL reconnected: the IVR action is restarted', { action: action.kind, attempt: attempt + 1 });
    }
  }

  /**
   * Whether an action cut by a lost connection may simply run again. A queue action may until the ACD has the call
   * (its uuid_setvar steps are idempotent; a second handoff would queue the caller twice).
   */
  private repeatable(action: Exclude<IvrAction, EndAction>): boolean {
    return REPEATABLE.has(action.kind) || (action.kind === 'queue' && !this.reached.queue);
  }

  /** Resolves true once the client is connected again, false if it does not come back in time or the run ends. */
  private waitForConnection(): Promise<boolean> {
    const client = this.deps.client;
    if (client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        client.off('status', onStatus);
        this.ac.signal.removeEventListener('abort', onAbort);
        resolve(ok);
      };
      const onStatus = (status: string): void => {
        if (status === 'ready') done(true);
        else if (status === 'closed') done(false);
      };
      const onAbort = (): void => done(false);
      const timer = this.deps.clock.setTimeout(() => done(false), this.deps.limits.reconnectWaitMs);
      client.on('status', onStatus);
      this.ac.signal.addEventListener('abort', onAbort);
    });
  }

  private async performOnce(action: Exclude<IvrAction, EndAction>): Promise<IvrInput> {
    try {
      switch (action.kind) {
        case 'answer':
          await this.exec(apps.answer(), this.deps.limits.commandMs);
          return { kind: 'done' };
        case 'play': {
          const missing = await this.play(action.media);
          return missing.length ? { kind: 'failed', error: `FILE NOT FOUND: ${missing.join(', ')}` } : { kind: 'done' };
        }
        case 'collect':
          return await this.collect(action);
        case 'set':
          await this.exec(apps.set(action.name, channelSafe(action.value, 1024)), this.deps.limits.commandMs);
          return { kind: 'done' };
        case 'http':
          return await this.http(action);
        case 'queue':
          return await this.queue(action);
        case 'transfer':
          return await this.transfer(action);
        case 'voicemail':
          return await this.voicemail(action, (r) => r);
        case 'record':
          return await this.recordComment(action);
        case 'csat':
          return await this.storeCsat(action);
        case 'hangup':
          this.expectHangup = true;
          await this.exec(apps.hangup(action.cause as HangupCause), this.deps.limits.commandMs);
          return { kind: 'done' };
      }
    } catch (err) {
      return this.failure(err);
    }
  }

  private failure(err: unknown): IvrInput {
    // The client rejects a pending execute as soon as it reads CHANNEL_HANGUP, before the event reaches onHangup().
    const gone = this.hungUp || err instanceof ChannelHungUpError || (err instanceof EslCommandError && /invalid session id/i.test(err.replyText));
    if (gone) {
      this.hungUp = true;
      // A hangup we asked for completes the action that asked for it.
      return this.expectHangup ? { kind: 'done' } : { kind: 'hangup' };
    }
    if (err instanceof EslDisconnectedError && !(err instanceof EslClosedError)) this.lostConnection = true;
    if (err instanceof EslTimeoutError) {
      // Whatever is still playing on the channel must not run into the next action.
      this.deps.client.api(uuidBreak(this.uuid, true), { timeoutMs: this.deps.limits.commandMs }).catch(() => undefined);
    }
    const message = err instanceof Error ? err.message : String(err);
    this.log.warn('IVR action failed', { error: message });
    return { kind: 'failed', error: message };
  }

  private exec(inv: AppInvocation, timeoutMs: number): Promise<EslEvent> {
    return this.deps.client.execute(this.uuid, inv, { timeoutMs });
  }

  private async api(cmd: Parameters<EslClient['api']>[0]): Promise<void> {
    const reply = await this.deps.client.api(cmd, { timeoutMs: this.deps.limits.commandMs });
    if (!reply.ok) throw new Error(reply.body.trim() || 'FreeSWITCH refused the command');
  }

  /** Plays the items in turn; returns those FreeSWITCH could not open (FILE NOT FOUND), which it skipped. */
  private async play(media: readonly MediaSpec[]): Promise<string[]> {
    const missing: string[] = [];
    for (const m of media) {
      if (this.finished) break;
      const done = await this.exec(playInvocation(m), this.deps.limits.playMs);
      if (playbackNotFound(done)) {
        missing.push(mediaLabel(m));
        this.log.warn('prompt file not found on FreeSWITCH', { file: mediaLabel(m) });
      }
    }
    return missing;
  }

  private async collect(a: ActionOf<'collect'>): Promise<IvrInput> {
    const lead = [...a.prompt];
    const last = lead.pop();
    let file: MediaPath = SHORT_SILENCE;
    const lastPath = last ? promptPath(last) : undefined;
    if (lastPath) file = lastPath;
    else if (last) lead.push(last);
    // play_and_get_digits takes one file: earlier prompt items (and a spoken number) play first.
    await this.play(lead);
    const varName = `sb_ivr_digits_${++this.digitSeq}`;
    const inv = apps.playAndGetDigits({
      min: Math.min(1, a.minDigits),
      max: a.maxDigits,
      tries: 1,
      timeoutMs: a.timeoutMs,
      terminators: a.terminators === '' ? 'none' : a.terminators,
      file,
      invalidFile: SHORT_SILENCE,
      varName,
      regexp: ANY_DIGITS,
      digitTimeoutMs: a.interDigitMs,
    });
    const l = this.deps.limits;
    const cap = Math.min(l.collectMaxMs, l.promptMarginMs + a.timeoutMs + a.maxDigits * a.interDigitMs + l.commandMs);
    const done = a.sensitive ? await this.sensitive(() => this.exec(inv, cap)) : await this.exec(inv, cap);
    const digits = channelVar(done, varName) ?? channelVar(done, `${varName}_invalid`) ?? '';
    return { kind: 'digits', digits, valid: digitsValid(digits, a) };
  }

  /** Runs `fn` with the channel's recordings masked (the sensitiveInput hook), unmasking whatever happens. */
  private async sensitive<T>(fn: () => Promise<T>): Promise<T> {
    const hook = this.deps.sensitiveInput;
    if (!hook) return fn();
    const tell = async (active: boolean): Promise<void> => {
      try {
        await hook(this.uuid, active);
      } catch (err) {
        this.log.warn('sensitive-input hook failed', { active, error: (err as Error).message });
      }
    };
    await tell(true);
    try {
      return await fn();
    } finally {
      await tell(false);
    }
  }

  private async http(a: ActionOf<'http'>): Promise<IvrInput> {
    const result = await httpLookup(a, { fetch: this.deps.fetch, clock: this.deps.clock, signal: this.ac.signal });
    if (this.hungUp) return { kind: 'hangup' };
    if (result.kind === 'http' && result.ok) await this.setChannelVars(result.values);
    return result;
  }

  /**
   * Puts data values (CRM fields...) on the channel for the agent's screen pop. The values are cleaned first: CR/LF,
   * other controls, backslashes and `${` never reach uuid_setvar_multi; names FreeSWITCH would act on are skipped.
   */
  private async setChannelVars(values: Readonly<Record<string, string>>): Promise<void> {
    const vars: Record<string, string> = {};
    for (const [name, raw] of Object.entries(values)) {
      const v = channelSafe(raw);
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name) || v === '') continue;
      vars[name] = v;
    }
    const entries = Object.entries(vars);
    if (!entries.length) return;
    try {
      await this.api(uuidSetVarMulti(this.uuid, Object.fromEntries(entries.slice(0, 64))));
    } catch (err) {
      if (err instanceof ChannelHungUpError) throw err;
      // A refused name (a hook variable) must not fail the lookup: the flow still has the values.
      this.log.warn('could not set the lookup result on the channel', { error: (err as Error).message });
    }
  }

  private async queue(a: ActionOf<'queue'>): Promise<IvrInput> {
    const skills = a.skills.map((s) => s.trim()).filter((s) => TOKEN.test(s));
    const priority = Number.isSafeInteger(a.priority) ? Math.max(0, a.priority) : 0;
    await this.api(uuidSetVar(this.uuid, 'switchboard_queue', a.queue));
    await this.api(uuidSetVar(this.uuid, 'switchboard_priority', priority));
    if (skills.length) await this.api(uuidSetVar(this.uuid, 'switchboard_skills', skills.join(',')));
    else await this.api(uuidUnsetVar(this.uuid, 'switchboard_skills'));
    this.reached.queue = true;
    const lastStep = this.session.path[this.session.path.length - 1];
    const call: QueuedCall = {
      uuid: this.uuid,
      node: this.info.node,
      did: this.info.did,
      callerNumber: this.info.callerNumber,
      queue: a.queue,
      priority,
      skills,
      variables: { ...this.session.variables },
      resumable: true,
      note: (detail) => {
        this.note = detail;
        this.runtimeStep('handoff', detail, lastStep, 'queue');
      },
      play: async (media) => {
        await this.play(media);
      },
      voicemail: async (box) => {
        await this.voicemail({ kind: 'voicemail', box, maxSeconds: 120, silenceSeconds: 5 }, () => ({ kind: 'done' }));
      },
      hangup: async (cause) => {
        this.expectHangup = true;
        await this.exec(apps.hangup(cause), this.deps.limits.commandMs);
      },
    };
    this.inQueue = true;
    let back: Awaited<ReturnType<QueueHandoff['handoff']>>;
    try {
      back = await this.deps.queueHandoff.handoff(call);
    } catch (err) {
      return this.failure(err);
    } finally {
      this.inQueue = false;
    }
    if (back && back.continueWith && !this.hungUp && !this.finished && !this.expectHangup) {
      // The agent hung up, the caller stays (park_after_bridge): the flow goes on with them (the queue's survey).
      this.runtimeStep('handoff', `back from the ACD: on to flow ${back.continueWith.flow}`, lastStep, 'queue');
      return { kind: 'continue', flow: back.continueWith.flow, variables: { ...back.continueWith.variables } };
    }
    if (!this.expectHangup) this.leaveChannel = true;
    return { kind: 'done' };
  }

  private async transfer(a: ActionOf<'transfer'>): Promise<IvrInput> {
    const t = a.target;
    if (t.type === 'extension') {
      await this.api(uuidTransfer(this.uuid, t.extension, { dialplan: 'XML', context: this.deps.transferContext }));
      this.reached.transfer = true;
      this.leaveChannel = true;
      return { kind: 'done' };
    }
    const gateway = t.gateway ?? this.deps.defaultGateway;
    if (!gateway) return { kind: 'failed', error: 'no gateway for an external transfer (set one on the node or in the runtime)' };
    const endpoint = dialGateway(gateway, t.number);
    // The bridge app runs as long as the bridged call: the flow is done once the far end answers (CHANNEL_BRIDGE).
    const outcome = await new Promise<{ bridged: true } | { completed: EslEvent } | { error: unknown }>((resolve) => {
      const ring = this.deps.clock.setTimeout(() => resolve({ error: new Error('no answer from the transfer target') }), this.deps.limits.bridgeRingMs);
      this.bridgeWaiter = () => {
        ring.cancel();
        resolve({ bridged: true });
      };
      this.deps.client
        .execute(this.uuid, apps.bridge(endpoint), { timeoutMs: 24 * 3_600_000 })
        .then(
          (completed) => resolve({ completed }),
          (error: unknown) => resolve({ error }),
        )
        .finally(() => ring.cancel());
      this.ac.signal.addEventListener('abort', () => {
        ring.cancel();
        resolve({ error: new ChannelHungUpError(this.uuid, undefined) });
      });
    });
    this.bridgeWaiter = undefined;
    if ('bridged' in outcome) {
      this.reached.transfer = true;
      this.leaveChannel = true;
      return { kind: 'done' };
    }
    if ('error' in outcome) throw outcome.error;
    const why = channelVar(outcome.completed, 'originate_disposition') ?? channelVar(outcome.completed, 'DIALSTATUS') ?? 'not bridged';
    return { kind: 'failed', error: `transfer to ${t.number} failed: ${why}` };
  }

  private async voicemail(a: ActionOf<'voicemail'>, inputOnHangup: (result: IvrInput) => IvrInput): Promise<IvrInput> {
    if (!BOX.test(a.box)) return { kind: 'failed', error: 'voicemail box name is not valid' };
    return this.recordMessage(a.box, a, inputOnHangup, true);
  }

  private recordComment(a: ActionOf<'record'>): Promise<IvrInput> {
    return this.recordMessage(CSAT_COMMENT_FOLDER, a, (r) => r, false);
  }

  /** The survey's answer: stored (score), or its comment added (comment). Never rejects. */
  private async storeCsat(a: ActionOf<'csat'>): Promise<IvrInput> {
    const store = this.deps.csat;
    if (!store) return { kind: 'failed', error: 'no CSAT store configured' };
    try {
      if (a.comment === undefined) {
        const v = this.session.variables;
        const num = (name: string): number | null => (/^[0-9]{1,10}$/.test(v[name] ?? '') ? Number(v[name]) : null);
        const followupId = num('switchboard_followup_id');
        const saving = store.insert({
          source: followupId !== null ? 'followup' : 'post_call',
          call_uuid: this.uuid,
          queue_call_id: v.switchboard_queue_call || null,
          queue: v.switchboard_csat_queue || v.switchboard_queue || null,
          agent_id: num('switchboard_csat_agent_id') ?? num('switchboard_agent_id'),
          caller_number: this.info.callerNumber || null,
          ticket_id: num('switchboard_ticket_id'),
          followup_id: followupId,
          score: a.score,
          answered_at: new Date(this.deps.clock.now()),
        });
        this.csatAnswer = saving.then(
          (row) => row.id,
          () => undefined,
        );
        await saving;
        return { kind: 'done' };
      }
      const id = await this.csatAnswer;
      if (id === undefined) return { kind: 'failed', error: 'the survey answer was not stored; its comment cannot be added' };
      await store.setComment(id, a.comment);
      return { kind: 'done' };
    } catch (err) {
      const message = (err as Error).message;
      this.log.error('could not store the survey answer', { error: message });
      return { kind: 'failed', error: message };
    }
  }

  /** Beep, record_session into <voicemailDir>/<folder>/<day>/<uuid>.wav until silence, the limit or the hangup. */
  private async recordMessage(
    folder: string,
    a: { greeting?: MediaSpec[]; maxSeconds: number; silenceSeconds: number },
    inputOnHangup: (result: IvrInput) => IvrInput,
    voicemail: boolean,
  ): Promise<IvrInput> {
    if (a.greeting?.length) await this.play(a.greeting);
    const day = new Date(this.deps.clock.now()).toISOString().slice(0, 10);
    const file = filePath(path.posix.join(this.deps.voicemailDir, folder, day, `${this.uuid}.wav`), 'voicemail path');
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch {
      // FreeSWITCH may run on another host with its own folder; it creates the file there.
    }
    // record_session stops on silence with RECORD_FINAL_TIMEOUT_MS (switch_ivr_record_session reads it).
    await this.api(uuidSetVar(this.uuid, 'RECORD_FINAL_TIMEOUT_MS', Math.max(1, a.silenceSeconds) * 1000));
    await this.exec(apps.playback(toneStream('%(400,0,800)')), this.deps.limits.commandMs);
    if (this.finished) return { kind: 'hangup' };
    const stopped = new Promise<EslEvent | undefined>((resolve) => {
      const rec: RecordingWait = {
        file,
        startedAt: this.deps.clock.now(),
        resolve: (event) => {
          rec.timer?.cancel();
          if (this.recording === rec) this.recording = undefined;
          resolve(event);
        },
        inputOnHangup,
        voicemail,
      };
      rec.timer = this.deps.clock.setTimeout(() => rec.resolve(undefined), a.maxSeconds * 1000 + this.deps.limits.recordMarginMs);
      this.recording = rec;
      this.ac.signal.addEventListener('abort', () => rec.resolve(undefined));
    });
    const rec = this.recording!;
    try {
      await this.exec(apps.recordSession(file, a.maxSeconds), this.deps.limits.commandMs);
    } catch (err) {
      if (!this.hungUp) {
        rec.resolve(undefined);
        throw err;
      }
      // Hung up as the recording started: the hangup path finishes the call.
      await stopped;
      return { kind: 'hangup' };
    }
    const event = await stopped;
    if (this.finished) return { kind: 'hangup' };
    if (!event) {
      // The limit passed without RECORD_STOP: stop it ourselves.
      await this.exec(apps.stopRecordSession(file), this.deps.limits.commandMs).catch(() => undefined);
    }
    await this.exec(apps.set('RECORD_FINAL_TIMEOUT_MS', ''), this.deps.limits.commandMs).catch(() => undefined);
    return this.recorded(rec, event);
  }

  /** The `recorded` input for a finished recording, and its voicemails row. */
  private recorded(rec: RecordingWait, event: EslEvent | undefined): IvrInput {
    const ms = Number(event ? (channelVar(event, 'record_ms') ?? '') : '');
    const secs = Number(event ? (channelVar(event, 'record_seconds') ?? '') : '');
    const durationMs = Number.isFinite(ms) && ms > 0 ? ms : Number.isFinite(secs) && secs > 0 ? secs * 1000 : Math.max(0, this.deps.clock.now() - rec.startedAt);
    let bytes: number | undefined;
    try {
      bytes = fs.statSync(rec.file).size;
    } catch {
      const b = Number(event ? (channelVar(event, 'record_file_size') ?? '') : '');
      bytes = Number.isFinite(b) && b > 0 ? b : undefined;
    }
    if (!rec.voicemail) return { kind: 'recorded', path: rec.file, durationMs, bytes };
    this.reached.voicemail = true;
    const box = path.posix.basename(path.posix.dirname(path.posix.dirname(rec.file)));
    this.deps.track(
      this.deps.store
        .insertVoicemail({
          call_uuid: this.uuid,
          box,
          file_path: rec.file,
          duration_ms: durationMs,
          bytes: bytes ?? null,
          caller_number: this.info.callerNumber,
          created_at: new Date(this.deps.clock.now()),
        })
        .catch((err: unknown) => this.log.error('could not store the voicemail', { error: (err as Error).message })),
    );
    return { kind: 'recorded', path: rec.file, durationMs, bytes };
  }
}

export function digitsValid(digits: string, a: { minDigits: number; maxDigits: number; regexp?: string }): boolean {
  if (digits.length < Math.max(1, a.minDigits) || digits.length > a.maxDigits) return false;
  if (a.regexp === undefined) return true;
  try {
    return new RegExp(a.regexp).test(digits);
  } catch {
    return false;
  }
}
