/**
 * Which sound files exist on the simulated switch, and what FreeSWITCH 1.10 does with one that does not:
 * switch_ivr_play_file fails to open it before any PLAYBACK_START, `playback` completes with `FILE NOT FOUND`
 * (mod_dptools playback_function), `play_and_get_digits` never waits for digits (switch_ivr_read ends at once) and
 * goes straight to its invalid file, `file_exists` answers false, a file_string:// skips the parts that do not open.
 */
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator';
import type { SimEvent } from '../../src/simulator/event';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const DIR = '/usr/share/freeswitch/sounds/switchboard';
const sims: Simulator[] = [];
afterAll(async () => {
  for (const s of sims) await s.close();
});

async function harness(opts: SimulatorOptions = {}) {
  const clock = new VirtualClock(T0);
  const sim = await startSimulator({ clock, seed: 7, heartbeatMs: 0, ...opts });
  sims.push(sim);
  const events: SimEvent[] = [];
  sim.bus.setTap((e) => events.push(e));
  const call = async (): Promise<string> => {
    const uuid = sim.injectInboundCall({ from: '15551112222', to: '18005550100' });
    await sim.apiAsync('uuid_answer', uuid);
    return uuid;
  };
  const execute = (uuid: string, app: string, data: string, appUuid: string): void => {
    sim.engine.queueMessage(sim.rawChannel(uuid)!, { kind: 'execute', app, data, appUuid });
    clock.advance(20);
  };
  const completed = (appUuid: string) => events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE' && e.get('Application-UUID') === appUuid);
  const of = (uuid: string, name: string) => events.filter((e) => e.get('Unique-ID') === uuid && e.name === name);
  return { sim, clock, events, call, execute, completed, of };
}

describe('sound files on the simulated switch', () => {
  it('by default every file exists and plays (the existing tests and scripts name files they never installed)', async () => {
    const h = await harness({ fileDurations: { 'x.wav': 400 } });
    const uuid = await h.call();
    h.execute(uuid, 'playback', '/anywhere/x.wav', 'pb');
    h.clock.advance(400);
    expect(h.completed('pb')?.get('Application-Response')).toBe('FILE PLAYED');
    expect(await h.sim.apiAsync('file_exists', '/anywhere/x.wav')).toBe('true');
  });

  it('a missing file: EXECUTE then EXECUTE_COMPLETE with FILE NOT FOUND at once, no PLAYBACK events', async () => {
    const h = await harness({ soundFiles: [`${DIR}/welcome.wav`] });
    const uuid = await h.call();
    h.execute(uuid, 'playback', `${DIR}/closed.wav`, 'missing');
    const done = h.completed('missing')!;
    expect(done.get('Application-Response')).toBe('FILE NOT FOUND');
    expect(done.get('variable_current_application_response')).toBe('FILE NOT FOUND');
    expect(done.get('Application-Data')).toBe(`${DIR}/closed.wav`);
    expect(h.of(uuid, 'PLAYBACK_START')).toHaveLength(0);
    expect(h.of(uuid, 'PLAYBACK_STOP')).toHaveLength(0);
    // The installed one plays as before.
    h.sim.setFileDuration(`${DIR}/welcome.wav`, 700);
    h.execute(uuid, 'playback', `${DIR}/welcome.wav`, 'there');
    expect(h.completed('there')).toBeUndefined();
    h.clock.advance(700);
    expect(h.completed('there')?.get('Application-Response')).toBe('FILE PLAYED');
    expect(h.of(uuid, 'PLAYBACK_START').map((e) => e.get('Playback-File-Path'))).toEqual([`${DIR}/welcome.wav`]);
  });

  it('file_exists answers from the model: files, folders ending in /, never a stream', async () => {
    const h = await harness({ soundFiles: [`${DIR}/welcome.wav`, '/srv/pack/'] });
    expect(await h.sim.apiAsync('file_exists', `${DIR}/welcome.wav`)).toBe('true');
    expect(await h.sim.apiAsync('file_exists', `${DIR}/goodbye.wav`)).toBe('false');
    expect(await h.sim.apiAsync('file_exists', '/srv/pack/digits/1.wav')).toBe('true');
    expect(await h.sim.apiAsync('file_exists', 'tone_stream://%(100,0,440)')).toBe('false');
    expect(await h.sim.apiAsync('file_exists', '')).toBe('false');
    h.sim.installSoundFiles([{ path: `${DIR}/goodbye.wav`, durationMs: 900 }]);
    expect(await h.sim.apiAsync('file_exists', `${DIR}/goodbye.wav`)).toBe('true');
  });

  it('streams are generated, never missing', async () => {
    const h = await harness({ soundFiles: [] });
    const uuid = await h.call();
    h.execute(uuid, 'playback', 'silence_stream://300', 'silence');
    h.clock.advance(300);
    expect(h.completed('silence')?.get('Application-Response')).toBe('FILE PLAYED');
  });

  it('play_and_get_digits with a missing prompt returns at once with no digits, whatever its timeout and tries', async () => {
    const h = await harness({ soundFiles: [] });
    const uuid = await h.call();
    h.execute(uuid, 'play_and_get_digits', `1 1 3 5000 none ${DIR}/main-menu.wav silence_stream://200 choice ^[12]$ 2000`, 'menu');
    // Not after its 5 s timeout (three times): at once, before a digit could be pressed.
    const done = h.completed('menu')!;
    expect(done).toBeDefined();
    expect(done.get('variable_choice')).toBeUndefined();
    expect(done.get('variable_read_result')).toBe('failure');
    expect(done.get('Application-Response')).toBe('_none_');
    expect(h.of(uuid, 'PLAYBACK_START')).toHaveLength(0);
    // With the prompt installed the same app waits for the caller.
    h.sim.installSoundFiles([{ path: `${DIR}/main-menu.wav`, durationMs: 1000 }]);
    h.execute(uuid, 'play_and_get_digits', `1 1 3 5000 none ${DIR}/main-menu.wav silence_stream://200 choice ^[12]$ 2000`, 'menu2');
    h.clock.advance(3000);
    expect(h.completed('menu2')).toBeUndefined();
    h.sim.pressDigits(uuid, '2', { intervalMs: 0 });
    expect(h.completed('menu2')?.get('variable_choice')).toBe('2');
  });

  it('file_string:// plays its parts that exist as one playback, and is FILE NOT FOUND only when none does', async () => {
    const h = await harness({ soundFiles: [] });
    h.sim.installSoundFiles([
      { path: `${DIR}/acd-you-are-caller.wav`, durationMs: 1100 },
      { path: `${DIR}/num-3.wav`, durationMs: 500 },
    ]);
    const uuid = await h.call();
    const fs = `file_string://${DIR}/acd-you-are-caller.wav!${DIR}/num-40.wav!${DIR}/num-3.wav`;
    h.execute(uuid, 'playback', fs, 'ann');
    expect(h.of(uuid, 'PLAYBACK_START').map((e) => e.get('Playback-File-Path'))).toEqual([fs]);
    h.clock.advance(1500);
    expect(h.completed('ann')).toBeUndefined();
    h.clock.advance(100);
    expect(h.completed('ann')?.get('Application-Response')).toBe('FILE PLAYED');
    h.execute(uuid, 'playback', `file_string://${DIR}/num-40.wav!${DIR}/num-50.wav`, 'none');
    expect(h.completed('none')?.get('Application-Response')).toBe('FILE NOT FOUND');
  });

  it('say stops at the first language-pack file that is missing (a source install has no digits/*)', async () => {
    const h = await harness({ soundFiles: [] });
    const uuid = await h.call();
    h.execute(uuid, 'say', 'en NUMBER pronounced 42', 'say');
    expect(h.completed('say')).toBeDefined();
    expect(h.of(uuid, 'PLAYBACK_START')).toHaveLength(0);
  });
});
