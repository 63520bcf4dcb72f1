import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { createDataSource, openDatabase } from '../../src/db/data-source';
import { ApiKeySchema, CdrSchema, UserSchema, allEntities, type ApiKeyRow, type UserRow } from '../../src/db/entities';
import { allMigrations } from '../../src/db/migrations';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

const TABLES = [
  'acd_agent_sessions',
  'acd_agent_state_log',
  'acd_agents',
  'acd_offer_log',
  'acd_queue_calls',
  'acd_queues',
  'alert_events',
  'alert_rules',
  'alerts',
  'api_keys',
  'audit_log',
  'callback_requests',
  'caller_profiles',
  'campaigns',
  'cdrs',
  'csat_answers',
  'dialer_ledger',
  'dialplan_versions',
  'dnc_numbers',
  'ha_leases',
  'ivr_calls',
  'ivr_did_bindings',
  'ivr_flows',
  'leads',
  'recording_policies',
  'recording_retention_classes',
  'recordings',
  'report_rollup_dirty',
  'report_rollup_state',
  'report_slots',
  'sip_accounts',
  'supervision_sessions',
  'supervisor_teams',
  'supervisors',
  'ticket_categories',
  'ticket_comments',
  'ticket_events',
  'ticket_followups',
  'tickets',
  'users',
  'voicemails',
  'webhook_deliveries',
  'webhook_delivery_attempts',
  'webhook_endpoints',
];

async function tables(ds: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> =
    ds.options.type === 'better-sqlite3'
      ? await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      : await ds.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`);
  // Sorted here: MariaDB's ORDER BY follows the schema collation (acd_queues before acd_queue_calls), SQLite's is binary.
  return rows.map((r) => r.name).filter((n) => n !== 'migrations').sort();
}

async function indexes(ds: DataSource, table: string): Promise<string[]> {
  const rows: Array<{ name: string }> =
    ds.options.type === 'better-sqlite3'
      ? await ds.query(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_%'`, [table])
      : await ds.query(`SELECT DISTINCT index_name AS name FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ?`, [table]);
  return rows.map((r) => r.name);
}

describeEachEngine('migrations', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  it('creates every table and records the migration', async () => {
    expect(await tables(db.ds)).toEqual(TABLES);
    const applied: Array<{ name: string }> = await db.ds.query('SELECT name FROM migrations');
    expect(applied.map((m) => m.name)).toEqual(allMigrations.map((m) => new m().name));
    expect(await db.ds.showMigrations()).toBe(false); // nothing pending
  });

  it('creates the search and lookup indexes', async () => {
    expect(await indexes(db.ds, 'cdrs')).toEqual(
      expect.arrayContaining([
        'idx_cdrs_start_at',
        'idx_cdrs_caller_number',
        'idx_cdrs_destination_number',
        'idx_cdrs_callee_number',
        'idx_cdrs_hangup_cause',
        'idx_cdrs_call_uuid',
      ]),
    );
    expect(await indexes(db.ds, 'api_keys')).toContain('idx_api_keys_key_prefix');
    expect(await indexes(db.ds, 'tickets')).toEqual(
      expect.arrayContaining([
        'idx_tickets_caller_number',
        'idx_tickets_status_due',
        'idx_tickets_assignee_agent',
        'idx_tickets_assignee_team',
        'idx_tickets_category',
        'idx_tickets_created_by',
        'idx_tickets_call_uuid',
      ]),
    );
    expect(await indexes(db.ds, 'webhook_deliveries')).toContain('idx_webhook_deliveries_due');
    expect(await indexes(db.ds, 'acd_queue_calls')).toEqual(expect.arrayContaining(['idx_acd_queue_calls_entered', 'idx_acd_queue_calls_caller_entered']));
  });

  it('round-trips users and API keys through the entity schemas (dates with ms, booleans, nulls)', async () => {
    const users = db.ds.getRepository<UserRow>(UserSchema);
    const at = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    const saved = (await users.save({
      username: 'alice',
      password_hash: '$2b$04$hash',
      role: 'supervisor',
      display_name: 'Alice Ünïcode 😀',
      disabled: true,
      created_at: at,
      updated_at: at,
    } as Partial<UserRow>)) as UserRow;
    const row = await users.findOneByOrFail({ id: saved.id });
    expect(row).toEqual({ ...saved, id: saved.id });
    expect(row.created_at.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(row.disabled).toBe(true);
    expect(typeof row.id).toBe('number');

    const keys = db.ds.getRepository<ApiKeyRow>(ApiKeySchema);
    const key = (await keys.save({
      name: 'crm',
      key_prefix: 'sb_AbCdE',
      key_hash: 'a'.repeat(64),
      role: 'agent',
      created_by: saved.id,
      created_at: at,
      last_used_at: null,
      revoked_at: null,
    } as Partial<ApiKeyRow>)) as ApiKeyRow;
    expect(await keys.findBy({ key_prefix: 'sb_AbCdE' })).toHaveLength(1);
    expect(await keys.findBy({ key_prefix: 'sb_abcde' })).toHaveLength(0); // prefixes compare case-sensitively
    // Deleting the creator keeps the key (created_by becomes null).
    await users.delete({ id: saved.id });
    expect((await keys.findOneByOrFail({ id: key.id })).created_by).toBeNull();
  });

  it('enforces unique usernames, valid roles and unique CDR uuids', async () => {
    const users = db.ds.getRepository<UserRow>(UserSchema);
    const base = { password_hash: 'x', display_name: null, disabled: false, created_at: new Date(), updated_at: new Date() };
    await users.insert({ ...base, username: 'bob', role: 'agent' } as never);
    await expect(users.insert({ ...base, username: 'bob', role: 'agent' } as never)).rejects.toThrow();
    await expect(users.insert({ ...base, username: 'carol', role: 'root' } as never)).rejects.toThrow();
    const cdrs = db.ds.getRepository(CdrSchema);
    const cdr = {
      uuid: 'dup-1',
      fs_node: 'fs1',
      direction: 'inbound',
      caller_number: '1',
      destination_number: '2',
      start_at: new Date(),
      end_at: new Date(),
      duration_s: 0,
      billsec: 0,
      hangup_cause: 'NORMAL_CLEARING',
      created_at: new Date(),
    };
    await cdrs.insert(cdr as never);
    await expect(cdrs.insert(cdr as never)).rejects.toThrow();
  });

  it('reverts (down) every migration and re-applies (up)', async () => {
    for (let i = 0; i < allMigrations.length; i++) await db.ds.undoLastMigration({ transaction: 'each' });
    expect(await tables(db.ds)).toEqual([]);
    expect(await db.ds.query('SELECT name FROM migrations')).toEqual([]);
    expect(await db.ds.showMigrations()).toBe(true);
    await db.ds.runMigrations({ transaction: 'each' });
    expect(await tables(db.ds)).toEqual(TABLES);
  });

  it('openDatabase on a migrated database applies nothing and works', async () => {
    const again = await openDatabase(db.config);
    try {
      expect(await again.showMigrations()).toBe(false);
      expect(await again.getRepository(UserSchema).count()).toBe(0);
    } finally {
      await again.destroy();
    }
  });
});

describe('createDataSource', () => {
  it('never synchronises, never runs migrations implicitly, and lists every entity and migration', () => {
    const sqlite = createDataSource({ type: 'sqlite', file: ':memory:' });
    const mysql = createDataSource({ type: 'mysql', url: 'mysql://root@127.0.0.1:3306/x' });
    for (const ds of [sqlite, mysql]) {
      expect(ds.options.synchronize).toBe(false);
      expect(ds.options.migrationsRun).toBe(false);
      expect(ds.options.entities).toEqual(allEntities);
      expect(ds.options.migrations).toEqual(allMigrations);
    }
    expect(mysql.options).toMatchObject({ type: 'mysql', timezone: 'Z', charset: 'utf8mb4_unicode_ci', poolSize: 10 });
  });

  it('SQLite: creates the data folder, uses WAL and a busy timeout', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-ds-'));
    const file = path.join(dir, 'nested', 'deeper', 'sb.sqlite');
    const ds = createDataSource({ type: 'sqlite', file }, { busyTimeoutMs: 1234 });
    try {
      expect(fs.existsSync(path.dirname(file))).toBe(true);
      await ds.initialize();
      expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
      expect(await ds.query('PRAGMA busy_timeout')).toEqual([{ timeout: 1234 }]);
      expect(await ds.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
    } finally {
      if (ds.isInitialized) await ds.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('openDatabase closes the DataSource and throws when it cannot connect', async () => {
    await expect(openDatabase({ type: 'mysql', url: 'mysql://root@127.0.0.1:1/nothing' })).rejects.toThrow();
  });
});

describe('scripts/migrate.ts', () => {
  const root = path.resolve(__dirname, '../..');
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/migrate.ts', ...args], {
      cwd: root,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'error', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('applies pending migrations, reports none the second time, and --revert undoes the last', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-migrate-'));
    try {
      const env = { DATA_DIR: dir, DATABASE_URL: '' };
      const up = run([], env);
      expect(up.stderr).toBe('');
      expect(up.status).toBe(0);
      expect(up.stdout).toMatch(new RegExp(`applied ${allMigrations.length} migration\\(s\\).*InitialSchema1767225600000`, 's'));
      const again = run([], env);
      expect(again.status).toBe(0);
      expect(again.stdout).toMatch(/no pending migrations/);
      const down = run(['--revert'], env);
      expect(down.status).toBe(0);
      const last = allMigrations[allMigrations.length - 1]!.name;
      expect(down.stdout).toMatch(new RegExp(`reverted ${last}`));
      const ds = createDataSource({ type: 'sqlite', file: path.join(dir, 'switchboard.sqlite') });
      await ds.initialize();
      try {
        // Only the last migration's tables are gone.
        expect(await tables(ds)).toEqual(expect.arrayContaining(['users', 'cdrs']));
        expect(await ds.showMigrations()).toBe(true);
      } finally {
        await ds.destroy();
      }
      const bad = run(['--bogus'], env);
      expect(bad.status).not.toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
