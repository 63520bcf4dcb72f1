import fs from 'node:fs';
import path from 'node:path';
import {
  ChannelHungUpError,
  EslAuthError,
  EslClient,
  EslClosedError,
  EslCommandError,
  EslDisconnectedError,
  EslTimeoutError,
  type EslClientOptions,
  type EslEvent,
  type EslStatus,
} from '../../src/esl';
import type { AppInvocation, FsCommand } from '../../src/freeswitch/command';
import { silentLogger } from '../../src/log/logger';
import { commandHeader } from '../../src/simulator/command-reader';
import {
  apiResponse,
  FakeEslServer,
  jsonEvent,
  reply,
  RUDE_REJECTION,
  sleep,
  waitFor,
} from './fake-esl-server';
import { TRANSCRIPT_DIR } from './transcripts';

const cmd = (s: string): FsCommand => s as FsCommand;
const app = (name: string, arg: string): AppInvocation => ({ app: name, arg }) as AppInvocation;

let server: FakeEslServer;
const clients: EslClient[] = [];

function client(opts: Partial<EslClientOptions> = {}): EslClient {
  const c = new EslClient({
    host: '127.0.0.1',
    port: server.port,
    password: 'ClueCon',
    logger: silentLogger,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, authFailureDelayMs: 200 },
    ...opts,
  });
  clients.push(c);
  return c;
}

beforeEach(async () => {
  server = await new FakeEslServer().start();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server.close();
});

describe('handshake', () => {
  it('authenticates, subscribes in json, reports statuses and the epoch', async () => {
    const c = client();
    const statuses: EslStatus[] = [];
    c.on('status', (s) => statuses.push(s));
    expect(c.status).toBe('idle');
    await c.connect();
    expect(statuses).toEqual(['connecting', 'authenticating', 'ready']);
    expect(c.connectionEpoch).toBe(1);
    expect(server.last.lines).toEqual(['auth ClueCon', 'event json ALL']);
    expect(c.stats()).toMatchObject({ status: 'ready', connectionEpoch: 1, reconnects: 0, commandsPending: 0 });
    expect(c.stats().connectedAt).toBeGreaterThan(0);
  });

  it('always subscribes the events it needs itself, CUSTOM subclasses last', async () => {
    const c = client({ events: ['CHANNEL_ANSWER', 'sofia::register', 'CUSTOM'] });
    await c.connect();
    expect(server.last.lines[1]).toBe(
      'event json CHANNEL_ANSWER BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE HEARTBEAT CUSTOM sofia::register',
    );
  });

  it('a refused password rejects connect() and retries slowly (no storm)', async () => {
    server.password = 'other';
    const c = client();
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslAuthError);
    expect((err as EslAuthError).reason).toBe('invalid-password');
    expect(c.status).toBe('auth-failed');
    const before = server.connections.length;
    await sleep(1000);
    const attempts = server.connections.length - before;
    // authFailureDelayMs is 200: about 5 attempts in a second, not hundreds.
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(6);
    expect(c.stats().reconnects).toBe(server.connections.length - 1);
    server.password = 'ClueCon';
    await waitFor(() => c.status === 'ready', 1000, 'recovery after the password is fixed');
  });

  it('an ACL rude rejection is an auth failure too', async () => {
    server.greeting = RUDE_REJECTION;
    const c = client();
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslAuthError);
    expect((err as EslAuthError).reason).toBe('rude-rejection');
    expect(c.status).toBe('auth-failed');
  });

  it('a refused connection rejects connect() but keeps retrying with backoff', async () => {
    const port = server.port;
    await server.close();
    const c = new EslClient({ host: '127.0.0.1', port, password: 'x', logger: silentLogger, reconnect: { initialDelayMs: 10, maxDelayMs: 40 } });
    clients.push(c);
    await expect(c.connect()).rejects.toBeInstanceOf(EslDisconnectedError);
    await waitFor(() => c.stats().reconnects >= 3, 2000, 'background retries');
    expect(['reconnecting', 'connecting']).toContain(c.status);
    server = await new FakeEslServer().start(); // for afterEach
  });
});

describe('commands', () => {
  it('api: body and ok flag; -ERR and -USAGE are not ok', async () => {
    const c = client();
    await c.connect();
    server.hook = (conn, command) => {
      const answers: Record<string, string> = { 'api bad': '-ERR bad Command not found!\n', 'api usage': '-USAGE: <uuid>\n' };
      const body = answers[command.command];
      if (body !== undefined) conn.send(apiResponse(body));
      return body !== undefined;
    };
    await expect(c.api(cmd('status'))).resolves.toEqual({ ok: true, body: 'echo:status' });
    await expect(c.api(cmd('bad'))).resolves.toEqual({ ok: false, body: '-ERR bad Command not found!\n' });
    expect((await c.api(cmd('usage'))).ok).toBe(false);
  });

  it('refuses command text that would inject a second ESL command', async () => {
    const c = client();
    await c.connect();
    await expect(c.api(cmd('status\n\nbgapi system rm'))).rejects.toThrow(/CR, LF or NUL/);
    await expect(c.bgapi(cmd('originate x\r\n'))).rejects.toThrow(/CR, LF or NUL/);
    await expect(c.hangup('abc', 'NORMAL_CLEARING\nx')).rejects.toThrow(/hangup cause/);
    await expect(c.execute('a b', app('playback', 'x'))).rejects.toThrow(/uuid/);
    expect(server.last.lines).toEqual(['auth ClueCon', 'event json ALL']);
  });

  it('bgapi: two concurrent jobs answered out of order are matched by our Job-UUID', async () => {
    const c = client();
    await c.connect();
    const jobs: Array<{ uuid: string; command: string }> = [];
    server.hook = (conn, command) => {
      if (!command.command.startsWith('bgapi ')) return false;
      const uuid = commandHeader(command, 'Job-UUID')!;
      conn.send(reply(`+OK Job-UUID: ${uuid}`, `Job-UUID: ${uuid}\n`));
      jobs.push({ uuid, command: command.command });
      if (jobs.length === 2) {
        for (const j of [...jobs].reverse()) {
          conn.send(jsonEvent({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': j.uuid, 'Job-Command': 'originate' }, `+OK ${j.command}\n`));
        }
      }
      return true;
    };
    const [a, b] = await Promise.all([c.bgapi(cmd('originate first')), c.bgapi(cmd('originate second'))]);
    expect(a.body).toBe('+OK bgapi originate first\n');
    expect(b.body).toBe('+OK bgapi originate second\n');
    expect(a.ok && b.ok).toBe(true);
    expect(a.jobUuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.jobUuid).not.toBe(b.jobUuid);
    expect(jobs.map((j) => j.uuid)).toEqual([a.jobUuid, b.jobUuid]);
  });

  it('bgapi: -ERR output is ok:false; a refused bgapi is an EslCommandError', async () => {
    const c = client();
    await c.connect();
    server.hook = (conn, command) => {
      if (!command.command.startsWith('bgapi ')) return false;
      const uuid = commandHeader(command, 'Job-UUID')!;
      if (command.command.includes('refuse')) {
        conn.send(reply('-ERR permission denied'));
        return true;
      }
      conn.send(reply(`+OK Job-UUID: ${uuid}`, `Job-UUID: ${uuid}\n`));
      conn.send(jsonEvent({ 'Event-Name': 'BACKGROUND_JOB', 'Job-UUID': uuid }, '-ERR USER_BUSY\n'));
      return true;
    };
    await expect(c.bgapi(cmd('originate x'))).resolves.toMatchObject({ ok: false, body: '-ERR USER_BUSY\n' });
    await expect(c.bgapi(cmd('refuse'))).rejects.toBeInstanceOf(EslCommandError);
  });

  it('execute: argument in a text/plain body, completion matched by Application-UUID', async () => {
    const c = client();
    await c.connect();
    const arg = '1 1 3 5000 # /sounds/"enter".wav\nsecond line ${not_expanded}';
    let seen: { headers: Record<string, string>; body?: string } | undefined;
    server.hook = (conn, command) => {
      if (!command.command.startsWith('sendmsg ')) return false;
      seen = { headers: Object.fromEntries(command.headers.map(([k, v]) => [k.toLowerCase(), v])), body: command.body };
      const appUuid = commandHeader(command, 'event-uuid')!;
      const base = { 'Unique-ID': 'chan-1', Application: 'play_and_get_digits' };
      conn.send(reply('+OK'));
      conn.send(jsonEvent({ 'Event-Name': 'CHANNEL_EXECUTE', ...base, 'Application-UUID': appUuid }));
      // The dialplan's own run of the same app must not complete ours.
      conn.send(jsonEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', ...base, 'Application-UUID': 'someone-else' }));
      conn.send(
        jsonEvent({
          'Event-Name': 'CHANNEL_EXECUTE_COMPLETE',
          ...base,
          'Application-UUID': appUuid,
          'Application-Response': '_none_',
          variable_digits: '42',
        }),
      );
      return true;
    };
    const done = await c.execute('chan-1', app('play_and_get_digits', arg), { eventLock: true });
    expect(done.headers.variable_digits).toBe('42');
    expect(server.last.lines.at(-1)).toBe('sendmsg chan-1');
    expect(seen!.headers).toMatchObject({
      'call-command': 'execute',
      'execute-app-name': 'play_and_get_digits',
      'event-lock': 'true',
      'content-type': 'text/plain',
      'content-length': String(Buffer.byteLength(arg)),
    });
    expect(seen!.headers['execute-app-arg']).toBeUndefined();
    expect(seen!.headers['event-uuid']).toBe(done.headers['Application-UUID']);
    expect(seen!.body).toBe(arg);
    expect(c.stats().commandsPending).toBe(0);
  });

  it('execute: ends with ChannelHungUpError when the channel hangs up first', async () => {
    const c = client();
    await c.connect();
    server.hook = (conn, command) => {
      if (!command.command.startsWith('sendmsg ')) return false;
      conn.send(reply('+OK'));
      conn.send(jsonEvent({ 'Event-Name': 'CHANNEL_HANGUP', 'Unique-ID': 'other', 'Hangup-Cause': 'X' }));
      setTimeout(() => conn.send(jsonEvent({ 'Event-Name': 'CHANNEL_HANGUP', 'Unique-ID': 'chan-2', 'Hangup-Cause': 'NORMAL_CLEARING' })), 30);
      return true;
    };
    const err = await c.execute('chan-2', app('playback', '/x.wav')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChannelHungUpError);
    expect((err as ChannelHungUpError).hangupCause).toBe('NORMAL_CLEARING');
    expect((err as ChannelHungUpError).uuid).toBe('chan-2');
  });

  it('execute: -ERR invalid session id is an EslCommandError; hangup() sends its cause', async () => {
    const c = client();
    await c.connect();
    server.hook = (conn, command) => {
      if (!command.command.startsWith('sendmsg ')) return false;
      if (command.command === 'sendmsg gone') conn.send(reply('-ERR invalid session id [gone]'));
      else conn.send(reply('+OK'));
      return true;
    };
    await expect(c.execute('gone', app('playback', 'x'))).rejects.toBeInstanceOf(EslCommandError);
    await expect(c.hangup('gone')).rejects.toBeInstanceOf(EslCommandError);
    await c.hangup('chan-3', 'USER_BUSY');
    const last = server.last.commands.at(-1)!;
    expect(commandHeader(last, 'call-command')).toBe('hangup');
    expect(commandHeader(last, 'hangup-cause')).toBe('USER_BUSY');
  });

  it('timeouts: a late reply after a timeout does not shift replies to later commands', async () => {
    const c = client();
    await c.connect();
    server.hook = (conn, command) => {
      if (command.command === 'api slow') {
        setTimeout(() => conn.send(apiResponse('slow-output')), 150);
        return true;
      }
      if (command.command === 'api fast') {
        setTimeout(() => conn.send(apiResponse('fast-output')), 160);
        return true;
      }
      if (command.command.startsWith('sendmsg')) return true; // never answered
      return false;
    };
    const slow = c.api(cmd('slow'), { timeoutMs: 50 });
    await expect(slow).rejects.toBeInstanceOf(EslTimeoutError);
    await expect(c.api(cmd('fast'))).resolves.toEqual({ ok: true, body: 'fast-output' });
    const err = await c.execute('chan', app('park', ''), { timeoutMs: 60 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EslTimeoutError);
    expect((err as Error).message).toBe('execute park timed out after 60 ms');
  });

  it('a disconnect rejects every pending command; commands issued while down wait for the next connection', async () => {
    const c = client();
    await c.connect();
    // The first connection answers nothing after the handshake (commands in progress when the network fails).
    server.hook = (conn, command) => conn.authed && !command.command.startsWith('event') && server.connections.length === 1;
    const pending = [c.api(cmd('a')), c.bgapi(cmd('b')), c.execute('u', app('park', ''))];
    await waitFor(() => server.last.commands.length === 5);
    expect(c.stats().commandsPending).toBe(3);
    server.killAll();
    for (const p of pending) await expect(p).rejects.toBeInstanceOf(EslDisconnectedError);
    expect(['reconnecting', 'connecting', 'authenticating']).toContain(c.status);
    const queued = c.api(cmd('after'));
    await expect(queued).resolves.toEqual({ ok: true, body: 'echo:after' });
    expect(c.connectionEpoch).toBe(2);
    expect(c.stats().reconnects).toBe(1);
  });

  it('the offline queue is bounded and its commands still time out', async () => {
    const c = client({ offlineQueueMax: 2 });
    const a = c.api(cmd('a'), { timeoutMs: 50 });
    const b = c.api(cmd('b'));
    await expect(c.api(cmd('c'))).rejects.toThrow(/offline queue is full/);
    await expect(a).rejects.toBeInstanceOf(EslTimeoutError);
    await c.connect();
    await expect(b).resolves.toEqual({ ok: true, body: 'echo:b' });
    expect(server.last.lines).toEqual(['auth ClueCon', 'event json ALL', 'api b']);
  });
});

describe('reconnect', () => {
  it('re-authenticates, re-subscribes and re-filters after the server kills the socket', async () => {
    const c = client({ events: ['CHANNEL_ANSWER'], filters: [['Unique-ID', 'abc']] });
    const epochs: number[] = [];
    c.on('status', (s) => s === 'ready' && epochs.push(c.connectionEpoch));
    await c.connect();
    await c.subscribe(['DTMF']);
    await c.filter('Caller-Destination-Number', '1000');
    const first = server.last.lines;
    server.killAll();
    await waitFor(() => c.status === 'ready' && c.connectionEpoch === 2);
    const expected = [
      'auth ClueCon',
      'event json CHANNEL_ANSWER DTMF BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE HEARTBEAT',
      'filter Event-Name BACKGROUND_JOB',
      'filter Event-Name HEARTBEAT',
      'filter Unique-ID abc',
      'filter Caller-Destination-Number 1000',
    ];
    expect(server.connections).toHaveLength(2);
    expect(server.last.lines).toEqual(expected);
    expect(first.slice(0, 5)).toEqual([expected[0], expected[1].replace(' DTMF', ''), ...expected.slice(2, 5)]);
    expect(first.slice(5)).toEqual(['event json DTMF', 'filter Caller-Destination-Number 1000']);
    expect(epochs).toEqual([1, 2]);
  });

  it('with filters active, execute() holds a Unique-ID filter for its channel while it waits', async () => {
    const c = client({ filters: [['Unique-ID', 'abc']] });
    await c.connect();
    server.hook = (conn, command) => {
      if (!command.command.startsWith('sendmsg ')) return false;
      conn.send(reply('+OK'));
      const appUuid = commandHeader(command, 'event-uuid')!;
      conn.send(jsonEvent({ 'Event-Name': 'CHANNEL_EXECUTE_COMPLETE', 'Unique-ID': 'xyz', 'Application-UUID': appUuid }));
      return true;
    };
    await c.execute('xyz', app('answer', ''));
    await waitFor(() => server.last.lines.includes('filter delete Unique-ID xyz'));
    expect(server.last.lines.slice(-3)).toEqual(['filter Unique-ID xyz', 'sendmsg xyz', 'filter delete Unique-ID xyz']);
  });

  it('a silent socket (no HEARTBEAT) is declared dead and replaced', async () => {
    const c = client({ heartbeatTimeoutMs: 150 });
    await c.connect();
    await waitFor(() => server.connections.length >= 2 && c.status === 'ready', 2000, 'reconnect after silence');
    expect(c.connectionEpoch).toBeGreaterThanOrEqual(2);
  });

  it('close(): exit is sent, pending commands fail with EslClosedError, no reconnect', async () => {
    const c = client();
    await c.connect();
    server.hook = (_conn, command) => command.command === 'api hang';
    const pending = c.api(cmd('hang'));
    await waitFor(() => server.last.lines.includes('api hang'));
    await c.close();
    await expect(pending).rejects.toBeInstanceOf(EslClosedError);
    expect(server.last.lines.at(-1)).toBe('exit');
    expect(c.status).toBe('closed');
    await expect(c.api(cmd('x'))).rejects.toBeInstanceOf(EslClosedError);
    await sleep(150);
    expect(server.connections).toHaveLength(1);
  });
});

describe('events', () => {
  it('delivers events to "event" listeners and onEvent() by name or subclass; throwing listeners are contained', async () => {
    const c = client();
    const all: string[] = [];
    const named: string[] = [];
    c.on('event', () => {
      throw new Error('listener bug');
    });
    c.on('event', (e) => all.push(e.name));
    c.on('event', async () => Promise.reject(new Error('async bug')));
    const off = c.onEvent('CHANNEL_ANSWER', (e) => named.push(`${e.name}:${e.headers['Unique-ID']}`));
    c.onEvent('sofia::register', (e) => named.push(`${e.subclass}`));
    await c.connect();
    server.last.send(jsonEvent({ 'Event-Name': 'CHANNEL_ANSWER', 'Unique-ID': '1' }));
    server.last.send(jsonEvent({ 'Event-Name': 'CUSTOM', 'Event-Subclass': 'sofia::register' }));
    await waitFor(() => all.length === 2);
    off();
    server.last.send(jsonEvent({ 'Event-Name': 'CHANNEL_ANSWER', 'Unique-ID': '2' }));
    await waitFor(() => all.length === 3);
    expect(all).toEqual(['CHANNEL_ANSWER', 'CUSTOM', 'CHANNEL_ANSWER']);
    expect(named).toEqual(['CHANNEL_ANSWER:1', 'sofia::register']);
    expect(c.status).toBe('ready');
  });

  it('a slow consumer does not block the reader; overflow drops the oldest and is counted', async () => {
    const c = client({ eventQueueMax: 50 });
    const got: number[] = [];
    let overflow = 0;
    c.on('overflow', (n) => (overflow = n));
    c.on('event', (e: EslEvent) => {
      const until = Date.now() + 1;
      while (Date.now() < until) {
        /* a consumer doing slow synchronous work */
      }
      got.push(Number(e.headers.n));
    });
    await c.connect();
    let burst = '';
    for (let i = 0; i < 2000; i++) burst += jsonEvent({ 'Event-Name': 'CHANNEL_STATE', n: String(i) });
    server.last.send(burst);
    await waitFor(() => c.stats().eventsReceived === 2000, 3000, 'all events read off the socket');
    const started = Date.now();
    await expect(c.api(cmd('ping'))).resolves.toEqual({ ok: true, body: 'echo:ping' });
    expect(Date.now() - started).toBeLessThan(500);
    await waitFor(() => c.stats().queueDepth === 0, 5000, 'queue drained');
    const s = c.stats();
    expect(s.eventsDropped).toBeGreaterThan(0);
    expect(overflow).toBe(s.eventsDropped);
    expect(got.length + s.eventsDropped).toBe(2000);
    expect(got.at(-1)).toBe(1999); // the newest survive
    expect([...got].sort((a, b) => a - b)).toEqual(got);
  });

  it('HEARTBEAT fills stats().lastHeartbeat (the captured event)', async () => {
    const c = client();
    await c.connect();
    const raw = fs.readFileSync(path.join(TRANSCRIPT_DIR, 'heartbeat-json.in.raw'), 'utf8');
    const start = raw.indexOf('Content-Length', raw.indexOf('+OK event listener'));
    const end = raw.indexOf('Content-Type: command/reply', start);
    server.last.send(raw.slice(start, end));
    await waitFor(() => c.stats().lastHeartbeat !== undefined);
    expect(c.stats().lastHeartbeat).toEqual({
      at: expect.any(Number),
      sessionCount: 0,
      sessionPerSec: 30,
      idleCpu: 98.266667,
      uptimeMsec: 99556,
      maxSessions: 1000,
    });
  });

  it('log/data frames are emitted as "log"', async () => {
    const c = client();
    const lines: Array<{ level?: number; body: string }> = [];
    c.on('log', (l) => lines.push(l));
    await c.connect();
    server.last.send('Content-Type: log/data\nContent-Length: 6\nLog-Level: 7\nLog-File: x.c\n\nhello\n');
    await waitFor(() => lines.length === 1);
    expect(lines[0]).toMatchObject({ level: 7, body: 'hello\n' });
  });

  it('hostile bytes never crash the client; a broken Content-Length forces a clean reconnect', async () => {
    const c = client();
    await c.connect();
    const junk = Buffer.alloc(20000);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919) % 256;
    server.last.send(junk);
    server.last.send('\n\nContent-Type: text/event-json\nContent-Length: 5\n\n{bad}');
    server.last.send('Content-Type: text/event-plain\nContent-Length: 23\n\nEvent-Name: X\nA: %E9%\n\n');
    server.last.send('Content-Type: text/event-xml\nContent-Length: 7\n\n<event>');
    await expect(c.api(cmd('still'))).resolves.toMatchObject({ ok: true });
    server.last.send('Content-Type: api/response\nContent-Length: nope\n\n');
    await waitFor(() => server.connections.length === 2 && c.status === 'ready', 3000, 'reconnect after protocol error');
    await expect(c.api(cmd('after'))).resolves.toEqual({ ok: true, body: 'echo:after' });
  });
});
