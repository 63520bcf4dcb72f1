import type { AgentState } from '../../src/acd/contract';
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
