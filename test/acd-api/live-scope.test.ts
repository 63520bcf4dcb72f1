/**
 * GET /api/v1/acd/live/agents for the wallboard: supervisors see the agents of the teams they supervise (the same
 * rule as every action on an agent), admins every agent; each agent's current call carries caller, queue and since.
 */
import { engines } from '../helpers/databases';
import { startAcdTestApi, type AcdTestApi, type TestRuntime } from './helpers';

interface LiveAgentOut {
  id: number;
  state: string;
  call: { id: string; queue: string; caller_number: string | null; caller_name: string | null; connected_at: string | null } | null;
}

describe('live agents: team scope and current call', () => {
  let api: AcdTestApi;
  let acd: TestRuntime;
  let red = 0;
  let blue = 0;
  let supKey = '';

  beforeAll(async () => {
    api = await startAcdTestApi(engines.sqlite);
    await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', wrapUpSec: 30 } });
    for (const [user, ext, team] of [
      ['agent1', '1001', 'red'],
      ['agent2', '1002', 'blue'],
    ] as const) {
      const res = await api.fetch('/api/v1/acd/agents', {
        method: 'POST',
        token: api.tokens.admin1,
        json: { user_id: api.userIds[user], extension: ext, skills: {}, teams: [team], queues: [{ queue: 'sales', tier: 1 }] },
      });
      expect(res.status).toBe(201);
    }
    red = api.store.agentByUserId(api.userIds.agent1!)!.id;
    blue = api.store.agentByUserId(api.userIds.agent2!)!.id;
    expect((await api.fetch(`/api/v1/supervision/supervisors/${api.userIds.supervisor1}/teams`, { method: 'PUT', token: api.tokens.admin1, json: { teams: ['red'] } })).status).toBe(200);
    const key = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin1, json: { name: 'sup-key', role: 'supervisor' } });
    supKey = ((await key.json()) as { key: string }).key;
    acd = await api.startAcd();
  });
  afterAll(() => api?.close());

  const live = async (auth: { token?: string; apiKey?: string }): Promise<LiveAgentOut[]> => {
    const res = await api.fetch('/api/v1/acd/live/agents', auth);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: LiveAgentOut[] }).items;
  };

  it('a supervisor sees only the agents of their teams; an admin all; a supervisor API key none', async () => {
    expect((await live({ token: api.tokens.supervisor1 })).map((a) => a.id)).toEqual([red]);
    expect((await live({ token: api.tokens.admin1 })).map((a) => a.id).sort()).toEqual([red, blue].sort());
    expect(await live({ apiKey: supKey })).toEqual([]);
  });

  it("shows the agent's current call: caller, queue and when it was answered; none once it ends", async () => {
    acd.engine.login(red);
    acd.enqueue({ id: 'call-9', node: 'fs1', queue: 'sales', priority: 0, skills: [], callerNumber: '+15551230009', callerName: 'Ada', data: {} });
    const offer = acd.offerTo(red)!;
    acd.engine.offerAnswered(offer.offerId, red);
    const [a] = await live({ token: api.tokens.supervisor1 });
    expect(a).toMatchObject({ id: red, state: 'on_call', call: { id: 'call-9', queue: 'sales', caller_number: '+15551230009', caller_name: 'Ada' } });
    expect(Date.parse(a!.call!.connected_at!)).toBe(api.clock.now());
    acd.engine.callEnded('call-9');
    expect((await live({ token: api.tokens.supervisor1 }))[0]!.call).toBeNull();
  });
});
