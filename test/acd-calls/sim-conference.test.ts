/**
 * The simulator's FreeSWITCH behaviour that call control relies on: mod_conference rooms, the inline dialplan,
 * `uuid_transfer -both` (CF_REDIRECT: neither leg applies hangup_after_bridge) and `uuid_bridge` of a channel that is
 * already bridged (its old partner ends its bridge, it does not).
 */
import { startSimulator, type Simulator } from '../../src/simulator';
import { waitFor } from './harness';

describe('simulator: conference, inline dialplan, re-bridging', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 3, heartbeatMs: 0, stockDialplanWarnings: false, softphones: { '1001': { answerDelayMs: 20 }, '1002': { answerDelayMs: 20 }, '1003': { answerDelayMs: 20 } } });
    sim.setDidRoute('18005550100', { action: 'park', answer: true });
  });
  afterAll(() => sim.close());
  afterEach(async () => {
    for (const c of sim.channels()) sim.hangup(c.uuid);
    await waitFor('idle', () => sim.channels().length === 0);
  });

  const up = (u: string) => !!sim.rawChannel(u)?.isUp;
  const hears = (u: string) => sim.whoDoesHear(u).sort();

  async function bridged(): Promise<{ caller: string; agent: string }> {
    const caller = sim.injectInboundCall({ from: '15550001', to: '18005550100' });
    await waitFor('parked', () => sim.channel(caller)?.application === 'park');
    const out = await sim.apiAsync('originate', '{origination_uuid=agent-1}user/1001 &park()');
    expect(out).toBe('+OK agent-1\n');
    expect(await sim.apiAsync('uuid_bridge', `${caller} agent-1`)).toBe('+OK agent-1\n');
    await waitFor('bridged', () => sim.whoDoesHear(caller).includes('agent-1'));
    return { caller, agent: 'agent-1' };
  }

  test('uuid_transfer -both into an inline conference keeps both legs; members hear each other', async () => {
    const { caller, agent } = await bridged();
    const before = sim.eventCounters()['CUSTOM:conference::maintenance'] ?? 0;
    expect(await sim.apiAsync('uuid_transfer', `${agent} -both conference:room1@default inline`)).toBe('+OK\n');
    await waitFor('both in the room', () => hears(caller).includes(agent) && hears(agent).includes(caller));
    expect(sim.audioRoutes().filter((r) => r.listener === caller)).toEqual([{ listener: caller, source: agent, kind: 'conference' }]);
    expect(sim.channel(caller)!.variables.conference_name).toBe('room1');
    expect(sim.channel(caller)!.destinationNumber).toBe('conference:room1@default');
    const third = await sim.apiAsync('originate', '{origination_uuid=third-1}user/1002 &conference(room1@default)');
    expect(third).toBe('+OK third-1\n');
    expect(hears(caller)).toEqual([agent, 'third-1'].sort());
    expect(hears('third-1')).toEqual([agent, caller].sort());
    const list = await sim.apiAsync('conference', 'room1 list');
    expect(list.trim().split('\n').map((l) => l.split(';')[2])).toEqual([caller, agent, 'third-1']);
    expect((sim.eventCounters()['CUSTOM:conference::maintenance'] ?? 0) - before).toBe(3);
    // A member leaving: the others stay; alone, the last one hears hold music.
    sim.hangup(agent);
    expect(hears(caller)).toEqual(['third-1']);
    sim.hangup('third-1');
    expect(sim.whoDoesHear(caller)).toEqual(['moh']);
    expect(up(caller)).toBe(true);
  });

  test('endconf and mintwo end the room; kicked members leave their inline extension and hang up', async () => {
    const { caller, agent } = await bridged();
    await sim.apiAsync('uuid_transfer', `${agent} -both conference:room2@default+flags{mintwo} inline`);
    await waitFor('in the room', () => hears(caller).includes(agent));
    sim.hangup(agent);
    await waitFor('caller hung up with the room', () => !up(caller));
    expect(await sim.apiAsync('conference', 'room2 list')).toBe('-ERR Conference room2 not found\n');

    const b = await bridged();
    await sim.apiAsync('uuid_transfer', `${b.agent} -both conference:room3 inline`);
    await waitFor('in the room', () => hears(b.caller).includes(b.agent));
    await sim.apiAsync('originate', '{origination_uuid=boss-1}user/1003 &conference(room3@default+flags{endconf})');
    expect(hears(b.caller)).toEqual([b.agent, 'boss-1'].sort());
    sim.hangup('boss-1');
    await waitFor('everyone out', () => !up(b.caller) && !up(b.agent));
  });

  test('conference kick and hup', async () => {
    const { caller, agent } = await bridged();
    await sim.apiAsync('uuid_transfer', `${agent} -both conference:room4 inline`);
    await waitFor('in the room', () => hears(caller).includes(agent));
    const ids = (await sim.apiAsync('conference', 'room4 list')).trim().split('\n').map((l) => l.split(';')[0]);
    expect(await sim.apiAsync('conference', `room4 hup ${ids[1]}`)).toBe(`+OK hup ${ids[1]}\n`);
    await waitFor('agent hung up', () => !up(agent));
    expect(await sim.apiAsync('conference', 'room4 kick all')).toBe('+OK kick all\n');
    await waitFor('caller out (its inline extension is over)', () => !up(caller));
    expect(await sim.apiAsync('conference', 'room4 kick 1')).toBe('-ERR Conference room4 not found\n');
    expect(await sim.apiAsync('conference', 'list')).toBe('No active conferences.\n');
  });

  test('inline extension of several apps; ^^ changes the separator', async () => {
    const { caller, agent } = await bridged();
    await sim.apiAsync('uuid_transfer', `${caller} ^^;set:x=1,2;playback:local_stream://moh inline`);
    await waitFor('caller on music', () => sim.whoDoesHear(caller).includes('file:local_stream://moh'));
    expect(sim.channel(caller)!.variables.x).toBe('1,2');
    // The agent leg lost its bridge and, with nothing left to run, hung up; the transferred caller did not.
    await waitFor('agent gone', () => !up(agent));
    expect(up(caller)).toBe(true);
  });

  test('uuid_bridge of a bridged channel: it moves, its old partner ends its bridge (supervisor takeover)', async () => {
    const { caller, agent } = await bridged();
    await sim.apiAsync('originate', '{origination_uuid=sup-1}user/1002 &park()');
    expect(await sim.apiAsync('uuid_bridge', `${caller} sup-1`)).toBe('+OK sup-1\n');
    await waitFor('caller with supervisor', () => hears(caller).includes('sup-1') && hears('sup-1').includes(caller));
    await waitFor('old agent leg hung up', () => !up(agent));
    expect(up(caller)).toBe(true);
  });

  test('park_after_bridge keeps a leg whose bridge ended', async () => {
    const { caller, agent } = await bridged();
    await sim.apiAsync('uuid_setvar', `${agent} park_after_bridge true`);
    await sim.apiAsync('uuid_transfer', `${caller} playback:local_stream://moh inline`);
    await waitFor('agent parked', () => sim.channel(agent)?.application === 'park');
    expect(up(agent)).toBe(true);
  });
});
