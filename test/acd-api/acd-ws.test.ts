import WebSocket from 'ws';
import { revalidateLiveConnections } from '../../src/acd/live';
import { UserService } from '../../src/auth/users';
import { CdrSchema, IvrCallSchema, SupervisorTeamSchema, type CdrRow, type IvrCallRow, type SupervisorTeamRow } from '../../src/db/entities';
import { describeEachEngine } from '../helpers/databases';
import { insertQueueCall, PASSWORD, startAcdTestApi, type AcdTestApi, type TestRuntime } from './helpers';

type Msg = Record<string, unknown> & { seq: number; type: string };

/** A WebSocket client that records every message and can wait for one. */
class Client {
  readonly messages: Msg[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: Array<() => void> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as Msg);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async waitFor(pred: (m: Msg) => boolean, what: string, timeoutMs = 3000): Promise<Msg> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 3000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('timed out waiting for close');
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.closed;
  }

  of(type: string): Msg[] {
    return this.messages.filter((m) => m.type === type);
  }
}

function connect(url: string, protocols?: string[]): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const client = new Client(ws);
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

async function refusedStatus(url: string, protocols?: string[]): Promise<number> {
  try {
    const c = await connect(url, protocols);
    c.ws.close();
    return 101;
  } catch (err) {
    return (err as { status?: number }).status ?? -1;
  }
}

describeEachEngine('ACD WebSocket', (engine) => {
  let api: AcdTestApi;
  let acd: TestRuntime;
  let a1 = 0;
  let a2 = 0;
  const clients: Client[] = [];

  beforeAll(async () => {
    api = await startAcdTestApi(engine);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales' } });
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'support' } });
    for (const [user, ext, queue, team] of [
      ['agent1', '1001', 'sales', 'red'],
      ['agent2', '1002', 'support', 'blue'],
    ] as const) {
      await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: api.userIds[user], extension: ext, teams: [team], queues: [{ queue, tier: 1 }] } });
    }
    // supervisor1 supervises both teams.
    await setTeams(api.userIds.supervisor1!, ['red', 'blue']);
    a1 = api.store.agentByUserId(api.userIds.agent1!)!.id;
    a2 = api.store.agentByUserId(api.userIds.agent2!)!.id;
    acd = await api.startAcd();
  });
  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await api?.close();
  });

  const url = () => `${api.wsBase}/api/v1/acd/ws`;
  const setTeams = async (userId: number, teams: string[]) => {
    const repo = api.db.ds.getRepository<SupervisorTeamRow>(SupervisorTeamSchema);
    await repo.delete({ user_id: userId });
    for (const team of teams) await repo.save({ user_id: userId, team } as SupervisorTeamRow);
  };
  const open = async (u: string, protocols?: string[]) => {
    const c = await connect(u, protocols);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello', 'hello');
    return c;
  };

  it('refuses connections without valid credentials (401) and agents without an agent row (403)', async () => {
    expect(await refusedStatus(url())).toBe(401);
    expect(await refusedStatus(`${url()}?token=not.a.jwt`)).toBe(401);
    expect(await refusedStatus(url(), ['switchboard.v1', 'bearer.abc.def.ghi'])).toBe(401);
    expect(await refusedStatus(`${url()}?token=${api.tokens.agent3}`)).toBe(403);
    expect(await refusedStatus(`${api.wsBase}/api/v1/elsewhere?token=${api.tokens.admin1}`)).toBe(404);
  });

  it('agents get their own offer with the screen pop, supervisors everything about their teams; seq increases by one', async () => {
    // History the screen pop reads: the IVR path of this call, and the caller's earlier calls.
    const now = api.clock.now();
    await api.db.ds.getRepository<IvrCallRow>(IvrCallSchema).save({
      uuid: 'call-ws-1',
      fs_node: 'fs1',
      did: '18005550100',
      caller_number: '15550001111',
      flow: 'main-menu',
      flow_version: 1,
      started_at: new Date(now - 30_000),
      ended_at: null,
      outcome: 'queue',
      detail: null,
      path: [{ at: now - 30_000, flow: 'main-menu', flowVersion: 1, node: 'menu', nodeType: 'menu', event: 'digits', digits: '1' }],
    } as Partial<IvrCallRow>);
    await api.db.ds.getRepository<CdrRow>(CdrSchema).save({
      uuid: 'old-call-1',
      fs_node: 'fs1',
      direction: 'inbound',
      caller_number: '15550001111',
      destination_number: '18005550100',
      start_at: new Date(now - 86_400_000),
      end_at: new Date(now - 86_300_000),
      duration_s: 100,
      billsec: 90,
      hangup_cause: 'NORMAL_CLEARING',
      created_at: new Date(now - 86_300_000),
    } as Partial<CdrRow>);
    await insertQueueCall(api, { id: 'old-queue-call', queue: 'sales', entered_at: now - 86_400_000, outcome: 'answered', agent_id: a1, caller_number: '15550001111' });

    const agent1 = await open(url(), ['switchboard.v1', `bearer.${api.tokens.agent1}`]);
    expect(agent1.ws.protocol).toBe('switchboard.v1');
    const agent2 = await open(`${url()}?token=${api.tokens.agent2}`);
    const sup = await open(url(), [`bearer.${api.tokens.supervisor1}`]);
    expect(agent1.messages[0]).toMatchObject({ seq: 1, type: 'hello', role: 'agent', agent_id: a1, acd_running: true, snapshot: { agent: { id: a1, state: 'logged_out' } } });
    expect(sup.messages[0]).toMatchObject({ seq: 1, type: 'hello', role: 'supervisor', agent_id: null });
    expect((sup.messages[0]!.snapshot as { agents: unknown[] }).agents).toHaveLength(2);

    acd.engine.login(a1);
    acd.engine.login(a2);
    acd.enqueue({ id: 'call-ws-1', node: 'fs1', queue: 'sales', priority: 0, skills: [], callerNumber: '15550001111', callerName: 'Grace', data: { crm_name: 'Grace Hopper' } });

    const offer = await agent1.waitFor((m) => m.type === 'offer', 'offer to agent1');
    expect(offer).toMatchObject({ call_id: 'call-ws-1', agent_id: a1, timeout_sec: 20, attempt: 1 });
    const pop = offer.screen_pop as Record<string, unknown>;
    expect(pop).toMatchObject({ call_id: 'call-ws-1', queue: 'sales', caller_number: '15550001111', caller_name: 'Grace', data: { crm_name: 'Grace Hopper' } });
    expect(pop.ivr_path).toEqual([expect.objectContaining({ node: 'menu', digits: '1' })]);
    expect(pop.previous_calls).toEqual([expect.objectContaining({ uuid: 'old-call-1', billsec: 90, hangup_cause: 'NORMAL_CLEARING' })]);
    expect(pop.previous_queue_calls).toEqual([expect.objectContaining({ id: 'old-queue-call', queue: 'sales', outcome: 'answered', agent_id: a1 })]);

    await agent1.waitFor((m) => m.type === 'agent_state' && m.state === 'reserved', 'agent1 reserved');
    await sup.waitFor((m) => m.type === 'offer' && m.agent_id === a1, 'supervisor sees the offer');
    await sup.waitFor((m) => m.type === 'agent_state' && m.agent_id === a2 && m.state === 'available', 'supervisor sees agent2');

    // Answer and end: call_state goes to the agent of the call and to supervisors.
    const o = acd.offerTo(a1)!;
    acd.engine.offerAnswered(o.offerId, a1);
    acd.engine.callEnded('call-ws-1');
    await agent1.waitFor((m) => m.type === 'call_state' && m.state === 'ended', 'agent1 call ended');
    await sup.waitFor((m) => m.type === 'call_state' && m.state === 'ended', 'supervisor call ended');
    await sup.waitFor((m) => m.type === 'queue_stats' && m.queue === 'sales', 'supervisor queue_stats');
    await agent1.waitFor((m) => m.type === 'queue_stats' && m.queue === 'sales', 'agent1 stats of its queue');

    // agent2 saw only its own state changes (and no offer, call or other agent's state).
    await new Promise((r) => setTimeout(r, 100));
    for (const m of agent2.messages.slice(1)) {
      if (m.type === 'queue_stats') expect(m.queue).toBe('support');
      else expect(m).toMatchObject({ type: 'agent_state', agent_id: a2 });
    }
    expect(agent1.messages.some((m) => m.type === 'agent_state' && m.agent_id === a2)).toBe(false);

    for (const c of [agent1, agent2, sup]) {
      expect(c.messages.map((m) => m.seq)).toEqual(c.messages.map((_m, i) => i + 1));
      for (const m of c.messages) expect(typeof m.at).toBe('string');
    }
  });

  it('pushes queue_stats at most once per throttle interval per queue', async () => {
    const sup = await open(url(), [`bearer.${api.tokens.admin1}`]);
    for (let i = 0; i < 20; i++) {
      acd.enqueue({ id: `burst-${i}`, node: 'fs1', queue: 'support', priority: 0, skills: [], callerNumber: '1555000', data: {} });
      acd.engine.callerHangup(`burst-${i}`);
    }
    await sup.waitFor((m) => m.type === 'queue_stats' && m.queue === 'support', 'stats');
    await new Promise((r) => setTimeout(r, 200));
    // 40 changes in one burst: one message now, at most one more after the 50 ms throttle of the test hub.
    expect(sup.of('queue_stats').filter((m) => m.queue === 'support').length).toBeLessThanOrEqual(2);
  });

  it('closes the connection when the token expires (4001)', async () => {
    const c = await open(url(), [`bearer.${api.tokens.agent1}`]);
    api.clock.advance(api.deps.config.auth.tokenTtlSeconds * 1000 + 1000);
    const closed = await c.waitClosed();
    expect(closed.code).toBe(4001);
    expect(closed.reason).toMatch(/expired/);
  });

  it("a supervisor sees only their teams' agents (states, offers with screen pops, calls), and follows a change of teams at once", async () => {
    const u = await api.users.create({ username: `red-sup-${Date.now()}`, password: PASSWORD, role: 'supervisor' });
    await setTeams(u.id, ['red']);
    const sup = await open(url(), [`bearer.${await api.login(u.username)}`]);
    const agents = (sup.messages[0]!.snapshot as { agents: Array<{ id: number }> }).agents;
    expect(agents.map((a) => a.id)).toEqual([a1]);
    acd.engine.setNotReady(a2, 'break');
    acd.engine.setNotReady(a1, 'break');
    await sup.waitFor((m) => m.type === 'agent_state' && m.agent_id === a1 && m.state === 'not_ready', 'red agent state');
    await new Promise((r) => setTimeout(r, 100));
    expect(sup.messages.some((m) => m.agent_id === a2)).toBe(false);

    // Now the supervisor of blue only: agent2's events arrive, agent1's stop.
    await setTeams(u.id, ['blue']);
    revalidateLiveConnections();
    await new Promise((r) => setTimeout(r, 100));
    const before = sup.messages.length;
    acd.engine.setReady(a1);
    acd.engine.setReady(a2);
    await sup.waitFor((m) => m.type === 'agent_state' && m.agent_id === a2 && m.state === 'available', 'blue agent state');
    await new Promise((r) => setTimeout(r, 100));
    expect(sup.messages.slice(before).some((m) => m.agent_id === a1)).toBe(false);
  });

  it('keeps the connection when the credential check fails for another reason than revocation (a database error is not a sign-out)', async () => {
    const c = await open(url(), [`bearer.${await api.login('supervisor1')}`]);
    const getRow = jest.spyOn(UserService.prototype, 'getRow').mockRejectedValue(new Error('connect ECONNREFUSED 127.0.0.1:3306'));
    try {
      revalidateLiveConnections();
      await new Promise((r) => setTimeout(r, 200));
      expect(getRow).toHaveBeenCalled();
      // A new connection meanwhile is told to come back (503), not that its credentials are refused (401).
      expect(await refusedStatus(url(), [`bearer.${await api.login('supervisor1')}`])).toBe(503);
    } finally {
      getRow.mockRestore();
    }
    expect(c.closed).toBeUndefined();
    // Still live: it answers a ping, and a check that can be made again keeps it too.
    c.ws.send(JSON.stringify({ type: 'ping' }));
    await c.waitFor((m) => m.type === 'pong', 'pong');
    revalidateLiveConnections();
    await new Promise((r) => setTimeout(r, 200));
    expect(c.closed).toBeUndefined();
  });

  it('closes the connection at once (4001) when an admin disables the user or revokes the key, without waiting for a heartbeat', async () => {
    const admin = await api.login('admin1');
    const u = await api.users.create({ username: `revoked-${Date.now()}`, password: 'revoked-password-1', role: 'supervisor' });
    const login = await api.fetch('/api/v1/auth/login', { method: 'POST', json: { username: u.username, password: 'revoked-password-1' } });
    const { token } = (await login.json()) as { token: string };
    const c = await open(url(), [`bearer.${token}`]);
    await c.waitFor((m) => m.type === 'hello', 'hello');
    expect((await api.fetch(`/api/v1/users/${u.id}`, { method: 'PATCH', token: admin, json: { disabled: true } })).status).toBe(200);
    expect((await c.waitClosed()).code).toBe(4001);

    const key = await api.fetch('/api/v1/api-keys', { method: 'POST', token: admin, json: { name: `ws-${Date.now()}`, role: 'supervisor' } });
    const { api_key, key: secret } = (await key.json()) as { api_key: { id: number }; key: string };
    const k = await open(url(), [`apikey.${secret}`]);
    await k.waitFor((m) => m.type === 'hello', 'hello');
    expect((await api.fetch(`/api/v1/api-keys/${api_key.id}`, { method: 'DELETE', token: admin })).status).toBe(200);
    expect((await k.waitClosed()).code).toBe(4001);
  });
});
