import { sayFiles } from '../../src/simulator/say';
import { VirtualClock } from '../../src/clock/clock';
import { startSimulator } from '../../src/simulator';

describe('say (mod_say, English)', () => {
  it('turns numbers, digits and durations into the language pack files FreeSWITCH plays', () => {
    expect(sayFiles('en NUMBER pronounced 7')).toEqual(['digits/7.wav']);
    expect(sayFiles('en NUMBER pronounced 42')).toEqual(['digits/40.wav', 'digits/2.wav']);
    expect(sayFiles('en NUMBER pronounced 1215')).toEqual(['digits/1.wav', 'digits/thousand.wav', 'digits/2.wav', 'digits/hundred.wav', 'digits/15.wav']);
    expect(sayFiles('en NUMBER iterated 105')).toEqual(['digits/1.wav', 'digits/0.wav', 'digits/5.wav']);
    expect(sayFiles('en TIME_MEASUREMENT pronounced 150')).toEqual(['digits/2.wav', 'time/minutes.wav', 'digits/30.wav', 'time/seconds.wav']);
    expect(sayFiles('en NUMBER')).toEqual([]);
  });

  it('plays each file with PLAYBACK_START/STOP and completes', async () => {
    const clock = new VirtualClock();
    const sim = await startSimulator({ clock, seed: 2, heartbeatMs: 0, defaultFileMs: 100 });
    try {
      const uuid = sim.injectInboundCall({ from: '1', to: '18005550100' });
      await sim.apiAsync('uuid_answer', uuid);
      expect(await sim.apiAsync('uuid_broadcast', `${uuid} say::en\\sNUMBER\\spronounced\\s42 aleg`)).toMatch(/^\+OK/);
      clock.advance(1000);
      // "forty" and "two": one PLAYBACK_START/STOP pair per file.
      const counts = sim.eventCounters();
      expect(counts.PLAYBACK_START).toBe(2);
      expect(counts.PLAYBACK_STOP).toBe(2);
    } finally {
      await sim.close();
    }
  });
});
