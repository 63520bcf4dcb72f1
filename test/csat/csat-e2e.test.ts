/**
 * End to end (simulator + service, SQLite): a caller who opted in through the IVR (csat_optin=1) is queued, an agent
 * answers and hangs up, and the caller, parked by FreeSWITCH (park_after_bridge), goes back to the IVR for the
 * queue's survey flow: presses 4, then 1, and leaves a comment. The answer is stored with the queue, the agent and
 * the queue call; the queue call stays one answered call (no abandon, no second call). A caller who did not opt in is
 * hung up when the agent hangs up, as before.
 */
import type { CsatAnswerRow } from '../../src/db/entities/csat';
import { engines } from '../helpers/databases';
import { AcdHarness, sleep, waitFor } from '../acd-runtime/harness';

const TONE = (hz: number) => ({ kind: 'tone', spec: `%(200,0,${hz})` });

describe('post-call CSAT survey end to end [sqlite]', () => {
  const h = new AcdHarness(engines.sqlite);
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop(), 30_000);

  const answers = async (queueCall: string): Promise<CsatAnswerRow[]> => {
    await h.service.ivr.flush();
    return (await h.service.dataSource.query('SELECT * FROM csat_answers WHERE queue_call_id = ? ORDER BY id', [queueCall])) as CsatAnswerRow[];
  };
  /** Waits for the n-th play_and_get_digits to start on the channel (a prompt waiting for a key). */
  const prompt = (uuid: string, n: number, what: string) =>
    waitFor(what, () => h.eventsOf(uuid, 'CHANNEL_EXECUTE').filter((e) => e.app === 'play_and_get_digits').length >= n || undefined, 20_000);
  beforeAll(async () => {
    await h.flow('csat-e2e-survey', 'survey', {
      survey: {
        type: 'survey',
        question: [TONE(440)],
        invalidPrompt: [TONE(300)],
        tries: 3,
        timeoutMs: 8000,
        comment: { offer: [TONE(520)], timeoutMs: 8000, maxSeconds: 20, silenceSeconds: 5 },
        thanks: [TONE(660)],
      },
    });
    await h.service.acdConfig.createQueue(
      { ...(await import('../acd-runtime/harness')).FAST_QUEUE, name: 'csatq', wrapUpSec: 0, csat: { enabled: true, flow: 'csat-e2e-survey' } } as never,
      'test',
    );
    await h.flow('csat-optin', 'answer', {
      answer: { type: 'answer', next: 'optin' },
      optin: { type: 'set', variable: 'csat_optin', value: '1', next: 'q' },
      q: { type: 'queue', queue: 'csatq' },
    });
    await h.flow('csat-no-optin', 'answer', { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue: 'csatq' } });
  });

  it('an opted-in caller rates the call 4 by DTMF after the agent hangs up and leaves a comment; the row has queue, agent and queue call', async () => {
    const agent = await h.agent('4700', ['csatq'], { answerDelayMs: 100, hangupAfterMs: 600 });
    const caller = h.call('flow:csat-optin', '+14155550170');
    // The agent hangs up: the caller stays, parked, and hears the survey question.
    await prompt(caller, 1, 'the survey question');
    const vars = h.sim.rawChannel(caller)?.vars;
    expect(vars?.get('park_after_bridge')).toBe('true');
    expect(vars?.get('hangup_after_bridge')).toBe('false');
    const row = await h.queueCall(caller);
    expect(row).toMatchObject({ outcome: 'answered', agent_id: agent });
    // An invalid key first: asked again.
    h.sim.pressDigits(caller, '9');
    await prompt(caller, 2, 'the question again');
    h.sim.pressDigits(caller, '4');
    await waitFor('the score stored', async () => (await answers(caller)).length === 1 || undefined);
    // "Press 1 to leave a comment."
    await prompt(caller, 3, 'the comment offer');
    h.sim.pressDigits(caller, '1');
    await waitFor('the comment recording', () => h.eventsOf(caller, 'RECORD_START').length > 0 || undefined, 20_000);
    await sleep(800);
    // The caller says their piece and hangs up: the comment is kept.
    h.sim.hangup(caller);
    const [answer] = await waitFor('the comment stored', async () => {
      const rows = await answers(caller);
      return rows[0]?.comment_recording ? rows : undefined;
    });
    expect(answer).toMatchObject({ source: 'post_call', call_uuid: caller, queue_call_id: caller, queue: 'csatq', agent_id: agent, caller_number: '+14155550170', score: 4 });
    expect(answer!.comment_recording).toMatch(/\/_csat\/\d{4}-\d{2}-\d{2}\/.+\.wav$/);
    // One queue call, answered (no abandon, no second call); its IVR path shows the survey after the queue.
    const calls = (await h.service.dataSource.query('SELECT id, outcome FROM acd_queue_calls WHERE id = ?', [caller])) as Array<{ outcome: string }>;
    expect(calls).toEqual([{ id: caller, outcome: 'answered' }]);
    // The caller's CDR carries the survey in its IVR path and the answer about its queue call.
    const cdr = (await h.cdr(caller)) as unknown as { ivr_path: unknown; csat: Array<{ score: number; agent_id: number }> };
    expect(JSON.stringify(cdr.ivr_path)).toContain('survey');
    expect(cdr.csat).toEqual([expect.objectContaining({ score: 4, agent_id: agent })]);
    // The API lists it.
    const res = await h.api(`/api/v1/csat?queue=csatq&agent_id=${agent}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { total: number; items: Array<{ score: number; queue_call_id: string }> };
    expect(body.items.find((i) => i.queue_call_id === caller)?.score).toBe(4);
    expect((await h.api('/api/v1/csat?from=yesterday')).status).toBe(400);
    expect((await h.api('/api/v1/csat?source=phone')).status).toBe(400);
    expect((await h.api('/api/v1/csat?limit=0')).status).toBe(400);
    expect((await fetch(`${h.service.url}/api/v1/csat`)).status).toBe(401);
    // The agent (user agent1, the harness's first) reads their own answers only.
    const login = await fetch(`${h.service.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'agent1', password: 'agent-password-123' }),
    });
    expect(login.status).toBe(200);
    const agentAuth = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
    const own = (await (await fetch(`${h.service.url}/api/v1/csat`, { headers: agentAuth })).json()) as { items: Array<{ agent_id: number }> };
    expect(own.items.length).toBeGreaterThan(0);
    expect(own.items.every((i) => i.agent_id === agent)).toBe(true);
    expect((await fetch(`${h.service.url}/api/v1/csat?agent_id=${agent + 100}`, { headers: agentAuth })).status).toBe(403);
    await h.finish([agent], [caller]);
    h.sim.unregisterSoftphone('4700');
    h.service.acd.engine.logout(agent);
  }, 90_000);

  it('an opted-in caller who hangs up first, or during the question, leaves nothing; the queue call stays answered', async () => {
    const agent = await h.agent('4702', ['csatq'], { answerDelayMs: 100, hangupAfterMs: 60_000 });
    const first = h.call('flow:csat-optin', '+14155550172');
    await waitFor('the caller bridged', () => h.eventsOf(first, 'CHANNEL_BRIDGE').length > 0 || undefined);
    h.sim.hangup(first);
    expect(await h.queueCall(first)).toMatchObject({ outcome: 'answered', agent_id: agent });
    await waitFor('the agent leg gone', () => h.sim.channels().length === 0 || undefined);
    h.sim.setSoftphoneBehavior('4702', { answerDelayMs: 100, hangupAfterMs: 400 });
    await waitFor('the agent free', () => h.state(agent) === 'available' || undefined, 15_000);
    const second = h.call('flow:csat-optin', '+14155550173');
    await prompt(second, 1, 'the survey question');
    h.sim.hangup(second);
    expect(await h.queueCall(second)).toMatchObject({ outcome: 'answered', agent_id: agent });
    await h.finish([agent], [first, second]);
    expect(await answers(first)).toEqual([]);
    expect(await answers(second)).toEqual([]);
    const abandoned = (await h.service.dataSource.query("SELECT COUNT(*) AS n FROM acd_queue_calls WHERE outcome = 'abandoned' AND id IN (?, ?)", [first, second])) as Array<{ n: number }>;
    expect(Number(abandoned[0]!.n)).toBe(0);
    h.sim.unregisterSoftphone('4702');
    h.service.acd.engine.logout(agent);
  }, 90_000);

  it('the queue API takes the csat setting and refuses a bad one with a 400 naming the field', async () => {
    const patch = (json: unknown) => h.api('/api/v1/acd/queues/csatq', { method: 'PATCH', json });
    const bad = await patch({ csat: { enabled: true, flow: 'Not A Flow' } });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('csat.flow');
    expect((await patch({ csat: { enabled: 'yes', flow: 'csat-e2e-survey' } })).status).toBe(400);
    expect((await patch({ csat: { enabled: true, flow: 'csat-e2e-survey', extra: 1 } })).status).toBe(400);
    const ok = await patch({ csat: { enabled: true, flow: 'csat-e2e-survey' } });
    expect(ok.status).toBe(200);
    const got = (await (await h.api('/api/v1/acd/queues/csatq')).json()) as { config?: { csat?: unknown }; csat?: unknown };
    expect(got.config?.csat ?? got.csat).toEqual({ enabled: true, flow: 'csat-e2e-survey' });
  }, 30_000);

  it('a caller who did not opt in is hung up when the agent hangs up, and nothing is stored', async () => {
    const agent = await h.agent('4701', ['csatq'], { answerDelayMs: 100, hangupAfterMs: 400 });
    const caller = h.call('flow:csat-no-optin', '+14155550171');
    const row = await h.queueCall(caller);
    expect(row).toMatchObject({ outcome: 'answered', agent_id: agent });
    await waitFor('the caller hung up', () => h.sim.channel(caller) === undefined || undefined);
    expect(await answers(caller)).toEqual([]);
    await h.finish([agent], [caller]);
  }, 60_000);
});
