import { In, type DataSource } from 'typeorm';
import { CampaignSchema, LeadSchema, type CampaignRow, type CampaignType, type LeadRow } from '../../db/entities/dialer';
import type { Clock } from '../../clock/clock';
import type { LeadSink, PreparedLead } from './csv-import';

/** Campaigns and their leads in the database. */

export interface CampaignInput {
  name: string;
  type: CampaignType;
  queue: string;
  timezone: string;
  window_start: string;
  window_end: string;
  enabled?: boolean;
  /** JSON text of the dialing settings (validated by campaign-settings.ts before it gets here). */
  settings?: string;
}

export class LeadStore {
  constructor(
    private readonly ds: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  static withClock(ds: DataSource, clock: Pick<Clock, 'now'>): LeadStore {
    return new LeadStore(ds, () => new Date(clock.now()));
  }

  listCampaigns(): Promise<CampaignRow[]> {
    return this.ds.getRepository(CampaignSchema).find({ order: { id: 'ASC' } });
  }

  getCampaign(id: number): Promise<CampaignRow | null> {
    return this.ds.getRepository(CampaignSchema).findOneBy({ id });
  }

  async createCampaign(input: CampaignInput): Promise<CampaignRow> {
    const now = this.now();
    return this.ds.getRepository(CampaignSchema).save({ ...input, enabled: input.enabled ?? false, settings: input.settings ?? '{}', created_at: now, updated_at: now });
  }

  async updateCampaign(id: number, patch: Partial<CampaignInput>): Promise<{ before: CampaignRow; after: CampaignRow } | null> {
    const repo = this.ds.getRepository(CampaignSchema);
    const before = await repo.findOneBy({ id });
    if (!before) return null;
    const after = await repo.save({ ...before, ...patch, updated_at: this.now() });
    return { before, after };
  }

  async deleteCampaign(id: number): Promise<CampaignRow | null> {
    const repo = this.ds.getRepository(CampaignSchema);
    const before = await repo.findOneBy({ id });
    if (!before) return null;
    await repo.delete({ id });
    return before;
  }

  getLead(id: number): Promise<LeadRow | null> {
    return this.ds.getRepository(LeadSchema).findOneBy({ id });
  }

  /** Leads of a campaign, oldest first (paged by id). */
  listLeads(campaignId: number, afterId = 0, limit = 100): Promise<LeadRow[]> {
    return this.ds
      .getRepository(LeadSchema)
      .createQueryBuilder('l')
      .where('l.campaign_id = :campaignId AND l.id > :afterId', { campaignId, afterId })
      .orderBy('l.id', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** A sink for importLeadsCsv that writes into one campaign. */
  sinkFor(campaignId: number): LeadSink {
    return { upsertBatch: (leads) => this.upsertBatch(campaignId, leads) };
  }

  /**
   * Inserts new numbers and merges known ones (phone_raw, time zones, non-null name updated; fields merged key by key;
   * status, attempts and schedule kept), in one transaction per batch.
   */
  async upsertBatch(campaignId: number, leads: PreparedLead[]): Promise<{ inserted: number; merged: number }> {
    if (leads.length === 0) return { inserted: 0, merged: 0 };
    return this.ds.transaction(async (em) => {
      const repo = em.getRepository(LeadSchema);
      const existing = await repo.findBy({ campaign_id: campaignId, phone_e164: In(leads.map((l) => l.phone_e164)) });
      const byPhone = new Map(existing.map((l) => [l.phone_e164, l]));
      const now = this.now();
      const fresh: Array<Omit<LeadRow, 'id'>> = [];
      let merged = 0;
      for (const lead of leads) {
        const old = byPhone.get(lead.phone_e164);
        if (old) {
          merged++;
          const fields = { ...parseFields(old.fields) };
          for (const [k, v] of Object.entries(lead.fields)) Object.defineProperty(fields, k, { value: v, enumerable: true, writable: true, configurable: true });
          await repo.update(
            { id: old.id },
            { phone_raw: lead.phone_raw, name: lead.name ?? old.name, fields: JSON.stringify(fields), time_zones: JSON.stringify(lead.time_zones) },
          );
        } else {
          fresh.push({
            campaign_id: campaignId,
            phone_e164: lead.phone_e164,
            phone_raw: lead.phone_raw,
            name: lead.name,
            fields: JSON.stringify(lead.fields),
            time_zones: JSON.stringify(lead.time_zones),
            status: 'new',
            attempts: 0,
            next_attempt_at: null,
            created_at: now,
            callback_at: null,
            callback_agent_id: null,
            last_outcome: null,
            last_called_at: null,
          });
        }
      }
      for (let i = 0; i < fresh.length; i += 200) await repo.insert(fresh.slice(i, i + 200));
      return { inserted: fresh.length, merged };
    });
  }
}

function parseFields(text: string): Record<string, string> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
  } catch {
    return {};
  }
}
