import type { AgentState } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { AcdStateError } from '../../src/acd/errors';
import { AGENT_TRANSITIONS, assertTransition, canTransition } from '../../src/acd/state-machine';
import { Harness, agentConfig, callInput, queueConfig } from './helpers';

const STATES: AgentState[] = ['logged_out', 'available', 'not_ready', 'reserved', 'on_call', 'wrap_up'];

/** An engine with agent 1 in `state` (a call c1 is involved for reserved/on_call/wrap_up). */
function agentIn(state: AgentState): Harness {
  const h = new Harness([queueConfig('q', { wrapUpSec: 30 })], [agentConfig(1, ['q'])]);
  if (state === 'logged_out') return h;
  h.engine.login(1);
  if (state === 'not_ready') h.engine.setNotReady(1, 'break');
  if (state === 'reserved' || state === 'on_call' || state === 'wrap_up') {
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    if (state !== 'reserved') h.engine.offerAnswered(offer!.offerId, 1);
    if (state === 'wrap_up') h.engine.callEnded('c1');
  }
  expect(h.state(1)).toBe(state);
  h.take();
  return h;
}

type Command = 'login' | 'logout' | 'setReady' | 'setNotReady' | 'endWrapUp';
const run = (h: Harness, c: Command): void => {
  if (c === 'setNotReady') h.engine.setNotReady(1, 'lunch');
  else if (c === 'logout') h.engine.logout(1);
  else h.engine[c](1);
};

/** The resulting state, '=pending' when accepted without a change, or null when refused. */
const EXPECTED: Record<AgentState, Record<Command, AgentState | '=pending' | null>> = {
  logged_out: { login: 'available', logout: null, setReady: null, setNotReady: null, endWrapUp: null },
  available: { login: null, logout: 'logged_out', setReady: null, setNotReady: 'not_ready', endWrapUp: null },
  not_ready: { login: null, logout: 'logged_out', setReady: 'available', setNotReady: 'not_ready', endWrapUp: null },
  reserved: { login: null, logout: 'logged_out', setReady: null, setNotReady: '=pending', endWrapUp: null },
  on_call: { login: null, logout: '=pending', setReady: null, setNotReady: '=pending', endWrapUp: null },
  wrap_up: { login: null, logout: 'logged_out', setReady: 'available', setNotReady: '=pending', endWrapUp: 'available' },
};

describe('agent state machine', () => {
  describe.each(STATES)('from %s', (from) => {
    it.each(Object.keys(EXPECTED[from]) as Command[])('%s', (command) => {
      const h = agentIn(from);
      const before = h.engine.agent(1)!;
      const expected = EXPECTED[from][command];
      if (expected === null) {
        expect(() => run(h, command)).toThrow(AcdStateError);
        try {
          run(h, command);
        } catch (err) {
          expect((err as AcdStateError).code).toBe('invalid_transition');
          expect((err as Error).message).toContain(`agent 1: ${command} is not allowed while ${from}`);
        }
        expect(h.engine.agent(1)).toEqual(before);
        expect(h.effects).toEqual([]);
        return;
      }
      run(h, command);
      const after = h.engine.agent(1)!;
      if (expected === '=pending') {
        expect(after.state).toBe(from);
        expect(after.version).toBe(before.version);
        expect(after.pending?.state).toBe(command === 'logout' ? 'logged_out' : 'not_ready');
        return;
      }
      expect(after.state).toBe(expected);
      expect(after.version).toBe(before.version + 1);
      expect(after.since).toBe(h.clock.now());
      const states = h.take('agent_state');
      expect(states.at(-1)).toMatchObject({ agentId: 1, state: expected, previous: from, version: after.version });
    });
  });

  it('has exactly the documented edges', () => {
    for (const from of STATES) {
      for (const to of STATES) {
        const ok = AGENT_TRANSITIONS[from].includes(to);
        expect(canTransition(from, to)).toBe(ok);
        if (ok) expect(() => assertTransition(7, from, to)).not.toThrow();
        else expect(() => assertTransition(7, from, to)).toThrow(`agent 7 cannot go from ${from} to ${to}`);
      }
    }
  });

  it('refuses the same not-ready reason twice and an empty reason', () => {
    const h = agentIn('not_ready');
    expect(() => h.engine.setNotReady(1, 'break')).toThrow('already not_ready (break)');
    expect(() => h.engine.setNotReady(1, ' ')).toThrow('reason code is required');
    h.engine.setNotReady(1, 'training');
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'training' });
  });

  it('throws unknown_agent for an agent it does not know', () => {
    const h = agentIn('logged_out');
    expect(() => h.engine.login(99)).toThrow(expect.objectContaining({ code: 'unknown_agent' }));
  });

  it('versions and time-stamps every transition through a whole call', () => {
    const h = new Harness([queueConfig('q', { wrapUpSec: 10 })], [agentConfig(1, ['q'])]);
    h.engine.login(1);
    h.advanceSec(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const offer = h.effects.find((e) => e.kind === 'offer')!;
    h.advanceSec(2);
    h.engine.offerAnswered(offer.offerId, 1);
    h.advanceSec(60);
    h.engine.callEnded('c1');
    h.advanceSec(10);
    const states = h.effects.filter((e) => e.kind === 'agent_state');
    expect(states.map((e) => [e.previous, e.state, e.version])).toEqual([
      ['logged_out', 'available', 1],
      ['available', 'reserved', 2],
      ['reserved', 'on_call', 3],
      ['on_call', 'wrap_up', 4],
      ['wrap_up', 'available', 5],
    ]);
    const t0 = Date.UTC(2026, 0, 5, 9);
    expect(states.map((e) => e.at - t0)).toEqual([0, 1000, 3000, 63000, 73000]);
    expect(h.engine.agent(1)).toMatchObject({ callsHandled: 1, talkMs: 60000 });
  });

  it('applies a not-ready set while on a call when the wrap-up ends', () => {
    const h = agentIn('on_call');
    h.engine.setNotReady(1, 'lunch');
    h.engine.callEnded('c1');
    expect(h.state(1)).toBe('wrap_up');
    h.advanceSec(30);
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'lunch' });
    expect(h.engine.agent(1)!.pending).toBeUndefined();
  });

  it('a pending logout on a call skips wrap-up and logs out when the call ends', () => {
    const h = agentIn('on_call');
    h.engine.logout(1, 'shift_end');
    h.engine.setNotReady(1, 'lunch'); // does not override the logout
    h.engine.callEnded('c1');
    expect(h.engine.agent(1)).toMatchObject({ state: 'logged_out', reason: 'shift_end' });
  });

  it('a not-ready set while reserved applies when the offer ends', () => {
    const h = agentIn('reserved');
    h.engine.setNotReady(1, 'break');
    h.engine.callerHangup('c1');
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'break' });
  });
});

describe('direct calls (transfers to an agent, 3-way agents, manual outbound)', () => {
  const t0 = Date.UTC(2026, 0, 5, 9);
  const setup = (opts: { wrapUpSec?: number } = {}): Harness => {
    const h = new Harness([queueConfig('q', { wrapUpSec: opts.wrapUpSec ?? 30 })], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.engine.login(1);
    h.take();
    return h;
  };
  const states = (h: Harness): Array<[string, string, string | undefined]> => h.take('agent_state').map((e) => [e.previous, e.state, e.reason]);

  it('a transfer target: reserved while ringing (no offers), on_call, counted, wrap-up of the queue, then offered again', () => {
    const h = setup();
    h.engine.reserveDirectCall(1, 'x1', 'transfer', { queue: 'q', timeoutSec: 20 });
    expect(h.engine.agent(1)).toMatchObject({ state: 'reserved', callId: 'x1', direct: { kind: 'transfer', queue: 'q' } });
    h.engine.enqueue(callInput('c1', 'q'));
    expect(h.effects.filter((e) => e.kind === 'offer')).toEqual([]);
    h.advanceSec(5);
    h.engine.startDirectCall(1, 'x1', 'transfer');
    h.advanceSec(90);
    h.engine.endDirectCall(1, 'x1');
    expect(h.engine.agent(1)).toMatchObject({ state: 'wrap_up', callId: 'x1', callsHandled: 1, talkMs: 90_000 });
    expect(h.engine.agent(1)!.direct).toBeUndefined();
    h.advanceSec(30);
    const effects = h.take();
    // Direct calls are not queue calls: agent_state only (c1 waits, then is offered to agent 1).
    expect(effects.filter((e) => e.kind === 'call_state' && e.callId === 'x1')).toEqual([]);
    expect(effects.filter((e) => e.kind === 'agent_state').map((e) => [e.previous, e.state, e.at - t0])).toEqual([
      ['available', 'reserved', 0],
      ['reserved', 'on_call', 5_000],
      ['on_call', 'wrap_up', 95_000],
      ['wrap_up', 'available', 125_000],
      ['available', 'reserved', 125_000],
    ]);
    expect(effects.find((e) => e.kind === 'offer')).toMatchObject({ callId: 'c1', agentIds: [1] });
  });

  it('outbound from not_ready: the not-ready comes back after the call (default wrap-up 0)', () => {
    const h = setup();
    h.engine.setNotReady(1, 'lunch');
    h.take();
    h.engine.reserveDirectCall(1, 'o1', 'outbound');
    expect(h.engine.agent(1)).toMatchObject({ state: 'reserved', pending: { state: 'not_ready', reason: 'lunch' } });
    h.engine.startDirectCall(1, 'o1', 'outbound');
    h.advanceSec(42);
    h.engine.endDirectCall(1, 'o1');
    expect(states(h)).toEqual([
      ['not_ready', 'reserved', undefined],
      ['reserved', 'on_call', undefined],
      ['on_call', 'not_ready', 'lunch'],
    ]);
    expect(h.engine.agent(1)).toMatchObject({ state: 'not_ready', reason: 'lunch', callsHandled: 1, talkMs: 42_000 });
    expect(h.engine.agent(1)!.pending).toBeUndefined();
  });

  it('starts without a reservation; the engine default wrap-up applies without a queue', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    const engine = new AcdEngine({
      clock: h.clock,
      onEffect: (e) => h.effects.push(e),
      directWrapUpSec: { conference: 15 },
    });
    engine.configure([queueConfig('q')], [agentConfig(1, ['q'])]);
    engine.login(1);
    engine.startDirectCall(1, 'k1', 'conference');
    expect(engine.agent(1)).toMatchObject({ state: 'on_call', direct: { kind: 'conference' } });
    engine.endDirectCall(1, 'k1');
    expect(engine.agent(1)!.state).toBe('wrap_up');
    h.advanceSec(15);
    expect(engine.agent(1)!.state).toBe('available');
    expect(() => new AcdEngine({ clock: h.clock, onEffect: () => undefined, directWrapUpSec: { outbound: -1 } })).toThrow('directWrapUpSec.outbound');
  });

  it('a reservation never answered: ended by the edge or by the watchdog, nothing counted', () => {
    const h = setup();
    h.engine.reserveDirectCall(1, 'x1', 'transfer', { timeoutSec: 10 });
    h.engine.endDirectCall(1, 'x1');
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', callsHandled: 0, talkMs: 0 });
    h.engine.reserveDirectCall(1, 'x2', 'transfer', { timeoutSec: 10 });
    h.advanceSec(12);
    expect(h.engine.agent(1)).toMatchObject({ state: 'reserved', callId: 'x2' });
    h.advanceSec(2);
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', callsHandled: 0 });
    expect(h.clock.pending()).toBe(0);
    expect(() => h.engine.startDirectCall(1, 'x3', 'transfer')).not.toThrow(); // a late start from available still counts
    expect(h.state(1)).toBe('on_call');
  });

  it('refuses what does not fit, changing nothing', () => {
    const h = setup();
    h.engine.login(2);
    h.engine.setNotReady(2, 'break');
    h.engine.enqueue(callInput('c1', 'q'));
    expect(h.state(1)).toBe('reserved'); // an ACD offer
    h.take();
    const before = h.engine.agents();
    const refusals: Array<[() => void, string]> = [
      [() => h.engine.startDirectCall(1, 'x1', 'transfer'), 'invalid_transition'],
      [() => h.engine.reserveDirectCall(1, 'x1', 'transfer'), 'invalid_transition'],
      [() => h.engine.endDirectCall(1, 'c1'), 'unknown_call'],
      [() => h.engine.reserveDirectCall(2, 'x1', 'transfer'), 'invalid_transition'],
      [() => h.engine.startDirectCall(2, 'x1', 'conference'), 'invalid_transition'],
      [() => h.engine.reserveDirectCall(2, 'x1', 'outbound', { queue: 'nosuch' }), 'unknown_queue'],
      [() => h.engine.reserveDirectCall(2, '', 'outbound'), 'invalid_input'],
      [() => h.engine.reserveDirectCall(2, 'x1', 'outbound', { timeoutSec: -1 }), 'invalid_input'],
      [() => h.engine.reserveDirectCall(2, 'x1', 'fax' as never), 'invalid_input'],
      [() => h.engine.startDirectCall(99, 'x1', 'outbound'), 'unknown_agent'],
    ];
    for (const [fn, code] of refusals) expect(fn).toThrow(expect.objectContaining({ code }));
    expect(h.engine.agents()).toEqual(before);
    expect(h.effects).toEqual([]);
    h.engine.reserveDirectCall(2, 'x1', 'outbound');
    expect(() => h.engine.startDirectCall(2, 'other', 'outbound')).toThrow('reserved for direct call x1, not other');
    expect(() => h.engine.startDirectCall(2, 'x1', 'transfer')).toThrow('reserved as outbound');
    h.engine.startDirectCall(2, 'x1', 'outbound');
    expect(() => h.engine.startDirectCall(2, 'x1', 'outbound')).toThrow(AcdStateError);
    expect(() => h.engine.setReady(2)).toThrow(AcdStateError);
  });

  it('logout: at once while ringing (the call is forgotten), pending while talking (no wrap-up)', () => {
    const h = setup();
    h.engine.reserveDirectCall(1, 'x1', 'transfer', { queue: 'q' });
    h.engine.logout(1);
    expect(h.engine.agent(1)).toMatchObject({ state: 'logged_out' });
    expect(h.engine.agent(1)!.direct).toBeUndefined();
    expect(() => h.engine.endDirectCall(1, 'x1')).toThrow(expect.objectContaining({ code: 'unknown_call' }));
    expect(h.clock.pending()).toBe(0);
    h.engine.login(1);
    h.engine.startDirectCall(1, 'x2', 'transfer', 'q');
    h.engine.logout(1, 'shift_end');
    expect(h.state(1)).toBe('on_call');
    h.engine.endDirectCall(1, 'x2');
    expect(h.engine.agent(1)).toMatchObject({ state: 'logged_out', reason: 'shift_end', callsHandled: 1 });
  });

  it('an agent removed by configure() finishes its direct call, then is forgotten', () => {
    const h = setup({ wrapUpSec: 0 });
    h.engine.startDirectCall(1, 'x1', 'transfer', 'q');
    h.engine.configure([queueConfig('q')], [agentConfig(2, ['q'])]);
    expect(h.engine.agent(1)).toMatchObject({ state: 'on_call', removed: true });
    h.engine.endDirectCall(1, 'x1');
    expect(h.engine.agent(1)).toBeUndefined();
  });
});
