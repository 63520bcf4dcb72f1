/**
 * The demo's tickets and follow-up calls (npm run demo): after some answered queue calls the agent files a ticket
 * through the API (from the call: its uuid and the caller's number); some tickets are resolved at once with a survey
 * follow-up due now. The follow-up campaign then calls the caller back through the simulator's gateway and runs the
 * survey flow; the demo caller keys a score when asked, as the inbound demo callers key through the IVR.
 */
import type { AcdEffect } from '../acd/contract';
import type { Clock } from '../clock/clock';
import { LedgerSchema } from '../db/entities/dialer';
import { CampaignSchema } from '../db/entities/dialer';
import { TicketSchema } from '../db/entities/tickets';
import { header, type EslEvent } from '../esl/types';
import type { Logger } from '../log/logger';
import { Rng } from '../random/rng';
import type { DataSource } from 'typeorm';

export interface DemoFollowupsOptions {
  baseUrl: string;
  dataSource: DataSource;
  onEffect(listener: (effect: AcdEffect) => void): () => void;
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
  /** Adds events to the service's subscription (FreeSwitchCluster.subscribe): the survey prompts are CHANNEL_EXECUTE. */
  subscribe(events: readonly string[]): Promise<void>;
  /** The caller number of a queue call (the ACD's call info). */
  callerOf(callId: string): string | undefined;
  sim: { setGatewayOutcome(number: string, outcome: { outcome: 'answer'; ringMs: number; hangupAfterMs: number }): void; pressDigits(uuid: string, digits: string, opts?: { intervalMs?: number }): void };
  /** The API token of an agent (their login), by agent id. */
  agentToken(agentId: number): Promise<string | undefined>;
  adminToken: string;
  surveyCampaign: string;
  clock: Clock;
  logger: Logger;
  seed?: number;
  /** One answered call in `ticketEvery` gets a ticket; one ticket in `followupEvery` a survey follow-up. */
  ticketEvery?: number;
  followupEvery?: number;
}

export class DemoFollowups {
  private readonly rng: Rng;
  private readonly numbers = new Map<string, string>();
  /** Follow-up calls whose score was keyed (until the channel is gone). */
  private readonly asked = new Set<string>();
  private readonly offs: Array<() => void> = [];
  private category = 0;
  private answered = 0;
  private tickets = 0;
  private stopped = false;

  constructor(private readonly o: DemoFollowupsOptions) {
    this.rng = new Rng(o.seed ?? 5);
  }

  private api = async (token: string, path: string, method: string, json?: unknown): Promise<unknown> => {
    const res = await fetch(`${this.o.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) }, body: json !== undefined ? JSON.stringify(json) : undefined });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : undefined;
  };

  /** The category, then listening for calls and survey prompts (the survey flow is the shipped csat-survey). */
  async start(): Promise<void> {
    const admin = this.o.adminToken;
    this.category = ((await this.api(admin, '/api/v1/tickets/categories', 'POST', { name: 'Demo requests', sla: { normal: 240 } })) as { id: number }).id;
    this.offs.push(this.o.onEffect((e) => this.onEffect(e)));
    await this.o.subscribe(['CHANNEL_EXECUTE']);
    this.offs.push(this.o.onEvent((_node, e) => this.onEvent(e)));
  }

  stop(): void {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
  }

  private onEffect(e: AcdEffect): void {
    if (e.kind !== 'call_state' || this.stopped) return;
    if (e.state === 'connected') {
      const n = this.o.callerOf(e.callId);
      if (n) this.numbers.set(e.callId, n);
      return;
    }
    if (e.state !== 'ended') return;
    const number = this.numbers.get(e.callId);
    this.numbers.delete(e.callId);
    if (e.outcome !== 'answered' || e.agentId === undefined || !number || !/^\+1415555\d{4}$/.test(number)) return;
    if (++this.answered % (this.o.ticketEvery ?? 3) !== 0) return;
    void this.file(e.callId, number, e.agentId).catch((err: unknown) => this.o.logger.warn('demo ticket failed', { error: (err as Error).message }));
  }

  /** The agent files a ticket after the call; some are resolved with a survey follow-up due now. */
  private async file(callId: string, number: string, agentId: number): Promise<void> {
    const token = await this.o.agentToken(agentId);
    if (!token || this.stopped) return;
    const ticket = (await this.api(token, '/api/v1/tickets', 'POST', { category_id: this.category, subject: 'Caller request', caller_number: number, call_uuid: callId, assignee_agent_id: agentId })) as { id: number };
    this.tickets++;
    if (this.tickets % (this.o.followupEvery ?? 2) !== 0) return;
    // The follow-up calls back the demo caller: their "phone" answers after a ring and stays until they are done.
    this.o.sim.setGatewayOutcome(number, { outcome: 'answer', ringMs: this.rng.int(500, 1500), hangupAfterMs: 30_000 });
    await this.api(token, `/api/v1/tickets/${ticket.id}`, 'PATCH', { status: 'resolved', followup: { kind: 'survey', after_minutes: 0 } });
  }

  /** The survey asks on a follow-up call: the demo caller keys a score (mostly happy, some not). */
  private onEvent(e: EslEvent): void {
    if (e.name === 'CHANNEL_DESTROY') {
      const gone = header(e, 'Unique-ID');
      if (gone) this.asked.delete(gone);
      return;
    }
    if (this.stopped || e.name !== 'CHANNEL_EXECUTE' || header(e, 'Application') !== 'play_and_get_digits') return;
    if (!header(e, 'variable_switchboard_followup_id')) return;
    const uuid = header(e, 'Unique-ID');
    // The score is the first question; the comment offer that follows (press 1) is let time out.
    if (!uuid || this.asked.has(uuid)) return;
    this.asked.add(uuid);
    const roll = this.rng.next();
    const score = roll < 0.6 ? '5' : roll < 0.8 ? '4' : roll < 0.9 ? '3' : '1';
    this.o.clock.setTimeout(() => this.o.sim.pressDigits(uuid, score, { intervalMs: 120 }), this.rng.int(400, 1200));
  }

  async summary(): Promise<{ tickets: number; followup_calls: number }> {
    const tickets = await this.o.dataSource.getRepository(TicketSchema).count();
    const campaign = await this.o.dataSource.getRepository(CampaignSchema).findOneBy({ name: this.o.surveyCampaign });
    const followupCalls = campaign ? await this.o.dataSource.getRepository(LedgerSchema).countBy({ campaign_id: campaign.id, action: 'dial' }) : 0;
    return { tickets, followup_calls: followupCalls };
  }
}
