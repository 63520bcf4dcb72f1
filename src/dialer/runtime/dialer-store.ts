/**
 * The dialer's database side: claiming due leads, applying an attempt's result to its lead, agent-set callbacks, and
 * the ledger of every dial and skip (dialer_ledger). Single-writer: one service dials a campaign, so a claim is an
 * UPDATE guarded by the status the row was read with.
 */
import { Brackets, type DataSource, type EntityManager } from 'typeorm';
import { CallbackRequestSchema, LeadSchema, LedgerSchema, type LeadRow, type LedgerRow } from '../../db/entities/dialer';
import { isLive, LIVE_OUTCOMES, type DialOutcome, type LeadStep } from '../outcomes';

export type LedgerEntry = Omit<LedgerRow, 'id' | 'outcome' | 'resolved_at'> & { outcome?: string | null; resolved_at?: Date | null };

export interface DayFigures {
  /** YYYY-MM-DD (UTC). */
  day: string;
  dials: number;
  live: number;
  abandoned: number;
}

/** A lead's status changed: being dialled, back in the list, or finished (done / failed) with its last outcome. */
export interface LeadChange {
  leadId: number;
  status: 'dialing' | 'scheduled' | 'done' | 'failed';
  outcome?: string;
}

export class DialerStore {
  private readonly leadListeners = new Set<(change: LeadChange) => void>();

  constructor(private readonly ds: DataSource) {}

  /**
   * Listens for lead status changes written by this store (claims, attempt results, DNC / max-attempt closes), after
   * they are written: the follow-up calls (src/followups) learn from it how their lead's calls went.
   */
  onLeadChange(listener: (change: LeadChange) => void): () => void {
    this.leadListeners.add(listener);
    return () => this.leadListeners.delete(listener);
  }

  private emitLead(change: LeadChange): void {
    for (const l of this.leadListeners) {
      try {
        l(change);
      } catch {
        // a listener's failure is its own; the dialer goes on
      }
    }
  }

  /**
   * Leads of the campaign due at `now`, best first: agent-set callbacks whose time has come, then retries in time
   * order, then new leads in import order. Leads being dialled and finished ones are not returned.
   */
  async dueLeads(campaignId: number, now: Date, limit: number, exclude: readonly number[] = [], opts: { withAgentCallbacks?: boolean } = {}): Promise<LeadRow[]> {
    const qb = this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder('l')
      .where('l.campaign_id = :campaignId', { campaignId })
      .andWhere("l.status IN ('new', 'scheduled')")
      .andWhere(new Brackets((w) => w.where('l.next_attempt_at IS NULL').orWhere('l.next_attempt_at <= :now', { now })));
    if (exclude.length) qb.andWhere('l.id NOT IN (:...exclude)', { exclude: [...exclude] });
    // A callback an agent scheduled for themselves waits for that agent (dueCallbacks); the others are anyone's.
    if (!opts.withAgentCallbacks) qb.andWhere('l.callback_agent_id IS NULL');
    return qb
      .orderBy('CASE WHEN l.callback_at IS NULL THEN 1 ELSE 0 END', 'ASC')
      .addOrderBy('CASE WHEN l.next_attempt_at IS NULL THEN 1 ELSE 0 END', 'ASC')
      .addOrderBy('l.next_attempt_at', 'ASC')
      .addOrderBy('l.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Callbacks agents scheduled for themselves that are due now, oldest first. */
  dueCallbacks(campaignId: number, now: Date, limit = 20): Promise<LeadRow[]> {
    return this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder('l')
      .where('l.campaign_id = :campaignId AND l.callback_agent_id IS NOT NULL', { campaignId })
      .andWhere("l.status IN ('new', 'scheduled')")
      .andWhere('l.next_attempt_at <= :now', { now })
      .orderBy('l.next_attempt_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** A callback whose agent is not there any more goes to whoever is free (the agent is forgotten). */
  async releaseCallback(leadId: number): Promise<void> {
    await this.ds.getRepository(LeadSchema).update({ id: leadId }, { callback_agent_id: null });
  }

  /** When the next not-yet-due lead of the campaign becomes due (null: none waiting). */
  async nextDueAt(campaignId: number, now: Date): Promise<Date | null> {
    const row = await this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder('l')
      .select('MIN(l.next_attempt_at)', 'at')
      .where('l.campaign_id = :campaignId', { campaignId })
      .andWhere("l.status IN ('new', 'scheduled')")
      .andWhere('l.next_attempt_at > :now', { now })
      .getRawOne<{ at: string | Date | null }>();
    if (!row?.at) return null;
    return row.at instanceof Date ? row.at : new Date(/Z|[+-]\d\d:?\d\d$/.test(row.at) ? row.at : `${row.at.replace(' ', 'T')}Z`);
  }

  /** Marks a lead as being dialled (false when another path took it meanwhile). */
  async claim(lead: LeadRow, now: Date): Promise<boolean> {
    const r = await this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder()
      .update()
      .set({ status: 'dialing', attempts: lead.attempts + 1, last_called_at: now })
      .where('id = :id AND status = :status AND attempts = :attempts', { id: lead.id, status: lead.status, attempts: lead.attempts })
      .execute();
    const claimed = (r.affected ?? 0) > 0;
    if (claimed) this.emitLead({ leadId: lead.id, status: 'dialing' });
    return claimed;
  }

  /** The attempt is over: the lead is done, failed, or scheduled again. A callback, once dialled, is used up. */
  async applyStep(leadId: number, outcome: string, step: LeadStep): Promise<void> {
    await this.ds.getRepository(LeadSchema).update(
      { id: leadId },
      {
        status: step.status,
        last_outcome: outcome.slice(0, 16),
        next_attempt_at: step.status === 'scheduled' ? step.at : null,
        callback_at: null,
        callback_agent_id: null,
      },
    );
    this.emitLead({ leadId, status: step.status, outcome });
  }

  /** A skipped lead waits until `at` (window closed) or leaves the list (DNC, max attempts). */
  async deferLead(leadId: number, at: Date): Promise<void> {
    await this.ds.getRepository(LeadSchema).update({ id: leadId }, { next_attempt_at: at });
  }

  async closeLead(leadId: number, status: 'done' | 'failed', outcome: string): Promise<void> {
    await this.ds.getRepository(LeadSchema).update({ id: leadId }, { status, last_outcome: outcome.slice(0, 16), next_attempt_at: null });
    this.emitLead({ leadId, status, outcome });
  }

  /** Leads left 'dialing' by a stop or crash go back to the list (their attempt is counted), except `keep`. */
  async releaseDialing(campaignId: number, keep: readonly number[] = []): Promise<number> {
    const qb = this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder()
      .update()
      .set({ status: 'scheduled' })
      .where("campaign_id = :campaignId AND status = 'dialing'", { campaignId });
    if (keep.length) qb.andWhere('id NOT IN (:...keep)', { keep: [...keep] });
    const r = await qb.execute();
    return r.affected ?? 0;
  }

  /**
   * An agent schedules a callback: the lead is dialled again at `at` and offered to that agent first. The request is
   * also kept as a callback_requests row (asked at `requestedAt`, with the campaign's queue and the agent's first
   * team), for the period reports: the lead's own columns are overwritten by the next schedule or dial.
   */
  async scheduleCallback(leadId: number, at: Date, agentId: number | null, requestedAt: Date): Promise<LeadRow | null> {
    return this.ds.transaction(async (m) => {
      const repo = m.getRepository(LeadSchema);
      const lead = await repo.findOneBy({ id: leadId });
      if (!lead) return null;
      await repo.update(
        { id: leadId },
        { status: lead.status === 'dialing' ? 'dialing' : 'scheduled', next_attempt_at: at, callback_at: at, callback_agent_id: agentId },
      );
      const [campaign] = (await m.query('SELECT queue FROM campaigns WHERE id = ?', [lead.campaign_id])) as Array<{ queue: string }>;
      await m.getRepository(CallbackRequestSchema).insert({
        lead_id: leadId,
        campaign_id: lead.campaign_id,
        queue: campaign?.queue ?? '',
        agent_id: agentId,
        team: agentId === null ? null : await firstTeam(m, agentId),
        requested_at: requestedAt,
        callback_at: at,
      });
      return repo.findOneBy({ id: leadId });
    });
  }

  getLead(id: number): Promise<LeadRow | null> {
    return this.ds.getRepository(LeadSchema).findOneBy({ id });
  }

  /** An attempt is over: its ledger row gets the outcome (and what happens to the lead), the lead its next step. */
  async finishAttempt(a: { ledgerId: number; leadId: number; outcome: DialOutcome; step: LeadStep; at: Date; agentId: number | null; detail: string }): Promise<void> {
    await Promise.all([
      this.resolve(a.ledgerId, a.outcome, a.at, a.agentId, `${a.detail}; lead ${a.step.status}: ${a.step.reason}`),
      this.applyStep(a.leadId, a.outcome, a.step),
    ]);
  }

  // ---- ledger -------------------------------------------------------------------------------------------------

  async record(entry: LedgerEntry): Promise<number> {
    const row = { ...entry, detail: entry.detail.slice(0, 255), outcome: entry.outcome ?? null, resolved_at: entry.resolved_at ?? null };
    const r = await this.ds.getRepository(LedgerSchema).insert(row);
    return Number((r.identifiers[0] as { id: number | string }).id);
  }

  async resolve(ledgerId: number, outcome: DialOutcome, at: Date, agentId?: number | null, detail?: string): Promise<void> {
    const patch: Partial<LedgerRow> = { outcome, resolved_at: at };
    if (agentId !== undefined) patch.agent_id = agentId;
    if (detail !== undefined) patch.detail = detail.slice(0, 255);
    await this.ds.getRepository(LedgerSchema).update({ id: ledgerId }, patch);
  }

  /**
   * Dials of the campaign still open in the ledger (no outcome) whose lead is still `dialing`: after a takeover, the
   * dials the previous instance had in flight.
   */
  async openDials(campaignId: number): Promise<LedgerRow[]> {
    return this.ds
      .getRepository(LedgerSchema)
      .createQueryBuilder('g')
      .innerJoin('leads', 'l', 'l.id = g.lead_id')
      .where("g.campaign_id = :c AND g.action = 'dial' AND g.outcome IS NULL AND l.status = 'dialing'", { c: campaignId })
      .orderBy('g.id', 'ASC')
      .getMany();
  }

  /** How a call ended, from its CDR (undefined: no CDR yet), for a dial nobody watched end. */
  async cdrOutcome(uuid: string): Promise<{ cause: string; answered: boolean; agentId: number | null; bridged: boolean } | undefined> {
    const rows = (await this.ds.query('SELECT hangup_cause, billsec, answer_at, agent_id, bridged_uuid FROM cdrs WHERE uuid = ?', [uuid])) as Array<{
      hangup_cause: string | null;
      billsec: number | string | null;
      answer_at: unknown;
      agent_id: number | string | null;
      bridged_uuid: string | null;
    }>;
    const r = rows[0];
    if (!r) return undefined;
    return {
      cause: r.hangup_cause ?? 'NORMAL_CLEARING',
      answered: r.answer_at !== null && r.answer_at !== undefined ? true : Number(r.billsec ?? 0) > 0,
      agentId: r.agent_id === null || r.agent_id === undefined ? null : Number(r.agent_id),
      bridged: !!r.bridged_uuid,
    };
  }

  /** Ledger rows, newest first, filtered by campaign, number or lead; paged by id. */
  ledger(filter: { campaignId?: number; phone?: string; leadId?: number; beforeId?: number; limit?: number }): Promise<LedgerRow[]> {
    const qb = this.ds.getRepository(LedgerSchema).createQueryBuilder('g');
    if (filter.campaignId !== undefined) qb.andWhere('g.campaign_id = :c', { c: filter.campaignId });
    if (filter.phone !== undefined) qb.andWhere('g.phone_e164 = :p', { p: filter.phone });
    if (filter.leadId !== undefined) qb.andWhere('g.lead_id = :l', { l: filter.leadId });
    if (filter.beforeId !== undefined) qb.andWhere('g.id < :b', { b: filter.beforeId });
    return qb.orderBy('g.id', 'DESC').limit(Math.min(1000, filter.limit ?? 100)).getMany();
  }

  /** Resolved live answers since `since` (oldest first): they seed the pacer's compliance window after a restart. */
  async liveResults(campaignId: number, since: Date): Promise<Array<{ at: Date; abandoned: boolean }>> {
    const rows = await this.ds
      .getRepository(LedgerSchema)
      .createQueryBuilder('g')
      .select(['g.resolved_at', 'g.outcome'])
      .where("g.campaign_id = :campaignId AND g.action = 'dial' AND g.resolved_at >= :since", { campaignId, since })
      .andWhere('g.outcome IN (:...live)', { live: [...LIVE_OUTCOMES] })
      .orderBy('g.resolved_at', 'ASC')
      .getMany();
    return rows.map((r) => ({ at: r.resolved_at!, abandoned: r.outcome === 'abandoned' }));
  }

  /** Dials, live answers and abandons per UTC day since `since`. */
  async perDay(campaignId: number, since: Date): Promise<DayFigures[]> {
    const rows = await this.ds
      .getRepository(LedgerSchema)
      .createQueryBuilder('g')
      .select(['g.at', 'g.outcome'])
      .where("g.campaign_id = :campaignId AND g.action = 'dial' AND g.at >= :since", { campaignId, since })
      .getMany();
    const days = new Map<string, DayFigures>();
    for (const r of rows) {
      const day = r.at.toISOString().slice(0, 10);
      let d = days.get(day);
      if (!d) days.set(day, (d = { day, dials: 0, live: 0, abandoned: 0 }));
      d.dials++;
      if (r.outcome && isLive(r.outcome)) d.live++;
      if (r.outcome === 'abandoned') d.abandoned++;
    }
    return [...days.values()].sort((a, b) => a.day.localeCompare(b.day));
  }
}

/** The first of an agent's teams (acd_agents.teams, JSON text), as the ACD records a call's team; null: none. */
async function firstTeam(m: EntityManager, agentId: number): Promise<string | null> {
  const [row] = (await m.query('SELECT teams FROM acd_agents WHERE id = ?', [agentId])) as Array<{ teams: unknown }>;
  try {
    const teams = JSON.parse(String(row?.teams ?? '[]')) as unknown;
    return Array.isArray(teams) && typeof teams[0] === 'string' ? teams[0].slice(0, 64) : null;
  } catch {
    return null;
  }
}
