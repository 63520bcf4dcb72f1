import { Readable } from 'node:stream';
import { importLeadsCsv } from '../../src/dialer/leads/csv-import';
import { callingWindowOpen } from '../../src/dialer/leads/calling-window';
import { DncConflictError, DncStore, isDnc } from '../../src/dialer/leads/dnc';
import { LeadStore } from '../../src/dialer/leads/store';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('dialer lead store', (engine) => {
  let db: TestDatabase;
  let store: LeadStore;
  let dnc: DncStore;
  const t0 = new Date('2026-06-01T12:00:00.000Z');
  beforeEach(async () => {
    db = await engine.open();
    store = new LeadStore(db.ds, () => t0);
    dnc = new DncStore(db.ds, () => t0);
  });
  afterEach(() => db.close());

  const campaign = (name = 'c1') => store.createCampaign({ name, type: 'progressive', queue: 'sales', timezone: 'America/New_York', window_start: '09:00', window_end: '21:00' });

  it('imports, merges with stored leads and keeps status and attempts', async () => {
    const c = await campaign();
    const first = await importLeadsCsv(Readable.from(['phone,name,acct\n2125550123,Ann,A1\n4155550123,Bob,B1\n']), store.sinkFor(c.id), { defaultCountry: 'US' });
    expect(first).toMatchObject({ rows: 2, imported: 2, merged: 0 });
    await db.ds.query(`UPDATE leads SET attempts = 2, status = 'scheduled' WHERE phone_e164 = '+12125550123'`);
    const second = await importLeadsCsv(Readable.from(['phone,acct,tier\n+1 212 555 0123,A2,gold\n2125550123,A3,\n']), store.sinkFor(c.id), { defaultCountry: 'US', batchSize: 1 });
    expect(second).toMatchObject({ rows: 2, imported: 0, merged: 2, rejected: 0 });
    const leads = await store.listLeads(c.id);
    expect(leads).toHaveLength(2);
    const ann = leads.find((l) => l.phone_e164 === '+12125550123')!;
    expect(ann).toMatchObject({ name: 'Ann', status: 'scheduled', attempts: 2, phone_raw: '2125550123' });
    expect(JSON.parse(ann.fields)).toEqual({ acct: 'A3', tier: '' });
    expect(JSON.parse(ann.time_zones)).toEqual(['America/New_York']);
    // The stored lead feeds the calling window directly: 213/415 are LA, closed at 07:00 PDT.
    const bob = leads.find((l) => l.phone_e164 === '+14155550123')!;
    expect(callingWindowOpen(bob, c, new Date('2026-06-01T14:00:00Z')).open).toBe(false);
    expect(callingWindowOpen(ann, c, new Date('2026-06-01T14:00:00Z')).open).toBe(true);
  });

  it('keeps the same number apart in two campaigns and deletes leads with their campaign', async () => {
    const a = await campaign('a');
    const b = await campaign('b');
    for (const c of [a, b]) await importLeadsCsv(Readable.from(['phone\n2125550123\n']), store.sinkFor(c.id), { defaultCountry: 'US' });
    expect(await store.listLeads(a.id)).toHaveLength(1);
    await store.deleteCampaign(a.id);
    expect(await store.listLeads(a.id)).toHaveLength(0);
    expect(await store.listLeads(b.id)).toHaveLength(1);
  });

  it('rejects a second campaign with the same name', async () => {
    await campaign('same');
    await expect(campaign('same')).rejects.toThrow();
  });

  it('checks the global and per-campaign DNC lists', async () => {
    const a = await campaign('a');
    const b = await campaign('b');
    await dnc.add('+12125550123', null, 'global opt-out');
    await dnc.add('+12125550124', a.id, 'asked campaign a');
    expect(await isDnc(db.ds, '+12125550123', a.id)).toBe(true);
    expect(await isDnc(db.ds, '+12125550123', null)).toBe(true);
    expect(await dnc.isDnc('+12125550124', a.id)).toBe(true);
    expect(await dnc.isDnc('+12125550124', b.id)).toBe(false);
    expect(await dnc.isDnc('+12125550124', null)).toBe(false);
    await expect(dnc.add('+12125550123', null, 'again')).rejects.toThrow(DncConflictError);
    await expect(dnc.add('+12125550124', a.id, 'again')).rejects.toThrow(DncConflictError);
    await dnc.add('+12125550124', null, 'now global too'); // another list: allowed
    expect((await dnc.list(null)).map((r) => r.phone_e164)).toEqual(['+12125550123', '+12125550124']);
    expect((await dnc.list(a.id)).map((r) => r.phone_e164)).toEqual(['+12125550124']);
    expect(await dnc.remove('+12125550123', a.id)).toBeNull();
    expect(await dnc.remove('+12125550123', null)).toMatchObject({ reason: 'global opt-out' });
    expect(await dnc.isDnc('+12125550123', a.id)).toBe(false);
    await store.deleteCampaign(a.id);
    expect(await dnc.list(undefined)).toHaveLength(1);
  });
});
