import type { MigrationInterface, QueryRunner } from 'typeorm';
import { markCallTickets } from './1768800000000-report-rollup';
import { runStatements, type Dialect } from './dialect';

/**
 * What the period reports need beyond the queue call's outcome and times (README "Period reports"):
 * - acd_queue_calls: the handling of the call by its answering agent, recorded as it happens by agent call control
 *   and the runtime (src/acd/runtime/call-control.ts, acd-runtime.ts): hold_ms / hold_count (the caller on hold:
 *   the hold button, a blind transfer's ringing, an attended transfer's consultation), transfers (blind or attended
 *   transfers completed), three_way (3-way conferences the third party joined), wrap_ms (the answering agent's
 *   wrap-up after the call); the team of the answering agent at answer time (its first team) and the outbound
 *   campaign the call came from (the dialer's campaign_id). Rows written before have 0 and nulls.
 * - report_slots: the sums of those (hold, wrap and their counts, transfers, 3-ways) per slot; the dimension column
 *   gains the values 'team' and 'campaign' (no schema change: VARCHAR(8)).
 * - report_rollup_state is reset: the rollup is rebuilt with the new figures by the next report or reports:rollup.
 * - A trigger marks the slots of a call's tickets and answers when its team or campaign changes (they count under
 *   the call's), as trg_report_rollup_call_keys does for queue, agent and DID.
 * - callback_requests: one row per callback an agent (or a supervisor, for an agent) schedules on a campaign's lead
 *   (src/dialer/runtime/dialer-store.ts), kept when the lead changes again: its campaign and that campaign's queue,
 *   the agent it is for and their first team, when it was asked and for when. Counted by the reports
 *   (callbacks_scheduled, report_slots' column of that name) at requested_at; triggers mark that slot.
 */
const CALL_COLUMNS: ReadonlyArray<[name: string, mysql: string, sqlite: string]> = [
  ['hold_ms', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['hold_count', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['transfers', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['three_way', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['wrap_ms', 'INT NULL', 'integer'],
  ['team', 'VARCHAR(64) NULL', 'varchar(64)'],
  ['campaign_id', 'INT NULL', 'integer'],
];
const SLOT_COLUMNS: ReadonlyArray<[name: string, mysql: string, sqlite: string]> = [
  ['hold_ms_sum', 'BIGINT NOT NULL DEFAULT 0', 'bigint NOT NULL DEFAULT 0'],
  ['hold_count', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['transfers', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['three_way', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['wrap_ms_sum', 'BIGINT NOT NULL DEFAULT 0', 'bigint NOT NULL DEFAULT 0'],
  ['wrap_n', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
  ['callbacks_scheduled', 'INT NOT NULL DEFAULT 0', 'integer NOT NULL DEFAULT 0'],
];
const TRIGGER = 'trg_report_rollup_call_team';
const CALLBACK_TRIGGERS = ['trg_report_rollup_callback_insert', 'trg_report_rollup_callback_update', 'trg_report_rollup_callback_delete'];

function slotOf(dialect: Dialect, col: string): string {
  // As the rollup's other triggers: free of the session time zone (the columns hold UTC).
  return dialect === 'mysql' ? `TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ${col}) DIV 900` : `CAST(strftime('%s', ${col}) AS INTEGER) / 900`;
}

function markSlot(dialect: Dialect, col: string): string {
  const bump = dialect === 'mysql' ? 'ON DUPLICATE KEY UPDATE seq = report_rollup_dirty.seq + 1' : 'ON CONFLICT (slot) DO UPDATE SET seq = seq + 1';
  return `INSERT INTO report_rollup_dirty (slot, seq) VALUES (${slotOf(dialect, col)}, 1) ${bump};`;
}

/** A callback request counts in the slot it was asked in: its insert, change and delete mark that slot (both, moved). */
function callbackTriggers(dialect: Dialect): string[] {
  const each = dialect === 'mysql' ? ' FOR EACH ROW' : '';
  return [
    `CREATE TRIGGER ${CALLBACK_TRIGGERS[0]} AFTER INSERT ON callback_requests${each} BEGIN ${markSlot(dialect, 'NEW.requested_at')} END`,
    `CREATE TRIGGER ${CALLBACK_TRIGGERS[1]} AFTER UPDATE ON callback_requests${each} BEGIN ${markSlot(dialect, 'OLD.requested_at')} ${markSlot(dialect, 'NEW.requested_at')} END`,
    `CREATE TRIGGER ${CALLBACK_TRIGGERS[2]} AFTER DELETE ON callback_requests${each} BEGIN ${markSlot(dialect, 'OLD.requested_at')} END`,
  ];
}

function trigger(dialect: Dialect): string {
  if (dialect === 'mysql') {
    return `CREATE TRIGGER ${TRIGGER} AFTER UPDATE ON acd_queue_calls FOR EACH ROW BEGIN
      IF NOT (OLD.team <=> NEW.team) OR NOT (OLD.campaign_id <=> NEW.campaign_id) THEN ${markCallTickets(dialect, 'NEW.id')} END IF;
    END`;
  }
  return `CREATE TRIGGER ${TRIGGER} AFTER UPDATE ON acd_queue_calls WHEN OLD.team IS NOT NEW.team OR OLD.campaign_id IS NOT NEW.campaign_id BEGIN
      ${markCallTickets(dialect, 'NEW.id')}
    END`;
}

export class ReportHandling1769000000000 implements MigrationInterface {
  name = 'ReportHandling1769000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `ALTER TABLE acd_queue_calls ${CALL_COLUMNS.map(([c, my]) => `ADD COLUMN ${c} ${my}`).join(', ')}`,
        'CREATE INDEX idx_acd_queue_calls_team ON acd_queue_calls (team, entered_at)',
        'CREATE INDEX idx_acd_queue_calls_campaign ON acd_queue_calls (campaign_id, entered_at)',
        `ALTER TABLE report_slots ${SLOT_COLUMNS.map(([c, my]) => `ADD COLUMN ${c} ${my}`).join(', ')}`,
        'UPDATE report_rollup_state SET settings = NULL WHERE id = 1',
        trigger('mysql'),
        `CREATE TABLE callback_requests (
          id BIGINT NOT NULL AUTO_INCREMENT,
          lead_id INT NOT NULL,
          campaign_id INT NOT NULL,
          queue VARCHAR(128) NOT NULL,
          agent_id INT NULL,
          team VARCHAR(64) NULL,
          requested_at DATETIME(3) NOT NULL,
          callback_at DATETIME(3) NOT NULL,
          PRIMARY KEY (id),
          KEY idx_callback_requests_requested (requested_at),
          KEY idx_callback_requests_lead (lead_id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        ...callbackTriggers('mysql'),
      ],
      sqlite: [
        ...CALL_COLUMNS.map(([c, , lite]) => `ALTER TABLE "acd_queue_calls" ADD COLUMN "${c}" ${lite}`),
        'CREATE INDEX "idx_acd_queue_calls_team" ON "acd_queue_calls" ("team", "entered_at")',
        'CREATE INDEX "idx_acd_queue_calls_campaign" ON "acd_queue_calls" ("campaign_id", "entered_at")',
        ...SLOT_COLUMNS.map(([c, , lite]) => `ALTER TABLE "report_slots" ADD COLUMN "${c}" ${lite}`),
        'UPDATE "report_rollup_state" SET "settings" = NULL WHERE "id" = 1',
        trigger('sqlite'),
        `CREATE TABLE "callback_requests" (
          "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
          "lead_id" integer NOT NULL,
          "campaign_id" integer NOT NULL,
          "queue" varchar(128) NOT NULL,
          "agent_id" integer,
          "team" varchar(64),
          "requested_at" datetime NOT NULL,
          "callback_at" datetime NOT NULL
        )`,
        'CREATE INDEX "idx_callback_requests_requested" ON "callback_requests" ("requested_at")',
        'CREATE INDEX "idx_callback_requests_lead" ON "callback_requests" ("lead_id")',
        ...callbackTriggers('sqlite'),
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        ...CALLBACK_TRIGGERS.map((t) => `DROP TRIGGER IF EXISTS ${t}`),
        'DROP TABLE callback_requests',
        `DROP TRIGGER IF EXISTS ${TRIGGER}`,
        'DROP INDEX idx_acd_queue_calls_team ON acd_queue_calls',
        'DROP INDEX idx_acd_queue_calls_campaign ON acd_queue_calls',
        `ALTER TABLE acd_queue_calls ${CALL_COLUMNS.map(([c]) => `DROP COLUMN ${c}`).join(', ')}`,
        `ALTER TABLE report_slots ${SLOT_COLUMNS.map(([c]) => `DROP COLUMN ${c}`).join(', ')}`,
        'UPDATE report_rollup_state SET settings = NULL WHERE id = 1',
      ],
      sqlite: [
        ...CALLBACK_TRIGGERS.map((t) => `DROP TRIGGER IF EXISTS "${t}"`),
        'DROP TABLE "callback_requests"',
        `DROP TRIGGER IF EXISTS "${TRIGGER}"`,
        'DROP INDEX "idx_acd_queue_calls_team"',
        'DROP INDEX "idx_acd_queue_calls_campaign"',
        ...CALL_COLUMNS.map(([c]) => `ALTER TABLE "acd_queue_calls" DROP COLUMN "${c}"`),
        ...SLOT_COLUMNS.map(([c]) => `ALTER TABLE "report_slots" DROP COLUMN "${c}"`),
        'UPDATE "report_rollup_state" SET "settings" = NULL WHERE "id" = 1',
      ],
    });
  }
}
