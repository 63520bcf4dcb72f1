import { cdrFromHangupComplete } from '../../src/cdr/cdr-from-event';
import { getCdrByUuid, searchCdrs } from '../../src/cdr/cdr-search';
import { CdrWriter } from '../../src/cdr/cdr-writer';
import { VirtualClock } from '../../src/clock/clock';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { sampleCdr } from './helpers';
import { hangupCompletes } from './transcript-events';

const T0 = Date.UTC(2026, 0, 10, 9, 0, 0);

describeEachEngine('searchCdrs', (engine) => {
  let db: TestDatabase;
  const inputs = Array.from({ length: 40 }, (_, k) => sampleCdr(k + 1));
  // Two rows with the same start time, to check the id tie-break; numbers with LIKE wildcards in them.
  inputs.push(sampleCdr(100, { start_at: new Date(T0 + 5_000), caller_number: '12%4_x', destination_number: '7000' }));
  inputs.push(sampleCdr(101, { start_at: new Date(T0 + 5_000), caller_number: '1234_x', destination_number: '7000' }));

  beforeAll(async () => {
    db = await engine.open();
    const writer = new CdrWriter(db.ds, { batchSize: 25, flushMs: 100, clock: new VirtualClock() });
    inputs.forEach((i) => writer.enqueue(i));
    for (const e of hangupCompletes('bridge-json.in.raw')) writer.enqueue(cdrFromHangupComplete(e, 'fs-lab')!);
    await writer.close();
    expect(writer.stats()).toMatchObject({ written: inputs.length + 4, dropped: 0 });
  });
  afterAll(() => db?.close());


  it('returns everything newest first (start_at desc, then id desc) with the total', async () => {
    const page = await searchCdrs(db.ds, { limit: 500 });
    expect(page.total).toBe(inputs.length + 4);
    const starts = page.items.map((r) => r.start_at.getTime());
    expect([...starts].sort((a, b) => b - a)).toEqual(starts);
    const tie = page.items.filter((r) => r.start_at.getTime() === T0 + 5_000);
    expect(tie.map((r) => r.id)).toEqual([...tie.map((r) => r.id)].sort((a, b) => b - a));
    expect(tie.length).toBe(3); // sampleCdr(5) starts then too
  });

  it('pages with limit/offset without gaps or repeats, and caps limit at 500', async () => {
    const q = { fs_node: 'fs-a' };
    const all = await searchCdrs(db.ds, { ...q, limit: 500 });
    const seen: string[] = [];
    for (let offset = 0; offset < all.total; offset += 7) {
      const p = await searchCdrs(db.ds, { ...q, limit: 7, offset });
      expect(p.total).toBe(all.total);
      seen.push(...p.items.map((r) => r.uuid));
    }
    expect(seen).toEqual(all.items.map((r) => r.uuid));
    expect((await searchCdrs(db.ds, { ...q, offset: all.total })).items).toEqual([]);
    expect((await searchCdrs(db.ds, { limit: 10_000 })).items.length).toBeLessThanOrEqual(500);
    expect((await searchCdrs(db.ds, {})).items).toHaveLength(Math.min(50, inputs.length + 4));
    expect((await searchCdrs(db.ds, { limit: 0 })).items).toHaveLength(1);
  });

  it('filters by start time range [from, to)', async () => {
    const from = new Date(T0 + 10_000);
    const to = new Date(T0 + 20_000);
    const page = await searchCdrs(db.ds, { from, to, limit: 500 });
    const expected = inputs.filter((i) => i.start_at >= from && i.start_at < to).map((i) => i.uuid);
    expect(page.items.map((r) => r.uuid).sort()).toEqual(expected.sort());
    expect(page.total).toBe(10);
  });

  it('matches a number against caller, destination or callee, exactly or by prefix', async () => {
    const caller = await searchCdrs(db.ds, { number: inputs[6]!.caller_number });
    expect(caller.items.map((r) => r.uuid)).toEqual([inputs[6]!.uuid]);
    const dest = await searchCdrs(db.ds, { number: '5100', limit: 500 });
    expect(dest.total).toBe(inputs.filter((i) => i.destination_number === '5100').length);
    const callee = await searchCdrs(db.ds, { number: '103', limit: 500 });
    expect(callee.items.every((r) => r.callee_number === '103')).toBe(true);
    expect(callee.total).toBeGreaterThan(0);
    const prefix = await searchCdrs(db.ds, { number: '+1555000001*', limit: 500 });
    expect(prefix.items.map((r) => r.caller_number).sort()).toEqual(
      inputs.filter((i) => i.caller_number.startsWith('+1555000001')).map((i) => i.caller_number).sort(),
    );
    expect((await searchCdrs(db.ds, { number: '+1555000001', numberMatch: 'prefix' })).total).toBe(prefix.total);
    // Real FreeSWITCH rows: the originator number appears as caller on the flipped legs.
    expect((await searchCdrs(db.ds, { number: '15551230001', fs_node: 'fs-lab' })).total).toBe(4);
  });

  it('matches by suffix (leading *), bare digits with or without +, a leading space as +, and an explicit numberMatch', async () => {
    const callers = (page: { items: Array<{ caller_number: string }> }) => page.items.map((r) => r.caller_number).sort();
    expect(callers(await searchCdrs(db.ds, { number: '*0007' }))).toEqual(['+15551000007']);
    const byEnding = (end: string) =>
      inputs.filter((i) => [i.caller_number, i.destination_number, i.callee_number].some((n) => n?.endsWith(end))).length;
    expect((await searchCdrs(db.ds, { number: '*00', limit: 500 })).total).toBe(byEnding('00'));
    expect((await searchCdrs(db.ds, { number: '*00', limit: 500 })).total).toBeGreaterThan(1);
    // Bare digits find the same numbers written with a +; a + in the query finds only numbers that have it.
    const plusPrefix = await searchCdrs(db.ds, { number: '+1555100001*', limit: 500 });
    expect(plusPrefix.total).toBe(10);
    expect((await searchCdrs(db.ds, { number: '1555100001*', limit: 500 })).total).toBe(plusPrefix.total);
    expect(callers(await searchCdrs(db.ds, { number: '15551000007' }))).toEqual(['+15551000007']);
    expect((await searchCdrs(db.ds, { number: '15551230001', fs_node: 'fs-lab' })).total).toBe(4);
    expect((await searchCdrs(db.ds, { number: '+15551230001', fs_node: 'fs-lab' })).total).toBe(0);
    // An unescaped + in a query string arrives as a space.
    expect(callers(await searchCdrs(db.ds, { number: ' 15551000007' }))).toEqual(['+15551000007']);
    expect((await searchCdrs(db.ds, { number: ' 1555100001*', limit: 500 })).total).toBe(10);
    // Explicit: the * is literal.
    expect((await searchCdrs(db.ds, { number: '*0007', numberMatch: 'exact' })).total).toBe(0);
    expect(callers(await searchCdrs(db.ds, { number: '0007', numberMatch: 'suffix' }))).toEqual(['+15551000007']);
    expect((await searchCdrs(db.ds, { number: '+15551000007', numberMatch: 'prefix' })).total).toBe(1);
    // LIKE wildcards are literal in a suffix too: '%4_x' ends only one of the two numbers, '4_x' both.
    expect(callers(await searchCdrs(db.ds, { number: '*%4_x' }))).toEqual(['12%4_x']);
    expect(callers(await searchCdrs(db.ds, { number: '*4_x' }))).toEqual(['1234_x', '12%4_x'].sort());
    expect((await searchCdrs(db.ds, { number: '*_' })).total).toBe(0);
  });

  it('treats % and _ in a number literally (prefix match); hostile values match nothing and break nothing', async () => {
    expect((await searchCdrs(db.ds, { number: '12%*' })).items.map((r) => r.caller_number)).toEqual(['12%4_x']);
    expect((await searchCdrs(db.ds, { number: '1234_*' })).items.map((r) => r.caller_number)).toEqual(['1234_x']);
    expect((await searchCdrs(db.ds, { number: '%*' })).total).toBe(0);
    expect((await searchCdrs(db.ds, { number: '_' })).total).toBe(0);
    for (const hostile of ["' OR 1=1 --", '" OR ""="', '1); DROP TABLE cdrs; --', '\\', '!%']) {
      expect((await searchCdrs(db.ds, { number: hostile })).total).toBe(0);
      expect((await searchCdrs(db.ds, { number: `${hostile}*` })).total).toBe(0);
      expect((await searchCdrs(db.ds, { cause: hostile, uuid: hostile, fs_node: hostile, direction: hostile })).total).toBe(0);
    }
    expect((await searchCdrs(db.ds, {})).total).toBe(inputs.length + 4);
  });

  it('filters by cause (case-insensitive), direction, node and uuid, combined with AND', async () => {
    const noAnswer = await searchCdrs(db.ds, { cause: 'no_answer', limit: 500 });
    expect(noAnswer.total).toBe(inputs.filter((i) => i.hangup_cause === 'NO_ANSWER').length);
    expect(noAnswer.items.every((r) => r.hangup_cause === 'NO_ANSWER' && r.answer_at === null)).toBe(true);
    const combo = await searchCdrs(db.ds, { direction: 'outbound', fs_node: 'fs-b', cause: 'NORMAL_CLEARING', limit: 500 });
    const expected = inputs.filter((i) => i.direction === 'outbound' && i.fs_node === 'fs-b' && i.hangup_cause === 'NORMAL_CLEARING');
    expect(combo.items.map((r) => r.uuid).sort()).toEqual(expected.map((i) => i.uuid).sort());
    const one = await searchCdrs(db.ds, { uuid: inputs[3]!.uuid });
    expect(one.items).toHaveLength(1);
    expect(one.items[0]).toMatchObject({ ...inputs[3], id: expect.any(Number) });
    const legs = await searchCdrs(db.ds, { call_uuid: 'e1fd9246-282d-45b9-9114-941db4906346' });
    expect(legs.items.map((r) => r.bridged_uuid)).toEqual(['933e063f-2c80-40ea-88a0-c4430e56cde5']);
  });

  it('getCdrByUuid returns the row (real FreeSWITCH leg) or null', async () => {
    const row = await getCdrByUuid(db.ds, '933e063f-2c80-40ea-88a0-c4430e56cde5');
    expect(row).toMatchObject({
      fs_node: 'fs-lab',
      direction: 'outbound',
      caller_number: '15551230001',
      destination_number: '9196',
      bridged_uuid: 'e1fd9246-282d-45b9-9114-941db4906346',
      billsec: 2,
      hangup_cause: 'NORMAL_CLEARING',
    });
    expect(row!.start_at.getTime()).toBe(1795335555971);
    expect(await getCdrByUuid(db.ds, 'nope')).toBeNull();
    expect(await getCdrByUuid(db.ds, '')).toBeNull();
    expect(await getCdrByUuid(db.ds, 'x'.repeat(65))).toBeNull();
  });
});
