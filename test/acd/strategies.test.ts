import type { AgentConfig, RoutingStrategy } from '../../src/acd/contract';
import { Harness, agentConfig, callInput, queueConfig } from './helpers';

let n = 0;
/** Enqueues a call, answers it with whoever is offered, talks talkSec and hangs up; returns the agent. */
function handleOne(h: Harness, queue: string, talkSec = 10): number {
  h.take();
  const id = `h${++n}`;
  h.engine.enqueue(callInput(id, queue));
  const [offer] = h.offers();
  expect(offer).toBeDefined();
  expect(offer!.agentIds).toHaveLength(1);
  const agentId = offer!.agentIds[0]!;
  h.engine.offerAnswered(offer!.offerId, agentId);
  h.advanceSec(talkSec);
  h.engine.callEnded(id);
  h.advanceSec(1);
  return agentId;
}

function setup(strategy: RoutingStrategy, agents: AgentConfig[], random?: () => number): Harness {
  const h = new Harness([queueConfig('q', { strategy, requiredSkills: ['sales'] })], agents, random);
  for (const a of agents) {
    h.engine.login(a.id);
    h.advanceSec(1);
  }
  h.take();
  return h;
}

const three = (): AgentConfig[] => [1, 2, 3].map((id) => agentConfig(id, ['q'], { sales: 5 }));

describe('routing strategies', () => {
  it('longest_idle: the agent idle the longest since login or since the last call', () => {
    const h = setup('longest_idle', three());
    expect(handleOne(h, 'q')).toBe(1);
    expect(handleOne(h, 'q')).toBe(2);
    expect(handleOne(h, 'q')).toBe(3);
    expect(handleOne(h, 'q')).toBe(1);
  });

  it('longest_idle: an agent who becomes ready again is idle from then', () => {
    const h = setup('longest_idle', three());
    h.engine.setNotReady(1, 'break');
    h.advanceSec(5);
    h.engine.setReady(1);
    expect(handleOne(h, 'q')).toBe(2);
    expect(handleOne(h, 'q')).toBe(3);
    expect(handleOne(h, 'q')).toBe(1);
  });

  it('round_robin: rotates through the queue members, skipping busy ones', () => {
    const h = setup('round_robin', three());
    expect([handleOne(h, 'q'), handleOne(h, 'q'), handleOne(h, 'q'), handleOne(h, 'q')]).toEqual([1, 2, 3, 1]);
    h.engine.setNotReady(2, 'break');
    expect([handleOne(h, 'q'), handleOne(h, 'q')]).toEqual([3, 1]);
  });

  it('ring_all: rings every eligible agent, the first answer wins, the others are cancelled', () => {
    const agents = [...three(), agentConfig(4, ['q'], { support: 9 })];
    const h = setup('ring_all', agents);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    expect(offer!.agentIds).toEqual([1, 2, 3]);
    expect([1, 2, 3].map((id) => h.state(id))).toEqual(['reserved', 'reserved', 'reserved']);
    h.engine.offerAnswered(offer!.offerId, 2);
    const effects = h.take();
    expect(effects.filter((e) => e.kind === 'connect')).toEqual([{ kind: 'connect', callId: 'c1', agentId: 2, offerId: offer!.offerId, waitMs: 0 }]);
    expect(effects.filter((e) => e.kind === 'cancel_offer').map((e) => e.kind === 'cancel_offer' && e.agentId)).toEqual([1, 3]);
    expect([1, 2, 3].map((id) => h.state(id))).toEqual(['available', 'on_call', 'available']);
    // A late answer of a loser gets a cancel_offer, never a second connect.
    h.engine.offerAnswered(offer!.offerId, 3);
    expect(h.take()).toEqual([{ kind: 'cancel_offer', offerId: offer!.offerId, callId: 'c1', agentId: 3, reason: 'offer_ended' }]);
  });

  it('ring_all: the call waits again only when every rung agent failed', () => {
    const h = setup('ring_all', three());
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.engine.offerFailed(offer!.offerId, 1, 'rejected');
    h.engine.offerFailed(offer!.offerId, 2, 'busy');
    expect(h.engine.waitingCalls()[0]!.state).toBe('offering');
    h.engine.offerFailed(offer!.offerId, 3, 'no_answer');
    // All three are available again (no delays configured): the call is rung on all of them again.
    const [again] = h.offers();
    expect(again!.agentIds.sort()).toEqual([1, 2, 3]);
    expect(again!.attempt).toBe(2);
  });

  it('fewest_calls: the agent with the fewest calls since login, ties to the longest idle', () => {
    const h = setup('fewest_calls', three());
    expect(handleOne(h, 'q')).toBe(1);
    expect(handleOne(h, 'q')).toBe(2);
    h.engine.setNotReady(3, 'break');
    expect(handleOne(h, 'q')).toBe(1); // 1 and 2 have one call each, 1 is idle longer
    h.engine.setReady(3);
    expect(handleOne(h, 'q')).toBe(3);
    expect(handleOne(h, 'q')).toBe(2);
  });

  it('least_talk_time: the agent with the least talk time since login', () => {
    const h = setup('least_talk_time', three());
    expect(handleOne(h, 'q', 100)).toBe(1);
    expect(handleOne(h, 'q', 10)).toBe(2);
    expect(handleOne(h, 'q', 25)).toBe(3);
    expect(handleOne(h, 'q', 10)).toBe(2); // 10 s
    expect(handleOne(h, 'q', 10)).toBe(2); // 20 s, still below 3's 25 s
    expect(handleOne(h, 'q', 10)).toBe(3); // 2 has 30 s now
  });

  it('top_down: lowest tier first, then member order', () => {
    const agents = [agentConfig(1, [{ queue: 'q', tier: 2 }], { sales: 5 }), agentConfig(2, [{ queue: 'q', tier: 2 }], { sales: 5 }), agentConfig(3, [{ queue: 'q', tier: 1 }], { sales: 5 })];
    const h = setup('top_down', agents);
    expect(handleOne(h, 'q')).toBe(3);
    expect(handleOne(h, 'q')).toBe(3);
    h.engine.setNotReady(3, 'break');
    expect(handleOne(h, 'q')).toBe(1);
    expect(handleOne(h, 'q')).toBe(1);
  });

  it('random: uses the injected random source', () => {
    let next = 0.99;
    const h = setup('random', three(), () => next);
    expect(handleOne(h, 'q')).toBe(3);
    next = 0;
    expect(handleOne(h, 'q')).toBe(1);
    next = 0.5;
    expect(handleOne(h, 'q')).toBe(2);
  });

  it('random: spreads calls over every eligible agent with a seeded source', () => {
    const h = setup('random', three());
    const counts = new Map<number, number>();
    for (let i = 0; i < 60; i++) {
      const a = handleOne(h, 'q', 1);
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
  });

  it('best_skill: the highest proficiency over the call’s skills, ties to the longest idle', () => {
    const agents = [agentConfig(1, ['q'], { sales: 5, fr: 10 }), agentConfig(2, ['q'], { sales: 9, fr: 4 }), agentConfig(3, ['q'], { sales: 9, fr: 4 })];
    const h = setup('best_skill', agents);
    expect(handleOne(h, 'q')).toBe(2); // sales 9, idle longer than 3
    expect(handleOne(h, 'q')).toBe(3);
    h.take();
    h.engine.enqueue(callInput('fr1', 'q', { skills: ['fr'] }));
    expect(h.offers()[0]!.agentIds).toEqual([1]); // sales + fr: 15 vs 13 vs 13
  });
});
