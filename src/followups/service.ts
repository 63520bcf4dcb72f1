/**
 * Follow-up calls ("回访") of tickets, on the database and the dialer. A follow-up is a lead of a follow-up campaign
 * (one per kind, found by its configured name or created on first use), so the call gets the dialer's DNC lists,
 * calling windows, ledger and retries:
 * - preview: a lead targeted to the ticket's assigned agent (callback_agent_id): offered in that agent's preview
 *   list when it is due; the agent's disposition of the call is the outcome.
 * - survey: an agentless campaign whose `flow` setting hands the answered call to the IVR survey flow, with the
 *   channel variables switchboard_ticket_id and switchboard_followup_id set on the originate; the survey's answer
 *   (a csat_answers row) comes back through onCsatAnswer (FollowupOutcomeSink).
 * The dialer's lead changes (DialerStore.onLeadChange) move the row: dialing, scheduled again (a retry), done
 * (reached) or failed (unreached). Every change of a follow-up is a ticket event (field `followup`) and a
 * `ticket.followup` webhook, in the same transaction; a low score reopens the resolved ticket with a comment.
 */
import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { ServiceError } from '../auth/errors';
import type { Clock } from '../clock/clock';
import { CampaignSchema, LeadSchema, type CampaignRow, type CampaignType, type LeadRow } from '../db/entities/dialer';
import { FOLLOWUP_LIMITS, TicketFollowupSchema, type FollowupKind, type FollowupOutcome, type TicketFollowupRow } from '../db/entities/followups';
import { TicketEventSchema, TicketSchema, type TicketRow } from '../db/entities/tickets';
import { normalisePhone } from '../dialer/leads/normalise';
import type { LeadChange } from '../dialer/runtime/dialer-store';
import type { Logger } from '../log/logger';
import type { Config } from '../config/config';
import type { TicketActor, TicketService } from '../tickets/service';
import { ticketNumber } from '../tickets/service';
import { enqueueWebhook, notifyWebhooksEnqueued } from '../webhooks/outbox';
import { outcomeOfDisposition, outcomeOfLead, outcomeOfScore, replaces } from './outcome';
import { followupTime, requestedAt, type FollowupWhen } from './schedule';

/** What the CSAT store's listener calls when a csat_answers row with a followup_id is written. */
export interface FollowupOutcomeSink {
  onCsatAnswer(followupId: number, score: number): Promise<void>;
}

/** What the follow-ups need of the dialer (DialerRuntime): re-read a campaign so its runner sees new leads. */
export interface FollowupDialer {
  reload(campaignId: number): Promise<void>;
}

export interface FollowupRequest {
  kind: FollowupKind;
  when: FollowupWhen;
}

export interface FollowupServiceOptions {
  dataSource: DataSource;
  clock: Clock;
  tickets: TicketService;
  config: Config['followups'];
  dialer?: FollowupDialer;
  logger?: Logger;
}

const ACTIVE = ['scheduled', 'dialing'] as const;
/** Who the follow-ups' own ticket changes are recorded as. */
const SYSTEM: TicketActor = { userId: null, name: 'follow-up call', isAdmin: false };

export class FollowupService implements FollowupOutcomeSink {
  private readonly ds: DataSource;

  constructor(private readonly o: FollowupServiceOptions) {
    this.ds = o.dataSource;
  }

  private now(): Date {
    return new Date(this.o.clock.now());
  }

  list(ticketId: number): Promise<TicketFollowupRow[]> {
    return this.ds.getRepository<TicketFollowupRow>(TicketFollowupSchema).find({ where: { ticket_id: ticketId }, order: { id: 'ASC' } });
  }

  get(id: number): Promise<TicketFollowupRow | null> {
    return this.ds.getRepository<TicketFollowupRow>(TicketFollowupSchema).findOneBy({ id });
  }

  /** The campaign of a kind: the one with the configured name, else created now (enabled, the configured window). */
  async campaignFor(kind: FollowupKind): Promise<CampaignRow> {
    const c = this.o.config;
    const name = kind === 'preview' ? c.previewCampaign : c.surveyCampaign;
    const repo = this.ds.getRepository(CampaignSchema);
    const existing = await repo.findOneBy({ name });
    if (existing) return existing;
    const type: CampaignType = kind === 'preview' ? 'preview' : 'agentless';
    const now = this.now();
    const settings = kind === 'survey' ? { flow: c.surveyFlow, max_lines: 10 } : {};
    try {
      const row = await repo.save({
        name,
        type,
        queue: c.queue,
        timezone: c.timezone,
        window_start: c.window.start,
        window_end: c.window.end,
        enabled: true,
        settings: JSON.stringify(settings),
        created_at: now,
        updated_at: now,
      });
      this.o.logger?.info('follow-up campaign created', { campaign: name, type });
      await this.o.dialer?.reload(row.id);
      return row;
    } catch (err) {
      // Two first follow-ups at once: the other one created it.
      const again = await repo.findOneBy({ name });
      if (again) return again;
      throw err;
    }
  }

  /** Whether a ticket can have a follow-up of this kind (a number to call; preview: an assigned agent); throws why not. */
  precheck(ticket: Pick<TicketRow, 'id' | 'caller_number' | 'assignee_agent_id'>, kind: FollowupKind): { e164: string; timeZones: string[] } {
    if (!ticket.caller_number) throw new ServiceError('invalid', `ticket ${ticketNumber(ticket.id)} has no caller number to call back`, 'followup');
    if (kind === 'preview' && ticket.assignee_agent_id === null) {
      throw new ServiceError('invalid', `a preview follow-up goes to the ticket's assigned agent; ticket ${ticketNumber(ticket.id)} has none`, 'followup');
    }
    const phone = normalisePhone(ticket.caller_number);
    if (!phone.ok) throw new ServiceError('invalid', `the ticket's caller number cannot be dialled: ${phone.reason}`, 'followup');
    return { e164: phone.e164, timeZones: phone.timeZones };
  }

  /** Schedules a follow-up of a ticket (its caller number; preview: for its assigned agent). */
  async schedule(ticketId: number, req: FollowupRequest, actor: TicketActor): Promise<TicketFollowupRow> {
    const ticket = await this.o.tickets.get(ticketId);
    if (!ticket) throw new ServiceError('not_found', `ticket ${ticketId} does not exist`);
    const phone = this.precheck(ticket, req.kind);
    const campaign = await this.campaignFor(req.kind);
    const now = this.now();
    const asked = requestedAt(req.when, now);
    if (asked.getTime() < now.getTime() - 60_000) throw new ServiceError('invalid', 'the follow-up time is in the past', 'followup');
    const time = followupTime(asked < now ? now : asked, { time_zones: phone.timeZones }, campaign);
    if (!time.ok) throw new ServiceError('invalid', `follow-up campaign ${campaign.name}: ${time.reason}`, 'followup');

    const agentId = req.kind === 'preview' ? ticket.assignee_agent_id : null;
    const { row, enqueued } = await this.ds.transaction(async (m) => {
      const fRepo = m.getRepository<TicketFollowupRow>(TicketFollowupSchema);
      const leads = m.getRepository(LeadSchema);
      const lead = await leads.findOneBy({ campaign_id: campaign.id, phone_e164: phone.e164 });
      if (lead && (await fRepo.existsBy({ lead_id: lead.id, status: In([...ACTIVE]) }))) {
        throw new ServiceError('conflict', `a ${req.kind} follow-up of ${phone.e164} is already scheduled; cancel it first`);
      }
      const row = await fRepo.save({
        ticket_id: ticketId,
        kind: req.kind,
        phone_e164: phone.e164,
        agent_id: agentId,
        scheduled_for: time.at,
        campaign_id: campaign.id,
        lead_id: null,
        status: 'scheduled',
        outcome: null,
        score: null,
        detail: time.moved ? `moved into the calling window ${campaign.window_start}-${campaign.window_end}` : null,
        created_by_name: actor.name.slice(0, FOLLOWUP_LIMITS.name),
        created_at: now,
        updated_at: now,
      } as TicketFollowupRow);
      // The survey's answer is credited to the queue and agent of the call the ticket came from (the reports' CSAT).
      const [origin] = ticket.call_uuid
        ? ((await m.query('SELECT queue, agent_id FROM acd_queue_calls WHERE id = ?', [ticket.call_uuid])) as Array<{ queue: string; agent_id: number | null }>)
        : [];
      const fields = JSON.stringify({
        ticket_id: String(ticketId),
        followup_id: String(row.id),
        ticket: ticketNumber(ticketId),
        ...(origin ? { csat_queue: origin.queue, ...(origin.agent_id !== null ? { csat_agent_id: String(origin.agent_id) } : {}) } : {}),
      });
      // One lead per number and campaign (the unique key): a number followed up before gets its lead back, fresh.
      const leadPatch = {
        name: ticketNumber(ticketId),
        fields,
        time_zones: JSON.stringify(phone.timeZones),
        status: 'scheduled' as const,
        attempts: 0,
        next_attempt_at: time.at,
        callback_at: agentId !== null ? time.at : null,
        callback_agent_id: agentId,
        last_outcome: null,
      };
      let leadId: number;
      if (lead) {
        await leads.update({ id: lead.id }, leadPatch);
        leadId = lead.id;
      } else {
        const r = await leads.insert({ campaign_id: campaign.id, phone_e164: phone.e164, phone_raw: ticket.caller_number!, created_at: now, last_called_at: null, ...leadPatch } as Omit<LeadRow, 'id'>);
        leadId = Number((r.identifiers[0] as { id: number | string }).id);
      }
      row.lead_id = leadId;
      await fRepo.update({ id: row.id }, { lead_id: leadId });
      const enqueued = await this.recordChange(m, ticket, row, actor, now, `scheduled ${row.kind} for ${time.at.toISOString()}`);
      return { row, enqueued };
    });
    if (enqueued) notifyWebhooksEnqueued(this.ds);
    await this.o.dialer?.reload(campaign.id).catch((err: unknown) => this.o.logger?.warn('dialer reload after a follow-up failed', { error: (err as Error).message }));
    return row;
  }

  /** Cancels a follow-up that has not ended: its lead leaves the dialer's list (a call in progress finishes). */
  async cancel(id: number, actor: TicketActor): Promise<TicketFollowupRow> {
    const { row, enqueued } = await this.ds.transaction(async (m) => {
      const repo = m.getRepository<TicketFollowupRow>(TicketFollowupSchema);
      const row = await repo.findOneBy({ id });
      if (!row) throw new ServiceError('not_found', `follow-up ${id} does not exist`);
      if (row.status !== 'scheduled' && row.status !== 'dialing') throw new ServiceError('conflict', `follow-up ${id} is ${row.status} already`);
      const now = this.now();
      Object.assign(row, { status: 'cancelled', detail: `cancelled by ${actor.name}`.slice(0, FOLLOWUP_LIMITS.detail), updated_at: now });
      await repo.save(row);
      if (row.lead_id !== null) await m.getRepository(LeadSchema).update({ id: row.lead_id, status: In(['new', 'scheduled']) }, { status: 'done', last_outcome: 'cancelled', next_attempt_at: null, callback_at: null, callback_agent_id: null });
      const ticket = await m.getRepository<TicketRow>(TicketSchema).findOneBy({ id: row.ticket_id });
      const enqueued = ticket ? await this.recordChange(m, ticket, row, actor, now, 'cancelled') : 0;
      return { row, enqueued };
    });
    if (enqueued) notifyWebhooksEnqueued(this.ds);
    return row;
  }

  // ---- outcomes ------------------------------------------------------------------------------------------------

  /** The dialer changed a lead (DialerStore.onLeadChange): the follow-up on it, if any, follows. */
  async onLeadChange(change: LeadChange): Promise<void> {
    const row = await this.ds.getRepository<TicketFollowupRow>(TicketFollowupSchema).findOneBy({ lead_id: change.leadId, status: In([...ACTIVE]) });
    if (!row) return;
    if (change.status === 'dialing' || change.status === 'scheduled') {
      if (row.status === change.status) return;
      await this.ds.getRepository<TicketFollowupRow>(TicketFollowupSchema).update(
        { id: row.id },
        { status: change.status, ...(change.outcome ? { detail: `retry after ${change.outcome}` } : {}), updated_at: this.now() },
      );
      return;
    }
    await this.settle(row.id, { status: change.status === 'done' ? 'done' : 'failed', outcome: outcomeOfLead({ status: change.status, outcome: change.outcome }), detail: `dialer: ${change.outcome ?? change.status}` });
  }

  /** A survey answer of a follow-up (the CSAT store's listener): satisfied, reached, or reopened. */
  async onCsatAnswer(followupId: number, score: number): Promise<void> {
    if (!Number.isInteger(score) || score < 1 || score > 5) throw new ServiceError('invalid', `score ${score} is not 1-5`, 'score');
    await this.settle(followupId, { status: 'done', outcome: outcomeOfScore(score), score, detail: `survey score ${score}` });
  }

  /** The agent's disposition of a preview follow-up call. */
  async onDisposition(followupId: number, disposition: string, actor: TicketActor): Promise<TicketFollowupRow> {
    return this.settle(followupId, { status: 'done', outcome: outcomeOfDisposition(disposition, this.o.config.reopenDispositions), detail: `disposition ${disposition}` }, actor);
  }

  /**
   * Writes an outcome: status, outcome (when it replaces the one recorded, see outcome.ts), a ticket event and the
   * webhook; `reopened` also moves a resolved ticket back to open with a comment naming the follow-up.
   */
  private async settle(id: number, r: { status: 'done' | 'failed'; outcome: FollowupOutcome; score?: number; detail: string }, actor: TicketActor = SYSTEM): Promise<TicketFollowupRow> {
    const { row, enqueued, reopen } = await this.ds.transaction(async (m) => {
      const repo = m.getRepository<TicketFollowupRow>(TicketFollowupSchema);
      const row = await repo.findOneBy({ id });
      if (!row) throw new ServiceError('not_found', `follow-up ${id} does not exist`);
      if (row.status === 'cancelled') return { row, enqueued: 0, reopen: false };
      const now = this.now();
      const takes = replaces(row.outcome, r.outcome);
      const before = `${row.status}/${row.outcome ?? '-'}`;
      // A survey answered before the call's hangup is `done` already: the dialer's later `failed` does not undo it.
      const status = row.status === 'done' ? 'done' : r.status;
      Object.assign(row, {
        status,
        ...(takes ? { outcome: r.outcome } : {}),
        ...(r.score !== undefined ? { score: r.score } : {}),
        detail: r.detail.slice(0, FOLLOWUP_LIMITS.detail),
        updated_at: now,
      });
      if (`${row.status}/${row.outcome ?? '-'}` === before && r.score === undefined) return { row, enqueued: 0, reopen: false };
      await repo.save(row);
      const ticket = await m.getRepository<TicketRow>(TicketSchema).findOneBy({ id: row.ticket_id });
      const enqueued = ticket ? await this.recordChange(m, ticket, row, actor, now, r.detail) : 0;
      return { row, enqueued, reopen: takes && r.outcome === 'reopened' };
    });
    if (enqueued) notifyWebhooksEnqueued(this.ds);
    if (reopen) await this.reopen(row);
    return row;
  }

  private async reopen(row: TicketFollowupRow): Promise<void> {
    const ticket = await this.o.tickets.get(row.ticket_id);
    if (!ticket) return;
    const why = `Follow-up F${row.id} (${row.kind}${row.score !== null ? `, score ${row.score}` : ''}): the caller is not satisfied; the ticket is reopened.`;
    if (ticket.status === 'resolved') {
      await this.o.tickets.update(ticket.id, { status: 'open' }, SYSTEM);
      await this.o.tickets.addComment(ticket.id, why, SYSTEM);
    } else {
      // Already reopened, or closed (final: only an admin reopens it): say so, change nothing.
      await this.o.tickets.addComment(ticket.id, `${why.replace(/ the ticket is reopened\.$/, '')} The ticket is ${ticket.status}, so its status is left as it is.`, SYSTEM);
    }
  }

  private async recordChange(m: EntityManager, ticket: TicketRow, row: TicketFollowupRow, actor: TicketActor, at: Date, what: string): Promise<number> {
    await m.getRepository(TicketEventSchema).insert({
      ticket_id: ticket.id,
      actor_id: actor.userId,
      actor_name: actor.name,
      at,
      field: 'followup',
      old_value: null,
      new_value: `F${row.id} ${row.kind} ${row.status}${row.outcome ? ` ${row.outcome}` : ''}: ${what}`,
    });
    const data = { ticket: { id: ticket.id, number: ticketNumber(ticket.id), status: ticket.status }, followup: followupView(row), actor: actor.name };
    return (await enqueueWebhook(m, 'ticket.followup', data, at)).length;
  }

  /** The channel variables of a follow-up campaign's lead (the survey flow links its answer with them). */
  static dialVariables(lead: Pick<LeadRow, 'fields'>): Record<string, string> {
    try {
      const f = JSON.parse(lead.fields) as Record<string, unknown>;
      const digits = (v: unknown): string | undefined => (typeof v === 'string' && /^\d{1,12}$/.test(v) ? v : undefined);
      const ticket = digits(f.ticket_id);
      const followup = digits(f.followup_id);
      const agent = digits(f.csat_agent_id);
      // A queue name as the ACD accepts it; never switchboard_queue_call: a takeover would take the call for a queued caller.
      const queue = typeof f.csat_queue === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(f.csat_queue) ? f.csat_queue : undefined;
      return {
        ...(ticket ? { switchboard_ticket_id: ticket } : {}),
        ...(followup ? { switchboard_followup_id: followup } : {}),
        ...(queue ? { switchboard_csat_queue: queue } : {}),
        ...(agent ? { switchboard_csat_agent_id: agent } : {}),
      };
    } catch {
      return {};
    }
  }


  /** Whether a campaign is one of the follow-up campaigns (by its configured name). */
  isFollowupCampaign(campaign: Pick<CampaignRow, 'name'>): boolean {
    return campaign.name === this.o.config.previewCampaign || campaign.name === this.o.config.surveyCampaign;
  }
}

export function followupView(row: TicketFollowupRow) {
  return {
    id: row.id,
    ticket_id: row.ticket_id,
    kind: row.kind,
    phone_e164: row.phone_e164,
    agent_id: row.agent_id,
    scheduled_for: row.scheduled_for.toISOString(),
    campaign_id: row.campaign_id,
    lead_id: row.lead_id,
    status: row.status,
    outcome: row.outcome,
    score: row.score,
    detail: row.detail,
    created_by_name: row.created_by_name,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
