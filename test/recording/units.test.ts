/**
 * Recording building blocks without a service: file naming (hostile input), policy resolution, Range parsing, WAV
 * headers, the path checks that keep downloads inside RECORDINGS_DIR, and the simulator's WAV (stereo, masked time
 * written as silence, not cut).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRange } from '../../src/api/routes/recordings';
import { VirtualClock } from '../../src/clock/clock';
import { UnsafeValueError, uuidRecord, uuidSetVar } from '../../src/freeswitch';
import { folderFor, recordingPath, resolvePolicy, resolveRecordingFile, RecordingFileError, wavInfo } from '../../src/recording';
import { startSimulator } from '../../src/simulator';

const HOSTILE = [
  'a\nb',
  'a\r\nbgapi system rm',
  '${system(id)}',
  '../../etc',
  '..',
  '.',
  'x y',
  "it's",
  'a,b',
  '{a=b}',
  'a|b',
  'a\u0000b',
  'a/b',
  '\\x',
  '',
  'x'.repeat(65),
];

describe('recordingPath', () => {
  const at = Date.UTC(2026, 10, 28, 23, 59, 59);

  it('makes <dir>/YYYY/MM/DD/<queue>/<call uuid>.wav in UTC, numbering later recordings of the same call', () => {
    expect(recordingPath('/srv/rec', at, 'sales', 'a1b2c3d4-0000-4000-8000-000000000001')).toBe('/srv/rec/2026/11/28/sales/a1b2c3d4-0000-4000-8000-000000000001.wav');
    expect(recordingPath('/srv/rec/', at, null, 'abc', 2)).toBe('/srv/rec/2026/11/28/direct/abc-2.wav');
  });

  it.each(HOSTILE)('a hostile queue name %j never reaches the path: it becomes "direct"', (q) => {
    const p = recordingPath('/srv/rec', at, q, 'abc');
    expect(p).toBe('/srv/rec/2026/11/28/direct/abc.wav');
    expect(folderFor(q)).toBe('direct');
  });

  it.each(HOSTILE)('a hostile call uuid %j is refused', (u) => {
    expect(() => recordingPath('/srv/rec', at, 'sales', u)).toThrow(UnsafeValueError);
  });

  it('refuses a relative or unsafe directory, a bad format or sequence', () => {
    expect(() => recordingPath('rec', at, 'q', 'abc')).toThrow(/absolute/);
    expect(() => recordingPath('/srv/${x}', at, 'q', 'abc')).toThrow(UnsafeValueError);
    expect(() => recordingPath('/srv/re\nc', at, 'q', 'abc')).toThrow(UnsafeValueError);
    expect(() => recordingPath('/srv/../etc', at, 'q', 'abc')).toThrow(UnsafeValueError);
    expect(() => recordingPath('/srv/rec', at, 'q', 'abc', 0)).toThrow(UnsafeValueError);
    expect(() => recordingPath('/srv/rec', at, 'q', 'abc', 1, 'mp3' as 'wav')).toThrow(UnsafeValueError);
  });

  it('the commands it feeds: RECORD_STEREO and uuid_record with a path holding spaces', () => {
    const p = recordingPath('/srv/call recordings', at, 'sales', 'abc');
    expect(uuidRecord('abc', 'start', p)).toBe("uuid_record abc start '/srv/call recordings/2026/11/28/sales/abc.wav'");
    expect(uuidRecord('abc', 'mask', p)).toBe("uuid_record abc mask '/srv/call recordings/2026/11/28/sales/abc.wav'");
    expect(uuidSetVar('abc', 'RECORD_STEREO', 'true')).toBe('uuid_setvar abc RECORD_STEREO true');
  });
});

describe('resolvePolicy', () => {
  const row = (scope: 'did' | 'queue' | 'campaign', name: string, mode: 'never' | 'always' | 'on_demand', retention = 'standard', stereo = true) => ({
    scope,
    name,
    mode,
    stereo,
    format: 'wav',
    retention_class: retention,
  });

  it('no rule: on demand, stereo, standard', () => {
    expect(resolvePolicy({ rows: [] })).toEqual({ mode: 'on_demand', stereo: true, format: 'wav', retentionClass: 'standard', source: 'default' });
  });

  it("the queue's own recordingPolicy applies when the queue has no policy row", () => {
    expect(resolvePolicy({ queue: 'sales', queueMode: 'always', rows: [] })).toMatchObject({ mode: 'always', source: 'queue-config:sales' });
    expect(resolvePolicy({ queue: 'sales', queueMode: 'never', rows: [] })).toMatchObject({ mode: 'never' });
    expect(resolvePolicy({ queue: 'sales', queueMode: 'never', rows: [row('queue', 'sales', 'on_demand', 'long', false)] })).toEqual({
      mode: 'on_demand',
      stereo: false,
      format: 'wav',
      retentionClass: 'long',
      source: 'queue:sales',
    });
  });

  it('the strictest mode wins; equal modes: the most specific rule gives the settings', () => {
    const rows = [row('did', '18005550100', 'always', 'long'), row('queue', 'sales', 'on_demand', 'short')];
    expect(resolvePolicy({ did: '18005550100', queue: 'sales', rows })).toMatchObject({ mode: 'always', retentionClass: 'long', source: 'did:18005550100' });
    const tie = [row('did', '1', 'always', 'long'), row('queue', 'q', 'always', 'short')];
    expect(resolvePolicy({ did: '1', queue: 'q', rows: tie })).toMatchObject({ retentionClass: 'short', source: 'queue:q' });
    expect(resolvePolicy({ did: '1', queue: 'q', campaign: 'c', rows: [...tie, row('campaign', 'c', 'always', 'x')] })).toMatchObject({ source: 'campaign:c' });
    // Rules for other names do not apply.
    expect(resolvePolicy({ did: '2', queue: 'other', rows: tie })).toMatchObject({ mode: 'on_demand', source: 'default' });
  });
});

describe('parseRange', () => {
  it('reads single byte ranges, suffixes and open ends; ignores what is not one range', () => {
    expect(parseRange(undefined, 100)).toBeUndefined();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-1000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(parseRange('items=0-1', 100)).toBeUndefined();
    expect(parseRange('bytes=9-3', 100)).toBeUndefined();
    expect(parseRange('bytes=-', 100)).toBeUndefined();
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
  });
});

describe('resolveRecordingFile: only files inside RECORDINGS_DIR, after realpath', () => {
  let dir: string;
  let outside: string;
  beforeAll(() => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-rec-files-'));
    dir = path.join(root, 'recordings');
    outside = path.join(root, 'secret.txt');
    fs.mkdirSync(path.join(dir, '2026'), { recursive: true });
    fs.writeFileSync(path.join(dir, '2026', 'ok.wav'), 'x');
    fs.writeFileSync(outside, 'secret');
    fs.symlinkSync(outside, path.join(dir, '2026', 'link.wav'));
    fs.symlinkSync(path.dirname(outside), path.join(dir, 'up'));
  });

  it('accepts a file inside', async () => {
    await expect(resolveRecordingFile(dir, path.join(dir, '2026', 'ok.wav'))).resolves.toBe(fs.realpathSync(path.join(dir, '2026', 'ok.wav')));
  });

  it.each([
    ['a file outside', () => outside],
    ['a .. walk', () => `${dir}/2026/../../secret.txt`],
    ['a relative path', () => 'secret.txt'],
    ['the directory itself', () => dir],
    ['a symlink leading out', () => path.join(dir, '2026', 'link.wav')],
    ['a symlinked folder leading out', () => path.join(dir, 'up', 'secret.txt')],
    ['a NUL byte', () => `${dir}/2026/ok.wav\u0000.txt`],
    ['/etc/passwd', () => '/etc/passwd'],
  ])('refuses %s', async (_what, file) => {
    const err = await resolveRecordingFile(dir, file()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingFileError);
    expect((err as RecordingFileError).problem).toBe('outside');
  });

  it('reports a missing file as missing', async () => {
    const err = (await resolveRecordingFile(dir, path.join(dir, 'nope.wav')).catch((e: unknown) => e)) as RecordingFileError;
    expect(err.problem).toBe('missing');
  });
});

describe('the simulator writes the WAV FreeSWITCH would', () => {
  it('stereo per RECORD_STEREO, 8 kHz 16-bit, masked time left out (as the real capture shows) with a silence marker, caller and agent on separate channels', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
    const sim = await startSimulator({ clock, seed: 1, heartbeatMs: 0 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-rec-sim-'));
    try {
      const uuid = sim.injectInboundCall({ from: '1', to: '18005550100' });
      await sim.apiAsync('uuid_answer', uuid);
      expect(await sim.apiAsync('uuid_setvar', `${uuid} RECORD_STEREO true`)).toBe('+OK\n');
      const file = path.join(dir, 'a', 'b.wav');
      expect(await sim.apiAsync('uuid_record', `${uuid} start ${file}`)).toBe('+OK Success\n');
      clock.advance(1000);
      await sim.apiAsync('uuid_record', `${uuid} mask ${file}`);
      clock.advance(500);
      await sim.apiAsync('uuid_record', `${uuid} unmask ${file}`);
      clock.advance(500);
      await sim.apiAsync('uuid_record', `${uuid} stop ${file}`);
      const wav = fs.readFileSync(file);
      const info = wavInfo(wav)!;
      expect(info).toEqual({ channels: 2, sampleRate: 8000, bitsPerSample: 16, dataBytes: 1500 * 32, durationMs: 1500 });
      expect(wav.length).toBe(44 + 1500 * 32);
      const channel = (fromMs: number, toMs: number, ch: 0 | 1) => {
        const out: number[] = [];
        for (let i = fromMs * 8; i < toMs * 8; i++) out.push(wav.readInt16LE(44 + i * 4 + ch * 2));
        return out;
      };
      // Where the mask was (1.000 s of the file): a 20 ms silence marker on both channels; a tone elsewhere,
      // different on the two channels.
      expect(channel(1000, 1020, 0).every((v) => v === 0)).toBe(true);
      expect(channel(1000, 1020, 1).every((v) => v === 0)).toBe(true);
      expect(channel(0, 100, 0).some((v) => v !== 0)).toBe(true);
      expect(channel(1100, 1200, 1).some((v) => v !== 0)).toBe(true);
      expect(channel(0, 100, 0)).not.toEqual(channel(0, 100, 1));
      const rec = sim.recordings().find((r) => r.path === file)!;
      expect(rec).toMatchObject({ stereo: true, recordedMs: 1500, masks: [{ fromMs: 1000, toMs: 1500 }] });
    } finally {
      await sim.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
