import path from 'node:path';
import { loadConfig } from '../../src/config/config';

describe('DIALPLAN_DIR', () => {
  it('defaults to <DATA_DIR>/dialplans', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/sb' }).dialplan).toEqual({ dir: path.resolve('/var/lib/sb', 'dialplans') });
    expect(loadConfig({}).dialplan.dir).toBe(path.resolve('data', 'dialplans'));
  });

  it('takes DIALPLAN_DIR, resolved to an absolute path', () => {
    expect(loadConfig({ DIALPLAN_DIR: '/etc/freeswitch/dialplan/switchboard' }).dialplan.dir).toBe('/etc/freeswitch/dialplan/switchboard');
    expect(loadConfig({ DIALPLAN_DIR: 'fs/dialplans' }).dialplan.dir).toBe(path.resolve('fs/dialplans'));
  });
});
