/**
 * The dialer on the service: one CampaignRunner per enabled campaign, the node-cron schedules that turn campaigns on
 * and off, the routing of FreeSWITCH events and ACD effects to the runner that owns the call, preview dialing for
 * agents (the agent sees the lead, then dials it as a manual outbound call), agent-set callbacks, and the live
 * figures (REST, WebSocket `campaign_stats` to supervisors, Prometheus).
 */
import { schedule as cronSchedule, type ScheduledTask } from 'node-cron';
import type { DataSource } from 'typeorm';
import type { AcdEffect } from '../../acd/contract';
import type { Clock, ClockTimer } from '../../clock/clock';
import { CampaignSchema, type CampaignRow, type LeadRow } from '../../db/entities/dialer';
import type { EslClient } from '../../esl/client';
import { header, type EslEvent } from '../../esl/types';
import { showChannelsJson } from '../../freeswitch';
import { NodeCapabilityProbe } from '../../freeswitch/capabilities';
import type { Logger } from '../../log/logger';
import type { MetricsRegistry } from '../../metrics/registry';
import { parseCampaignSettings } from '../campaign-settings';
import { DncStore } from '../leads/dnc';
import { nextStep, outcomeOfCause, type DialOutcome } from '../outcomes';
import { CampaignRunner, type CampaignFigures, type DialerAcd, type LiveDial, type RunnerDeps } from './campaign-runner';
import { DialerStore } from './dialer-store';

export interface DialerCluster {
  client(node: string): EslClient;
  nodeNames(): string[];
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
  onStatus(listener: (node: string, status: string, epoch: number) => void): () => void;
  /** Events of a node were dropped (its event queue overflowed): resync as after a reconnect. */
  onResync?(listener: (node: string) => void): () => void;
}

export interface DialerAcdRuntime extends DialerAcd {
  onEffect(listener: (effect: AcdEffect) => void): () => void;
  readonly engine: { agent(agentId: number): { state: string; since: number } | undefined };
  agentQueues(agentId: number): string[];
}

/** Places the agent-first call of a preview or callback dial (CallControl.manualOutbound). */
export type ManualOutbound = (agentId: number, number: string) => Promise<{ agentUuid: string; customerUuid: string }>;

export interface DialerRuntimeOptions {
  dataSource: DataSource;
  cluster: DialerCluster;
  acd: DialerAcdRuntime;
  clock: Clock;
  logger: Logger;
  metrics?: MetricsRegistry;
  /** Sofia gateway for campaign calls (OUTBOUND_GATEWAY); without it nothing is dialled. */
  gateway?: string;
  callerId?: string;
  /** PROMPTS_DIR: the default campaign messages are played from there. */
  promptsDir?: string;
  /** Agent-first calls for preview dials and agents' own callbacks (the API's CallControl.manualOutbound). */
  manualOutbound?: ManualOutbound;
  /** Live figures changed (throttled per campaign): the WebSocket push. */
  publish?: (figures: CampaignFigures) => void;
  publishThrottleMs?: number;
  /** What each node can do (AMD); default: probed by the dialer itself at every connection. */
  capabilities?: NodeCapabilityProbe;
  /** Agentless campaigns with a `flow`: runs the IVR flow on the answered channel (IvrRuntime.runOnChannel). */
  runFlow?: RunnerDeps['runFlow'];
  /** Channel variables a lead's calls carry (the follow-up calls' ticket and follow-up ids). */
  dialVariables?: RunnerDeps['dialVariables'];
}

export class DialerError extends Error {
  constructor(
    readonly code: 'not_found' | 'invalid_state' | 'refused' | 'not_configured',
    message: string,
  ) {
    super(message);
  }
}

interface PreviewCall {
  campaign: CampaignRow;
  lead: LeadRow;
  ledgerId: number;
  agentId: number;
  node: string;
  answered: boolean;
}

export class DialerRuntime {
  readonly store: DialerStore;
  private readonly dnc: DncStore;
  private readonly runners = new Map<number, CampaignRunner>();
  private readonly schedules = new Map<number, { key: string; tasks: ScheduledTask[] }>();
  private readonly previewCalls = new Map<string, PreviewCall>();
  /** Leads shown to an agent for preview and not dialled yet (agent -> lead). */
  private readonly previewHolds = new Map<number, { campaignId: number; leadId: number }>();
  private readonly publishDue = new Map<number, ClockTimer>();
  private readonly unsubscribers: Array<() => void> = [];
  private readonly log: Logger;
  /** Campaign calls live on the switch at the takeover: their runners track them again (CampaignRunner.adopt). */
  private liveDials: LiveDial[] = [];
  private closed = false;

  private readonly capabilities: NodeCapabilityProbe;
  private readonly ownCapabilities: boolean;

  constructor(private readonly o: DialerRuntimeOptions) {
    this.ownCapabilities = !o.capabilities;
    this.capabilities = o.capabilities ?? new NodeCapabilityProbe(o.cluster, o.logger);
    this.store = new DialerStore(o.dataSource);
    this.dnc = new DncStore(o.dataSource, () => new Date(o.clock.now()));
    this.log = o.logger.child({ module: 'dialer' });
  }

  /**
   * `liveDials`: campaign calls still live on FreeSWITCH (a standby taking over reads them from the channels'
   * switchboard_campaign / switchboard_lead): their leads stay 'dialing' instead of going back to the list, so nobody
   * already talking to an agent is dialled a second time, and their runners track them again.
   */
  async start(opts: { liveDials?: readonly LiveDial[] } = {}): Promise<void> {
    this.liveDials = [...(opts.liveDials ?? [])];
    this.unsubscribers.push(this.o.cluster.onEvent((node, event) => this.onEvent(node, event)));
    this.unsubscribers.push(this.o.acd.onEffect((effect) => this.onEffect(effect)));
    // A node coming (back) up is a chance to dial.
    this.unsubscribers.push(
      this.o.cluster.onStatus((node, status) => {
        if (status !== 'ready') return;
        void this.resync(node);
        this.pumpAll();
      }),
    );
    const offResync = this.o.cluster.onResync?.((node) => void this.resync(node));
    if (offResync) this.unsubscribers.push(offResync);
    this.o.metrics?.onScrape(() => this.exportMetrics());
    for (const c of await this.o.dataSource.getRepository(CampaignSchema).find()) await this.apply(c);
    if (!this.o.gateway) this.log.warn('no OUTBOUND_GATEWAY configured: campaigns will not dial');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const u of this.unsubscribers.splice(0)) u();
    for (const id of [...this.schedules.keys()]) await this.unschedule(id);
    for (const t of this.publishDue.values()) t.cancel();
    for (const r of this.runners.values()) r.stop();
    if (this.ownCapabilities) this.capabilities.close();
  }

  /** Re-reads a campaign after an API change (or its deletion) and starts, updates or stops its runner. */
  async reload(campaignId: number): Promise<void> {
    const row = await this.o.dataSource.getRepository(CampaignSchema).findOneBy({ id: campaignId });
    if (!row) {
      this.runners.get(campaignId)?.stop();
      this.runners.delete(campaignId);
      await this.unschedule(campaignId);
      return;
    }
    await this.apply(row);
  }

  private async apply(row: CampaignRow): Promise<void> {
    if (this.closed) return;
    let runner = this.runners.get(row.id);
    if (!runner) {
      runner = new CampaignRunner(row, {
        store: this.store,
        isDnc: (phone, id) => this.dnc.isDnc(phone, id),
        clock: this.o.clock,
        log: this.log,
        acd: this.o.acd,
        client: (node) => this.o.cluster.client(node),
        pickNode: () => this.pickNode(),
        amdSupport: async (node) => (this.capabilities.get(node) ?? (await this.capabilities.probe(node)))?.amd ?? 'none',
        gateway: this.o.gateway,
        callerId: this.o.callerId,
        promptsDir: this.o.promptsDir,
        changed: () => this.changed(row.id),
        resolved: (campaign, outcome) => this.o.metrics?.dialerDialsTotal.inc({ campaign, outcome }),
        agentState: (agentId) => this.o.acd.engine.agent(agentId),
        runFlow: this.o.runFlow,
        dialVariables: this.o.dialVariables,
        dialForAgent: async (r, lead, agentId) => {
          const outbound = this.o.manualOutbound;
          if (!outbound) throw new DialerError('not_configured', 'agent call control is not available');
          await this.agentDial(r, lead, agentId, 'callback', outbound);
        },
      });
      this.runners.set(row.id, runner);
    } else {
      runner.update(row);
    }
    if (runner.settingsError) this.log.warn('campaign settings are invalid; using the defaults', { campaign: row.name, error: runner.settingsError });
    await this.reschedule(row);
    if (row.enabled && row.type !== 'preview') await runner.start(this.liveDials);
    else runner.stop();
  }

  /** After a (re)connect or dropped events: dials in flight on the node are matched against the channels it still has. */
  private async resync(node: string): Promise<void> {
    const runners = [...this.runners.values()].filter((r) => r.hasDialsOn(node));
    if (runners.length === 0) return;
    const live = new Map<string, string>();
    try {
      const reply = await this.o.cluster.client(node).api(showChannelsJson());
      const parsed = JSON.parse(reply.body) as { rows?: Array<Record<string, unknown>> };
      for (const row of parsed.rows ?? []) if (typeof row.uuid === 'string') live.set(row.uuid, String(row.callstate ?? ''));
    } catch (err) {
      this.log.warn('dialer resync: show channels failed', { node, error: (err as Error).message });
      return;
    }
    for (const r of runners) r.resync(node, live);
  }

  private pumpAll(): void {
    for (const r of this.runners.values()) r.pump();
  }

  // ---- schedules ----------------------------------------------------------------------------------------------

  private async unschedule(id: number): Promise<void> {
    const s = this.schedules.get(id);
    this.schedules.delete(id);
    for (const t of s?.tasks ?? []) await t.destroy();
  }

  /**
   * node-cron start/stop in the campaign's time zone: they flip `enabled` and re-apply the campaign. Tasks are only
   * replaced when the schedule or the zone changed (a flip re-applies the campaign without touching them).
   */
  private async reschedule(row: CampaignRow): Promise<void> {
    const schedule = parseCampaignSettings(row.settings).settings.schedule;
    const key = schedule ? `${schedule.start}|${schedule.stop}|${row.timezone}` : '';
    if ((this.schedules.get(row.id)?.key ?? '') === key) return;
    await this.unschedule(row.id);
    if (!schedule || this.closed) return;
    const flip = (enabled: boolean) => async (): Promise<void> => {
      if (this.closed) return;
      try {
        const current = await this.o.dataSource.getRepository(CampaignSchema).findOneBy({ id: row.id });
        if (!current || current.enabled === enabled) return;
        await this.o.dataSource.getRepository(CampaignSchema).update({ id: row.id }, { enabled, updated_at: new Date(this.o.clock.now()) });
        this.log.info(enabled ? 'campaign schedule: start' : 'campaign schedule: stop', { campaign: row.name });
        await this.reload(row.id);
      } catch (err) {
        this.log.error('campaign schedule failed', { campaign: row.name, error: (err as Error).message });
      }
    };
    const opts = { timezone: row.timezone, noOverlap: true };
    this.schedules.set(row.id, {
      key,
      tasks: [
        cronSchedule(schedule.start, flip(true), { ...opts, name: `campaign-${row.id}-start` }),
        cronSchedule(schedule.stop, flip(false), { ...opts, name: `campaign-${row.id}-stop` }),
      ],
    });
  }

  // ---- routing --------------------------------------------------------------------------------------------------

  private pickNode(): string | undefined {
    return this.o.cluster.nodeNames().find((n) => this.o.cluster.client(n).status === 'ready');
  }

  private onEvent(node: string, event: EslEvent): void {
    const uuid = header(event, 'Unique-ID');
    if (!uuid) return;
    const preview = this.previewCalls.get(uuid);
    if (preview && preview.node === node) {
      if (event.name === 'CHANNEL_ANSWER') preview.answered = true;
      else if (event.name === 'CHANNEL_HANGUP_COMPLETE') this.previewEnded(uuid, preview, header(event, 'Hangup-Cause') ?? 'NORMAL_CLEARING');
      return;
    }
    if (event.name !== 'CHANNEL_HANGUP_COMPLETE' && event.name !== 'CHANNEL_ANSWER' && event.name !== 'CUSTOM') return;
    for (const r of this.runners.values()) {
      if (r.owns(uuid)) {
        r.handleEvent(event);
        return;
      }
    }
  }

  private onEffect(effect: AcdEffect): void {
    if (effect.kind === 'agent_state') {
      // Only the campaigns on the agent's queues care (an inbound centre has many agents and few campaigns).
      const queues = this.o.acd.agentQueues(effect.agentId);
      for (const r of this.runners.values()) if (r.isRunning && queues.includes(r.campaign.queue)) r.agentState(effect.agentId, effect.state, effect.previous, effect.at);
    } else if (effect.kind === 'call_state') {
      for (const r of this.runners.values()) if (r.owns(effect.callId)) r.acdCallState(effect.callId, effect.state, effect.agentId);
    }
  }

  // ---- preview and callbacks -------------------------------------------------------------------------------------

  /**
   * The next lead of a preview campaign for this agent (held for them until they dial or skip it). Only campaigns
   * whose queue the agent serves, that are enabled, with a lead due now, callable now (window, DNC, attempts).
   */
  async previewNext(agentId: number): Promise<{ campaign: CampaignRow; lead: LeadRow } | null> {
    const held = this.previewHolds.get(agentId);
    if (held) {
      const lead = await this.store.getLead(held.leadId);
      const campaign = this.runners.get(held.campaignId)?.campaign;
      if (lead && campaign && (lead.status === 'new' || lead.status === 'scheduled')) return { campaign, lead };
      this.previewHolds.delete(agentId);
    }
    const now = new Date(this.o.clock.now());
    const heldIds = [...this.previewHolds.values()].map((h) => h.leadId);
    for (const r of this.runners.values()) {
      const c = r.campaign;
      if (c.type !== 'preview' || !c.enabled) continue;
      // Leads targeted to this agent (their callbacks, follow-ups of their tickets) are theirs whatever the queue;
      // the campaign's other leads go to the agents of its queue.
      const mine = (await this.store.dueCallbacks(c.id, now)).filter((l) => l.callback_agent_id === agentId && !heldIds.includes(l.id));
      const servesQueue = this.o.acd.queueAgents(c.queue).some((a) => a.id === agentId);
      if (!servesQueue && mine.length === 0) continue;
      for (const lead of [...mine, ...(servesQueue ? await this.store.dueLeads(c.id, now, 20, heldIds) : [])]) {
        if (!(await r.callable(lead, now))) continue;
        this.previewHolds.set(agentId, { campaignId: c.id, leadId: lead.id });
        return { campaign: c, lead };
      }
    }
    return null;
  }

  /** Skips the held lead (ledger `skip`, reason `agent`); it stays in the list for later. */
  async previewSkip(agentId: number, leadId: number, why: string): Promise<void> {
    const held = this.previewHolds.get(agentId);
    if (!held || held.leadId !== leadId) throw new DialerError('invalid_state', `lead ${leadId} is not held for agent ${agentId}`);
    this.previewHolds.delete(agentId);
    const lead = await this.store.getLead(leadId);
    if (!lead) throw new DialerError('not_found', `no lead ${leadId}`);
    const now = new Date(this.o.clock.now());
    await this.store.deferLead(leadId, new Date(now.getTime() + 15 * 60_000));
    await this.store.record({ campaign_id: held.campaignId, lead_id: leadId, phone_e164: lead.phone_e164, at: now, action: 'skip', reason: 'agent', detail: `skipped by agent ${agentId}: ${why}`.slice(0, 255), attempt: lead.attempts, call_uuid: null, agent_id: agentId });
  }

  /** Dials the held lead: the agent's phone rings first, then the lead (manual outbound), all recorded. */
  async previewDial(agentId: number, leadId: number, outbound: ManualOutbound): Promise<{ customerUuid: string; agentUuid: string; ledgerId: number }> {
    const held = this.previewHolds.get(agentId);
    if (!held || held.leadId !== leadId) throw new DialerError('invalid_state', `lead ${leadId} is not held for agent ${agentId}; ask for the next preview lead first`);
    const runner = this.runners.get(held.campaignId);
    const lead = await this.store.getLead(leadId);
    if (!runner || !lead) throw new DialerError('not_found', `lead ${leadId} or its campaign is gone`);
    this.previewHolds.delete(agentId);
    return this.agentDial(runner, lead, agentId, 'preview', outbound);
  }

  /** An agent schedules a callback for a lead of a campaign (dialled at `at`, reason `callback` in the ledger). */
  async scheduleCallback(leadId: number, at: Date, agentId: number | null): Promise<LeadRow> {
    const lead = await this.store.scheduleCallback(leadId, at, agentId, new Date(this.o.clock.now()));
    if (!lead) throw new DialerError('not_found', `no lead ${leadId}`);
    this.runners.get(lead.campaign_id)?.pump();
    return lead;
  }

  private async agentDial(runner: CampaignRunner, lead: LeadRow, agentId: number, reason: string, outbound: ManualOutbound) {
    const now = new Date(this.o.clock.now());
    if (!(await runner.callable(lead, now))) throw new DialerError('refused', `lead ${lead.id} may not be called now (see the ledger)`);
    if (!(await this.store.claim(lead, now))) throw new DialerError('invalid_state', `lead ${lead.id} is being dialled already`);
    const attempt = lead.attempts + 1;
    let placed: { agentUuid: string; customerUuid: string };
    try {
      placed = await outbound(agentId, lead.phone_e164);
    } catch (err) {
      // The agent's phone did not take it: the lead goes back to the list, the attempt is not the lead's fault.
      await this.store.applyStep(lead.id, 'agent_failed', { status: 'scheduled', at: now, reason: 'agent phone failed' });
      throw err;
    }
    const node = this.pickNode() ?? this.o.cluster.nodeNames()[0] ?? '';
    const ledgerId = await this.store.record({
      campaign_id: runner.id,
      lead_id: lead.id,
      phone_e164: lead.phone_e164,
      at: now,
      action: 'dial',
      reason,
      detail: `attempt ${attempt} by agent ${agentId}`,
      attempt,
      call_uuid: placed.customerUuid,
      agent_id: agentId,
    });
    this.previewCalls.set(placed.customerUuid, { campaign: runner.campaign, lead: { ...lead, attempts: attempt }, ledgerId, agentId, node, answered: false });
    this.changed(runner.id);
    return { ...placed, ledgerId };
  }

  private previewEnded(uuid: string, call: PreviewCall, cause: string): void {
    this.previewCalls.delete(uuid);
    const outcome: DialOutcome = call.answered ? 'human' : outcomeOfCause(cause);
    const at = new Date(this.o.clock.now());
    const settings = this.runners.get(call.campaign.id)?.settings ?? parseCampaignSettings(call.campaign.settings, this.o.promptsDir).settings;
    const step = nextStep(settings, outcome, call.lead.attempts, at);
    this.o.metrics?.dialerDialsTotal.inc({ campaign: call.campaign.name, outcome });
    this.store
      .finishAttempt({ ledgerId: call.ledgerId, leadId: call.lead.id, outcome, step, at, agentId: call.agentId, detail: call.answered ? 'talked' : cause })
      .catch((err: unknown) => this.log.error('dialer could not record a preview result', { uuid, error: (err as Error).message }));
  }

  // ---- figures --------------------------------------------------------------------------------------------------

  figures(campaignId?: number): CampaignFigures[] {
    const out: CampaignFigures[] = [];
    for (const r of this.runners.values()) if (campaignId === undefined || r.id === campaignId) out.push(r.figures());
    return out;
  }

  /** Per-day dials, live answers and abandonment of a campaign (from the ledger). */
  async perDay(campaignId: number, days = 30) {
    const since = new Date(this.o.clock.now() - days * 86_400_000);
    return (await this.store.perDay(campaignId, since)).map((d) => ({ ...d, abandon_rate: d.live ? d.abandoned / d.live : 0 }));
  }

  private changed(campaignId: number): void {
    if (!this.o.publish || this.closed || this.publishDue.has(campaignId)) return;
    this.publishDue.set(
      campaignId,
      this.o.clock.setTimeout(() => {
        this.publishDue.delete(campaignId);
        const r = this.runners.get(campaignId);
        if (r) this.o.publish?.(r.figures());
      }, this.o.publishThrottleMs ?? 500),
    );
  }

  private exportMetrics(): void {
    const m = this.o.metrics;
    if (!m) return;
    for (const f of this.figures()) {
      m.dialerLinesInFlight.set({ campaign: f.campaign }, f.lines_in_flight);
      m.dialerDialLevel.set({ campaign: f.campaign }, f.dial_level);
      m.dialerLiveAnswerRate.set({ campaign: f.campaign }, f.live_answer_rate);
      m.dialerAbandonRate.set({ campaign: f.campaign }, f.abandon_rate_rolling);
      if (f.occupancy !== null) m.dialerAgentOccupancy.set({ campaign: f.campaign }, f.occupancy);
    }
  }
}
