/**
 * The IVR survives an ESL reconnect (real FreeSWITCH: `reload mod_event_socket` mid-call). Before, every caller in
 * a menu was hung up with "menu failed: esl connection lost"; now the node they were in runs again once the socket
 * is back, and a caller who hung up meanwhile is recognised (uuid_exists) instead of being treated as an error.
 */
import type { IvrPathStep } from '../../src/ivr/protocol';
import { AcdHarness, sleep, waitFor } from '../acd-runtime/harness';
import { describeEachEngine } from '../helpers/databases';

const PROMPT = '/usr/share/freeswitch/sounds/switchboard/main-menu.wav';

describeEachEngine('IVR across an ESL reconnect', (engine) => {
  const h = new AcdHarness(engine, { simulator: { fileDurations: { [PROMPT]: 3000 } } });
  beforeAll(() => h.start(), 30_000);
  afterAll(() => h.stop());

  const ivrRow = (uuid: string) =>
    waitFor(`the ivr_calls row of ${uuid}`, async () => {
      await h.service.ivr.flush();
      const rows = (await h.service.dataSource.query('SELECT outcome, detail, path FROM ivr_calls WHERE uuid = ?', [uuid])) as Array<{ outcome: string; detail: string | null; path: string }>;
      return rows[0];
    });
  const started = (uuid: string, app: string, n: number) =>
    waitFor(`${app} #${n}`, () => (h.eventsOf(uuid, 'CHANNEL_EXECUTE').filter((e) => e.app === app).length >= n ? true : undefined));
  /** answer -> a menu with a 3 s greeting (1: hang up) -> hangup; returns its DID. */
  const menuFlow = (name: string) =>
    h.flow(name, 'answer', {
      answer: { type: 'answer', next: 'menu' },
      menu: { type: 'menu', greeting: [{ kind: 'file', path: PROMPT }], options: { '1': 'bye' }, timeoutMs: 8000, maxRetries: 1, onTimeout: 'bye', onInvalid: 'bye' },
      bye: { type: 'hangup' },
    });
  const connected = () => waitFor('the ESL reconnect', () => (h.service.cluster.allConnected() ? true : undefined));

  it('a caller in a menu when the socket drops hears the menu again and goes on with the key they press', async () => {
    const did = await menuFlow('reconnect-menu');
    const uuid = h.sim.injectInboundCall({ from: '+14155550111', to: `+${did}` });
    await started(uuid, 'play_and_get_digits', 1);
    expect(h.sim.dropConnections()).toBeGreaterThan(0);
    await sleep(50);
    await connected();
    await started(uuid, 'play_and_get_digits', 2);
    h.sim.pressDigits(uuid, '1');
    const row = await ivrRow(uuid);
    expect(row.outcome).not.toBe('error');
    const path = (typeof row.path === 'string' ? JSON.parse(row.path) : row.path) as IvrPathStep[];
    expect(path.map((p) => p.event)).toEqual(expect.arrayContaining(['reconnected']));
    expect(path.find((p) => p.node === 'menu' && p.digits === '1')).toBeDefined();
    // In time order.
    for (let i = 1; i < path.length; i++) expect(path[i]!.at).toBeGreaterThanOrEqual(path[i - 1]!.at);
  }, 30_000);

  it('a caller who hangs up while the socket is down is recorded as a caller hangup, not an error', async () => {
    const did = await menuFlow('reconnect-gone');
    const uuid = h.sim.injectInboundCall({ from: '+14155550112', to: `+${did}` });
    await started(uuid, 'play_and_get_digits', 1);
    h.sim.dropConnections();
    h.sim.hangup(uuid);
    await connected();
    const row = await ivrRow(uuid);
    expect(row.outcome).toBe('caller-hangup');
  }, 30_000);

  it('a caller whose queue action is cut before the ACD has them is queued after the reconnect, not hung up', async () => {
    const did = await h.queue('reconnect-q');
    // The first uuid_setvar of the queue action (switchboard_queue) meets the cut: never run, no reply.
    h.sim.dropConnectionsOnNext('uuid_setvar');
    const uuid = h.sim.injectInboundCall({ from: '+14155550113', to: `+${did}` });
    await connected();
    await waitFor('the caller in the queue', () => (h.service.acd.engine.waitingCalls('reconnect-q').some((c) => c.id === uuid) ? true : undefined), 15_000);
    expect(h.sim.channel(uuid)).toBeDefined();
    h.sim.hangup(uuid);
  }, 30_000);
});
