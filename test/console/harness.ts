/** The service + simulator for browser tests, with users of each role that sign in through the console. */
import { UserService } from '../../src/auth/users';
import type { Role } from '../../src/auth/roles';
import { AcdHarness, ADMIN_PASSWORD } from '../acd-runtime/harness';
import type { TestEngine } from '../helpers/databases';
import type { AcdHarnessOptions } from '../acd-runtime/harness';
import type { SoftphoneBehavior } from '../../src/simulator/types';

export { ADMIN_PASSWORD };
export const USER_PASSWORD = 'console-test-password-1';

export class ConsoleHarness extends AcdHarness {
  constructor(engine: TestEngine, options: AcdHarnessOptions = {}) {
    super(engine, options);
  }

  get url(): string {
    return this.service.url;
  }

  /** A user of `role` with USER_PASSWORD; returns its id. */
  user = async (username: string, role: Role, displayName?: string): Promise<number> => {
    const users = new UserService(this.service.dataSource, { bcryptCost: 4 });
    const u = await users.create({ username, password: USER_PASSWORD, role, display_name: displayName ?? null });
    return u.id;
  };

  /**
   * An agent who signs in through the console: user `username` (USER_PASSWORD), agent row on `ext` serving `queues`,
   * and a registered simulated softphone (manualAnswer: it rings until the test picks it up). Not logged in to the ACD.
   */
  consoleAgent = async (username: string, ext: string, queues: string[], opts: { teams?: string[]; displayName?: string; behavior?: SoftphoneBehavior } = {}): Promise<number> => {
    this.sim.registerSoftphone(ext, opts.behavior ?? { manualAnswer: true });
    const userId = await this.user(username, 'agent', opts.displayName);
    const stored = await this.service.acdConfig.createAgent({ user_id: userId, extension: ext, skills: {}, teams: opts.teams ?? [], queues: queues.map((q) => ({ queue: q, tier: 1 })) });
    return stored.id;
  };
}
