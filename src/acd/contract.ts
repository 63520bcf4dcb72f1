/**
 * The contract between the ACD's pure routing engine (src/acd/engine.ts: queues, agents, the agent state machine,
 * routing strategies, priorities, skill relaxation, overflow, offers) and the edges that carry its decisions out:
 * the FreeSWITCH runtime (src/acd/runtime/: originate to softphones, bridge, music on hold, announcements), storage
 * (src/acd/store.ts) and the API/WebSocket (src/api/routes/acd*.ts, src/acd/live.ts).
 *
 * The engine never does I/O. Edges call its input methods; it answers synchronously with AcdEffect values through
 * the listener given to it (in order), and schedules its own timers (wrap-up end, relaxation steps, overflow, offer
 * timeouts, announcements, reject/busy delays) on the injected Clock. It is event-driven: an offer is decided inside
 * the very input that made an agent and a call able to meet (enqueue, agent ready, wrap-up end, relaxation step),
 * never by polling.
 */

export type RoutingStrategy =
  | 'longest_idle'
  | 'round_robin'
  | 'ring_all'
  | 'fewest_calls'
  | 'least_talk_time'
  | 'top_down'
  | 'random'
  | 'best_skill';

export type AgentState = 'logged_out' | 'available' | 'not_ready' | 'reserved' | 'on_call' | 'wrap_up';

/** Where a call goes when it waited too long, or when no agent of the queue is logged in. */
export type OverflowTarget =
  | { kind: 'queue'; queue: string }
  | { kind: 'voicemail'; box: string }
  | { kind: 'callback' }
  | { kind: 'hangup'; cause: string };

export interface QueueConfig {
  name: string;
  strategy: RoutingStrategy;
  /** Skills a call of this queue needs (the call may add more); an agent must have every one. */
  requiredSkills: string[];
  /** Minimum proficiency (1-10) for the required skills before any relaxation (default 1). */
  minProficiency: number;
  /** Time-stepped relaxation, ascending afterSec: after that wait accept minProficiency, or null = any agent of the queue. */
  relaxation: Array<{ afterSec: number; minProficiency: number | null }>;
  /** Service level: answered within serviceLevelSec counts as in service (e.g. 20 s for 80/20). */
  serviceLevelSec: number;
  /** Longest wait before overflow (0 = never). */
  maxWaitSec: number;
  overflow: OverflowTarget | null;
  /** What happens to a call arriving when no agent of the queue is logged in (null = wait anyway). */
  noAgents: OverflowTarget | null;
  wrapUpSec: number;
  /** Ring time of one offer before it counts as no-answer. */
  offerTimeoutSec: number;
  /** An agent who misses this many offers in a row is set not ready (reason 'no_answer'); 0 = never. */
  maxNoAnswer: number;
  /** The agent is not offered calls for this long after rejecting / being busy / not answering. */
  rejectDelaySec: number;
  busyDelaySec: number;
  /** After a no-answer: the call goes to other agents first, and this agent is offered again only after the delay. */
  noAnswerDelaySec: number;
  /** Music on hold for waiting callers (a media path or local_stream://...). */
  mohSound: string;
  /** Position / estimated-wait announcements every intervalSec (0 = off). */
  announceIntervalSec: number;
  announcePosition: boolean;
  announceEwt: boolean;
  /** A caller may press this key while queued to ask for a callback that keeps their place (null = not offered). */
  callbackKey: string | null;
  /** Callback dial order when an agent frees up for it. */
  callbackConnect: 'agent_first' | 'customer_first';
  /** Recording policy hook, filled by the recording issue. */
  recordingPolicy: 'never' | 'always' | 'on_demand';
  /** Dispositions an agent picks from in wrap-up (empty or absent: free text). */
  dispositions?: string[];
  /** Priority added to a call by its caller's VIP level (profile_vip, '1'-'5'; src/acd/vip-priority.ts). */
  vipPriority?: Record<string, number>;
  /**
   * Post-call CSAT survey (README "Post-call CSAT survey"): when enabled, a caller whose flow set csat_optin=1 and who
   * stays on the line after the agent hangs up is sent to the IVR flow `flow`.
   */
  csat?: { enabled: boolean; flow: string } | null;
  /**
   * Nailed-up agents (README "Nailed-up agents"): while logged in, each agent of this queue keeps one call to their
   * phone up, parked between calls, and offers are bridged to it at once (no ringing). For campaigns' queues.
   */
  nailedUp?: boolean;
}

export interface AgentConfig {
  id: number;
  /** The user account (users.id) the agent logs in as. */
  userId: number;
  name: string;
  /** SIP extension of the agent's softphone (user/<extension> in the FreeSWITCH directory). */
  extension: string;
  /** Skill name -> proficiency 1-10. */
  skills: Record<string, number>;
  teams: string[];
  /** Queues the agent serves, with the tier used by top_down (1 = first). */
  queues: Array<{ queue: string; tier: number }>;
}

/** A caller waiting in a queue (its id is the caller channel's uuid). */
export interface QueueCallInput {
  id: string;
  node: string;
  queue: string;
  /** Higher is served first (VIP); then longer wait. */
  priority: number;
  /** Skills beyond the queue's required ones. */
  skills: string[];
  callerNumber: string;
  callerName?: string;
  /** IVR/CRM data for the screen pop. */
  data: Record<string, string>;
  /** A callback request keeps the original enteredAt (its place in line). */
  enteredAt?: number;
  callback?: { number: string };
}

/**
 * A call an agent takes that the engine did not route (see AcdEngineApi.reserveDirectCall): the target of a transfer
 * to an agent, the third agent of a 3-way, or the agent's own manual outbound call.
 */
export type DirectCallKind = 'transfer' | 'outbound' | 'conference';

/**
 * Why an offer ended unanswered. no_answer / rejected / busy / error are the phone's (error: it failed in a way that
 * names no cause of the switch, e.g. SIP 503); they count against the agent as the rules say. unreachable: the
 * phone is not registered (the agent is skipped until it registers again); switch_error: FreeSWITCH could not
 * place the call at all (CHAN_NOT_IMPLEMENTED, INVALID_GATEWAY, a permission error, an -ERR reply): a configuration
 * fault that says nothing about the agent.
 */
export type OfferFailure = 'no_answer' | 'rejected' | 'busy' | 'error' | 'unreachable' | 'switch_error' | 'agent_logged_out';

export type CallOutcome = 'answered' | 'abandoned' | 'overflowed' | 'callback_requested' | 'failed';

/** What the engine asks the edges to do or know, in order. */
export type AcdEffect =
  /** Ring these agents for this call (ring_all: several; else one). Each agent is reserved for this offer. */
  | { kind: 'offer'; offerId: string; callId: string; agentIds: number[]; timeoutSec: number; attempt: number }
  /** Stop ringing an agent (another took the ring_all offer, the caller hung up, the agent logged out). */
  | { kind: 'cancel_offer'; offerId: string; callId: string; agentId: number; reason: string }
  /** Bridge the caller to the agent who answered. */
  | { kind: 'connect'; callId: string; agentId: number; offerId: string; waitMs: number }
  /** Send the call elsewhere (it leaves the queue). */
  | { kind: 'overflow'; callId: string; target: OverflowTarget; reason: 'max_wait' | 'no_agents' }
  /** Tell the caller their position and estimated wait. */
  | { kind: 'announce'; callId: string; position: number; ewtSec: number | null }
  /** Dial back a callback request now that an agent is reserved for it. */
  | { kind: 'dial_callback'; callId: string; agentId: number; offerId: string; number: string; order: 'agent_first' | 'customer_first' }
  | { kind: 'agent_state'; agentId: number; state: AgentState; previous: AgentState; reason?: string; version: number; at: number }
  | {
      kind: 'call_state';
      callId: string;
      queue: string;
      state: 'waiting' | 'offering' | 'connected' | 'ended';
      outcome?: CallOutcome;
      agentId?: number;
      waitMs?: number;
      at: number;
    };

export type AcdEffectListener = (effect: AcdEffect) => void;

export interface QueueSnapshot {
  queue: string;
  waiting: number;
  longestWaitMs: number;
  /** Fraction answered within serviceLevelSec over the recent window (null: no calls yet). */
  serviceLevel: number | null;
  abandonRate: number | null;
  agents: Record<AgentState, number>;
  ewtSec: number | null;
}

export interface AgentSnapshot {
  id: number;
  name: string;
  extension: string;
  state: AgentState;
  reason?: string;
  version: number;
  since: number;
  callId?: string;
  callsHandled: number;
  talkMs: number;
  noAnswerStreak: number;
  /** The agent's call is a direct one (reserved: ringing, on_call: talking); callId is its id. */
  direct?: { kind: DirectCallKind; queue?: string };
  /** The agent's phone is not registered: no calls are offered until it registers (the state stays as it is). */
  phoneUnreachable?: boolean;
  /** In wrap-up: when it ends by itself (epoch ms), and the queue of the call being wrapped up (if any). */
  wrapUntil?: number;
  wrapQueue?: string;
}

/**
 * The engine's inputs. Every method validates its input against the current state and throws AcdStateError
 * (src/acd/errors.ts) for an invalid transition (e.g. ready while on a call), leaving the state unchanged.
 */
export interface AcdEngineApi {
  configure(queues: QueueConfig[], agents: AgentConfig[]): void;
  /** A caller enters a queue (from the IVR handoff or a callback request). */
  enqueue(call: QueueCallInput): void;
  /** The caller hung up while waiting or while an agent was being rung. */
  callerHangup(callId: string): void;
  /** The caller pressed the callback key: the call leaves the line but keeps its place as a callback. */
  requestCallback(callId: string, number: string): void;
  login(agentId: number): void;
  logout(agentId: number, reason?: string): void;
  setReady(agentId: number): void;
  setNotReady(agentId: number, reason: string): void;
  /** The agent's leg answered an offer (only the first answer of a ring_all wins; later ones get cancel_offer). */
  offerAnswered(offerId: string, agentId: number): void;
  offerFailed(offerId: string, agentId: number, reason: OfferFailure): void;
  /** The agent's phone registered (true) or is known not to be (false, e.g. an unregister event). */
  setPhoneReachable(agentId: number, reachable: boolean): void;
  /** The connected call ended (either side hung up): the agent goes to wrap-up. */
  callEnded(callId: string): void;
  /**
   * A call already connected to an agent when this engine started (a standby took over, or a restart, while the
   * caller and the agent kept talking on FreeSWITCH): the agent (logged in, available or not ready) goes on_call with
   * it, so the call's end brings the wrap-up as usual. Not counted again in the queue's figures (it was when it was
   * answered). `connectedAt` is when it was answered.
   */
  adoptConnected(call: QueueCallInput, agentId: number, connectedAt: number): void;
  /** The agent finished wrap-up early (disposition saved). */
  endWrapUp(agentId: number): void;
  /**
   * Direct calls: calls an agent takes that the engine did not route. They count like routed calls for the agent
   * (on_call, talk time, calls handled, wrap-up) but are not queue calls: no call_state effects, no queue figures.
   * `callId` only names the call on this agent (it may equal a queue call id, e.g. the caller of a transfer).
   *
   * The agent's phone rings: available -> reserved (no offers meanwhile). Outbound calls may also start from
   * not_ready: that not-ready (reason kept) is pending and comes back after the call. `queue` (known to the engine)
   * is the queue the call belongs to, e.g. the one a transferred caller came from: its wrapUpSec applies.
   * timeoutSec: after it (+ a grace) without start/end the reservation ends by itself (default 60).
   */
  reserveDirectCall(agentId: number, callId: string, kind: DirectCallKind, opts?: { queue?: string; timeoutSec?: number }): void;
  /**
   * The agent is talking on the direct call: reserved (for this callId) -> on_call. Also allowed without a
   * reservation, from available (any kind) or not_ready (outbound only). Talk time runs from here.
   */
  startDirectCall(agentId: number, callId: string, kind: DirectCallKind, queue?: string): void;
  /**
   * The direct call is over. From on_call: counted (calls handled, talk time) and wrap-up (the queue's wrapUpSec,
   * else the engine's default for the kind), then available or the pending state. From reserved (never answered):
   * back to available or the pending state, nothing counted. Unknown callId for the agent: unknown_call.
   */
  endDirectCall(agentId: number, callId: string): void;
  /** The engine is done (the service stops): no timer of it fires any more; no input is expected after this. */
  stop(): void;
  queues(): QueueSnapshot[];
  agents(): AgentSnapshot[];
  agent(agentId: number): AgentSnapshot | undefined;
  /** Calls waiting or being offered, oldest first. */
  waitingCalls(queue?: string): Array<{ id: string; queue: string; priority: number; enteredAt: number; state: 'waiting' | 'offering' }>;
}

/** Queue and agent configuration, stored in the database (src/acd/config-store.ts) and edited through the API. */
export interface AcdConfigStore {
  load(): Promise<{ queues: QueueConfig[]; agents: AgentConfig[] }>;
  /** Called after every saved change with the full new configuration (the runtime re-configures the engine). */
  onChange(listener: (config: { queues: QueueConfig[]; agents: AgentConfig[] }) => void): () => void;
}

/** The FreeSWITCH legs of an agent's current call, kept by the runtime (src/acd/runtime/). */
export interface AcdCallLegs {
  node: string;
  /** The caller's channel (= the queue call id). */
  callerUuid: string;
  /** The agent's softphone leg, once originated. */
  agentUuid?: string;
  queue: string;
  agentId: number;
  connectedAt?: number;
}

/** What the API needs from the running ACD (implemented by src/acd/runtime/acd-runtime.ts). */
export interface AcdRuntimeApi {
  readonly engine: AcdEngineApi;
  legsOfAgent(agentId: number): AcdCallLegs | undefined;
  legsOfCall(callId: string): AcdCallLegs | undefined;
  /** Every effect the engine emitted, after the runtime acted on it (for WebSocket pushes and metrics). */
  onEffect(listener: AcdEffectListener): () => void;
}
