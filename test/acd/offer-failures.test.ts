/**
 * Whose fault a failed offer is (issue: real FreeSWITCH with api-expansion off failed every offer with
 * CHAN_NOT_IMPLEMENTED and the engine set every agent not ready for no answer), and the no-answer delay that keeps
 * a call from going straight back to the phone that just did not answer.
 */
import { causeOfJob, offerFailureOf } from '../../src/acd/runtime/causes';
import { SWITCH_ERROR_RETRY_SEC } from '../../src/acd/engine';
import { agentConfig, callInput, Harness, queueConfig } from './helpers';

describe('offer causes', () => {
  test.each([
    ['-ERR NO_ANSWER\n', 'no_answer'],
    ['-ERR ORIGINATOR_CANCEL\n', 'no_answer'],
    ['-ERR CALL_REJECTED\n', 'rejected'],
    ['-ERR USER_BUSY\n', 'busy'],
    ['-ERR USER_NOT_REGISTERED\n', 'unreachable'],
    ['-ERR NO_ROUTE_DESTINATION\n', 'unreachable'],
    ['-ERR DESTINATION_OUT_OF_ORDER\n', 'unreachable'],
    ['-ERR SUBSCRIBER_ABSENT\n', 'unreachable'],
    ['-ERR CHAN_NOT_IMPLEMENTED\n', 'switch_error'],
    ['-ERR INVALID_GATEWAY\n', 'switch_error'],
    ['-ERR GATEWAY_DOWN\n', 'switch_error'],
    ['-ERR permission denied\n', 'switch_error'],
    ['-ERR no reply\n', 'switch_error'],
    ['-USAGE: <call url> <exten>\n', 'switch_error'],
    ['-ERR NORMAL_TEMPORARY_FAILURE\n', 'error'],
  ])('%j -> %s', (reply, failure) => {
    expect(offerFailureOf(causeOfJob(reply))).toBe(failure);
  });

  it('reads the cause only from a one-word -ERR', () => {
    expect(causeOfJob('-ERR CHAN_NOT_IMPLEMENTED\n')).toBe('CHAN_NOT_IMPLEMENTED');
    expect(causeOfJob('-ERR Cannot create outgoing channel of type [<API execute Permission Denied>]')).toBeUndefined();
  });
});

describe('offers that fail without the agent being at fault', () => {
  it('switch_error: no streak, never not ready, offered again after the retry delay', () => {
    const h = new Harness([queueConfig('q', { maxNoAnswer: 1 })], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    for (let i = 0; i < 5; i++) {
      const [offer] = h.offers();
      expect(offer).toMatchObject({ callId: 'c1', agentIds: [1] });
      h.engine.offerFailed(offer!.offerId, 1, 'switch_error');
      expect(h.engine.agent(1)).toMatchObject({ state: 'available', noAnswerStreak: 0 });
      // Not offered again at once: the misconfigured switch is not hammered.
      expect(h.offers()).toEqual([]);
      h.advanceSec(SWITCH_ERROR_RETRY_SEC);
    }
  });

  it('unreachable: the agent keeps its state but is skipped until the phone registers again', () => {
    const h = new Harness([queueConfig('q', { maxNoAnswer: 1, strategy: 'top_down' })], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.engine.offerFailed(offer!.offerId, 1, 'unreachable');
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', noAnswerStreak: 0, phoneUnreachable: true });
    h.advanceSec(600);
    expect(h.offers()).toEqual([]);
    // Another agent comes: takes the call; agent 1 stays skipped.
    h.engine.login(2);
    expect(h.offers()).toMatchObject([{ callId: 'c1', agentIds: [2] }]);
    h.engine.enqueue(callInput('c2', 'q'));
    expect(h.offers()).toEqual([]);
    // The phone registers: it takes the waiting call at once.
    h.engine.setPhoneReachable(1, true);
    expect(h.offers()).toMatchObject([{ callId: 'c2', agentIds: [1] }]);
  });

  it('a phone known unregistered before login is never offered a call', () => {
    const h = new Harness([queueConfig('q')], [agentConfig(1, ['q'])]);
    h.engine.setPhoneReachable(1, false);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    expect(h.offers()).toEqual([]);
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', phoneUnreachable: true });
  });
});

describe('no-answer delay', () => {
  it('after a no-answer the call goes to another agent who comes free, not back to the same phone', () => {
    const h = new Harness([queueConfig('q', { noAnswerDelaySec: 15 })], [agentConfig(1, ['q']), agentConfig(2, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.engine.offerFailed(offer!.offerId, 1, 'no_answer');
    expect(h.engine.agent(1)).toMatchObject({ state: 'available', noAnswerStreak: 1, delayedUntil: h.clock.now() + 15_000 });
    expect(h.offers()).toEqual([]);
    h.advanceSec(5);
    h.engine.login(2);
    expect(h.offers()).toMatchObject([{ callId: 'c1', agentIds: [2] }]);
  });

  it('with nobody else, the call is offered to the same agent again once the delay is over', () => {
    const h = new Harness([queueConfig('q', { noAnswerDelaySec: 15 })], [agentConfig(1, ['q'])]);
    h.loginAll(1);
    h.engine.enqueue(callInput('c1', 'q'));
    const [offer] = h.offers();
    h.engine.offerFailed(offer!.offerId, 1, 'no_answer');
    h.advanceSec(14.9);
    expect(h.offers()).toEqual([]);
    h.advanceSec(0.1);
    expect(h.offers()).toMatchObject([{ callId: 'c1', agentIds: [1] }]);
  });
});
