/**
 * The simulator's model of eavesdrop, as FreeSWITCH does it (switch_ivr_async.c, mod_dptools.c): DTMF 0/1/2/3 and
 * the whisper variables, checked as who-hears-whom; uuid_recv_dtmf drives the modes as a supervisor's phone would.
 */
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator } from '../../src/simulator';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const sims: Simulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

async function setup(): Promise<{ sim: Simulator; clock: VirtualClock; wait: (cmd: string, args: string) => Promise<string> }> {
  const clock = new VirtualClock(T0);
  const sim = await startSimulator({ clock, seed: 7, heartbeatMs: 0, softphones: { '1001': { answerDelayMs: 100 }, '1901': { answerDelayMs: 100 } } });
  sims.push(sim);
  const wait = async (cmd: string, args: string): Promise<string> => {
    let out: string | undefined;
    sim.api(cmd, args, (o) => (out = o));
    for (let t = 0; out === undefined && t < 60_000; t += 50) clock.advance(50);
    return out!;
  };
  return { sim, clock, wait };
}

describe('eavesdrop on the agent leg', () => {
  it('0 listen, 1 the customer hears, 2 the agent hears, 3 both; uuid_recv_dtmf switches; * ends the eavesdrop', async () => {
    const { sim, wait } = await setup();
    const customer = sim.injectInboundCall({ from: '+14155550100', to: '18005550100' });
    const agent = (await wait('originate', 'user/1001 &park')).slice(4, 40);
    await sim.apiAsync('uuid_bridge', `${customer} ${agent}`);
    const sup = (await wait('originate', `{eavesdrop_enable_dtmf=true}user/1901 &eavesdrop(${agent})`)).slice(4, 40);
    const name = (u: string): string => (u === customer ? 'customer' : u === agent ? 'agent' : 'supervisor');
    const heard = (): string[] =>
      sim
        .audioRoutes()
        .map((r) => `${name(r.listener)}<-${name(r.source)}`)
        .sort();
    const base = ['agent<-customer', 'customer<-agent', 'supervisor<-agent', 'supervisor<-customer'];
    expect(heard()).toEqual(base);
    const key = async (d: string): Promise<string> => sim.apiAsync('uuid_recv_dtmf', `${sup} ${d}`);
    // As FreeSWITCH 1.10.12 answers it.
    expect(await key('2')).toBe(`+OK ${sup} received DTMF 2.\n`);
    expect(heard()).toEqual([...base, 'agent<-supervisor'].sort());
    await key('1');
    expect(heard()).toEqual([...base, 'customer<-supervisor'].sort());
    await key('3');
    expect(heard()).toEqual([...base, 'agent<-supervisor', 'customer<-supervisor'].sort());
    await key('0');
    expect(heard()).toEqual(base);
    expect(await sim.apiAsync('uuid_recv_dtmf', `00000000-0000-0000-0000-000000000000 2`)).toBe('-ERR Cannot locate session!\n');
    expect(await sim.apiAsync('uuid_recv_dtmf', sup)).toMatch(/^-USAGE/);
    // `*` ends the eavesdrop: the originated supervisor leg has nothing left to run.
    await key('*');
    expect(sim.channel(sup)).toBeUndefined();
    expect(heard()).toEqual(['agent<-customer', 'customer<-agent']);
  });

  it('the variables select the start mode: whisper_bleg = the agent hears, whisper_aleg = the customer hears', async () => {
    const { sim, clock, wait } = await setup();
    const customer = sim.injectInboundCall({ from: '+14155550100', to: '18005550100' });
    const agent = (await wait('originate', 'user/1001 &park')).slice(4, 40);
    await sim.apiAsync('uuid_bridge', `${customer} ${agent}`);
    const sup = (await wait('originate', `{eavesdrop_whisper_bleg=true}user/1901 &eavesdrop(${agent})`)).slice(4, 40);
    expect(sim.whoDoesHear(agent).sort()).toEqual([customer, sup].sort());
    expect(sim.whoDoesHear(customer)).toEqual([agent]);
    await sim.apiAsync('uuid_kill', sup);
    clock.advance(500);
    const sup2 = (await wait('originate', `{eavesdrop_whisper_aleg=true}user/1901 &eavesdrop(${agent})`)).slice(4, 40);
    expect(sim.whoDoesHear(customer).sort()).toEqual([agent, sup2].sort());
    expect(sim.whoDoesHear(agent)).toEqual([customer]);
    // eavesdrop_enable_dtmf=false: keys do nothing.
    await sim.apiAsync('uuid_kill', sup2);
    clock.advance(500);
    const sup3 = (await wait('originate', `{eavesdrop_enable_dtmf=false}user/1901 &eavesdrop(${agent})`)).slice(4, 40);
    await sim.apiAsync('uuid_recv_dtmf', `${sup3} 3`);
    expect(sim.whoDoesHear(customer)).toEqual([agent]);
    expect(sim.whoDoesHear(agent)).toEqual([customer]);
  });
});
