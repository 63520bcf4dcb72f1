/**
 * mod_amd is third-party: a stock FreeSWITCH 1.10 has no `amd` application, and executing it hangs the channel up
 * (Invalid Application, DESTINATION_OUT_OF_ORDER). The simulator behaves so, and the probe tells callers first.
 */
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { NodeCapabilityProbe } from '../../src/freeswitch/capabilities';
import { ChannelHungUpError } from '../../src/esl/errors';
import { apps, dialUser, moduleExists, originate, UnsafeValueError } from '../../src/freeswitch';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, STOCK_MODULES } from '../../src/simulator';

async function probeOf(modules: readonly string[]) {
  const sim = await startSimulator({ seed: 5, heartbeatMs: 0, modules, softphones: { '1001': { answerDelayMs: 20 } } });
  const cluster = new FreeSwitchCluster([{ name: 'fs1', host: '127.0.0.1', port: sim.port, password: 'ClueCon' }], {
    logger: silentLogger,
    commandTimeoutMs: 5000,
    reconnectMaxMs: 500,
    eventQueueMax: 10_000,
  });
  const probe = new NodeCapabilityProbe(cluster, silentLogger);
  await cluster.start();
  const caps = await probe.probe('fs1');
  return { sim, cluster, probe, caps, close: async () => (probe.close(), await cluster.close(), await sim.close()) };
}

describe('node capabilities', () => {
  it('stock build: no mod_amd, beep-only with mod_avmd; `amd` hangs the channel up DESTINATION_OUT_OF_ORDER', async () => {
    const t = await probeOf(STOCK_MODULES);
    try {
      expect(t.caps).toEqual({ amd: 'beep_only', modules: { mod_amd: false, mod_avmd: true } });
      const hangups: string[] = [];
      t.cluster.onEvent((_n, e) => {
        if (e.name === 'CHANNEL_HANGUP') hangups.push(String(e.headers['Hangup-Cause']));
      });
      const job = await t.cluster.client('fs1').bgapi(originate(dialUser('1001'), apps.park()));
      const uuid = job.body.replace('+OK ', '').trim();
      await expect(t.cluster.client('fs1').execute(uuid, apps.amd(), { timeoutMs: 3000 })).rejects.toThrow(ChannelHungUpError);
      for (let i = 0; i < 100 && !hangups.length; i++) await new Promise((r) => setTimeout(r, 10));
      expect(hangups).toContain('DESTINATION_OUT_OF_ORDER');
    } finally {
      await t.close();
    }
  });

  it('with mod_amd installed: amd', async () => {
    const t = await probeOf([...STOCK_MODULES, 'mod_amd']);
    try {
      expect(t.caps?.amd).toBe('amd');
    } finally {
      await t.close();
    }
  });

  it('neither module: none', async () => {
    const t = await probeOf(STOCK_MODULES.filter((m) => m !== 'mod_avmd'));
    try {
      expect(t.caps?.amd).toBe('none');
    } finally {
      await t.close();
    }
  });

  it('module names go through the builder', () => {
    expect(moduleExists('mod_amd')).toBe('module_exists mod_amd');
    for (const bad of ['mod_amd; system id', 'amd', 'mod_AMD', '', 'mod_a\nb']) expect(() => moduleExists(bad)).toThrow(UnsafeValueError);
  });
});
