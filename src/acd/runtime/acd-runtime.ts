/**
 * The ACD on FreeSWITCH: the IVR hands queued calls over (QueueHandoff), the pure engine (src/acd/engine.ts) decides,
 * and this runtime carries every decision out over ESL, through the command builder only:
 *
 * - enqueue: channel variables, music on hold played in a loop of `playback` executes until the call leaves the
 *   queue; announcements break the music (`uuid_break`, once its PLAYBACK_START was seen), play, and the music
 *   resumes; the caller's callback key arrives as DTMF events (playback_terminators=none, so it never stops the music
 *   by itself). The handoff promise stays pending until the call has left the ACD.
 * - offer: `bgapi originate {origination_uuid,originate_timeout,caller id,switchboard_*}user/<ext> &park()`; the job's
 *   +OK (or the agent leg's CHANNEL_PARK) is the answer, its `-ERR <CAUSE>` the failure (see causes.ts);
 *   cancel_offer hangs the agent leg up (LOSE_RACE / ORIGINATOR_CANCEL).
 * - connect: `uuid_bridge <caller> <agent>` (the music stops as the caller is bridged); the first hangup of either
 *   leg ends the call in the engine (wrap-up); a caller hanging up while waiting or ringing an agent is an abandon.
 * - overflow (queue, voicemail, callback, hangup), callbacks dialled agent-first or customer-first.
 * - after a reconnect (the node's connection epoch changed) `show channels as json` tells which legs survived: the
 *   calls and offers of vanished legs end in the engine, so no agent stays reserved or on a call that is gone.
 *
 * Every engine effect is handled synchronously in the engine's listener (the engine queues inputs made from there),
 * so the runtime's books and the engine's never disagree for longer than one effect. FreeSWITCH work is async and
 * every reply is checked against the current state of the call or leg it concerns (a late reply changes nothing).
 */
import { randomUUID } from 'node:crypto';
import type { Clock, ClockTimer } from '../../clock/clock';
import { ChannelHungUpError, EslCommandError } from '../../esl/errors';
import type { EslClient, ApiReply } from '../../esl/client';
import { header, type EslEvent } from '../../esl/types';
import { decodeJsonEvent } from '../../esl/event-decoder';
import {
  apps,
  dialGateway,
  originate,
  phoneNumber,
  showChannelsJson,
  uuidBreak,
  uuidBridge,
  uuidDumpJson,
  uuidGetVar,
  uuidKill,
  uuidSetVarMulti,
  type AppInvocation,
  type DialString,
  type FsCommand,
  type HangupCause,
  type MediaPath,
  type OriginateOptions,
  type VarValue,
} from '../../freeswitch';
import { uuidDisplaceStart, uuidParkAfterBridge } from '../../freeswitch/call-control-builders';
import { NAILED_UP_BEEP, NailedUpSessions, type NailedUpSession } from './nailed-up';
import type { Logger } from '../../log/logger';
import type { HandoffResult, QueueHandoff, QueuedCall } from '../../ivr/runtime/queue-handoff';
import type {
  AcdCallLegs,
  AcdConfigStore,
  AcdEffect,
  AcdEffectListener,
  AcdEngineApi,
  AcdRuntimeApi,
  AgentConfig,
  AgentSnapshot,
  OfferFailure,
  QueueCallInput,
  OverflowTarget,
  QueueConfig,
} from '../contract';
import { overflowTargetText, type AcdHistoryWriter, type AcdOfferResult } from '../history-store';
import { cancelCauseOf, causeOfJob, offerFailureOf } from './causes';
import type { DialFaults } from '../../phones/dial-faults';
import type { PhoneEndpoints } from '../../phones/phone-endpoints';
import type { PhoneRegistrations } from '../../phones/registrations';
import { announcement, DEFAULT_PROMPTS, mohPath, promptApps, type AcdPrompts } from './prompts';
import { priorityWithVip } from '../vip-priority';
import { planTakeover, type AdoptedCallbackLeg, type AdoptedCaller, type AdoptedConnection } from './takeover-plan';

/** What the runtime needs from the cluster (FreeSwitchCluster, or a test double). */
export interface AcdClusterLike {
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
  onStatus(listener: (node: string, status: string, epoch: number) => void): () => void;
  /** Events of a node were dropped (its event queue overflowed): resync as after a reconnect. */
  onResync?(listener: (node: string) => void): () => void;
  client(node: string): EslClient;
}

export interface AcdRuntimeOptions {
  cluster: AcdClusterLike;
  store: AcdConfigStore;
  /** Builds the engine with the runtime's effect listener (e.g. `(onEffect) => new AcdEngine({ clock, onEffect })`). */
  createEngine(onEffect: AcdEffectListener): AcdEngineApi;
  history?: AcdHistoryWriter;
  clock: Clock;
  logger: Logger;
  /** Gateway that callbacks to customers go out through (no gateway: callbacks are not offered). */
  callbackGateway?: string;
  /** Caller id shown to customers on a callback. */
  callbackCallerId?: string;
  prompts?: Partial<AcdPrompts>;
  /** api commands (uuid_bridge, uuid_kill...): default 10 s. */
  commandTimeoutMs?: number;
  /** How agents' phones are dialled (src/phones/phone-endpoints.ts). */
  phones: PhoneEndpoints;
  /** Registered phones: an agent whose phone is not registered is skipped (and shown as such). */
  registrations?: PhoneRegistrations;
  /** Where calls FreeSWITCH could not place are reported (log, metric, /healthz). */
  dialFaults?: DialFaults;
  /** After a takeover (first connect to a node): every live channel it read, for the IVR's own takeover. */
  onTakeover?: (node: string, channels: readonly EslEvent[]) => void | Promise<unknown>;
}

type CallPhase =
  /** In the queue (waiting or an agent ringing), the caller on music on hold. */
  | 'queued'
  /** Bridged (or being bridged) to an agent. */
  | 'connected'
  /** Leaving the ACD (overflow to voicemail / hangup, callback confirmation): the caller's hangup is expected. */
  | 'leaving'
  /** A callback request: the caller is gone, the engine keeps the call's place. */
  | 'callback'
  | 'ended';

interface CallRec {
  id: string;
  node: string;
  queue: string;
  priority: number;
  skills: string[];
  callerNumber: string;
  callerName?: string;
  data: Record<string, string>;
  enteredAt: number;
  phase: CallPhase;
  /** The leg the engine's call lives on: the caller's channel, or the customer leg of a callback. */
  callerUuid?: string;
  callerUp: boolean;
  handoff?: QueuedCall;
  resolveHandoff?: (result?: HandoffResult) => void;
  /**
   * The queue's survey flow, set at connect for a caller who opted in (csat_optin=1): the caller leg parks after the
   * bridge (park_after_bridge) instead of hanging up, and goes back to the IVR for the survey when the agent hangs up.
   */
  survey?: string;
  /** The caller's CHANNEL_PARK after its bridge ended was seen (before the agent's hangup reached us). */
  parkedAfterBridge?: boolean;
  /** Music on hold loop. */
  media?: Promise<void>;
  mediaStop: boolean;
  mohPath?: MediaPath;
  mohPlaying: boolean;
  breakWanted: boolean;
  prompts: AppInvocation[];
  /** Wakes the media loop (a stop or an announcement while it waits). */
  wake?: () => void;
  agentId?: number;
  agentUuid?: string;
  connectedAt?: number;
  /** uuid_bridge of the caller to agentUuid was confirmed (+OK, or CHANNEL_BRIDGE seen); a resync re-bridges if not. */
  bridged?: boolean;
  /** Taken over from calls already on the switch (takeOver): music from the previous instance may still play. */
  takenOver?: boolean;
  /** A callback being dialled: the customer leg and the dial order. */
  callback?: { number: string; customerUuid?: string; customerUp: boolean; order: 'agent_first' | 'customer_first' };
}

type LegState = 'ringing' | 'answered' | 'connected' | 'ended';

interface OfferLeg {
  key: string;
  offerId: string;
  callId: string;
  agentId: number;
  uuid: string;
  node: string;
  startedAt: number;
  state: LegState;
  /** The engine ended this offer (cancel_offer): any answer is hung up. */
  cancelled: boolean;
  /** The engine was told how this offer ended (first report wins). */
  reported: boolean;
  kind: 'offer' | 'callback_agent';
  /** The originate job's reply was lost (disconnect): the next resync decides. */
  jobLost: boolean;
}

const key = (offerId: string, agentId: number): string => `${offerId}#${agentId}`;
const MAX_LINKS = 50_000;
const MEDIA_RETRY_MS = 500;
const MAX_EXEC_MS = 24 * 3_600_000;
const TAKEOVER_DUMPS_IN_FLIGHT = 8;
/** mod_xml_cdr's shipped retries: 3 more tries 5 s apart. Queue calls that ended unseen are closed after them. */
const ORPHAN_CLOSE_DELAY_MS = 20_000;
/**
 * After the agent of a surveyed call hangs up, how long the caller's CHANNEL_PARK (park_after_bridge) is awaited before
 * the call is let go without a survey (the caller went elsewhere: a transfer moved them, or FreeSWITCH hung them up).
 */
const SURVEY_PARK_WAIT_MS = 5_000;

/** The channel variables that say where a caller stands in the ACD (read back by takeover-plan.ts). */
function queuePlaceVars(call: { queue: string; priority: number; enteredAt: number; skills: readonly string[] }): Record<string, VarValue> {
  return {
    switchboard_queue: call.queue,
    switchboard_queue_priority: String(call.priority),
    switchboard_queue_entered: String(call.enteredAt),
    ...(call.skills.length ? { switchboard_queue_skills: call.skills.join(',') } : {}),
  };
}

/** The outbound campaign of a call the dialer handed over (its campaign_id variable, a positive id), else null. */
export function campaignIdOf(data: Readonly<Record<string, string>>): number | null {
  const id = data.campaign_id;
  return id !== undefined && /^[1-9][0-9]{0,9}$/.test(id) && Number(id) <= 2_147_483_647 ? Number(id) : null;
}

/** The IVR/CRM variables of a queue call's history row (data.variables), as the screen pop wants them. */
function dataOf(row: Record<string, unknown> | undefined): Record<string, string> {
  const vars = row?.variables;
  const out: Record<string, string> = {};
  if (vars && typeof vars === 'object') for (const [k, val] of Object.entries(vars)) if (typeof val === 'string') out[k] = val;
  return out;
}

export interface AcdRuntimeStats {
  queuedCalls: number;
  connectedCalls: number;
  ringingLegs: number;
  handoffs: number;
  resyncs: number;
  effects: number;
  /** Nodes whose calls were taken over at the first connection. */
  takeovers: number;
}

export class AcdRuntime implements AcdRuntimeApi, QueueHandoff {
  readonly engine: AcdEngineApi;
  private readonly log: Logger;
  /** Agents' nailed-up sessions (queues with nailedUp; ./nailed-up.ts). */
  private readonly nailed: NailedUpSessions;
  private readonly prompts: AcdPrompts;
  private readonly commandMs: number;
  private readonly calls = new Map<string, CallRec>();
  private readonly legs = new Map<string, OfferLeg>();
  private readonly legByUuid = new Map<string, OfferLeg>();
  /** Caller / customer leg uuid -> call id. */
  private readonly callByUuid = new Map<string, string>();
  private readonly agentLegs = new Map<number, AcdCallLegs>();
  private readonly callLegs = new Map<string, AcdCallLegs>();
  /** uuid -> CDR columns, until the CDR listener took them. */
  private readonly links = new Map<string, { queue_call_id: string; agent_id: number | null }>();
  private readonly listeners = new Set<AcdEffectListener>();
  private readonly epochs = new Map<string, number>();
  /**
   * What each call entered with (screen pops, transfers back to a queue), until the call ended and its caller leg is
   * gone (finish() / the caller's CHANNEL_HANGUP_COMPLETE; a screen pop after that reads acd_queue_calls). The cap in
   * remember() only backs that up for hangups never seen (lost while disconnected).
   */
  private readonly inputs = new Map<string, QueueCallInput>();
  /** Offers the engine cancelled before the runtime rang anyone (customer-first callbacks still dialling). */
  private readonly cancelledOffers = new Set<string>();
  private queueConfigs = new Map<string, QueueConfig>();
  private agentConfigs = new Map<number, AgentConfig>();
  /** Per agent: the routed call they answered and are on (for the wrap-up that follows it, recordWrapUp). */
  private readonly answeredCall = new Map<number, string>();
  /** Per agent: the wrap-up in progress after a routed call. */
  private readonly wrapStarted = new Map<number, { callId: string; at: number }>();
  private unsubscribers: Array<() => void> = [];
  /** Timers of the runtime's own (closing orphans after a takeover), cancelled at close. */
  private readonly timers = new Set<ClockTimer>();
  /** Takeovers in flight per node (handoffs on that node wait for them). */
  private readonly takeovers = new Map<string, Promise<void>>();
  /** Surveyed callers whose agent hung up, until FreeSWITCH parks them (then on to the survey) or they go elsewhere. */
  private readonly surveyWaits = new Map<string, { resolve: (r?: HandoffResult) => void; result: HandoffResult; timer: ClockTimer; handoff?: QueuedCall }>();
  /** Channels that hung up while their node's takeover was reading the switch: not adopted. */
  private readonly goneDuringTakeover = new Map<string, Set<string>>();
  private started = false;
  private closed = false;
  private counters = { handoffs: 0, resyncs: 0, effects: 0, takeovers: 0 };

  constructor(private readonly options: AcdRuntimeOptions) {
    this.log = options.logger.child({ module: 'acd-runtime' });
    this.prompts = { ...DEFAULT_PROMPTS, ...options.prompts };
    this.commandMs = options.commandTimeoutMs ?? 10_000;
    this.engine = options.createEngine((effect) => this.onEngineEffect(effect));
    this.nailed = new NailedUpSessions({ client: (n) => this.client(n), clock: options.clock, logger: this.log, newUuid: randomUUID, ringSec: 30 });
  }

  /** Loads the configuration into the engine, follows its changes and starts listening to FreeSWITCH. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const config = await this.options.store.load();
    this.applyConfig(config);
    this.unsubscribers.push(this.options.store.onChange((c) => this.applyConfig(c)));
    this.unsubscribers.push(this.options.cluster.onEvent((node, event) => this.handleEvent(node, event)));
    this.unsubscribers.push(this.options.cluster.onStatus((node, status, epoch) => this.onStatus(node, status, epoch)));
    const offResync = this.options.cluster.onResync?.((node) => void this.resync(node));
    if (offResync) this.unsubscribers.push(offResync);
    const regs = this.options.registrations;
    if (regs) this.unsubscribers.push(regs.onChange(() => this.syncPhoneReachability()));
  }

  /** Tells the engine which agents' phones are registered (when the registrations are known at all). */
  private syncPhoneReachability(): void {
    const regs = this.options.registrations;
    if (!regs) return;
    for (const agent of this.agentConfigs.values()) {
      const registered = regs.isRegistered(agent.extension);
      if (registered === undefined) continue;
      this.input('setPhoneReachable', () => this.engine.setPhoneReachable(agent.id, registered));
    }
  }

  /** True when some queue is configured (the service hands queued calls to the ACD only then). */
  hasQueues(): boolean {
    return this.queueConfigs.size > 0;
  }

  queueConfig(name: string): QueueConfig | undefined {
    return this.queueConfigs.get(name);
  }

  /** The queues an agent is configured to serve (a map lookup: the dialer filters agent events with it). */
  agentQueues(agentId: number): string[] {
    return this.agentConfigs.get(agentId)?.queues.map((q) => q.queue) ?? [];
  }

  /** Agents configured to serve a queue, as the engine sees them now (the dialer paces on them). */
  queueAgents(queue: string): AgentSnapshot[] {
    const out: AgentSnapshot[] = [];
    for (const cfg of this.agentConfigs.values()) {
      if (!cfg.queues.some((q) => q.queue === queue)) continue;
      const snap = this.engine.agent(cfg.id);
      if (snap) out.push(snap);
    }
    return out;
  }

  /**
   * Takes a waiting call back out of its queue (the dialer's 2-second rule: nobody took the person in time). The
   * agent being rung, if any, stops ringing; the music stops before this resolves, so the caller can hear something
   * else. False when the call is not waiting any more (an agent has it, or it ended).
   */
  async withdraw(callId: string): Promise<boolean> {
    const call = this.calls.get(callId);
    if (!call || call.phase !== 'queued' || !call.callerUp) return false;
    call.phase = 'ended';
    this.input('callerHangup', () => this.engine.callerHangup(call.id));
    const stopping = this.stopMedia(call);
    this.finish(call);
    await stopping;
    return true;
  }

  // ---- AcdRuntimeApi ------------------------------------------------------------------------------------------

  legsOfAgent(agentId: number): AcdCallLegs | undefined {
    const l = this.agentLegs.get(agentId);
    return l ? { ...l } : undefined;
  }

  legsOfCall(callId: string): AcdCallLegs | undefined {
    const l = this.callLegs.get(callId);
    return l ? { ...l } : undefined;
  }

  /** Whether the ACD holds this call now (waiting, ringing an agent or connected). */
  holdsCall(callId: string): boolean {
    return this.calls.has(callId);
  }

  onEffect(listener: AcdEffectListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The queue data a call entered with (number, name, IVR/CRM data, priority, skills), while held or recently ended. */
  callData(callId: string): QueueCallInput | undefined {
    const input = this.inputs.get(callId);
    if (!input) return undefined;
    const call = this.calls.get(callId);
    return { ...input, data: { ...input.data }, skills: [...input.skills], ...(call ? { queue: call.queue } : {}) };
  }

  /** For the screen pop (src/acd/live.ts). */
  callInfo(callId: string): { queue?: string; callerNumber?: string; callerName?: string; data?: Record<string, string> } | undefined {
    const input = this.inputs.get(callId);
    if (!input) return undefined;
    return { queue: this.calls.get(callId)?.queue ?? input.queue, callerNumber: input.callerNumber, callerName: input.callerName, data: { ...input.data } };
  }

  /** queue_call_id / agent_id for the CDR of a leg the ACD handled (caller, agent or customer leg). */
  cdrLinkFor(uuid: string): { queue_call_id: string; agent_id: number | null } | undefined {
    return this.links.get(uuid);
  }

  /** The CDR of that leg was queued: its link can go. */
  forgetLink(uuid: string): void {
    this.links.delete(uuid);
  }

  stats(): AcdRuntimeStats {
    let queued = 0;
    let connected = 0;
    for (const c of this.calls.values()) {
      if (c.phase === 'queued') queued++;
      else if (c.phase === 'connected') connected++;
    }
    return {
      queuedCalls: queued,
      connectedCalls: connected,
      ringingLegs: [...this.legs.values()].filter((l) => l.state === 'ringing').length,
      ...this.counters,
    };
  }

  /**
   * Agents the engine holds as reserved or on a call while no live leg of theirs exists: must always be empty once
   * calls have settled. `live` is the set of channel uuids that exist (e.g. from `show channels`).
   */
  stuckAgents(live: ReadonlySet<string>): number[] {
    const stuck: number[] = [];
    for (const a of this.engine.agents()) {
      if (a.state !== 'reserved' && a.state !== 'on_call') continue;
      // Direct calls (transfers, 3-way, outbound) are call control's legs: it ends them in the engine itself, and
      // the engine's watchdog releases a direct reservation that never starts.
      if ((a as { direct?: unknown }).direct) continue;
      const legs = this.agentLegs.get(a.id);
      const ringing = [...this.legs.values()].some((l) => l.agentId === a.id && l.state === 'ringing' && live.has(l.uuid));
      const onCall = legs && ((legs.agentUuid && live.has(legs.agentUuid)) || live.has(legs.callerUuid));
      if (!ringing && !onCall) stuck.push(a.id);
    }
    return stuck;
  }

  /** Stops taking calls; calls still in the ACD are let go (their handoffs resolve). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribers.splice(0)) u();
    this.nailed.close();
    this.engine.stop();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const call of this.calls.values()) {
      call.mediaStop = true;
      call.wake?.();
      call.resolveHandoff?.();
    }
    for (const uuid of [...this.surveyWaits.keys()]) this.endSurveyWait(uuid, false);
    await Promise.allSettled([...this.calls.values()].map((c) => c.media).filter((m): m is Promise<void> => !!m));
  }

  // ---- QueueHandoff ---------------------------------------------------------------------------------------------

  handoff(q: QueuedCall): Promise<void | HandoffResult> {
    if (this.closed) return Promise.resolve();
    const takeover = this.takeovers.get(q.node);
    if (takeover) return takeover.then(() => this.handoff(q));
    this.counters.handoffs++;
    // The caller comes back (a transfer to a queue) while their survey waited for the park: no survey.
    this.endSurveyWait(q.uuid, false);
    return new Promise<void | HandoffResult>((resolve) => {
      const existing = this.calls.get(q.uuid);
      if (existing) {
        this.log.warn('call handed to the ACD twice; ignoring the second handoff', { uuid: q.uuid });
        resolve();
        return;
      }
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(q.variables)) if (typeof v === 'string' && k.length <= 64) data[k] = v.slice(0, 512);
      const call: CallRec = {
        id: q.uuid,
        node: q.node,
        queue: q.queue,
        // The caller's VIP level (profile variables, src/profiles) raises the priority by the queue's mapping.
        priority: priorityWithVip(q.priority, this.queueConfigs.get(q.queue)?.vipPriority, q.variables.profile_vip),
        skills: [...q.skills],
        callerNumber: q.callerNumber,
        callerName: cleanName(q.variables.crm_name ?? q.variables.caller_name),
        data,
        enteredAt: this.options.clock.now(),
        phase: 'queued',
        callerUuid: q.uuid,
        callerUp: true,
        handoff: q,
        resolveHandoff: resolve,
        mediaStop: false,
        mohPlaying: false,
        breakWanted: false,
        prompts: [],
      };
      if (!this.queueConfigs.has(q.queue)) {
        q.note(`queue ${q.queue} does not exist in the ACD`);
        void this.sendAway(call, { kind: 'hangup', cause: 'NORMAL_CLEARING' });
        return;
      }
      this.calls.set(call.id, call);
      this.callByUuid.set(call.id, call.id);
      this.link(call.id, call.id, null);
      this.options.history?.callEntered({
        id: call.id,
        node: call.node,
        queue: call.queue,
        priority: call.priority,
        callerNumber: call.callerNumber,
        callerName: call.callerName ?? null,
        enteredAt: call.enteredAt,
        data: { did: q.did, ...(Object.keys(data).length ? { variables: data } : {}), ...(call.skills.length ? { skills: call.skills } : {}) },
        campaignId: campaignIdOf(data),
      });
      q.note(`queued in ${q.queue}`);
      // Where the call stands in the ACD lives on its channel too: an instance that takes over reads it back
      // (takeover-plan.ts), so the caller keeps their place.
      this.setVars(call.node, call.id, {
        switchboard_queue_call: call.id,
        ...queuePlaceVars(call),
        playback_terminators: 'none',
        hangup_after_bridge: 'true',
      });
      const input: QueueCallInput = {
        id: call.id,
        node: call.node,
        queue: call.queue,
        priority: call.priority,
        skills: call.skills,
        callerNumber: call.callerNumber,
        callerName: call.callerName,
        data,
        enteredAt: call.enteredAt,
      };
      this.remember(input);
      const ok = this.input('enqueue', () => this.engine.enqueue(input));
      if (!ok) {
        void this.sendAway(call, { kind: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE' });
        return;
      }
      // The enqueue may already have sent the call away (no agents logged in) or connected it.
      if (call.phase === 'queued') this.startMedia(call);
    });
  }

  // ---- engine effects -------------------------------------------------------------------------------------------

  private onEngineEffect(effect: AcdEffect): void {
    this.counters.effects++;
    try {
      this.act(effect);
    } catch (err) {
      this.log.error('ACD effect failed', { effect: effect.kind, error: (err as Error).stack ?? String(err) });
    }
    this.record(effect);
    for (const l of this.listeners) {
      try {
        l(effect);
      } catch (err) {
        this.log.error('ACD effect listener failed', { effect: effect.kind, error: (err as Error).message });
      }
    }
  }

  private act(effect: AcdEffect): void {
    if ((effect.kind === 'call_state' && effect.state === 'waiting') || effect.kind === 'offer') this.adopt(effect.callId);
    switch (effect.kind) {
      case 'offer':
        for (const agentId of effect.agentIds) this.ringAgent(effect.offerId, effect.callId, agentId, effect.timeoutSec, 'offer');
        return;
      case 'cancel_offer':
        this.cancelLeg(effect.offerId, effect.agentId, effect.reason);
        return;
      case 'connect':
        this.connect(effect.callId, effect.agentId, effect.offerId);
        return;
      case 'overflow':
        this.overflow(effect.callId, effect.target);
        return;
      case 'announce':
        this.announce(effect.callId, effect.position, effect.ewtSec);
        return;
      case 'dial_callback':
        this.dialCallback(effect.callId, effect.agentId, effect.offerId, effect.number, effect.order);
        return;
      case 'call_state':
        if (effect.state === 'ended') this.callFinished(effect.callId, effect.queue);
        return;
      case 'agent_state':
        this.syncNailedUp(effect.agentId, effect.state);
        return;
    }
  }

  /**
   * The answering agent's wrap-up after a routed call goes onto that call's row (wrap_ms): from on_call to wrap_up
   * on the call they answered, until they leave wrap_up. Direct calls (transfers to them, 3-ways, manual outbound)
   * are not queue calls the agent answered: their wrap-up is not attributed.
   */
  private recordWrapUp(h: AcdHistoryWriter, agentId: number, state: string, previous: string, at: number): void {
    const wrap = this.wrapStarted.get(agentId);
    if (wrap && state !== 'wrap_up') {
      this.wrapStarted.delete(agentId);
      h.callHandling(wrap.callId, { wrapMs: at - wrap.at });
    }
    const answered = this.answeredCall.get(agentId);
    if (answered !== undefined && state !== 'on_call') {
      this.answeredCall.delete(agentId);
      if (state === 'wrap_up' && previous === 'on_call') this.wrapStarted.set(agentId, { callId: answered, at });
    }
  }

  /** History rows from the effects (the runtime's own results are recorded where they happen). */
  private record(effect: AcdEffect): void {
    const h = this.options.history;
    if (!h) return;
    switch (effect.kind) {
      case 'agent_state':
        h.agentState({ agentId: effect.agentId, state: effect.state, previous: effect.previous, reason: effect.reason, version: effect.version, at: effect.at });
        this.recordWrapUp(h, effect.agentId, effect.state, effect.previous, effect.at);
        return;
      case 'offer':
        h.callUpdate(effect.callId, { offeredCountDelta: 1 });
        return;
      case 'dial_callback':
        h.callUpdate(effect.callId, { offeredCountDelta: 1 });
        return;
      case 'overflow':
        h.callUpdate(effect.callId, { outcome: 'overflowed', overflowTarget: overflowTargetText(effect.target), data: { overflow_reason: effect.reason } });
        return;
      case 'call_state': {
        const at = effect.at;
        if (effect.state === 'connected') {
          // The team at answer time: the agent's first team (README "Period reports"); teams change, rows do not.
          const team = effect.agentId !== undefined ? (this.agentConfigs.get(effect.agentId)?.teams[0] ?? null) : null;
          h.callUpdate(effect.callId, { answeredAt: at, agentId: effect.agentId ?? null, waitMs: effect.waitMs ?? null, team });
          if (effect.agentId !== undefined) this.answeredCall.set(effect.agentId, effect.callId);
          return;
        }
        if (effect.state === 'waiting' && effect.outcome === 'callback_requested') {
          h.callUpdate(effect.callId, { outcome: 'callback_requested', data: { callback_requested_at: new Date(at).toISOString() } });
          return;
        }
        if (effect.state === 'waiting') {
          const row = h.callRow(effect.callId);
          if (row && row.queue !== effect.queue) h.callUpdate(effect.callId, { data: { final_queue: effect.queue } });
          return;
        }
        if (effect.state !== 'ended') return;
        const call = this.calls.get(effect.callId);
        // An overflow to another queue or to a callback goes on under the same id: the row is final only when the
        // call really ends.
        const goesOn =
          call !== undefined &&
          ((call.phase === 'queued' && call.queue !== effect.queue) ||
            (call.callback !== undefined && (call.phase === 'leaving' || call.phase === 'callback' || call.phase === 'queued')));
        if (goesOn) return;
        const row = h.callRow(effect.callId);
        const patch: Parameters<AcdHistoryWriter['callUpdate']>[1] = { endedAt: at };
        if (effect.outcome === 'answered') {
          const answeredAt = row?.answered_at ?? at;
          patch.talkMs = Math.max(0, at - answeredAt);
          if (row?.outcome === 'overflowed' || row?.outcome === 'callback_requested') patch.data = { final_outcome: 'answered' };
          else patch.outcome = 'answered';
        } else if (effect.outcome === 'abandoned') {
          if (row?.outcome === 'callback_requested') patch.data = { final_outcome: 'callback_failed' };
          else {
            patch.outcome = row?.outcome === 'overflowed' ? 'overflowed' : 'abandoned';
            if (row?.outcome === 'overflowed') patch.data = { final_outcome: 'abandoned' };
          }
          patch.waitMs = effect.waitMs ?? null;
        } else if (effect.outcome === 'overflowed') {
          patch.outcome = 'overflowed';
          patch.waitMs = effect.waitMs ?? null;
        } else if (effect.outcome) {
          patch.outcome = effect.outcome;
        }
        h.callUpdate(effect.callId, patch, true);
        return;
      }
      default:
        return;
    }
  }

  /**
   * A call the engine holds but the runtime does not: a caller put back into a queue by agent call control (a blind
   * transfer to a queue enqueues it in the engine directly). Known from its earlier entry, it is taken over as is
   * (its music comes from that transfer; its history row stays the first one's).
   */
  private adopt(callId: string): void {
    if (this.calls.has(callId)) return;
    const input = this.inputs.get(callId);
    if (!input) return;
    const call = this.newCallRec({ ...input, enteredAt: this.options.clock.now() }, 'queued');
    call.mediaStop = true;
    const waiting = this.engine.waitingCalls().find((c) => c.id === callId);
    if (waiting) call.queue = waiting.queue;
    this.setVars(call.node, callId, queuePlaceVars(call));
    this.calls.set(callId, call);
    this.callByUuid.set(callId, callId);
    this.link(callId, callId, null);
    this.log.debug('call taken over by the runtime (re-queued outside a handoff)', { callId, queue: call.queue });
  }

  private remember(input: QueueCallInput): void {
    this.inputs.delete(input.id);
    this.inputs.set(input.id, input);
    if (this.inputs.size > 10_000) {
      const oldest = this.inputs.keys().next().value;
      if (oldest !== undefined) this.inputs.delete(oldest);
    }
  }

  // ---- offers ---------------------------------------------------------------------------------------------------

  private ringAgent(offerId: string, callId: string, agentId: number, timeoutSec: number, kind: OfferLeg['kind']): void {
    const call = this.calls.get(callId);
    const agent = this.agentConfigs.get(agentId);
    const now = this.options.clock.now();
    const node = call?.node ?? this.firstNode();
    const leg: OfferLeg = {
      key: key(offerId, agentId),
      offerId,
      callId,
      agentId,
      uuid: randomUUID(),
      node: node ?? '',
      startedAt: now,
      state: 'ringing',
      cancelled: false,
      reported: false,
      kind,
      jobLost: false,
    };
    this.options.history?.offerStarted({ offerId, callId, agentId, queue: call?.queue ?? '', at: now });
    if (!call || !agent || !node) {
      this.legs.set(leg.key, leg);
      this.legFailed(leg, 'error', !agent ? 'agent has no configuration' : 'call unknown to the runtime');
      return;
    }
    const session = kind === 'offer' ? this.nailed.take(agentId, node) : undefined;
    if (session) leg.uuid = session;
    this.legs.set(leg.key, leg);
    this.legByUuid.set(leg.uuid, leg);
    this.link(leg.uuid, callId, agentId);
    if (session) {
      // A nailed-up agent is on the line already: no ringing. The leg gets the offer's variables (its CDR, and a
      // takeover, see which call it is on), and the engine hears the answer at once.
      this.setVars(node, session, { switchboard_queue_call: callId, switchboard_queue: call.queue, switchboard_offer_id: offerId, switchboard_agent_id: agentId });
      this.legAnswered(leg, 'nailed-up');
      return;
    }
    let cmd: FsCommand;
    try {
      cmd = safeOriginate(
        this.options.phones.endpoint(agent.extension, node),
        apps.park(),
        {
          switchboard_queue_call: callId,
          switchboard_queue: call.queue,
          switchboard_offer_id: offerId,
          switchboard_agent_id: agentId,
          // A campaign call (the dialer's handoff data): the agent leg's CDR carries the campaign too.
          ...(call.data.campaign_id && /^[1-9][0-9]{0,9}$/.test(call.data.campaign_id) ? { switchboard_campaign: call.data.campaign_id } : {}),
        },
        {
          originateUuid: leg.uuid,
          timeoutSec: Math.max(1, Math.round(timeoutSec)),
          callerIdNumber: call.callback ? call.callback.number : call.callerNumber,
          callerIdName: call.callerName ?? (call.callback ? 'Callback' : call.callerNumber),
        },
      );
    } catch (err) {
      this.legFailed(leg, 'switch_error', (err as Error).message);
      return;
    }
    this.client(leg.node)
      .bgapi(cmd, { timeoutMs: Math.max(1, timeoutSec) * 1000 + 30_000 })
      .then(
        (job) => {
          if (job.ok) this.legAnswered(leg, 'job');
          else this.legFailed(leg, this.failureOf(agent, causeOfJob(job.body)), job.body.trim());
        },
        (err: unknown) => {
          if (err instanceof EslCommandError) {
            this.legFailed(leg, 'switch_error', err.message);
            return;
          }
          // Disconnected or timed out: the leg may exist on FreeSWITCH. The resync (or its own events) decides.
          leg.jobLost = true;
          this.log.warn('originate reply lost; the leg is checked at the next resync', { uuid: leg.uuid, agentId, error: (err as Error).message });
          if (this.client(leg.node).status === 'ready') void this.resync(leg.node);
        },
      );
  }

  /**
   * The engine's reading of an offer's cause. A phone reported unreachable although it is registered means the
   * service dials it wrongly (SIP_DOMAIN / SIP_PROFILE not those the phones register with): a switch_error.
   */
  private failureOf(agent: AgentConfig | undefined, cause: string | undefined): OfferFailure {
    const failure = offerFailureOf(cause);
    if (failure === 'unreachable' && agent && this.options.registrations?.isRegistered(agent.extension) === true) return 'switch_error';
    return failure;
  }

  private legAnswered(leg: OfferLeg, how: string): void {
    if (leg.state !== 'ringing') return;
    if (leg.cancelled) {
      // The engine ended this offer while the phone rang: the late answer is hung up.
      leg.state = 'ended';
      this.endAgentLeg(leg.node, leg.uuid, 'LOSE_RACE');
      return;
    }
    leg.state = 'answered';
    this.options.dialFaults?.reachedPhone();
    this.log.debug('agent answered', { uuid: leg.uuid, agentId: leg.agentId, offerId: leg.offerId, how });
    if (leg.kind === 'callback_agent') {
      this.callbackAgentAnswered(leg);
      return;
    }
    this.report(leg, 'answered');
    const ok = this.input('offerAnswered', () => this.engine.offerAnswered(leg.offerId, leg.agentId));
    if (!ok && leg.state === 'answered') {
      leg.state = 'ended';
      this.endAgentLeg(leg.node, leg.uuid, 'NORMAL_CLEARING');
    }
  }

  private legFailed(leg: OfferLeg, failure: OfferFailure, detail: string): void {
    if (leg.state !== 'ringing') return;
    leg.state = 'ended';
    this.forgetLeg(leg);
    if (leg.cancelled) {
      this.report(leg, 'cancelled');
      return;
    }
    this.log.debug('offer failed', { uuid: leg.uuid, agentId: leg.agentId, offerId: leg.offerId, failure, detail });
    if (failure === 'switch_error') {
      this.options.dialFaults?.record({ source: 'acd_offer', node: leg.node, cause: causeOfJob(detail) ?? 'config', detail });
    } else if (failure === 'no_answer' || failure === 'rejected' || failure === 'busy') {
      this.options.dialFaults?.reachedPhone();
    } else if (failure === 'unreachable') {
      this.log.info('agent phone not registered: the agent is skipped until it registers', { agentId: leg.agentId, detail });
    }
    this.report(leg, failure === 'agent_logged_out' ? 'cancelled' : failure);
    this.input('offerFailed', () => this.engine.offerFailed(leg.offerId, leg.agentId, failure));
  }

  private report(leg: OfferLeg, result: AcdOfferResult): void {
    if (leg.reported) return;
    leg.reported = true;
    this.options.history?.offerEnded(leg.offerId, leg.agentId, result, this.options.clock.now());
  }

  private cancelLeg(offerId: string, agentId: number, reason: string): void {
    const leg = this.legs.get(key(offerId, agentId));
    if (!leg) {
      this.cancelledOffers.add(key(offerId, agentId));
      if (this.cancelledOffers.size > 10_000) this.cancelledOffers.delete(this.cancelledOffers.values().next().value!);
      return;
    }
    leg.cancelled = true;
    this.report(leg, 'cancelled');
    if (leg.state === 'ringing' || leg.state === 'answered') {
      if (leg.state === 'answered') leg.state = 'ended';
      if (leg.uuid) this.endAgentLeg(leg.node, leg.uuid, cancelCauseOf(reason));
    }
    if (leg.state !== 'ringing') this.forgetLeg(leg);
    // A callback being dialled loses its customer leg too when the engine gives up on it.
    const call = this.calls.get(leg.callId);
    if (leg.kind === 'callback_agent' && call?.callback?.customerUuid && call.phase === 'callback') {
      this.kill(call.node, call.callback.customerUuid, 'ORIGINATOR_CANCEL');
      call.callback.customerUuid = undefined;
    }
  }

  private forgetLeg(leg: OfferLeg): void {
    if (this.legs.get(leg.key) === leg && leg.state !== 'ringing' && leg.state !== 'connected') this.legs.delete(leg.key);
    // An ended leg stays in legByUuid until its CHANNEL_HANGUP_COMPLETE (late events find it ended); bounded.
    if (this.legByUuid.size > MAX_LINKS) {
      for (const [uuid, l] of this.legByUuid) {
        if (this.legByUuid.size <= MAX_LINKS) break;
        if (l.state === 'ended') this.legByUuid.delete(uuid);
      }
    }
  }

  // ---- connect and the end of a call ---------------------------------------------------------------------------

  private connect(callId: string, agentId: number, offerId: string): void {
    const call = this.calls.get(callId);
    const leg = this.legs.get(key(offerId, agentId));
    if (!call || !leg || !call.callerUuid) {
      this.log.warn('connect for a call or leg the runtime does not hold; ending it', { callId, agentId });
      if (leg) this.endAgentLeg(leg.node, leg.uuid, 'NORMAL_TEMPORARY_FAILURE');
      this.input('callEnded', () => this.engine.callEnded(callId));
      return;
    }
    leg.state = 'connected';
    call.phase = 'connected';
    call.agentId = agentId;
    call.agentUuid = leg.uuid;
    call.connectedAt = this.options.clock.now();
    call.mediaStop = true;
    call.wake?.();
    const legs: AcdCallLegs = { node: call.node, callerUuid: call.callerUuid, agentUuid: leg.uuid, queue: call.queue, agentId, connectedAt: call.connectedAt };
    this.agentLegs.set(agentId, legs);
    this.callLegs.set(callId, legs);
    this.link(call.callerUuid, callId, agentId);
    this.link(leg.uuid, callId, agentId);
    call.handoff?.note(`answered by agent ${agentId}`);
    call.bridged = false;
    const csat = this.queueConfigs.get(call.queue)?.csat;
    if (csat?.enabled && call.handoff?.resumable && !call.callback && call.data.csat_optin === '1') {
      // The caller stays on the line when the agent hangs up (FreeSWITCH parks the surviving leg of a uuid_bridge
      // with park_after_bridge), and goes back to the IVR for the survey. Set before the bridge, on the same socket.
      call.survey = csat.flow;
      this.setVars(call.node, call.callerUuid, { hangup_after_bridge: 'false' });
      this.api(call.node, uuidParkAfterBridge(call.callerUuid, true)).catch((err: unknown) =>
        this.log.debug('park_after_bridge failed', { uuid: call.callerUuid, error: (err as Error).message }),
      );
    }
    this.bridge(call, leg);
  }

  /**
   * uuid_bridge of the caller to the agent leg. A refusal ends the call; a reply lost to a disconnect (the command
   * may never have reached FreeSWITCH) leaves `bridged` false, and the resync after the reconnect bridges again.
   */
  private bridge(call: CallRec, leg: OfferLeg): void {
    const callerUuid = call.callerUuid!;
    const current = (): boolean => call.phase === 'connected' && call.agentUuid === leg.uuid;
    this.api(call.node, uuidBridge(callerUuid, leg.uuid)).then(
      (reply) => {
        if (!current()) return;
        if (reply.ok) {
          call.bridged = true;
          // A nailed-up agent hears no ring: a short beep, mixed in without disturbing the bridge, says a call is on.
          if (this.nailed.isSession(leg.uuid)) {
            this.api(call.node, uuidDisplaceStart(leg.uuid, NAILED_UP_BEEP, 1)).catch((err: unknown) =>
              this.log.debug('nailed-up beep failed', { uuid: leg.uuid, error: (err as Error).message }),
            );
          }
          return;
        }
        this.log.warn('uuid_bridge refused; ending the call', { callId: call.id, agentId: leg.agentId, reply: reply.body.trim() });
        this.connectedLegGone(call, 'NORMAL_TEMPORARY_FAILURE');
      },
      (err: unknown) => {
        this.log.warn('uuid_bridge failed; the next resync bridges again', { callId: call.id, error: (err as Error).message });
        if (current() && !call.bridged && this.client(call.node).status === 'ready') void this.resync(call.node);
      },
    );
  }

  /**
   * Either leg of a connected call hung up: the call ends in the engine (the agent goes to wrap-up). Until the
   * uuid_bridge is confirmed nothing on the switch joins the legs (hangup_after_bridge cannot act: the reply may have
   * been lost in a reconnect, or FreeSWITCH refused it), so the leg still up is hung up here, or it would stay parked.
   */
  private connectedLegGone(call: CallRec, cause: HangupCause = 'NORMAL_CLEARING'): void {
    if (call.phase !== 'connected') return;
    if (!call.bridged) {
      if (call.callerUp && call.callerUuid) this.kill(call.node, call.callerUuid, cause);
      const agentLeg = call.agentUuid ? this.legByUuid.get(call.agentUuid) : undefined;
      if (agentLeg && agentLeg.state !== 'ended') this.endAgentLeg(call.node, agentLeg.uuid, cause);
    }
    call.phase = 'ended';
    this.input('callEnded', () => this.engine.callEnded(call.id));
    this.finish(call);
  }

  /** The engine says the call is over (answered and hung up, abandoned, overflowed...). */
  private callFinished(callId: string, queue: string): void {
    const call = this.calls.get(callId);
    if (!call) return;
    if (call.queue !== queue && call.phase === 'queued') return; // overflowed to another queue: goes on there
    if (call.phase === 'leaving') return; // the overflow / callback work finishes it
    if (call.phase === 'callback' && call.callback?.customerUp) {
      // A callback the engine gave up on while the customer is on the line.
      this.kill(call.node, call.callback.customerUuid!, 'NORMAL_CLEARING');
    }
    if (call.phase === 'queued' && call.callerUp && call.callerUuid) {
      // Ended by the engine with the caller still here (e.g. a removed queue): nobody will take them.
      this.kill(call.node, call.callerUuid, 'NORMAL_CLEARING');
    }
    call.phase = 'ended';
    this.finish(call);
  }

  private finish(call: CallRec): void {
    call.mediaStop = true;
    call.wake?.();
    if (this.calls.get(call.id) === call) this.calls.delete(call.id);
    // Its caller is gone (hung up, or left for a callback): nothing can bring this call back to a queue.
    if (!call.callerUp) this.inputs.delete(call.id);
    if (call.callerUuid && this.callByUuid.get(call.callerUuid) === call.id) this.callByUuid.delete(call.callerUuid);
    if (call.callback?.customerUuid) this.callByUuid.delete(call.callback.customerUuid);
    const legs = this.callLegs.get(call.id);
    if (legs) {
      this.callLegs.delete(call.id);
      if (this.agentLegs.get(legs.agentId) === legs) this.agentLegs.delete(legs.agentId);
    }
    for (const leg of [...this.legs.values()]) {
      if (leg.callId !== call.id) continue;
      if (leg.state === 'connected') leg.state = 'ended';
      // A nailed-up leg went back to park with the end of its bridge: it waits for the agent's next call.
      if (leg.state === 'ended') this.nailed.release(leg.uuid);
      this.forgetLeg(leg);
    }
    const resolve = call.resolveHandoff;
    call.resolveHandoff = undefined;
    // Once: finish runs again for the engine's end of the same call.
    const survey = call.survey;
    call.survey = undefined;
    if (survey && call.callerUp && call.bridged && call.agentId !== undefined && call.callerUuid) {
      // The agent hung up first and the caller is parked (park_after_bridge): on to the queue's survey flow, or, with
      // no IVR run to take them (taken over from another instance), hung up as hangup_after_bridge would have.
      if (resolve) {
        const result: HandoffResult = {
          continueWith: {
            flow: survey,
            variables: { switchboard_queue_call: call.id, switchboard_csat_queue: call.queue, switchboard_csat_agent_id: String(call.agentId) },
          },
        };
        const uuid = call.callerUuid;
        const timer = this.options.clock.setTimeout(() => this.endSurveyWait(uuid, false), SURVEY_PARK_WAIT_MS);
        this.surveyWaits.set(uuid, { resolve, result, timer, handoff: call.handoff });
        // Parked already (its CHANNEL_PARK came before the agent's hangup): on to the survey now.
        if (call.parkedAfterBridge) this.endSurveyWait(uuid, true);
        return;
      }
      this.kill(call.node, call.callerUuid, 'NORMAL_CLEARING');
      return;
    }
    resolve?.();
  }

  /** Ends a survey wait: on to the survey (parked) or let go without one (hung up, moved, timed out, stopping). */
  private endSurveyWait(uuid: string, parked: boolean): void {
    const wait = this.surveyWaits.get(uuid);
    if (!wait) return;
    this.surveyWaits.delete(uuid);
    wait.timer.cancel();
    if (parked && wait.result.continueWith) {
      wait.handoff?.note(`after the agent hung up: survey flow ${wait.result.continueWith.flow}`);
      wait.resolve(wait.result);
    } else wait.resolve();
  }

  // ---- FreeSWITCH events ------------------------------------------------------------------------------------------

  /** Feeds one event (subscribed through the cluster; tests may call it directly). */
  handleEvent(node: string, event: EslEvent): void {
    if (this.closed) return;
    const uuid = header(event, 'Unique-ID');
    if (!uuid) return;
    switch (event.name) {
      case 'CHANNEL_PARK': {
        if (this.surveyWaits.has(uuid)) {
          this.endSurveyWait(uuid, true);
          return;
        }
        const surveyed = this.callOfLeg(uuid);
        if (surveyed?.survey && surveyed.phase === 'connected' && surveyed.callerUuid === uuid && surveyed.bridged) surveyed.parkedAfterBridge = true;
        const leg = this.legByUuid.get(uuid);
        if (leg && leg.state === 'ringing' && (header(event, 'Answer-State') ?? 'answered') === 'answered') this.legAnswered(leg, 'park');
        return;
      }
      case 'CHANNEL_BRIDGE': {
        const call = this.callOfLeg(uuid);
        const other = header(event, 'Other-Leg-Unique-ID') ?? header(event, 'Bridge-B-Unique-ID');
        if (call && call.phase === 'connected' && call.callerUuid === uuid && other === call.agentUuid) call.bridged = true;
        return;
      }
      case 'CHANNEL_HANGUP':
        this.nailed.onHangup(uuid);
        this.endSurveyWait(uuid, false);
        this.goneDuringTakeover.get(node)?.add(uuid);
        this.onHangup(node, uuid, header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
        return;
      case 'CHANNEL_HANGUP_COMPLETE': {
        this.goneDuringTakeover.get(node)?.add(uuid);
        this.onHangup(node, uuid, header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
        const leg = this.legByUuid.get(uuid);
        if (leg?.state === 'ended') this.legByUuid.delete(uuid);
        // The caller leg of a call that already ended (it is kept while held: a transfer back to a queue adopts it).
        if (!this.calls.has(uuid)) this.inputs.delete(uuid);
        return;
      }
      case 'DTMF': {
        const callId = this.callByUuid.get(uuid);
        const call = callId ? this.calls.get(callId) : undefined;
        if (call) this.onDtmf(call, header(event, 'DTMF-Digit') ?? '');
        return;
      }
      case 'PLAYBACK_START': {
        const call = this.callOfLeg(uuid);
        if (!call || !call.mohPath || header(event, 'Playback-File-Path') !== call.mohPath) return;
        call.mohPlaying = true;
        if (call.breakWanted) {
          call.breakWanted = false;
          void this.api(call.node, uuidBreak(uuid)).catch(() => undefined);
        }
        return;
      }
      case 'PLAYBACK_STOP': {
        const call = this.callOfLeg(uuid);
        if (call && call.mohPath && header(event, 'Playback-File-Path') === call.mohPath) call.mohPlaying = false;
        return;
      }
    }
  }

  private callOfLeg(uuid: string): CallRec | undefined {
    const id = this.callByUuid.get(uuid);
    return id ? this.calls.get(id) : undefined;
  }

  private onHangup(node: string, uuid: string, cause: string): void {
    const leg = this.legByUuid.get(uuid);
    if (leg && leg.node === node) {
      if (leg.state === 'ringing') {
        this.legFailed(leg, this.failureOf(this.agentConfigs.get(leg.agentId), cause), `hangup ${cause}`);
      } else if (leg.state === 'connected' || leg.state === 'answered') {
        const call = this.calls.get(leg.callId);
        leg.state = 'ended';
        if (call && call.agentUuid === uuid) this.connectedLegGone(call);
        else if (call?.callback && leg.kind === 'callback_agent' && !leg.cancelled) {
          // The agent hung up while the customer was being dialled: stop that dial, another agent gets the callback.
          if (call.callback.customerUuid) this.kill(call.node, call.callback.customerUuid, 'ORIGINATOR_CANCEL');
          call.callback.customerUuid = undefined;
          this.report(leg, 'error');
          this.input('offerFailed', () => this.engine.offerFailed(leg.offerId, leg.agentId, 'error'));
        }
        this.forgetLeg(leg);
      }
    }
    const call = this.callOfLeg(uuid);
    if (!call || call.node !== node) return;
    if (call.callback?.customerUuid === uuid) call.callback.customerUp = false;
    if (call.callerUuid !== uuid) return;
    if (!call.callerUp) return;
    call.callerUp = false;
    call.mediaStop = true;
    call.wake?.();
    switch (call.phase) {
      case 'queued':
        // Abandoned while waiting or while an agent was being rung (the engine records the wait).
        call.phase = 'ended';
        this.input('callerHangup', () => this.engine.callerHangup(call.id));
        this.finish(call);
        return;
      case 'connected':
        this.connectedLegGone(call);
        return;
      case 'callback':
        if (call.callback?.customerUuid === uuid) {
          // The customer of a callback hung up before an agent took them.
          call.phase = 'ended';
          this.input('callerHangup', () => this.engine.callerHangup(call.id));
          this.finish(call);
        }
        return;
      default:
        return;
    }
  }

  private onDtmf(call: CallRec, digit: string): void {
    if (call.phase !== 'queued' || call.callback || !call.handoff) return;
    const cfg = this.queueConfigs.get(call.queue);
    if (!cfg?.callbackKey || digit !== cfg.callbackKey || !this.canCallBack(call.callerNumber)) return;
    // Set before the input: the engine may dial the callback at once (an agent is free).
    call.callback = { number: call.callerNumber, customerUp: false, order: cfg.callbackConnect };
    call.phase = 'leaving';
    const ok = this.input('requestCallback', () => this.engine.requestCallback(call.id, call.callerNumber));
    if (!ok) {
      call.callback = undefined;
      if (call.phase === 'leaving') call.phase = 'queued';
      return;
    }
    call.handoff.note('callback requested');
    this.leaveForCallback(call);
  }

  /** The caller hears the confirmation and is hung up; the engine keeps the call's place until its dial_callback. */
  private leaveForCallback(call: CallRec): void {
    const callerUuid = call.callerUuid;
    void this.confirmAndHangUp(call, this.prompts.callbackConfirmed).then(() => {
      if (call.callerUuid === callerUuid) {
        if (callerUuid) this.callByUuid.delete(callerUuid);
        call.callerUuid = undefined;
        call.callerUp = false;
      }
      if (call.phase === 'leaving') call.phase = 'callback';
      call.resolveHandoff?.();
      call.resolveHandoff = undefined;
    });
  }

  private canCallBack(number: string): boolean {
    if (!this.options.callbackGateway) return false;
    try {
      phoneNumber(number);
      return true;
    } catch {
      return false;
    }
  }

  // ---- music on hold and announcements ------------------------------------------------------------------------------

  private startMedia(call: CallRec): void {
    const cfg = this.queueConfigs.get(call.queue);
    try {
      call.mohPath = mohPath(cfg?.mohSound ?? 'local_stream://moh');
    } catch {
      call.mohPath = mohPath('local_stream://moh');
    }
    call.mediaStop = false;
    call.breakWanted = false;
    call.media ??= this.mediaLoop(call).finally(() => {
      call.media = undefined;
    });
  }

  /** Music on hold until the call leaves the queue; announcements in between. Never rejects. */
  private async mediaLoop(call: CallRec): Promise<void> {
    const uuid = call.callerUuid!;
    let first = true;
    // A call taken over may still hear the previous instance's music: stop it before ours starts.
    let needBreak = call.takenOver === true;
    while (!call.mediaStop && call.callerUp && call.callerUuid === uuid && !this.closed) {
      const client = this.client(call.node);
      if (client.status !== 'ready') {
        needBreak = true;
        await this.sleep(call, MEDIA_RETRY_MS);
        continue;
      }
      if (needBreak) {
        // After a reconnect the music may still play on the switch: stop it before starting a new one.
        needBreak = false;
        await this.api(call.node, uuidBreak(uuid, true)).catch(() => undefined);
        continue;
      }
      const prompt = call.prompts.shift();
      const inv = prompt ?? (first ? apps.answer() : apps.playback(call.mohPath!));
      first = false;
      const started = this.options.clock.now();
      try {
        await this.race(call, client.execute(uuid, inv, { timeoutMs: prompt ? 120_000 : MAX_EXEC_MS }));
      } catch (err) {
        if (err instanceof ChannelHungUpError || (err instanceof EslCommandError && /invalid session id/i.test(err.replyText))) return;
        needBreak = true;
        await this.sleep(call, MEDIA_RETRY_MS);
        continue;
      }
      // Music that ends by itself at once (a missing stream) must not spin.
      if (!prompt && inv.app === 'playback' && this.options.clock.now() - started < 200 && !call.prompts.length && !call.mediaStop) {
        await this.sleep(call, 1000);
      }
    }
  }

  /** Waits for `p` or for a stop of the media loop (whichever comes first). */
  private race<T>(call: CallRec, p: Promise<T>): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve, reject) => {
      const wake = (): void => {
        if (call.mediaStop) resolve(undefined);
      };
      call.wake = wake;
      p.then(resolve, reject).finally(() => {
        if (call.wake === wake) call.wake = undefined;
      });
    });
  }

  private sleep(call: CallRec, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = this.options.clock.setTimeout(() => {
        if (call.wake === wake) call.wake = undefined;
        resolve();
      }, ms);
      const wake = (): void => {
        t.cancel();
        if (call.wake === wake) call.wake = undefined;
        resolve();
      };
      call.wake = wake;
    });
  }

  /** Stops the music so something else can play: at once if it is playing, else as soon as it starts. */
  private breakMusic(call: CallRec): void {
    if (!call.callerUuid) return;
    if (call.mohPlaying) {
      void this.api(call.node, uuidBreak(call.callerUuid)).catch(() => undefined);
    } else {
      call.breakWanted = true;
    }
  }

  /** Ends the media loop and waits (capped) until nothing of ours plays on the channel. */
  private async stopMedia(call: CallRec): Promise<void> {
    call.mediaStop = true;
    call.prompts.length = 0;
    const loop = call.media;
    if (!loop) return;
    this.breakMusic(call);
    call.wake?.();
    let cap: { cancel(): void } | undefined;
    await Promise.race([loop, new Promise<void>((r) => (cap = this.options.clock.setTimeout(r, 5_000)))]);
    cap?.cancel();
    // The loop stopped waiting; the music itself stops with the break (or at once if it had not started).
    if (call.mohPlaying && call.callerUuid) await this.api(call.node, uuidBreak(call.callerUuid)).catch(() => undefined);
  }

  private announce(callId: string, position: number, ewtSec: number | null): void {
    const call = this.calls.get(callId);
    if (!call || call.phase !== 'queued' || !call.callerUp || !call.media) return;
    const cfg = this.queueConfigs.get(call.queue);
    let list: AppInvocation[];
    try {
      list = announcement(this.prompts, {
        position: cfg?.announcePosition === false ? null : position,
        ewtSec,
        callbackKey: cfg?.callbackKey && this.canCallBack(call.callerNumber) ? cfg.callbackKey : null,
      });
    } catch (err) {
      this.log.warn('announcement could not be built', { callId, error: (err as Error).message });
      return;
    }
    if (!list.length || call.prompts.length) return;
    call.prompts.push(...list);
    this.breakMusic(call);
  }

  // ---- leaving the queue ------------------------------------------------------------------------------------------

  private overflow(callId: string, target: OverflowTarget): void {
    const call = this.calls.get(callId);
    if (!call) return;
    call.handoff?.note(`overflow to ${overflowTargetText(target)}`);
    if (target.kind === 'queue' && this.queueConfigs.has(target.queue) && call.callerUp && !call.callback) {
      const from = call.queue;
      call.queue = target.queue;
      call.enteredAt = this.options.clock.now();
      this.setVars(call.node, call.id, queuePlaceVars(call));
      const ok = this.input('enqueue', () =>
        this.engine.enqueue({
          id: call.id,
          node: call.node,
          queue: target.queue,
          priority: call.priority,
          skills: call.skills,
          callerNumber: call.callerNumber,
          callerName: call.callerName,
          data: { ...call.data, overflow_from: from },
        }),
      );
      if (!ok) void this.sendAway(call, { kind: 'hangup', cause: 'NORMAL_CLEARING' });
      return;
    }
    if (target.kind === 'callback' && call.callerUp && !call.callback && this.canCallBack(call.callerNumber)) {
      const cfg = this.queueConfigs.get(call.queue);
      call.callback = { number: call.callerNumber, customerUp: false, order: cfg?.callbackConnect ?? 'agent_first' };
      call.phase = 'leaving';
      const ok = this.input('enqueue', () =>
        this.engine.enqueue({
          id: call.id,
          node: call.node,
          queue: call.queue,
          priority: call.priority,
          skills: call.skills,
          callerNumber: call.callerNumber,
          callerName: call.callerName,
          data: call.data,
          callback: { number: call.callerNumber },
        }),
      );
      if (!ok) {
        call.callback = undefined;
        void this.sendAway(call, { kind: 'hangup', cause: 'NORMAL_CLEARING' });
        return;
      }
      this.options.history?.callUpdate(call.id, { outcome: 'callback_requested' });
      this.leaveForCallback(call);
      return;
    }
    void this.sendAway(call, target.kind === 'queue' || target.kind === 'callback' ? { kind: 'hangup', cause: 'NORMAL_CLEARING' } : target);
  }

  /** Voicemail or hangup: the call leaves the ACD for good. */
  private async sendAway(call: CallRec, target: Extract<OverflowTarget, { kind: 'voicemail' | 'hangup' }>): Promise<void> {
    call.phase = 'leaving';
    try {
      await this.stopMedia(call);
      if (call.callerUp && call.handoff) {
        if (target.kind === 'voicemail') {
          await call.handoff.voicemail(target.box);
          await call.handoff.hangup('NORMAL_CLEARING');
        } else {
          await call.handoff.hangup(asCause(target.cause));
        }
      } else if (call.callerUp && call.callerUuid) {
        this.kill(call.node, call.callerUuid, target.kind === 'hangup' ? asCause(target.cause) : 'NORMAL_CLEARING');
      }
    } catch (err) {
      if (!(err instanceof ChannelHungUpError)) this.log.warn('sending the caller away failed', { callId: call.id, error: (err as Error).message });
      if (call.callerUp && call.callerUuid) this.kill(call.node, call.callerUuid, 'NORMAL_CLEARING');
    } finally {
      call.phase = 'ended';
      this.finish(call);
    }
  }

  private async confirmAndHangUp(call: CallRec, prompt: readonly string[]): Promise<void> {
    const uuid = call.callerUuid;
    try {
      await this.stopMedia(call);
      if (call.callerUp && call.handoff && uuid) {
        for (const inv of promptApps(prompt)) await this.client(call.node).execute(uuid, inv, { timeoutMs: 60_000 });
        await call.handoff.hangup('NORMAL_CLEARING');
      } else if (call.callerUp && call.callerUuid) {
        this.kill(call.node, call.callerUuid, 'NORMAL_CLEARING');
      }
    } catch (err) {
      if (!(err instanceof ChannelHungUpError)) this.log.warn('callback confirmation failed', { callId: call.id, error: (err as Error).message });
      if (call.callerUp && call.callerUuid) this.kill(call.node, call.callerUuid, 'NORMAL_CLEARING');
    }
  }

  // ---- callbacks --------------------------------------------------------------------------------------------------

  private dialCallback(callId: string, agentId: number, offerId: string, number: string, order: 'agent_first' | 'customer_first'): void {
    const call = this.calls.get(callId);
    if (!call || !call.callback) {
      this.log.warn('dial_callback for a call the runtime does not hold', { callId });
      this.input('offerFailed', () => this.engine.offerFailed(offerId, agentId, 'error'));
      return;
    }
    call.callback.number = number;
    call.callback.order = order;
    const cfg = this.queueConfigs.get(call.queue);
    const timeoutSec = cfg?.offerTimeoutSec ?? 20;
    if (order === 'agent_first' || call.callback.customerUp) {
      // Agent first (or the customer is already on the line, waiting for the next agent): ring the agent.
      this.ringAgent(offerId, callId, agentId, timeoutSec, call.callback.customerUp ? 'offer' : 'callback_agent');
      return;
    }
    // Customer first: the agent is rung once the customer answered (and waits on music until then).
    if (call.callback.customerUuid) return; // already being dialled for an earlier offer: that dial rings the agent
    call.callback.customerUuid = randomUUID();
    void this.dialCustomer(call, timeoutSec, true).then((up) => {
      if (!up || this.cancelledOffers.has(key(offerId, agentId))) return;
      this.ringAgent(offerId, callId, agentId, timeoutSec, 'offer');
    });
  }

  private callbackAgentAnswered(leg: OfferLeg): void {
    const call = this.calls.get(leg.callId);
    if (!call || !call.callback) {
      this.kill(leg.node, leg.uuid, 'NORMAL_CLEARING');
      return;
    }
    const cfg = this.queueConfigs.get(call.queue);
    call.callback.customerUuid = randomUUID();
    void this.dialCustomer(call, cfg?.offerTimeoutSec ?? 20, false).then((up) => {
      if (!up || leg.state !== 'answered') return;
      leg.kind = 'offer';
      this.report(leg, 'answered');
      const ok = this.input('offerAnswered', () => this.engine.offerAnswered(leg.offerId, leg.agentId));
      if (!ok) this.kill(leg.node, leg.uuid, 'NORMAL_CLEARING');
    });
  }

  /** Originates the customer leg of a callback; resolves true once it answered (and the call is theirs). */
  private async dialCustomer(call: CallRec, timeoutSec: number, withMusic: boolean): Promise<boolean> {
    const cb = call.callback!;
    const uuid = cb.customerUuid!;
    this.callByUuid.set(uuid, call.id);
    this.link(uuid, call.id, null);
    let cmd: FsCommand;
    try {
      cmd = safeOriginate(
        dialGateway(this.options.callbackGateway ?? '', cb.number),
        apps.park(),
        { switchboard_queue_call: call.id, switchboard_queue: call.queue, switchboard_callback: 'true' },
        { originateUuid: uuid, timeoutSec: Math.max(1, timeoutSec), callerIdNumber: this.options.callbackCallerId },
      );
    } catch (err) {
      this.callbackFailed(call, (err as Error).message);
      return false;
    }
    let ok = false;
    let detail = '';
    try {
      const job = await this.client(call.node).bgapi(cmd, { timeoutMs: timeoutSec * 1000 + 30_000 });
      ok = job.ok;
      detail = job.body.trim();
    } catch (err) {
      detail = (err as Error).message;
    }
    if (call.phase === 'ended' || cb.customerUuid !== uuid || this.closed) {
      if (ok) this.kill(call.node, uuid, 'NORMAL_CLEARING');
      return false;
    }
    if (!ok) {
      this.callbackFailed(call, detail);
      return false;
    }
    cb.customerUp = true;
    // The customer is now the call's leg: music on hold until the agent is there, hangup = abandon.
    call.callerUuid = uuid;
    call.callerUp = true;
    call.phase = 'queued';
    this.setVars(call.node, uuid, { playback_terminators: 'none', hangup_after_bridge: 'true' });
    if (withMusic) this.startMedia(call);
    return true;
  }

  /** The customer of a callback could not be reached: the request is dropped (recorded, agent released). */
  private callbackFailed(call: CallRec, detail: string): void {
    if (call.phase === 'ended') return;
    this.log.info('callback could not reach the customer; dropping the request', { callId: call.id, detail });
    this.options.history?.callUpdate(call.id, { data: { callback_result: detail.slice(0, 200) || 'failed' } });
    for (const leg of this.legs.values()) {
      if (leg.callId === call.id && (leg.state === 'ringing' || leg.state === 'answered')) {
        leg.cancelled = true;
        leg.state = 'ended';
        this.kill(leg.node, leg.uuid, 'NORMAL_CLEARING');
      }
    }
    call.phase = 'ended';
    this.input('callerHangup', () => this.engine.callerHangup(call.id));
    this.finish(call);
  }

  // ---- reconnects -------------------------------------------------------------------------------------------------

  private onStatus(node: string, status: string, epoch: number): void {
    if (status !== 'ready') return;
    const previous = this.epochs.get(node);
    this.epochs.set(node, epoch);
    if (previous === undefined) this.startTakeover(node);
    else if (previous !== epoch) void this.resync(node);
  }

  // ---- taking over calls that run without us ------------------------------------------------------------------------

  /**
   * The first connection to a node: calls the ACD put there before this instance ran (another instance that died, or
   * this one before a restart) are taken over, see takeover-plan.ts. Handoffs on that node wait until it is done,
   * so a new caller never gets an agent who is still talking on an adopted call.
   */
  private startTakeover(node: string): void {
    const done = this.takeOver(node)
      .catch((err: unknown) => {
        this.log.error('taking over the calls on the node failed', { node, error: (err as Error).stack ?? String(err) });
      })
      .finally(() => {
        if (this.takeovers.get(node) === done) this.takeovers.delete(node);
        this.goneDuringTakeover.delete(node);
      });
    this.takeovers.set(node, done);
  }

  /** Resolves once every takeover in flight is done (tests, the service's promotion). */
  async takeoversSettled(): Promise<void> {
    while (this.takeovers.size) await Promise.allSettled([...this.takeovers.values()]);
  }

  private async takeOver(node: string): Promise<void> {
    const gone = new Set<string>();
    this.goneDuringTakeover.set(node, gone);
    const reply = await this.api(node, showChannelsJson());
    const uuids: string[] = [];
    try {
      const parsed = JSON.parse(reply.body) as { rows?: Array<Record<string, unknown>> };
      for (const row of parsed.rows ?? []) if (typeof row.uuid === 'string') uuids.push(row.uuid);
    } catch {
      throw new Error(`show channels answered something else than json: ${reply.body.slice(0, 200)}`);
    }
    // Open queue calls of this node with no live channel: calls the previous instance held that ended while nobody
    // watched, and callback requests it kept in memory (their callers hung up after asking).
    const orphans = (await this.options.history?.findOrphans(node, new Set(uuids))) ?? [];
    const dumps: EslEvent[] = [];
    // A few dumps at a time: a node with hundreds of channels must not get hundreds of commands at once.
    for (let i = 0; i < uuids.length; i += TAKEOVER_DUMPS_IN_FLIGHT) {
      const batch = uuids.slice(i, i + TAKEOVER_DUMPS_IN_FLIGHT);
      const replies = await Promise.allSettled(batch.map((u) => this.api(node, uuidDumpJson(u))));
      for (const r of replies) {
        if (r.status !== 'fulfilled' || !r.value.ok) continue; // gone meanwhile
        const ev = decodeJsonEvent(r.value.body);
        if (ev) dumps.push(ev);
      }
    }
    const now = this.options.clock.now();
    const plan = planTakeover(dumps, now);
    const ids = [...plan.waiting.map((c) => c.uuid), ...plan.connected.map((c) => c.uuid)];
    const rows = ids.length && this.options.history ? await this.options.history.adoptCalls(ids) : new Map<string, { data: Record<string, unknown> }>();
    let waiting = 0;
    let connected = 0;
    // Connected calls first: their agents are busy before anything waiting can be offered to them.
    for (const c of plan.connected) {
      if (gone.has(c.uuid) || gone.has(c.agentUuid) || this.calls.has(c.uuid)) continue;
      this.adoptConnection(node, c, dataOf(rows.get(c.uuid)?.data));
      connected++;
    }
    const callbacks = await this.adoptCallbackRequests(node, orphans, plan.callbacks, gone);
    for (const c of plan.waiting) {
      if (gone.has(c.uuid) || this.calls.has(c.uuid)) continue;
      if (this.adoptWaiting(node, c, dataOf(rows.get(c.uuid)?.data))) waiting++;
    }
    callbacks.startQueued();
    // The other orphans' history rows are closed once the CDRs that mod_xml_cdr retries had time to arrive (they say
    // whether the caller had been bridged).
    const ended = orphans.filter((id) => !callbacks.ids.has(id));
    if (ended.length) {
      const timer = this.options.clock.setTimeout(() => {
        this.timers.delete(timer);
        void this.options.history
          ?.closeOrphans(ended, this.options.clock.now())
          .then((closed) => this.log.info('closed the queue calls that ended while no instance was connected', { node, calls: closed }))
          .catch((err: unknown) => this.log.warn('closing the queue calls that ended unseen failed', { node, error: (err as Error).message }));
      }, ORPHAN_CLOSE_DELAY_MS);
      this.timers.add(timer);
    }
    for (const uuid of plan.strayAgentLegs) if (!gone.has(uuid)) this.kill(node, uuid, 'NORMAL_CLEARING');
    for (const sess of plan.sessions) if (!gone.has(sess.uuid)) this.nailed.adopt(sess.agentId, sess.uuid, node, sess.busy);
    for (const agent of this.agentConfigs.values()) this.syncNailedUp(agent.id);
    // Always: recordings and supervision sessions of the old instance may need closing even with no channel left.
    // Awaited: the takeover (and the instance's activation) is done once those are this instance's too.
    await this.options.onTakeover?.(node, dumps.filter((d) => !gone.has(header(d, 'Unique-ID') ?? '')));
    if (!uuids.length && !callbacks.ids.size) return;
    this.counters.takeovers++;
    this.log.info('took over the calls already on the node', {
      node,
      channels: uuids.length,
      waiting,
      connected,
      callbackRequests: callbacks.ids.size,
      strayAgentLegsHungUp: plan.strayAgentLegs.length,
    });
  }

  /**
   * Callback requests the previous instance kept in memory: their row is open with outcome `callback_requested` and no
   * caller channel (the caller hung up after the confirmation). Each goes back into its queue with its original entry
   * time and priority, as a callback, so it keeps its place. If the customer was being dialled back at that moment
   * (`callbackLegs`, from the plan): talking to the agent, the call is adopted as connected; answered and waiting
   * for an agent, the customer waits in the queue again (an agent is rung as for any callback whose customer is on
   * the line); still ringing, that dial is hung up (its reply went with the old instance) and the request waits to
   * be dialled again. Returns the ids taken over, and startQueued() for the customers' music once the waiting
   * callers are in.
   */
  private async adoptCallbackRequests(
    node: string,
    orphans: readonly string[],
    callbackLegs: readonly AdoptedCallbackLeg[],
    gone: ReadonlySet<string>,
  ): Promise<{ ids: Set<string>; startQueued: () => void }> {
    const ids = new Set<string>();
    const queued: CallRec[] = [];
    const result = { ids, startQueued: () => queued.forEach((c) => c.phase === 'queued' && this.startMedia(c)) };
    const history = this.options.history;
    if (!orphans.length || !history) return result;
    const legOf = new Map(callbackLegs.filter((l) => !gone.has(l.customerUuid)).map((l) => [l.callId, l]));
    const rows = await history.adoptCalls(orphans.filter((id) => !this.calls.has(id)));
    for (const row of [...rows.values()].sort((a, b) => a.entered_at - b.entered_at)) {
      if (row.outcome !== 'callback_requested' || row.ended_at !== null) continue;
      const cfg = this.queueConfigs.get(row.queue);
      const leg = legOf.get(row.id);
      if (!cfg || this.calls.has(row.id)) continue;
      // Skills the IVR asked for were on the caller's channel, which is gone: the queue's own apply.
      const request: AdoptedCaller = {
        uuid: row.id,
        queue: row.queue,
        priority: row.priority,
        enteredAt: row.entered_at,
        skills: [],
        callerNumber: row.caller_number,
        ...(row.caller_name ? { callerName: row.caller_name } : {}),
      };
      const input: QueueCallInput = { ...this.inputOf(node, request, dataOf(row.data)), callback: { number: row.caller_number } };
      const order = cfg.callbackConnect;
      if (leg?.agent && !gone.has(leg.agent.agentUuid)) {
        // The connection's caller side is the customer leg; the call stays the request's.
        const c: AdoptedConnection = { ...request, uuid: leg.customerUuid, ...leg.agent };
        this.adoptConnection(node, c, input.data, { input, callback: { number: row.caller_number, customerUuid: leg.customerUuid, customerUp: true, order } });
        ids.add(row.id);
        continue;
      }
      if (row.answered_at !== null || (!leg?.answered && !this.canCallBack(row.caller_number))) continue;
      const call = this.newCallRec(input, 'callback');
      call.takenOver = true;
      call.callerUp = false;
      call.mediaStop = true;
      call.callback = { number: row.caller_number, customerUp: false, order };
      if (leg?.answered) {
        // The customer is on the line, on music: the call's leg now, as after dialCustomer.
        call.callback.customerUuid = leg.customerUuid;
        call.callback.customerUp = true;
        call.callerUuid = leg.customerUuid;
        call.callerUp = true;
        call.mediaStop = false;
        call.phase = 'queued';
        this.callByUuid.set(leg.customerUuid, call.id);
        this.link(leg.customerUuid, call.id, null);
      } else if (leg) {
        this.kill(node, leg.customerUuid, 'ORIGINATOR_CANCEL');
      }
      this.calls.set(call.id, call);
      this.remember(input);
      if (!this.input('enqueue', () => this.engine.enqueue(input))) {
        call.phase = 'ended';
        this.finish(call);
        if (leg?.answered) this.kill(node, leg.customerUuid, 'NORMAL_TEMPORARY_FAILURE');
        continue;
      }
      if (call.phase === 'queued') queued.push(call);
      ids.add(row.id);
    }
    return result;
  }

  private inputOf(node: string, c: AdoptedCaller, data: Record<string, string>): QueueCallInput {
    return {
      id: c.uuid,
      node,
      queue: c.queue,
      priority: c.priority,
      skills: c.skills,
      callerNumber: c.callerNumber,
      ...(c.callerName ? { callerName: c.callerName } : {}),
      data,
      enteredAt: c.enteredAt,
    };
  }

  /** A caller still on hold: back in its queue with its original entry time; its music restarts from here. */
  private adoptWaiting(node: string, c: AdoptedCaller, data: Record<string, string>): boolean {
    if (!this.queueConfigs.has(c.queue)) {
      this.log.warn('a caller waits in a queue that no longer exists; hanging up', { uuid: c.uuid, queue: c.queue });
      this.kill(node, c.uuid, 'NORMAL_CLEARING');
      return false;
    }
    const input = this.inputOf(node, c, data);
    const call = this.newCallRec(input, 'queued');
    call.takenOver = true;
    this.calls.set(call.id, call);
    this.callByUuid.set(call.id, call.id);
    this.link(call.id, call.id, null);
    this.remember(input);
    this.options.history?.callEntered({ id: call.id, node, queue: call.queue, priority: call.priority, callerNumber: call.callerNumber, callerName: call.callerName ?? null, enteredAt: c.enteredAt, data: {} });
    if (!this.input('enqueue', () => this.engine.enqueue(input))) {
      this.finish(call);
      this.kill(node, c.uuid, 'NORMAL_TEMPORARY_FAILURE');
      return false;
    }
    if (call.phase === 'queued') this.startMedia(call);
    return true;
  }

  /**
   * A caller talking to an agent: the agent stays on the call, and its end brings the CDR links and the wrap-up.
   * `asCallback`: the customer leg of a callback request (`c.uuid`) talking to the agent; the call is the request's.
   */
  private adoptConnection(node: string, c: AdoptedConnection, data: Record<string, string>, asCallback?: { input: QueueCallInput; callback: NonNullable<CallRec['callback']> }): void {
    const input = asCallback?.input ?? this.inputOf(node, c, data);
    const call = this.newCallRec(input, 'connected');
    call.takenOver = true;
    if (asCallback) {
      call.callback = asCallback.callback;
      call.callerUuid = c.uuid;
    }
    call.agentId = c.agentId;
    call.agentUuid = c.agentUuid;
    call.connectedAt = c.connectedAt;
    call.bridged = true;
    call.mediaStop = true;
    const offerId = `takeover-${c.uuid}`;
    const leg: OfferLeg = {
      key: key(offerId, c.agentId),
      offerId,
      callId: call.id,
      agentId: c.agentId,
      uuid: c.agentUuid,
      node,
      startedAt: c.connectedAt,
      state: 'connected',
      cancelled: false,
      reported: true,
      kind: 'offer',
      jobLost: false,
    };
    this.legs.set(leg.key, leg);
    this.legByUuid.set(leg.uuid, leg);
    this.calls.set(call.id, call);
    this.callByUuid.set(c.uuid, call.id);
    const legs: AcdCallLegs = { node, callerUuid: c.uuid, agentUuid: c.agentUuid, queue: call.queue, agentId: c.agentId, connectedAt: c.connectedAt };
    this.agentLegs.set(c.agentId, legs);
    this.callLegs.set(call.id, legs);
    this.link(c.uuid, call.id, c.agentId);
    this.link(c.agentUuid, call.id, c.agentId);
    this.remember(input);
    this.options.history?.callEntered({ id: call.id, node, queue: call.queue, priority: call.priority, callerNumber: call.callerNumber, callerName: call.callerName ?? null, enteredAt: c.enteredAt, data: {} });
    // Refused (the agent was logged out or deleted meanwhile): the call still ends with its links; no wrap-up.
    this.input('adoptConnected', () => this.engine.adoptConnected(input, c.agentId, c.connectedAt));
  }

  private newCallRec(input: QueueCallInput, phase: CallPhase): CallRec {
    return {
      id: input.id,
      node: input.node,
      queue: input.queue,
      priority: input.priority,
      skills: [...input.skills],
      callerNumber: input.callerNumber,
      callerName: input.callerName,
      data: { ...input.data },
      enteredAt: input.enteredAt ?? this.options.clock.now(),
      phase,
      callerUuid: input.id,
      callerUp: true,
      mediaStop: false,
      mohPlaying: false,
      breakWanted: false,
      prompts: [],
    };
  }

  /**
   * What survived on a node after its connection came back, or after its event queue dropped events: legs FreeSWITCH no longer has end their calls and
   * offers in the engine; an agent leg whose originate reply was lost is taken as answered if it is up, else failed.
   */
  async resync(node: string): Promise<void> {
    this.counters.resyncs++;
    let reply: ApiReply;
    try {
      reply = await this.client(node).api(showChannelsJson(), { timeoutMs: this.commandMs });
    } catch (err) {
      this.log.warn('resync: show channels failed', { node, error: (err as Error).message });
      return;
    }
    const live = new Map<string, string>();
    try {
      const parsed = JSON.parse(reply.body) as { rows?: Array<Record<string, unknown>> };
      for (const row of parsed.rows ?? []) {
        if (typeof row.uuid === 'string') live.set(row.uuid, String(row.callstate ?? ''));
      }
    } catch {
      this.log.warn('resync: show channels answered something else than json', { node, body: reply.body.slice(0, 200) });
      return;
    }
    this.nailed.keepOnly(node, new Set(live.keys()));
    let ended = 0;
    for (const leg of [...this.legByUuid.values()]) {
      if (leg.node !== node || leg.state === 'ended') continue;
      const state = live.get(leg.uuid);
      if (state === undefined) {
        // A ringing leg whose originate reply still comes reports itself; the others are gone.
        if (leg.state === 'ringing' && !leg.jobLost) continue;
        ended++;
        if (leg.state === 'ringing') this.legFailed(leg, 'error', 'lost in a reconnect');
        else this.onHangup(node, leg.uuid, 'NORMAL_CLEARING');
        continue;
      }
      if (leg.state === 'ringing' && leg.jobLost && (state === 'ACTIVE' || state === 'HELD')) this.legAnswered(leg, 'resync');
    }
    // Offers whose originate reply was lost and that never made a channel.
    for (const leg of [...this.legs.values()]) {
      if (leg.node === node && leg.state === 'ringing' && leg.jobLost && !live.has(leg.uuid)) this.legFailed(leg, 'error', 'lost in a reconnect');
    }
    for (const call of [...this.calls.values()]) {
      if (call.node !== node) continue;
      if (call.callerUp && call.callerUuid && !live.has(call.callerUuid)) {
        ended++;
        this.onHangup(node, call.callerUuid, 'NORMAL_CLEARING');
      } else if (call.callback?.customerUp && call.callback.customerUuid && !live.has(call.callback.customerUuid)) {
        this.onHangup(node, call.callback.customerUuid, 'NORMAL_CLEARING');
      }
    }
    // Connected calls whose uuid_bridge reply was lost: bridge them unless FreeSWITCH did it before the drop.
    for (const call of [...this.calls.values()]) {
      if (call.node !== node || call.phase !== 'connected' || call.bridged || !call.callerUuid || !call.agentUuid) continue;
      if (!live.has(call.callerUuid) || !live.has(call.agentUuid)) continue;
      const leg = this.legByUuid.get(call.agentUuid);
      if (!leg) continue;
      const agentUuid = call.agentUuid;
      void this.api(node, uuidGetVar(call.callerUuid, 'bridge_uuid')).then(
        (reply) => {
          if (call.phase !== 'connected' || call.agentUuid !== agentUuid || call.bridged) return;
          if (reply.ok && reply.body.trim() === agentUuid) call.bridged = true;
          else this.bridge(call, leg);
        },
        () => undefined,
      );
    }
    this.log.info('ACD resynchronised with the node', { node, channels: live.size, ended });
  }

  // ---- configuration ------------------------------------------------------------------------------------------------

  private applyConfig(config: { queues: QueueConfig[]; agents: AgentConfig[] }): void {
    try {
      this.engine.configure(config.queues, config.agents);
      this.queueConfigs = new Map(config.queues.map((q) => [q.name, q]));
      this.agentConfigs = new Map(config.agents.map((a) => [a.id, a]));
      this.syncPhoneReachability();
      for (const agent of this.agentConfigs.values()) this.syncNailedUp(agent.id);
    } catch (err) {
      this.log.error('ACD configuration refused by the engine; keeping the previous one', { error: (err as Error).message });
    }
  }

  // ---- nailed-up sessions -----------------------------------------------------------------------------------------

  /**
   * An agent logged in to a queue with nailedUp has a session while logged in; logging out (or no such queue left)
   * ends it. Dialled when the agent is free (not while a call rings or talks on their phone), on the first node.
   */
  private syncNailedUp(agentId: number, state?: string): void {
    const agent = this.agentConfigs.get(agentId);
    // engine.agent, not a search of engine.agents(): this runs for every agent at each configuration and takeover.
    const now = state ?? this.engine.agent(agentId)?.state;
    const wanted = !!agent && now !== undefined && now !== 'logged_out' && agent.queues.some((q) => this.queueConfigs.get(q.queue)?.nailedUp === true);
    if (!wanted) {
      if (this.nailed.sessionOf(agentId)) this.nailed.stop(agentId);
      return;
    }
    if (now !== 'available' && now !== 'not_ready') return;
    const node = this.firstNode();
    if (!node || this.client(node).status !== 'ready' || this.takeovers.has(node)) return;
    let endpoint: DialString;
    try {
      endpoint = this.options.phones.endpoint(agent.extension, node);
    } catch (err) {
      this.log.debug('nailed-up session: phone not dialable yet', { agentId, error: (err as Error).message });
      return;
    }
    this.nailed.ensure(agentId, endpoint, node, { switchboard_agent_id: String(agentId) });
  }

  isNailedUpLeg(uuid: string): boolean {
    return this.nailed.isSession(uuid);
  }

  /**
   * Call control moved the caller of a nailed-up agent elsewhere (a transfer) and parked the agent's leg: the call
   * ends for that agent here (wrap-up) and the session waits for the next one. False when `uuid` is no session on a
   * connected call.
   */
  releaseNailedUpLeg(uuid: string): boolean {
    if (!this.nailed.isSession(uuid)) return false;
    const leg = this.legByUuid.get(uuid);
    const call = leg ? this.calls.get(leg.callId) : undefined;
    this.nailed.release(uuid);
    if (!leg || !call || call.agentUuid !== uuid || call.phase !== 'connected') return false;
    leg.state = 'ended';
    // Nothing to hang up: the caller is someone else's now, and the agent's leg stays in park.
    call.bridged = true;
    this.connectedLegGone(call);
    this.forgetLeg(leg);
    return true;
  }

  /** The agents' nailed-up sessions (for the live API and tests). */
  nailedUpSessions(): NailedUpSession[] {
    return this.nailed.list();
  }

  /**
   * An agent leg the ACD is done with: hung up, unless it is a nailed-up session, which stays: if it was bridged, the
   * end of the bridge parks it (park_after_bridge); if not, it never left park.
   */
  private endAgentLeg(node: string, uuid: string, cause: HangupCause): void {
    if (this.nailed.isSession(uuid)) {
      this.nailed.release(uuid);
      return;
    }
    this.kill(node, uuid, cause);
  }

  // ---- plumbing ---------------------------------------------------------------------------------------------------

  /** Runs an engine input; false (logged) when the engine refused it. */
  private input(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      this.log.warn('ACD engine refused an input', { input: what, error: (err as Error).message });
      return false;
    }
  }

  private client(node: string): EslClient {
    return this.options.cluster.client(node);
  }

  private firstNode(): string | undefined {
    return this.epochs.keys().next().value;
  }

  private api(node: string, cmd: FsCommand): Promise<ApiReply> {
    try {
      return this.client(node).api(cmd, { timeoutMs: this.commandMs });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private kill(node: string, uuid: string, cause: HangupCause): void {
    this.api(node, uuidKill(uuid, cause)).catch((err: unknown) => this.log.debug('uuid_kill failed', { uuid, error: (err as Error).message }));
  }

  private setVars(node: string, uuid: string, vars: Record<string, VarValue>): void {
    this.api(node, uuidSetVarMulti(uuid, vars)).catch((err: unknown) => this.log.debug('uuid_setvar_multi failed', { uuid, error: (err as Error).message }));
  }

  private link(uuid: string, callId: string, agentId: number | null): void {
    this.links.delete(uuid);
    this.links.set(uuid, { queue_call_id: callId, agent_id: agentId });
    if (this.links.size > MAX_LINKS) {
      const oldest = this.links.keys().next().value;
      if (oldest !== undefined) this.links.delete(oldest);
    }
  }
}

/** originate with the caller id options, or without the ones the builder refuses (odd caller numbers or names). */
function safeOriginate(endpoint: DialString, target: AppInvocation, vars: Record<string, VarValue>, opts: OriginateOptions): FsCommand {
  try {
    return originate(endpoint, target, vars, opts);
  } catch {
    const { callerIdName: _n, callerIdNumber: _c, ...rest } = opts;
    return originate(endpoint, target, vars, rest);
  }
}

/** A caller name fit for a caller id: letters, digits, space and . _ - ' only, at most 80 characters. */
function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const cleaned = name.replace(/[^\p{L}\p{N} ._'-]/gu, '').replace(/\s+/g, ' ').trim().slice(0, 80);
  return cleaned || undefined;
}

function asCause(cause: string): HangupCause {
  return (/^[A-Z_]+$/.test(cause) ? cause : 'NORMAL_CLEARING') as HangupCause;
}
