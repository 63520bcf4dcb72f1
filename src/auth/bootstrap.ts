import type { DataSource } from 'typeorm';
import type { Clock } from '../clock/clock';
import { recordAudit } from '../db/audit';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { UserService } from './users';

export type BootstrapResult = 'created' | 'exists' | 'skipped';

export interface BootstrapOptions {
  logger?: Logger;
  clock?: Clock;
  bcryptCost?: number;
}

/**
 * Creates the first admin from config (ADMIN_USERNAME / ADMIN_PASSWORD) when no enabled admin exists. There is no
 * built-in default: without those settings nothing is created and a warning says how to make one. Once any
 * enabled admin exists the settings are ignored (they never reset a password).
 */
export async function ensureBootstrapAdmin(
  ds: DataSource,
  bootstrap: { username: string; password: string } | undefined,
  options: BootstrapOptions = {},
): Promise<BootstrapResult> {
  const logger = options.logger ?? silentLogger;
  const users = new UserService(ds, { clock: options.clock, bcryptCost: options.bcryptCost });
  if ((await users.countActiveAdmins()) > 0) return 'exists';
  if (!bootstrap) {
    logger.warn(
      'no enabled admin user exists: set ADMIN_USERNAME and ADMIN_PASSWORD, or run `npx tsx scripts/create-admin.ts --username NAME`',
    );
    return 'skipped';
  }
  const existing = await users.findByUsername(bootstrap.username);
  if (existing) {
    logger.warn('no enabled admin exists, and ADMIN_USERNAME names an existing non-admin or disabled user: left unchanged; use scripts/create-admin.ts --reset', {
      username: existing.username,
    });
    return 'skipped';
  }
  const user = await users.create({ username: bootstrap.username, password: bootstrap.password, role: 'admin', display_name: 'Administrator' });
  await recordAudit(ds, {
    actor_type: 'system',
    actor_id: null,
    actor_name: 'bootstrap',
    action: 'user.create',
    target_type: 'user',
    target_id: String(user.id),
    before: null,
    after: user,
    ip: null,
  }, { clock: options.clock });
  logger.info('created the bootstrap admin user', { username: user.username });
  return 'created';
}
