import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parseFreeSwitchNodes } from '../../src/config/config';
import { EslClient } from '../../src/esl/client';
import { SUBSCRIBED_EVENTS } from '../../src/freeswitch/cluster';
import { status, type FsCommand } from '../../src/freeswitch';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import type { EslDirectoryUser } from '../../src/simulator/connection';
import { hdr, RawClient } from '../simulator/helpers';
const REPO = path.resolve(__dirname, '../..');

const SNIPPET = path.join(REPO, 'freeswitch-conf/directory/switchboard-esl.xml');
const ESL_SECRET = 'b9Yc3kQ2vT8rW1xZ';

/** The shipped user's params, as FreeSWITCH reads them from the directory (secrets set as the README says). */
function shippedUser(): { id: string; domain: string; params: EslDirectoryUser } {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(fs.readFileSync(SNIPPET, 'utf8'));
  const domain = doc.include.domain;
  const user = domain.users.user;
  const params: Record<string, string> = {};
  for (const p of user.params.param as Array<{ name: string; value: string }>) params[p.name] = p.value;
  params['esl-password'] = ESL_SECRET;
  return { id: user.id, domain: domain.name, params };
}

/** First word of every command the builders in src/freeswitch make. */
function builderCommands(): Set<string> {
  const names = new Set<string>();
  const dir = path.join(REPO, 'src/freeswitch');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts') && n !== 'command.ts')) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    // The first quoted command word inside each toFsCommand(...) call (after a `mode === 'on' ?` too).
    for (const m of text.matchAll(/toFsCommand\(([^;]*)/g)) {
      const word = /['`]([a-z_]{3,})[ '`]/.exec(m[1]!);
      if (word) names.add(word[1]!);
    }
  }
  return names;
}

/**
 * Builders only `npm run fs:check` and the fault drills use, deliberately left out of the service's login (fsctl can
 * turn API expansion on; `reload` of mod_event_socket and `fsctl shutdown restart` are the ESL-drop drill's cuts).
 */
const CHECK_ONLY = new Set(['fsctl', 'reload']);

let sim: Simulator;
const raws: RawClient[] = [];
const clients: EslClient[] = [];

beforeEach(async () => {
  const u = shippedUser();
  sim = await startSimulator({ eslUsers: { [`${u.id}@${u.domain}`]: u.params }, heartbeatMs: 0 });
});
afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  for (const c of clients.splice(0)) await c.close();
  await sim.close();
});

async function raw(login: string): Promise<RawClient> {
  const c = new RawClient(sim.port);
  raws.push(c);
  await c.waitFor((x) => x.bytes.length > 0);
  c.write(`${login}\n\n`);
  await c.waitFor((x) => x.frames().length >= 2);
  return c;
}

async function send(c: RawClient, cmd: string): Promise<{ type?: string; text?: string; body: string }> {
  const n = c.frames().length;
  c.write(`${cmd}\n\n`);
  await c.waitFor((x) => x.frames().length > n);
  const f = c.frames()[n]!;
  return { type: hdr(f, 'Content-Type'), text: hdr(f, 'Reply-Text'), body: f.body };
}

describe('the shipped ESL directory user', () => {
  it('allows exactly the API commands the builders make (minus check-only ones) and every subscribed event', () => {
    const { params } = shippedUser();
    const api = params['esl-allowed-api']!.split(',');
    const expected = [...builderCommands()].filter((c) => !CHECK_ONLY.has(c));
    expect([...api].sort()).toEqual(expected.sort());
    expect(api).not.toContain('system');
    const events = params['esl-allowed-events']!.split(' ');
    expect(events).toEqual([...SUBSCRIBED_EVENTS]);
    expect(params['esl-allowed-log']).toBe('false');
  });
});

describe('userauth on the simulator (mod_event_socket parse_command)', () => {
  it('logs in with the allowed lists as headers, then refuses `system` over api and bgapi without running it', async () => {
    const { params } = shippedUser();
    const c = await raw(`userauth switchboard@switchboard-esl:${ESL_SECRET}`);
    const reply = c.frames()[1]!;
    expect(reply.headers).toEqual([
      ['Content-Type', 'command/reply'],
      ['Reply-Text', '+OK accepted'],
      ['Allowed-Events', params['esl-allowed-events']!],
      ['Allowed-API', params['esl-allowed-api']!],
      ['Allowed-LOG', 'false'],
    ]);
    expect(await send(c, 'api system echo hi')).toEqual({ type: 'command/reply', text: '-ERR permission denied', body: '' });
    expect(await send(c, 'bgapi system echo hi')).toMatchObject({ type: 'command/reply', text: '-ERR permission denied' });
    // bgapi/expand/eval... wrap another command, which must be allowed too (auth_api_command's "sneaky commands").
    expect(await send(c, 'api bgapi system echo hi')).toMatchObject({ text: '-ERR permission denied' });
    expect(await send(c, 'api fsctl api_expansion on')).toMatchObject({ text: '-ERR permission denied' });
    expect(await send(c, 'log debug')).toMatchObject({ text: '-ERR permission denied' });
    expect(await send(c, 'event plain ALL')).toMatchObject({ text: '-ERR permission denied' });
    expect(await send(c, 'event plain CUSTOM conference::maintenance')).toMatchObject({ text: '-ERR permission denied' });
    expect(sim.systemCommands).toEqual([]);
    const ok = await send(c, 'api module_exists mod_sofia');
    expect(ok).toEqual({ type: 'api/response', text: undefined, body: 'true' });
  });

  it('a socket-password login may run `system` (the simulator records it and runs nothing)', async () => {
    const c = await raw('auth ClueCon');
    expect(await send(c, 'api system echo hi')).toMatchObject({ type: 'api/response' });
    expect(sim.systemCommands).toEqual(['echo hi']);
  });

  it('a wrong esl-password, an unknown user or a missing domain is `-ERR invalid` and the listener ends', async () => {
    for (const login of ['userauth switchboard@switchboard-esl:wrong', 'userauth nobody@switchboard-esl:x', `userauth switchboard:${ESL_SECRET}`]) {
      const c = await raw(login);
      expect(hdr(c.frames()[1]!, 'Reply-Text')).toBe('-ERR invalid');
      await c.waitClosed();
    }
  });

  it('the ESL client logs in with userauth from FREESWITCH_NODES, subscribes, and gets refusals as failed replies', async () => {
    const [node] = parseFreeSwitchNodes(`pbx1=127.0.0.1:${sim.port}:switchboard@switchboard-esl:${ESL_SECRET}`);
    expect(node).toEqual({ name: 'pbx1', host: '127.0.0.1', port: sim.port, user: 'switchboard@switchboard-esl', password: ESL_SECRET });
    const c = new EslClient({ ...node!, logger: silentLogger, events: [...SUBSCRIBED_EVENTS], reconnect: { authFailureDelayMs: 300 } });
    clients.push(c);
    await c.connect();
    expect((await c.api(status())).ok).toBe(true);
    // No builder makes `system`; a forged command shows what the switch answers this login.
    expect(await c.api('system echo hi' as FsCommand)).toEqual({ ok: false, body: '-ERR permission denied' });
    const heartbeat = new Promise<string | undefined>((resolve) => c.on('event', (e) => resolve(e.name)));
    sim.fireHeartbeat();
    expect(await heartbeat).toBe('HEARTBEAT');
    expect(sim.systemCommands).toEqual([]);
  });
});

describe('the userauth credential', () => {
  it('is read from FREESWITCH_NODES only in the user@domain:password form', () => {
    expect(parseFreeSwitchNodes('a=h:8021:s3cr:et,b=h:8022:u@d:p@ss:w')).toEqual([
      { name: 'a', host: 'h', port: 8021, password: 's3cr:et' },
      { name: 'b', host: 'h', port: 8022, user: 'u@d', password: 'p@ss:w' },
    ]);
  });

  it('cannot carry a line break or a second command to the socket', async () => {
    const { userauthCommand } = await import('../../src/esl/wire');
    expect(userauthCommand('u@d', 'pw')).toBe('userauth u@d:pw\n\n');
    expect(() => userauthCommand('u@d', 'pw\n\napi system id')).toThrow();
    expect(() => userauthCommand('u@d\n\napi system id', 'pw')).toThrow();
    expect(() => userauthCommand('u:x@d', 'pw')).toThrow();
  });
});
