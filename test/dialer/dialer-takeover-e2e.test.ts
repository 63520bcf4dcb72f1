/**
 * A takeover (the service restarted on the same database and switch, as a standby taking over after a failover)
 * while campaign dials are in flight: the new instance tracks them again (src/dialer/runtime/campaign-runner.ts
 * adopt / resolveUnseen). A dial talking to an agent ends as `human`; one still ringing is answered after the
 * restart and goes to an agent; one that ended while no instance ran is resolved from its CDR (mod_xml_cdr's,
 * imported from its err-log as `npm run cdr:import` would). Every lead is dialled once, and none is left `dialing`.
 */
import { LeadSchema, type LedgerRow } from '../../src/db/entities/dialer';
import { importErrLog } from '../../src/faults/drill-kit';
import { localTime } from '../../src/dialer/leads/calling-window';
import { AcdHarness, waitFor } from '../acd-runtime/harness';
import { describeEachEngine } from '../helpers/databases';

const hhmm = (m: number): string => {
  const d = ((m % 1440) + 1440) % 1440;
  return `${String(Math.floor(d / 60)).padStart(2, '0')}:${String(d % 60).padStart(2, '0')}`;
};

describeEachEngine('campaign dials across a takeover', (engine) => {
  const h = new AcdHarness(engine, { env: { OUTBOUND_GATEWAY: 'carrier', CALLBACK_CALLER_ID: '+14155550000' } });
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('talking, ringing and ended-unseen dials are all resolved once by the new instance', async () => {
    await h.queue('dtk', { wrapUpSec: 0 });
    const agents = [
      await h.agent('4700', ['dtk'], { answerDelayMs: 80, hangupAfterMs: 6000 }),
      await h.agent('4701', ['dtk'], { answerDelayMs: 80, hangupAfterMs: 1500 }),
      await h.agent('4702', ['dtk'], { answerDelayMs: 80, hangupAfterMs: 1500 }),
    ];
    const talking = '+14155552001';
    const ringing = '+14155552002';
    const unseen = '+14155552003';
    h.sim.setGatewayOutcome(talking, { outcome: 'answer', ringMs: 100 });
    h.sim.setGatewayOutcome(ringing, { outcome: 'answer', ringMs: 5000 });
    h.sim.setGatewayOutcome(unseen, { outcome: 'busy', ringMs: 1500 });
    // mod_xml_cdr posts to nowhere: what it gives up on is its err-log, imported after the restart.
    h.sim.setXmlCdr({ urls: ['http://127.0.0.1:9/freeswitch/xml-cdr'], retries: 0, timeoutMs: 500 });
    const now = localTime('America/Los_Angeles', new Date()).minutes;
    const res = await h.api('/api/v1/dialer/campaigns', {
      method: 'POST',
      json: { name: 'takeover', type: 'progressive', queue: 'dtk', timezone: 'UTC', window_start: hhmm(now - 60), window_end: hhmm(now + 120), settings: { amd: 'off', ring_timeout_sec: 20, retry: { busy: { delay_min: 60, max_attempts: 3 } } } },
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { id: number }).id;
    const imported = await h.api(`/api/v1/dialer/campaigns/${id}/leads/import`, { method: 'POST', body: `phone\n${talking}\n${ringing}\n${unseen}\n`, headers: { 'content-type': 'text/csv' } } as RequestInit);
    expect(imported.status).toBe(200);
    expect((await h.api(`/api/v1/dialer/campaigns/${id}/start`, { method: 'POST' })).status).toBe(200);

    const ledger = async (): Promise<LedgerRow[]> => ((await (await h.api(`/api/v1/dialer/campaigns/${id}/ledger?limit=100`)).json()) as { items: LedgerRow[] }).items.filter((r) => r.action === 'dial');
    const dialOf = async (phone: string) => (await ledger()).find((r) => r.phone_e164 === phone);
    await waitFor('the three dials', async () => ((await ledger()).length === 3 ? true : undefined));
    const talkUuid = (await dialOf(talking))!.call_uuid!;
    await waitFor('the first person talking to an agent', () => h.service.acd.legsOfCall(talkUuid));

    const unseenUuid = (await dialOf(unseen))!.call_uuid!;
    await h.restartService(async () => {
      // While no instance runs, the busy dial ends: nobody sees it but mod_xml_cdr.
      await waitFor('the busy dial to end', () => !h.sim.channel(unseenUuid), 10_000);
    });
    const key = ((await (await h.api('/api/v1/api-keys', { method: 'POST', json: { name: 'mod_xml_cdr', role: 'admin' } })).json()) as { key: string }).key;
    await h.sim.xmlCdr.settled();
    expect(await importErrLog(h.service.url, `freeswitch:${key}`, h.sim.xmlCdr.failedDocuments.splice(0).map((f) => f.doc))).toBe(0);

    const resolved = (phone: string, ms: number) =>
      waitFor(`the dial of ${phone} resolved`, async () => {
        const row = await dialOf(phone);
        return row?.outcome ? row : undefined;
      }, ms);
    expect(await resolved(talking, 15_000)).toMatchObject({ outcome: 'human', agent_id: agents[0] });
    expect((await resolved(ringing, 20_000)).outcome).toBe('human');
    // Resolved 20 s after the takeover, from the CDR (USER_BUSY): retried by the busy rule, not dialled at once.
    const busy = await resolved(unseen, 40_000);
    expect(busy.outcome).toBe('busy');
    expect(busy.detail).toMatch(/no instance was connected/);
    const leads = await h.service.dataSource.getRepository(LeadSchema).find({ where: { campaign_id: id } });
    const byPhone = new Map(leads.map((l) => [l.phone_e164, l]));
    expect(byPhone.get(talking)).toMatchObject({ status: 'done' });
    expect(byPhone.get(ringing)).toMatchObject({ status: 'done' });
    expect(byPhone.get(unseen)).toMatchObject({ status: 'scheduled', attempts: 1 });
    // One dial each: nobody was called a second time.
    expect((await ledger()).map((r) => r.phone_e164).sort()).toEqual([talking, ringing, unseen].sort());
    expect((await h.api(`/api/v1/dialer/campaigns/${id}/stop`, { method: 'POST' })).status).toBe(200);
    await h.settled(agents);
  }, 90_000);
});
