/**
 * The fault drills' switch driver (src/faults/drill-switch.ts) on the simulator, over TCP only as on a real
 * FreeSWITCH: loopback callers into the public context, phones parked by the shipped drill context and answered by
 * the drill, and `reload mod_event_socket` cutting every connection (the drill's own included) and the drill
 * catching up with `show channels` after its reconnect. The shipped drill context and the simulator's agree.
 */
import fs from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { EslClient } from '../../src/esl';
import { header, type EslEvent } from '../../src/esl/types';
import { dialLoopback, fsctlShutdownRestart, originate, reloadModule, apps } from '../../src/freeswitch';
import { DrillSwitch, DRILL_PHONE_CONTEXT, DRILL_PHONE_VAR } from '../../src/faults/drill-switch';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, probe: () => T | undefined | false, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

describe('the drill switch over ESL (simulator)', () => {
  let sim: Simulator;
  let sw: DrillSwitch;
  beforeEach(async () => {
    sim = await startSimulator({ password: 'pw', heartbeatMs: 0 });
    sw = new DrillSwitch({ host: '127.0.0.1', port: sim.port, password: 'pw', logger: silentLogger });
    await sw.connect();
  });
  afterEach(async () => {
    await sw.close();
    await sim.close();
  });

  it('a caller is a loopback pair: the -b leg parked on the DID is the call; hanging up takes both legs down', async () => {
    const b = await sw.call('+14155550100', '18005550100');
    const ch = sim.channel(b)!;
    expect(ch.name).toBe('loopback/18005550100-b');
    expect(ch.variables.switchboard_did).toBe('18005550100');
    expect(ch.variables.switchboard_inbound).toBe('true');
    expect(sw.caller(b)).toEqual({ talking: false });
    expect(sw.created.size).toBe(2);
    await sw.hangUp(b);
    await waitFor('both legs gone', () => sw.channelCount() === 0);
    expect(sim.channels()).toHaveLength(0);
    expect(sw.ended.size).toBe(2);
  });

  it('a phone dialled into the drill context rings, is answered after its delay and hangs up after its talk', async () => {
    sw.addPhone('6001', { answerDelayMs: 100, talkMs: 200 });
    // What the service does for an offer with PHONE_DIAL=loopback.
    const service = new EslClient({ host: '127.0.0.1', port: sim.port, password: 'pw', logger: silentLogger });
    await service.connect();
    try {
      const started = Date.now();
      const job = await service.bgapi(originate(dialLoopback('6001', DRILL_PHONE_CONTEXT), apps.park()), { timeoutMs: 5000 });
      expect(job.ok).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(90);
      expect(sw.phoneCallCount()).toBe(1);
      await waitFor('the phone to hang up', () => sw.channelCount() === 0);
    } finally {
      await service.close();
    }
  });

  it('reload mod_event_socket cuts every connection; the drill reconnects and drops the legs that ended meanwhile', async () => {
    const kept = await sw.call('+14155550101', '18005550101');
    const gone = await sw.call('+14155550102', '18005550102');
    const statuses: string[] = [];
    const other = new EslClient({ host: '127.0.0.1', port: sim.port, password: 'pw', logger: silentLogger, reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    other.on('status', (s) => void statuses.push(s));
    await other.connect();
    try {
      await sw.bgapi(reloadModule('mod_event_socket'));
      await waitFor('the cut', () => statuses.includes('reconnecting'));
      // Ends while nobody listens: the drill must learn it from show channels after its reconnect.
      sim.hangup(gone);
      await waitFor('the reconnects', () => sw.connected() && other.status === 'ready');
      await waitFor('the drill to catch up', () => !sw.caller(gone));
      expect(sw.caller(kept)).toBeDefined();
      expect(sw.ended.has(gone)).toBe(true);
    } finally {
      await other.close();
    }
  });

  it('the simulator refuses to reload modules it does not model', async () => {
    expect(await sim.apiAsync('reload', 'mod_sofia')).toMatch(/^-ERR/);
    expect(await sim.apiAsync('fsctl', 'shutdown')).toMatch(/^-ERR/);
  });

  it('fsctl shutdown restart: every call ends with SYSTEM_SHUTDOWN, connects are refused while it is away, it comes back empty', async () => {
    await sim.close();
    await sw.close();
    sim = await startSimulator({ password: 'pw', heartbeatMs: 0, restartMs: 600 });
    sw = new DrillSwitch({ host: '127.0.0.1', port: sim.port, password: 'pw', logger: silentLogger });
    await sw.connect();
    const caller = await sw.call('+14155550103', '18005550103');
    const causes: string[] = [];
    const other = new EslClient({ host: '127.0.0.1', port: sim.port, password: 'pw', logger: silentLogger, events: ['CHANNEL_HANGUP_COMPLETE'], reconnect: { initialDelayMs: 50, maxDelayMs: 100 } });
    other.on('event', (e: EslEvent) => {
      if (e.name === 'CHANNEL_HANGUP_COMPLETE') causes.push(String(header(e, 'Hangup-Cause')));
    });
    await other.connect();
    try {
      const cutAt = Date.now();
      await sw.bgapi(fsctlShutdownRestart());
      // The calls end before the listeners go: their hangups reach the listeners, with the shutdown cause.
      await waitFor('the hangups', () => causes.length >= 2);
      expect(new Set(causes)).toEqual(new Set(['SYSTEM_SHUTDOWN']));
      await waitFor('the cut', () => other.status === 'reconnecting');
      await waitFor('the switch back and both connected again', () => sw.connected() && other.status === 'ready', 5000);
      expect(Date.now() - cutAt).toBeGreaterThanOrEqual(500);
      expect(sim.restartCount()).toBe(1);
      expect(sim.channels()).toEqual([]);
      await waitFor('the drill to catch up', () => !sw.caller(caller));
      expect(sw.channelCount()).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('freeswitch-conf/dialplan/switchboard_drill.xml', () => {
  it('is the context the simulator models: the destination marked in switchboard_drill_phone, then park', () => {
    const xml = fs.readFileSync(path.resolve(__dirname, '../../freeswitch-conf/dialplan/switchboard_drill.xml'), 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      include: { context: { name: string; extension: { condition: { field: string; expression: string; action: Array<{ application: string; data?: string }> } } } };
    };
    const ctx = doc.include.context;
    expect(ctx.name).toBe(DRILL_PHONE_CONTEXT);
    const cond = ctx.extension.condition;
    expect(cond.field).toBe('destination_number');
    expect(cond.action.map((a) => [a.application, a.data ?? ''])).toEqual([
      ['set', `${DRILL_PHONE_VAR}=$1`],
      ['park', ''],
    ]);
    expect(new RegExp(cond.expression).test('6001')).toBe(true);
  });
});
