/**
 * The demo's agents (src/demo/agent-life.ts) on the real ACD engine and a virtual clock: a break asked for during a
 * call starts when the call and its wrap-up are over and always ends; an agent the ACD set not ready by itself comes
 * back; nobody stays not ready longer than meant (issue 9: after ~7 min 8 of 12 agents were stuck not ready).
 */
import type { AcdEffect, AcdEffectListener } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { VirtualClock } from '../../src/clock/clock';
import { DemoAgentLife, type DemoAgentTiming } from '../../src/demo/agent-life';
import { silentLogger } from '../../src/log/logger';
import { Rng } from '../../src/random/rng';
import { agentConfig, callInput, queueConfig } from '../acd/helpers';

class World {
  readonly clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  readonly listeners = new Set<AcdEffectListener>();
  readonly effects: AcdEffect[] = [];
  readonly rejecting = new Map<string, boolean[]>();
  readonly engine: AcdEngine;
  readonly life: DemoAgentLife;

  constructor(agentIds: number[], timing: Partial<DemoAgentTiming>, queue = queueConfig('q', { wrapUpSec: 5 }), seed = 1) {
    this.engine = new AcdEngine({
      clock: this.clock,
      onEffect: (e) => {
        this.effects.push(e);
        for (const l of this.listeners) l(e);
      },
    });
    this.engine.configure([queue], agentIds.map((id) => agentConfig(id, ['q'])));
    for (const id of agentIds) this.engine.login(id);
    this.life = new DemoAgentLife({
      engine: this.engine,
      onEffect: (l) => {
        this.listeners.add(l);
        return () => this.listeners.delete(l);
      },
      phones: { setRejecting: (ext, on) => this.rejecting.set(ext, [...(this.rejecting.get(ext) ?? []), on]) },
      clock: this.clock,
      logger: silentLogger,
      agents: agentIds.map((id) => ({ id, extension: `${1000 + id}` })),
      timing,
      seed,
    });
  }

  /** Rings agent `agentId` with a new call and answers it: the agent is on_call. */
  callTo(agentId: number, callId: string): void {
    this.effects.length = 0;
    this.engine.enqueue(callInput(callId, 'q'));
    const offer = this.effects.find((e): e is Extract<AcdEffect, { kind: 'offer' }> => e.kind === 'offer' && e.agentIds.includes(agentId));
    if (!offer) throw new Error(`no offer to agent ${agentId}`);
    this.engine.offerAnswered(offer.offerId, agentId);
  }

  stateOf(id: number): string {
    const a = this.engine.agent(id)!;
    return a.reason ? `${a.state}/${a.reason}` : a.state;
  }

  advance(ms: number): void {
    this.clock.advance(ms);
  }
}

const ONLY_BREAKS: Partial<DemoAgentTiming> = { decideEveryMs: [1_000, 1_000], breakChance: 1, rejectChance: 0, breakMs: [6_300, 6_300] };
// (6.3 s: a break never ends on the same millisecond as the next once-a-second decision.)

describe('demo agents: breaks', () => {
  it('a break asked for during a call starts after the call and its wrap-up, lasts its length, then the agent is ready', () => {
    const w = new World([1], ONLY_BREAKS);
    w.callTo(1, 'c1');
    w.life.start();
    w.advance(1_000); // the agent asks for a break while talking: pending in the engine
    expect(w.engine.agent(1)).toMatchObject({ state: 'on_call', pending: { state: 'not_ready' } });
    // A long call: far longer than the break. The old demo's "ready again" timer fired here and did nothing.
    w.advance(40_000);
    expect(w.stateOf(1)).toBe('on_call');
    w.engine.callEnded('c1');
    expect(w.stateOf(1)).toBe('wrap_up');
    w.advance(5_000);
    expect(w.stateOf(1)).toMatch(/^not_ready\/(break|training)$/);
    w.advance(6_299);
    expect(w.engine.agent(1)!.state).toBe('not_ready');
    w.advance(1);
    expect(w.stateOf(1)).toBe('available');
    const [spell] = w.life.notReadySpells();
    expect(spell).toMatchObject({ agentId: 1, cause: 'break', plannedMs: 6_300, lastedMs: 6_300, ongoing: false });
    expect(w.life.report()).toMatchObject({ breaks_requested: 1, breaks_taken: 1, max_not_ready_overrun_s: 0 });
  });

  it('asks for one break at a time: no second request while one is pending or going on', () => {
    const w = new World([1], ONLY_BREAKS);
    const asked = jest.spyOn(w.engine, 'setNotReady');
    w.callTo(1, 'c1');
    w.life.start();
    w.advance(20_000); // 20 decisions while talking
    expect(asked).toHaveBeenCalledTimes(1);
    w.engine.callEnded('c1');
    w.advance(5_000 + 3_000); // wrap-up, then half the break: more decisions, no requests
    expect(asked).toHaveBeenCalledTimes(1);
    w.advance(3_300);
    expect(w.stateOf(1)).toBe('available');
    w.advance(700); // the next decision: a new break, at once (available)
    expect(asked).toHaveBeenCalledTimes(2);
    expect(w.engine.agent(1)!.state).toBe('not_ready');
  });

  it('a break asked for while available starts at once', () => {
    const w = new World([1], ONLY_BREAKS);
    w.life.start();
    w.advance(1_000);
    expect(w.engine.agent(1)!.state).toBe('not_ready');
    w.advance(6_300);
    expect(w.stateOf(1)).toBe('available');
    expect(w.life.notReadySpells()[0]).toMatchObject({ cause: 'break', lastedMs: 6_300, plannedMs: 6_300 });
  });

  it('an agent the ACD set not ready (no_answer) notices and is ready again after its notice time', () => {
    const w = new World([1], { decideEveryMs: [600_000, 600_000], breakChance: 0, rejectChance: 0, noticeMs: [8_000, 8_000] }, queueConfig('q', { maxNoAnswer: 1 }));
    w.life.start();
    w.effects.length = 0;
    w.engine.enqueue(callInput('c1', 'q'));
    const offer = w.effects.find((e): e is Extract<AcdEffect, { kind: 'offer' }> => e.kind === 'offer')!;
    w.engine.offerFailed(offer.offerId, 1, 'no_answer');
    expect(w.stateOf(1)).toBe('not_ready/no_answer');
    w.advance(7_999);
    expect(w.engine.agent(1)!.state).toBe('not_ready');
    w.advance(1);
    // Ready again: and offered the waiting call at once.
    expect(w.engine.agent(1)!.state).toBe('reserved');
    expect(w.life.notReadySpells()[0]).toMatchObject({ cause: 'acd', reason: 'no_answer', plannedMs: 8_000, lastedMs: 8_000 });
  });

  it('a pending break overtaken by no_answer: the agent is away for the break, not stuck', () => {
    const w = new World([1], { ...ONLY_BREAKS, decideEveryMs: [500, 500] }, queueConfig('q', { maxNoAnswer: 1 }));
    w.effects.length = 0;
    w.engine.enqueue(callInput('c1', 'q'));
    const offer = w.effects.find((e): e is Extract<AcdEffect, { kind: 'offer' }> => e.kind === 'offer')!;
    w.life.start();
    w.advance(500); // break asked for while ringing
    expect(w.engine.agent(1)!.pending).toMatchObject({ state: 'not_ready' });
    w.engine.offerFailed(offer.offerId, 1, 'no_answer');
    expect(w.stateOf(1)).toBe('not_ready/no_answer');
    w.advance(6_300);
    expect(w.engine.agent(1)!.state).not.toBe('not_ready');
    expect(w.life.notReadySpells()[0]).toMatchObject({ cause: 'break', reason: 'no_answer', plannedMs: 6_300, lastedMs: 6_300 });
  });

  it('someone else making the agent ready ends the spell; endBreaks makes everyone ready at the end', () => {
    const w = new World([1, 2], { ...ONLY_BREAKS, breakMs: [60_000, 60_000] });
    w.life.start();
    w.advance(1_000);
    expect([w.engine.agent(1)!.state, w.engine.agent(2)!.state]).toEqual(['not_ready', 'not_ready']);
    w.advance(2_000);
    w.engine.setReady(1); // a supervisor
    expect(w.life.notReadySpells().find((s) => s.agentId === 1 && !s.ongoing)).toMatchObject({ lastedMs: 2_000 });
    w.life.stop();
    w.life.endBreaks();
    expect(w.engine.agent(2)!.state).toBe('available');
    expect(w.clock.pending()).toBe(0);
  });

  it('rejecting for a while turns the phone back to normal', () => {
    const w = new World([1], { decideEveryMs: [10_000, 10_000], breakChance: 0, rejectChance: 1, rejectForMs: [3_000, 3_000] });
    w.life.start();
    w.advance(10_000);
    expect(w.rejecting.get('1001')).toEqual([true]);
    w.advance(3_000);
    expect(w.rejecting.get('1001')).toEqual([true, false]);
    w.life.stop();
    expect(w.rejecting.get('1001')!.at(-1)).toBe(false);
  });
});

describe('demo agents: an hour of traffic', () => {
  it('every not-ready spell ends within the length meant for it, and agents keep taking calls', () => {
    const ids = Array.from({ length: 8 }, (_, i) => i + 1);
    const w = new World(ids, { rejectChance: 0 }, queueConfig('q', { wrapUpSec: 5, maxNoAnswer: 2, offerTimeoutSec: 10 }), 5);
    const rng = new Rng(99);
    // The phones: answer after 1 s (one offer in eight rings out: no_answer), talk 5-60 s.
    w.listeners.add((e) => {
      if (e.kind !== 'offer') return;
      for (const agentId of e.agentIds) {
        const missed = rng.next() < 0.125;
        w.clock.setTimeout(() => {
          if (w.engine.agent(agentId)?.callId !== e.callId || w.engine.agent(agentId)?.state !== 'reserved') return;
          if (missed) return w.engine.offerFailed(e.offerId, agentId, 'no_answer');
          w.engine.offerAnswered(e.offerId, agentId);
          w.clock.setTimeout(() => w.engine.callEnded(e.callId), rng.int(5_000, 60_000));
        }, missed ? 10_000 : 1_000);
      }
    });
    w.life.start();
    let n = 0;
    const arrive = (): void => {
      w.engine.enqueue(callInput(`c${++n}`, 'q'));
      w.clock.setTimeout(arrive, rng.int(1_000, 8_000));
    };
    arrive();
    let handledBefore = 0;
    for (let minute = 1; minute <= 60; minute++) {
      w.advance(60_000);
      const handled = ids.reduce((sum, id) => sum + w.engine.agent(id)!.callsHandled, 0);
      expect(handled).toBeGreaterThan(handledBefore); // calls are answered every minute: nobody is stuck for good
      handledBefore = handled;
    }
    const spells = w.life.notReadySpells();
    expect(spells.filter((s) => s.cause === 'break').length).toBeGreaterThan(100);
    expect(spells.filter((s) => s.cause === 'acd').length).toBeGreaterThan(5);
    for (const s of spells) expect(s.lastedMs).toBeLessThanOrEqual(s.plannedMs);
    const report = w.life.report();
    expect(report.max_not_ready_overrun_s).toBe(0);
    expect(report.longest_not_ready_s).toBeLessThanOrEqual(12);
  });
});
