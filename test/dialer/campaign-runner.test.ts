/**
 * CampaignRunner with a stand-in ESL client, on a real database and a virtual clock: what happens to a dial whose
 * originate reply never comes. A timeout on a live connection asks FreeSWITCH whether the channel exists; a lost
 * connection waits for the resync after the reconnect. No call may stay "in flight" for ever, and none may be
 * resolved while its channel still rings.
 */
import type { DataSource } from 'typeorm';
import { VirtualClock } from '../../src/clock/clock';
import { CampaignSchema, type CampaignRow } from '../../src/db/entities/dialer';
import { EslDisconnectedError, EslTimeoutError } from '../../src/esl/errors';
import type { EslClient } from '../../src/esl/client';
import { LeadStore } from '../../src/dialer/leads/store';
import { CampaignRunner, type RunnerDeps } from '../../src/dialer/runtime/campaign-runner';
import { DialerStore } from '../../src/dialer/runtime/dialer-store';
import { silentLogger } from '../../src/log/logger';
import { waitFor } from '../acd-runtime/harness';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('campaign runner: originate replies that never come', (engine) => {
  let db: TestDatabase;
  let ds: DataSource;
  let seq = 0;

  beforeAll(async () => {
    db = await engine.open();
    ds = db.ds;
  });
  afterAll(() => db?.close());

  /** The runner's dependencies around a stand-in client and ACD (no agents other than the ones `acd` reports). */
  const runnerDeps = (clock: VirtualClock, client: EslClient, acd: RunnerDeps['acd'], store: DialerStore): RunnerDeps => ({
    store,
    isDnc: async () => false,
    clock,
    log: silentLogger,
    amdSupport: async () => 'amd',
    acd,
    client: () => client,
    pickNode: () => 'n1',
    gateway: 'carrier',
    callerId: undefined,
    changed: () => undefined,
    resolved: () => undefined,
    agentState: () => undefined,
    dialForAgent: async () => undefined,
  });

  /** A running progressive campaign with one available agent and one lead; the client fails bgapi with `failure`. */
  const setUp = async (failure: Error, channelExists: boolean) => {
    const clock = new VirtualClock(Date.parse('2026-06-01T16:00:00Z'));
    const leads = new LeadStore(ds, () => new Date(clock.now()));
    const row = await leads.createCampaign({ name: `r${++seq}`, type: 'progressive', queue: 'q', timezone: 'UTC', window_start: '00:00', window_end: '23:59' });
    await leads.upsertBatch(row.id, [{ phone_e164: '+14155550100', phone_raw: '4155550100', name: null, fields: {}, time_zones: ['UTC'] }]);
    const commands: string[] = [];
    const client = {
      status: 'ready',
      bgapi: async () => Promise.reject(failure),
      api: async (cmd: string) => {
        commands.push(cmd);
        return { ok: true, body: channelExists ? 'true' : 'false' };
      },
    } as unknown as EslClient;
    const store = new DialerStore(ds);
    const acd = { handoff: async () => undefined, withdraw: async () => false, queueAgents: () => [{ id: 1, state: 'available', since: clock.now() }] };
    const runner = new CampaignRunner((await ds.getRepository(CampaignSchema).findOneByOrFail({ id: row.id })) as CampaignRow, runnerDeps(clock, client, acd, store));
    await runner.start();
    const dial = await waitFor('the dial in the ledger', async () => (await store.ledger({ campaignId: row.id })).find((r) => r.action === 'dial'));
    return { runner, store, campaignId: row.id, uuid: dial.call_uuid!, commands };
  };

  it('a timed-out originate whose channel is gone is resolved as failed', async () => {
    const { runner, store, campaignId, uuid, commands } = await setUp(new EslTimeoutError('bgapi originate', 55_000), false);
    const row = await waitFor('the dial resolved', async () => (await store.ledger({ campaignId })).find((r) => r.outcome !== null));
    expect(row).toMatchObject({ outcome: 'failed', call_uuid: uuid });
    expect(row!.detail).toMatch(/originate timed out and the channel is gone/);
    expect(commands).toEqual([`uuid_exists ${uuid}`]);
    expect(runner.owns(uuid)).toBe(false);
    runner.stop();
  });

  it('a timed-out originate whose channel still exists stays in flight for its events', async () => {
    const { runner, store, campaignId, uuid, commands } = await setUp(new EslTimeoutError('bgapi originate', 55_000), true);
    await waitFor('the existence check', () => commands.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(runner.owns(uuid)).toBe(true);
    expect((await store.ledger({ campaignId }))[0]!.outcome).toBeNull();
    // The channel then disappears in a reconnect: the resync resolves it.
    runner.resync('n1', new Map());
    expect(runner.owns(uuid)).toBe(false);
    await waitFor('the dial resolved', async () => (await store.ledger({ campaignId }))[0]!.outcome === 'failed');
    runner.stop();
  });

  it('an originate lost with the connection waits for the resync, which finds it answered or gone', async () => {
    const { runner, uuid, commands } = await setUp(new EslDisconnectedError('connection lost'), true);
    await new Promise((r) => setTimeout(r, 50));
    expect(commands).toEqual([]); // no check on a dead connection
    expect(runner.owns(uuid)).toBe(true);
    // Still ringing on the switch after the reconnect: nothing to decide yet.
    runner.resync('n1', new Map([[uuid, 'RINGING']]));
    expect(runner.owns(uuid)).toBe(true);
    expect(runner.figures().lines_in_flight).toBe(1);
    runner.stop();
  });

  it('the 2-second rule on the virtual clock: withdrawn at exactly connect_within_ms after the answer, then the abandon message', async () => {
    const clock = new VirtualClock(Date.parse('2026-06-01T16:00:00Z'));
    const leads = new LeadStore(ds, () => new Date(clock.now()));
    const row = await leads.createCampaign({
      name: `r${++seq}`,
      type: 'progressive',
      queue: 'q',
      timezone: 'UTC',
      window_start: '00:00',
      window_end: '23:59',
      settings: JSON.stringify({ amd: 'off', abandon_message: '/sounds/sorry.wav' }),
    });
    await leads.upsertBatch(row.id, [{ phone_e164: '+14155550101', phone_raw: '4155550101', name: null, fields: {}, time_zones: ['UTC'] }]);
    const seen: string[] = [];
    const client = {
      status: 'ready',
      bgapi: async () => ({ ok: true, body: '+OK' }),
      api: async (cmd: string) => {
        seen.push(`api ${cmd.split(' ')[0]}`);
        return { ok: true, body: '+OK' };
      },
      execute: async (_uuid: string, inv: { app: string; arg: string }) => {
        seen.push(`execute ${inv.app} ${inv.arg}`);
        return {};
      },
    } as unknown as EslClient;
    const store = new DialerStore(ds);
    let handedOff = '';
    const acd: RunnerDeps['acd'] = {
      handoff: async (call) => {
        handedOff = call.uuid;
        seen.push(`handoff priority ${call.priority}`);
      },
      withdraw: async () => {
        seen.push(`withdraw at +${clock.now() - answeredAt} ms`);
        return true;
      },
      queueAgents: () => [{ id: 1, state: 'available', since: clock.now() }],
    };
    const runner = new CampaignRunner((await ds.getRepository(CampaignSchema).findOneByOrFail({ id: row.id })) as CampaignRow, runnerDeps(clock, client, acd, store));
    let answeredAt = 0;
    await runner.start();
    await waitFor('the person handed to the queue', () => handedOff !== '');
    answeredAt = clock.now();
    clock.advance(1999);
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.some((x) => x.startsWith('withdraw'))).toBe(false);
    clock.advance(1);
    await waitFor('the abandon message and the hangup', () => seen.includes('api uuid_kill'));
    expect(seen.filter((x) => !x.startsWith('api uuid_exists'))).toEqual(['handoff priority 1000', 'withdraw at +2000 ms', 'execute playback /sounds/sorry.wav', 'api uuid_kill']);
    const [dial] = await waitFor('the ledger row resolved', async () => {
      const rows = await store.ledger({ campaignId: row.id });
      return rows[0]?.outcome ? rows : undefined;
    });
    expect(dial).toMatchObject({ outcome: 'abandoned', call_uuid: handedOff });
    expect(runner.figures()).toMatchObject({ live: 1, abandoned: 1 });
    runner.stop();
  });
});
