/**
 * End to end (simulator + service, SQLite): a queue's vipPriority raises a caller's priority by the VIP level of the
 * call's profile variables, so a VIP entering later is offered first, and the profile variables reach the call's
 * data (the agent's screen pop). The service does not look profiles up here: the flow sets profile_* itself, as the
 * IVR's callVariables hook does at the call's start (test/ivr-runtime/profile-variables.test.ts).
 */
import { engines } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from './harness';

describe('VIP priority from caller profiles end to end [sqlite]', () => {
  const h = new AcdHarness(engines.sqlite);
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop(), 30_000);

  it('a VIP caller entering later is offered before an earlier normal caller', async () => {
    await h.queue('vipq', { wrapUpSec: 0, vipPriority: { '3': 25 } });
    await h.flow('vip-flow', 'answer', {
      answer: { type: 'answer', next: 'check' },
      check: { type: 'condition', branches: [{ when: { callerNumber: { prefix: '+1999' } }, next: 'vip' }], else: 'q' },
      vip: { type: 'set', variable: 'profile_vip', value: '3', next: 'name' },
      name: { type: 'set', variable: 'profile_name', value: 'Grace Hopper', next: 'q' },
      q: { type: 'queue', queue: 'vipq', priority: 1 },
    });
    const waiting = () => h.service.acd.engine.waitingCalls('vipq');
    const a = await h.agent('4500', ['vipq'], { answerDelayMs: 100, hangupAfterMs: 300 }, { ready: false });
    const normal = h.call('flow:vip-flow', '+14155550001');
    await waitFor('the normal call to wait', () => waiting().some((c) => c.id === normal) || undefined);
    await sleep(100);
    const vip = h.call('flow:vip-flow', '+19995550002');
    await waitFor('the VIP call to wait', () => waiting().some((c) => c.id === vip) || undefined);
    // Queue priority 1 from the flow, +25 for VIP level 3 (listed in arrival order).
    expect(waiting().map((c) => [c.id, c.priority])).toEqual([
      [normal, 1],
      [vip, 26],
    ]);
    // The screen pop's call data carries the profile variables.
    expect(h.service.acd.callInfo(vip)?.data).toMatchObject({ profile_vip: '3', profile_name: 'Grace Hopper' });
    h.service.acd.engine.setReady(a);
    const rv = await h.queueCall(vip);
    const rn = await h.queueCall(normal);
    expect(Number(rv.priority)).toBe(26);
    // The one agent takes the VIP first although it came later.
    expect(new Date(rv.answered_at!).getTime()).toBeLessThan(new Date(rn.answered_at!).getTime());
    await h.finish([a], [normal, vip]);
  }, 60_000);
});
