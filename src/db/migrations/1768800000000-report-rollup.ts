import type { MigrationInterface, QueryRunner } from 'typeorm';
import { runStatements, type Dialect } from './dialect';

/**
 * The period reports' 15-minute rollup of queue calls (src/reports/report-slots.ts):
 * - report_slots: per dimension (queue, agent, did, category), 15-minute slot and key, the summable figures of
 *   the queue calls that entered in the slot. `slot` is floor(UTC epoch seconds / 900): 15 minutes, so every period
 *   boundary of every zone (offsets in quarter hours, DST steps of 30 or 60 minutes) falls on a slot boundary.
 *   `dim_key` is '' for "none" (no agent, no DID); binary collation, so keys are kept as the calls hold them.
 * - report_rollup_dirty: slots whose rollup rows may be out of date, with a counter bumped by every change, so a
 *   refresh clears only the marks it has seen (a change made while it recomputed leaves the mark).
 * - report_rollup_state: the settings (service level thresholds, short abandon, FCR window) the rollup was computed
 *   with; null until it has been built (the history already there is rolled up by the first report, or ahead of
 *   time by `npm run reports:rollup`).
 * Triggers mark the slots dirty, whoever writes: a queue call's own slot (entered_at), and, because repeat calls
 * look ahead, the slot of the same caller's latest call before it (within 90 days: the largest REPORT_FCR_DAYS; a
 * deleted or moved call marks all of the caller's 90 days before it), and the slots of its tickets (a ticket's queue,
 * agent and DID are its call's); a ticket marks its created, resolved and due slots, and, made from a call, that
 * call's slot and those of the same caller's calls with tickets of the 90 days before it (their FCR);
 * a survey answer its slot (and a call's or ticket's change the slots of the answers about it).
 */
const LOOKBACK_DAYS = 90;

function slotOf(dialect: Dialect, col: string): string {
  // Both are free of the session time zone: the columns hold UTC.
  return dialect === 'mysql' ? `TIMESTAMPDIFF(SECOND, '1970-01-01 00:00:00', ${col}) DIV 900` : `CAST(strftime('%s', ${col}) AS INTEGER) / 900`;
}

function bump(dialect: Dialect): string {
  return dialect === 'mysql' ? 'ON DUPLICATE KEY UPDATE seq = report_rollup_dirty.seq + 1' : 'ON CONFLICT (slot) DO UPDATE SET seq = seq + 1';
}

function minusDays(dialect: Dialect, col: string): string {
  return dialect === 'mysql' ? `${col} - INTERVAL ${LOOKBACK_DAYS} DAY` : `strftime('%Y-%m-%d %H:%M:%f', ${col}, '-${LOOKBACK_DAYS} days')`;
}

/** Marks the slot of the call entered at `entered`. */
function markOwn(dialect: Dialect, entered: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq) VALUES (${slotOf(dialect, entered)}, 1) ${bump(dialect)};`;
}

/** Marks the slots of the caller's calls entered in the lookback window before `entered` (their repeat/FCR figures). */
function markEarlier(dialect: Dialect, caller: string, entered: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT DISTINCT ${slotOf(dialect, 'p.entered_at')}, 1 FROM acd_queue_calls p
      WHERE p.caller_number = ${caller} AND p.entered_at < ${entered} AND p.entered_at >= ${minusDays(dialect, entered)}
      ${bump(dialect)};`;
}

/**
 * Marks the slot of the caller's latest call(s) before `entered` (in the lookback window): a new call can change the
 * repeat figure of that call only. An earlier one has that latest call after it, before the new one: either within
 * its window (it repeated already) or not (then the new call, later still, is outside it too).
 */
function markPrevious(dialect: Dialect, caller: string, entered: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT DISTINCT ${slotOf(dialect, 'p.entered_at')}, 1 FROM acd_queue_calls p
      WHERE p.caller_number = ${caller} AND p.entered_at = (SELECT MAX(q.entered_at) FROM acd_queue_calls q
        WHERE q.caller_number = ${caller} AND q.entered_at < ${entered} AND q.entered_at >= ${minusDays(dialect, entered)})
      ${bump(dialect)};`;
}

/** Marks the slots a ticket counts in: created (opened), resolved, due (overdue). `t` is NEW or OLD. */
function markTicketSlots(dialect: Dialect, t: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT ${slotOf(dialect, 'x.at')}, 1 FROM (SELECT ${t}.created_at AS at UNION SELECT ${t}.resolved_at UNION SELECT ${t}.due_at) x
      WHERE x.at IS NOT NULL
      ${bump(dialect)};`;
}

/** Marks the slots of the tickets and survey answers of a call (their queue, agent and DID are the call's). */
export function markCallTickets(dialect: Dialect, callId: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT DISTINCT ${slotOf(dialect, 'x.at')}, 1 FROM (
        SELECT t.created_at AS at FROM tickets t WHERE t.call_uuid = ${callId}
        UNION SELECT t.resolved_at FROM tickets t WHERE t.call_uuid = ${callId}
        UNION SELECT t.due_at FROM tickets t WHERE t.call_uuid = ${callId}
        UNION SELECT a.answered_at FROM csat_answers a WHERE a.queue_call_id = ${callId}) x
      WHERE x.at IS NOT NULL
      ${bump(dialect)};`;
}

/** Marks the slots of the survey answers about a ticket (their category is the ticket's). */
function markTicketAnswers(dialect: Dialect, ticketId: string): string {
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT DISTINCT ${slotOf(dialect, 'a.answered_at')}, 1 FROM csat_answers a WHERE a.ticket_id = ${ticketId}
      ${bump(dialect)};`;
}

/** Marks the slot of the call a ticket was made from, and the caller's calls of the lookback window before it. */
function markTicketCall(dialect: Dialect, callUuid: string, onlyIfTickets = false): string {
  // Of the earlier calls, only those with tickets have an FCR figure a later ticket can change.
  return `INSERT INTO report_rollup_dirty (slot, seq)
      SELECT DISTINCT ${slotOf(dialect, 'p.entered_at')}, 1 FROM acd_queue_calls x
      JOIN acd_queue_calls p ON p.caller_number = x.caller_number AND p.entered_at <= x.entered_at AND p.entered_at >= ${minusDays(dialect, 'x.entered_at')}
      WHERE x.id = ${callUuid} AND (p.id = x.id OR EXISTS (SELECT 1 FROM tickets t2 WHERE t2.call_uuid = p.id))
        ${onlyIfTickets ? 'AND EXISTS (SELECT 1 FROM tickets t3 WHERE t3.call_uuid = x.id)' : ''}
      ${bump(dialect)};`;
}

function triggers(dialect: Dialect): string[] {
  const my = dialect === 'mysql';
  const changed = (cols: string[]) => cols.map((c) => (my ? `NOT (OLD.${c} <=> NEW.${c})` : `OLD.${c} IS NOT NEW.${c}`)).join(' OR ');
  const callMoved = changed(['caller_number', 'entered_at']);
  // A ticket's queue, agent and DID are its call's.
  const callKeys = changed(['queue', 'agent_id', 'data']);
  const ticketFcr = changed(['call_uuid', 'category_id']);
  const ticketSlots = changed(['call_uuid', 'category_id', 'created_at', 'resolved_at', 'due_at']);
  if (my) {
    return [
      `CREATE TRIGGER trg_report_rollup_call_insert AFTER INSERT ON acd_queue_calls FOR EACH ROW BEGIN
        ${markOwn(dialect, 'NEW.entered_at')}
        ${markPrevious(dialect, 'NEW.caller_number', 'NEW.entered_at')}
        ${markCallTickets(dialect, 'NEW.id')}
        ${markTicketCall(dialect, 'NEW.id', true)}
      END`,
      `CREATE TRIGGER trg_report_rollup_call_update AFTER UPDATE ON acd_queue_calls FOR EACH ROW BEGIN
        ${markOwn(dialect, 'NEW.entered_at')}
        IF ${callMoved} THEN
          ${markOwn(dialect, 'OLD.entered_at')}
          ${markEarlier(dialect, 'OLD.caller_number', 'OLD.entered_at')}
          ${markEarlier(dialect, 'NEW.caller_number', 'NEW.entered_at')}
        END IF;
        IF ${callKeys} THEN ${markCallTickets(dialect, 'NEW.id')} END IF;
      END`,
      `CREATE TRIGGER trg_report_rollup_call_delete AFTER DELETE ON acd_queue_calls FOR EACH ROW BEGIN
        ${markOwn(dialect, 'OLD.entered_at')}
        ${markEarlier(dialect, 'OLD.caller_number', 'OLD.entered_at')}
        ${markCallTickets(dialect, 'OLD.id')}
      END`,
      `CREATE TRIGGER trg_report_rollup_ticket_insert AFTER INSERT ON tickets FOR EACH ROW BEGIN
        ${markTicketSlots(dialect, 'NEW')}
        IF NEW.call_uuid IS NOT NULL THEN ${markTicketCall(dialect, 'NEW.call_uuid')} END IF;
      END`,
      `CREATE TRIGGER trg_report_rollup_ticket_update AFTER UPDATE ON tickets FOR EACH ROW BEGIN
        IF ${ticketSlots} THEN
          ${markTicketSlots(dialect, 'OLD')}
          ${markTicketSlots(dialect, 'NEW')}
        END IF;
        IF ${ticketFcr} THEN
          IF OLD.call_uuid IS NOT NULL THEN ${markTicketCall(dialect, 'OLD.call_uuid')} END IF;
          IF NEW.call_uuid IS NOT NULL THEN ${markTicketCall(dialect, 'NEW.call_uuid')} END IF;
          ${markTicketAnswers(dialect, 'NEW.id')}
        END IF;
      END`,
      `CREATE TRIGGER trg_report_rollup_ticket_delete AFTER DELETE ON tickets FOR EACH ROW BEGIN
        ${markTicketSlots(dialect, 'OLD')}
        IF OLD.call_uuid IS NOT NULL THEN ${markTicketCall(dialect, 'OLD.call_uuid')} END IF;
        ${markTicketAnswers(dialect, 'OLD.id')}
      END`,
      ...csatTriggers(dialect),
    ];
  }
  return [
    `CREATE TRIGGER trg_report_rollup_call_insert AFTER INSERT ON acd_queue_calls BEGIN
      ${markOwn(dialect, 'NEW.entered_at')}
      ${markPrevious(dialect, 'NEW.caller_number', 'NEW.entered_at')}
      ${markCallTickets(dialect, 'NEW.id')}
      ${markTicketCall(dialect, 'NEW.id', true)}
    END`,
    `CREATE TRIGGER trg_report_rollup_call_update AFTER UPDATE ON acd_queue_calls BEGIN
      ${markOwn(dialect, 'NEW.entered_at')}
    END`,
    `CREATE TRIGGER trg_report_rollup_call_moved AFTER UPDATE ON acd_queue_calls WHEN ${callMoved} BEGIN
      ${markOwn(dialect, 'OLD.entered_at')}
      ${markEarlier(dialect, 'OLD.caller_number', 'OLD.entered_at')}
      ${markEarlier(dialect, 'NEW.caller_number', 'NEW.entered_at')}
    END`,
    `CREATE TRIGGER trg_report_rollup_call_keys AFTER UPDATE ON acd_queue_calls WHEN ${callKeys} BEGIN
      ${markCallTickets(dialect, 'NEW.id')}
    END`,
    `CREATE TRIGGER trg_report_rollup_call_delete AFTER DELETE ON acd_queue_calls BEGIN
      ${markOwn(dialect, 'OLD.entered_at')}
      ${markEarlier(dialect, 'OLD.caller_number', 'OLD.entered_at')}
      ${markCallTickets(dialect, 'OLD.id')}
    END`,
    `CREATE TRIGGER trg_report_rollup_ticket_insert AFTER INSERT ON tickets BEGIN
      ${markTicketSlots(dialect, 'NEW')}
      ${markTicketCall(dialect, 'NEW.call_uuid')}
    END`,
    `CREATE TRIGGER trg_report_rollup_ticket_update AFTER UPDATE ON tickets WHEN ${ticketSlots} BEGIN
      ${markTicketSlots(dialect, 'OLD')}
      ${markTicketSlots(dialect, 'NEW')}
    END`,
    `CREATE TRIGGER trg_report_rollup_ticket_fcr AFTER UPDATE ON tickets WHEN ${ticketFcr} BEGIN
      ${markTicketCall(dialect, 'OLD.call_uuid')}
      ${markTicketCall(dialect, 'NEW.call_uuid')}
      ${markTicketAnswers(dialect, 'NEW.id')}
    END`,
    `CREATE TRIGGER trg_report_rollup_ticket_delete AFTER DELETE ON tickets BEGIN
      ${markTicketSlots(dialect, 'OLD')}
      ${markTicketCall(dialect, 'OLD.call_uuid')}
      ${markTicketAnswers(dialect, 'OLD.id')}
    END`,
    ...csatTriggers(dialect),
  ];
}

/** A survey answer counts in the slot it was given (answered_at), under its queue, agent, ticket category, call DID. */
function csatTriggers(dialect: Dialect): string[] {
  const each = dialect === 'mysql' ? ' FOR EACH ROW' : '';
  const changed = ['answered_at', 'score', 'queue', 'agent_id', 'ticket_id', 'queue_call_id']
    .map((c) => (dialect === 'mysql' ? `NOT (OLD.${c} <=> NEW.${c})` : `OLD.${c} IS NOT NEW.${c}`))
    .join(' OR ');
  const update =
    dialect === 'mysql'
      ? `CREATE TRIGGER trg_report_rollup_csat_update AFTER UPDATE ON csat_answers FOR EACH ROW BEGIN
        IF ${changed} THEN
          ${markOwn(dialect, 'OLD.answered_at')}
          ${markOwn(dialect, 'NEW.answered_at')}
        END IF;
      END`
      : `CREATE TRIGGER trg_report_rollup_csat_update AFTER UPDATE ON csat_answers WHEN ${changed} BEGIN
        ${markOwn(dialect, 'OLD.answered_at')}
        ${markOwn(dialect, 'NEW.answered_at')}
      END`;
  return [
    `CREATE TRIGGER trg_report_rollup_csat_insert AFTER INSERT ON csat_answers${each} BEGIN
      ${markOwn(dialect, 'NEW.answered_at')}
    END`,
    update,
    `CREATE TRIGGER trg_report_rollup_csat_delete AFTER DELETE ON csat_answers${each} BEGIN
      ${markOwn(dialect, 'OLD.answered_at')}
    END`,
  ];
}

const TRIGGER_NAMES = [
  'trg_report_rollup_csat_insert',
  'trg_report_rollup_csat_update',
  'trg_report_rollup_csat_delete',
  'trg_report_rollup_call_insert',
  'trg_report_rollup_call_update',
  'trg_report_rollup_call_moved',
  'trg_report_rollup_call_keys',
  'trg_report_rollup_ticket_fcr',
  'trg_report_rollup_call_delete',
  'trg_report_rollup_ticket_insert',
  'trg_report_rollup_ticket_update',
  'trg_report_rollup_ticket_delete',
];

const COUNTERS = ['offered', 'answered', 'abandoned', 'short_abandoned', 'overflowed', 'callbacks', 'failed', 'answered_in_sl', 'talk_n', 'repeat_calls', 'fcr_calls', 'fcr_repeated', 'tickets_opened', 'tickets_resolved', 'tickets_overdue', 'csat_count', 'csat_sum'];

export class ReportRollup1768800000000 implements MigrationInterface {
  name = 'ReportRollup1768800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [
        `CREATE TABLE report_slots (
          dimension VARCHAR(8) NOT NULL,
          slot INT NOT NULL,
          dim_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
          ${COUNTERS.map((c) => `${c} INT NOT NULL`).join(',\n          ')},
          wait_ms_sum BIGINT NOT NULL,
          talk_ms_sum BIGINT NOT NULL,
          PRIMARY KEY (dimension, slot, dim_key)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `CREATE TABLE report_rollup_dirty (
          slot INT NOT NULL,
          seq BIGINT NOT NULL,
          PRIMARY KEY (slot)
        ) ENGINE=InnoDB`,
        `CREATE TABLE report_rollup_state (
          id INT NOT NULL,
          settings TEXT NULL,
          PRIMARY KEY (id)
        ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
        `INSERT INTO report_rollup_state (id, settings) VALUES (1, NULL)`,
        ...triggers('mysql'),
      ],
      sqlite: [
        `CREATE TABLE "report_slots" (
          "dimension" varchar(8) NOT NULL,
          "slot" integer NOT NULL,
          "dim_key" varchar(255) NOT NULL,
          ${COUNTERS.map((c) => `"${c}" integer NOT NULL`).join(',\n          ')},
          "wait_ms_sum" bigint NOT NULL,
          "talk_ms_sum" bigint NOT NULL,
          PRIMARY KEY ("dimension", "slot", "dim_key")
        )`,
        `CREATE TABLE "report_rollup_dirty" ("slot" integer PRIMARY KEY NOT NULL, "seq" bigint NOT NULL)`,
        `CREATE TABLE "report_rollup_state" ("id" integer PRIMARY KEY NOT NULL, "settings" text)`,
        `INSERT INTO "report_rollup_state" ("id", "settings") VALUES (1, NULL)`,
        ...triggers('sqlite'),
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await runStatements(queryRunner, {
      mysql: [...TRIGGER_NAMES.map((t) => `DROP TRIGGER IF EXISTS ${t}`), 'DROP TABLE report_rollup_state', 'DROP TABLE report_rollup_dirty', 'DROP TABLE report_slots'],
      sqlite: [...TRIGGER_NAMES.map((t) => `DROP TRIGGER IF EXISTS "${t}"`), 'DROP TABLE "report_rollup_state"', 'DROP TABLE "report_rollup_dirty"', 'DROP TABLE "report_slots"'],
    });
  }
}
