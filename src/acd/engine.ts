/**
 * The ACD's pure routing engine (see ./contract.ts): queues, agents and their state machine, strategies, priorities,
 * skill relaxation, overflow, offers, callbacks, announcements and live figures. No I/O: inputs are method calls,
 * outputs are AcdEffect values given to the listener in order, time is the injected Clock.
 *
 * Routing is event-driven and happens inside the input that made a match possible:
 * - a call becomes routable (enqueue, relaxation step, its offer failed): it gets the best eligible available agent
 *   of its queue by the queue's strategy;
 * - an agent becomes offerable (login, ready, wrap-up end, reject/busy delay end, offer ended): it takes the first
 *   call, over all the queues it serves, in routing order (priority, then enteredAt) it is eligible for, and that
 *   call picks among all its eligible agents by its strategy (normally just this one: see the invariant below);
 * - several agents free at once (ring_all losers, configure): the calls of their queues are taken in routing order
 *   and each gets the best eligible agent, until none of the freed agents is left.
 * Invariant after every input: no waiting call has an offerable agent eligible for it. That is why one new agent or
 * one new call only needs to look at its own side.
 *
 * Rules worth knowing (see also ./state-machine.ts for commands that become pending):
 * - An offer ends by answer, failure, caller hangup, callback request, agent logout, removal, or the engine's own
 *   timer (offerTimeoutSec + OFFER_GRACE_MS; a dial_callback gets 2 * offerTimeoutSec + grace): a lost report is
 *   treated as no_answer and the agent gets a cancel_offer. Late reports of an ended offer: an answer gets a
 *   cancel_offer (hang that leg up), a failure is ignored.
 * - After a failed offer the agent goes, by precedence: logged_out (reason agent_logged_out, or a pending logout),
 *   not_ready 'no_answer' (no_answer/error made the streak reach maxNoAnswer), not_ready (pending reason), else
 *   available; rejected waits rejectDelaySec, busy and error wait busyDelaySec, no_answer waits noAnswerDelaySec,
 *   switch_error waits SWITCH_ERROR_RETRY_SEC before being offered again. unreachable and switch_error never count
 *   toward the streak; unreachable marks the phone unreachable: the agent keeps its state but is not offered calls
 *   until setPhoneReachable(true). The streak resets on an answer and on setReady/login. The call tries other agents
 *   before the ones that already failed it.
 * - Max wait applies when maxWaitSec > 0 and overflow is set; a call being offered at that moment overflows only if
 *   the offer fails. Callback requests never overflow and get no announcements (the caller is gone).
 * - noAgents: a call entering a queue with no agent logged in overflows at once (call_state ended/overflowed, it
 *   never waits); when the last agent of a queue logs out (or is removed), its waiting calls (not callbacks) overflow.
 * - configure(): agents and queues are matched by id / name. A removed agent that is idle is logged out and forgotten;
 *   reserved: the offer is cancelled; on a call or in wrap-up: it finishes normally (no new offers) and is forgotten
 *   when its wrap-up ends. A removed queue overflows its waiting calls (reason no_agents, to its overflow target, else
 *   its noAgents target, else hangup NORMAL_CLEARING); connected calls finish normally. A changed queue applies to its
 *   waiting calls at once (skills, relaxation, max wait re-armed from their enteredAt). Memberships naming an unknown
 *   queue are ignored.
 * - callsHandled and talkMs count since login (fewest_calls, least_talk_time), direct calls included.
 * - Direct calls (reserveDirectCall / startDirectCall / endDirectCall: transfers to an agent, a 3-way's third agent,
 *   manual outbound calls) live on the agent only, never in the queues: they emit agent_state only (no call_state,
 *   no service level, no handle-time sample), and their id may equal a queue call's (a transferred caller). The agent
 *   is reserved while its phone rings (a watchdog of timeoutSec + OFFER_GRACE_MS ends a reservation never started or
 *   ended), on_call while talking (talk time from the start), then wrap-up: the given queue's wrapUpSec if that queue
 *   still exists, else directWrapUpSec[kind] (default 0). A reservation that ends unanswered releases the agent like
 *   an offer that ended (pending state, else available; no streak, no delay). Outbound calls may start from
 *   not_ready: the not-ready (same reason) becomes pending. A removed agent reserved for or on a direct call finishes
 *   it like an ACD call.
 * - Effects of one input come in this order where they apply: cancel_offer, connect, call_state, agent_state, then
 *   new offers. A listener may call back into the engine; that input runs after the current one's effects are given.
 */
import type { Clock, ClockTimer } from '../clock/clock';
import type {
  AcdEffect,
  AcdEffectListener,
  AcdEngineApi,
  AgentConfig,
  AgentSnapshot,
  AgentState,
  DirectCallKind,
  OfferFailure,
  OverflowTarget,
  QueueCallInput,
  QueueConfig,
  QueueSnapshot,
  RoutingStrategy,
} from './contract';
import { AcdStateError } from './errors';
import { HandleTimeEstimator, estimateWaitSec } from './ewt';
import { QueueLine, routingOrder } from './queue-line';
import { QueueStats } from './queue-stats';
import { assertTransition, checkCommand } from './state-machine';
import { STRATEGIES, type StrategyContext } from './strategies';

export const OFFER_GRACE_MS = 3_000;
export const DEFAULT_SERVICE_WINDOW_MS = 3_600_000;
/** Ring time of a direct call's reservation when the edge gives none. */
export const DEFAULT_DIRECT_RING_SEC = 60;
const DIRECT_KINDS: readonly DirectCallKind[] = ['transfer', 'outbound', 'conference'];
const ENDED_OFFERS_KEPT = 10_000;
/**
 * After a switch_error the agent waits this long before the next offer: the fault is FreeSWITCH's (not counted
 * against the agent), but offering the same agent again at once would spin while the switch stays misconfigured.
 */
export const SWITCH_ERROR_RETRY_SEC = 5;
const AGENT_STATES: readonly AgentState[] = ['logged_out', 'available', 'not_ready', 'reserved', 'on_call', 'wrap_up'];

export interface AcdEngineOptions {
  clock: Clock;
  onEffect: AcdEffectListener;
  /** In [0, 1) for the random strategy; seed it in tests. Default Math.random. */
  random?: () => number;
  /** Window of the service level and abandon rate (default 1 h). */
  serviceWindowMs?: number;
  /** Called when the listener throws (default: the error is rethrown from the input once every effect was given). */
  onListenerError?: (err: unknown, effect: AcdEffect) => void;
  /** Wrap-up after a direct call with no (or no longer a) queue, by kind (default 0 s for every kind). */
  directWrapUpSec?: Partial<Record<DirectCallKind, number>>;
}

/** AgentSnapshot plus what the engine adds (optional, beyond the contract). */
export interface AcdAgentSnapshot extends AgentSnapshot {
  /** A command waiting for the current offer / call / wrap-up to end. */
  pending?: { state: 'not_ready' | 'logged_out'; reason: string };
  /** Not offered calls before this time (reject/busy delay). */
  delayedUntil?: number;
  /** Removed by configure(), finishing its call. */
  removed?: boolean;
}

interface QueueRec {
  name: string;
  config: QueueConfig;
  steps: Array<{ afterMs: number; minProficiency: number | null }>;
  line: QueueLine<CallRec>;
  members: AgentRec[];
  /** Members available and not in a delay. */
  offerable: Set<AgentRec>;
  /** Members not logged out. */
  loggedIn: number;
  rrLast: number;
  stats: QueueStats;
  handle: HandleTimeEstimator;
  removed: boolean;
}

interface Membership {
  queue: QueueRec;
  tier: number;
  order: number;
}

interface AgentRec {
  id: number;
  config: AgentConfig;
  state: AgentState;
  reason?: string;
  version: number;
  since: number;
  memberships: Map<string, Membership>;
  offer?: OfferRec;
  call?: CallRec;
  lastCallId?: string;
  callsHandled: number;
  talkMs: number;
  noAnswerStreak: number;
  idleSince: number;
  busySince: number;
  delayUntil: number;
  delayTimer?: ClockTimer;
  wrapTimer?: ClockTimer;
  /** Queue of the call being wrapped up (its handle time goes there). */
  wrapQueue?: QueueRec;
  /** While wrapping up: when it ends, and the name of the call's queue (routed or direct), for the agent's screen. */
  wrapUntil?: number;
  wrapQueueName?: string;
  pending?: { state: 'not_ready' | 'logged_out'; reason: string };
  /** A call the engine did not route (reserved: ringing; on_call: talking). */
  direct?: DirectRec;
  removed: boolean;
  offerable: boolean;
  /** The phone is not registered (an unreachable offer or an unregister): skipped until it registers. */
  phoneUnreachable: boolean;
  /** Read by strategies (= config.skills). */
  skills: Record<string, number>;
}

interface CallRec {
  id: string;
  input: QueueCallInput;
  queue: QueueRec;
  priority: number;
  enteredAt: number;
  seq: number;
  state: 'waiting' | 'offering' | 'connected';
  skills: string[];
  minProficiency: number | null;
  relaxTimer?: ClockTimer;
  overflowTimer?: ClockTimer;
  announceTimer?: ClockTimer;
  overflowDue: boolean;
  offer?: OfferRec;
  agent?: AgentRec;
  connectedAt?: number;
  callback?: { number: string };
  tried: Set<number>;
  attempts: number;
}

interface DirectRec {
  id: string;
  kind: DirectCallKind;
  queue?: string;
  /** When the agent started talking (undefined while reserved). */
  startedAt?: number;
  /** Ends a reservation that is never started or ended. */
  timer?: ClockTimer;
}

interface OfferRec {
  id: string;
  call: CallRec;
  agents: Set<AgentRec>;
  kind: 'offer' | 'callback';
  timer?: ClockTimer;
}

export class AcdEngine implements AcdEngineApi {
  private readonly clock: Clock;
  private readonly listener: AcdEffectListener;
  private readonly random: () => number;
  private readonly serviceWindowMs: number;
  private readonly onListenerError?: (err: unknown, effect: AcdEffect) => void;
  private readonly directWrapUpSec: Partial<Record<DirectCallKind, number>>;

  private readonly queueMap = new Map<string, QueueRec>();
  private readonly agentMap = new Map<number, AgentRec>();
  /** Calls waiting, being offered or connected. */
  private readonly calls = new Map<string, CallRec>();
  private readonly offers = new Map<string, OfferRec>();
  /** offerId -> callId of recently ended offers (late reports). */
  private readonly endedOffers = new Map<string, string>();

  private readonly pendingEffects: AcdEffect[] = [];
  private depth = 0;
  private flushing = false;
  /** Queues whose last agent logged out during the current input. */
  private readonly emptied = new Set<QueueRec>();
  private seq = 0;
  private routingPaused = false;
  private offerSeq = 0;
  private readonly offerPrefix: string;

  constructor(opts: AcdEngineOptions) {
    this.clock = opts.clock;
    this.listener = opts.onEffect;
    this.random = opts.random ?? Math.random;
    this.serviceWindowMs = opts.serviceWindowMs ?? DEFAULT_SERVICE_WINDOW_MS;
    this.onListenerError = opts.onListenerError;
    this.directWrapUpSec = { ...opts.directWrapUpSec };
    for (const [kind, sec] of Object.entries(this.directWrapUpSec)) {
      if (typeof sec !== 'number' || !Number.isFinite(sec) || sec < 0) throw new AcdStateError('invalid_config', `directWrapUpSec.${kind} must be a number >= 0`);
    }
    this.offerPrefix = `of-${this.clock.now().toString(36)}-`;
  }

  // ---------------------------------------------------------------- configuration

  configure(queues: QueueConfig[], agents: AgentConfig[]): void {
    validateConfig(queues, agents);
    this.run(() => {
      // No offers while the indexes are half rebuilt; routeEverything() routes once they are whole.
      this.routingPaused = true;
      const freed: AgentRec[] = [];
      const hadAgents = new Map<QueueRec, number>();
      for (const q of this.queueMap.values()) hadAgents.set(q, q.loggedIn);

      // Queues: update in place, add new, remove gone.
      const wantedQueues = new Set(queues.map((q) => q.name));
      for (const cfg of queues) {
        const existing = this.queueMap.get(cfg.name);
        if (existing) {
          existing.config = cfg;
          existing.steps = relaxationSteps(cfg);
        } else {
          this.queueMap.set(cfg.name, {
            name: cfg.name,
            config: cfg,
            steps: relaxationSteps(cfg),
            line: new QueueLine<CallRec>(),
            members: [],
            offerable: new Set(),
            loggedIn: 0,
            rrLast: -1,
            stats: new QueueStats(),
            handle: new HandleTimeEstimator(),
            removed: false,
          });
        }
      }
      for (const q of [...this.queueMap.values()]) {
        if (wantedQueues.has(q.name)) continue;
        q.removed = true;
        this.queueMap.delete(q.name);
        const target: OverflowTarget = q.config.overflow ?? q.config.noAgents ?? { kind: 'hangup', cause: 'NORMAL_CLEARING' };
        for (const call of [...q.line.values()]) this.overflowCall(call, 'no_agents', target, freed);
      }

      // Agents: update in place, add new, remove gone.
      const wantedAgents = new Set(agents.map((a) => a.id));
      for (const cfg of agents) {
        const existing = this.agentMap.get(cfg.id);
        if (existing && !existing.removed) {
          existing.config = cfg;
          existing.skills = cfg.skills;
        } else if (existing) {
          // Removed earlier and still finishing a call: it comes back with the new configuration.
          existing.removed = false;
          existing.config = cfg;
          existing.skills = cfg.skills;
          if (existing.pending?.reason === 'removed') existing.pending = undefined;
        } else {
          this.agentMap.set(cfg.id, newAgent(cfg, this.clock.now()));
        }
      }
      for (const agent of [...this.agentMap.values()]) {
        if (wantedAgents.has(agent.id) || agent.removed) continue;
        this.removeAgent(agent, freed);
      }

      // Memberships and indexes, rebuilt from scratch.
      for (const q of this.queueMap.values()) {
        q.members = [];
        q.offerable.clear();
        q.loggedIn = 0;
      }
      for (const agent of this.agentMap.values()) {
        agent.memberships.clear();
        if (agent.removed) continue;
        for (const m of agent.config.queues) {
          const q = this.queueMap.get(m.queue);
          if (!q || agent.memberships.has(q.name)) continue;
          agent.memberships.set(q.name, { queue: q, tier: m.tier, order: q.members.length });
          q.members.push(agent);
          if (agent.state !== 'logged_out') q.loggedIn++;
          if (agent.offerable) q.offerable.add(agent);
        }
      }
      for (const [q, before] of hadAgents) if (!q.removed && before > 0 && q.loggedIn === 0) this.emptied.add(q);

      // Waiting calls of changed queues follow the new rules.
      for (const q of this.queueMap.values()) {
        for (const call of q.line.values()) {
          call.skills = requiredSkills(q.config, call.input);
          this.armCallTimers(call);
        }
      }

      this.routingPaused = false;
      this.routeEverything(freed);
    });
  }

  // ---------------------------------------------------------------- calls

  enqueue(input: QueueCallInput): void {
    const queue = this.queueMap.get(input.queue);
    if (!queue) throw new AcdStateError('unknown_queue', `no queue ${input.queue}`, { queue: input.queue, callId: input.id });
    if (typeof input.id !== 'string' || input.id === '') throw new AcdStateError('invalid_input', 'a queue call needs an id');
    if (this.calls.has(input.id)) throw new AcdStateError('duplicate_call', `call ${input.id} is already in the ACD`, { callId: input.id });
    if (!Number.isFinite(input.priority)) throw new AcdStateError('invalid_input', `call ${input.id}: priority must be a number`, { callId: input.id });
    this.run(() => {
      const now = this.clock.now();
      if (queue.loggedIn === 0 && queue.config.noAgents && !input.callback) {
        this.emit({ kind: 'overflow', callId: input.id, target: queue.config.noAgents, reason: 'no_agents' });
        this.emit({ kind: 'call_state', callId: input.id, queue: queue.name, state: 'ended', outcome: 'overflowed', waitMs: 0, at: now });
        return;
      }
      const call: CallRec = {
        id: input.id,
        input,
        queue,
        priority: input.priority,
        enteredAt: input.enteredAt ?? now,
        seq: this.seq++,
        state: 'waiting',
        skills: requiredSkills(queue.config, input),
        minProficiency: queue.config.minProficiency,
        overflowDue: false,
        callback: input.callback ? { number: input.callback.number } : undefined,
        tried: new Set(),
        attempts: 0,
      };
      this.calls.set(call.id, call);
      queue.line.insert(call);
      this.emit({ kind: 'call_state', callId: call.id, queue: queue.name, state: 'waiting', at: now });
      this.armCallTimers(call);
      this.routeCall(call);
    });
  }

  callerHangup(callId: string): void {
    const call = this.requireCall(callId);
    if (call.state === 'connected') {
      this.callEnded(callId);
      return;
    }
    this.run(() => {
      const freed: AgentRec[] = [];
      if (call.offer) this.cancelOffer(call.offer, 'caller_hangup', freed);
      const now = this.clock.now();
      const waitMs = now - call.enteredAt;
      // A callback's caller is already gone: cancelling it is not an abandon.
      if (!call.callback) call.queue.stats.recordAbandoned(now);
      this.dropCall(call);
      this.emit({ kind: 'call_state', callId, queue: call.queue.name, state: 'ended', outcome: 'abandoned', waitMs, at: now });
      this.routeAgents(freed);
    });
  }

  requestCallback(callId: string, number: string): void {
    const call = this.requireCall(callId);
    if (call.state === 'connected') throw new AcdStateError('invalid_transition', `call ${callId} is already connected`, { callId });
    if (call.callback) throw new AcdStateError('invalid_transition', `call ${callId} is already a callback request`, { callId });
    if (typeof number !== 'string' || number.trim() === '') throw new AcdStateError('invalid_input', `call ${callId}: callback number is empty`, { callId });
    this.run(() => {
      const freed: AgentRec[] = [];
      if (call.offer) this.cancelOffer(call.offer, 'callback_requested', freed);
      call.callback = { number };
      call.overflowDue = false;
      call.overflowTimer?.cancel();
      call.overflowTimer = undefined;
      call.announceTimer?.cancel();
      call.announceTimer = undefined;
      this.emit({ kind: 'call_state', callId, queue: call.queue.name, state: 'waiting', outcome: 'callback_requested', at: this.clock.now() });
      this.routeCall(call);
      this.routeAgents(freed);
    });
  }

  callEnded(callId: string): void {
    const call = this.requireCall(callId);
    if (call.state !== 'connected') {
      throw new AcdStateError('invalid_transition', `call ${callId} is ${call.state}, not connected (use callerHangup)`, { callId });
    }
    this.run(() => {
      const now = this.clock.now();
      const agent = call.agent!;
      this.dropCall(call);
      this.emit({
        kind: 'call_state',
        callId,
        queue: call.queue.name,
        state: 'ended',
        outcome: 'answered',
        agentId: agent.id,
        waitMs: call.connectedAt! - call.enteredAt,
        at: now,
      });
      agent.call = undefined;
      agent.lastCallId = callId;
      agent.callsHandled++;
      agent.talkMs += now - call.connectedAt!;
      this.startWrapUp(agent, call.queue.config.wrapUpSec, call.queue);
    });
  }

  stop(): void {
    for (const agent of this.agentMap.values()) {
      agent.delayTimer?.cancel();
      agent.wrapTimer?.cancel();
      agent.direct?.timer?.cancel();
    }
    for (const call of this.calls.values()) this.clearCallTimers(call);
    for (const offer of this.offers.values()) offer.timer?.cancel();
  }

  adoptConnected(input: QueueCallInput, agentId: number, connectedAt: number): void {
    const queue = this.queueMap.get(input.queue);
    if (!queue) throw new AcdStateError('unknown_queue', `no queue ${input.queue}`, { queue: input.queue, callId: input.id });
    if (this.calls.has(input.id)) throw new AcdStateError('duplicate_call', `call ${input.id} is already in the ACD`, { callId: input.id });
    const agent = this.requireAgent(agentId);
    // A reserved or busy agent has another call in this engine: two calls on one agent would be a lie.
    if (agent.state !== 'available' && agent.state !== 'not_ready') {
      throw new AcdStateError('invalid_transition', `agent ${agentId} is ${agent.state}: cannot take over a connected call`, { callId: input.id, agentId });
    }
    this.run(() => {
      const enteredAt = Math.min(input.enteredAt ?? connectedAt, connectedAt);
      const call: CallRec = {
        id: input.id,
        input,
        queue,
        priority: input.priority,
        enteredAt,
        seq: this.seq++,
        state: 'connected',
        skills: requiredSkills(queue.config, input),
        minProficiency: queue.config.minProficiency,
        overflowDue: false,
        tried: new Set([agentId]),
        attempts: 1,
        agent,
        connectedAt,
      };
      this.calls.set(call.id, call);
      agent.pending = undefined;
      agent.call = call;
      agent.busySince = connectedAt;
      this.emit({ kind: 'call_state', callId: call.id, queue: queue.name, state: 'connected', agentId, waitMs: connectedAt - enteredAt, at: connectedAt });
      this.setState(agent, 'on_call');
    });
  }

  // ---------------------------------------------------------------- agents

  login(agentId: number): void {
    const agent = this.requireAgent(agentId);
    checkCommand(agentId, 'login', agent.state);
    this.run(() => {
      const now = this.clock.now();
      agent.callsHandled = 0;
      agent.talkMs = 0;
      agent.noAnswerStreak = 0;
      agent.idleSince = now;
      agent.pending = undefined;
      this.setState(agent, 'available');
      this.routeAgent(agent);
    });
  }

  logout(agentId: number, reason?: string): void {
    const agent = this.requireAgent(agentId);
    const effect = checkCommand(agentId, 'logout', agent.state);
    this.run(() => {
      if (effect === 'pending') {
        agent.pending = { state: 'logged_out', reason: reason ?? 'logout' };
        return;
      }
      const freed: AgentRec[] = [];
      if (agent.offer) {
        // The offer is cancelled (cancel_offer) and the call offered again; releaseAfterOffer applies the logout.
        agent.pending = { state: 'logged_out', reason: reason ?? 'logout' };
        this.withdrawAgent(agent.offer, agent, 'agent_logged_out', freed);
      } else {
        if (agent.state === 'wrap_up' && agent.wrapQueue) agent.wrapQueue.handle.record(this.clock.now() - agent.busySince);
        agent.wrapQueue = undefined;
        this.endWrapTimer(agent);
        this.dropDirect(agent);
        agent.pending = undefined;
        this.setState(agent, 'logged_out', reason ?? 'logout');
      }
      this.routeAgents(freed);
    });
  }

  setReady(agentId: number): void {
    const agent = this.requireAgent(agentId);
    checkCommand(agentId, 'setReady', agent.state);
    this.run(() => {
      agent.noAnswerStreak = 0;
      if (agent.state === 'wrap_up') {
        agent.pending = undefined;
        this.finishWrapUp(agent);
        return;
      }
      agent.idleSince = this.clock.now();
      this.setState(agent, 'available');
      this.routeAgent(agent);
    });
  }

  setNotReady(agentId: number, reason: string): void {
    const agent = this.requireAgent(agentId);
    if (typeof reason !== 'string' || reason.trim() === '') throw new AcdStateError('invalid_input', `agent ${agentId}: a not-ready reason code is required`, { agentId });
    const effect = checkCommand(agentId, 'setNotReady', agent.state);
    if (agent.state === 'not_ready' && agent.reason === reason) {
      throw new AcdStateError('invalid_transition', `agent ${agentId} is already not_ready (${reason})`, { agentId, state: agent.state });
    }
    this.run(() => {
      if (effect === 'pending') {
        // A pending logout wins over a later not-ready.
        if (agent.pending?.state !== 'logged_out') agent.pending = { state: 'not_ready', reason };
        return;
      }
      this.setState(agent, 'not_ready', reason);
    });
  }

  endWrapUp(agentId: number): void {
    const agent = this.requireAgent(agentId);
    checkCommand(agentId, 'endWrapUp', agent.state);
    this.run(() => this.finishWrapUp(agent));
  }

  setPhoneReachable(agentId: number, reachable: boolean): void {
    const agent = this.requireAgent(agentId);
    if (agent.phoneUnreachable === !reachable) return;
    this.run(() => {
      agent.phoneUnreachable = !reachable;
      this.refreshOfferable(agent);
      // A registration is not a state change: no agent_state effect, but the agent may take a waiting call now.
      if (reachable) this.routeAgent(agent);
    });
  }

  // ---------------------------------------------------------------- direct calls

  reserveDirectCall(agentId: number, callId: string, kind: DirectCallKind, opts: { queue?: string; timeoutSec?: number } = {}): void {
    const agent = this.requireAgent(agentId);
    this.checkDirectInput(agentId, callId, kind, opts.queue);
    const timeoutSec = opts.timeoutSec ?? DEFAULT_DIRECT_RING_SEC;
    if (typeof timeoutSec !== 'number' || !Number.isFinite(timeoutSec) || timeoutSec < 0) {
      throw new AcdStateError('invalid_input', `agent ${agentId}: timeoutSec must be a number >= 0`, { agentId, callId });
    }
    checkCommand(agentId, 'reserveDirectCall', agent.state);
    this.checkNotReadyDirect(agent, kind);
    this.run(() => {
      const direct: DirectRec = { id: callId, kind };
      if (opts.queue !== undefined) direct.queue = opts.queue;
      this.takeDirect(agent, direct);
      this.setState(agent, 'reserved');
      direct.timer = this.clock.setTimeout(
        () =>
          this.run(() => {
            direct.timer = undefined;
            if (agent.direct === direct && direct.startedAt === undefined) this.releaseDirect(agent);
          }),
        timeoutSec * 1000 + OFFER_GRACE_MS,
      );
    });
  }

  startDirectCall(agentId: number, callId: string, kind: DirectCallKind, queue?: string): void {
    const agent = this.requireAgent(agentId);
    this.checkDirectInput(agentId, callId, kind, queue);
    checkCommand(agentId, 'startDirectCall', agent.state);
    if (agent.state === 'reserved') {
      const d = agent.direct;
      if (!d || d.id !== callId) {
        const what = d ? `direct call ${d.id}` : `an ACD offer of ${agent.offer?.call.id ?? 'a call'}`;
        throw new AcdStateError('invalid_transition', `agent ${agentId} is reserved for ${what}, not ${callId}`, { agentId, callId, state: agent.state });
      }
      if (d.kind !== kind) throw new AcdStateError('invalid_input', `agent ${agentId}: direct call ${callId} was reserved as ${d.kind}, not ${kind}`, { agentId, callId });
    } else {
      this.checkNotReadyDirect(agent, kind);
    }
    this.run(() => {
      const now = this.clock.now();
      let direct = agent.direct;
      if (direct) {
        direct.timer?.cancel();
        direct.timer = undefined;
      } else {
        direct = { id: callId, kind };
        this.takeDirect(agent, direct);
      }
      if (queue !== undefined) direct.queue = queue;
      direct.startedAt = now;
      agent.busySince = now;
      this.setState(agent, 'on_call');
    });
  }

  endDirectCall(agentId: number, callId: string): void {
    const agent = this.requireAgent(agentId);
    const direct = agent.direct;
    if (!direct || direct.id !== callId) throw new AcdStateError('unknown_call', `agent ${agentId} has no direct call ${callId}`, { agentId, callId });
    checkCommand(agentId, 'endDirectCall', agent.state);
    this.run(() => {
      if (direct.startedAt === undefined) {
        this.releaseDirect(agent);
        return;
      }
      const now = this.clock.now();
      agent.direct = undefined;
      agent.lastCallId = callId;
      agent.callsHandled++;
      agent.talkMs += now - direct.startedAt;
      const queue = direct.queue !== undefined ? this.queueMap.get(direct.queue) : undefined;
      // Not a queue call: its time is no handle-time sample of the queue (EWT stays about routed calls).
      this.startWrapUp(agent, queue ? queue.config.wrapUpSec : (this.directWrapUpSec[direct.kind] ?? 0), undefined, direct.queue);
    });
  }

  private checkDirectInput(agentId: number, callId: string, kind: DirectCallKind, queue: string | undefined): void {
    if (typeof callId !== 'string' || callId === '') throw new AcdStateError('invalid_input', `agent ${agentId}: a direct call needs an id`, { agentId });
    if (!DIRECT_KINDS.includes(kind)) throw new AcdStateError('invalid_input', `agent ${agentId}: unknown direct call kind ${String(kind)}`, { agentId, callId });
    if (queue !== undefined && !this.queueMap.has(queue)) throw new AcdStateError('unknown_queue', `no queue ${queue}`, { agentId, callId, queue });
  }

  /** Only outbound calls start from not_ready. */
  private checkNotReadyDirect(agent: AgentRec, kind: DirectCallKind): void {
    if (agent.state === 'not_ready' && kind !== 'outbound') {
      throw new AcdStateError('invalid_transition', `agent ${agent.id} is not_ready: only an outbound call may start from not_ready, not a ${kind} call`, {
        agentId: agent.id,
        state: agent.state,
      });
    }
  }

  /** The agent (available or not_ready) takes a direct call; a not-ready comes back after it. */
  private takeDirect(agent: AgentRec, direct: DirectRec): void {
    if (agent.state === 'not_ready') agent.pending = { state: 'not_ready', reason: agent.reason ?? 'not_ready' };
    agent.direct = direct;
  }

  /** A direct call's reservation ends unanswered (endDirectCall, watchdog): the agent goes back as after an offer. */
  private releaseDirect(agent: AgentRec): void {
    const direct = agent.direct;
    direct?.timer?.cancel();
    if (direct) direct.timer = undefined;
    agent.direct = undefined;
    const freed: AgentRec[] = [];
    this.releaseAfterOffer(agent, undefined, undefined, freed);
    this.routeAgents(freed);
  }

  /** Forgets a direct call (its agent logs out). */
  private dropDirect(agent: AgentRec): void {
    agent.direct?.timer?.cancel();
    agent.direct = undefined;
  }

  // ---------------------------------------------------------------- offers

  offerAnswered(offerId: string, agentId: number): void {
    const offer = this.offers.get(offerId);
    if (!offer) {
      const callId = this.endedOffers.get(offerId);
      if (callId === undefined) throw new AcdStateError('unknown_offer', `no offer ${offerId}`, { offerId, agentId });
      // Answered too late (another agent won, the caller hung up, it timed out): hang that leg up.
      this.run(() => this.emit({ kind: 'cancel_offer', offerId, callId, agentId, reason: 'offer_ended' }));
      return;
    }
    const agent = [...offer.agents].find((a) => a.id === agentId);
    if (!agent) {
      if (this.agentMap.has(agentId)) {
        this.run(() => this.emit({ kind: 'cancel_offer', offerId, callId: offer.call.id, agentId, reason: 'offer_ended' }));
        return;
      }
      throw new AcdStateError('unknown_agent', `agent ${agentId} is not part of offer ${offerId}`, { offerId, agentId });
    }
    this.run(() => {
      const now = this.clock.now();
      const call = offer.call;
      const freed: AgentRec[] = [];
      const losers = [...offer.agents].filter((a) => a !== agent);
      for (const other of losers) {
        this.emit({ kind: 'cancel_offer', offerId, callId: call.id, agentId: other.id, reason: 'answered_elsewhere' });
        other.offer = undefined;
      }
      offer.agents.clear();
      agent.offer = undefined;
      this.finishOffer(offer);
      this.clearCallTimers(call);
      call.queue.line.remove(call);
      call.state = 'connected';
      call.agent = agent;
      call.connectedAt = now;
      const waitMs = now - call.enteredAt;
      call.queue.stats.recordAnswered(now, waitMs <= call.queue.config.serviceLevelSec * 1000);
      this.emit({ kind: 'connect', callId: call.id, agentId, offerId, waitMs });
      this.emit({ kind: 'call_state', callId: call.id, queue: call.queue.name, state: 'connected', agentId, waitMs, at: now });
      agent.noAnswerStreak = 0;
      agent.call = call;
      agent.busySince = now;
      this.setState(agent, 'on_call');
      for (const other of losers) this.releaseAfterOffer(other, undefined, call.queue, freed);
      this.routeAgents(freed);
    });
  }

  offerFailed(offerId: string, agentId: number, reason: OfferFailure): void {
    const offer = this.offers.get(offerId);
    if (!offer) {
      if (this.endedOffers.has(offerId)) return; // a late report of an offer that already ended
      throw new AcdStateError('unknown_offer', `no offer ${offerId}`, { offerId, agentId });
    }
    const agent = [...offer.agents].find((a) => a.id === agentId);
    if (!agent) {
      if (this.agentMap.has(agentId)) return; // this agent's part already ended
      throw new AcdStateError('unknown_agent', `agent ${agentId} is not part of offer ${offerId}`, { offerId, agentId });
    }
    this.run(() => {
      const freed: AgentRec[] = [];
      this.withdrawAgent(offer, agent, reason, freed);
      this.routeAgents(freed);
    });
  }

  // ---------------------------------------------------------------- snapshots

  queues(): QueueSnapshot[] {
    const now = this.clock.now();
    return [...this.queueMap.values()].map((q) => {
      const agents = Object.fromEntries(AGENT_STATES.map((s) => [s, 0])) as Record<AgentState, number>;
      for (const a of q.members) agents[a.state]++;
      let longest = 0;
      for (const c of q.line.values()) longest = Math.max(longest, now - c.enteredAt);
      const { serviceLevel, abandonRate } = q.stats.figures(now, this.serviceWindowMs);
      return {
        queue: q.name,
        waiting: q.line.size,
        longestWaitMs: longest,
        serviceLevel,
        abandonRate,
        agents,
        ewtSec: this.ewt(q, q.line.size + 1),
      };
    });
  }

  agents(): AcdAgentSnapshot[] {
    return [...this.agentMap.values()].map((a) => this.snapshotOf(a));
  }

  agent(agentId: number): AcdAgentSnapshot | undefined {
    const a = this.agentMap.get(agentId);
    return a ? this.snapshotOf(a) : undefined;
  }

  waitingCalls(queue?: string): Array<{ id: string; queue: string; priority: number; enteredAt: number; state: 'waiting' | 'offering' }> {
    const out: Array<{ id: string; queue: string; priority: number; enteredAt: number; state: 'waiting' | 'offering'; seq: number }> = [];
    for (const q of this.queueMap.values()) {
      if (queue !== undefined && q.name !== queue) continue;
      for (const c of q.line.values()) {
        out.push({ id: c.id, queue: q.name, priority: c.priority, enteredAt: c.enteredAt, state: c.state as 'waiting' | 'offering', seq: c.seq });
      }
    }
    out.sort((a, b) => a.enteredAt - b.enteredAt || a.seq - b.seq);
    return out.map(({ seq: _seq, ...rest }) => rest);
  }

  /** Position (1-based, routing order) and EWT of a waiting call; undefined when it is not waiting. Beyond the contract. */
  callPosition(callId: string): { position: number; ewtSec: number | null } | undefined {
    const call = this.calls.get(callId);
    if (!call || call.state === 'connected') return undefined;
    const position = call.queue.line.position(call);
    return { position, ewtSec: this.ewt(call.queue, position) };
  }

  // ---------------------------------------------------------------- routing

  /** Offers a waiting call to the best eligible offerable agent(s) of its queue; false when there is none. */
  private routeCall(call: CallRec): boolean {
    if (this.routingPaused || call.state !== 'waiting' || !this.calls.has(call.id)) return false;
    const q = call.queue;
    let candidates: AgentRec[] = [];
    for (const a of q.offerable) if (this.eligible(a, call)) candidates.push(a);
    if (candidates.length === 0) return false;
    if (call.tried.size > 0) {
      const fresh = candidates.filter((a) => !call.tried.has(a.id));
      if (fresh.length > 0) candidates = fresh;
    }
    const strategy = STRATEGIES[q.config.strategy];
    let picked = strategy.select(candidates, this.strategyContext(call));
    if (call.callback) picked = picked.slice(0, 1);
    this.offerTo(call, picked);
    return true;
  }

  /** An agent became offerable: give it the first call (routing order over its queues) it is eligible for. */
  private routeAgent(agent: AgentRec): void {
    while (agent.offerable) {
      let best: CallRec | undefined;
      for (const m of agent.memberships.values()) {
        for (const call of m.queue.line.values()) {
          if (best && routingOrder(call, best) >= 0) break;
          if (call.state === 'waiting' && this.eligible(agent, call)) {
            best = call;
            break;
          }
        }
      }
      if (!best || !this.routeCall(best)) return;
    }
  }

  /** Several agents freed at once: calls of their queues in routing order, each to its best agent. */
  private routeAgents(freed: AgentRec[]): void {
    const live = freed.filter((a) => a.offerable);
    if (live.length === 0) return;
    if (live.length === 1) {
      this.routeAgent(live[0]!);
      return;
    }
    // By the invariant only calls one of the freed agents is eligible for can be matched now: collect those (each
    // agent scans its own queues), then serve them in routing order, each by its own strategy over all agents.
    const candidates = new Set<CallRec>();
    for (const a of live) {
      for (const m of a.memberships.values()) {
        for (const c of m.queue.line.values()) if (c.state === 'waiting' && !candidates.has(c) && this.eligible(a, c)) candidates.add(c);
      }
    }
    const calls = [...candidates].sort(routingOrder);
    for (const call of calls) {
      if (!live.some((a) => a.offerable)) return;
      this.routeCall(call);
    }
  }

  /** After configure(): every waiting call in routing order. */
  private routeEverything(freed: AgentRec[]): void {
    const calls: CallRec[] = [];
    for (const q of this.queueMap.values()) for (const c of q.line.values()) if (c.state === 'waiting') calls.push(c);
    calls.sort(routingOrder);
    for (const call of calls) this.routeCall(call);
    this.routeAgents(freed);
  }

  private eligible(agent: AgentRec, call: CallRec): boolean {
    const min = call.minProficiency;
    if (min === null) return true;
    const skills = agent.skills;
    for (const s of call.skills) if ((skills[s] ?? 0) < min) return false;
    return true;
  }

  private strategyContext(call: CallRec): StrategyContext<AgentRec> {
    const q = call.queue;
    return {
      requiredSkills: call.skills,
      tierOf: (a) => a.memberships.get(q.name)?.tier ?? Number.MAX_SAFE_INTEGER,
      orderOf: (a) => a.memberships.get(q.name)?.order ?? Number.MAX_SAFE_INTEGER,
      memberCount: q.members.length,
      roundRobinLast: q.rrLast,
      setRoundRobin: (order) => {
        q.rrLast = order;
      },
      random: this.random,
    };
  }

  private offerTo(call: CallRec, agents: AgentRec[]): void {
    const q = call.queue;
    const offer: OfferRec = {
      id: `${this.offerPrefix}${++this.offerSeq}`,
      call,
      agents: new Set(agents),
      kind: call.callback ? 'callback' : 'offer',
    };
    this.offers.set(offer.id, offer);
    call.offer = offer;
    call.state = 'offering';
    call.attempts++;
    for (const a of agents) {
      a.offer = offer;
      this.setState(a, 'reserved');
    }
    const timeoutSec = q.config.offerTimeoutSec;
    if (offer.kind === 'callback') {
      const a = agents[0]!;
      this.emit({ kind: 'dial_callback', callId: call.id, agentId: a.id, offerId: offer.id, number: call.callback!.number, order: q.config.callbackConnect });
    } else {
      this.emit({ kind: 'offer', offerId: offer.id, callId: call.id, agentIds: agents.map((a) => a.id), timeoutSec, attempt: call.attempts });
    }
    this.emit({
      kind: 'call_state',
      callId: call.id,
      queue: q.name,
      state: 'offering',
      agentId: agents.length === 1 ? agents[0]!.id : undefined,
      at: this.clock.now(),
    });
    const watchdogMs = (offer.kind === 'callback' ? 2 : 1) * Math.max(0, timeoutSec) * 1000 + OFFER_GRACE_MS;
    offer.timer = this.clock.setTimeout(() => this.run(() => this.offerTimedOut(offer)), watchdogMs);
  }

  private offerTimedOut(offer: OfferRec): void {
    offer.timer = undefined;
    if (!this.offers.has(offer.id)) return;
    const freed: AgentRec[] = [];
    for (const agent of [...offer.agents]) {
      if (!this.offers.has(offer.id)) break;
      this.emit({ kind: 'cancel_offer', offerId: offer.id, callId: offer.call.id, agentId: agent.id, reason: 'timeout' });
      this.withdrawAgent(offer, agent, 'no_answer', freed);
    }
    this.routeAgents(freed);
  }

  /**
   * One agent's part of an offer ends without an answer (failure, timeout, logout). The agent goes where the rules
   * say; when it was the offer's last agent the call waits again and is offered anew (or overflows if due).
   */
  private withdrawAgent(offer: OfferRec, agent: AgentRec, failure: OfferFailure, freed: AgentRec[]): void {
    const call = offer.call;
    offer.agents.delete(agent);
    agent.offer = undefined;
    call.tried.add(agent.id);
    if (failure === 'agent_logged_out') {
      this.emit({ kind: 'cancel_offer', offerId: offer.id, callId: call.id, agentId: agent.id, reason: 'agent_logged_out' });
    }
    this.releaseAfterOffer(agent, failure, call.queue, freed);
    if (offer.agents.size > 0) return;
    this.finishOffer(offer);
    call.state = 'waiting';
    if (call.overflowDue && call.queue.config.overflow) {
      this.overflowCall(call, 'max_wait', call.queue.config.overflow, freed);
      return;
    }
    this.emit({ kind: 'call_state', callId: call.id, queue: call.queue.name, state: 'waiting', at: this.clock.now() });
    this.routeCall(call);
  }

  /** Ends an offer for all its agents (caller hangup, callback request, overflow); agents go back by the rules. */
  private cancelOffer(offer: OfferRec, reason: string, freed: AgentRec[]): void {
    const call = offer.call;
    for (const agent of offer.agents) {
      this.emit({ kind: 'cancel_offer', offerId: offer.id, callId: call.id, agentId: agent.id, reason });
      agent.offer = undefined;
      this.releaseAfterOffer(agent, undefined, call.queue, freed);
    }
    offer.agents.clear();
    this.finishOffer(offer);
    if (call.state === 'offering') call.state = 'waiting';
  }

  private finishOffer(offer: OfferRec): void {
    offer.timer?.cancel();
    offer.timer = undefined;
    this.offers.delete(offer.id);
    if (offer.call.offer === offer) offer.call.offer = undefined;
    this.endedOffers.set(offer.id, offer.call.id);
    if (this.endedOffers.size > ENDED_OFFERS_KEPT) this.endedOffers.delete(this.endedOffers.keys().next().value!);
  }

  /** Where a reserved agent goes when its offer ends without it answering (see the rules at the top). */
  private releaseAfterOffer(agent: AgentRec, failure: OfferFailure | undefined, queue: QueueRec | undefined, freed: AgentRec[]): void {
    const cfg = queue?.config;
    if (agent.removed) {
      this.setState(agent, 'logged_out', 'removed');
      this.forgetAgent(agent);
      return;
    }
    if (failure === 'agent_logged_out' || agent.pending?.state === 'logged_out') {
      const reason = agent.pending?.state === 'logged_out' ? agent.pending.reason : 'agent_logged_out';
      agent.pending = undefined;
      this.setState(agent, 'logged_out', reason);
      return;
    }
    if (failure === 'unreachable') agent.phoneUnreachable = true;
    if (failure === 'no_answer' || failure === 'error') {
      agent.noAnswerStreak++;
      if (cfg && cfg.maxNoAnswer > 0 && agent.noAnswerStreak >= cfg.maxNoAnswer) {
        agent.pending = undefined;
        this.setState(agent, 'not_ready', 'no_answer');
        return;
      }
    }
    if (agent.pending?.state === 'not_ready') {
      const reason = agent.pending.reason;
      agent.pending = undefined;
      this.setState(agent, 'not_ready', reason);
      return;
    }
    this.startDelay(agent, this.delayAfter(failure, cfg));
    this.setState(agent, 'available');
    freed.push(agent);
  }

  /** How long an agent waits before its next offer after `failure` (see the rules at the top). */
  private delayAfter(failure: OfferFailure | undefined, cfg: QueueConfig | undefined): number {
    switch (failure) {
      case 'rejected':
        return cfg?.rejectDelaySec ?? 0;
      case 'busy':
      case 'error':
        return cfg?.busyDelaySec ?? 0;
      case 'no_answer':
        return cfg?.noAnswerDelaySec ?? 0;
      case 'switch_error':
        return SWITCH_ERROR_RETRY_SEC;
      default:
        return 0;
    }
  }


  private startDelay(agent: AgentRec, sec: number): void {
    if (!(sec > 0)) return;
    agent.delayTimer?.cancel();
    agent.delayUntil = this.clock.now() + sec * 1000;
    agent.delayTimer = this.clock.setTimeout(
      () =>
        this.run(() => {
          agent.delayTimer = undefined;
          agent.delayUntil = 0;
          this.refreshOfferable(agent);
          this.routeAgent(agent);
        }),
      sec * 1000,
    );
    this.refreshOfferable(agent);
  }

  // ---------------------------------------------------------------- wrap-up and agent lifecycle

  /** A call (routed or direct) ended for an on_call agent: wrap-up, or straight on when there is none. */
  private startWrapUp(agent: AgentRec, wrapUpSec: number, wrapQueue: QueueRec | undefined, queueName?: string): void {
    agent.wrapQueue = wrapQueue;
    agent.wrapQueueName = wrapQueue?.name ?? queueName;
    const wrapMs = Math.max(0, wrapUpSec) * 1000;
    if (wrapMs > 0 && agent.pending?.state !== 'logged_out') {
      agent.wrapUntil = this.clock.now() + wrapMs;
      this.setState(agent, 'wrap_up');
      agent.wrapTimer = this.clock.setTimeout(() => this.run(() => this.finishWrapUp(agent)), wrapMs);
    } else {
      this.finishWrapUp(agent);
    }
  }

  private finishWrapUp(agent: AgentRec): void {
    this.endWrapTimer(agent);
    const now = this.clock.now();
    if (agent.wrapQueue) agent.wrapQueue.handle.record(now - agent.busySince);
    agent.wrapQueue = undefined;
    if (agent.removed) {
      this.setState(agent, 'logged_out', 'removed');
      this.forgetAgent(agent);
      return;
    }
    const pending = agent.pending;
    agent.pending = undefined;
    if (pending) {
      this.setState(agent, pending.state, pending.reason);
      return;
    }
    agent.idleSince = now;
    this.setState(agent, 'available');
    this.routeAgent(agent);
  }

  private endWrapTimer(agent: AgentRec): void {
    agent.wrapTimer?.cancel();
    agent.wrapTimer = undefined;
    agent.wrapUntil = undefined;
    agent.wrapQueueName = undefined;
  }

  /** configure() dropped this agent. */
  private removeAgent(agent: AgentRec, freed: AgentRec[]): void {
    if (agent.state === 'on_call' || agent.state === 'wrap_up' || agent.direct) {
      agent.removed = true;
      return;
    }
    if (agent.offer) {
      this.emit({ kind: 'cancel_offer', offerId: agent.offer.id, callId: agent.offer.call.id, agentId: agent.id, reason: 'agent_removed' });
      agent.removed = true;
      this.withdrawAgent(agent.offer, agent, 'error', freed);
      return; // releaseAfterOffer logged it out and forgot it
    }
    agent.removed = true;
    if (agent.state !== 'logged_out') this.setState(agent, 'logged_out', 'removed');
    this.forgetAgent(agent);
  }

  private forgetAgent(agent: AgentRec): void {
    agent.delayTimer?.cancel();
    agent.delayTimer = undefined;
    this.endWrapTimer(agent);
    this.dropDirect(agent);
    for (const m of agent.memberships.values()) {
      m.queue.offerable.delete(agent);
      const i = m.queue.members.indexOf(agent);
      if (i >= 0) m.queue.members.splice(i, 1);
    }
    agent.memberships.clear();
    if (this.agentMap.get(agent.id) === agent) this.agentMap.delete(agent.id);
  }

  /** The one place an agent's state changes: validated, versioned, time-stamped, indexed and emitted. */
  private setState(agent: AgentRec, to: AgentState, reason?: string): void {
    const from = agent.state;
    assertTransition(agent.id, from, to);
    const now = this.clock.now();
    agent.state = to;
    agent.reason = to === 'not_ready' || to === 'logged_out' ? reason : undefined;
    agent.version++;
    agent.since = now;
    if ((from === 'logged_out') !== (to === 'logged_out')) {
      const delta = to === 'logged_out' ? -1 : 1;
      for (const m of agent.memberships.values()) {
        m.queue.loggedIn += delta;
        if (m.queue.loggedIn === 0) this.emptied.add(m.queue);
      }
      if (to === 'logged_out') {
        agent.delayTimer?.cancel();
        agent.delayTimer = undefined;
        agent.delayUntil = 0;
      }
    }
    this.refreshOfferable(agent);
    this.emit({ kind: 'agent_state', agentId: agent.id, state: to, previous: from, reason: agent.reason, version: agent.version, at: now });
  }

  private refreshOfferable(agent: AgentRec): void {
    const want = agent.state === 'available' && agent.delayTimer === undefined && !agent.removed && !agent.phoneUnreachable;
    if (want === agent.offerable) return;
    agent.offerable = want;
    for (const m of agent.memberships.values()) {
      if (want) m.queue.offerable.add(agent);
      else m.queue.offerable.delete(agent);
    }
  }

  // ---------------------------------------------------------------- call timers, overflow, announcements

  private armCallTimers(call: CallRec): void {
    this.clearCallTimers(call);
    const q = call.queue;
    const cfg = q.config;
    const now = this.clock.now();
    const elapsed = now - call.enteredAt;

    let min: number | null = cfg.minProficiency;
    let next: { afterMs: number; minProficiency: number | null } | undefined;
    for (const step of q.steps) {
      if (step.afterMs <= elapsed) min = step.minProficiency;
      else {
        next = step;
        break;
      }
    }
    call.minProficiency = min;
    if (next) {
      const step = next;
      call.relaxTimer = this.clock.setTimeout(() => this.run(() => this.relaxStep(call, step.afterMs)), step.afterMs - elapsed);
    }

    if (!call.callback && cfg.maxWaitSec > 0 && cfg.overflow) {
      call.overflowTimer = this.clock.setTimeout(() => this.run(() => this.maxWaitReached(call)), Math.max(0, cfg.maxWaitSec * 1000 - elapsed));
    }
    this.armAnnounce(call);
  }

  private clearCallTimers(call: CallRec): void {
    call.relaxTimer?.cancel();
    call.overflowTimer?.cancel();
    call.announceTimer?.cancel();
    call.relaxTimer = call.overflowTimer = call.announceTimer = undefined;
  }

  private relaxStep(call: CallRec, afterMs: number): void {
    call.relaxTimer = undefined;
    if (!this.calls.has(call.id) || call.state === 'connected') return;
    const q = call.queue;
    let next: { afterMs: number; minProficiency: number | null } | undefined;
    for (const step of q.steps) {
      if (step.afterMs <= afterMs) call.minProficiency = step.minProficiency;
      else if (!next) next = step;
    }
    if (next) {
      const step = next;
      call.relaxTimer = this.clock.setTimeout(() => this.run(() => this.relaxStep(call, step.afterMs)), Math.max(0, call.enteredAt + step.afterMs - this.clock.now()));
    }
    this.routeCall(call);
  }

  private maxWaitReached(call: CallRec): void {
    call.overflowTimer = undefined;
    if (!this.calls.has(call.id) || call.state === 'connected' || call.callback) return;
    const target = call.queue.config.overflow;
    if (!target) return;
    if (call.state === 'offering') {
      call.overflowDue = true;
      return;
    }
    const freed: AgentRec[] = [];
    this.overflowCall(call, 'max_wait', target, freed);
    this.routeAgents(freed);
  }

  private overflowCall(call: CallRec, reason: 'max_wait' | 'no_agents', target: OverflowTarget, freed: AgentRec[]): void {
    if (call.offer) this.cancelOffer(call.offer, 'overflow', freed);
    const now = this.clock.now();
    this.dropCall(call);
    this.emit({ kind: 'overflow', callId: call.id, target, reason });
    this.emit({ kind: 'call_state', callId: call.id, queue: call.queue.name, state: 'ended', outcome: 'overflowed', waitMs: now - call.enteredAt, at: now });
  }

  private armAnnounce(call: CallRec): void {
    const cfg = call.queue.config;
    if (call.callback || !(cfg.announceIntervalSec > 0) || !(cfg.announcePosition || cfg.announceEwt)) return;
    call.announceTimer = this.clock.setTimeout(
      () =>
        this.run(() => {
          call.announceTimer = undefined;
          if (!this.calls.has(call.id) || call.state === 'connected' || call.callback) return;
          if (call.state === 'waiting') {
            const c = call.queue.config;
            const position = call.queue.line.position(call);
            this.emit({ kind: 'announce', callId: call.id, position, ewtSec: c.announceEwt ? this.ewt(call.queue, position) : null });
          }
          this.armAnnounce(call);
        }),
      cfg.announceIntervalSec * 1000,
    );
  }

  private ewt(q: QueueRec, position: number): number | null {
    if (q.loggedIn === 0) return null;
    const now = this.clock.now();
    let longestBusy = 0;
    for (const a of q.members) if (a.state === 'on_call' || a.state === 'wrap_up') longestBusy = Math.max(longestBusy, now - a.busySince);
    return estimateWaitSec({ position, staffed: q.loggedIn, avgHandleMs: q.handle.averageMs(), longestBusyMs: longestBusy });
  }

  /** The call leaves the engine's books (waiting line and timers); its offer must already be over. */
  private dropCall(call: CallRec): void {
    this.clearCallTimers(call);
    call.queue.line.remove(call);
    this.calls.delete(call.id);
  }

  // ---------------------------------------------------------------- plumbing

  private requireAgent(agentId: number): AgentRec {
    const agent = this.agentMap.get(agentId);
    if (!agent) throw new AcdStateError('unknown_agent', `no agent ${agentId}`, { agentId });
    return agent;
  }

  private requireCall(callId: string): CallRec {
    const call = this.calls.get(callId);
    if (!call) throw new AcdStateError('unknown_call', `no call ${callId} in the ACD`, { callId });
    return call;
  }

  private snapshotOf(a: AgentRec): AcdAgentSnapshot {
    const snap: AcdAgentSnapshot = {
      id: a.id,
      name: a.config.name,
      extension: a.config.extension,
      state: a.state,
      version: a.version,
      since: a.since,
      callsHandled: a.callsHandled,
      talkMs: a.talkMs,
      noAnswerStreak: a.noAnswerStreak,
    };
    if (a.reason !== undefined) snap.reason = a.reason;
    const callId = a.offer?.call.id ?? a.call?.id ?? a.direct?.id ?? (a.state === 'wrap_up' ? a.lastCallId : undefined);
    if (callId !== undefined) snap.callId = callId;
    if (a.direct) snap.direct = a.direct.queue !== undefined ? { kind: a.direct.kind, queue: a.direct.queue } : { kind: a.direct.kind };
    if (a.pending) snap.pending = { ...a.pending };
    if (a.delayTimer) snap.delayedUntil = a.delayUntil;
    if (a.removed) snap.removed = true;
    if (a.phoneUnreachable) snap.phoneUnreachable = true;
    if (a.state === 'wrap_up' && a.wrapUntil !== undefined) snap.wrapUntil = a.wrapUntil;
    if (a.state === 'wrap_up' && a.wrapQueueName !== undefined) snap.wrapQueue = a.wrapQueueName;
    return snap;
  }

  private emit(effect: AcdEffect): void {
    this.pendingEffects.push(effect);
  }

  /** Runs one input; once the outermost one is done, applies no-agents overflow and gives the effects in order. */
  private run(fn: () => void): void {
    this.depth++;
    try {
      fn();
      if (this.depth === 1) this.overflowEmptiedQueues();
    } finally {
      this.depth--;
    }
    if (this.depth === 0 && !this.flushing) this.flush();
  }

  private overflowEmptiedQueues(): void {
    while (this.emptied.size > 0) {
      const queues = [...this.emptied];
      this.emptied.clear();
      for (const q of queues) {
        const target = q.config.noAgents;
        if (q.removed || q.loggedIn > 0 || !target) continue;
        const freed: AgentRec[] = [];
        for (const call of [...q.line.values()]) if (!call.callback) this.overflowCall(call, 'no_agents', target, freed);
        this.routeAgents(freed);
      }
    }
  }

  private flush(): void {
    this.flushing = true;
    let firstError: unknown;
    let failed = false;
    try {
      for (let effect = this.pendingEffects.shift(); effect; effect = this.pendingEffects.shift()) {
        try {
          this.listener(effect);
        } catch (err) {
          if (this.onListenerError) this.onListenerError(err, effect);
          else if (!failed) {
            failed = true;
            firstError = err;
          }
        }
      }
    } finally {
      this.flushing = false;
    }
    if (failed) throw firstError;
  }
}

function newAgent(cfg: AgentConfig, now: number): AgentRec {
  return {
    id: cfg.id,
    config: cfg,
    skills: cfg.skills,
    state: 'logged_out',
    version: 0,
    since: now,
    memberships: new Map(),
    callsHandled: 0,
    talkMs: 0,
    noAnswerStreak: 0,
    idleSince: now,
    busySince: now,
    delayUntil: 0,
    phoneUnreachable: false,
    removed: false,
    offerable: false,
  };
}

function requiredSkills(cfg: QueueConfig, call: QueueCallInput): string[] {
  return [...new Set([...cfg.requiredSkills, ...(call.skills ?? [])])];
}

function relaxationSteps(cfg: QueueConfig): Array<{ afterMs: number; minProficiency: number | null }> {
  return [...(cfg.relaxation ?? [])]
    .map((s) => ({ afterMs: s.afterSec * 1000, minProficiency: s.minProficiency }))
    .sort((a, b) => a.afterMs - b.afterMs);
}

const STRATEGY_NAMES = new Set<RoutingStrategy>(Object.keys(STRATEGIES) as RoutingStrategy[]);

function validateConfig(queues: QueueConfig[], agents: AgentConfig[]): void {
  const bad = (message: string): never => {
    throw new AcdStateError('invalid_config', message);
  };
  const names = new Set<string>();
  for (const q of queues) {
    if (!q.name) bad('a queue needs a name');
    if (names.has(q.name)) bad(`queue ${q.name} is configured twice`);
    names.add(q.name);
    if (!STRATEGY_NAMES.has(q.strategy)) bad(`queue ${q.name}: unknown strategy ${String(q.strategy)}`);
    for (const [field, value] of Object.entries({
      minProficiency: q.minProficiency,
      serviceLevelSec: q.serviceLevelSec,
      maxWaitSec: q.maxWaitSec,
      wrapUpSec: q.wrapUpSec,
      offerTimeoutSec: q.offerTimeoutSec,
      maxNoAnswer: q.maxNoAnswer,
      rejectDelaySec: q.rejectDelaySec,
      busyDelaySec: q.busyDelaySec,
      announceIntervalSec: q.announceIntervalSec,
    })) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(`queue ${q.name}: ${field} must be a number >= 0`);
    }
    for (const step of q.relaxation ?? []) {
      if (!Number.isFinite(step.afterSec) || step.afterSec < 0) bad(`queue ${q.name}: relaxation afterSec must be >= 0`);
      if (step.minProficiency !== null && !Number.isFinite(step.minProficiency)) bad(`queue ${q.name}: relaxation minProficiency must be a number or null`);
    }
  }
  const ids = new Set<number>();
  for (const a of agents) {
    if (!Number.isInteger(a.id)) bad('an agent needs an integer id');
    if (ids.has(a.id)) bad(`agent ${a.id} is configured twice`);
    ids.add(a.id);
  }
}
