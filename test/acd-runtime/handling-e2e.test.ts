/**
 * End to end (simulator + service): what the runtime writes on a queue call's row for the period reports besides its
 * times: the answering agent's team at answer time (its first team) and its wrap-up after the call (wrap_ms).
 */
import { describeEachEngine } from '../helpers/databases';
import { AcdHarness, waitFor } from './harness';

describeEachEngine('ACD runtime: team and wrap-up on the queue call', (engine) => {
  const h = new AcdHarness(engine);
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  it('records the first team of the answering agent and the wrap-up that follows the call', async () => {
    await h.queue('teamq', { wrapUpSec: 1 });
    const agent = await h.agent('3900', ['teamq'], { answerDelayMs: 50, hangupAfterMs: 300 }, { teams: ['north', 'south'] });
    const id = h.call('teamq');
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ outcome: 'answered', team: 'north' });
    expect(Number(row.agent_id)).toBe(agent);
    await waitFor('wrap-up over', () => h.state(agent) === 'available', 10_000);
    const wrap = await waitFor('wrap_ms written', async () => {
      await h.service.acdHistory.flush();
      const [r] = (await h.service.dataSource.query('SELECT wrap_ms, hold_ms, transfers FROM acd_queue_calls WHERE id = ?', [id])) as Array<Record<string, unknown>>;
      return r?.wrap_ms !== null && r?.wrap_ms !== undefined ? r : undefined;
    });
    // wrapUpSec 1 on the service clock: about a second (timers run late under load, never early).
    expect(Number(wrap.wrap_ms)).toBeGreaterThanOrEqual(900);
    expect(Number(wrap.wrap_ms)).toBeLessThan(10_000);
    expect(wrap).toMatchObject({ hold_ms: 0, transfers: 0 });
    await h.finish([agent], [id]);
  }, 60_000);

  it('an unanswered call has no team', async () => {
    await h.queue('emptyq');
    const id = h.call('emptyq');
    await waitFor('queued', () => h.service.acd.engine.waitingCalls('emptyq').some((c) => c.id === id));
    h.sim.hangup(id);
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ outcome: 'abandoned', team: null, wrap_ms: null });
  }, 30_000);
});
