/**
 * The call-control routes: an agent acts only on their own call, supervisors force hangups, refusals are problems,
 * each action is audited, and 503 without a running ACD. CallControl itself is a recording stand-in here (its
 * FreeSWITCH behaviour is tested in call-control.test.ts).
 */
import { acdConfigStoreFor } from '../../src/acd/config-store';
import type { AcdRuntimeApi } from '../../src/acd/contract';
import { CallControlError, type CallControlApi, type CallSnapshot, type TransferTarget } from '../../src/acd/runtime/call-control';
import { systemClock } from '../../src/clock/clock';
import { silentLogger } from '../../src/log/logger';
import { PASSWORDS, problemOf, startTestApi, type TestApi } from '../api/helpers';

class FakeControl implements CallControlApi {
  readonly calls: Array<[string, number, unknown?]> = [];
  /** Agents that have a call. */
  readonly onCall = new Set<number>();
  snap(agentId: number): CallSnapshot {
    return { agent_id: agentId, node: 'fs1', caller_uuid: `c-${agentId}`, agent_uuid: `a-${agentId}`, queue: 'support', source: 'acd', mode: 'talking', held: false, muted: false, consult_uuid: null, conference: null, third_party_uuid: null };
  }
  private need(op: string, agentId: number, arg?: unknown): void {
    this.calls.push([op, agentId, arg]);
    if (!this.onCall.has(agentId)) throw new CallControlError('no_call', `agent ${agentId} has no current call`);
  }
  current(agentId: number) {
    return this.onCall.has(agentId) ? this.snap(agentId) : undefined;
  }
  async hangup(agentId: number, opts?: { force?: boolean }) {
    this.need('hangup', agentId, opts);
    return { killed: [`a-${agentId}`, `c-${agentId}`] };
  }
  async hold(agentId: number) {
    this.need('hold', agentId);
    return { ...this.snap(agentId), held: true };
  }
  async unhold(agentId: number) {
    this.need('unhold', agentId);
    return this.snap(agentId);
  }
  async mute(agentId: number) {
    this.need('mute', agentId);
    return { ...this.snap(agentId), muted: true };
  }
  async unmute(agentId: number) {
    this.need('unmute', agentId);
    return this.snap(agentId);
  }
  async blindTransfer(agentId: number, t: TransferTarget) {
    this.need('blind', agentId, t);
    if ('agent' in t && t.agent === 77) throw new CallControlError('target_unavailable', 'agent 77 is on_call');
    return 'queue' in t ? { queue: t.queue } : { targetUuid: 't-1' };
  }
  async attendedTransfer(agentId: number, t: TransferTarget) {
    this.need('attended', agentId, t);
    return { consultUuid: 'k-1' };
  }
  async completeTransfer(agentId: number) {
    this.need('complete', agentId);
    return { targetUuid: 'k-1' };
  }
  async cancelTransfer(agentId: number) {
    this.need('cancel', agentId);
    return this.snap(agentId);
  }
  async threeWay(agentId: number, t: TransferTarget) {
    this.need('three_way', agentId, t);
    return { conference: 'sb3w-c', thirdUuid: 'x-1' };
  }
  async manualOutbound(agentId: number, number: string) {
    this.calls.push(['outbound', agentId, number]);
    if (this.onCall.has(agentId)) throw new CallControlError('invalid_state', 'already on a call');
    return { agentUuid: 'a-o', customerUuid: 'c-o' };
  }
}

describe('call-control routes', () => {
  let api: TestApi;
  const fake = new FakeControl();
  let agentA: number;
  let agentB: number;
  let tokenB: string;
  const runtime = { engine: {}, legsOfAgent: () => undefined, legsOfCall: () => undefined, onEffect: () => () => undefined } as unknown as AcdRuntimeApi;

  beforeAll(async () => {
    api = await startTestApi();
    const store = acdConfigStoreFor(api.ds, { clock: systemClock, logger: silentLogger });
    agentA = (await store.createAgent({ user_id: api.ids.agent, extension: '1001' })).id;
    const userB = await api.users.create({ username: 'agentb', password: PASSWORDS.agent, role: 'agent' });
    agentB = (await store.createAgent({ user_id: userB.id, extension: '1002', teams: ['red'] })).id;
    tokenB = ((await (await api.login('agentb', PASSWORDS.agent)).json()) as { token: string }).token;
    api.deps.acd = runtime;
    api.deps.acdCallControl = fake;
    const teams = await api.fetch(`/api/v1/supervision/supervisors/${api.ids.supervisor}/teams`, { method: 'PUT', token: api.tokens.admin, json: { teams: ['red'] } });
    expect(teams.status).toBe(200);
  });
  afterAll(() => api.close());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.onCall.clear();
    api.deps.acd = runtime;
  });

  const post = (path: string, token: string, json?: unknown) => api.fetch(path, { method: 'POST', token, ...(json !== undefined ? { json } : {}) });

  test('an agent acts on their own call only', async () => {
    fake.onCall.add(agentA).add(agentB);
    const res = await post('/api/v1/acd/me/call/hold', api.tokens.agent);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agent_id: agentA, held: true });
    expect(fake.calls).toEqual([['hold', agentA, undefined]]);
    // Agent A cannot hang up agent B's call; agent B can hang up their own; a supervisor of B's team too, not of A's.
    expect((await post(`/api/v1/acd/agents/${agentB}/call/hangup`, api.tokens.agent)).status).toBe(403);
    expect(fake.calls).toHaveLength(1);
    expect((await post(`/api/v1/acd/agents/${agentB}/call/hangup`, tokenB)).status).toBe(200);
    expect((await post(`/api/v1/acd/agents/${agentB}/call/hangup`, api.tokens.supervisor)).status).toBe(200);
    expect((await post(`/api/v1/acd/agents/${agentA}/call/hangup`, api.tokens.supervisor)).status).toBe(403);
    expect(fake.calls.slice(1)).toEqual([
      ['hangup', agentB, { force: true }],
      ['hangup', agentB, { force: true }],
    ]);
    expect((await post('/api/v1/acd/agents/999999/call/hangup', api.tokens.admin)).status).toBe(404);
  });

  test('every operation reaches the caller\'s agent with its arguments', async () => {
    fake.onCall.add(agentA);
    const t = api.tokens.agent;
    expect(await (await post('/api/v1/acd/me/call/transfer', t, { target: { agent: agentB } })).json()).toEqual({ target_uuid: 't-1', queue: null, consult_uuid: null });
    expect(await (await post('/api/v1/acd/me/call/transfer', t, { target: { queue: 'billing' }, mode: 'blind' })).json()).toEqual({ target_uuid: null, queue: 'billing', consult_uuid: null });
    expect(await (await post('/api/v1/acd/me/call/transfer', t, { target: { number: '+15551234567' }, mode: 'attended' })).json()).toEqual({ target_uuid: null, queue: null, consult_uuid: 'k-1' });
    expect(await (await post('/api/v1/acd/me/call/transfer/complete', t)).json()).toEqual({ target_uuid: 'k-1' });
    expect((await post('/api/v1/acd/me/call/transfer/cancel', t)).status).toBe(200);
    expect(await (await post('/api/v1/acd/me/call/three-way', t, { target: { agent: agentB } })).json()).toEqual({ conference: 'sb3w-c', third_party_uuid: 'x-1' });
    expect((await post('/api/v1/acd/me/call/unhold', t)).status).toBe(200);
    expect(await (await post('/api/v1/acd/me/call/hangup', t)).json()).toEqual({ killed: [`a-${agentA}`, `c-${agentA}`] });
    expect(await (await api.fetch('/api/v1/acd/me/call', { token: t })).json()).toMatchObject({ call: { agent_id: agentA } });
    expect(fake.calls.map(([op, id, arg]) => [op, id, arg])).toEqual([
      ['blind', agentA, { agent: agentB }],
      ['blind', agentA, { queue: 'billing' }],
      ['attended', agentA, { number: '+15551234567' }],
      ['complete', agentA, undefined],
      ['cancel', agentA, undefined],
      ['three_way', agentA, { agent: agentB }],
      ['unhold', agentA, undefined],
      ['hangup', agentA, undefined],
    ]);
  });

  test('mute and unmute act on the caller\'s own call, are audited, and 409 without a call', async () => {
    const noCall = await post('/api/v1/acd/me/call/mute', api.tokens.agent);
    expect(noCall.status).toBe(409);
    expect((await problemOf(noCall)).detail).toMatch(/no current call/);
    fake.onCall.add(agentA).add(agentB);
    const res = await post('/api/v1/acd/me/call/mute', api.tokens.agent);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ agent_id: agentA, muted: true });
    expect(await (await post('/api/v1/acd/me/call/unmute', tokenB)).json()).toMatchObject({ agent_id: agentB, muted: false });
    expect(await (await api.fetch('/api/v1/acd/me/call', { token: api.tokens.agent })).json()).toMatchObject({ call: { agent_id: agentA, muted: false } });
    expect(fake.calls).toEqual([
      ['mute', agentA, undefined],
      ['mute', agentA, undefined],
      ['unmute', agentB, undefined],
    ]);
    const rows = (await api.ds.query("SELECT action, actor_name, target_id FROM audit_log WHERE action IN ('acd_call.mute', 'acd_call.unmute') ORDER BY id")) as Array<Record<string, unknown>>;
    expect(rows.slice(-2)).toEqual([
      { action: 'acd_call.mute', actor_name: 'agent1', target_id: String(agentA) },
      { action: 'acd_call.unmute', actor_name: 'agentb', target_id: String(agentB) },
    ]);
  });

  test('outbound call', async () => {
    const res = await post('/api/v1/acd/me/outbound', tokenB, { number: '+15551234567' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ agent_uuid: 'a-o', customer_uuid: 'c-o' });
    expect(fake.calls).toEqual([['outbound', agentB, '+15551234567']]);
  });

  test('refusals are problems: no call 409, unavailable target 409, bad bodies 400', async () => {
    const noCall = await post('/api/v1/acd/me/call/hold', api.tokens.agent);
    expect(noCall.status).toBe(409);
    expect((await problemOf(noCall)).detail).toMatch(/no current call/);
    fake.onCall.add(agentA);
    expect((await post('/api/v1/acd/me/call/transfer', api.tokens.agent, { target: { agent: 77 } })).status).toBe(409);
    for (const body of [
      { target: { queue: 'billing' }, mode: 'attended' },
      { target: { agent: 2, number: '1' } },
      { target: { number: '1555\n\nbgapi system' } },
      { target: { number: '${system(id)}' } },
      { target: { queue: 'a,b' } },
      { target: {} },
      { target: { agent: 2 }, mode: 'warm' },
    ]) {
      expect([body, (await post('/api/v1/acd/me/call/transfer', api.tokens.agent, body)).status]).toEqual([body, 400]);
    }
    expect((await post('/api/v1/acd/me/call/three-way', api.tokens.agent, { target: { queue: 'billing' } })).status).toBe(400);
    expect((await post('/api/v1/acd/me/outbound', api.tokens.agent, { number: '1,sofia/gateway/evil/900' })).status).toBe(400);
    expect(fake.calls.map(([op]) => op)).toEqual(['hold', 'blind']);
  });

  test('each action is audited', async () => {
    fake.onCall.add(agentA);
    await post('/api/v1/acd/me/call/transfer', api.tokens.agent, { target: { queue: 'billing' } });
    await post(`/api/v1/acd/agents/${agentA}/call/hangup`, api.tokens.admin);
    const rows = (await api.ds.query("SELECT action, actor_name, target_type, target_id FROM audit_log WHERE action LIKE 'acd_call.%' ORDER BY id")) as Array<Record<string, unknown>>;
    expect(rows.slice(-2)).toEqual([
      { action: 'acd_call.transfer_blind', actor_name: 'agent1', target_type: 'acd_agent', target_id: String(agentA) },
      { action: 'acd_call.force_hangup', actor_name: 'admin1', target_type: 'acd_agent', target_id: String(agentA) },
    ]);
  });

  test('503 when the ACD is not running', async () => {
    api.deps.acd = undefined;
    const res = await post('/api/v1/acd/me/call/hold', api.tokens.agent);
    expect(res.status).toBe(503);
    expect((await post(`/api/v1/acd/agents/${agentA}/call/hangup`, api.tokens.admin)).status).toBe(503);
    expect(fake.calls).toEqual([]);
  });
});
