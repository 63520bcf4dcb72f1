import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { VirtualClock } from '../../src/clock/clock';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { DISCONNECT_NOTICE, EslConnection, RUDE_REJECTION, type EslBackend } from '../../src/simulator/connection';
import { SimEvent } from '../../src/simulator/event';
import { authed, command, eventHeader, hdr, RawClient } from './helpers';

describe('Event Socket protocol', () => {
  let clock: VirtualClock;
  let sim: Simulator;
  const clients: RawClient[] = [];
  const open = async (): Promise<RawClient> => {
    const c = await authed(sim);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    clock = new VirtualClock(Date.UTC(2026, 0, 5, 9, 0, 0));
    sim = await startSimulator({ clock, seed: 5, heartbeatMs: 0, softphones: { '1000': { answerDelayMs: 2000 } } });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await sim.close();
  });

  it('before auth only exit works; other commands get -ERR command not found', async () => {
    const c = new RawClient(sim.port);
    clients.push(c);
    await c.waitFor((x) => x.bytes.length > 0);
    expect(c.bytes.toString()).toBe('Content-Type: auth/request\n\n');
    expect(hdr(await command(c, 'api status'), 'Reply-Text')).toBe('-ERR command not found');
    expect(hdr(await command(c, 'event plain ALL'), 'Reply-Text')).toBe('-ERR command not found');
    expect(hdr(await command(c, 'auth ClueCon'), 'Reply-Text')).toBe('+OK accepted');
    c.write('EXIT\n\n');
    await c.waitClosed();
    expect(c.bytes.toString().endsWith('Content-Type: command/reply\nReply-Text: +OK bye\n\n' + DISCONNECT_NOTICE)).toBe(true);
  });

  it('closes an unauthenticated connection after 25 s with the disconnect notice', async () => {
    const c = new RawClient(sim.port);
    clients.push(c);
    await c.waitFor((x) => x.bytes.length > 0);
    clock.advance(24_999);
    await c.settle();
    expect(c.closed).toBe(false);
    clock.advance(1);
    await c.waitClosed();
    expect(c.bytes.toString()).toBe('Content-Type: auth/request\n\n' + DISCONNECT_NOTICE);
  });

  it('matches commands by case-insensitive prefix, like parse_command', async () => {
    const c = await open();
    expect((await command(c, 'API version')).body).toBe('FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n');
    expect(hdr(await command(c, 'eventsXYZ json CHANNEL_CREATE'), 'Reply-Text')).toBe('+OK event listener enabled json');
    expect(hdr(await command(c, 'log'), 'Reply-Text')).toBe('+OK log level  [7]');
    expect(hdr(await command(c, 'log info'), 'Reply-Text')).toBe('+OK log level info [6]');
    expect(hdr(await command(c, 'log bogus'), 'Reply-Text')).toBe('-ERR invalid log level');
    expect(hdr(await command(c, 'nolog'), 'Reply-Text')).toBe('+OK no longer logging');
    expect(hdr(await command(c, 'nolog'), 'Reply-Text')).toBe('-ERR not loging');
    expect(hdr(await command(c, 'linger'), 'Reply-Text')).toBe('-ERR not controlling a session');
    expect(hdr(await command(c, 'nolinger'), 'Reply-Text')).toBe('-ERR not controlling a session');
    expect(hdr(await command(c, 'divert_events on'), 'Reply-Text')).toBe('-ERR not controlling a session.');
    expect(hdr(await command(c, 'resume'), 'Reply-Text')).toBe('-ERR command not found');
    expect(hdr(await command(c, 'event json'), 'Reply-Text')).toBe('-ERR no keywords supplied');
    expect(hdr(await command(c, 'nixevent NOT_AN_EVENT'), 'Reply-Text')).toBe('-ERR no keywords supplied');
    expect(hdr(await command(c, 'filter Unique-ID'), 'Reply-Text')).toBe('-ERR invalid syntax');
    expect(hdr(await command(c, 'filter add Event-Name CHANNEL_ANSWER'), 'Reply-Text')).toBe(
      '+OK filter added. [Event-Name]=[CHANNEL_ANSWER]',
    );
    expect(hdr(await command(c, 'filter delete Event-Name'), 'Reply-Text')).toBe('+OK filter deleted. [Event-Name][]');
    expect(hdr(await command(c, 'noevents'), 'Reply-Text')).toBe('+OK no longer listening for events');
    expect(hdr(await command(c, 'noevents'), 'Reply-Text')).toBe('-ERR not listening for events');
    expect(hdr(await command(c, 'sendmsg 00000000-0000-0000-0000-000000000000'), 'Reply-Text')).toBe(
      '-ERR invalid session id [00000000-0000-0000-0000-000000000000]',
    );
    expect((await command(c, 'api global_getvar no_such_var')).body).toBe('-ERR no reply\n');
    expect((await command(c, 'api uuid_getvar')).body).toBe('-USAGE: <uuid> <var>\n');
  });

  it('bgapi: generated Job-UUID, reply before BACKGROUND_JOB, output in the body', async () => {
    const c = await open();
    await command(c, 'event plain BACKGROUND_JOB');
    const reply = await command(c, 'bgapi version');
    const text = hdr(reply, 'Reply-Text')!;
    const job = hdr(reply, 'Job-UUID')!;
    expect(text).toBe(`+OK Job-UUID: ${job}`);
    await c.waitFor((x) => x.events().some((e) => e.name === 'BACKGROUND_JOB'));
    const ev = c.events().find((e) => e.name === 'BACKGROUND_JOB')!;
    expect(eventHeader(ev, 'Job-UUID')).toBe(job);
    expect(eventHeader(ev, 'Job-Command')).toBe('version');
    expect(ev.headers.some(([k]) => k === 'Job-Command-Arg')).toBe(false);
    expect(ev.body).toBe('FreeSWITCH Version 1.10.12-release~64bit ( 64bit)\n');
    const frames = c.frames();
    const replyIdx = frames.findIndex((f) => hdr(f, 'Job-UUID') === job);
    const eventIdx = frames.findIndex((f) => f.body.includes(`Job-UUID: ${job}`));
    expect(replyIdx).toBeLessThan(eventIdx);
  });

  it('a blocking api (originate) holds its events until after the api/response', async () => {
    const c = await open();
    await command(c, 'event json CHANNEL_CREATE CHANNEL_PROGRESS CHANNEL_ANSWER');
    c.write('api originate user/1000 &park\n\n');
    await c.settle();
    clock.advance(500); // CREATE + PROGRESS happen now, while the api is still running
    await c.settle();
    expect(c.events()).toHaveLength(0);
    clock.advance(2000);
    await c.waitFor((x) => x.events().length >= 3);
    const frames = c.frames().slice(3); // auth/request, +OK accepted, +OK event listener
    expect(hdr(frames[0]!, 'Content-Type')).toBe('api/response');
    expect(frames[0]!.body).toMatch(/^\+OK [0-9a-f-]{36}\n$/);
    expect(c.events().map((e) => e.name)).toEqual(['CHANNEL_CREATE', 'CHANNEL_PROGRESS', 'CHANNEL_ANSWER']);
    await sim.apiAsync('hupall');
    clock.advance(100);
  });

  it('CUSTOM subclasses are delivered only when subscribed; filters support /regex/', async () => {
    const c = await open();
    await command(c, 'event json CUSTOM sofia::register');
    sim.registerSoftphone('1500');
    sim.unregisterSoftphone('1500');
    await c.waitFor((x) => x.events().length >= 1);
    await c.settle();
    expect(c.events().map((e) => `${e.name}/${eventHeader(e, 'Event-Subclass')}`)).toEqual(['CUSTOM/sofia::register']);
    const reg = c.events()[0]!;
    expect(reg.headers[0]![0]).toBe('Event-Subclass');
    expect(eventHeader(reg, 'from-user')).toBe('1500');

    const d = await open();
    await command(d, 'event plain ALL');
    await command(d, 'filter Event-Name /^CHANNEL_(CREATE|PARK)$/');
    const uuid = sim.injectInboundCall({ from: '15550001111', to: '18005550199' });
    await d.waitFor((x) => x.events().length >= 2);
    await d.settle();
    expect(d.events().map((e) => e.name)).toEqual(['CHANNEL_CREATE', 'CHANNEL_PARK']);
    sim.hangup(uuid);
  });

  it('myevents <uuid> limits the connection to one channel', async () => {
    const u1 = sim.injectInboundCall({ from: '15550002222', to: '18005550100' });
    const u2 = sim.injectInboundCall({ from: '15550003333', to: '18005550100' });
    const c = await open();
    expect(hdr(await command(c, `myevents ${u1} json`), 'Reply-Text')).toBe('+OK Events Enabled');
    expect(hdr(await command(c, `getvar switchboard_did`), 'Reply-Text')).toBe('18005550100');
    sim.hangup(u2);
    sim.hangup(u1);
    await c.waitFor((x) => x.events().some((e) => e.name === 'CHANNEL_HANGUP_COMPLETE'));
    await c.settle();
    expect(new Set(c.events().map((e) => eventHeader(e, 'Unique-ID')))).toEqual(new Set([u1]));
    expect(c.events()[0]!.format).toBe('json');
  });

  it('rejects addresses outside the ACL rudely, byte for byte', async () => {
    const guarded = await startSimulator({ clock, acl: ['10.0.0.0/8'], heartbeatMs: 0 });
    try {
      const c = new RawClient(guarded.port);
      await c.waitClosed();
      expect(c.bytes.toString()).toBe(RUDE_REJECTION + DISCONNECT_NOTICE);
      expect(RUDE_REJECTION).toBe('Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n');
    } finally {
      await guarded.close();
    }
    const open2 = await startSimulator({ clock, acl: ['loopback.auto'], heartbeatMs: 0 });
    try {
      const c = new RawClient(open2.port);
      await c.waitFor((x) => x.bytes.length > 0);
      expect(c.bytes.toString()).toBe('Content-Type: auth/request\n\n');
      c.close();
    } finally {
      await open2.close();
    }
  });

  it('dropConnections cuts clients without a notice (for reconnect tests)', async () => {
    const c = await open();
    expect(sim.dropConnections()).toBeGreaterThan(0);
    await c.waitClosed();
    expect(c.bytes.toString()).not.toContain('disconnect-notice');
  });
});

describe('slow consumer', () => {
  /** A socket whose kernel buffer is "full": every write reports backpressure until drained. */
  class StuckSocket extends EventEmitter {
    written: Array<string | Buffer> = [];
    destroyed = false;
    remoteAddress = '127.0.0.1';
    remotePort = 1;
    /** Bytes Node holds for the peer: far above the simulator's 1 MiB slow-reader threshold. */
    writableLength = 8 * 1024 * 1024;
    setNoDelay(): void {}
    // Event frames go out as Buffers, a batch of them in one.
    write(s: string | Buffer): boolean {
      this.written.push(s);
      return false;
    }
    end(): void {}
    destroy(): void {
      this.destroyed = true;
    }
  }

  /** An EslConnection on a fake socket; the default backend knows only the password. */
  const connectionOn = (socket: StuckSocket, backend?: EslBackend, maxQueue = 1000): EslConnection =>
    new EslConnection(socket as unknown as Socket, backend ?? ({ password: 'pw', detach: () => undefined } as unknown as EslBackend), {
      maxQueue,
      maxMissed: 5,
      authTimeoutMs: 60_000,
      setTimer: () => ({ cancel: () => undefined }),
      logger: silentLogger,
    });

  it('queues up to maxQueue events, drops the rest and kills the listener after maxMissed losses', async () => {
    const socket = new StuckSocket();
    const backend = {
      password: 'pw',
      detach: jest.fn(),
    } as unknown as EslBackend;
    const conn = connectionOn(socket, backend, 100);
    conn.start(); // writes auth/request and is now "backpressured"
    socket.emit('data', Buffer.from('auth pw\n\nevent plain ALL\n\n'));
    await new Promise((r) => setImmediate(r));
    const ev = new SimEvent('HEARTBEAT', [['Event-Name', 'HEARTBEAT']]);
    for (let i = 0; i < 100; i++) conn.offer(ev);
    await new Promise((r) => setImmediate(r)); // the flush attempt finds the socket full
    expect(conn.queued).toBe(100);
    expect(socket.destroyed).toBe(false);
    for (let i = 0; i < 6; i++) conn.offer(ev);
    expect(socket.destroyed).toBe(true);
    expect(conn.isClosed).toBe(true);
    expect(backend.detach).toHaveBeenCalled();
  });

  it('reuses a batch Buffer only once the socket has let go of it', async () => {
    /** Records each write as the reference written and as a copy of its bytes at the time. */
    class RecordingSocket extends StuckSocket {
      copies: Buffer[] = [];
      override write(s: string | Buffer): boolean {
        this.written.push(s);
        this.copies.push(Buffer.from(s));
        return true;
      }
    }
    const socket = new RecordingSocket();
    socket.writableLength = 0;
    const conn = connectionOn(socket);
    conn.start();
    socket.emit('data', Buffer.from('auth pw\n\nevent json HEARTBEAT\n\n'));
    await new Promise((r) => setImmediate(r));
    const batches = (): Buffer[] => socket.written.filter((w): w is Buffer => Buffer.isBuffer(w));
    const sendBatch = async (seq: number): Promise<void> => {
      conn.offer(new SimEvent('HEARTBEAT', [['Event-Name', 'HEARTBEAT'], ['Event-Sequence', String(seq)]]));
      await new Promise((r) => setImmediate(r));
    };
    // Written through each time (Node holds nothing): one Buffer serves every batch.
    await sendBatch(1);
    await sendBatch(2);
    const [b1, b2] = batches();
    expect(b2!.buffer).toBe(b1!.buffer);
    // Node still holds the bytes of each write (a partial write): every batch gets a Buffer of its own, left as written.
    socket.writableLength = 100;
    for (let i = 3; i <= 6; i++) await sendBatch(i);
    const held = batches().slice(2);
    expect(new Set(held.map((b) => b.buffer)).size).toBe(held.length);
    // Each batch carried its event when it was written, and the held ones still do.
    const seqs = socket.copies.map((c) => /"Event-Sequence":"(\d+)"/.exec(c.toString())?.[1]);
    expect(seqs.filter(Boolean)).toEqual(['1', '2', '3', '4', '5', '6']);
    const last = socket.written.length - held.length;
    socket.written.slice(last).forEach((w, i) => expect(Buffer.from(w).equals(socket.copies[last + i]!)).toBe(true));
  });

  it("sends a command's reply and the events it fired in one write, the reply first", async () => {
    const socket = new StuckSocket();
    socket.writableLength = 0;
    socket.write = (s: string | Buffer) => {
      socket.written.push(s);
      return true;
    };
    let conn: EslConnection | undefined;
    const backend = {
      password: 'pw',
      detach: () => undefined,
      newUuid: () => 'u-1',
      sendevent: (name: string) => {
        conn!.offer(new SimEvent(name, [['Event-Name', name], ['Event-Sequence', '7']]));
        return 'u-1';
      },
    } as unknown as EslBackend;
    conn = connectionOn(socket, backend);
    conn.start();
    socket.emit('data', Buffer.from('auth pw\n\nevent json CUSTOM\n\n'));
    await new Promise((r) => setImmediate(r));
    const before = socket.written.length;
    socket.emit('data', Buffer.from('sendevent CUSTOM\n\n'));
    await new Promise((r) => setImmediate(r));
    const writes = socket.written.slice(before).map(String);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^Content-Type: command\/reply\nReply-Text: \+OK u-1\n\nContent-Length: \d+\nContent-Type: text\/event-json\n\n\{"Event-Name":"CUSTOM"/);
  });

  it('a reader that catches up gets every queued event in order', async () => {
    const socket = new StuckSocket();
    const conn = connectionOn(socket);
    conn.start();
    socket.emit('data', Buffer.from('auth pw\n\nevent json HEARTBEAT\n\n'));
    await new Promise((r) => setImmediate(r)); // commands run one at a time, off the data callback
    for (let i = 0; i < 10; i++) conn.offer(new SimEvent('HEARTBEAT', [['Event-Name', 'HEARTBEAT'], ['Event-Sequence', String(i)]]));
    expect(conn.queued).toBe(10);
    await new Promise((r) => setImmediate(r));
    expect(conn.queued).toBe(10);
    socket.writableLength = 0;
    socket.write = (s: string | Buffer) => {
      socket.written.push(s);
      return true;
    };
    socket.emit('drain');
    expect(conn.queued).toBe(0);
    const seqs = [...socket.written.map(String).join('').matchAll(/"Event-Sequence":"(\d+)"/g)].map((m) => m[1]);
    expect(seqs).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });
});
