import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

/**
 * ACD history, written by the runtime (src/acd/history-store.ts) and read by the reports:
 * - acd_queue_calls: one row per queue call (id = the caller channel's uuid), from entering the queue to its end;
 * - acd_agent_state_log: every agent state transition the engine made;
 * - acd_offer_log: every offer of a call to an agent (one row per agent rung) and how it ended.
 */

export type AcdQueueCallOutcome = 'answered' | 'abandoned' | 'overflowed' | 'callback_requested' | 'failed';
export type AcdOfferResult = 'answered' | 'no_answer' | 'rejected' | 'busy' | 'error' | 'unreachable' | 'switch_error' | 'cancelled';

export interface AcdQueueCallRow {
  /** The caller channel's uuid (the engine's call id). */
  id: string;
  fs_node: string;
  queue: string;
  priority: number;
  caller_number: string;
  caller_name: string | null;
  entered_at: Date;
  offered_count: number;
  answered_at: Date | null;
  ended_at: Date | null;
  agent_id: number | null;
  wait_ms: number | null;
  talk_ms: number | null;
  outcome: AcdQueueCallOutcome | null;
  overflow_target: string | null;
  /** Set by the agent (API), never by the runtime. */
  disposition: string | null;
  notes: string | null;
  /** IVR/CRM data and runtime details (JSON text). */
  data: Record<string, unknown> | null;
  /**
   * The handling by the answering agent (migration 1769000000000), recorded by agent call control and the runtime:
   * time the caller was on hold (the hold button, a blind transfer's ringing, an attended transfer's consultation)
   * and how many times; transfers completed (blind or attended); 3-way conferences the third party joined; the
   * agent's wrap-up after the call (null: none recorded). Optional on insert (0 and null by default), always read.
   */
  hold_ms?: number;
  hold_count?: number;
  transfers?: number;
  three_way?: number;
  wrap_ms?: number | null;
  /** The answering agent's team at answer time (the first of its teams); null: unanswered or no team. */
  team?: string | null;
  /** The outbound campaign the call came from (the dialer's handoff data). */
  campaign_id?: number | null;
}

export interface AcdAgentStateLogRow {
  id: number;
  agent_id: number;
  state: string;
  previous: string;
  reason: string | null;
  version: number;
  at: Date;
}

export interface AcdOfferLogRow {
  id: number;
  offer_id: string;
  call_id: string;
  agent_id: number;
  queue: string;
  offered_at: Date;
  result: AcdOfferResult | null;
  ended_at: Date | null;
  ring_ms: number | null;
}

export const ACD_HISTORY_LIMITS = {
  id: 64,
  node: 128,
  queue: 64,
  number: 64,
  name: 128,
  outcome: 32,
  overflow: 128,
  disposition: 64,
  state: 32,
  reason: 64,
  result: 16,
  team: 64,
} as const;

export const AcdQueueCallSchema = new EntitySchema<AcdQueueCallRow>({
  name: 'AcdQueueCall',
  tableName: 'acd_queue_calls',
  columns: {
    id: { type: 'varchar', length: ACD_HISTORY_LIMITS.id, primary: true },
    fs_node: { type: 'varchar', length: ACD_HISTORY_LIMITS.node },
    queue: { type: 'varchar', length: ACD_HISTORY_LIMITS.queue },
    priority: { type: 'int' },
    caller_number: { type: 'varchar', length: ACD_HISTORY_LIMITS.number },
    caller_name: { type: 'varchar', length: ACD_HISTORY_LIMITS.name, nullable: true },
    entered_at: timestamp(),
    offered_count: { type: 'int' },
    answered_at: timestamp({ nullable: true }),
    ended_at: timestamp({ nullable: true }),
    agent_id: { type: 'int', nullable: true },
    wait_ms: { type: 'int', nullable: true },
    talk_ms: { type: 'int', nullable: true },
    outcome: { type: 'varchar', length: ACD_HISTORY_LIMITS.outcome, nullable: true },
    overflow_target: { type: 'varchar', length: ACD_HISTORY_LIMITS.overflow, nullable: true },
    disposition: { type: 'varchar', length: ACD_HISTORY_LIMITS.disposition, nullable: true },
    notes: { type: 'text', nullable: true },
    data: { type: 'simple-json', nullable: true },
    hold_ms: { type: 'int', default: 0 },
    hold_count: { type: 'int', default: 0 },
    transfers: { type: 'int', default: 0 },
    three_way: { type: 'int', default: 0 },
    wrap_ms: { type: 'int', nullable: true },
    team: { type: 'varchar', length: ACD_HISTORY_LIMITS.team, nullable: true },
    campaign_id: { type: 'int', nullable: true },
  },
  indices: [
    { name: 'idx_acd_queue_calls_queue_entered', columns: ['queue', 'entered_at'] },
    { name: 'idx_acd_queue_calls_agent', columns: ['agent_id', 'entered_at'] },
  ],
});

export const AcdAgentStateLogSchema = new EntitySchema<AcdAgentStateLogRow>({
  name: 'AcdAgentStateLog',
  tableName: 'acd_agent_state_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    agent_id: { type: 'int' },
    state: { type: 'varchar', length: ACD_HISTORY_LIMITS.state },
    previous: { type: 'varchar', length: ACD_HISTORY_LIMITS.state },
    reason: { type: 'varchar', length: ACD_HISTORY_LIMITS.reason, nullable: true },
    version: { type: 'int' },
    at: timestamp(),
  },
  indices: [{ name: 'idx_acd_agent_state_log_agent_at', columns: ['agent_id', 'at'] }],
});

export const AcdOfferLogSchema = new EntitySchema<AcdOfferLogRow>({
  name: 'AcdOfferLog',
  tableName: 'acd_offer_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    offer_id: { type: 'varchar', length: ACD_HISTORY_LIMITS.id },
    call_id: { type: 'varchar', length: ACD_HISTORY_LIMITS.id },
    agent_id: { type: 'int' },
    queue: { type: 'varchar', length: ACD_HISTORY_LIMITS.queue },
    offered_at: timestamp(),
    result: { type: 'varchar', length: ACD_HISTORY_LIMITS.result, nullable: true },
    ended_at: timestamp({ nullable: true }),
    ring_ms: { type: 'int', nullable: true },
  },
  indices: [
    { name: 'idx_acd_offer_log_agent_at', columns: ['agent_id', 'offered_at'] },
    { name: 'idx_acd_offer_log_call', columns: ['call_id'] },
  ],
});
