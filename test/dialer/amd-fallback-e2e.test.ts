/**
 * Campaigns on a stock FreeSWITCH 1.10: mod_amd is a third-party module and not there; mod_avmd (beep detection) is.
 * Before the fix, `execute amd` made FreeSWITCH hang up the person who answered (Invalid Application amd,
 * DESTINATION_OUT_OF_ORDER) and the dial was recorded no_answer. Now the dialer sees that `amd` does not exist and
 * runs beep-only: a person goes to an agent, a machine is known by its beep.
 */
import type { LedgerRow } from '../../src/db/entities/dialer';
import { STOCK_MODULES } from '../../src/simulator';
import { AcdHarness, waitFor } from '../acd-runtime/harness';
import { describeEachEngine } from '../helpers/databases';

describeEachEngine('campaigns without mod_amd', (engine) => {
  const h = new AcdHarness(engine, { env: { OUTBOUND_GATEWAY: 'carrier' }, simulator: { modules: STOCK_MODULES } });
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  const ledger = async (id: number): Promise<LedgerRow[]> =>
    ((await (await h.api(`/api/v1/dialer/campaigns/${id}/ledger?limit=100`)).json()) as { items: LedgerRow[] }).items;
  const resolved = (id: number, phone: string) =>
    waitFor(`the dial of ${phone}`, async () => (await ledger(id)).find((r) => r.phone_e164 === phone && r.action === 'dial' && r.outcome !== null), 20_000);

  it('beep-only (mod_avmd): a person reaches the agent, a machine is known by its beep; the figures say so', async () => {
    await h.queue('stockq');
    await h.agent('4700', ['stockq'], { answerDelayMs: 1200, hangupAfterMs: 400 });
    h.sim.setGatewayOutcome('+14155557001', { outcome: 'answer', ringMs: 200 });
    h.sim.setGatewayOutcome('+14155557002', { outcome: 'machine', ringMs: 200, beepAfterMs: 300 });
    const res = await h.api('/api/v1/dialer/campaigns', {
      method: 'POST',
      json: { name: 'stock-amd', type: 'progressive', queue: 'stockq', timezone: 'UTC', window_start: '00:00', window_end: '23:59', settings: { amd: 'hangup', ring_timeout_sec: 15 } },
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: number }).id;
    const imp = await h.api(`/api/v1/dialer/campaigns/${id}/leads/import`, { method: 'POST', body: 'phone\n4155557001\n4155557002\n', headers: { 'content-type': 'text/csv' } } as RequestInit);
    expect(imp.status).toBe(200);
    expect((await h.api(`/api/v1/dialer/campaigns/${id}/start`, { method: 'POST' })).status).toBe(200);

    const person = await resolved(id, '+14155557001');
    expect(person).toMatchObject({ outcome: 'human' });
    expect((await h.queueCall(person.call_uuid!)).outcome).toBe('answered');
    // The `amd` application was never run on the switch that lacks it.
    expect(h.eventsOf(person.call_uuid!, 'CHANNEL_EXECUTE').map((e) => e.app)).not.toContain('amd');
    expect(h.eventsOf(person.call_uuid!, 'CHANNEL_EXECUTE').map((e) => e.app)).toContain('avmd_start');

    const machine = await resolved(id, '+14155557002');
    expect(machine).toMatchObject({ outcome: 'machine' });
    expect(machine.detail ?? '').toContain('avmd beep');

    const stats = (await (await h.api(`/api/v1/dialer/campaigns/${id}/stats`)).json()) as { live: { amd: string; amd_answers: Record<string, number> } };
    expect(stats.live.amd).toBe('hangup');
    expect(stats.live.amd_answers).toMatchObject({ amd: 0, beep_only: 2, none: 0 });
    await h.api(`/api/v1/dialer/campaigns/${id}/stop`, { method: 'POST' });
  }, 40_000);
});
