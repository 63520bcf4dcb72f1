import fc from 'fast-check';
import { VirtualClock } from '../../src/clock/clock';
import type { AcdEffect, DirectCallKind, OfferFailure, QueueConfig, RoutingStrategy } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { AcdStateError } from '../../src/acd/errors';
import { agentConfig, callInput, queueConfig } from './helpers';
import { seededRandom as seeded } from '../../src/random/rng';

type Cmd =
  | { k: 'enqueue'; queue: number; priority: number; skill: number; callback: boolean }
  | { k: 'hangup'; call: number }
  | { k: 'callback'; call: number }
  | { k: 'callEnded'; call: number }
  | { k: 'agent'; op: 'login' | 'logout' | 'setReady' | 'setNotReady' | 'endWrapUp'; agent: number }
  | { k: 'answer'; pick: number }
  | { k: 'fail'; pick: number; reason: OfferFailure }
  | { k: 'late'; pick: number; answer: boolean }
  | { k: 'advance'; ms: number }
  /** Direct calls: queue 0-2 = q0-q2, 3 = none, 4 = unknown; stale: an id that is not the agent's current one. */
  | { k: 'direct'; op: 'reserve' | 'start' | 'end'; agent: number; kind: DirectCallKind; queue: number; stale: boolean };

const cmd: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('enqueue' as const), queue: fc.nat(2), priority: fc.nat(2), skill: fc.nat(3), callback: fc.nat(3).map((n) => n === 0) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('hangup' as const), call: fc.nat(40) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('callback' as const), call: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('callEnded' as const), call: fc.nat(40) }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant('agent' as const), op: fc.constantFrom('login', 'logout', 'setReady', 'setNotReady', 'endWrapUp'), agent: fc.nat(5) }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('answer' as const), pick: fc.nat(20) }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant('fail' as const), pick: fc.nat(20), reason: fc.constantFrom<OfferFailure>('no_answer', 'rejected', 'busy', 'error', 'agent_logged_out') }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('late' as const), pick: fc.nat(40), answer: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      k: fc.constant('direct' as const),
      op: fc.constantFrom('reserve' as const, 'start' as const, 'end' as const),
      agent: fc.nat(5),
      kind: fc.constantFrom<DirectCallKind>('transfer', 'outbound', 'conference'),
      queue: fc.nat(4),
      stale: fc.nat(5).map((n) => n === 0),
    }),
  },
);

const SKILLS = ['sales', 'support', 'de', 'fr'];

function queues(strategies: RoutingStrategy[]): QueueConfig[] {
  return [
    queueConfig('q0', {
      strategy: strategies[0]!,
      requiredSkills: ['sales'],
      minProficiency: 5,
      relaxation: [
        { afterSec: 20, minProficiency: 2 },
        { afterSec: 45, minProficiency: null },
      ],
      maxNoAnswer: 2,
      rejectDelaySec: 5,
      busyDelaySec: 8,
      noAnswerDelaySec: 0,
      wrapUpSec: 10,
      offerTimeoutSec: 15,
      announceIntervalSec: 15,
      announcePosition: true,
      announceEwt: true,
    }),
    queueConfig('q1', {
      strategy: strategies[1]!,
      maxWaitSec: 60,
      overflow: { kind: 'voicemail', box: 'q1' },
      noAgents: { kind: 'hangup', cause: 'NO_USER_RESPONSE' },
      wrapUpSec: 0,
      offerTimeoutSec: 10,
      rejectDelaySec: 3,
    }),
    queueConfig('q2', { strategy: strategies[2]!, requiredSkills: ['support'], minProficiency: 3, wrapUpSec: 5, offerTimeoutSec: 20, maxNoAnswer: 3 }),
  ];
}

const AGENTS = [
  agentConfig(1, ['q0', 'q1'], { sales: 8, de: 5 }),
  agentConfig(2, ['q0', 'q2'], { sales: 3, support: 6 }),
  agentConfig(3, ['q1', 'q2'], { support: 2, fr: 9 }),
  agentConfig(4, [{ queue: 'q0', tier: 2 }, { queue: 'q1', tier: 1 }, { queue: 'q2', tier: 1 }], { sales: 6, support: 6, de: 7, fr: 4 }),
  agentConfig(5, ['q1'], {}),
  agentConfig(6, [{ queue: 'q2', tier: 2 }], { support: 9 }),
];

class World {
  readonly clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  readonly effects: AcdEffect[] = [];
  readonly engine: AcdEngine;
  readonly enqueued: string[] = [];
  readonly ended = new Set<string>();
  readonly connected = new Set<string>();
  readonly connectCount = new Map<string, number>();
  /** offerId -> agents still rung (the runtime's view, from effects alone). */
  readonly live = new Map<string, Set<number>>();
  readonly allOffers: Array<{ offerId: string; agentId: number }> = [];
  readonly versions = new Map<number, number>();
  /** agentId -> the direct call the engine must show (startedAt: talking since). */
  readonly directs = new Map<number, { id: string; kind: DirectCallKind; startedAt?: number }>();
  readonly directIds: string[] = [];
  /** Expected calls handled and talk time since login, from effects and direct-call inputs alone. */
  readonly handled = new Map<number, number>();
  readonly talk = new Map<number, number>();
  readonly connectedAt = new Map<string, number>();
  private n = 0;

  constructor(strategies: RoutingStrategy[], seed: number) {
    this.engine = new AcdEngine({ clock: this.clock, onEffect: (e) => this.onEffect(e), random: seeded(seed), directWrapUpSec: { transfer: 4 } });
    this.engine.configure(queues(strategies), AGENTS);
  }

  private onEffect(e: AcdEffect): void {
    this.effects.push(e);
    switch (e.kind) {
      case 'offer':
        this.live.set(e.offerId, new Set(e.agentIds));
        for (const a of e.agentIds) this.allOffers.push({ offerId: e.offerId, agentId: a });
        break;
      case 'dial_callback':
        this.live.set(e.offerId, new Set([e.agentId]));
        this.allOffers.push({ offerId: e.offerId, agentId: e.agentId });
        break;
      case 'cancel_offer':
        this.live.get(e.offerId)?.delete(e.agentId);
        break;
      case 'connect':
        this.live.get(e.offerId)?.delete(e.agentId);
        this.connected.add(e.callId);
        this.connectCount.set(e.callId, (this.connectCount.get(e.callId) ?? 0) + 1);
        break;
      case 'agent_state': {
        const before = this.versions.get(e.agentId) ?? 0;
        if (e.version !== before + 1) throw new Error(`agent ${e.agentId} version ${e.version} after ${before}`);
        this.versions.set(e.agentId, e.version);
        if (e.previous === 'reserved') for (const set of this.live.values()) set.delete(e.agentId);
        if (e.previous === 'logged_out') {
          this.handled.set(e.agentId, 0);
          this.talk.set(e.agentId, 0);
        }
        // A direct reservation that ends without the call starting (watchdog, logout, end while ringing).
        const d = this.directs.get(e.agentId);
        if (d && d.startedAt === undefined && e.previous === 'reserved' && e.state !== 'on_call') this.directs.delete(e.agentId);
        break;
      }
      case 'call_state':
        if (e.state === 'connected') this.connectedAt.set(e.callId, e.at);
        if (e.state === 'ended' && e.outcome === 'answered' && e.agentId !== undefined) {
          this.handled.set(e.agentId, (this.handled.get(e.agentId) ?? 0) + 1);
          this.talk.set(e.agentId, (this.talk.get(e.agentId) ?? 0) + e.at - this.connectedAt.get(e.callId)!);
        }
        if (e.state === 'ended') {
          if (this.ended.has(e.callId)) throw new Error(`call ${e.callId} ended twice`);
          this.ended.add(e.callId);
          this.connected.delete(e.callId);
        }
        break;
      default:
        break;
    }
    for (const [id, set] of this.live) if (set.size === 0) this.live.delete(id);
  }

  livePairs(): Array<{ offerId: string; agentId: number }> {
    return [...this.live].flatMap(([offerId, set]) => [...set].map((agentId) => ({ offerId, agentId })));
  }

  apply(c: Cmd): void {
    const e = this.engine;
    const pickCall = (i: number): string | undefined => this.enqueued[i % Math.max(1, this.enqueued.length)];
    switch (c.k) {
      case 'enqueue': {
        const id = `c${++this.n}`;
        e.enqueue(callInput(id, `q${c.queue}`, { priority: c.priority, skills: c.skill < SKILLS.length && c.skill % 2 === 0 ? [SKILLS[c.skill]!] : [], callback: c.callback ? { number: '555' } : undefined }));
        this.enqueued.push(id);
        return;
      }
      case 'hangup':
      case 'callback':
      case 'callEnded': {
        const id = pickCall(c.call);
        if (!id) return;
        if (c.k === 'hangup') e.callerHangup(id);
        else if (c.k === 'callback') e.requestCallback(id, '5550100');
        else e.callEnded(id);
        return;
      }
      case 'agent': {
        const id = (c.agent % AGENTS.length) + 1;
        if (c.op === 'setNotReady') e.setNotReady(id, 'break');
        else if (c.op === 'logout') e.logout(id);
        else e[c.op](id);
        return;
      }
      case 'answer':
      case 'fail': {
        const pairs = this.livePairs();
        const p = pairs[c.pick % Math.max(1, pairs.length)];
        if (!p) return;
        if (c.k === 'answer') e.offerAnswered(p.offerId, p.agentId);
        else e.offerFailed(p.offerId, p.agentId, c.reason);
        return;
      }
      case 'late': {
        const p = this.allOffers[c.pick % Math.max(1, this.allOffers.length)];
        if (!p) return;
        if (c.answer) e.offerAnswered(p.offerId, p.agentId);
        else e.offerFailed(p.offerId, p.agentId, 'no_answer');
        return;
      }
      case 'advance':
        this.clock.advance(c.ms);
        return;
      case 'direct':
        this.direct(c);
        return;
    }
  }

  private direct(c: Extract<Cmd, { k: 'direct' }>): void {
    const e = this.engine;
    const agentId = (c.agent % AGENTS.length) + 1;
    const queue = c.queue < 3 ? `q${c.queue}` : c.queue === 3 ? undefined : 'qx';
    const current = this.directs.get(agentId);
    const stale = (): string => this.directIds[c.queue % Math.max(1, this.directIds.length)] ?? 'd0';
    const fresh = (): string => {
      const id = `d${++this.n}`;
      this.directIds.push(id);
      return id;
    };
    const now = this.clock.now();
    switch (c.op) {
      case 'reserve': {
        const id = c.stale ? stale() : fresh();
        e.reserveDirectCall(agentId, id, c.kind, { queue, timeoutSec: 20 });
        this.directs.set(agentId, { id, kind: c.kind });
        return;
      }
      case 'start': {
        const ringing = current && current.startedAt === undefined && !c.stale ? current : undefined;
        const id = ringing ? ringing.id : c.stale ? stale() : fresh();
        const kind = ringing ? ringing.kind : c.kind;
        e.startDirectCall(agentId, id, kind, queue);
        this.directs.set(agentId, { id, kind, startedAt: now });
        return;
      }
      case 'end': {
        const id = current && !c.stale ? current.id : stale();
        e.endDirectCall(agentId, id);
        this.directs.delete(agentId);
        if (current?.startedAt !== undefined) {
          this.handled.set(agentId, (this.handled.get(agentId) ?? 0) + 1);
          this.talk.set(agentId, (this.talk.get(agentId) ?? 0) + now - current.startedAt);
        }
        return;
      }
    }
  }

  /** Applies a command; a refused one must throw AcdStateError and change nothing. */
  step(c: Cmd): void {
    const before = JSON.stringify([this.engine.agents(), this.engine.waitingCalls(), this.engine.queues()]);
    const effectsBefore = this.effects.length;
    try {
      this.apply(c);
    } catch (err) {
      if (!(err instanceof AcdStateError)) throw err;
      expect(this.effects.length).toBe(effectsBefore);
      expect(JSON.stringify([this.engine.agents(), this.engine.waitingCalls(), this.engine.queues()])).toBe(before);
    }
    this.check();
  }

  check(): void {
    const agents = this.engine.agents();
    const waiting = this.engine.waitingCalls();
    const waitingIds = new Set(waiting.map((w) => w.id));
    // No agent or call lost; every call in exactly one place.
    expect(agents).toHaveLength(AGENTS.length);
    for (const id of this.enqueued) {
      const places = [waitingIds.has(id), this.connected.has(id), this.ended.has(id)].filter(Boolean).length;
      if (places !== 1) throw new Error(`call ${id} is in ${places} places`);
    }
    // No call connected twice.
    for (const [id, n] of this.connectCount) if (n > 1) throw new Error(`call ${id} connected ${n} times`);
    // Reserved agents: exactly one live offer each, for a call being offered; on_call agents: one connected call each.
    const pairs = this.livePairs();
    const onCallBy = new Map<string, number>();
    for (const a of agents) {
      const mine = pairs.filter((p) => p.agentId === a.id);
      expect([a.id, a.callsHandled, a.talkMs]).toEqual([a.id, this.handled.get(a.id) ?? 0, this.talk.get(a.id) ?? 0]);
      const d = this.directs.get(a.id);
      if (d) {
        // A direct call: reserved while ringing, on_call while talking, never rung for an ACD call meanwhile.
        const want = d.startedAt === undefined ? 'reserved' : 'on_call';
        if (a.state !== want || a.callId !== d.id || a.direct?.kind !== d.kind) {
          throw new Error(`agent ${a.id} is ${a.state} (${a.callId}, ${a.direct?.kind}) but has direct call ${d.id} (${d.kind}) ${want}`);
        }
        if (mine.length !== 0) throw new Error(`agent ${a.id} on direct call ${d.id} is rung by ${mine[0]!.offerId}`);
        expect(a.version).toBe(this.versions.get(a.id) ?? 0);
        continue;
      }
      if (a.direct) throw new Error(`agent ${a.id} shows direct call ${a.callId} the world does not know`);
      if (a.state === 'reserved') {
        if (mine.length !== 1) throw new Error(`agent ${a.id} reserved with ${mine.length} live offers`);
        const w = waiting.find((x) => x.id === a.callId);
        if (!w || w.state !== 'offering') throw new Error(`agent ${a.id} reserved for ${a.callId} which is not offering`);
      } else if (mine.length !== 0) {
        throw new Error(`agent ${a.id} is ${a.state} but still rung by ${mine[0]!.offerId}`);
      }
      if (a.state === 'on_call') {
        if (!a.callId || !this.connected.has(a.callId)) throw new Error(`agent ${a.id} on_call without a connected call`);
        if (onCallBy.has(a.callId)) throw new Error(`call ${a.callId} on two agents`);
        onCallBy.set(a.callId, a.id);
      }
      expect(a.version).toBe(this.versions.get(a.id) ?? 0);
    }
    for (const id of this.connected) if (!onCallBy.has(id)) throw new Error(`connected call ${id} has no agent on it`);
    // Waiting calls: offering iff some agent is reserved for it.
    for (const w of waiting) {
      const reserved = agents.filter((a) => a.state === 'reserved' && a.callId === w.id).length;
      if ((w.state === 'offering') !== reserved > 0) throw new Error(`call ${w.id} ${w.state} with ${reserved} reserved agents`);
    }
  }

  /** Every call ends and time runs past every timer: nobody may be left reserved or on a call. */
  drain(): void {
    for (const w of this.engine.waitingCalls()) this.step({ k: 'hangup', call: this.enqueued.indexOf(w.id) });
    for (const id of [...this.connected]) this.step({ k: 'callEnded', call: this.enqueued.indexOf(id) });
    for (const agentId of [...this.directs.keys()]) this.step({ k: 'direct', op: 'end', agent: agentId - 1, kind: 'outbound', queue: 3, stale: false });
    expect(this.directs.size).toBe(0);
    this.clock.advance(3_600_000);
    this.check();
    const stuck = this.engine.agents().filter((a) => a.state === 'reserved' || a.state === 'on_call' || a.state === 'wrap_up');
    expect(stuck).toEqual([]);
    expect(this.engine.waitingCalls()).toEqual([]);
    expect(this.clock.pending()).toBe(0);
  }
}

const STRATS: RoutingStrategy[] = ['longest_idle', 'round_robin', 'ring_all', 'fewest_calls', 'least_talk_time', 'top_down', 'random', 'best_skill'];

jest.setTimeout(120_000);

describe('ACD engine properties', () => {
  it('keeps its invariants under random input sequences', () => {
    fc.assert(
      fc.property(fc.tuple(fc.constantFrom(...STRATS), fc.constantFrom(...STRATS), fc.constantFrom(...STRATS)), fc.integer(), fc.array(cmd, { maxLength: 80 }), (strategies, seed, cmds) => {
        const w = new World(strategies, seed);
        for (const c of cmds) w.step(c);
        w.drain();
      }),
      { numRuns: 150 },
    );
  });

  it('keeps its invariants with every agent logged in and busy traffic', () => {
    const login: Cmd[] = AGENTS.map((_, i) => ({ k: 'agent', op: 'login', agent: i }));
    fc.assert(
      fc.property(fc.tuple(fc.constantFrom(...STRATS), fc.constantFrom(...STRATS), fc.constantFrom(...STRATS)), fc.integer(), fc.array(cmd, { minLength: 20, maxLength: 150 }), (strategies, seed, cmds) => {
        const w = new World(strategies, seed);
        for (const c of [...login, ...cmds]) w.step(c);
        w.drain();
      }),
      { numRuns: 100 },
    );
  });
});
