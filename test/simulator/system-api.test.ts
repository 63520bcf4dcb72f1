/**
 * What the event socket protects (README): the ACL and the password keep others out; once logged in, a client can
 * run `system`, whatever vars.switchboard.xml sets (FreeSWITCH 1.10 has no disable_system_api_commands).
 */
import net from 'node:net';
import { EslClient } from '../../src/esl';
import { silentLogger } from '../../src/log/logger';
import { startSimulator } from '../../src/simulator';
import type { FsCommand } from '../../src/freeswitch';

describe('the system API on the simulator, as on FreeSWITCH 1.10', () => {
  it('runs for a client with the password; a wrong password never gets that far', async () => {
    const sim = await startSimulator({ password: 'secret-pw', heartbeatMs: 0 });
    try {
      expect(await sim.apiAsync('system', 'echo hi')).toBe('hi\n');
      const ok = new EslClient({ host: '127.0.0.1', port: sim.port, password: 'secret-pw', logger: silentLogger });
      await ok.connect();
      // A raw command, as any ESL client holding the password may send (the service's builder has no `system`).
      expect((await ok.api('system echo hi' as FsCommand)).body).toBe('hi\n');
      await ok.close();
      const bad = new EslClient({ host: '127.0.0.1', port: sim.port, password: 'wrong', logger: silentLogger });
      await expect(bad.connect()).rejects.toThrow();
      await bad.close();
    } finally {
      await sim.close();
    }
  });

  it('the ACL refuses other addresses before any login', async () => {
    const sim = await startSimulator({ password: 'secret-pw', heartbeatMs: 0, acl: ['10.9.9.9/32'] });
    try {
      const text = await new Promise<string>((resolve) => {
        const s = net.connect(sim.port, '127.0.0.1');
        let buf = '';
        s.on('data', (d) => (buf += d.toString()));
        s.on('close', () => resolve(buf));
        s.on('error', () => resolve(buf));
      });
      expect(text).toContain('rude-rejection');
    } finally {
      await sim.close();
    }
  });
});
