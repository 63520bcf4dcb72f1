/**
 * Supervision end to end: the service on the simulator, an agent on a queue call, supervisors on their softphones.
 * Audio routing is checked as a who-hears-whom matrix from the simulator's model of eavesdrop.
 */
import { UserService } from '../../src/auth/users';
import { silentLogger } from '../../src/log/logger';
import { createSupervision } from '../../src/supervision';
import { systemClock } from '../../src/clock/clock';
import { describeEachEngine } from '../helpers/databases';
import { SupervisionHarness, waitFor } from './harness';

interface Session {
  id: number;
  supervisor_uuid: string;
  call_uuid: string;
  agent_uuid: string;
  mode: string;
  mode_history: Array<{ mode: string; by: string }>;
  outcome: string | null;
  active: boolean;
  answered_at: string | null;
  ended_at: string | null;
}

describeEachEngine('supervision', (engine) => {
  const h = new SupervisionHarness(engine);
  let blue: number;
  let red: number;
  let sup: number;

  beforeAll(async () => {
    await h.start();
    blue = await h.agent('ada', '1001', ['blue']);
    red = await h.agent('bob', '1002', ['red']);
    h.service.acd.engine.setNotReady(red, 'break');
    sup = await h.supervisor('sue', '1901', ['blue']);
    await h.supervisor('rex', '1902', ['red']);
  }, 30_000);
  afterAll(() => h.stop());

  /** Who hears whom among caller, agent and supervisor, as sorted `listener<-source` pairs. */
  const matrix = (caller: string, agentLeg: string, supLeg: string): string[] => {
    const name = (u: string): string => (u === caller ? 'customer' : u === agentLeg ? 'agent' : u === supLeg ? 'supervisor' : 'other');
    return h.sim
      .audioRoutes()
      .filter((r) => [caller, agentLeg, supLeg].includes(r.listener) && [caller, agentLeg, supLeg].includes(r.source))
      .map((r) => `${name(r.listener)}<-${name(r.source)}`)
      .sort();
  };
  const LISTEN = ['agent<-customer', 'customer<-agent', 'supervisor<-agent', 'supervisor<-customer'];
  const WHISPER = [...LISTEN, 'agent<-supervisor'].sort();
  const BARGE = [...WHISPER, 'customer<-supervisor'].sort();

  const start = async (who: string, agentId: number, mode: string): Promise<Response> =>
    h.api(who, '/api/v1/supervision/sessions', { method: 'POST', json: { agent_id: agentId, mode } });

  it('listen, whisper, barge and back: the who-hears-whom matrix follows each mode; the flag reaches the agent', async () => {
    const ws = await h.socket('ada');
    const { caller, agentLeg } = await h.callAnswered(blue);

    const res = await start('sue', blue, 'listen');
    expect(res.status).toBe(201);
    const s = (await res.json()) as Session;
    expect(s).toMatchObject({ call_uuid: caller, agent_uuid: agentLeg, mode: 'listen', active: true });
    expect(s.answered_at).not.toBeNull();
    // The supervisor's phone was called on its extension, running eavesdrop on the agent's leg.
    const supCh = h.sim.channel(s.supervisor_uuid)!;
    expect(supCh.name).toContain('1901');
    expect(supCh.variables.eavesdrop_enable_dtmf).toBe('true');
    expect(matrix(caller, agentLeg, s.supervisor_uuid)).toEqual(LISTEN);
    expect(h.sim.whoDoesHear(caller)).toEqual([agentLeg]);

    const patch = async (mode: string): Promise<Session> => {
      const r = await h.api('sue', `/api/v1/supervision/sessions/${s.id}`, { method: 'PATCH', json: { mode } });
      expect(r.status).toBe(200);
      return (await r.json()) as Session;
    };
    expect((await patch('whisper')).mode).toBe('whisper');
    await waitFor('whisper routes', () => JSON.stringify(matrix(caller, agentLeg, s.supervisor_uuid)) === JSON.stringify(WHISPER));
    // The customer never hears a whisper.
    expect(h.sim.whoDoesHear(caller)).toEqual([agentLeg]);
    await patch('barge');
    await waitFor('barge routes', () => JSON.stringify(matrix(caller, agentLeg, s.supervisor_uuid)) === JSON.stringify(BARGE));
    await patch('listen');
    await waitFor('listen routes', () => JSON.stringify(matrix(caller, agentLeg, s.supervisor_uuid)) === JSON.stringify(LISTEN));

    // The supervisor presses 2 on the phone: whisper, recorded as done from the phone.
    h.sim.softphoneDigits('1901', '2');
    await waitFor('phone whisper', () => JSON.stringify(matrix(caller, agentLeg, s.supervisor_uuid)) === JSON.stringify(WHISPER));
    const got = await waitFor('mode history', async () => {
      const r = (await (await h.api('sue', `/api/v1/supervision/sessions/${s.id}`)).json()) as Session;
      return r.mode === 'whisper' ? r : undefined;
    });
    expect(got.mode_history.map((m) => `${m.mode}/${m.by}`)).toEqual(['listen/start', 'whisper/api', 'barge/api', 'listen/api', 'whisper/phone']);

    await waitFor('monitored flag', () => ws.messages.some((m) => m.type === 'monitored' && m.monitored === true && m.agent_id === blue));

    // End: the supervisor's phone is hung up, the call goes on.
    const ended = (await (await h.api('sue', `/api/v1/supervision/sessions/${s.id}`, { method: 'DELETE' })).json()) as Session;
    expect(ended).toMatchObject({ active: false, outcome: 'ended' });
    await waitFor('supervisor leg gone', () => !h.sim.channel(s.supervisor_uuid));
    expect(h.sim.whoDoesHear(caller)).toEqual([agentLeg]);
    expect(h.sim.whoDoesHear(agentLeg)).toEqual([caller]);
    await waitFor('monitored off', () => ws.messages.some((m) => m.type === 'monitored' && m.monitored === false && m.session_id === s.id));
    ws.close();

    h.sim.hangup(caller);
    await waitFor('agent released', () => h.state(blue) === 'available', 10_000);
    const audit = await h.audit('supervision.');
    const mine = audit.filter((a) => (a.after as { session_id?: number } | null)?.session_id === s.id);
    expect(mine.map((a) => a.action)).toEqual(['supervision.start', 'supervision.mode', 'supervision.mode', 'supervision.mode', 'supervision.end']);
    expect(mine[0]).toMatchObject({ actor_name: 'sue', target_id: String(blue) });
    expect(mine[4]!.after).toMatchObject({ call_uuid: caller, mode: 'whisper', outcome: 'ended' });
    const row = (await h.service.dataSource.query('SELECT * FROM supervision_sessions WHERE id = ?', [s.id]))[0] as { outcome: string; ended_at: unknown; mode_history: string };
    expect(row.outcome).toBe('ended');
    expect(JSON.parse(row.mode_history)).toHaveLength(5);
  });

  it('a session started in whisper mode whispers from the first moment (eavesdrop variables)', async () => {
    const { caller, agentLeg } = await h.callAnswered(blue);
    const s = (await (await start('sue', blue, 'whisper')).json()) as Session;
    expect(h.sim.channel(s.supervisor_uuid)!.variables.eavesdrop_whisper_bleg).toBe('true');
    expect(matrix(caller, agentLeg, s.supervisor_uuid)).toEqual(WHISPER);
    // The agent's call ends: the session ends with it.
    h.sim.hangup(caller);
    const done = await waitFor('session end', async () => {
      const r = (await (await h.api('sue', `/api/v1/supervision/sessions/${s.id}`)).json()) as Session;
      return r.active ? undefined : r;
    });
    expect(done.outcome).toBe('call_ended');
    await waitFor('all legs gone', () => h.sim.channels().length === 0);
    await waitFor('agent released', () => h.state(blue) === 'available', 10_000);
  });

  it('refuses a supervisor of another team (403), agents (403), and a second session of the same supervisor (409)', async () => {
    const { caller } = await h.callAnswered(blue);
    const other = await start('rex', blue, 'listen');
    expect(other.status).toBe(403);
    expect((await start('ada', blue, 'listen')).status).toBe(403);
    expect((await h.api('rex', `/api/v1/supervision/agents/${blue}/hangup`, { method: 'POST' })).status).toBe(403);
    expect((await h.api('rex', `/api/v1/supervision/agents/${blue}/state`, { method: 'POST', json: { action: 'ready' } })).status).toBe(403);
    // An admin may supervise anyone (but needs a softphone extension).
    expect((await start('admin', blue, 'listen')).status).toBe(409);
    const s = (await (await start('sue', blue, 'listen')).json()) as Session;
    expect((await start('sue', blue, 'listen')).status).toBe(409);
    // Someone else's session is not rex's to change.
    expect((await h.api('rex', `/api/v1/supervision/sessions/${s.id}`, { method: 'PATCH', json: { mode: 'barge' } })).status).toBe(403);
    expect((await h.api('sue', `/api/v1/supervision/sessions/${s.id}`, { method: 'DELETE' })).status).toBe(200);
    h.sim.hangup(caller);
    await waitFor('all legs gone', () => h.sim.channels().length === 0);
    await waitFor('agent released', () => h.state(blue) === 'available', 10_000);
  });

  it("supervisors' teams: only supervisor or admin accounts have them (400 for an agent, 404 for no user); listed for admins", async () => {
    const agentUser = await new UserService(h.service.dataSource, { bcryptCost: 4 }).create({ username: 'ann', password: 'agent-pass-12345', role: 'agent' });
    const put = (userId: number, teams: string[]): Promise<Response> =>
      h.api('admin', `/api/v1/supervision/supervisors/${userId}/teams`, { method: 'PUT', json: { teams } });
    expect((await put(agentUser.id, ['red'])).status).toBe(400);
    expect((await put(999_999, ['red'])).status).toBe(404);
    const res = await h.api('admin', '/api/v1/supervision/supervisors');
    expect(res.status).toBe(200);
    const { supervisors } = (await res.json()) as { supervisors: Array<{ user_id: number; extension: string | null; teams: string[] }> };
    expect(supervisors.find((s) => s.user_id === sup)).toEqual({ user_id: sup, extension: '1901', teams: ['blue'] });
    expect(supervisors.some((s) => s.user_id === agentUser.id)).toBe(false);
  });

  it('take over: the customer talks to the supervisor, the agent is released and not stuck', async () => {
    const { caller, agentLeg } = await h.callAnswered(blue);
    const s = (await (await start('sue', blue, 'listen')).json()) as Session;
    const r = await h.api('sue', `/api/v1/supervision/sessions/${s.id}/take-over`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect((await r.json()) as Session).toMatchObject({ active: false, outcome: 'taken_over' });
    await waitFor('agent leg gone', () => !h.sim.channel(agentLeg));
    expect(h.sim.channel(caller)!.bridgedTo).toBe(s.supervisor_uuid);
    expect(h.sim.whoDoesHear(caller)).toEqual([s.supervisor_uuid]);
    expect(h.sim.whoDoesHear(s.supervisor_uuid)).toEqual([caller]);
    // The ACD ended the agent's call: wrap-up, then available; nobody stuck.
    await waitFor('agent wrap-up', () => ['wrap_up', 'available'].includes(h.state(blue) ?? ''));
    expect(h.service.acd.legsOfAgent(blue)).toBeUndefined();
    await waitFor('agent available', () => h.state(blue) === 'available', 10_000);
    expect(h.service.acd.stuckAgents(new Set(h.sim.channels().map((c) => c.uuid)))).toEqual([]);
    const qc = await h.queueCall(caller);
    expect(qc).toMatchObject({ outcome: 'answered', agent_id: blue });
    // The customer and the supervisor finish the call.
    h.sim.softphoneHangup('1901');
    await waitFor('all legs gone', () => h.sim.channels().length === 0);
    const cdr = await h.cdr(caller);
    // The customer's CDR names the supervisor's leg as its last peer; the supervisor's leg has its own CDR.
    expect(cdr.bridged_uuid).toBe(s.supervisor_uuid);
    expect((await h.cdr(s.supervisor_uuid)).bridged_uuid).toBe(caller);
    expect((await h.cdr(agentLeg)).hangup_cause).toBe('NORMAL_CLEARING');
    const audit = (await h.audit('supervision.take_over')).filter((a) => (a.after as { session_id: number }).session_id === s.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_name: 'sue' });
  });

  it('force hangup: both legs end with CDRs, the queue call and the agent state are recorded, audited', async () => {
    const { caller, agentLeg } = await h.callAnswered(blue);
    const r = await h.api('sue', `/api/v1/supervision/agents/${blue}/hangup`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { killed: string[] }).killed.sort()).toEqual([caller, agentLeg].sort());
    await waitFor('all legs gone', () => h.sim.channels().length === 0);
    const [c1, c2] = [await h.cdr(caller), await h.cdr(agentLeg)];
    expect(c1.hangup_cause).toBe('NORMAL_CLEARING');
    expect(c2.hangup_cause).toBe('NORMAL_CLEARING');
    expect(Number(c1.agent_id)).toBe(blue);
    expect(c1.queue_call_id).toBe(caller);
    expect(await h.queueCall(caller)).toMatchObject({ outcome: 'answered', agent_id: blue });
    await waitFor('agent available', () => h.state(blue) === 'available', 10_000);
    const states = (await h.agentStates(blue)).map((s) => s.state);
    expect(states.slice(-3)).toEqual(['on_call', 'wrap_up', 'available']);
    const audit = await h.audit('supervision.force_hangup');
    expect(audit.at(-1)).toMatchObject({ actor_name: 'sue', target_id: String(blue), before: { call_uuid: caller } });
    // No call: 409.
    expect((await h.api('sue', `/api/v1/supervision/agents/${blue}/hangup`, { method: 'POST' })).status).toBe(409);
  });

  it('force state: not ready with a reason, ready, logout; a not-ready during a call applies after it', async () => {
    const post = (json: unknown) => h.api('sue', `/api/v1/supervision/agents/${blue}/state`, { method: 'POST', json });
    expect((await post({ action: 'not_ready' })).status).toBe(400);
    let r = await post({ action: 'not_ready', reason: 'meeting' });
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ state: 'not_ready', reason: 'meeting' });
    r = await post({ action: 'ready' });
    expect(await r.json()).toMatchObject({ state: 'available' });

    const { caller } = await h.callAnswered(blue);
    r = await post({ action: 'not_ready', reason: 'coaching' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { state: string }).state).toBe('on_call');
    h.sim.hangup(caller);
    await waitFor('not ready after the call', () => h.state(blue) === 'not_ready', 10_000);
    expect(h.service.acd.engine.agent(blue)!.reason).toBe('coaching');

    r = await post({ action: 'logout' });
    expect(await r.json()).toMatchObject({ state: 'logged_out' });
    const log = await h.agentStates(blue);
    expect(log.some((l) => l.state === 'not_ready' && l.reason === 'meeting')).toBe(true);
    expect(log.some((l) => l.state === 'not_ready' && l.reason === 'coaching')).toBe(true);
    expect(log.at(-1)!.state).toBe('logged_out');
    const audit = await h.audit('supervision.force_state');
    expect(audit.map((a) => (a.after as { action: string }).action)).toEqual(['not_ready', 'ready', 'not_ready', 'logout']);
    expect(audit[0]).toMatchObject({ actor_name: 'sue', target_id: String(blue), before: { state: 'available' } });
    // Back to work for any later test.
    h.service.acd.engine.login(blue);
    expect(sup).toBeGreaterThan(0);
  });

  it("force hangup of an agent's manual outbound call: the call control the API placed it with ends it", async () => {
    h.sim.setGatewayOutcome('14155550199', { outcome: 'answer', ringMs: 50 });
    const placed = await h.api('ada', '/api/v1/acd/me/outbound', { method: 'POST', json: { number: '14155550199' } });
    expect(placed.status).toBe(200);
    const { agent_uuid: agentUuid, customer_uuid: customerUuid } = (await placed.json()) as { agent_uuid: string; customer_uuid: string };
    await waitFor(() => `the agent talks to the customer: ${JSON.stringify(h.sim.channels().map((c) => [c.uuid, c.name, c.answerState, c.bridgedTo, c.application]))} ${agentUuid} ${customerUuid}`, () => h.sim.whoDoesHear(customerUuid).includes(agentUuid) && h.sim.whoDoesHear(agentUuid).includes(customerUuid));
    expect(h.state(blue)).toBe('on_call');
    // Not an ACD queue call: the runtime has no legs for it, only call control knows it.
    expect(h.service.acd.legsOfAgent(blue)).toBeUndefined();
    // A supervisor of another team may not end it.
    expect((await h.api('rex', `/api/v1/supervision/agents/${blue}/hangup`, { method: 'POST' })).status).toBe(403);
    const r = await h.api('sue', `/api/v1/supervision/agents/${blue}/hangup`, { method: 'POST' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { killed: string[] }).killed).toEqual(expect.arrayContaining([agentUuid]));
    await waitFor('both legs gone', () => !h.sim.channel(agentUuid) && !h.sim.channel(customerUuid));
    await waitFor('agent off the call', () => h.state(blue) !== 'on_call' && h.state(blue) !== 'reserved', 10_000);
    const audit = await h.audit('supervision.force_hangup');
    expect(audit.at(-1)).toMatchObject({ actor_name: 'sue', target_id: String(blue) });
  });

  // Last in the suite: it closes the service's own supervision (as a crash would stop it).
  it('a takeover: a session whose legs are up goes on under the new instance; the others are closed', async () => {
    const { caller, agentLeg } = await h.callAnswered(blue);
    const res = await start('sue', blue, 'listen');
    expect(res.status).toBe(201);
    const s = (await res.json()) as Session;
    // The instance dies: nothing of the session is in memory any more, its row stays open (a crash writes no end).
    await h.service.supervision.close();
    await h.service.dataSource.query('UPDATE supervision_sessions SET ended_at = NULL, outcome = NULL WHERE id = ?', [s.id]);
    expect(h.sim.channel(s.supervisor_uuid)).toBeDefined();
    // A second open row whose supervisor leg is gone (it hung up while no instance ran).
    await h.service.dataSource.query(
      'INSERT INTO supervision_sessions (supervisor_user_id, supervisor_name, agent_id, call_uuid, agent_uuid, supervisor_uuid, node, extension, mode, mode_history, started_at, answered_at, ended_at, outcome) SELECT supervisor_user_id, supervisor_name, agent_id, call_uuid, agent_uuid, ?, node, extension, mode, mode_history, started_at, answered_at, NULL, NULL FROM supervision_sessions WHERE id = ?',
      ['00000000-0000-4000-8000-00000000beef', s.id],
    );
    const svc = h.service;
    const fresh = createSupervision({ dataSource: svc.dataSource, config: svc.config, clock: systemClock, logger: silentLogger, freeswitch: svc.cluster, acd: svc.acd, acdConfig: svc.acdConfig });
    try {
      const live = new Set(h.sim.channels().map((c) => c.uuid));
      expect(await fresh.adoptSessions('sim1', live)).toEqual({ adopted: 1, ended: 1 });
      const actor = { principal: { kind: 'user' as const, id: sup, username: 'sue', role: 'supervisor' as const } };
      const mine = await fresh.list(actor, { active: true });
      expect(mine.map((x) => x.id)).toEqual([s.id]);
      // The new instance controls it: whisper, then the end of the call ends it.
      expect((await fresh.setMode(actor, s.id, 'whisper')).mode).toBe('whisper');
      await waitFor('whisper routes', () => JSON.stringify(matrix(caller, agentLeg, s.supervisor_uuid)) === JSON.stringify(WHISPER));
      h.sim.hangup(caller);
      await waitFor('the supervisor leg gone with the call', () => !h.sim.channel(s.supervisor_uuid));
      const row = await waitFor('the session closed', async () => {
        const r = await fresh.store.session(s.id);
        return r?.ended_at ? r : undefined;
      });
      expect(row.outcome).toBe('call_ended');
      const rows = (await h.service.dataSource.query('SELECT outcome FROM supervision_sessions WHERE supervisor_uuid = ?', ['00000000-0000-4000-8000-00000000beef'])) as Array<{ outcome: string }>;
      expect(rows).toEqual([{ outcome: 'aborted' }]);
      await waitFor('agent released', () => h.state(blue) !== 'on_call', 10_000);
    } finally {
      await fresh.close();
    }
  });
});
