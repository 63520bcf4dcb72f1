/**
 * One running campaign on FreeSWITCH. It decides how many calls to launch (progressive: one per free agent;
 * predictive: PredictivePacer.decide, the same code the bench simulates; agentless: a line cap), picks due leads,
 * checks each one at dial time (max attempts, do-not-call lists, the calling window in the lead's zones), records
 * every dial and skip in the ledger, and follows each call:
 *
 *   bgapi originate {origination_uuid=U,originate_timeout=ring}sofia/gateway/<gw>/<number> &park()
 *     -ERR <cause>   -> busy / no_answer / invalid / failed
 *     +OK            -> answered: `amd` runs on the leg (unless AMD is off); its CHANNEL_EXECUTE_COMPLETE carries
 *                       variable_amd_result. MACHINE -> hang up, or wait for avmd::beep and play the machine message;
 *                       HUMAN / NOTSURE -> a person:
 *       agent campaigns: handed to the ACD queue at top priority; if no agent is connected within connect_within_ms
 *         of the decision (the 2-second rule), the call is withdrawn from the queue, hears the abandon message and
 *         is counted abandoned;
 *       agentless: the message plays (play_and_get_digits when a confirm / transfer key is set); the transfer key
 *         hands the person to the queue.
 *
 * Every resolution feeds the pacer (attempt outcome and dial-to-decision time; live answers and abandons into the
 * compliance window), updates the ledger row and the lead (done, failed, or retried per the campaign's rules), and
 * pumps again. Pumps are event-driven (agent state changes, resolutions, a timer at the next due lead); a predictive
 * campaign with calls in flight also re-decides every second, because its forecast depends on elapsed times.
 */
import { randomUUID } from 'node:crypto';
import type { Clock, ClockTimer } from '../../clock/clock';
import type { CampaignRow, LeadRow, LedgerRow } from '../../db/entities/dialer';
import { ChannelHungUpError, EslDisconnectedError, EslTimeoutError } from '../../esl/errors';
import type { EslClient } from '../../esl/client';
import { header, type EslEvent } from '../../esl/types';
import { apps, dialGateway, mediaPath, originate, uuidBreak, uuidExists, uuidKill, type AppInvocation, type FsCommand } from '../../freeswitch';
import { playInvocation } from '../../ivr/runtime/media';
import type { QueuedCall } from '../../ivr/runtime/queue-handoff';
import type { Logger } from '../../log/logger';
import { DAY_MS } from '../abandon-window';
import { parseCampaignSettings, type CampaignSettings } from '../campaign-settings';
import { callingWindowOpen } from '../leads/calling-window';
import { isLive, nextStep, outcomeOfCause, type DialOutcome } from '../outcomes';
import { PredictivePacer, progressiveDialCount, type PacingDecision, type PacingState } from '../pacing';
import type { AmdSupport } from '../../freeswitch/capabilities';
import type { DialerStore } from './dialer-store';

/** What the runner needs of the ACD (src/acd/runtime/acd-runtime.ts). */
export interface DialerAcd {
  handoff(call: QueuedCall): Promise<unknown>;
  withdraw(callId: string): Promise<boolean>;
  queueAgents(queue: string): Array<{ id: number; state: string; since: number }>;
  /** The agent a call is connected to (a dial taken over while it talks). */
  legsOfCall?(callId: string): { agentId: number } | undefined;
  /** Whether the ACD holds the call now (a dial taken over while it waits in the queue). */
  holdsCall?(callId: string): boolean;
}

/**
 * A campaign call still live on FreeSWITCH when this instance took over (its channel carries switchboard_campaign
 * and switchboard_lead): the new active tracks it again, so its end resolves the ledger row and the lead.
 */
export interface LiveDial {
  uuid: string;
  node: string;
  campaignId: number;
  leadId: number;
  answered: boolean;
}

export interface RunnerDeps {
  store: DialerStore;
  isDnc(phone: string, campaignId: number): Promise<boolean>;
  clock: Clock;
  log: Logger;
  acd: DialerAcd;
  client(node: string): EslClient;
  /** The node new calls go out on (undefined: none connected). */
  pickNode(): string | undefined;
  gateway: string | undefined;
  callerId: string | undefined;
  /** PROMPTS_DIR: where the default messages (abandon, machine, agentless) are played from. */
  promptsDir?: string;
  /** Something the live figures show changed. */
  changed(): void;
  /** A dial ended (for the metrics). */
  resolved(campaign: string, outcome: DialOutcome): void;
  /** An agent's state in the ACD (any queue), for callbacks they scheduled. */
  agentState(agentId: number): { state: string; since: number } | undefined;
  /**
   * How the node tells machines from people (src/freeswitch/capabilities.ts). `none` when it cannot be known:
   * running `amd` where it does not exist hangs up on a person.
   */
  amdSupport(node: string): Promise<AmdSupport>;
  /** Dials a callback through its agent: their phone first, then the lead (DialerRuntime.agentDial). */
  dialForAgent(runner: CampaignRunner, lead: LeadRow, agentId: number): Promise<void>;
  /**
   * Agentless campaigns with a `flow` setting: runs that IVR flow on the answered channel (IvrRuntime.runOnChannel)
   * and resolves when the flow's run ended. Undefined: no IVR on this service (such a campaign's answers fail).
   */
  runFlow?(call: { node: string; uuid: string; did: string; callerNumber: string; flow: string; variables: Record<string, string> }): Promise<string>;
  /** Channel variables a lead's calls carry, set on the originate (e.g. a follow-up's switchboard_ticket_id). */
  dialVariables?(campaign: CampaignRow, lead: LeadRow): Readonly<Record<string, string>>;
}

type Phase = 'ringing' | 'amd' | 'waiting_agent' | 'connected' | 'message' | 'ending';

interface Dial {
  uuid: string;
  node: string;
  lead: LeadRow;
  attempt: number;
  ledgerId: number;
  reason: string;
  phase: Phase;
  dialedAt: number;
  answeredAt?: number;
  decidedAt?: number;
  connectedAt?: number;
  agentId?: number;
  /** Set once: the outcome the dial is resolved with. */
  outcome?: DialOutcome;
  graceTimer?: ClockTimer;
  beep?: () => void;
  beepSeen?: boolean;
  /** mod_amd is missing and mod_avmd listens: a beep while the call waits for an agent marks a machine. */
  beepOnly?: boolean;
  /** The originate's reply was lost to a disconnect: its channel's events or the resync decide. */
  jobLost?: boolean;
}

export interface CampaignFigures {
  campaign: string;
  id: number;
  type: string;
  running: boolean;
  mode: string;
  lines_in_flight: number;
  waiting_for_agent: number;
  agents_logged_in: number;
  agents_available: number;
  /** Lines in flight per logged-in agent. */
  dial_level: number;
  live_answer_rate: number;
  abandon_rate_rolling: number;
  abandon_window: string;
  dials: number;
  live: number;
  abandoned: number;
  outcomes: Record<string, number>;
  calls_per_hour: number;
  occupancy: number | null;
  last_decision?: Pick<PacingDecision, 'launch' | 'mode' | 'reason' | 'budget' | 'expectedLive' | 'expectedAbandons'>;
  settings_error?: string;
  /** The campaign's AMD setting (off / hangup / message). */
  amd: string;
  /**
   * Answers by the detection their node offered: `amd` (mod_amd), `beep_only` (mod_amd missing, mod_avmd heard for
   * a beep), `none` (neither: treated as a person). Non-zero beep_only / none means AMD is not what was configured.
   */
  amd_answers: Record<AmdSupport, number>;
}

const PACING_TICK_MS = 1000;
const PACING_SKIP_EVERY_MS = 60_000;
const MAX_DUE_TIMER_MS = 3_600_000;
const BEEP_WAIT_MS = 8000;
const CALLBACK_AGENT_GRACE_MS = 30 * 60_000;
const PUMP_RETRY_MS = 5000;
/**
 * Dials the previous instance had in flight that ended while no instance was connected are resolved from their CDRs
 * this long after the takeover (mod_xml_cdr retries a post that met the dead instance), as the ACD closes its orphans.
 */
const UNSEEN_DIAL_DELAY_MS = 20_000;

export class CampaignRunner {
  campaign: CampaignRow;
  settings: CampaignSettings;
  settingsError?: string;
  readonly pacer: PredictivePacer;
  private readonly dials = new Map<string, Dial>();
  private running = false;
  private pumping = false;
  private pumpAgain = false;
  private dueTimer?: ClockTimer;
  private tickTimer?: ClockTimer;
  private lastPacingSkipAt = 0;
  private lastDecision?: PacingDecision;
  private readonly outcomes: Record<string, number> = {};
  /** Answers by how machines could be told from people on their node (mod_amd, beep-only mod_avmd, none). */
  private readonly amdFallbacks: Record<AmdSupport, number> = { amd: 0, beep_only: 0, none: 0 };
  private dialsStarted = 0;
  private readonly startedAt: number;
  private readonly dialTimes: number[] = [];
  private readonly wrapSince = new Map<number, number>();
  /** The compliance window was re-read from the ledger (once per runner). */
  private windowLoaded = false;
  /** The previous instance's dials were taken over (once per runner: its first start). */
  private tookOver = false;
  private unseenTimer?: ClockTimer;

  constructor(
    campaign: CampaignRow,
    private readonly deps: RunnerDeps,
  ) {
    this.campaign = campaign;
    const parsed = parseCampaignSettings(campaign.settings, deps.promptsDir);
    this.settings = parsed.settings;
    this.settingsError = parsed.error;
    this.pacer = new PredictivePacer(deps.clock, this.pacingConfig());
    this.startedAt = deps.clock.now();
  }

  get id(): number {
    return this.campaign.id;
  }

  private pacingConfig(): ConstructorParameters<typeof PredictivePacer>[1] {
    const s = this.settings;
    return {
      linesPerAgent: s.lines_per_agent,
      abandonLimit: s.abandon_limit,
      abandonTarget: Math.min(s.abandon_target, s.abandon_limit),
      windowMs: s.abandon_window === '24h' ? DAY_MS : 30 * DAY_MS,
      // The pacer's grace is counted after the human decision, like connect_within_ms.
      graceMs: s.connect_within_ms,
      amdFalsePositiveShare: s.amd === 'off' ? 0 : s.amd_false_positive_share,
    };
  }

  /**
   * Starts dialing: leads left 'dialing' by a stop or crash come back, the compliance window is re-read. On the first
   * start after a takeover, the previous instance's dials are taken over: those still live on the switch (`live`)
   * are tracked again, those that ended unseen are resolved from their CDRs a little later; their leads stay
   * `dialing` meanwhile, so nobody who already talked to an agent is dialled again.
   */
  async start(live: readonly LiveDial[] = []): Promise<void> {
    if (this.running) return;
    this.running = true;
    const mine = live.filter((d) => d.campaignId === this.campaign.id && !this.dials.has(d.uuid));
    const open = this.tookOver ? [] : await this.deps.store.openDials(this.campaign.id);
    const liveUuids = new Set(live.map((d) => d.uuid));
    const unseen = open.filter((r) => r.call_uuid && !liveUuids.has(r.call_uuid) && !this.dials.has(r.call_uuid));
    // A restart after a stop keeps the leads of calls still in flight (ours, and those live on the switch).
    await this.deps.store.releaseDialing(this.campaign.id, [
      ...[...this.dials.values()].map((d) => d.lead.id),
      ...live.map((d) => d.leadId),
      ...unseen.map((r) => r.lead_id).filter((id): id is number => id !== null),
    ]);
    if (!this.tookOver) {
      this.tookOver = true;
      await this.adopt(mine, open);
      if (unseen.length) {
        this.unseenTimer = this.deps.clock.setTimeout(() => {
          this.unseenTimer = undefined;
          void this.resolveUnseen(unseen).catch((err: unknown) => this.deps.log.error('dialer could not resolve the dials that ended unseen', { campaign: this.campaign.name, error: (err as Error).message }));
        }, UNSEEN_DIAL_DELAY_MS);
      }
    }
    if (!this.windowLoaded) {
      this.windowLoaded = true;
      const since = new Date(this.deps.clock.now() - this.pacer.config.windowMs);
      for (const r of await this.deps.store.liveResults(this.campaign.id, since)) this.pacer.recordLive(r.abandoned, r.at.getTime());
    }
    this.deps.log.info('campaign started', { campaign: this.campaign.name, type: this.campaign.type });
    this.pump();
  }

  /** Stops launching; calls in flight finish normally. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.dueTimer?.cancel();
    this.tickTimer?.cancel();
    this.unseenTimer?.cancel();
    this.dueTimer = this.tickTimer = this.unseenTimer = undefined;
    this.deps.log.info('campaign stopped', { campaign: this.campaign.name, in_flight: this.dials.size });
    this.deps.changed();
  }

  get isRunning(): boolean {
    return this.running;
  }

  get inFlight(): number {
    return this.dials.size;
  }

  /** A changed campaign row (API edit): settings and pacing targets follow; the pacer keeps what it learnt. */
  update(campaign: CampaignRow): void {
    this.campaign = campaign;
    const parsed = parseCampaignSettings(campaign.settings, this.deps.promptsDir);
    this.settings = parsed.settings;
    this.settingsError = parsed.error;
    Object.assign(this.pacer.config, this.pacingConfig());
    this.pump();
  }

  hasDialsOn(node: string): boolean {
    return [...this.dials.values()].some((d) => d.node === node);
  }

  owns(uuid: string): boolean {
    return this.dials.has(uuid);
  }

  // ---- deciding -----------------------------------------------------------------------------------------------

  /** Re-decides now (coalesced: one pump at a time, a request during a pump runs another after it). */
  pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      try {
        do {
          this.pumpAgain = false;
          await this.pumpOnce();
        } while (this.pumpAgain && this.running);
      } catch (err) {
        // E.g. the database is away: try again shortly rather than wait for the next event.
        this.deps.log.error('dialer pump failed; retrying in 5 s', { campaign: this.campaign.name, error: (err as Error).message });
        this.dueTimer?.cancel();
        this.dueTimer = this.deps.clock.setTimeout(() => {
          this.dueTimer = undefined;
          this.pump();
        }, PUMP_RETRY_MS);
      } finally {
        this.pumping = false;
      }
    })();
  }

  pacingState(): PacingState {
    const now = this.deps.clock.now();
    const agents = this.deps.acd.queueAgents(this.campaign.queue);
    const busy: PacingState['busyAgents'][number][] = [];
    let loggedIn = 0;
    let available = 0;
    for (const a of agents) {
      if (a.state === 'logged_out') continue;
      loggedIn++;
      if (a.state === 'available') available++;
      else if (a.state === 'on_call' || a.state === 'reserved') busy.push({ phase: 'talk', elapsedMs: a.state === 'reserved' ? 0 : now - a.since });
      else if (a.state === 'wrap_up') busy.push({ phase: 'wrap', elapsedMs: now - a.since });
    }
    const inFlight: Array<{ ringElapsedMs: number }> = [];
    let liveWaiting = 0;
    for (const d of this.dials.values()) {
      if (d.phase === 'ringing' || d.phase === 'amd') inFlight.push({ ringElapsedMs: now - d.dialedAt });
      else if (d.phase === 'waiting_agent') liveWaiting++;
    }
    return { agentsLoggedIn: loggedIn, agentsAvailable: available, busyAgents: busy, callsInFlight: inFlight, liveWaiting };
  }

  /** How many calls to launch now. */
  private launchCount(state: PacingState): number {
    switch (this.campaign.type) {
      case 'preview':
        return 0;
      case 'agentless':
        return Math.max(0, this.settings.max_lines - this.dials.size);
      case 'progressive':
        return progressiveDialCount(state, 1);
      case 'predictive': {
        const d = this.pacer.decide(state);
        this.lastDecision = d;
        return d.launch;
      }
    }
  }

  private async pumpOnce(): Promise<void> {
    if (!this.running) return;
    const node = this.deps.pickNode();
    if (!node || !this.deps.gateway) return;
    await this.agentCallbacks(new Date(this.deps.clock.now()));
    const state = this.pacingState();
    const n = this.launchCount(state);
    const now = new Date(this.deps.clock.now());
    if (n > 0) {
      const exclude = [...this.dials.values()].map((d) => d.lead.id);
      let launched = 0;
      // Some due leads are skipped (window, DNC): read a few more than needed, and again while any were skipped.
      for (let round = 0; round < 5 && launched < n && this.running; round++) {
        const leads = await this.deps.store.dueLeads(this.campaign.id, now, (n - launched) * 2 + 4, exclude);
        if (leads.length === 0) break;
        for (const lead of leads) {
          if (launched >= n || !this.running) break;
          exclude.push(lead.id);
          if (await this.tryDial(lead, node, now)) launched++;
        }
      }
      // What the pacer forecast for the calls actually dialled: it measures its own error from it.
      if (this.campaign.type === 'predictive' && this.lastDecision) this.pacer.launched(this.lastDecision, launched);
    } else if (this.campaign.type === 'predictive' && state.agentsLoggedIn > 0 && this.lastDecision) {
      await this.recordPacingSkip(now, state);
    }
    await this.armDueTimer(now);
    if (this.campaign.type === 'predictive' && this.running && !this.tickTimer && (this.dials.size > 0 || state.agentsLoggedIn > 0)) {
      this.tickTimer = this.deps.clock.setTimeout(() => {
        this.tickTimer = undefined;
        this.pump();
      }, PACING_TICK_MS);
    }
    this.deps.changed();
  }

  /**
   * Callbacks agents scheduled for themselves: dialled through that agent as soon as they are available; given to
   * anyone once the agent has been logged out for CALLBACK_AGENT_GRACE_MS past the callback time.
   */
  private async agentCallbacks(now: Date): Promise<void> {
    for (const lead of await this.deps.store.dueCallbacks(this.campaign.id, now)) {
      const agentId = lead.callback_agent_id!;
      const agent = this.deps.agentState(agentId);
      if (agent?.state === 'available') {
        await this.deps.dialForAgent(this, lead, agentId).catch((err: unknown) =>
          this.deps.log.warn('callback through its agent failed; it stays scheduled', { campaign: this.campaign.name, lead: lead.id, agentId, error: (err as Error).message }),
        );
      } else if ((!agent || agent.state === 'logged_out') && now.getTime() - (lead.callback_at?.getTime() ?? 0) > CALLBACK_AGENT_GRACE_MS) {
        await this.deps.store.releaseCallback(lead.id);
      }
    }
  }

  /** The pacer held back while leads were due: one ledger line a minute says why. */
  private async recordPacingSkip(now: Date, state: PacingState): Promise<void> {
    const d = this.lastDecision!;
    if (d.reason === 'no_agents' || now.getTime() - this.lastPacingSkipAt < PACING_SKIP_EVERY_MS) return;
    const [lead] = await this.deps.store.dueLeads(this.campaign.id, now, 1, [...this.dials.values()].map((x) => x.lead.id));
    if (!lead) return;
    this.lastPacingSkipAt = now.getTime();
    await this.deps.store.record({
      campaign_id: this.campaign.id,
      lead_id: lead.id,
      phone_e164: lead.phone_e164,
      at: now,
      action: 'skip',
      reason: 'pacing',
      detail:
        `pacer launched 0 (${d.reason}): ${state.agentsAvailable} of ${state.agentsLoggedIn} agents free, ` +
        `${state.callsInFlight.length} lines ringing, live rate ${d.liveRate.toFixed(3)}, rolling abandon ${d.rollingAbandon.toFixed(4)}`,
      attempt: lead.attempts,
      call_uuid: null,
      agent_id: null,
    });
  }

  private async armDueTimer(now: Date): Promise<void> {
    if (!this.running) return;
    const at = await this.deps.store.nextDueAt(this.campaign.id, now);
    this.dueTimer?.cancel();
    this.dueTimer = undefined;
    if (!at || !this.running) return;
    const ms = Math.min(MAX_DUE_TIMER_MS, Math.max(0, at.getTime() - this.deps.clock.now()) + 5);
    this.dueTimer = this.deps.clock.setTimeout(() => {
      this.dueTimer = undefined;
      this.pump();
    }, ms);
  }

  /**
   * The dial-time checks, each failing one recorded as a skip: attempts left, not on a do-not-call list, the calling
   * window open in every candidate zone of the lead (else it waits for the window). Also used by preview dials.
   */
  async callable(lead: LeadRow, now: Date): Promise<boolean> {
    const skip = async (reason: string, detail: string): Promise<false> => {
      await this.deps.store.record({ campaign_id: this.campaign.id, lead_id: lead.id, phone_e164: lead.phone_e164, at: now, action: 'skip', reason, detail, attempt: lead.attempts, call_uuid: null, agent_id: null });
      return false;
    };
    if (lead.attempts >= this.settings.max_attempts) {
      await this.deps.store.closeLead(lead.id, 'failed', 'max_attempts');
      return skip('max_attempts', `${lead.attempts} attempts made, the campaign allows ${this.settings.max_attempts}`);
    }
    if (await this.deps.isDnc(lead.phone_e164, this.campaign.id)) {
      await this.deps.store.closeLead(lead.id, 'failed', 'dnc');
      return skip('dnc', 'on the global or the campaign do-not-call list');
    }
    const window = callingWindowOpen(lead, this.campaign, now);
    if (!window.open) {
      const retryAt = window.nextOpenAt ?? new Date(now.getTime() + DAY_MS);
      await this.deps.store.deferLead(lead.id, retryAt);
      return skip('window', `${window.reason ?? 'calling window closed'}; next try ${retryAt.toISOString()}`);
    }
    return true;
  }

  /** The checks, then the dial. False when the lead was skipped. */
  private async tryDial(lead: LeadRow, node: string, now: Date): Promise<boolean> {
    if (!(await this.callable(lead, now))) return false;
    if (!(await this.deps.store.claim(lead, now))) return false;
    const reason = lead.callback_at ? 'callback' : this.campaign.type;
    await this.launch({ ...lead, attempts: lead.attempts + 1 }, node, reason);
    return true;
  }

  // ---- taking over -----------------------------------------------------------------------------------------------

  /**
   * The previous instance's dials still live on the switch: tracked again as this instance's own. One still ringing
   * waits for its CHANNEL_ANSWER (the originate's reply went with the old instance) and then runs AMD and the
   * queue as usual; one answered is past the decision: connected to an agent (the ACD adopted the bridge), waiting in
   * the queue (the ACD adopted it too; the 2-second rule has passed), or an agentless message; its hangup resolves it.
   */
  private async adopt(live: readonly LiveDial[], open: readonly LedgerRow[]): Promise<void> {
    const now = this.deps.clock.now();
    let adopted = 0;
    for (const d of live) {
      const row = open.find((r) => r.call_uuid === d.uuid);
      const lead = row ? await this.deps.store.getLead(d.leadId) : null;
      if (!row || !lead) {
        this.deps.log.warn('a campaign call on the switch has no open dial in the ledger; left alone', { campaign: this.campaign.name, uuid: d.uuid, lead: d.leadId });
        continue;
      }
      const dial: Dial = { uuid: d.uuid, node: d.node, lead, attempt: row.attempt, ledgerId: row.id, reason: row.reason, phase: 'ringing', dialedAt: new Date(row.at).getTime(), jobLost: true };
      this.dials.set(d.uuid, dial);
      adopted++;
      if (d.answered) {
        dial.answeredAt = now;
        const agentId = this.deps.acd.legsOfCall?.(d.uuid)?.agentId;
        if (this.campaign.type === 'agentless') {
          // The old instance's message (or flow) stopped with it: the person hears it again from the start, as a
          // caller in an IVR flow does after a takeover.
          dial.decidedAt = now;
          dial.phase = 'message';
          void this.deps
            .client(d.node)
            .api(uuidBreak(d.uuid, true))
            .catch(() => undefined)
            .then(() => this.guard(dial, this.agentless(dial)));
        } else if (agentId !== undefined) {
          // Talking to an agent: the ACD adopted the bridge.
          dial.decidedAt = now;
          dial.phase = 'connected';
          dial.connectedAt = now;
          dial.agentId = agentId;
        } else if (this.deps.acd.holdsCall?.(d.uuid)) {
          // Waiting in the queue: the ACD adopted it as a waiting caller (the 2-second rule is past).
          dial.decidedAt = now;
          dial.phase = 'waiting_agent';
        } else {
          // Answered while no instance ran: nobody decided yet. A person (AMD is over by now): to the queue at once.
          this.human(dial);
        }
      }
      // Ended between the takeover's look and now: no hangup will come; its CDR says how it went.
      void this.deps
        .client(d.node)
        .api(uuidExists(d.uuid))
        .then(
          (reply) => {
            if (reply.body.trim() === 'true' || this.dials.get(d.uuid) !== dial) return;
            this.dials.delete(d.uuid);
            return this.resolveUnseen([row]);
          },
          () => undefined, // disconnected: the resync after the reconnect decides
        )
        .catch((err: unknown) => this.deps.log.warn('dialer could not check a taken-over call', { uuid: d.uuid, error: (err as Error).message }));
    }
    if (adopted) this.deps.log.info('took over the campaign calls on the switch', { campaign: this.campaign.name, calls: adopted });
    this.deps.changed();
  }

  /**
   * Dials that ended while no instance was connected: resolved from their CDR (talked to an agent: human; answered:
   * hung up; not answered: by the hangup cause), or failed when no CDR came; the lead gets its next step.
   */
  private async resolveUnseen(rows: readonly LedgerRow[]): Promise<void> {
    for (const row of rows) {
      if (!row.call_uuid || row.lead_id === null || this.dials.has(row.call_uuid)) continue;
      const cdr = await this.deps.store.cdrOutcome(row.call_uuid);
      const outcome: DialOutcome = !cdr ? 'failed' : cdr.agentId !== null || cdr.bridged ? 'human' : cdr.answered ? 'hung_up' : outcomeOfCause(cdr.cause);
      const detail = cdr ? `ended while no instance was connected (${cdr.cause})` : 'ended while no instance was connected; no CDR';
      const at = new Date(this.deps.clock.now());
      this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
      this.deps.resolved(this.campaign.name, outcome);
      await this.deps.store.finishAttempt({ ledgerId: row.id, leadId: row.lead_id, outcome, step: nextStep(this.settings, outcome, row.attempt, at), at, agentId: cdr?.agentId ?? null, detail });
    }
    this.deps.changed();
    this.pump();
  }

  // ---- calling ------------------------------------------------------------------------------------------------

  private async launch(lead: LeadRow, node: string, reason: string): Promise<void> {
    const uuid = randomUUID();
    const now = this.deps.clock.now();
    let cmd: FsCommand;
    try {
      cmd = originate(
        dialGateway(this.deps.gateway!, lead.phone_e164),
        apps.park(),
        {
          ...(this.deps.dialVariables?.(this.campaign, lead) ?? {}),
          switchboard_campaign: String(this.campaign.id),
          switchboard_lead: String(lead.id),
          hangup_after_bridge: 'true',
          playback_terminators: 'none',
        },
        {
          originateUuid: uuid,
          timeoutSec: this.settings.ring_timeout_sec,
          ...(this.settings.caller_id ?? this.deps.callerId ? { callerIdNumber: (this.settings.caller_id ?? this.deps.callerId)! } : {}),
        },
      );
    } catch (err) {
      // A number the builder refuses never reaches FreeSWITCH.
      const ledgerId = await this.deps.store.record(this.ledgerDial(lead, uuid, reason, `refused: ${(err as Error).message}`));
      await this.deps.store.resolve(ledgerId, 'invalid', new Date(now));
      await this.deps.store.applyStep(lead.id, 'invalid', nextStep(this.settings, 'invalid', lead.attempts, new Date(now)));
      return;
    }
    // The ledger row first: every dial that reaches FreeSWITCH has one to resolve.
    const ledgerId = await this.deps.store.record(this.ledgerDial(lead, uuid, reason, `attempt ${lead.attempts} via ${this.deps.gateway}`));
    const dial: Dial = { uuid, node, lead, attempt: lead.attempts, ledgerId, reason, phase: 'ringing', dialedAt: now };
    this.dials.set(uuid, dial);
    this.dialsStarted++;
    this.dialTimes.push(now);
    this.deps.changed();
    this.deps
      .client(node)
      .bgapi(cmd, { timeoutMs: (this.settings.ring_timeout_sec + 30) * 1000 })
      .then(
        (job) => {
          if (job.ok) this.answered(dial);
          else this.resolve(dial, outcomeOfCause(job.body.replace(/^-ERR\s*/, '')), job.body.trim());
        },
        (err: unknown) => {
          if (err instanceof EslDisconnectedError || err instanceof EslTimeoutError) {
            // The originate may still be running on the switch: its events (or the resync after the reconnect) tell.
            dial.jobLost = true;
            this.deps.log.warn('originate reply lost; waiting for the channel or the resync', { campaign: this.campaign.name, uuid, error: (err as Error).message });
            // A reply that never came on a connection that stayed up: ask whether the channel exists at all.
            if (err instanceof EslTimeoutError) this.checkExists(dial);
            return;
          }
          this.resolve(dial, 'failed', (err as Error).message);
        },
      );
  }

  private checkExists(dial: Dial): void {
    this.deps
      .client(dial.node)
      .api(uuidExists(dial.uuid))
      .then(
        (reply) => {
          if (reply.body.trim() !== 'true' && dial.phase === 'ringing') this.resolve(dial, 'failed', 'originate timed out and the channel is gone');
        },
        () => undefined, // disconnected: the resync after the reconnect decides
      );
  }

  private ledgerDial(lead: LeadRow, uuid: string, reason: string, detail: string): Parameters<DialerStore['record']>[0] {
    return {
      campaign_id: this.campaign.id,
      lead_id: lead.id,
      phone_e164: lead.phone_e164,
      at: new Date(this.deps.clock.now()),
      action: 'dial',
      reason,
      detail,
      attempt: lead.attempts,
      call_uuid: uuid,
      agent_id: null,
    };
  }

  /** The call answered (the originate's +OK, or its CHANNEL_ANSWER, whichever comes first). */
  private answered(dial: Dial): void {
    if (dial.phase !== 'ringing' || dial.answeredAt !== undefined) return;
    if (dial.outcome) {
      // Resolved meanwhile (hung up as it answered): make sure nothing is left.
      this.kill(dial, 'NORMAL_CLEARING');
      return;
    }
    dial.answeredAt = this.deps.clock.now();
    if (this.settings.amd === 'off') {
      this.human(dial);
      return;
    }
    dial.phase = 'amd';
    void this.detect(dial);
  }

  /** Machine or person, by what the node offers (see RunnerDeps.amdSupport). */
  private async detect(dial: Dial): Promise<void> {
    const support = await this.deps.amdSupport(dial.node).catch((): AmdSupport => 'none');
    if (dial.outcome) return;
    this.amdFallbacks[support]++;
    if (support !== 'amd') {
      // No `amd` application on this node: never run it (FreeSWITCH would hang the person up). Beep detection is
      // started before anything else runs on the leg (messages execute in order), then the call is a person.
      if (support === 'beep_only') {
        dial.beepOnly = true;
        try {
          await this.deps.client(dial.node).execute(dial.uuid, apps.avmdStart(), { timeoutMs: 10_000 });
        } catch (err) {
          this.deps.log.warn('avmd_start failed; no beep detection on this call', { uuid: dial.uuid, error: (err as Error).message });
        }
      }
      if (!dial.outcome) this.human(dial);
      return;
    }
    let done: EslEvent;
    try {
      done = await this.deps.client(dial.node).execute(dial.uuid, apps.amd(), { timeoutMs: 30_000 });
    } catch (err) {
      if (err instanceof ChannelHungUpError) return; // the hangup event resolves it
      // AMD could not run: treat as a person rather than risk hanging up on one.
      this.deps.log.warn('amd failed; handling the call as a person', { campaign: this.campaign.name, uuid: dial.uuid, error: (err as Error).message });
      if (!dial.outcome) this.human(dial);
      return;
    }
    if (dial.outcome) return;
    const result = (header(done, 'variable_amd_result') ?? 'NOTSURE').toUpperCase();
    if (result === 'MACHINE') this.guard(dial, this.machine(dial));
    else this.human(dial);
  }

  private async machine(dial: Dial, how = 'amd'): Promise<void> {
    // Beep-only detection judged the call a person first (fed to the pacer then); it is not fed twice.
    if (!dial.beepOnly) {
      dial.decidedAt = this.deps.clock.now();
      this.feedAttempt(dial, false);
    }
    if (this.settings.amd !== 'message') {
      this.resolve(dial, 'machine', `${how}: machine`);
      this.kill(dial, 'NORMAL_CLEARING');
      return;
    }
    dial.phase = 'message';
    if (!dial.beepSeen) {
      await new Promise<void>((resolve) => {
        const t = this.deps.clock.setTimeout(resolve, BEEP_WAIT_MS);
        dial.beep = () => {
          t.cancel();
          resolve();
        };
      });
    }
    if (dial.outcome) return;
    await this.play(dial, apps.playback(mediaPath(this.settings.machine_message, 'machine_message')));
    this.resolve(dial, 'message_left', `${how}: machine; message left`);
    this.kill(dial, 'NORMAL_CLEARING');
  }

  /** A live person (AMD human / not sure, or AMD off). */
  private human(dial: Dial): void {
    dial.decidedAt = this.deps.clock.now();
    this.feedAttempt(dial, true);
    if (this.campaign.type === 'agentless') {
      this.guard(dial, this.agentless(dial));
      return;
    }
    dial.phase = 'waiting_agent';
    this.handToQueue(dial);
    dial.graceTimer = this.deps.clock.setTimeout(() => this.guard(dial, this.graceOver(dial)), this.settings.connect_within_ms);
    this.pump();
  }

  /** The lead's imported fields (screen-pop extras, flow variables). */
  private leadFields(dial: Dial): Record<string, string> {
    try {
      const v: unknown = JSON.parse(dial.lead.fields);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, string>;
    } catch {
      // fields are written by the import as JSON; a broken row only loses its extras
    }
    return {};
  }

  private handToQueue(dial: Dial): void {
    const fields = this.leadFields(dial);
    const variables: Record<string, string> = {
      ...fields,
      campaign: this.campaign.name,
      campaign_id: String(this.campaign.id),
      lead_id: String(dial.lead.id),
      ...(dial.lead.name ? { caller_name: dial.lead.name } : {}),
    };
    const call: QueuedCall = {
      uuid: dial.uuid,
      node: dial.node,
      did: `campaign:${this.campaign.name}`,
      callerNumber: dial.lead.phone_e164,
      queue: this.campaign.queue,
      // Ahead of inbound callers: this person was called by us and must meet an agent within seconds.
      priority: 1000,
      skills: [],
      variables,
      note: (detail) => this.deps.log.debug('dialer call in the ACD', { uuid: dial.uuid, detail }),
      play: async (media) => {
        for (const m of media) await this.play(dial, playInvocation(m));
      },
      voicemail: async () => this.kill(dial, 'NORMAL_CLEARING'),
      hangup: async (cause) => this.kill(dial, cause),
    };
    void this.deps.acd.handoff(call);
  }

  /** Beep-only detection heard a voicemail beep before an agent took the call: out of the queue, a machine. */
  private async beepWhileWaiting(dial: Dial): Promise<void> {
    const withdrawn = await this.deps.acd.withdraw(dial.uuid);
    if (!withdrawn || dial.outcome || dial.phase !== 'waiting_agent') return;
    dial.graceTimer?.cancel();
    dial.graceTimer = undefined;
    await this.machine(dial, 'avmd beep');
  }

  /** The 2-second rule: no agent connected in time -> out of the queue, abandon message, counted. */
  private async graceOver(dial: Dial): Promise<void> {
    dial.graceTimer = undefined;
    if (dial.outcome || dial.phase !== 'waiting_agent') return;
    const withdrawn = await this.deps.acd.withdraw(dial.uuid);
    if (!withdrawn || dial.outcome || dial.phase !== 'waiting_agent') return;
    dial.phase = 'message';
    this.resolve(dial, 'abandoned', `no agent within ${this.settings.connect_within_ms} ms of the answer; abandon message played`);
    await this.play(dial, apps.playback(mediaPath(this.settings.abandon_message, 'abandon_message')));
    this.kill(dial, 'NORMAL_CLEARING');
  }

  private async agentless(dial: Dial): Promise<void> {
    dial.phase = 'message';
    if (this.settings.flow) {
      await this.runFlow(dial, this.settings.flow);
      return;
    }
    const keys = [this.settings.confirm_key, this.settings.transfer_key].filter((k): k is string => !!k);
    const message = mediaPath(this.settings.message, 'message');
    if (keys.length === 0) {
      await this.play(dial, apps.playback(message));
      this.resolve(dial, 'delivered', 'message played');
      this.kill(dial, 'NORMAL_CLEARING');
      return;
    }
    let digit = '';
    try {
      const done = await this.deps.client(dial.node).execute(
        dial.uuid,
        apps.playAndGetDigits({
          min: 1,
          max: 1,
          tries: 1,
          timeoutMs: this.settings.key_timeout_sec * 1000,
          terminators: 'none',
          file: message,
          invalidFile: mediaPath('silence_stream://250'),
          varName: 'switchboard_dialer_key',
          regexp: `^[${keys.map((k) => (k === '*' ? '\\*' : k)).join('')}]$`,
        }),
        { timeoutMs: 600_000 },
      );
      digit = header(done, 'variable_switchboard_dialer_key') ?? '';
    } catch {
      return; // hung up: the hangup resolves it as delivered
    }
    if (dial.outcome) return;
    if (digit && digit === this.settings.transfer_key) {
      dial.phase = 'waiting_agent';
      dial.reason = 'transfer';
      this.handToQueue(dial);
      return;
    }
    this.resolve(dial, digit && digit === this.settings.confirm_key ? 'confirmed' : 'delivered', digit ? `pressed ${digit}` : 'message played, no key');
    this.kill(dial, 'NORMAL_CLEARING');
  }

  /**
   * The answered person is handed to an IVR flow (the follow-up survey): the flow plays, collects and hangs up; the
   * hangup resolves the dial as `delivered` (hungUp, phase message). A flow that cannot start fails the dial.
   */
  private async runFlow(dial: Dial, flow: string): Promise<void> {
    if (!this.deps.runFlow) throw new Error(`campaign flow ${flow} set but this service runs no IVR`);
    const variables: Record<string, string> = {
      ...this.leadFields(dial),
      ...(this.deps.dialVariables?.(this.campaign, dial.lead) ?? {}),
      campaign: this.campaign.name,
      campaign_id: String(this.campaign.id),
      lead_id: String(dial.lead.id),
    };
    const outcome = await this.deps.runFlow({ node: dial.node, uuid: dial.uuid, did: `campaign:${this.campaign.id}`, callerNumber: dial.lead.phone_e164, flow, variables });
    this.deps.log.debug('campaign flow ended', { campaign: this.campaign.name, uuid: dial.uuid, flow, outcome });
  }

  /** A call flow that failed unexpectedly: logged, resolved as failed, the channel hung up (never left parked). */
  private guard(dial: Dial, flow: Promise<void>): void {
    flow.catch((err: unknown) => {
      this.deps.log.error('dialer call flow failed', { campaign: this.campaign.name, uuid: dial.uuid, error: (err as Error).message });
      this.resolve(dial, 'failed', `internal error: ${(err as Error).message}`);
      this.kill(dial, 'NORMAL_TEMPORARY_FAILURE');
    });
  }

  private async play(dial: Dial, inv: AppInvocation): Promise<void> {
    try {
      await this.deps.client(dial.node).execute(dial.uuid, inv, { timeoutMs: 300_000 });
    } catch {
      // hung up or gone: nothing more to play
    }
  }

  private kill(dial: Dial, cause: Parameters<typeof uuidKill>[1]): void {
    this.deps
      .client(dial.node)
      .api(uuidKill(dial.uuid, cause))
      .catch(() => undefined);
  }

  // ---- events -------------------------------------------------------------------------------------------------

  /** The ACD connected (or ended) a call of ours. */
  acdCallState(callId: string, state: string, agentId: number | undefined): void {
    const dial = this.dials.get(callId);
    if (!dial) return;
    if (state === 'connected') {
      dial.graceTimer?.cancel();
      dial.graceTimer = undefined;
      dial.phase = 'connected';
      dial.connectedAt = this.deps.clock.now();
      dial.agentId = agentId;
      this.deps.changed();
    }
  }

  /** An agent of the campaign's queue changed state: wrap-up times feed the pacer; a free agent means a pump. */
  agentState(agentId: number, state: string, previous: string, at: number): void {
    if (previous === 'wrap_up') {
      const since = this.wrapSince.get(agentId);
      if (since !== undefined) this.pacer.recordWrap(at - since);
    }
    if (state === 'wrap_up') this.wrapSince.set(agentId, at);
    else this.wrapSince.delete(agentId);
    this.pump();
  }

  handleEvent(event: EslEvent): void {
    const uuid = header(event, 'Unique-ID');
    const dial = uuid ? this.dials.get(uuid) : undefined;
    if (!dial) return;
    if (event.name === 'CHANNEL_ANSWER') {
      this.answered(dial);
    } else if (event.name === 'CUSTOM' && header(event, 'Event-Subclass') === 'avmd::beep') {
      dial.beepSeen = true;
      dial.beep?.();
      if (dial.beepOnly && dial.phase === 'waiting_agent') this.guard(dial, this.beepWhileWaiting(dial));
    } else if (event.name === 'CHANNEL_HANGUP_COMPLETE' || event.name === 'CHANNEL_HANGUP') {
      this.hungUp(dial, header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
    }
  }

  private hungUp(dial: Dial, cause: string): void {
    dial.graceTimer?.cancel();
    dial.graceTimer = undefined;
    if (dial.connectedAt !== undefined) this.pacer.recordTalk(this.deps.clock.now() - dial.connectedAt);
    if (!dial.outcome) {
      switch (dial.phase) {
        case 'ringing':
          // The job reports too; whichever comes first resolves. Answered and gone before we could act: hung up.
          this.resolve(dial, dial.answeredAt !== undefined ? 'hung_up' : outcomeOfCause(cause), cause);
          break;
        case 'amd':
          // Hung up during the AMD listen: nobody to judge; counted as a machine-like non-contact.
          this.feedAttempt(dial, false);
          this.resolve(dial, 'no_answer', `hung up during AMD (${cause})`);
          break;
        case 'waiting_agent':
          this.resolve(dial, dial.reason === 'transfer' ? 'delivered' : 'hung_up', `hung up before an agent was connected (${cause})`);
          break;
        case 'connected':
          this.resolve(dial, dial.reason === 'transfer' ? 'transferred' : 'human', `talked to agent ${dial.agentId ?? '?'}`);
          break;
        default:
          this.resolve(dial, this.campaign.type === 'agentless' ? 'delivered' : 'hung_up', cause);
      }
    }
    this.dials.delete(dial.uuid);
    this.pump();
  }

  /**
   * After a reconnect to `node`: dials whose originate reply was lost are matched against the channels FreeSWITCH
   * still has (`show channels as json`: uuid -> callstate). Gone: resolved as failed. Answered: handled as an answer.
   * Still ringing: its events come on the new connection.
   */
  resync(node: string, live: ReadonlyMap<string, string>): void {
    for (const dial of [...this.dials.values()]) {
      if (dial.node !== node) continue;
      const state = live.get(dial.uuid);
      if (state === undefined) {
        if (dial.phase === 'ringing' && dial.jobLost) this.resolve(dial, 'failed', 'lost in a FreeSWITCH reconnect');
        else if (dial.phase !== 'ringing') this.hungUp(dial, 'NORMAL_CLEARING');
      } else if (dial.phase === 'ringing' && (state === 'ACTIVE' || state === 'HELD')) {
        this.answered(dial);
      }
    }
  }

  /** A resolved attempt, for the pacer's answer-rate model (dial to decision). */
  private feedAttempt(dial: Dial, live: boolean): void {
    this.pacer.recordAttempt({ durationMs: (dial.decidedAt ?? this.deps.clock.now()) - dial.dialedAt, live });
  }

  /**
   * The dial's outcome is known: ledger, lead, compliance window, figures. Once per dial; the channel may still be
   * up (the abandon message plays), the dial stays tracked until its hangup.
   */
  private resolve(dial: Dial, outcome: DialOutcome, detail: string): void {
    if (dial.outcome) return;
    dial.outcome = outcome;
    const now = this.deps.clock.now();
    if (dial.phase === 'ringing') this.feedAttempt(dial, false);
    if (isLive(outcome)) this.pacer.recordLive(outcome === 'abandoned');
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    this.deps.resolved(this.campaign.name, outcome);
    const at = new Date(now);
    const step = nextStep(this.settings, outcome, dial.attempt, at);
    this.deps.store
      .finishAttempt({ ledgerId: dial.ledgerId, leadId: dial.lead.id, outcome, step, at, agentId: dial.agentId ?? null, detail })
      .catch((err: unknown) => this.deps.log.error('dialer could not record a result', { campaign: this.campaign.name, uuid: dial.uuid, error: (err as Error).message }));
    // A job that failed (no channel) never sends a hangup: forget it now.
    if (dial.phase === 'ringing') {
      this.dials.delete(dial.uuid);
      this.pump();
    }
    this.deps.changed();
  }

  // ---- figures ------------------------------------------------------------------------------------------------

  figures(): CampaignFigures {
    const state = this.pacingState();
    const now = this.deps.clock.now();
    while (this.dialTimes.length && this.dialTimes[0]! < now - 3_600_000) this.dialTimes.shift();
    const hours = Math.min(1, Math.max(1 / 60, (now - this.startedAt) / 3_600_000));
    const { live, abandoned } = this.pacer.abandons.counts();
    const d = this.lastDecision;
    return {
      campaign: this.campaign.name,
      id: this.campaign.id,
      type: this.campaign.type,
      running: this.running,
      mode: this.campaign.type === 'predictive' ? (d?.mode ?? 'progressive') : this.campaign.type,
      lines_in_flight: state.callsInFlight.length,
      waiting_for_agent: state.liveWaiting,
      agents_logged_in: state.agentsLoggedIn,
      agents_available: state.agentsAvailable,
      dial_level: state.agentsLoggedIn ? (state.callsInFlight.length + state.liveWaiting) / state.agentsLoggedIn : 0,
      live_answer_rate: this.pacer.answers.posterior().mean,
      abandon_rate_rolling: live ? abandoned / live : 0,
      abandon_window: this.settings.abandon_window,
      dials: this.dialsStarted,
      live,
      abandoned,
      outcomes: { ...this.outcomes },
      calls_per_hour: Math.round(this.dialTimes.length / hours),
      occupancy: state.agentsLoggedIn ? state.busyAgents.length / state.agentsLoggedIn : null,
      ...(d ? { last_decision: { launch: d.launch, mode: d.mode, reason: d.reason, budget: d.budget, expectedLive: d.expectedLive, expectedAbandons: d.expectedAbandons } } : {}),
      ...(this.settingsError ? { settings_error: this.settingsError } : {}),
      amd: this.settings.amd,
      amd_answers: { ...this.amdFallbacks },
    };
  }
}
