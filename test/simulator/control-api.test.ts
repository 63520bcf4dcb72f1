import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator } from '../../src/simulator';
import { authed, RawClient } from './helpers';

describe('HTTP control API', () => {
  let sim: Simulator;
  let clock: VirtualClock;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${sim.controlUrl}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: await res.json() };
  };

  beforeAll(async () => {
    clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    sim = await startSimulator({ clock, seed: 3, heartbeatMs: 0, controlHttpPort: 0 });
  });
  afterAll(async () => sim.close());

  it('reports health and the ESL port', async () => {
    expect(sim.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await call('GET', '/health')).json).toEqual({ ok: true, eslPort: sim.port });
  });

  it('injects a call, presses keys, reads channels, hangs up', async () => {
    const { json } = await call('POST', '/calls/inbound', { from: '15551230000', to: '18005550100', fromName: 'Bob' });
    expect(json.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const list = (await call('GET', '/channels')).json;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ uuid: json.uuid, application: 'park', callerIdName: 'Bob', destinationNumber: '18005550100' });
    expect(list[0].variables.switchboard_did).toBe('18005550100');
    expect((await call('POST', `/channels/${json.uuid}/dtmf`, { digits: '12', intervalMs: 0 })).json).toEqual({ ok: true });
    expect((await call('GET', `/channels/${json.uuid}`)).json.uuid).toBe(json.uuid);
    expect((await call('POST', `/channels/${json.uuid}/hangup`, { cause: 'NORMAL_CLEARING' })).json).toEqual({ ok: true });
    expect((await call('GET', '/channels')).json).toEqual([]);
    expect((await call('GET', `/channels/${json.uuid}`)).status).toBe(404);
    expect((await call('GET', '/events/counters')).json.CHANNEL_HANGUP_COMPLETE).toBe(1);
  });

  it('softphones, gateway outcomes, DID routes, api, audio routes, clock', async () => {
    expect((await call('PUT', '/softphones/1000', { answerDelayMs: 300 })).json).toEqual({ ok: true });
    expect((await call('GET', '/softphones')).json[0]).toMatchObject({ ext: '1000', registered: true });
    expect((await call('PUT', '/gateway/numbers/15550001', { outcome: 'busy' })).json).toEqual({ ok: true });
    expect((await call('PUT', '/gateway/numbers/15550001', { outcome: 'nope' })).status).toBe(400);
    expect((await call('PUT', '/dids/18005550999', { action: 'echo' })).json).toEqual({ ok: true });
    const api = call('POST', '/api', { command: 'originate', args: 'user/1000 &park' });
    await new Promise((r) => setTimeout(r, 20));
    expect((await call('POST', '/clock/advance', { ms: 1000 })).json.now).toBe(clock.now());
    const out = (await api).json.output as string;
    expect(out).toMatch(/^\+OK /);
    const agent = out.slice(4, 40);
    const { json } = await call('POST', '/calls/inbound', { from: '1', to: '18005550100' });
    expect((await call('POST', '/api', { command: 'uuid_bridge', args: `${json.uuid} ${agent}` })).json.output).toBe(`+OK ${agent}\n`);
    const routes = (await call('GET', '/audio-routes')).json;
    expect(routes).toEqual(
      expect.arrayContaining([
        { listener: json.uuid, source: agent, kind: 'bridge' },
        { listener: agent, source: json.uuid, kind: 'bridge' },
      ]),
    );
    expect((await call('POST', '/softphones/1000/hangup', {})).json).toEqual({ hungUp: 1 });
    expect((await call('DELETE', '/softphones/1000')).json).toEqual({ ok: true });
    expect((await call('GET', '/recordings')).json).toEqual([]);
    expect((await call('GET', '/nope')).status).toBe(404);
  });

  it('drops ESL connections on request', async () => {
    const c: RawClient = await authed(sim);
    expect((await call('POST', '/connections/drop')).json).toEqual({ dropped: 1 });
    await c.waitClosed();
  });
});
