/**
 * The IVR runtime's callVariables hook fed by caller profiles: on the simulator, a blocked caller takes the flow's
 * blocked branch (a `variable` condition on profile_blocked), another caller goes to the queue with the profile's
 * variables in the handoff (what the ACD puts in the screen pop and maps to VIP priority), and a failing lookup
 * starts the flow without a profile.
 */
import { systemClock } from '../../src/clock/clock';
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { header } from '../../src/esl/types';
import { IvrRuntime } from '../../src/ivr/runtime/runtime';
import type { QueueHandoff, QueuedCall } from '../../src/ivr/runtime';
import { IvrStore } from '../../src/ivr/store';
import { silentLogger } from '../../src/log/logger';
import { CallerProfiles } from '../../src/profiles';
import { startSimulator, type Simulator } from '../../src/simulator';
import { engines, type TestDatabase } from '../helpers/databases';

const DID = '15550001234';

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

class RecordingHandoff implements QueueHandoff {
  readonly calls: QueuedCall[] = [];
  async handoff(call: QueuedCall): Promise<void> {
    this.calls.push(call);
    call.note('test handoff: hanging up');
  }
}

describe('IVR call variables from caller profiles', () => {
  let sim: Simulator;
  let cluster: FreeSwitchCluster;
  let db: TestDatabase;
  let ivr: IvrRuntime;
  let profiles: CallerProfiles;
  const handoff = new RecordingHandoff();
  const hangupCauses = new Map<string, string>();
  let failLookups = false;
  let holdLookups: { called: () => void; release: Promise<void>; done: () => void } | undefined;

  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, heartbeatMs: 0, stockDialplanWarnings: false });
    cluster = new FreeSwitchCluster([{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
      logger: silentLogger,
      commandTimeoutMs: 5000,
      reconnectMaxMs: 500,
      eventQueueMax: 10_000,
    });
    await cluster.start();
    cluster.onEvent((_node, ev) => {
      const uuid = header(ev, 'Unique-ID');
      if (ev.name === 'CHANNEL_HANGUP_COMPLETE' && uuid) hangupCauses.set(uuid, header(ev, 'Hangup-Cause') ?? '');
    });
    db = await engines.sqlite.open();
    const store = new IvrStore(db.ds, { clock: systemClock, logger: silentLogger });
    await store.load();
    const saved = await store.saveFlow(
      {
        name: 'screened',
        timeZone: 'UTC',
        start: 'screen',
        nodes: {
          screen: { type: 'condition', branches: [{ when: { variable: { name: 'profile_blocked', equals: 'true' } }, next: 'blocked' }], else: 'queue' },
          blocked: { type: 'hangup', cause: 'CALL_REJECTED' },
          queue: { type: 'queue', queue: 'support', priority: 5 },
        },
      },
      { by: 'test' },
    );
    expect(saved.ok).toBe(true);
    await store.putBinding(DID, 'screened', 'test');
    profiles = new CallerProfiles(db.ds, { clock: systemClock, timeoutMs: 1000 });
    await profiles.store.create('+14155550181', { name: 'Mallory', blocked: true }, 'test');
    await profiles.store.create('+14155550182', { name: 'Grace Hopper', vip_level: 4, tags: ['gold', 'fleet'], language: 'en' }, 'test');
    ivr = new IvrRuntime({
      cluster,
      store,
      clock: systemClock,
      logger: silentLogger,
      voicemailDir: '/tmp/sb-profile-vm',
      queueHandoff: handoff,
      callVariables: async (n) => {
        const held = holdLookups;
        if (held) {
          held.called();
          await held.release;
        }
        try {
          return failLookups ? await Promise.reject(new Error('database down')) : await profiles.callVariables(n);
        } finally {
          held?.done();
        }
      },
    });
    await ivr.start();
  });
  afterAll(async () => {
    await ivr?.close();
    await cluster?.close();
    await sim?.close();
    await db?.close();
  });

  const ended = (uuid: string) => waitFor(`the hangup of ${uuid}`, () => hangupCauses.get(uuid));

  it('sends a blocked caller down the blocked branch', async () => {
    const uuid = sim.injectInboundCall({ from: '+14155550181', to: `+${DID}` });
    expect(await ended(uuid)).toBe('CALL_REJECTED');
    expect(handoff.calls.find((c) => c.uuid === uuid)).toBeUndefined();
    expect(ivr.ivrPathFor(uuid)?.some((s) => s.node === 'blocked')).toBe(true);
  });

  it('hands another caller to the queue with the profile variables (screen pop, VIP priority)', async () => {
    const uuid = sim.injectInboundCall({ from: '+14155550182', to: `+${DID}` });
    const call = await waitFor('the handoff', () => handoff.calls.find((c) => c.uuid === uuid));
    expect(call.variables).toMatchObject({ profile_name: 'Grace Hopper', profile_vip: '4', profile_blocked: 'false', profile_tags: 'gold,fleet', profile_language: 'en' });
    expect(call.variables.profile_id).toMatch(/^[0-9]+$/);
  });

  it('gives an unknown caller the no-profile variables, and starts the flow when the lookup fails', async () => {
    const unknown = sim.injectInboundCall({ from: '+14155550183', to: `+${DID}` });
    const call = await waitFor('the handoff', () => handoff.calls.find((c) => c.uuid === unknown));
    expect(call.variables).toMatchObject({ profile_id: '', profile_vip: '0', profile_blocked: 'false' });
    failLookups = true;
    try {
      const uuid = sim.injectInboundCall({ from: '+14155550181', to: `+${DID}` });
      const failed = await waitFor('the handoff', () => handoff.calls.find((c) => c.uuid === uuid));
      expect(failed.variables.profile_blocked).toBeUndefined();
    } finally {
      failLookups = false;
    }
  });

  it('does not start the flow of a caller who hung up while the profile was looked up', async () => {
    let release!: () => void;
    let called!: () => void;
    let done!: () => void;
    const lookupStarted = new Promise<void>((r) => (called = r));
    const lookupDone = new Promise<void>((r) => (done = r));
    holdLookups = { called, done, release: new Promise<void>((r) => (release = r)) };
    const startedBefore = ivr.stats().started;
    try {
      const uuid = sim.injectInboundCall({ from: '+14155550182', to: `+${DID}` });
      await lookupStarted;
      sim.hangup(uuid);
      await ended(uuid);
      release();
      await lookupDone;
      // The runtime's continuation runs right after the lookup settles.
      await new Promise((r) => setImmediate(r));
      expect(ivr.stats().started).toBe(startedBefore);
      expect(handoff.calls.find((c) => c.uuid === uuid)).toBeUndefined();
    } finally {
      holdLookups = undefined;
    }
  });
});
