import { AcdStateError } from '../../src/acd/errors';
import { OFFER_GRACE_MS } from '../../src/acd/engine';
import { Harness, agentConfig, callInput, queueConfig } from './helpers';

describe('ACD routing', () => {
  it('serves higher priority first, then the longest waiting, across the queues an agent serves', () => {
    const h = new Harness([queueConfig('a'), queueConfig('b')], [agentConfig(1, ['a', 'b'])]);
    h.engine.enqueue(callInput('a-old', 'a'));
    h.advanceSec(1);
    h.engine.enqueue(callInput('b-old', 'b'));
    h.advanceSec(1);
    h.engine.enqueue(callInput('a-vip', 'a', { priority: 5 }));
    h.advanceSec(1);
    h.engine.enqueue(callInput('b-vip', 'b', { priority: 5 }));
    const order: string[] = [];
    h.engine.login(1);
    for (let i = 0; i < 4; i++) {
      const [offer] = h.offers();
      order.push(offer!.callId);
      h.engine.offerAnswered(offer!.offerId, 1);
      h.engine.callEnded(offer!.callId);
    }
    expect(order).toEqual(['a-vip', 'b-vip', 'a-old', 'b-old']);
  });

  it('reports waiting calls oldest first and positions in routing order', () => {
    const h = new Harness([queueConfig('a')], []);
    h.engine.enqueue(callInput('c1', 'a'));
    h.advanceSec(1);
    h.engine.enqueue(callInput('c2', 'a', { priority: 3 }));
    expect(h.engine.waitingCalls().map((c) => c.id)).toEqual(['c1', 'c2']);
    expect(h.engine.callPosition('c2')!.position).toBe(1);
    expect(h.engine.callPosition('c1')!.position).toBe(2);
  });

  it('requires every skill (queue + call) at the minimum proficiency and relaxes it by steps', () => {
    const q = queueConfig('q', {
      requiredSkills: ['sales'],
      minProficiency: 8,
      relaxation: [
        { afterSec: 60, minProficiency: null },
        { afterSec: 30, minProficiency: 5 },
      ],
    });
    const h = new Harness([q], [agentConfig(1, ['q'], { sales: 6, de: 6 }), agentConfig(2, ['q'], {})]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('c1', 'q', { skills: ['de'] }));
    expect(h.offers()).toEqual([]);
    h.advanceSec(29);
    expect(h.offers()).toEqual([]);
    h.advanceSec(1); // 30 s: proficiency >= 5 is enough
    const [first] = h.offers();
    expect(first!.agentIds).toEqual([1]);
    h.engine.offerAnswered(first!.offerId, 1);

    h.engine.enqueue(callInput('c2', 'q', { skills: ['fr'] })); // nobody speaks fr
    h.advanceSec(59);
    expect(h.offers()).toEqual([]);
    h.advanceSec(1); // 60 s: any agent of the queue
    expect(h.offers().map((o) => [o.callId, o.agentIds])).toEqual([['c2', [2]]]);
  });

  it('a relaxed call enqueued with an old enteredAt starts at its current step', () => {
    const q = queueConfig('q', { requiredSkills: ['x'], minProficiency: 9, relaxation: [{ afterSec: 30, minProficiency: 1 }] });
    const h = new Harness([q], [agentConfig(1, ['q'], { x: 1 })]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q', { enteredAt: h.clock.now() - 40_000 }));
    expect(h.offers()).toHaveLength(1);
  });

  it('overflows after max wait and the call leaves', () => {
    const q = queueConfig('q', { maxWaitSec: 120, overflow: { kind: 'voicemail', box: '100' } });
    const h = new Harness([q], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.setNotReady(1, 'break');
    h.engine.enqueue(callInput('c1', 'q'));
    h.take();
    h.advanceSec(119);
    expect(h.take()).toEqual([]);
    h.advanceSec(1);
    expect(h.take()).toEqual([
      { kind: 'overflow', callId: 'c1', target: { kind: 'voicemail', box: '100' }, reason: 'max_wait' },
      { kind: 'call_state', callId: 'c1', queue: 'q', state: 'ended', outcome: 'overflowed', waitMs: 120000, at: h.clock.now() },
    ]);
    expect(h.engine.waitingCalls()).toEqual([]);
  });

  it('a call ringing an agent at max wait overflows only if that offer fails', () => {
    const q = queueConfig('q', { maxWaitSec: 10, offerTimeoutSec: 20, overflow: { kind: 'queue', queue: 'other' } });
    const h = new Harness([q], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('c1', 'q'));
    h.engine.enqueue(callInput('c2', 'q'));
    const [o1, o2] = h.offers();
    h.advanceSec(15);
    expect(h.take('overflow')).toEqual([]);
    h.engine.offerAnswered(o1!.offerId, o1!.agentIds[0]!);
    h.engine.offerFailed(o2!.offerId, o2!.agentIds[0]!, 'no_answer');
    expect(h.take('overflow')).toEqual([{ kind: 'overflow', callId: 'c2', target: { kind: 'queue', queue: 'other' }, reason: 'max_wait' }]);
  });

  it('overflows at once when no agent is logged in, and when the last agent logs out', () => {
    const q = queueConfig('q', { noAgents: { kind: 'voicemail', box: 'q' } });
    const h = new Harness([q], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.engine.enqueue(callInput('c0', 'q'));
    expect(h.take()).toEqual([
      { kind: 'overflow', callId: 'c0', target: { kind: 'voicemail', box: 'q' }, reason: 'no_agents' },
      { kind: 'call_state', callId: 'c0', queue: 'q', state: 'ended', outcome: 'overflowed', waitMs: 0, at: h.clock.now() },
    ]);
    h.loginAll(1, 2);
    h.engine.setNotReady(1, 'break');
    h.engine.setNotReady(2, 'break');
    h.engine.enqueue(callInput('c1', 'q'));
    h.engine.enqueue(callInput('cb', 'q', { callback: { number: '555' } }));
    h.engine.logout(1);
    expect(h.take('overflow')).toEqual([]);
    h.engine.logout(2);
    expect(h.take('overflow')).toEqual([{ kind: 'overflow', callId: 'c1', target: { kind: 'voicemail', box: 'q' }, reason: 'no_agents' }]);
    // The callback request stays for when agents come back.
    expect(h.engine.waitingCalls().map((c) => c.id)).toEqual(['cb']);
  });

  it('sets an agent not ready after maxNoAnswer missed offers in a row and offers the call to the next', () => {
    const q = queueConfig('q', { maxNoAnswer: 2, strategy: 'top_down' });
    const h = new Harness([q], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('c1', 'q'));
    let [offer] = h.offers();
    expect(offer!.agentIds).toEqual([1]);
    h.engine.offerFailed(offer!.offerId, 1, 'no_answer');
    [offer] = h.offers();
    expect(offer).toMatchObject({ callId: 'c1', agentIds: [2], attempt: 2 });
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', noAnswerStreak: 1 });
    h.engine.offerAnswered(offer!.offerId, 2);
    h.engine.enqueue(callInput('c2', 'q'));
    [offer] = h.offers();
    expect(offer!.agentIds).toEqual([1]);
    h.engine.offerFailed(offer!.offerId, 1, 'no_answer');
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'no_answer', noAnswerStreak: 2 });
    expect(h.engine.waitingCalls()).toMatchObject([{ id: 'c2', state: 'waiting' }]);
    h.engine.setReady(1);
    expect(h.engine.agent(1)).toMatchObject({ state: 'reserved', noAnswerStreak: 0 });
  });

  it('an agent who rejects or is busy is not offered calls during its delay', () => {
    const q = queueConfig('q', { rejectDelaySec: 10, busyDelaySec: 30 });
    const h = new Harness([q], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    let [offer] = h.offers();
    h.engine.offerFailed(offer!.offerId, 1, 'rejected');
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', delayedUntil: h.clock.now() + 10000 });
    expect(h.offers()).toEqual([]);
    h.advanceSec(9.9);
    expect(h.offers()).toEqual([]);
    h.advanceSec(0.1);
    [offer] = h.offers();
    expect(offer).toMatchObject({ callId: 'c1', agentIds: [1] });
    h.engine.offerFailed(offer!.offerId, 1, 'busy');
    h.advanceSec(29);
    expect(h.offers()).toEqual([]);
    h.advanceSec(1);
    expect(h.offers()).toHaveLength(1);
    expect(h.engine.agent(1)!.noAnswerStreak).toBe(0);
  });

  it('logout mid-offer cancels the offer and offers the call to the next agent', () => {
    const h = new Harness([queueConfig('q', { strategy: 'top_down' })], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.engine.logout(1, 'end_of_shift');
    const effects = h.take();
    expect(effects[0]).toEqual({ kind: 'cancel_offer', offerId: offer!.offerId, callId: 'c1', agentId: 1, reason: 'agent_logged_out' });
    expect(h.engine.agent(1)).toMatchObject({ state: 'logged_out', reason: 'end_of_shift' });
    expect(effects.filter((e) => e.kind === 'offer')).toMatchObject([{ callId: 'c1', agentIds: [2] }]);
    // The late failure report of the cancelled leg is ignored.
    expect(() => h.engine.offerFailed(offer!.offerId, 1, 'agent_logged_out')).not.toThrow();
  });

  it('caller hangup while ringing cancels the offer, records an abandon and frees the agent', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.advanceSec(4);
    h.engine.callerHangup('c1');
    const effects = h.take();
    expect(effects).toContainEqual({ kind: 'cancel_offer', offerId: offer!.offerId, callId: 'c1', agentId: 1, reason: 'caller_hangup' });
    expect(effects).toContainEqual(expect.objectContaining({ kind: 'call_state', callId: 'c1', state: 'ended', outcome: 'abandoned', waitMs: 4000 }));
    expect(h.state(1)).toBe('available');
    expect(h.engine.queues()[0]).toMatchObject({ abandonRate: 1, serviceLevel: 0 });
    // The agent answering late is told to hang up.
    h.engine.offerAnswered(offer!.offerId, 1);
    expect(h.take()).toEqual([{ kind: 'cancel_offer', offerId: offer!.offerId, callId: 'c1', agentId: 1, reason: 'offer_ended' }]);
    expect(() => h.engine.callerHangup('c1')).toThrow(AcdStateError);
  });

  it('a lost answer/failure report cannot leave an agent reserved: the engine times the offer out', () => {
    const h = new Harness([queueConfig('q', { offerTimeoutSec: 15, maxNoAnswer: 1 })], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    expect(offer!.timeoutSec).toBe(15);
    h.clock.advance(15000 + OFFER_GRACE_MS - 1);
    expect(h.state(1)).toBe('reserved');
    h.clock.advance(1);
    expect(h.take('cancel_offer')).toEqual([{ kind: 'cancel_offer', offerId: offer!.offerId, callId: 'c1', agentId: 1, reason: 'timeout' }]);
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'no_answer' });
    expect(h.engine.waitingCalls()).toMatchObject([{ id: 'c1', state: 'waiting' }]);
  });

  it('ends wrap-up by timer or by endWrapUp', () => {
    const h = new Harness([queueConfig('q', { wrapUpSec: 30 })], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    let [offer] = h.offers();
    h.engine.offerAnswered(offer!.offerId, 1);
    h.engine.callEnded('c1');
    expect(h.engine.agent(1)).toMatchObject({ state: 'wrap_up', callId: 'c1' });
    h.engine.enqueue(callInput('c2', 'q'));
    h.advanceSec(29);
    expect(h.offers()).toEqual([]);
    h.advanceSec(1);
    [offer] = h.offers(); // wrap-up over: c2 is offered inside the timer
    expect(offer!.callId).toBe('c2');
    h.engine.offerAnswered(offer!.offerId, 1);
    h.engine.callEnded('c2');
    h.engine.endWrapUp(1);
    expect(h.state(1)).toBe('available');
  });

  it('a callback request keeps its place and is dialed when an agent is free', () => {
    const q = queueConfig('q', { callbackKey: '1', callbackConnect: 'customer_first', announceIntervalSec: 10, announcePosition: true });
    const h = new Harness([q], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.setNotReady(1, 'break');
    h.engine.enqueue(callInput('c1', 'q'));
    h.advanceSec(1);
    h.engine.enqueue(callInput('c2', 'q'));
    h.advanceSec(1);
    h.take();
    h.engine.requestCallback('c1', '5550111');
    expect(h.take('call_state')).toEqual([{ kind: 'call_state', callId: 'c1', queue: 'q', state: 'waiting', outcome: 'callback_requested', at: h.clock.now() }]);
    expect(h.engine.callPosition('c1')!.position).toBe(1);
    h.advanceSec(20);
    expect(h.take('announce').map((a) => a.callId)).toEqual(['c2', 'c2']); // the callback gets no announcements
    h.engine.setReady(1);
    const effects = h.take();
    const dial = effects.find((e) => e.kind === 'dial_callback');
    expect(dial).toMatchObject({ callId: 'c1', agentId: 1, number: '5550111', order: 'customer_first' });
    expect(effects.some((e) => e.kind === 'offer')).toBe(false);
    expect(h.state(1)).toBe('reserved');
    h.engine.offerAnswered(dial?.kind === 'dial_callback' ? dial.offerId : '', 1);
    expect(h.take('connect')).toMatchObject([{ callId: 'c1', agentId: 1, waitMs: 22000 }]);
  });

  it('a failed callback dial goes back in line at its place', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    h.engine.enqueue(callInput('c1', 'q', { callback: { number: '555' } }));
    h.advanceSec(1);
    h.engine.enqueue(callInput('c2', 'q'));
    h.loginAll(1);
    const dial = h.take('dial_callback')[0]!;
    h.engine.offerFailed(dial.offerId, 1, 'no_answer');
    // Tried agents go last, but agent 1 is the only one: the callback (first in line) is dialed again.
    expect(h.take('dial_callback')).toMatchObject([{ callId: 'c1', agentId: 1 }]);
  });

  it('announces position and EWT every interval while waiting', () => {
    const q = queueConfig('q', { announceIntervalSec: 30, announcePosition: true, announceEwt: true, wrapUpSec: 0 });
    const h = new Harness([q], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('x1', 'q'));
    h.engine.enqueue(callInput('x2', 'q'));
    for (const o of h.offers()) h.engine.offerAnswered(o.offerId, o.agentIds[0]!);
    h.engine.enqueue(callInput('c1', 'q'));
    h.engine.enqueue(callInput('c2', 'q'));
    h.engine.enqueue(callInput('c3', 'q'));
    h.take();
    h.advanceSec(30);
    // 2 agents, default handle 180 s, longest busy 30 s: c1 ceil(1/2)*180-30 = 150, c3 ceil(3/2)*180-30 = 330.
    expect(h.take('announce')).toEqual([
      { kind: 'announce', callId: 'c1', position: 1, ewtSec: 150 },
      { kind: 'announce', callId: 'c2', position: 2, ewtSec: 150 },
      { kind: 'announce', callId: 'c3', position: 3, ewtSec: 330 },
    ]);
    h.engine.callerHangup('c1');
    h.advanceSec(30);
    expect(h.take('announce').map((a) => [a.callId, a.position])).toEqual([
      ['c2', 1],
      ['c3', 2],
    ]);
  });

  it('learns the handle time for the EWT and gives none without agents', () => {
    const h = new Harness([queueConfig('q', { wrapUpSec: 20 })], [agentConfig(1, ['q'])]);
    expect(h.engine.queues()[0]!.ewtSec).toBeNull();
    h.loginAll(1);
    expect(h.engine.queues()[0]!.ewtSec).toBe(180);
    h.engine.enqueue(callInput('c1', 'q'));
    h.engine.offerAnswered(h.offers()[0]!.offerId, 1);
    h.advanceSec(40);
    h.engine.callEnded('c1');
    h.advanceSec(20);
    expect(h.engine.queues()[0]!.ewtSec).toBe(60); // first sample: talk 40 + wrap-up 20
  });

  it('snapshots queues with waiting, longest wait, service level, abandon rate and agents by state', () => {
    const h = new Harness([queueConfig('q', { serviceLevelSec: 20 })], [agentConfig(1, ['q']), agentConfig(2, ['q']), agentConfig(3, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('fast', 'q'));
    h.advanceSec(5);
    h.engine.offerAnswered(h.offers()[0]!.offerId, 1); // in service
    h.engine.enqueue(callInput('slow', 'q'));
    h.advanceSec(30);
    h.engine.enqueue(callInput('gone', 'q'));
    h.advanceSec(2);
    h.engine.callerHangup('gone');
    h.loginAll(2);
    h.engine.offerAnswered(h.offers()[0]!.offerId, 2); // 'slow' after 32 s: out of service
    h.engine.enqueue(callInput('waiting', 'q'));
    h.advanceSec(7);
    const [snap] = h.engine.queues();
    expect(snap).toEqual({
      queue: 'q',
      waiting: 1,
      longestWaitMs: 7000,
      serviceLevel: 1 / 3,
      abandonRate: 1 / 3,
      agents: { logged_out: 1, available: 0, not_ready: 0, reserved: 0, on_call: 2, wrap_up: 0 },
      ewtSec: expect.any(Number),
    });
    h.clock.advance(3_600_000);
    expect(h.engine.queues()[0]).toMatchObject({ serviceLevel: null, abandonRate: null });
  });

  it('assigns several waiting calls sensibly when several agents free up at once (ring_all losers)', () => {
    const h = new Harness([queueConfig('q', { strategy: 'ring_all' }), queueConfig('p', { strategy: 'longest_idle' })], [agentConfig(1, ['q', 'p']), agentConfig(2, ['q', 'p']), agentConfig(3, ['q', 'p'])]);
    h.loginAll(1, 2, 3);
    h.engine.enqueue(callInput('r1', 'q'));
    const [ring] = h.offers();
    h.engine.enqueue(callInput('p1', 'p'));
    h.engine.enqueue(callInput('p2', 'p', { priority: 9 }));
    h.engine.enqueue(callInput('p3', 'p'));
    h.engine.offerAnswered(ring!.offerId, 3);
    const offers = h.offers();
    expect(offers.map((o) => [o.callId, o.agentIds])).toEqual([
      ['p2', [1]],
      ['p1', [2]],
    ]);
    expect(h.engine.waitingCalls().map((c) => [c.id, c.state])).toEqual([
      ['p1', 'offering'],
      ['p2', 'offering'],
      ['p3', 'waiting'],
    ]);
  });

  it('reconfigures at runtime: new agents route, removed agents finish their call, removed queues overflow', () => {
    const qa = queueConfig('a', { wrapUpSec: 10 });
    const qb = queueConfig('b', { overflow: { kind: 'hangup', cause: 'NO_ANSWER' } });
    const h = new Harness([qa, qb], [agentConfig(1, ['a']), agentConfig(2, ['a'])]);
    h.loginAll(1, 2);
    h.engine.enqueue(callInput('c1', 'a'));
    const [o1] = h.offers();
    h.engine.offerAnswered(o1!.offerId, o1!.agentIds[0]!);
    h.engine.setNotReady(o1!.agentIds[0] === 1 ? 2 : 1, 'break');
    h.engine.enqueue(callInput('b1', 'b'));
    h.take();
    // Remove agent on the call (1 or 2) and queue b; add agent 3 serving a.
    const onCall = o1!.agentIds[0]!;
    const other = onCall === 1 ? 2 : 1;
    h.engine.configure([qa], [agentConfig(other, ['a']), agentConfig(3, ['a'])]);
    expect(h.take('overflow')).toEqual([{ kind: 'overflow', callId: 'b1', target: { kind: 'hangup', cause: 'NO_ANSWER' }, reason: 'no_agents' }]);
    expect(h.engine.agent(onCall)).toMatchObject({ state: 'on_call', removed: true });
    h.engine.callEnded('c1');
    h.advanceSec(10);
    expect(h.engine.agent(onCall)).toBeUndefined();
    expect(h.engine.agents().map((a) => a.id).sort()).toEqual([other, 3].sort());
    h.loginAll(3);
    h.engine.enqueue(callInput('c2', 'a'));
    expect(h.offers()).toMatchObject([{ callId: 'c2', agentIds: [3] }]);
    expect(() => h.engine.enqueue(callInput('x', 'b'))).toThrow(expect.objectContaining({ code: 'unknown_queue' }));
  });

  it('reconfiguring an agent’s skills routes a call that now matches', () => {
    const q = queueConfig('q', { requiredSkills: ['de'] });
    const h = new Harness([q], [agentConfig(1, ['q'], {})]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    expect(h.offers()).toEqual([]);
    h.engine.configure([q], [agentConfig(1, ['q'], { de: 3 })]);
    expect(h.offers()).toMatchObject([{ callId: 'c1', agentIds: [1] }]);
  });

  it('validates inputs and configuration', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    h.engine.enqueue(callInput('c1', 'q'));
    expect(() => h.engine.enqueue(callInput('c1', 'q'))).toThrow(expect.objectContaining({ code: 'duplicate_call' }));
    expect(() => h.engine.callEnded('c1')).toThrow(/not connected/);
    expect(() => h.engine.offerAnswered('nope', 1)).toThrow(expect.objectContaining({ code: 'unknown_offer' }));
    expect(() => h.engine.configure([queueConfig('q'), queueConfig('q')], [])).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => h.engine.configure([queueConfig('q', { strategy: 'fastest' as never })], [])).toThrow(/unknown strategy/);
    expect(h.engine.waitingCalls()).toHaveLength(1); // unchanged after the refused configure
  });

  it('gives effects to a listener that calls back into the engine in order', () => {
    const seen: string[] = [];
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    const engine = new (h.engine.constructor as typeof import('../../src/acd/engine').AcdEngine)({
      clock: h.clock,
      onEffect: (e) => {
        seen.push(e.kind === 'agent_state' ? `agent:${e.state}` : e.kind === 'call_state' ? `call:${e.state}` : e.kind);
        if (e.kind === 'offer') engine.offerAnswered(e.offerId, e.agentIds[0]!);
      },
    });
    engine.configure([queueConfig('q')], [agentConfig(1, ['q'])]);
    engine.login(1);
    engine.enqueue(callInput('c1', 'q'));
    expect(seen).toEqual(['agent:available', 'call:waiting', 'agent:reserved', 'offer', 'call:offering', 'connect', 'call:connected', 'agent:on_call']);
  });
});
