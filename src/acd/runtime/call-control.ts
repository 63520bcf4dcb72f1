/**
 * Agent call control: what an agent (or a supervisor, for force hangup) does with the call they are on — hangup,
 * hold, blind and attended transfer to an agent, a queue or a number, a 3-way conference, and a manual outbound call.
 *
 * FreeSWITCH semantics used (every command from src/freeswitch builders):
 * - hold: `uuid_hold <agent leg>` puts the agent's leg on hold; FreeSWITCH plays hold music to its bridged partner,
 *   so the caller hears MOH (switch_ivr_hold broadcasts to the partner). `uuid_hold off` ends it.
 * - mute: `uuid_audio <agent leg> start read mute 1` silences what FreeSWITCH reads from the agent's phone (a media
 *   bug on the agent leg), so nobody hears the agent (caller, transfer target, 3-way room) while the agent still
 *   hears them; `mute 0` unmutes. The bug lives on the agent's channel, so the mute follows that leg through
 *   consultations and conferences until it is lifted or the leg ends.
 * - blind transfer to an agent or a number: the caller hears MOH (agent leg held) while the target rings
 *   (`originate ... &park()`); on answer `uuid_bridge caller target` re-bridges the caller (uuid_bridge redirects the
 *   channels it takes, so the caller does not hang up as its old bridge ends) and the old agent leg is killed: the
 *   runtime sees it hang up and ends the call in the engine (agent -> wrap-up). If the target does not answer the
 *   caller is taken off hold, back with the agent.
 * - blind transfer to a queue: the caller is moved onto music (`uuid_transfer caller playback:<moh> inline`), the
 *   agent leg is released, and once the engine has ended the old call the caller is enqueued again with its data.
 * - attended transfer: the agent leg gets park_after_bridge, the caller is moved onto music, the target is
 *   originated and bridged to the agent leg. complete: `uuid_bridge caller target`, the agent leg is killed.
 *   cancel (or the target hanging up): `uuid_bridge caller agent`, the consult leg is killed.
 * - 3-way: `uuid_transfer <agent leg> -both conference:<room>@<profile> inline` moves caller and agent into a
 *   conference named after the call; the third party is originated into it (`&conference(...)`). Members join with
 *   `mintwo`: the room ends (and its last member is hung up) once fewer than two remain. If the third party does not
 *   answer, caller and agent are bridged again.
 * - manual outbound: `originate <agent's phone> &bridge(sofia/gateway/<gw>/<number>)`: the agent's phone rings first,
 *   then the customer; the agent hears the customer's ringing.
 *
 * Calls the engine did not route are *direct calls* in the engine (AcdEngineApi.reserveDirectCall / startDirectCall /
 * endDirectCall, keyed by agent and the customer's uuid), so they count as on_call, talk time, calls handled and
 * wrap-up, and the agent gets no offers meanwhile:
 * - an agent target of a transfer or 3-way must be available; it is reserved while its phone rings (kind `transfer`
 *   / `conference`, with the caller's queue, whose wrapUpSec applies), on_call once it answers (blind: when the
 *   caller is bridged to it; attended: when it talks with the transferring agent, so a cancelled consultation counts
 *   too; 3-way: when it joins the room), and released (never answered) or ended (wrap-up) with its leg;
 * - a manual outbound call (kind `outbound`) may start from available or not ready: the agent is reserved while
 *   their phone rings, on_call once it answers, and after the call (and the engine's outbound wrap-up, default 0)
 *   back to available, or to the not-ready they were in (same reason);
 * - an agent on a transferred call who transfers it on, or hangs up, ends their own direct call.
 * CallControl still tracks these calls' legs itself (the runtime knows only routed calls).
 *
 * Handling figures for the reports (options.handling, the ACD history): the caller's hold periods on the answering
 * agent's call (hold button, a blind transfer's ringing, an attended transfer's consultation; reported when each
 * ends, with the call if it ends on hold), transfers completed (blind, attended, to a queue) and 3-way conferences
 * the third party answered.
 */
import { randomUUID } from 'node:crypto';
import type { QueueCallHandling } from '../history-store';
import { PhoneDialConfigError, type PhoneEndpoints } from '../../phones/phone-endpoints';
import type { Clock } from '../../clock/clock';
import type { ApiReply, JobResult } from '../../esl/client';
import { header, type EslEvent } from '../../esl/types';
import {
  apps,
  dialGateway,
  originate,
  phoneNumber,
  extension as extensionToken,
  mediaPath,
  uuidBridge,
  uuidGetVar,
  uuidAudioMute,
  uuidHold,
  uuidKill,
  uuidPark,
  UnsafeValueError,
  type DialString,
  type FsCommand,
} from '../../freeswitch';
import { conference, conferenceName, uuidParkAfterBridge, uuidTransferInline } from '../../freeswitch/call-control-builders';
import type { Logger } from '../../log/logger';
import type { AcdCallLegs, AcdEngineApi, AcdRuntimeApi, DirectCallKind, QueueCallInput } from '../contract';

export type TransferTarget = { agent: number } | { queue: string } | { number: string };

export type CallControlErrorCode =
  /** The agent has no current call (or no call in the needed state). */
  | 'no_call'
  /** The operation does not fit what the call is doing now (e.g. complete without a consultation). */
  | 'invalid_state'
  /** The target agent / queue does not exist. */
  | 'not_found'
  /** The target agent is not available, or is the agent themselves. */
  | 'target_unavailable'
  /** FreeSWITCH refused or the target did not answer. */
  | 'failed'
  /** Something this needs is not configured (a gateway for numbers). */
  | 'not_configured'
  /** A value was refused by the command builders. */
  | 'invalid_input';

export class CallControlError extends Error {
  constructor(
    readonly code: CallControlErrorCode,
    message: string,
    /** FreeSWITCH's answer, e.g. NO_ANSWER or `-ERR Invalid uuid`. */
    readonly fsCause?: string,
  ) {
    super(message);
    this.name = 'CallControlError';
  }
}

/** What CallControl needs of the cluster: a client per node, and the events (to see legs end). */
export interface CallControlCluster {
  client(node: string): {
    api(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<ApiReply>;
    bgapi(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<JobResult>;
  };
  nodeNames(): string[];
  onEvent?(listener: (node: string, event: EslEvent) => void): () => void;
}

export interface CallControlOptions {
  cluster: CallControlCluster;
  /** The running ACD (or a function giving it, for a runtime started after CallControl). */
  runtime: Pick<AcdRuntimeApi, 'engine' | 'legsOfAgent'> | (() => Pick<AcdRuntimeApi, 'engine' | 'legsOfAgent'> | undefined);
  logger: Logger;
  clock: Clock;
  /** Sofia gateway for numbers (transfer to a number, manual outbound); without it those are refused. */
  gateway?: string;
  /** How agents' phones are dialled (src/phones/phone-endpoints.ts). */
  phones: PhoneEndpoints;
  /** Caller id number shown to customers on outbound calls and transfers to numbers (default: the caller's). */
  outboundCallerId?: string;
  /** Ring time of a transfer target / outbound leg (default 30 s). */
  ringTimeoutSec?: number;
  /** Music for callers on hold or waiting for a transfer (default local_stream://moh). */
  mohSound?: string;
  /** Music of a queue (a transfer back to it); falls back to mohSound. */
  queueMoh?: (queue: string) => string | undefined;
  /** The caller's queue data (number, name, IVR/CRM data, priority, skills) for a transfer back to a queue. */
  callData?: (callId: string) => QueueCallInput | undefined;
  /**
   * Hands a caller back to the ACD (transfer to a queue). The real runtime must adopt the call (its music, offers,
   * bridging), so the service passes AcdRuntime.handoff here; without it the engine's enqueue is called directly.
   */
  requeue?: (input: QueueCallInput) => void | Promise<void>;
  /** mod_conference profile of 3-way rooms (default `default`). */
  conferenceProfile?: string;
  /** Node for manual outbound calls (default: the first node). */
  outboundNode?: (agentId: number) => string;
  /**
   * Nailed-up agent legs (./nailed-up.ts): the agent's session call stays up when they leave a call. Call control
   * never hangs one up; `release` tells the runtime the agent is off the call (their leg parks) instead.
   */
  nailedUp?: { isSession(uuid: string): boolean; release(uuid: string): boolean };
  /** How long a queue transfer waits for the runtime to end the old call in the engine (default 3000 ms). */
  settleMs?: number;
  /**
   * Where the handling of queue calls goes as it happens (the ACD history, src/acd/history-store.ts): hold time and
   * count of the answering agent's call (source acd), transfers completed and 3-way conferences joined (any agent on
   * the call). Keyed by the caller's uuid, the queue call id. Manual outbound calls report nothing.
   */
  handling?: (callId: string, h: QueueCallHandling) => void;
}

export type CallMode = 'talking' | 'consulting' | 'conference';

/** An agent's call as CallControl sees it. */
export interface AgentCall {
  agentId: number;
  node: string;
  /** The customer's leg (the queue call id for ACD calls). */
  callerUuid: string;
  agentUuid: string;
  queue?: string;
  /** acd: from the runtime; transfer: a call transferred to this agent; outbound: a manual outbound call. */
  source: 'acd' | 'transfer' | 'outbound';
  mode: CallMode;
  held: boolean;
  /** The agent's microphone is muted (uuid_audio read mute on the agent leg). */
  muted: boolean;
  consult?: { uuid: string; target: TransferTarget; reservedAgent?: number };
  conference?: { name: string; thirdUuid?: string };
  /** Since when the caller is on hold (held, or on music during a consultation); for the hold time reported. */
  holdSince?: number;
}

export interface CallSnapshot {
  agent_id: number;
  node: string;
  caller_uuid: string;
  agent_uuid: string;
  queue: string | null;
  source: AgentCall['source'];
  mode: CallMode;
  held: boolean;
  muted: boolean;
  consult_uuid: string | null;
  conference: string | null;
  third_party_uuid: string | null;
}

/** The operations, as the API sees them. */
export interface CallControlApi {
  current(agentId: number): CallSnapshot | undefined;
  hangup(agentId: number, opts?: { force?: boolean }): Promise<{ killed: string[] }>;
  hold(agentId: number): Promise<CallSnapshot>;
  unhold(agentId: number): Promise<CallSnapshot>;
  /** Mutes the agent's microphone on their own leg (the others stop hearing them); any mode of the call. */
  mute(agentId: number): Promise<CallSnapshot>;
  unmute(agentId: number): Promise<CallSnapshot>;
  blindTransfer(agentId: number, target: TransferTarget): Promise<{ targetUuid?: string; queue?: string }>;
  attendedTransfer(agentId: number, target: TransferTarget): Promise<{ consultUuid: string }>;
  completeTransfer(agentId: number): Promise<{ targetUuid: string }>;
  cancelTransfer(agentId: number): Promise<CallSnapshot>;
  threeWay(agentId: number, target: TransferTarget): Promise<{ conference: string; thirdUuid: string }>;
  manualOutbound(agentId: number, number: string): Promise<{ agentUuid: string; customerUuid: string }>;
}

export class CallControl implements CallControlApi {
  private readonly calls = new Map<number, AgentCall>();
  private readonly locks = new Map<number, Promise<unknown>>();
  private readonly log: Logger;
  private readonly unsubscribe?: () => void;

  constructor(private readonly o: CallControlOptions) {
    this.log = o.logger.child({ module: 'acd-call-control' });
    this.unsubscribe = o.cluster.onEvent?.((node, ev) => this.onEvent(node, ev));
  }

  close(): void {
    this.unsubscribe?.();
  }

  private get runtime(): Pick<AcdRuntimeApi, 'engine' | 'legsOfAgent'> {
    const r = typeof this.o.runtime === 'function' ? this.o.runtime() : this.o.runtime;
    if (!r) throw new CallControlError('not_configured', 'the ACD is not running');
    return r;
  }

  private get engine(): AcdEngineApi {
    return this.runtime.engine;
  }

  // ---- the agent's call ------------------------------------------------------------------------------------------

  /** The agent's current call: the runtime's legs (an ACD call), overlaid with what CallControl did to it. */
  private callOf(agentId: number): AgentCall | undefined {
    const own = this.calls.get(agentId);
    let legs: AcdCallLegs | undefined;
    try {
      legs = this.runtime.legsOfAgent(agentId);
    } catch {
      legs = undefined;
    }
    if (legs?.agentUuid) {
      if (own && own.callerUuid === legs.callerUuid && own.agentUuid === legs.agentUuid) return own;
      if (own && own.source !== 'acd') return own;
      const call: AgentCall = {
        agentId,
        node: legs.node,
        callerUuid: legs.callerUuid,
        agentUuid: legs.agentUuid,
        queue: legs.queue,
        source: 'acd',
        mode: 'talking',
        held: false,
        muted: false,
      };
      this.calls.set(agentId, call);
      return call;
    }
    return own;
  }

  private requireCall(agentId: number, modes?: CallMode[]): AgentCall {
    const call = this.callOf(agentId);
    if (!call) throw new CallControlError('no_call', `agent ${agentId} has no current call`);
    if (modes && !modes.includes(call.mode)) {
      throw new CallControlError('invalid_state', `agent ${agentId}'s call is ${call.mode === 'consulting' ? 'in a consultation' : `in ${call.mode}`}; this needs ${modes.join(' or ')}`);
    }
    return call;
  }

  current(agentId: number): CallSnapshot | undefined {
    const c = this.callOf(agentId);
    return c ? snapshot(c) : undefined;
  }

  /** Runs one operation per agent at a time (a second click waits for the first). */
  private serial<T>(agentId: number, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(agentId) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.locks.set(agentId, tail);
    void tail.then(() => {
      if (this.locks.get(agentId) === tail) this.locks.delete(agentId);
    });
    return next;
  }

  // ---- FreeSWITCH --------------------------------------------------------------------------------------------------

  private async api(node: string, cmd: FsCommand): Promise<ApiReply> {
    return this.o.cluster.client(node).api(cmd);
  }

  /** An api command that must succeed. */
  private async must(node: string, cmd: FsCommand, what: string): Promise<ApiReply> {
    const r = await this.api(node, cmd);
    if (!r.ok) throw new CallControlError('failed', `${what} failed: ${r.body.trim()}`, r.body.trim());
    return r;
  }

  /**
   * The agent is done with this call: their leg is hung up (the runtime sees it end and starts the wrap-up), or, for
   * a nailed-up session, parked and handed back to the runtime, which ends the call in the engine itself.
   */
  private async leave(node: string, agentUuid: string): Promise<void> {
    if (this.o.nailedUp?.isSession(agentUuid)) {
      await this.api(node, uuidPark(agentUuid)).catch(() => undefined);
      this.o.nailedUp.release(agentUuid);
      return;
    }
    await this.kill(node, agentUuid);
  }

  /** park_after_bridge on the agent leg, except that a nailed-up session always keeps it (it waits in park). */
  private async agentParkAfterBridge(node: string, agentUuid: string, on: boolean): Promise<void> {
    if (!on && this.o.nailedUp?.isSession(agentUuid)) return;
    await this.api(node, uuidParkAfterBridge(agentUuid, on)).catch(() => undefined);
  }

  /** uuid_kill that does not mind a channel already gone. */
  private async kill(node: string, uuid: string | undefined): Promise<boolean> {
    if (!uuid) return false;
    try {
      const r = await this.api(node, uuidKill(uuid));
      return r.ok;
    } catch (err) {
      this.log.warn('uuid_kill failed', { uuid, error: (err as Error).message });
      return false;
    }
  }

  private async originateLeg(node: string, cmd: FsCommand): Promise<{ ok: boolean; cause: string }> {
    const timeoutMs = (this.ringSec + 15) * 1000;
    const r = await this.o.cluster.client(node).bgapi(cmd, { timeoutMs });
    const body = r.body.trim();
    return { ok: r.ok && body.startsWith('+OK'), cause: body.replace(/^-ERR\s*/, '') || 'UNKNOWN' };
  }

  private get ringSec(): number {
    return this.o.ringTimeoutSec ?? 30;
  }

  private moh(queue?: string) {
    const m = (queue && this.o.queueMoh?.(queue)) || this.o.mohSound || 'local_stream://moh';
    return mediaPath(m, 'mohSound');
  }

  /** The caller's number, for the caller id shown to a transfer target. */
  private async callerNumber(call: AgentCall): Promise<string | undefined> {
    const fromData = this.o.callData?.(call.callerUuid)?.callerNumber;
    const candidates = [fromData];
    if (!fromData) {
      try {
        const r = await this.api(call.node, uuidGetVar(call.callerUuid, 'caller_id_number'));
        if (r.ok) candidates.push(r.body.trim());
      } catch {
        /* no caller id then */
      }
    }
    for (const c of candidates) {
      if (!c) continue;
      try {
        return phoneNumber(c);
      } catch {
        try {
          return extensionToken(c);
        } catch {
          /* not usable as a caller id */
        }
      }
    }
    return undefined;
  }

  // ---- targets -----------------------------------------------------------------------------------------------------

  /** Where a target rings; an agent target must be available and is reserved for the call while it is rung. */
  private resolveTarget(
    agentId: number,
    target: TransferTarget,
    call: AgentCall,
    kind: 'transfer' | 'conference',
  ): { dial: DialString; reservedAgent?: number; external: boolean } {
    if ('agent' in target) {
      const id = target.agent;
      if (id === agentId) throw new CallControlError('target_unavailable', 'an agent cannot transfer a call to themselves');
      const snap = this.engine.agent(id);
      if (!snap) throw new CallControlError('not_found', `no agent ${id}`);
      if (snap.state !== 'available') throw new CallControlError('target_unavailable', `agent ${id} is ${snap.state}, not available`);
      const dial = this.dialAgent(snap.extension, call.node);
      try {
        this.engine.reserveDirectCall(id, call.callerUuid, kind, { queue: this.knownQueue(call.queue), timeoutSec: this.ringSec + 15 });
      } catch (err) {
        throw new CallControlError('target_unavailable', `agent ${id} cannot take the call: ${(err as Error).message}`);
      }
      return { dial, reservedAgent: id, external: false };
    }
    if ('number' in target) {
      if (!this.o.gateway) throw new CallControlError('not_configured', 'no gateway is configured for calls to numbers');
      return { dial: guard(() => dialGateway(this.o.gateway!, target.number)), external: true };
    }
    throw new CallControlError('invalid_input', 'this operation takes an agent or a number, not a queue');
  }

  private dialAgent(ext: string, node: string): DialString {
    try {
      return this.o.phones.endpoint(ext, node);
    } catch (err) {
      if (err instanceof PhoneDialConfigError) throw new CallControlError('not_configured', err.message);
      throw err;
    }
  }

  /** A queue the engine knows (a transferred caller's queue may have been removed meanwhile). */
  private knownQueue(queue: string | undefined): string | undefined {
    return queue !== undefined && this.engine.queues().some((q) => q.queue === queue) ? queue : undefined;
  }

  /** The agent answered a direct call: on_call in the engine (talk time from now). */
  private startDirect(agentId: number | undefined, callId: string, kind: DirectCallKind, queue: string | undefined): void {
    if (agentId === undefined) return;
    try {
      this.engine.startDirectCall(agentId, callId, kind, this.knownQueue(queue));
    } catch (err) {
      this.log.warn('the engine refused the start of a direct call', { agentId, callId, kind, error: (err as Error).message });
    }
  }

  /**
   * Ends the agent's direct call in the engine: wrap-up when it was answered, back to where they were when it only
   * rang. Nothing when the engine no longer has it (e.g. the agent logged out meanwhile).
   */
  private endDirect(agentId: number | undefined, callId: string): void {
    if (agentId === undefined) return;
    const snap = this.engine.agent(agentId);
    if (!snap?.direct || snap.callId !== callId) return;
    try {
      this.engine.endDirectCall(agentId, callId);
    } catch (err) {
      this.log.warn('could not end a direct call in the engine', { agentId, callId, error: (err as Error).message });
    }
  }

  /** The target never got the call (or the consultation is over): its direct call ends. */
  private releaseTarget(agentId: number | undefined, callId: string): void {
    this.endDirect(agentId, callId);
  }

  // ---- handling figures (the ACD history) ---------------------------------------------------------------------------

  /** The caller goes on hold (a hold period starts unless one is running). Only the answering agent's call counts. */
  private beginHold(call: AgentCall): void {
    if (call.source === 'acd' && call.holdSince === undefined) call.holdSince = this.o.clock.now();
  }

  /** The hold period, if any, is over: its time and one hold are reported. */
  private endHold(call: AgentCall): void {
    if (call.holdSince === undefined) return;
    const ms = Math.max(0, this.o.clock.now() - call.holdSince);
    call.holdSince = undefined;
    this.o.handling?.(call.callerUuid, { holdMs: ms, holdCount: 1 });
  }

  /** A transfer of the caller completed (blind, attended, to a queue): the hold ends with it. */
  private transferred(call: AgentCall): void {
    this.endHold(call);
    if (call.source !== 'outbound') this.o.handling?.(call.callerUuid, { transfers: 1 });
  }

  /**
   * The target agent now has the call: CallControl tracks it (the runtime does not know it). An agent handing on a
   * call that was itself direct (a transferred call transferred again) ends their direct call.
   */
  private handOver(from: AgentCall, toAgent: number | undefined, targetUuid: string): void {
    this.calls.delete(from.agentId);
    if (from.source !== 'acd') this.endDirect(from.agentId, from.callerUuid);
    if (toAgent === undefined) return;
    this.calls.set(toAgent, {
      agentId: toAgent,
      node: from.node,
      callerUuid: from.callerUuid,
      agentUuid: targetUuid,
      queue: from.queue,
      source: 'transfer',
      mode: 'talking',
      held: false,
      muted: false,
    });
  }

  // ---- operations --------------------------------------------------------------------------------------------------

  hangup(agentId: number, opts: { force?: boolean } = {}): Promise<{ killed: string[] }> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId);
      // A nailed-up agent's leg stays: it parks once the caller's leg is gone.
      const legs: Array<string | undefined> = this.o.nailedUp?.isSession(call.agentUuid) ? [] : [call.agentUuid];
      if (call.mode === 'conference') {
        // The agent leaves; caller and third party go on (a forced hangup ends the whole conference).
        if (opts.force) legs.push(call.callerUuid, call.conference?.thirdUuid);
      } else {
        legs.push(call.callerUuid, call.consult?.uuid);
      }
      const killed: string[] = [];
      for (const uuid of legs) if (uuid && (await this.kill(call.node, uuid))) killed.push(uuid);
      if (call.consult) this.releaseTarget(call.consult.reservedAgent, call.callerUuid);
      this.finish(call);
      return { killed };
    });
  }

  hold(agentId: number): Promise<CallSnapshot> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['talking']);
      if (!call.held) {
        await this.must(call.node, uuidHold(call.agentUuid, 'on'), 'hold');
        call.held = true;
        this.beginHold(call);
      }
      return snapshot(call);
    });
  }

  unhold(agentId: number): Promise<CallSnapshot> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['talking']);
      if (call.held) {
        await this.must(call.node, uuidHold(call.agentUuid, 'off'), 'unhold');
        call.held = false;
        this.endHold(call);
      }
      return snapshot(call);
    });
  }

  mute(agentId: number): Promise<CallSnapshot> {
    return this.setMuted(agentId, true);
  }

  unmute(agentId: number): Promise<CallSnapshot> {
    return this.setMuted(agentId, false);
  }

  private setMuted(agentId: number, muted: boolean): Promise<CallSnapshot> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId);
      // Sent even when the flag already says so: the switch is the truth, and `mute 0|1` is idempotent there.
      await this.must(call.node, uuidAudioMute(call.agentUuid, muted), muted ? 'mute' : 'unmute');
      call.muted = muted;
      return snapshot(call);
    });
  }

  blindTransfer(agentId: number, target: TransferTarget): Promise<{ targetUuid?: string; queue?: string }> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['talking']);
      if ('queue' in target) return this.toQueue(call, target.queue);
      const { dial, reservedAgent, external } = this.resolveTarget(agentId, target, call, 'transfer');
      const targetUuid = randomUUID();
      const wasHeld = call.held;
      try {
        if (!call.held) await this.must(call.node, uuidHold(call.agentUuid, 'on'), 'hold');
        call.held = true;
        this.beginHold(call);
        const cid = external && this.o.outboundCallerId ? this.o.outboundCallerId : await this.callerNumber(call);
        const r = await this.originateLeg(
          call.node,
          originate(dial, apps.park(), {}, { originateUuid: targetUuid, timeoutSec: this.ringSec, ...(cid ? { callerIdNumber: cid } : {}) }),
        );
        if (!r.ok) throw new CallControlError('failed', `the transfer target did not answer (${r.cause})`, r.cause);
        const br = await this.api(call.node, uuidBridge(call.callerUuid, targetUuid));
        if (!br.ok) {
          await this.kill(call.node, targetUuid);
          throw new CallControlError('failed', `the caller could not be connected to the target: ${br.body.trim()}`, br.body.trim());
        }
      } catch (err) {
        this.releaseTarget(reservedAgent, call.callerUuid);
        if (!wasHeld && call.held) {
          await this.api(call.node, uuidHold(call.agentUuid, 'off')).catch(() => undefined);
          call.held = false;
          this.endHold(call);
        }
        throw err;
      }
      // The target talks with the caller; the transferring agent is released: the runtime sees the leg end and puts
      // them into wrap-up.
      this.startDirect(reservedAgent, call.callerUuid, 'transfer', call.queue);
      this.transferred(call);
      this.handOver(call, reservedAgent, targetUuid);
      await this.leave(call.node, call.agentUuid);
      this.log.info('blind transfer', { agentId, callId: call.callerUuid, target, targetUuid });
      return { targetUuid };
    });
  }

  /** Blind transfer to a queue: the caller goes onto music, the agent is released, the engine queues the caller again. */
  private async toQueue(call: AgentCall, queue: string): Promise<{ queue: string }> {
    if (!this.engine.queues().some((q) => q.queue === queue)) throw new CallControlError('not_found', `no queue ${queue}`);
    const input = this.o.callData?.(call.callerUuid);
    const callerNumber = input?.callerNumber ?? (await this.callerNumber(call)) ?? '';
    await this.must(call.node, uuidTransferInline(call.callerUuid, [apps.playback(this.moh(queue))]), 'moving the caller onto music');
    call.held = false;
    // Recorded before the agent leg goes: the call's row is still open then.
    this.transferred(call);
    await this.leave(call.node, call.agentUuid);
    this.calls.delete(call.agentId);
    if (call.source !== 'acd') this.endDirect(call.agentId, call.callerUuid);
    else await this.settle(call);
    const next: QueueCallInput = {
      id: call.callerUuid,
      node: call.node,
      queue,
      priority: input?.priority ?? 0,
      skills: input?.skills ?? [],
      callerNumber,
      ...(input?.callerName !== undefined ? { callerName: input.callerName } : {}),
      data: { ...(input?.data ?? {}), transferred_from_agent: String(call.agentId), ...(call.queue ? { transferred_from_queue: call.queue } : {}) },
    };
    try {
      if (this.o.requeue) {
        // The handoff resolves only when the call is over: not awaited; a refusal hangs the caller up.
        void Promise.resolve(this.o.requeue(next)).catch((err: unknown) => {
          this.log.error('transfer to queue: the ACD refused the call; hanging the caller up', { callId: call.callerUuid, queue, error: (err as Error).message });
          void this.kill(call.node, call.callerUuid);
        });
      } else {
        this.engine.enqueue(next);
      }
    } catch (err) {
      this.log.error('transfer to queue: the engine refused the call; hanging the caller up', { callId: call.callerUuid, queue, error: (err as Error).message });
      await this.kill(call.node, call.callerUuid);
      throw new CallControlError('failed', `the queue refused the call: ${(err as Error).message}`);
    }
    this.log.info('transfer to queue', { agentId: call.agentId, callId: call.callerUuid, queue });
    return { queue };
  }

  /**
   * Waits until the engine no longer has the agent on this call (the runtime ends it when the agent leg hangs up);
   * if that does not happen in settleMs, ends it in the engine here.
   */
  private async settle(call: AgentCall): Promise<void> {
    const deadline = this.o.clock.now() + (this.o.settleMs ?? 3000);
    const busy = (): boolean => {
      const a = this.engine.agent(call.agentId);
      return !!a && a.callId === call.callerUuid && (a.state === 'on_call' || a.state === 'reserved');
    };
    while (busy() && this.o.clock.now() < deadline) await sleep(this.o.clock, 20);
    if (busy()) {
      try {
        this.engine.callEnded(call.callerUuid);
      } catch (err) {
        this.log.warn('transfer to queue: could not end the old call in the engine', { callId: call.callerUuid, error: (err as Error).message });
      }
    }
  }

  attendedTransfer(agentId: number, target: TransferTarget): Promise<{ consultUuid: string }> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['talking']);
      const { dial, reservedAgent } = this.resolveTarget(agentId, target, call, 'transfer');
      const consultUuid = randomUUID();
      let moved = false;
      try {
        if (call.held) {
          await this.must(call.node, uuidHold(call.agentUuid, 'off'), 'unhold');
          call.held = false;
        }
        // The agent leg must outlive its bridge with the caller; the caller waits on music.
        await this.must(call.node, uuidParkAfterBridge(call.agentUuid, true), 'park_after_bridge');
        await this.must(call.node, uuidTransferInline(call.callerUuid, [apps.playback(this.moh(call.queue))]), 'moving the caller onto music');
        moved = true;
        // Held already (the hold button): one hold period goes on through the consultation.
        this.beginHold(call);
        call.mode = 'consulting';
        call.consult = { uuid: consultUuid, target, reservedAgent };
        const agentExt = this.engine.agent(agentId)?.extension;
        const r = await this.originateLeg(
          call.node,
          originate(dial, apps.park(), {}, { originateUuid: consultUuid, timeoutSec: this.ringSec, ...(agentExt ? { callerIdNumber: agentExt } : {}) }),
        );
        if (!r.ok) throw new CallControlError('failed', `the transfer target did not answer (${r.cause})`, r.cause);
        await this.must(call.node, uuidBridge(call.agentUuid, consultUuid), 'connecting the agent to the target');
      } catch (err) {
        this.releaseTarget(reservedAgent, call.callerUuid);
        await this.kill(call.node, consultUuid);
        if (moved) await this.reconnect(call);
        else {
          await this.agentParkAfterBridge(call.node, call.agentUuid, false);
          this.endHold(call);
        }
        throw err;
      }
      // The target talks with the agent: on a call from now (a consultation that is cancelled counts too).
      this.startDirect(reservedAgent, call.callerUuid, 'transfer', call.queue);
      this.log.info('attended transfer started', { agentId, callId: call.callerUuid, target, consultUuid });
      return { consultUuid };
    });
  }

  /** Caller back with the agent after a consultation; the agent leg hangs up with its next bridge end again. */
  private async reconnect(call: AgentCall): Promise<void> {
    const br = await this.api(call.node, uuidBridge(call.callerUuid, call.agentUuid));
    await this.agentParkAfterBridge(call.node, call.agentUuid, false);
    call.mode = 'talking';
    call.consult = undefined;
    this.endHold(call);
    if (!br.ok) {
      // The caller is gone: nothing to go back to.
      await this.leave(call.node, call.agentUuid);
      this.finish(call);
      throw new CallControlError('no_call', 'the caller has hung up');
    }
  }

  completeTransfer(agentId: number): Promise<{ targetUuid: string }> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['consulting']);
      const consult = call.consult!;
      const br = await this.api(call.node, uuidBridge(call.callerUuid, consult.uuid));
      if (!br.ok) throw new CallControlError('failed', `the caller could not be connected to the target: ${br.body.trim()}`, br.body.trim());
      this.transferred(call);
      this.handOver(call, consult.reservedAgent, consult.uuid);
      await this.leave(call.node, call.agentUuid);
      this.log.info('attended transfer completed', { agentId, callId: call.callerUuid, targetUuid: consult.uuid });
      return { targetUuid: consult.uuid };
    });
  }

  cancelTransfer(agentId: number): Promise<CallSnapshot> {
    return this.serial(agentId, () => this.cancelNow(agentId));
  }

  private async cancelNow(agentId: number): Promise<CallSnapshot> {
    const call = this.requireCall(agentId, ['consulting']);
    const consult = call.consult!;
    // Re-bridging takes the agent leg from the consult leg first; then the consult leg goes.
    await this.reconnect(call);
    await this.kill(call.node, consult.uuid);
    this.releaseTarget(consult.reservedAgent, call.callerUuid);
    this.log.info('attended transfer cancelled', { agentId, callId: call.callerUuid });
    return snapshot(call);
  }

  threeWay(agentId: number, target: TransferTarget): Promise<{ conference: string; thirdUuid: string }> {
    return this.serial(agentId, async () => {
      const call = this.requireCall(agentId, ['talking']);
      const { dial, reservedAgent, external } = this.resolveTarget(agentId, target, call, 'conference');
      const room = conferenceName(`sb3w-${call.callerUuid}`.slice(0, 64));
      const member = conference(room, { profile: this.o.conferenceProfile, flags: ['mintwo'] });
      const thirdUuid = randomUUID();
      let moved = false;
      try {
        if (call.held) {
          await this.must(call.node, uuidHold(call.agentUuid, 'off'), 'unhold');
          call.held = false;
          this.endHold(call);
        }
        await this.must(call.node, uuidTransferInline(call.agentUuid, [member], 'both'), 'moving the call into a conference');
        moved = true;
        call.mode = 'conference';
        call.conference = { name: room };
        const cid = external && this.o.outboundCallerId ? this.o.outboundCallerId : await this.callerNumber(call);
        const r = await this.originateLeg(
          call.node,
          originate(dial, member, {}, { originateUuid: thirdUuid, timeoutSec: this.ringSec, ...(cid ? { callerIdNumber: cid } : {}) }),
        );
        if (!r.ok) throw new CallControlError('failed', `the third party did not answer (${r.cause})`, r.cause);
      } catch (err) {
        this.releaseTarget(reservedAgent, call.callerUuid);
        if (moved) {
          // Back to a plain call between caller and agent.
          const br = await this.api(call.node, uuidBridge(call.callerUuid, call.agentUuid));
          call.mode = 'talking';
          call.conference = undefined;
          if (!br.ok) {
            await this.leave(call.node, call.agentUuid);
            this.finish(call);
          }
        }
        throw err;
      }
      call.conference = { name: room, thirdUuid };
      if (call.source !== 'outbound') this.o.handling?.(call.callerUuid, { threeWay: 1 });
      if (reservedAgent !== undefined) {
        // The third agent is in the call too: on a direct call in the engine, tracked like a transferred call (their
        // hangup leaves the room and ends it).
        this.startDirect(reservedAgent, call.callerUuid, 'conference', call.queue);
        this.calls.set(reservedAgent, {
          agentId: reservedAgent,
          node: call.node,
          callerUuid: call.callerUuid,
          agentUuid: thirdUuid,
          queue: call.queue,
          source: 'transfer',
          mode: 'conference',
          held: false,
          muted: false,
          conference: { name: room },
        });
      }
      this.log.info('3-way conference', { agentId, callId: call.callerUuid, room, thirdUuid });
      return { conference: room, thirdUuid };
    });
  }

  manualOutbound(agentId: number, number: string): Promise<{ agentUuid: string; customerUuid: string }> {
    return this.serial(agentId, async () => {
      if (this.callOf(agentId)) throw new CallControlError('invalid_state', `agent ${agentId} is already on a call`);
      const snap = this.engine.agent(agentId);
      if (!snap) throw new CallControlError('not_found', `no agent ${agentId}`);
      if (snap.state !== 'available' && snap.state !== 'not_ready') {
        throw new CallControlError('invalid_state', `agent ${agentId} is ${snap.state}; outbound calls need available or not ready`);
      }
      if (!this.o.gateway) throw new CallControlError('not_configured', 'no gateway is configured for outbound calls');
      const customer = guard(() => dialGateway(this.o.gateway!, number));
      const node = this.o.outboundNode?.(agentId) ?? this.o.cluster.nodeNames()[0];
      if (!node) throw new CallControlError('not_configured', 'no FreeSWITCH node');
      const agentDial = this.dialAgent(snap.extension, node);
      const agentUuid = randomUUID();
      const customerUuid = randomUUID();
      const customerVars: Record<string, string> = { origination_uuid: customerUuid };
      if (this.o.outboundCallerId) customerVars.origination_caller_id_number = this.o.outboundCallerId;
      const cmd = guard(() =>
        originate(agentDial, apps.bridge(customer, customerVars), {}, {
          originateUuid: agentUuid,
          timeoutSec: this.ringSec,
          callerIdNumber: phoneNumber(number),
          callerIdName: 'Outbound call',
        }),
      );
      // Reserved while the agent's phone rings; a not-ready comes back after the call.
      try {
        this.engine.reserveDirectCall(agentId, customerUuid, 'outbound', { timeoutSec: this.ringSec + 15 });
      } catch (err) {
        throw new CallControlError('invalid_state', `agent ${agentId} cannot make an outbound call: ${(err as Error).message}`);
      }
      const call: AgentCall = {
        agentId,
        node,
        callerUuid: customerUuid,
        agentUuid,
        source: 'outbound',
        mode: 'talking',
        held: false,
        muted: false,
      };
      this.calls.set(agentId, call);
      let r: { ok: boolean; cause: string };
      try {
        r = await this.originateLeg(node, cmd);
      } catch (err) {
        r = { ok: false, cause: (err as Error).message };
      }
      if (!r.ok) {
        this.finish(call);
        throw new CallControlError('failed', `the agent's phone did not answer (${r.cause})`, r.cause);
      }
      // The agent answered (the customer is being dialled): on a call from now. The call may already be over.
      if (this.calls.get(agentId) === call) this.startDirect(agentId, customerUuid, 'outbound', undefined);
      this.log.info('manual outbound call', { agentId, agentUuid, customerUuid });
      return { agentUuid, customerUuid };
    });
  }

  // ---- events ------------------------------------------------------------------------------------------------------

  /** Forgets a call and, for transfer/outbound calls, ends the agent's direct call in the engine. */
  private finish(call: AgentCall): void {
    this.endHold(call);
    if (this.calls.get(call.agentId) === call) this.calls.delete(call.agentId);
    if (call.source !== 'acd') this.endDirect(call.agentId, call.callerUuid);
  }

  private onEvent(node: string, ev: EslEvent): void {
    if (ev.name !== 'CHANNEL_HANGUP') return;
    const uuid = header(ev, 'Unique-ID');
    if (!uuid) return;
    for (const call of [...this.calls.values()]) {
      if (call.node !== node) continue;
      if (call.agentUuid === uuid) {
        this.finish(call);
      } else if (call.consult?.uuid === uuid && call.mode === 'consulting') {
        // The target hung up during the consultation: the caller comes back to the agent (as att_xfer does).
        void this.serial(call.agentId, async () => {
          if (this.calls.get(call.agentId) === call && call.mode === 'consulting' && call.consult?.uuid === uuid) await this.cancelNow(call.agentId);
        }).catch((err: unknown) => this.log.warn('could not bring the caller back after the target hung up', { error: (err as Error).message }));
      } else if (call.callerUuid === uuid && call.mode === 'talking' && call.source !== 'acd') {
        // The customer of a transferred/outbound call hung up; the agent leg follows (hangup_after_bridge / bridge app).
        this.finish(call);
      } else if (call.conference?.thirdUuid === uuid) {
        call.conference.thirdUuid = undefined;
      }
    }
  }
}

function snapshot(c: AgentCall): CallSnapshot {
  return {
    agent_id: c.agentId,
    node: c.node,
    caller_uuid: c.callerUuid,
    agent_uuid: c.agentUuid,
    queue: c.queue ?? null,
    source: c.source,
    mode: c.mode,
    held: c.held,
    muted: c.muted,
    consult_uuid: c.consult?.uuid ?? null,
    conference: c.conference?.name ?? null,
    third_party_uuid: c.conference?.thirdUuid ?? null,
  };
}

/** Builder refusals become invalid_input. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UnsafeValueError) throw new CallControlError('invalid_input', err.message);
    throw err;
  }
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}
