import { loadConfig } from '../../src/config/config';

describe('PROMPTS_DIR', () => {
  it('defaults to the folder of a packaged FreeSWITCH and takes another absolute path', () => {
    expect(loadConfig({}).prompts.dir).toBe('/usr/share/freeswitch/sounds/switchboard');
    expect(loadConfig({ PROMPTS_DIR: '/opt/freeswitch/share/sounds/switchboard/' }).prompts.dir).toBe('/opt/freeswitch/share/sounds/switchboard');
    expect(loadConfig({ PROMPTS_DIR: '/srv/our prompts' }).prompts.dir).toBe('/srv/our prompts');
  });

  it.each([['relative', 'sounds/switchboard'], ['a dot-dot segment', '/usr/share/../../etc'], ['CRLF', '/srv/p\r\nevent plain ALL'], ['a ! (file_string separator)', '/srv/a!b'], ['a variable', '/srv/${base_dir}']])(
    'refuses %s',
    (_what, value) => {
      expect(() => loadConfig({ PROMPTS_DIR: value })).toThrow(/PROMPTS_DIR: must/);
    },
  );
});
