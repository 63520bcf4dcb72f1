import { randomUUID } from 'node:crypto';
import { ChannelHungUpError, EslAuthError, EslClient, EslCommandError, type EslClientOptions, type EslEvent } from '../../src/esl';
import type { AppInvocation, FsCommand } from '../../src/freeswitch/command';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { sleep, waitFor } from './fake-esl-server';

/** The client against the project's FreeSWITCH simulator (real sockets, real time, short prompts). */
const cmd = (s: string): FsCommand => s as FsCommand;
const app = (name: string, arg: string): AppInvocation => ({ app: name, arg }) as AppInvocation;

let sim: Simulator;
const clients: EslClient[] = [];

function client(opts: Partial<EslClientOptions> = {}): EslClient {
  const c = new EslClient({
    host: '127.0.0.1',
    port: sim.port,
    password: 'ClueCon',
    logger: silentLogger,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, authFailureDelayMs: 300 },
    ...opts,
  });
  clients.push(c);
  return c;
}

/** Originates a parked loopback call and returns the uuid of its parked (-a) leg. */
async function parkedCall(c: EslClient): Promise<string> {
  const uuid = randomUUID();
  const job = await c.bgapi(cmd(`originate {origination_uuid=${uuid}}loopback/9664 &park`));
  expect(job).toEqual({ ok: true, body: `+OK ${uuid}\n`, jobUuid: expect.any(String) });
  return uuid;
}

beforeEach(async () => {
  sim = await startSimulator({ seed: 3, heartbeatMs: 0, defaultFileMs: 80 });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await sim.close();
});

it('api: status and an unknown command', async () => {
  const c = client();
  await c.connect();
  const status = await c.api(cmd('status'));
  expect(status.ok).toBe(true);
  expect(status.body).toMatch(/^UP /);
  await expect(c.api(cmd('nosuchcmd'))).resolves.toEqual({ ok: false, body: '-ERR nosuchcmd Command not found!\n' });
});

it('bgapi originate resolves with the BACKGROUND_JOB; channel events flow', async () => {
  const c = client();
  const names: string[] = [];
  c.on('event', (e) => names.push(e.name));
  await c.connect();
  const uuid = await parkedCall(c);
  await waitFor(() => names.includes('CHANNEL_PARK'));
  expect(names).toContain('CHANNEL_CREATE');
  expect(sim.channel(uuid)).toBeDefined();
  const failed = await c.bgapi(cmd('originate error/USER_BUSY &park'));
  expect(failed).toMatchObject({ ok: false, body: '-ERR USER_BUSY\n' });
});

it('execute: playback completes by Application-UUID; play_and_get_digits returns the digits variable', async () => {
  const c = client();
  await c.connect();
  const uuid = await parkedCall(c);
  const played = await c.execute(uuid, app('playback', '/tmp/prompt one.wav'));
  expect(played.name).toBe('CHANNEL_EXECUTE_COMPLETE');
  expect(played.headers.Application).toBe('playback');
  expect(played.headers['Application-Data']).toBe('/tmp/prompt one.wav');
  const read = c.execute(uuid, app('play_and_get_digits', '1 4 1 3000 # /tmp/enter.wav /tmp/invalid.wav pin \\d+'));
  await sleep(150);
  sim.pressDigits(uuid, '42#', { intervalMs: 20 });
  const done: EslEvent = await read;
  expect(done.headers.variable_pin).toBe('42');
});

it('execute: a hangup during the app ends the wait with ChannelHungUpError; an unknown uuid is -ERR', async () => {
  const c = client();
  await c.connect();
  const uuid = await parkedCall(c);
  sim.setFileDuration('/tmp/long.wav', 60_000);
  const waiting = c.execute(uuid, app('playback', '/tmp/long.wav'), { timeoutMs: 5000 });
  await sleep(50);
  sim.hangup(uuid, 'NORMAL_CLEARING');
  await expect(waiting).rejects.toBeInstanceOf(ChannelHungUpError);
  await expect(c.execute(randomUUID(), app('playback', 'x'))).rejects.toBeInstanceOf(EslCommandError);
});

it('reconnects after the simulator drops connections, with a new epoch, and keeps working', async () => {
  const c = client({ events: ['CHANNEL_CREATE'], filters: [['Event-Name', 'CHANNEL_CREATE']] });
  await c.connect();
  expect(sim.dropConnections()).toBe(1);
  await waitFor(() => c.connectionEpoch === 2 && c.status === 'ready');
  // Filters are active, yet bgapi still completes: the client let BACKGROUND_JOB through.
  const uuid = await parkedCall(c);
  expect(uuid).toBeDefined();
  const hb: number[] = [];
  c.on('event', (e) => e.name === 'HEARTBEAT' && hb.push(1));
  sim.fireHeartbeat();
  await waitFor(() => c.stats().lastHeartbeat !== undefined);
  expect(c.stats().lastHeartbeat).toMatchObject({ maxSessions: 1000, idleCpu: 98.266667 });
  expect(c.stats().reconnects).toBe(1);
});

it('a wrong password and an ACL rejection are auth failures', async () => {
  await expect(client({ password: 'nope' }).connect()).rejects.toBeInstanceOf(EslAuthError);
  await sim.close();
  sim = await startSimulator({ heartbeatMs: 0, acl: ['10.0.0.0/8'] });
  const err = await client().connect().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(EslAuthError);
  expect((err as EslAuthError).reason).toBe('rude-rejection');
});
