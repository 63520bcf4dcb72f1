/**
 * End to end, one fresh simulator + service per test (SQLite): what a queued caller hears (music on hold, position /
 * EWT announcements, never an announcement into a bridged call), overflow after max wait (to another queue, to
 * voicemail, to a hangup with a cause) and with no agents, the callback key with a customer-first callback, VIP
 * priority from the IVR's variables, ring_all, and agent commands that wait for the call / wrap-up to end. Every test
 * ends with nobody stuck, every history row final and no ACD timer left; then the service closes.
 */
import { engines } from '../helpers/databases';
import { AcdHarness, GATEWAY, sleep, waitFor, type SeenEvent } from './harness';

const MOH = 'local_stream://moh';
const SOUNDS = '/usr/share/freeswitch/sounds/switchboard';
const POSITION_PROMPT = `${SOUNDS}/acd-you-are-caller.wav`;
/** One announcement is one playback of a file_string:// that starts with the position prompt (no mod_say). */
const ANNOUNCEMENT = `file_string://${POSITION_PROMPT}!`;
const isAnnouncement = (f: string | undefined): boolean => !!f?.startsWith(ANNOUNCEMENT);
const CONFIRM_PROMPT = `${SOUNDS}/acd-callback-confirmed.wav`;

function dataOf(row: { data: unknown }): Record<string, unknown> {
  return (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>;
}

describe('ACD features end to end [sqlite]', () => {
  const h = new AcdHarness(engines.sqlite);
  let agentIds: number[] = [];
  let callIds: string[] = [];

  beforeEach(async () => {
    agentIds = [];
    callIds = [];
    await h.start();
  }, 30_000);

  afterEach(async () => {
    await h.stop();
    // Closed cleanly: nothing of the ACD is left scheduled.
    expect(h.clock.pendingFrom('/src/acd/')).toEqual([]);
  }, 30_000);

  const waiting = (queue: string): string[] => h.service.acd.engine.waitingCalls(queue).map((c) => c.id);
  const starts = (uuid: string): SeenEvent[] => h.eventsOf(uuid, 'PLAYBACK_START');
  const agentLeg = (callId: string): string | undefined => h.service.acd.legsOfCall(callId)?.agentUuid;

  /** Records, every 20 ms, what `uuid` hears whenever it changes (until stopped). */
  function listen(uuid: string): { heard: string[][]; stop(): void } {
    const heard: string[][] = [];
    const sample = (): void => {
      const now = h.sim.whoDoesHear(uuid).sort();
      const last = heard[heard.length - 1];
      if (!last || last.join() !== now.join()) heard.push(now);
    };
    sample();
    const timer = setInterval(sample, 20);
    return {
      heard,
      stop: () => {
        clearInterval(timer);
        sample();
      },
    };
  }

  it('position / EWT announcements at the interval: the music breaks, the prompts play to the caller, the music resumes', async () => {
    await h.queue('ann', { announceIntervalSec: 1, announcePosition: true, announceEwt: true });
    const a = await h.agent('4000', ['ann'], { answerDelayMs: 100, hangupAfterMs: 300 }, { ready: false });
    agentIds = [a];
    const id = h.call('ann');
    callIds = [id];
    const ear = listen(id);
    await waitFor('the call to be queued', () => waiting('ann').includes(id));
    // Two announcements (at ~1 s and ~2 s), the music back after each.
    await waitFor(
      () => `two announcements, music after each (${JSON.stringify(starts(id).map((e) => e.file))})`,
      () => {
        const files = starts(id).map((e) => e.file);
        const firstAnn = files.findIndex(isAnnouncement);
        const secondAnn = files.findIndex((f, i) => i > firstAnn && isAnnouncement(f));
        return firstAnn > 0 && secondAnn > firstAnn && files.indexOf(MOH, firstAnn) > firstAnn && files.indexOf(MOH, secondAnn) > secondAnn;
      },
      10_000,
    );
    ear.stop();
    const files = starts(id).map((e) => e.file);
    expect(files[0]).toBe(MOH);
    const ann = files.findIndex(isAnnouncement);
    // The announcement: "you are caller" + "one" (the shipped number word), the wait in minutes, then the music again.
    expect(files[ann]).toMatch(new RegExp(`^file_string://${SOUNDS}/acd-you-are-caller\\.wav!${SOUNDS}/num-1\\.wav!${SOUNDS}/acd-estimated-wait\\.wav!${SOUNDS}/num-\\d+\\.wav(!${SOUNDS}/num-\\d+\\.wav)*!${SOUNDS}/minutes?\\.wav$`));
    expect(files[ann + 1]).toBe(MOH);
    // The music was broken (not played to its end) to make room for the prompt.
    const playback = h.eventsOf(id, 'PLAYBACK_START', 'PLAYBACK_STOP');
    const annAt = playback.findIndex((e) => e.name === 'PLAYBACK_START' && isAnnouncement(e.file));
    expect(playback[annAt - 1]).toMatchObject({ name: 'PLAYBACK_STOP', file: MOH, status: 'break' });
    // What the caller heard: music, the prompt, music again; never silence of a channel nor another call.
    const heard = ear.heard.map((x) => x.join('|'));
    const m1 = heard.indexOf(`file:${MOH}`);
    const p1 = heard.findIndex((x) => x.startsWith(`file:${ANNOUNCEMENT}`));
    expect(m1).toBeGreaterThanOrEqual(0);
    expect(p1).toBeGreaterThan(m1);
    expect(heard.indexOf(`file:${MOH}`, p1)).toBeGreaterThan(p1);
    for (const x of heard) expect(x === '' || x.startsWith('file:')).toBe(true);

    h.service.acd.engine.setReady(a);
    const row = await h.queueCall(id);
    expect(row.outcome).toBe('answered');
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('an announcement due while the caller is being connected never plays into the bridged call', async () => {
    h.sim.setFileDuration(POSITION_PROMPT, 800);
    await h.queue('annb', { announceIntervalSec: 1, announcePosition: true, announceEwt: true });
    const a = await h.agent('4010', ['annb'], { answerDelayMs: 100, hangupAfterMs: 2500 }, { ready: false });
    agentIds = [a];
    const id = h.call('annb');
    callIds = [id];
    await waitFor('the first announcement to start', () => starts(id).some((e) => isAnnouncement(e.file)), 10_000);
    // The agent becomes ready in the middle of the announcement: the call is offered and bridged while it plays.
    h.service.acd.engine.setReady(a);
    const bridge = await waitFor('the caller to be bridged', () => h.eventsOf(id, 'CHANNEL_BRIDGE')[0], 10_000);
    const leg = agentLeg(id)!;
    expect(leg).toBeDefined();
    // The bridge cut the announcement short (it was playing when the agent answered).
    const promptStop = await waitFor('the prompt to stop', () => h.eventsOf(id, 'PLAYBACK_STOP').find((e) => isAnnouncement(e.file)));
    expect(promptStop.status).toBe('break');
    await waitFor('caller and agent to hear each other', () => h.sim.whoDoesHear(id).join() === leg && h.sim.whoDoesHear(leg).join() === id, 5_000);
    // More than one announcement interval passes while they talk: nothing plays to either leg.
    const ear = listen(id);
    const agentEar = listen(leg);
    await sleep(1_600);
    ear.stop();
    agentEar.stop();
    expect(ear.heard).toEqual([[leg]]);
    expect(agentEar.heard).toEqual([[id]]);
    const lateStarts = [...starts(id), ...starts(leg)].filter((e) => e.at > bridge.at);
    expect(lateStarts).toEqual([]);
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ outcome: 'answered' });
    expect(Number(row.agent_id)).toBe(a);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('overflow after maxWaitSec to another queue: answered by an agent of the second queue', async () => {
    await h.queue('second');
    await h.queue('first', { maxWaitSec: 1, overflow: { kind: 'queue', queue: 'second' } });
    const idle = await h.agent('4100', ['first'], { answerDelayMs: 100 }, { ready: false });
    const taker = await h.agent('4101', ['second'], { answerDelayMs: 100, hangupAfterMs: 400 });
    agentIds = [idle, taker];
    const id = h.call('first');
    callIds = [id];
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ queue: 'first', outcome: 'overflowed', overflow_target: 'queue:second' });
    expect(Number(row.agent_id)).toBe(taker);
    expect(row.answered_at).not.toBeNull();
    expect(new Date(row.answered_at!).getTime() - new Date(row.entered_at).getTime()).toBeGreaterThanOrEqual(900);
    const data = dataOf(row);
    expect(data).toMatchObject({ final_queue: 'second', final_outcome: 'answered', overflow_reason: 'max_wait' });
    const o = await h.offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.queue, x.result])).toEqual([[taker, 'second', 'answered']]);
    const c = await h.cdr(id);
    expect(c.queue_call_id).toBe(id);
    expect(Number(c.agent_id)).toBe(taker);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('overflow after maxWaitSec to voicemail: the caller records a message in the box', async () => {
    await h.queue('vmq', { maxWaitSec: 1, overflow: { kind: 'voicemail', box: 'support' } });
    const idle = await h.agent('4110', ['vmq'], { answerDelayMs: 100 }, { ready: false });
    agentIds = [idle];
    const id = h.call('vmq', '+14155557777');
    callIds = [id];
    await waitFor('the voicemail recording to start', () => h.sim.recordings().some((r) => r.uuid === id), 10_000);
    await sleep(400);
    h.sim.hangup(id);
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ queue: 'vmq', outcome: 'overflowed', overflow_target: 'voicemail:support' });
    expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(900);
    expect(dataOf(row).overflow_reason).toBe('max_wait');
    const vm = await waitFor('the voicemails row', async () => {
      await h.service.ivr.flush();
      const rows = (await h.service.dataSource.query(`SELECT * FROM voicemails WHERE call_uuid = ?`, [id])) as Array<Record<string, unknown>>;
      return rows.length ? rows : undefined;
    });
    expect(vm).toHaveLength(1);
    expect(vm[0]).toMatchObject({ box: 'support', caller_number: '+14155557777' });
    expect(Number(vm[0]!.duration_ms)).toBeGreaterThan(0);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('overflow after maxWaitSec to a hangup: the caller is hung up with the configured cause', async () => {
    await h.queue('hq', { maxWaitSec: 1, overflow: { kind: 'hangup', cause: 'USER_BUSY' } });
    const idle = await h.agent('4120', ['hq'], { answerDelayMs: 100 }, { ready: false });
    agentIds = [idle];
    const id = h.call('hq');
    callIds = [id];
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ outcome: 'overflowed', overflow_target: 'hangup:USER_BUSY' });
    expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(900);
    const c = await h.cdr(id);
    expect(c.hangup_cause).toBe('USER_BUSY');
    expect(c.queue_call_id).toBe(id);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('max wait reached while an agent rings: the call overflows only once that offer fails', async () => {
    await h.queue('late', { maxWaitSec: 1, offerTimeoutSec: 5, maxNoAnswer: 0, overflow: { kind: 'hangup', cause: 'USER_BUSY' } });
    const deaf = await h.agent('4125', ['late'], { noAnswer: true });
    agentIds = [deaf];
    const id = h.call('late');
    callIds = [id];
    await waitFor('the agent to ring', () => h.state(deaf) === 'reserved');
    await sleep(1_500);
    // Past max wait, still ringing: not overflowed yet.
    expect(h.sim.channel(id)).toBeDefined();
    expect(h.state(deaf)).toBe('reserved');
    const row = await h.queueCall(id);
    expect(row).toMatchObject({ outcome: 'overflowed', overflow_target: 'hangup:USER_BUSY' });
    expect(Number(row.wait_ms)).toBeGreaterThanOrEqual(4_500);
    const o = await h.offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.result])).toEqual([[deaf, 'no_answer']]);
    expect((await h.cdr(id)).hangup_cause).toBe('USER_BUSY');
    await h.finish(agentIds, callIds);
    expect(h.state(deaf)).toBe('available');
  }, 60_000);

  it('no agent logged in: a new caller overflows at once; a waiting caller overflows when the last agent logs out', async () => {
    await h.queue('nobody', { noAgents: { kind: 'hangup', cause: 'NO_USER_RESPONSE' } });
    const first = h.call('nobody');
    const r1 = await h.queueCall(first);
    expect(r1).toMatchObject({ outcome: 'overflowed', overflow_target: 'hangup:NO_USER_RESPONSE' });
    expect(Number(r1.wait_ms)).toBe(0);
    expect(Number(r1.offered_count)).toBe(0);
    expect(dataOf(r1).overflow_reason).toBe('no_agents');
    expect((await h.cdr(first)).hangup_cause).toBe('NO_USER_RESPONSE');

    const last = await h.agent('4130', ['nobody'], { answerDelayMs: 100 }, { ready: false });
    agentIds = [last];
    const second = h.call('nobody');
    callIds = [first, second];
    await waitFor('the second caller to wait', () => waiting('nobody').includes(second));
    await sleep(300);
    h.service.acd.engine.logout(last, 'end_of_shift');
    const r2 = await h.queueCall(second);
    expect(r2).toMatchObject({ outcome: 'overflowed', overflow_target: 'hangup:NO_USER_RESPONSE' });
    expect(dataOf(r2).overflow_reason).toBe('no_agents');
    expect(Number(r2.wait_ms)).toBeGreaterThanOrEqual(250);
    expect((await h.cdr(second)).hangup_cause).toBe('NO_USER_RESPONSE');
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('the callback key, customer first: confirmation, caller hung up; the customer is dialled, then the agent rung and bridged', async () => {
    await h.queue('cbc', { callbackKey: '*', callbackConnect: 'customer_first' });
    const a = await h.agent('4200', ['cbc'], { answerDelayMs: 400 }, { ready: false });
    agentIds = [a];
    const from = '+14155554444';
    h.sim.setGatewayOutcome(from, { outcome: 'answer', ringMs: 200, hangupAfterMs: 2_000 });
    const id = h.call('cbc', from);
    callIds = [id];
    await waitFor('the call to be queued', () => waiting('cbc').includes(id));
    await sleep(300);
    expect(h.sim.pressDigits(id, '*')).toBe(true);
    await waitFor('the caller to be hung up', () => !h.sim.channel(id));
    expect(starts(id).map((e) => e.file)).toContain(CONFIRM_PROMPT);
    // The request keeps its place in the engine while nobody is free.
    expect(waiting('cbc')).toEqual([id]);
    const early = await h.queueCall(id, false);
    expect(early.outcome).toBe('callback_requested');
    expect(early.ended_at).toBeNull();

    h.service.acd.engine.setReady(a);
    const customerCreate = await waitFor('the customer leg', () => h.events.find((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes(`gateway/${GATEWAY}/${from}`)));
    const customer = customerCreate.uuid;
    const customerAnswer = await waitFor('the customer to answer', () => h.eventsOf(customer, 'CHANNEL_ANSWER')[0]);
    const agentCreate = await waitFor('the agent leg', () => h.events.find((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes('4200')));
    // Customer first: the agent is rung only once the customer answered; the customer hears music meanwhile.
    expect(agentCreate.at).toBeGreaterThanOrEqual(customerAnswer.at);
    await waitFor('the customer to hear music while the agent rings', () => h.sim.whoDoesHear(customer).join() === `file:${MOH}` || h.eventsOf(customer, 'CHANNEL_BRIDGE').length > 0);
    await waitFor('the customer and the agent to be bridged', () => h.eventsOf(customer, 'CHANNEL_BRIDGE').length > 0);
    await waitFor('customer and agent to hear each other', () => h.sim.whoDoesHear(customer).join() === agentCreate.uuid && h.sim.whoDoesHear(agentCreate.uuid).join() === customer);
    expect(starts(customer).map((e) => e.file)).toContain(MOH);

    const row = await h.queueCall(id);
    expect(row.outcome).toBe('callback_requested');
    expect(Number(row.agent_id)).toBe(a);
    expect(dataOf(row).final_outcome).toBe('answered');
    const o = await h.offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.result])).toEqual([[a, 'answered']]);
    const legs = await h.cdrsOfCall(id);
    expect(legs.map((l) => l.uuid).sort()).toEqual([id, customer, agentCreate.uuid].sort());
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('a customer-first callback whose first agent does not answer: the customer waits on music and the next agent takes it', async () => {
    await h.queue('cbn', { callbackKey: '*', callbackConnect: 'customer_first', offerTimeoutSec: 5 });
    const deaf = await h.agent('4210', ['cbn'], { noAnswer: true }, { ready: false });
    const good = await h.agent('4211', ['cbn'], { answerDelayMs: 200 }, { ready: false });
    agentIds = [deaf, good];
    const from = '+14155556666';
    h.sim.setGatewayOutcome(from, { outcome: 'answer', ringMs: 200, hangupAfterMs: 9_000 });
    const id = h.call('cbn', from);
    callIds = [id];
    await waitFor('the call to be queued', () => waiting('cbn').includes(id));
    h.sim.pressDigits(id, '*');
    await waitFor('the caller to be hung up', () => !h.sim.channel(id));
    h.service.acd.engine.setReady(deaf);
    const customer = (await waitFor('the customer leg', () => h.events.find((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes(`gateway/${GATEWAY}/${from}`)))).uuid;
    await waitFor('the deaf agent to ring', () => h.events.some((e) => e.name === 'CHANNEL_CREATE' && e.channel?.includes('4210')));
    h.service.acd.engine.setReady(good);
    await waitFor('the customer bridged to the good agent', () => {
      const legs = h.service.acd.legsOfCall(id);
      return legs?.agentId === good && h.sim.whoDoesHear(customer).join() === legs.agentUuid;
    }, 15_000);
    h.sim.hangup(customer);
    const row = await h.queueCall(id);
    expect(row.outcome).toBe('callback_requested');
    expect(Number(row.agent_id)).toBe(good);
    expect(dataOf(row).final_outcome).toBe('answered');
    const o = await h.offers(id);
    expect(o.map((x) => [Number(x.agent_id), x.result])).toEqual([
      [deaf, 'no_answer'],
      [good, 'answered'],
    ]);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('priority: a VIP call (priority from the IVR variables) entering later is offered before an earlier normal call', async () => {
    await h.queue('prio', { wrapUpSec: 0 });
    await h.flow('prio-flow', 'answer', {
      answer: { type: 'answer', next: 'check' },
      check: { type: 'condition', branches: [{ when: { callerNumber: { prefix: '+1999' } }, next: 'vip' }], else: 'normal' },
      vip: { type: 'set', variable: 'tier_priority', value: '10', next: 'q' },
      normal: { type: 'set', variable: 'tier_priority', value: '0', next: 'q' },
      q: { type: 'queue', queue: 'prio', priority: '{{var.tier_priority}}' },
    });
    const a = await h.agent('4300', ['prio'], { answerDelayMs: 100, hangupAfterMs: 300 }, { ready: false });
    agentIds = [a];
    const normal = h.call('flow:prio-flow', '+14155550001');
    await waitFor('the normal call to wait', () => waiting('prio').includes(normal));
    await sleep(200);
    const vip = h.call('flow:prio-flow', '+19995550002');
    callIds = [normal, vip];
    await waitFor('the VIP call to wait', () => waiting('prio').includes(vip));
    expect(h.service.acd.engine.waitingCalls('prio').map((c) => [c.id, c.priority])).toEqual([
      [normal, 0],
      [vip, 10],
    ]);
    h.service.acd.engine.setReady(a);
    const rv = await h.queueCall(vip);
    const rn = await h.queueCall(normal);
    expect(Number(rv.priority)).toBe(10);
    expect(Number(rn.priority)).toBe(0);
    expect(new Date(rn.entered_at).getTime()).toBeLessThan(new Date(rv.entered_at).getTime());
    expect(rv.outcome).toBe('answered');
    expect(rn.outcome).toBe('answered');
    const [ov] = await h.offers(vip);
    const [on] = await h.offers(normal);
    expect(new Date(ov!.offered_at).getTime()).toBeLessThanOrEqual(new Date(on!.offered_at).getTime());
    expect(new Date(rv.answered_at!).getTime()).toBeLessThan(new Date(rn.answered_at!).getTime());
    expect(ov!.id < on!.id).toBe(true);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('ring_all: both agents ring, the first to answer takes the call, the other leg is cancelled; exactly one bridge', async () => {
    await h.queue('ringall', { strategy: 'ring_all' });
    const fast = await h.agent('4400', ['ringall'], { answerDelayMs: 150, hangupAfterMs: 600 });
    const slow = await h.agent('4401', ['ringall'], { answerDelayMs: 2_000 });
    agentIds = [fast, slow];
    const id = h.call('ringall');
    callIds = [id];
    await waitFor('both agents to ring', () => h.state(fast) === 'reserved' && h.state(slow) === 'reserved');
    const row = await h.queueCall(id);
    expect(row.outcome).toBe('answered');
    expect(Number(row.agent_id)).toBe(fast);
    expect(Number(row.offered_count)).toBe(1);
    const o = await h.offers(id);
    expect(o).toHaveLength(2);
    expect(o[0]!.offer_id).toBe(o[1]!.offer_id);
    expect(Object.fromEntries(o.map((x) => [Number(x.agent_id), x.result]))).toEqual({ [fast]: 'answered', [slow]: 'cancelled' });
    const legs = await waitFor('three CDRs', async () => {
      const l = await h.cdrsOfCall(id);
      return l.length >= 3 ? l : undefined;
    });
    const loser = legs.find((l) => Number(l.agent_id) === slow && l.uuid !== id);
    expect(loser).toBeDefined();
    expect(['LOSE_RACE', 'ORIGINATOR_CANCEL']).toContain(loser!.hangup_cause);
    expect(loser!.answer_at).toBeNull();
    const bridges = h.events.filter((e) => e.name === 'CHANNEL_BRIDGE' && e.uuid === id);
    expect(bridges).toHaveLength(1);
    const winner = legs.find((l) => Number(l.agent_id) === fast && l.uuid !== id)!;
    expect(bridges[0]!.other).toBe(winner.uuid);
    expect(h.state(slow)).toBe('available');
    expect(h.service.acd.engine.agent(slow)?.noAnswerStreak).toBe(0);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('pending commands: logout during a call applies when it ends; not ready during wrap-up applies when wrap-up ends', async () => {
    await h.queue('pend', { wrapUpSec: 2 });
    const leaver = await h.agent('4500', ['pend'], { answerDelayMs: 100, hangupAfterMs: 800 });
    const id1 = h.call('pend');
    await waitFor('the first agent on the call', () => h.state(leaver) === 'on_call');
    h.service.acd.engine.logout(leaver, 'end_of_shift');
    expect(h.state(leaver)).toBe('on_call');
    expect(h.service.acd.engine.agent(leaver)).toMatchObject({ pending: { state: 'logged_out', reason: 'end_of_shift' } });
    await waitFor('the pending logout', () => h.state(leaver) === 'logged_out', 10_000);
    expect((await h.queueCall(id1)).outcome).toBe('answered');

    const luncher = await h.agent('4501', ['pend'], { answerDelayMs: 100, hangupAfterMs: 300 });
    agentIds = [leaver, luncher];
    const id2 = h.call('pend');
    callIds = [id1, id2];
    await waitFor('the second agent in wrap-up', () => h.state(luncher) === 'wrap_up', 10_000);
    // The wrap-up timer is the engine's (the tracking clock sees it; nothing may be left of it at the end).
    expect(h.clock.pendingFrom('/src/acd/engine.ts').length).toBeGreaterThan(0);
    h.service.acd.engine.setNotReady(luncher, 'lunch');
    expect(h.state(luncher)).toBe('wrap_up');
    // A caller arriving during the wrap-up is not offered to the agent who asked for lunch.
    const id3 = h.call('pend');
    callIds.push(id3);
    await waitFor('the third caller to wait', () => waiting('pend').includes(id3));
    await waitFor('the pending not ready', () => h.state(luncher) === 'not_ready', 10_000);
    expect(h.service.acd.engine.agent(luncher)?.reason).toBe('lunch');
    expect(waiting('pend')).toEqual([id3]);
    h.sim.hangup(id3);
    expect((await h.queueCall(id3)).outcome).toBe('abandoned');

    const s1 = await h.agentStates(leaver);
    expect(s1.map((s) => [s.state, s.reason ?? null])).toEqual([
      ['available', null],
      ['reserved', null],
      ['on_call', null],
      ['logged_out', 'end_of_shift'],
    ]);
    const s2 = await h.agentStates(luncher);
    expect(s2.map((s) => [s.state, s.reason ?? null])).toEqual([
      ['available', null],
      ['reserved', null],
      ['on_call', null],
      ['wrap_up', null],
      ['not_ready', 'lunch'],
    ]);
    for (const rows of [s1, s2]) {
      for (let i = 1; i < rows.length; i++) {
        expect(Number(rows[i]!.version)).toBe(Number(rows[i - 1]!.version) + 1);
        expect(rows[i]!.previous).toBe(rows[i - 1]!.state);
        expect(new Date(rows[i]!.at).getTime()).toBeGreaterThanOrEqual(new Date(rows[i - 1]!.at).getTime());
      }
    }
    const wrap = s2[3]!;
    const nr = s2[4]!;
    expect(new Date(nr.at).getTime() - new Date(wrap.at).getTime()).toBeGreaterThanOrEqual(1_900);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('a FreeSWITCH drop right as the agent answers: the lost uuid_bridge is made after the reconnect', async () => {
    await h.queue('drop');
    const a = await h.agent('4700', ['drop'], { answerDelayMs: 100 });
    agentIds = [a];
    let dropped = 0;
    // The uuid_bridge goes out inside the connect effect; cutting the connection in the same tick loses it.
    const off = h.service.acd.onEffect((e) => {
      if (e.kind === 'connect' && !dropped) dropped = h.sim.dropConnections();
    });
    const epoch = h.service.cluster.client('sim1').connectionEpoch;
    const id = h.call('drop');
    callIds = [id];
    await waitFor('the connect and the drop', () => dropped > 0);
    off();
    await waitFor('the reconnect', () => h.service.cluster.client('sim1').connectionEpoch > epoch && h.service.cluster.allConnected());
    const leg = agentLeg(id)!;
    await waitFor(
      () => `caller and agent to hear each other (caller hears ${JSON.stringify(h.sim.whoDoesHear(id))})`,
      () => h.sim.whoDoesHear(id).join() === leg && h.sim.whoDoesHear(leg).join() === id,
      10_000,
    );
    h.sim.softphoneHangup('4700');
    const row = await h.queueCall(id);
    expect(row.outcome).toBe('answered');
    expect(Number(row.agent_id)).toBe(a);
    await h.finish(agentIds, callIds);
  }, 60_000);

  it('music on hold while waiting; after the connect caller and agent hear each other only', async () => {
    await h.queue('moh');
    const a = await h.agent('4600', ['moh'], { answerDelayMs: 300, hangupAfterMs: 1_000 }, { ready: false });
    agentIds = [a];
    const id = h.call('moh');
    callIds = [id];
    await waitFor('the call to be queued', () => waiting('moh').includes(id));
    await waitFor('the caller to hear the music', () => h.sim.whoDoesHear(id).join() === `file:${MOH}`);
    const ear = listen(id);
    await sleep(500);
    expect(ear.heard.map((x) => x.join())).toEqual([`file:${MOH}`]);
    h.service.acd.engine.setReady(a);
    await waitFor('the caller to be bridged', () => h.eventsOf(id, 'CHANNEL_BRIDGE').length > 0);
    const leg = agentLeg(id)!;
    await waitFor('caller and agent to hear each other', () => h.sim.whoDoesHear(id).join() === leg && h.sim.whoDoesHear(leg).join() === id);
    ear.stop();
    // Nobody else hears them, and what the caller heard went from music straight to the agent.
    const routes = h.sim.audioRoutes().filter((r) => r.source === id || r.source === leg || r.listener === id || r.listener === leg);
    expect(routes.map((r) => [r.listener, r.source, r.kind]).sort()).toEqual(
      [
        [id, leg, 'bridge'],
        [leg, id, 'bridge'],
      ].sort(),
    );
    const heard = ear.heard.map((x) => x.join());
    expect(heard[0]).toBe(`file:${MOH}`);
    expect(heard[heard.length - 1]).toBe(leg);
    for (const x of heard) expect([`file:${MOH}`, leg, '']).toContain(x);
    expect((await h.queueCall(id)).outcome).toBe('answered');
    await h.finish(agentIds, callIds);
  }, 60_000);
});
