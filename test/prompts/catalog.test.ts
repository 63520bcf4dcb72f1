import { apps, fileExists, fileString, mediaPath, UnsafeValueError, uuidRecord } from '../../src/freeswitch';
import { keyPrompt, minutesPrompts, numberFiles, numberPrompts, PROMPTS, promptEntry, promptPath } from '../../src/prompts/catalog';

describe('the prompt catalogue', () => {
  it('names every prompt once, as a file name FreeSWITCH paths accept, with text to say', () => {
    const names = PROMPTS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of PROMPTS) {
      expect(p.name).toMatch(/^[a-z0-9][a-z0-9-]*$/);
      expect(p.text.trim().length).toBeGreaterThan(0);
    }
  });

  it('has the 21 files the flows, the CSAT survey, the ACD and the dialer play', () => {
    const services = PROMPTS.filter((p) => p.group !== 'number').map((p) => p.name).sort();
    expect(services).toHaveLength(21);
    for (const n of ['welcome', 'main-menu', 'acd-you-are-caller', 'acd-estimated-wait', 'dialer-abandon']) expect(services).toContain(n);
  });

  it('builds absolute paths in the configured folder and refuses unknown names', () => {
    expect(promptPath('/srv/sounds', 'welcome')).toBe('/srv/sounds/welcome.wav');
    expect(promptPath('/srv/sounds/', 'num-7')).toBe('/srv/sounds/num-7.wav');
    expect(() => promptEntry('welcom')).toThrow(/no prompt named "welcom"/);
  });
});

describe('numberPrompts: a number as shipped number words (no mod_say, no digits/* sound pack)', () => {
  it.each([
    [0, ['num-0']],
    [7, ['num-7']],
    [13, ['num-13']],
    [20, ['num-20']],
    [42, ['num-40', 'num-2']],
    [100, ['num-1', 'num-hundred']],
    [105, ['num-1', 'num-hundred', 'num-5']],
    [999, ['num-9', 'num-hundred', 'num-90', 'num-9']],
    [1000, ['num-1', 'num-thousand']],
    [1215, ['num-1', 'num-thousand', 'num-2', 'num-hundred', 'num-15']],
    [20_040, ['num-20', 'num-thousand', 'num-40']],
    [1_000_001, ['num-1', 'num-million', 'num-1']],
    [999_999_999, ['num-9', 'num-hundred', 'num-90', 'num-9', 'num-million', 'num-9', 'num-hundred', 'num-90', 'num-9', 'num-thousand', 'num-9', 'num-hundred', 'num-90', 'num-9']],
  ])('%d', (n, words) => {
    expect(numberPrompts(n)).toEqual(words);
  });

  it('only uses words the catalogue ships', () => {
    const used = new Set<string>();
    for (let n = 0; n < 2500; n++) for (const w of numberPrompts(n)) used.add(w);
    for (const w of used) expect(() => promptEntry(w)).not.toThrow();
  });

  it('refuses what it cannot say', () => {
    for (const bad of [-1, 1.5, Number.NaN, Infinity, 1_000_000_000]) expect(() => numberPrompts(bad)).toThrow(RangeError);
  });

  it('says minutes with the right unit, keys by name, and gives the files in a folder', () => {
    expect(minutesPrompts(1)).toEqual(['num-1', 'minute']);
    expect(minutesPrompts(3)).toEqual(['num-3', 'minutes']);
    expect([keyPrompt('1'), keyPrompt('*'), keyPrompt('#')]).toEqual(['num-1', 'key-star', 'key-pound']);
    expect(() => keyPrompt('A')).toThrow(RangeError);
    expect(numberFiles('/p', 21)).toEqual(['/p/num-20.wav', '/p/num-1.wav']);
  });
});

describe('file_string:// and file_exists builders', () => {
  it('joins absolute files with ! and plays them as one playback', () => {
    const m = fileString(['/p/acd-you-are-caller.wav', '/p/num-3.wav']);
    expect(m).toBe('file_string:///p/acd-you-are-caller.wav!/p/num-3.wav');
    expect(apps.playback(m)).toEqual({ app: 'playback', arg: 'file_string:///p/acd-you-are-caller.wav!/p/num-3.wav' });
    expect(mediaPath(m)).toBe(m);
    expect(fileExists('/usr/share/freeswitch/sounds/switchboard/welcome.wav')).toBe('file_exists /usr/share/freeswitch/sounds/switchboard/welcome.wav');
    expect(fileExists('/srv/my sounds/a.wav')).toBe('file_exists /srv/my sounds/a.wav');
  });

  it.each([
    ['no files', []],
    ['a relative part (sound_prefix would be prepended)', ['a.wav']],
    ['a ! inside a part (it would split into two files)', ['/p/a.wav!/etc/passwd']],
    ['a stream as a part', ['local_stream://moh']],
    ['CRLF (a new ESL command)', ['/p/a.wav\r\nevent plain ALL']],
    ['a variable expansion', ['/p/${api(system id)}.wav']],
    ['a .. segment', ['/p/../../etc/passwd']],
    ['129 parts', Array.from({ length: 129 }, () => '/p/a.wav')],
  ])('refuses %s', (_what, parts) => {
    expect(() => fileString(parts)).toThrow(UnsafeValueError);
  });

  it('checks every part of a file_string given as a MediaPath, and never records to one', () => {
    expect(() => mediaPath('file_string:///p/a.wav!relative.wav')).toThrow(UnsafeValueError);
    expect(() => mediaPath('file_string://')).toThrow(UnsafeValueError);
    expect(() => uuidRecord('abc', 'start', fileString(['/p/a.wav']))).toThrow(/only be played/);
  });

  it.each([['tone_stream://%(100,0,440)'], ['relative.wav'], ['/p/a.wav\nevent plain ALL'], ['/p/${x}.wav'], ['file_string:///p/a.wav']])(
    'file_exists refuses %j',
    (p) => {
      expect(() => fileExists(p)).toThrow(UnsafeValueError);
    },
  );
});
