/**
 * The demo's outbound campaign (npm run demo): a predictive campaign on a demo queue with a few hundred generated
 * leads, dialled through the simulator's gateway (people, machines, busy, no answer, bad numbers), and its figures
 * for the demo summary. Real deployments create campaigns through the API.
 */
import type { DataSource } from 'typeorm';
import { CampaignSchema, LedgerSchema } from '../db/entities/dialer';
import { LeadStore } from './leads/store';
import { isLive } from './outcomes';
import type { DialerRuntime } from './runtime/dialer-runtime';

/**
 * The demo's outbound queue: its agents' softphones auto-answer (as predictive dialing needs: the person must meet an
 * agent within 2 s of their greeting, so no agent may take seconds to pick up).
 */
export const DEMO_OUTBOUND_QUEUE = { name: 'outbound', strategy: 'longest_idle', wrapUpSec: 3, serviceLevelSec: 2, offerTimeoutSec: 5 } as const;

export interface DemoCampaign {
  id: number;
  /** Stops dialing (calls in flight finish). */
  stop(): Promise<void>;
  summary(): Promise<{ dialer_dials: number; dialer_live: number; dialer_abandoned: number; dialer_skips: number }>;
}

export async function startDemoCampaign(ds: DataSource, dialer: DialerRuntime, opts: { queue: string; leads: number; now: () => Date }): Promise<DemoCampaign> {
  const store = new LeadStore(ds, opts.now);
  const campaign = await store.createCampaign({
    name: 'demo-renewals',
    type: 'predictive',
    queue: opts.queue,
    timezone: 'America/Los_Angeles',
    // Open around the clock so the demo dials at any hour; real campaigns keep 08:00-21:00 or stricter.
    window_start: '00:00',
    window_end: '23:59',
    settings: JSON.stringify({ amd: 'hangup', ring_timeout_sec: 15, lines_per_agent: 2 }),
  });
  const leads = Array.from({ length: opts.leads }, (_, i) => {
    const phone = `+1415556${String(i).padStart(4, '0')}`;
    return { phone_e164: phone, phone_raw: phone, name: `Customer ${i + 1}`, fields: { plan: i % 3 ? 'basic' : 'premium', renewal: '2026-12-31' }, time_zones: ['America/Los_Angeles'] };
  });
  await store.upsertBatch(campaign.id, leads);
  await ds.getRepository(CampaignSchema).update({ id: campaign.id }, { enabled: true });
  await dialer.reload(campaign.id);
  return {
    id: campaign.id,
    stop: async () => {
      await ds.getRepository(CampaignSchema).update({ id: campaign.id }, { enabled: false });
      await dialer.reload(campaign.id);
    },
    summary: async () => {
      const rows = await ds.getRepository(LedgerSchema).findBy({ campaign_id: campaign.id });
      const dials = rows.filter((r) => r.action === 'dial');
      const live = dials.filter((r) => r.outcome !== null && isLive(r.outcome)).length;
      return {
        dialer_dials: dials.length,
        dialer_live: live,
        dialer_abandoned: dials.filter((r) => r.outcome === 'abandoned').length,
        dialer_skips: rows.length - dials.length,
      };
    },
  };
}
