import { announcement, announcementFiles, defaultAcdPrompts } from '../../src/acd/runtime/prompts';
import { PROMPTS } from '../../src/prompts/catalog';

const P = '/srv/p';
const prompts = defaultAcdPrompts(P);
const f = (n: string) => `${P}/${n}.wav`;

describe('ACD announcements with the shipped number words (no mod_say)', () => {
  it('position, wait in whole minutes and the callback key, as one file_string:// playback', () => {
    expect(announcement(prompts, { position: 42, ewtSec: 150, callbackKey: '*' })).toEqual([
      {
        app: 'playback',
        arg: `file_string://${[f('acd-you-are-caller'), f('num-40'), f('num-2'), f('acd-estimated-wait'), f('num-3'), f('minutes'), f('acd-press-for-callback'), f('key-star')].join('!')}`,
      },
    ]);
  });

  it('at least one minute, singular; nothing said is nothing played; no callback offer on its own', () => {
    expect(announcement(prompts, { position: null, ewtSec: 5, callbackKey: null })).toEqual([
      { app: 'playback', arg: `file_string://${f('acd-estimated-wait')}!${f('num-1')}!${f('minute')}` },
    ]);
    expect(announcement(prompts, { position: null, ewtSec: null, callbackKey: '1' })).toEqual([]);
    expect(announcement(prompts, { position: 0, ewtSec: -1, callbackKey: null })).toEqual([]);
  });

  it('plays a site prompt that is a stream on its own, the files around it still joined', () => {
    const custom = { ...prompts, position: ['tone_stream://%(200,0,640)', f('acd-you-are-caller')] };
    expect(announcement(custom, { position: 7, ewtSec: null, callbackKey: null })).toEqual([
      { app: 'playback', arg: 'tone_stream://%(200,0,640)' },
      { app: 'playback', arg: `file_string://${f('acd-you-are-caller')}!${f('num-7')}` },
    ]);
  });

  it('lists every file an announcement can play, for the start-up check', () => {
    const files = announcementFiles(prompts);
    for (const p of PROMPTS.filter((x) => x.group === 'number' || x.group === 'acd')) expect(files).toContain(f(p.name));
    expect(files).toContain(f('goodbye'));
  });
});
