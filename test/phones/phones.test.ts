/**
 * Dialing people's phones on the simulator as a stock FreeSWITCH 1.10 behaves: the stock `user/` dial-string
 * needs API expansion, `sofia/<profile>/<ext>%<domain>` does not; registrations are followed from sofia's events
 * and re-read from `show registrations as json`.
 */
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { apps, dialSofiaUser, dialUser, globalGetVar, originate, UnsafeValueError } from '../../src/freeswitch';
import { silentLogger } from '../../src/log/logger';
import { PhoneDialConfigError, PhoneEndpoints } from '../../src/phones/phone-endpoints';
import { parseRegistrations, PhoneRegistrations } from '../../src/phones/registrations';
import { directoryDialString } from '../../src/directory/directory-xml';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';

const NODE = 'fs1';

async function withSwitch<T>(opts: SimulatorOptions, fn: (sim: Simulator, cluster: FreeSwitchCluster) => Promise<T>): Promise<T> {
  const sim = await startSimulator({ seed: 3, heartbeatMs: 0, stockDialplanWarnings: false, ...opts });
  const cluster = new FreeSwitchCluster([{ name: NODE, host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
    logger: silentLogger,
    commandTimeoutMs: 5000,
    reconnectMaxMs: 500,
    eventQueueMax: 10_000,
  });
  try {
    return await fn(sim, cluster);
  } finally {
    await cluster.close();
    await sim.close();
  }
}

const until = async (what: string, check: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the simulator dials phones like a stock FreeSWITCH', () => {
  it('user/ with the stock ${sofia_contact()} dial-string: works with api-expansion on, CHAN_NOT_IMPLEMENTED with it off', async () => {
    for (const [apiExpansion, expected] of [
      [true, /^\+OK /],
      [false, /^-ERR CHAN_NOT_IMPLEMENTED/],
    ] as const) {
      await withSwitch({ apiExpansion, softphones: { '1001': { answerDelayMs: 20 } } }, async (sim) => {
        const out = await sim.apiAsync('originate', `${dialUser('1001')} &park()`);
        expect(out).toMatch(expected);
      });
    }
  });

  it('user/ with the service directory dial-string works with api-expansion off', async () => {
    await withSwitch({ apiExpansion: false, directoryDialString: directoryDialString('internal'), softphones: { '1001': { answerDelayMs: 20 } } }, async (sim) => {
      expect(await sim.apiAsync('originate', `${dialUser('1001')} &park()`)).toMatch(/^\+OK /);
      // Not registered: mod_sofia's "Cannot locate registered user".
      expect(await sim.apiAsync('originate', `${dialUser('1009')} &park()`)).toBe('-ERR NO_ROUTE_DESTINATION\n');
    });
  });

  it('sofia/<profile>/<ext>%<domain>: rings the registration; unregistered or another domain -> NO_ROUTE_DESTINATION', async () => {
    await withSwitch({ apiExpansion: false, softphones: { '1001': { answerDelayMs: 20 } } }, async (sim) => {
      expect(await sim.apiAsync('originate', `${dialSofiaUser('internal', '1001', '127.0.0.1')} &park()`)).toMatch(/^\+OK /);
      expect(await sim.apiAsync('originate', `${dialSofiaUser('internal', '1002', '127.0.0.1')} &park()`)).toBe('-ERR NO_ROUTE_DESTINATION\n');
      expect(await sim.apiAsync('originate', `${dialSofiaUser('internal', '1001', 'other.example')} &park()`)).toBe('-ERR NO_ROUTE_DESTINATION\n');
    });
  });

  it('show registrations as json lists the registered phones, {"row_count": 0} when none', async () => {
    await withSwitch({}, async (sim) => {
      expect(await sim.apiAsync('show', 'registrations as json')).toBe('{"row_count": 0}\n');
      sim.registerSoftphone('1001');
      const rows = parseRegistrations(await sim.apiAsync('show', 'registrations as json'));
      expect(rows).toMatchObject([{ user: '1001', realm: '127.0.0.1' }]);
    });
  });
});

describe('PhoneEndpoints', () => {
  it('learns the domain from the node at connection and dials sofia/<profile>/<ext>%<domain>', async () => {
    await withSwitch({ apiExpansion: false, softphones: { '1001': { answerDelayMs: 20 } } }, async (_sim, cluster) => {
      const phones = new PhoneEndpoints({ mode: 'sofia', profile: 'internal' }, cluster);
      await cluster.start();
      await phones.learnDomain(NODE);
      const dial = phones.endpoint('1001', NODE);
      expect(dial).toBe('sofia/internal/1001%127.0.0.1');
      const job = await cluster.client(NODE).bgapi(originate(dial, apps.park(), {}, { timeoutSec: 5 }));
      expect(job.ok).toBe(true);
      phones.close();
    });
  });

  it('SIP_DOMAIN wins; user mode gives user/<ext>[@domain]; bad values are configuration errors', () => {
    expect(new PhoneEndpoints({ mode: 'sofia', profile: 'agents', domain: 'pbx.example.com' }).endpoint('2001', NODE)).toBe('sofia/agents/2001%pbx.example.com');
    expect(new PhoneEndpoints({ mode: 'user', profile: 'internal' }).endpoint('2001', NODE)).toBe('user/2001');
    expect(new PhoneEndpoints({ mode: 'user', profile: 'internal', domain: 'pbx.example.com' }).endpoint('2001', NODE)).toBe('user/2001@pbx.example.com');
    // The fault drills' phones: a loopback leg into the drill context, no domain needed.
    const drill = new PhoneEndpoints({ mode: 'loopback', profile: 'internal', loopbackContext: 'switchboard_drill' });
    expect(drill.endpoint('2001', NODE)).toBe('loopback/2001/switchboard_drill');
    expect(() => drill.endpoint('2001/public', NODE)).toThrow(PhoneDialConfigError);
    const p = new PhoneEndpoints({ mode: 'sofia', profile: 'internal', domain: 'pbx.example.com' });
    for (const hostile of ['1001 &system(id)', '1001,sofia/gateway/evil/900', '${api(system id)}', '1001%evil']) {
      expect(() => p.endpoint(hostile, NODE)).toThrow(PhoneDialConfigError);
    }
    expect(globalGetVar('domain')).toBe('global_getvar domain');
    for (const hostile of ['domain\nbgapi system id', 'domain system', '${x}', '']) expect(() => globalGetVar(hostile)).toThrow(UnsafeValueError);
    // No cluster and no SIP_DOMAIN: a configuration error, not a guess.
    expect(() => new PhoneEndpoints({ mode: 'sofia', profile: 'internal' }).endpoint('2001', NODE)).toThrow(PhoneDialConfigError);
  });
});

describe('PhoneRegistrations', () => {
  it('unknown before the first list, then follows register / unregister events and re-reads at reconnect', async () => {
    await withSwitch({ softphones: { '1001': {} } }, async (sim, cluster) => {
      const regs = new PhoneRegistrations(cluster, silentLogger);
      let changes = 0;
      regs.onChange(() => changes++);
      expect(regs.isRegistered('1001')).toBeUndefined();
      await cluster.start();
      await until('the first list', () => regs.isRegistered('1001') === true);
      expect(regs.isRegistered('1002')).toBe(false);
      sim.registerSoftphone('1002');
      await until('the register event', () => regs.isRegistered('1002') === true);
      sim.unregisterSoftphone('1001');
      await until('the unregister event', () => regs.isRegistered('1001') === false);
      expect(regs.users()).toEqual(['1002']);
      // Missed while disconnected: the list at the next connection repairs it.
      sim.dropConnections();
      sim.registerSoftphone('1001');
      await until('the list after the reconnect', () => regs.isRegistered('1001') === true, 5000);
      expect(changes).toBeGreaterThanOrEqual(4);
      regs.close();
    });
  });
});
