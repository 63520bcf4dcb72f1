/**
 * The WebSocket audience of a team's alert (src/acd/live.ts publishToSupervisors with a team, as the alert service
 * publishes): admins and the supervisors of that team get it; other supervisors and a supervisor API key do not.
 * An alert of no team reaches every supervisor and admin.
 */
import WebSocket from 'ws';
import { publishToSupervisors } from '../../src/acd/live';
import { engines } from '../helpers/databases';
import { PASSWORD, startAcdTestApi, type AcdTestApi, type TestRuntime } from '../acd-api/helpers';

type Msg = Record<string, unknown> & { type: string };

/** Connects and collects the messages; `until` waits for one. */
async function connect(url: string, protocols: string[]): Promise<{ ws: WebSocket; messages: Msg[]; until(pred: (m: Msg) => boolean): Promise<void> }> {
  const ws = new WebSocket(url, protocols);
  const messages: Msg[] = [];
  ws.on('message', (d) => messages.push(JSON.parse(String(d)) as Msg));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const until = async (pred: (m: Msg) => boolean) => {
    const deadline = Date.now() + 3000;
    while (!messages.some(pred)) {
      if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(messages.map((m) => m.type))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until((m) => m.type === 'hello');
  return { ws, messages, until };
}

describe('team alerts on the WebSocket', () => {
  let api: AcdTestApi;
  let acd: TestRuntime;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    api = await startAcdTestApi(engines.sqlite);
    expect((await api.fetch(`/api/v1/supervision/supervisors/${api.userIds.supervisor1}/teams`, { method: 'PUT', token: api.tokens.admin1, json: { teams: ['red'] } })).status).toBe(200);
    const blue = await api.users.create({ username: 'bluesup', password: PASSWORD, role: 'supervisor' });
    expect((await api.fetch(`/api/v1/supervision/supervisors/${blue.id}/teams`, { method: 'PUT', token: api.tokens.admin1, json: { teams: ['blue'] } })).status).toBe(200);
    acd = await api.startAcd();
  });
  afterAll(async () => {
    for (const s of sockets) s.terminate();
    await api?.close();
  });

  it('reaches admins and the supervisors of the team only', async () => {
    const key = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin1, json: { name: 'wall', role: 'supervisor' } });
    const supKey = ((await key.json()) as { key: string }).key;
    const url = `${api.wsBase}/api/v1/acd/ws`;
    const clients = {
      admin: await connect(url, [`bearer.${api.tokens.admin1}`]),
      red: await connect(url, [`bearer.${api.tokens.supervisor1}`]),
      blue: await connect(url, [`bearer.${await api.login('bluesup')}`]),
      key: await connect(url, [`apikey.${supKey}`]),
    };
    for (const c of Object.values(clients)) sockets.push(c.ws);

    publishToSupervisors(acd, { type: 'alert', event: 'opened', alert: { id: 1, scope: 'team:blue' } }, 'blue');
    // A message for everyone after it: once a client has it, it would have had the first (one socket keeps order).
    publishToSupervisors(acd, { type: 'alert', event: 'opened', alert: { id: 2, scope: 'global' } }, null);
    const got: Record<string, number[]> = {};
    for (const [who, c] of Object.entries(clients)) {
      await c.until((m) => m.type === 'alert' && (m.alert as { id: number }).id === 2);
      got[who] = c.messages.filter((m) => m.type === 'alert').map((m) => (m.alert as { id: number }).id);
    }
    expect(got).toEqual({ admin: [1, 2], red: [2], blue: [1, 2], key: [2] });
  });
});
