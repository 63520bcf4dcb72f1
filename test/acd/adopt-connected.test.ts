/**
 * adoptConnected: a call that was already talking when the engine started (a takeover) puts its agent on_call, ends
 * like a routed call (wrap-up, counted for the agent) and is refused when the agent already has something else.
 */
import { AcdStateError } from '../../src/acd/errors';
import { agentConfig, callInput, Harness, queueConfig } from './helpers';

describe('engine: adopting a connected call', () => {
  it('the agent is on_call until the call ends, then wraps up and takes the next caller', () => {
    const h = new Harness([queueConfig('q', { wrapUpSec: 5 })], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.take();
    const connectedAt = h.clock.now() - 30_000;
    h.engine.adoptConnected(callInput('c1', 'q', { enteredAt: connectedAt - 4_000 }), 1, connectedAt);
    expect(h.state(1)).toBe('on_call');
    expect(h.take('call_state')).toEqual([expect.objectContaining({ callId: 'c1', state: 'connected', agentId: 1, waitMs: 4_000, at: connectedAt })]);
    // Not routed to while talking.
    h.engine.enqueue(callInput('c2', 'q'));
    expect(h.offers()).toEqual([]);
    h.engine.callEnded('c1');
    expect(h.state(1)).toBe('wrap_up');
    expect(h.engine.agent(1)).toMatchObject({ callsHandled: 1 });
    h.advanceSec(5);
    expect(h.offers()).toEqual([expect.objectContaining({ callId: 'c2', agentIds: [1] })]);
  });

  it('from not ready (a restored wrap-up) the agent goes on_call too; its not-ready does not come back', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.setNotReady(1, 'after_call_work');
    h.engine.adoptConnected(callInput('c1', 'q'), 1, h.clock.now());
    expect(h.state(1)).toBe('on_call');
    h.engine.callEnded('c1');
    expect(h.state(1)).toBe('available');
  });

  it('refuses an agent who is logged out or busy, a duplicate call and an unknown queue', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1);
    expect(() => h.engine.adoptConnected(callInput('c0', 'q'), 2, h.clock.now())).toThrow(AcdStateError);
    h.engine.adoptConnected(callInput('c1', 'q'), 1, h.clock.now());
    expect(() => h.engine.adoptConnected(callInput('c2', 'q'), 1, h.clock.now())).toThrow(/on_call/);
    expect(() => h.engine.adoptConnected(callInput('c1', 'q'), 1, h.clock.now())).toThrow(/already/);
    expect(() => h.engine.adoptConnected(callInput('c3', 'nope'), 1, h.clock.now())).toThrow(/no queue/);
  });
});
