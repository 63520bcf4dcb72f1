/**
 * The handling figures CallControl reports for the period reports (options.handling, written to the queue call's
 * history row): hold periods of the answering agent's call (hold button, a blind transfer's ringing, an attended
 * transfer's consultation), transfers completed and 3-way conferences joined. On the simulator, as call-control.test.
 */
import type { QueueCallHandling } from '../../src/acd/history-store';
import { CallsHarness, waitFor } from './harness';

jest.setTimeout(30_000);

describe('CallControl handling figures', () => {
  const reported: Array<{ callId: string } & QueueCallHandling> = [];
  const h = new CallsHarness();
  beforeAll(() => h.start({ handling: (callId, x) => reported.push({ callId, ...x }) }));
  afterAll(() => h.close());
  afterEach(async () => {
    await h.reset();
    reported.length = 0;
  });

  const sum = (callId: string) => {
    const of = reported.filter((r) => r.callId === callId);
    const total = (k: keyof QueueCallHandling) => of.reduce((s, r) => s + (r[k] ?? 0), 0);
    return { holdMs: total('holdMs'), holdCount: total('holdCount'), transfers: total('transfers'), threeWay: total('threeWay') };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  test('hold and unhold: one hold period per hold, its time; a second hold while held adds nothing', async () => {
    const { callerUuid } = await h.connect(1);
    await h.control.hold(1);
    await sleep(120);
    await h.control.hold(1);
    await h.control.unhold(1);
    expect(sum(callerUuid)).toMatchObject({ holdCount: 1, transfers: 0 });
    expect(sum(callerUuid).holdMs).toBeGreaterThanOrEqual(100);
    await h.control.hold(1);
    await sleep(50);
    // The call ends while held: the period ends with it.
    await h.control.hangup(1);
    await waitFor('second period reported', () => sum(callerUuid).holdCount === 2);
    expect(sum(callerUuid).holdMs).toBeGreaterThanOrEqual(150);
  });

  test('blind transfer to an agent: one transfer, the ringing is a hold period; the new agent\'s hold is not the answering agent\'s', async () => {
    const { callerUuid } = await h.connect(1);
    h.engine.setReady(2);
    await h.control.blindTransfer(1, { agent: 2 });
    expect(sum(callerUuid)).toMatchObject({ transfers: 1, holdCount: 1, threeWay: 0 });
    await h.control.hold(2);
    await h.control.unhold(2);
    expect(sum(callerUuid)).toMatchObject({ transfers: 1, holdCount: 1 });
    // A transfer on by the new agent counts too (transfers of the call, whoever makes them).
    h.engine.setReady(3);
    await h.control.blindTransfer(2, { agent: 3 });
    expect(sum(callerUuid).transfers).toBe(2);
    await h.control.hangup(3);
  });

  test('blind transfer whose target does not answer: the hold period, no transfer', async () => {
    h.sim.setGatewayOutcome('15559990011', { outcome: 'busy', ringMs: 30 });
    const { callerUuid } = await h.connect(1);
    await expect(h.control.blindTransfer(1, { number: '15559990011' })).rejects.toThrow();
    expect(sum(callerUuid)).toMatchObject({ transfers: 0, holdCount: 1 });
  });

  test('attended transfer: the consultation is a hold period; completed counts a transfer, cancelled does not', async () => {
    h.sim.setGatewayOutcome('15559990012', { outcome: 'answer', ringMs: 30 });
    const first = await h.connect(1);
    const { consultUuid } = await h.control.attendedTransfer(1, { number: '15559990012' });
    await waitFor('agent talks to target', () => h.hears(first.agentUuid, consultUuid));
    await h.control.cancelTransfer(1);
    expect(sum(first.callerUuid)).toMatchObject({ transfers: 0, holdCount: 1 });
    h.engine.setReady(2);
    const again = await h.control.attendedTransfer(1, { agent: 2 });
    await waitFor('agent talks to agent 2', () => h.hears(first.agentUuid, again.consultUuid));
    await h.control.completeTransfer(1);
    expect(sum(first.callerUuid)).toMatchObject({ transfers: 1, holdCount: 2 });
    await h.control.hangup(2);
  });

  test('blind transfer to a queue counts a transfer', async () => {
    const { callerUuid } = await h.connect(1);
    await h.control.blindTransfer(1, { queue: 'billing' });
    expect(sum(callerUuid)).toMatchObject({ transfers: 1, holdCount: 0 });
  });

  test('3-way: counted when the third party is in the room; not when it does not answer', async () => {
    h.sim.setGatewayOutcome('15559990013', { outcome: 'busy', ringMs: 30 });
    const { callerUuid } = await h.connect(1);
    await expect(h.control.threeWay(1, { number: '15559990013' })).rejects.toThrow();
    expect(sum(callerUuid).threeWay).toBe(0);
    h.engine.setReady(3);
    await h.control.threeWay(1, { agent: 3 });
    expect(sum(callerUuid)).toMatchObject({ threeWay: 1, transfers: 0 });
    await h.control.hangup(1);
    await h.control.hangup(3);
  });

  test('manual outbound calls report nothing', async () => {
    h.sim.setGatewayOutcome('15559990014', { outcome: 'answer', ringMs: 30 });
    h.engine.setReady(5);
    const { customerUuid } = await h.control.manualOutbound(5, '15559990014');
    await waitFor('customer up', () => h.up(customerUuid));
    await h.control.hold(5);
    await h.control.unhold(5);
    await h.control.hangup(5);
    expect(reported).toEqual([]);
  });
});
