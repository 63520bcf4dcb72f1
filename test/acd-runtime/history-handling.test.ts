/**
 * The ACD history writer's handling figures (migration 1769000000000): hold, transfers, 3-ways and wrap-up added to
 * a call's row while it is in memory, or to the stored row once it was written final (a wrap-up ends after the call);
 * the team written with the answer and the campaign with the entry.
 */
import { AcdHistoryWriter } from '../../src/acd/history-store';
import { campaignIdOf } from '../../src/acd/runtime/acd-runtime';
import { silentLogger } from '../../src/log/logger';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('ACD history: handling figures', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  const row = async (id: string) =>
    ((await db.ds.query('SELECT hold_ms, hold_count, transfers, three_way, wrap_ms, team, campaign_id, talk_ms FROM acd_queue_calls WHERE id = ?', [id])) as Array<Record<string, unknown>>)[0];

  it('adds to the row in memory and to the stored row after it was written final', async () => {
    const t0 = Date.UTC(2026, 2, 2, 10);
    const w = new AcdHistoryWriter(db.ds, { logger: silentLogger, flushMs: 0 });
    w.callEntered({ id: 'h1', node: 'fs1', queue: 'sales', priority: 0, callerNumber: '+1555', enteredAt: t0, campaignId: 7 });
    w.callEntered({ id: 'h2', node: 'fs1', queue: 'sales', priority: 0, callerNumber: '+1556', enteredAt: t0 });
    w.callUpdate('h1', { answeredAt: t0 + 5_000, agentId: 3, team: 'north' });
    w.callHandling('h1', { holdMs: 4_000, holdCount: 1 });
    w.callHandling('h1', { holdMs: 1_500, holdCount: 1, transfers: 1 });
    await w.flush();
    expect(await row('h1')).toMatchObject({ hold_ms: 5_500, hold_count: 2, transfers: 1, three_way: 0, wrap_ms: null, team: 'north' });
    expect(Number((await row('h1'))!.campaign_id)).toBe(7);
    expect(await row('h2')).toMatchObject({ hold_ms: 0, hold_count: 0, transfers: 0, campaign_id: null, team: null });
    w.callUpdate('h1', { endedAt: t0 + 65_000, talkMs: 60_000, outcome: 'answered' }, true);
    await w.flush();
    expect(w.callRow('h1')).toBeUndefined();
    // After the call: the wrap-up, and a 3-way of a later agent, go to the stored row.
    w.callHandling('h1', { wrapMs: 20_000 });
    w.callHandling('h1', { threeWay: 1, wrapMs: 5_000 });
    // Nothing to add, negative or not a number: ignored.
    w.callHandling('h1', { holdMs: -5, transfers: Number.NaN });
    expect(w.stats().pending).toBe(1);
    await w.flush();
    expect(await row('h1')).toMatchObject({ hold_ms: 5_500, hold_count: 2, transfers: 1, three_way: 1, wrap_ms: 25_000, talk_ms: 60_000 });
    // A call the history never had: nothing written, nothing failed.
    w.callHandling('unknown', { wrapMs: 1_000 });
    await w.flush();
    expect(await row('unknown')).toBeUndefined();
    expect(w.stats()).toMatchObject({ failedWrites: 0, dropped: 0 });
    await w.close();
  });

  it('a failed write keeps the late increments for the retry', async () => {
    const t0 = Date.UTC(2026, 2, 2, 11);
    const w = new AcdHistoryWriter(db.ds, { logger: silentLogger, flushMs: 0, retryInitialMs: 5 });
    w.callEntered({ id: 'h3', node: 'fs1', queue: 'sales', priority: 0, callerNumber: '+1557', enteredAt: t0 });
    w.callUpdate('h3', { endedAt: t0 + 1_000, outcome: 'abandoned' }, true);
    await w.flush();
    await db.ds.query('ALTER TABLE acd_queue_calls RENAME TO acd_queue_calls_away');
    try {
      w.callHandling('h3', { wrapMs: 3_000 });
      await expect(w.flush()).rejects.toThrow();
      w.callHandling('h3', { wrapMs: 1_000 });
    } finally {
      await db.ds.query('ALTER TABLE acd_queue_calls_away RENAME TO acd_queue_calls');
    }
    await w.flush();
    expect(await row('h3')).toMatchObject({ wrap_ms: 4_000 });
    await w.close();
  });
});

describe('campaignIdOf', () => {
  it('reads a positive campaign id from the handoff variables, else null', () => {
    expect(campaignIdOf({ campaign_id: '12' })).toBe(12);
    expect(campaignIdOf({})).toBeNull();
    for (const bad of ['0', '-1', '1.5', 'x', '99999999999', '2147483648']) expect(campaignIdOf({ campaign_id: bad })).toBeNull();
  });
});
