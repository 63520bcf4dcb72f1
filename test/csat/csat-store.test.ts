import { CsatStore, type CsatAnswerEvent } from '../../src/csat/store';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('CSAT answer store', (engine) => {
  let db: TestDatabase;
  let store: CsatStore;
  const at = (h: number) => new Date(Date.UTC(2026, 2, 10, h, 0, 0));
  const base = { source: 'post_call' as const, call_uuid: 'c-1', queue_call_id: 'qc-1', queue: 'support', agent_id: 7, caller_number: '+15551230000', ticket_id: null, followup_id: null };
  beforeAll(async () => {
    db = await engine.open();
    store = new CsatStore(db.ds);
  });
  afterAll(() => db?.close());

  it('stores an answer, adds its comment, and tells the onAnswer listeners both times', async () => {
    const events: CsatAnswerEvent[] = [];
    const off = store.onAnswer((e) => {
      events.push(e);
    });
    const row = await store.insert({ ...base, score: 4, answered_at: at(9) });
    expect(row).toMatchObject({ score: 4, queue: 'support', agent_id: 7, queue_call_id: 'qc-1', comment_recording: null });
    const commented = await store.setComment(row.id, '/var/vm/_csat/2026-03-10/c-1.wav');
    expect(commented?.comment_recording).toBe('/var/vm/_csat/2026-03-10/c-1.wav');
    expect(events.map((e) => [e.kind, e.answer.id])).toEqual([
      ['answered', row.id],
      ['commented', row.id],
    ]);
    off();
    await store.insert({ ...base, score: 1, answered_at: at(9) });
    expect(events).toHaveLength(2);
    const stored = await store.get(row.id);
    expect(new Date(stored!.answered_at).toISOString()).toBe('2026-03-10T09:00:00.000Z');
  });

  it('refuses a score outside 1-5 and clips long or empty text to the column limits', async () => {
    await expect(store.insert({ ...base, score: 6, answered_at: at(9) })).rejects.toThrow(/1-5/);
    await expect(store.insert({ ...base, score: 0, answered_at: at(9) })).rejects.toThrow(/1-5/);
    const r = await store.insert({ ...base, queue: '', caller_number: 'x'.repeat(100), agent_id: -3, score: 5, answered_at: at(9) });
    expect(r.queue).toBeNull();
    expect(r.agent_id).toBeNull();
    expect(r.caller_number).toHaveLength(64);
  });

  it('lists newest first with filters (queue, agent, source, queue call, time range) and paging', async () => {
    await store.insert({ ...base, source: 'followup', queue: 'sales', agent_id: 8, queue_call_id: 'qc-2', ticket_id: 12, followup_id: 3, score: 2, answered_at: at(11) });
    await store.insert({ ...base, queue: 'sales', agent_id: 8, queue_call_id: 'qc-3', score: 3, answered_at: at(12) });
    const sales = await store.list({ queue: 'sales', limit: 10, offset: 0 });
    expect(sales.total).toBe(2);
    expect(sales.items.map((i) => i.queue_call_id)).toEqual(['qc-3', 'qc-2']);
    expect((await store.list({ source: 'followup', limit: 10, offset: 0 })).items.map((i) => [i.ticket_id, i.followup_id])).toEqual([[12, 3]]);
    expect((await store.list({ agentId: 7, limit: 10, offset: 0 })).total).toBeGreaterThanOrEqual(2);
    expect((await store.list({ from: at(11), to: at(12), limit: 10, offset: 0 })).items.map((i) => i.queue_call_id)).toEqual(['qc-2']);
    const page = await store.list({ queue: 'sales', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 2 });
    expect(page.items.map((i) => i.queue_call_id)).toEqual(['qc-2']);
    expect((await store.forQueueCalls(['qc-2', 'qc-3'])).map((r) => r.score)).toEqual([2, 3]);
    expect(await store.forQueueCalls([])).toEqual([]);
  });
});
