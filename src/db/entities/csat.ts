import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * Customer-satisfaction answers (src/csat): one row per survey a caller answered, either right after the agent hung
 * up (post_call, the survey flow the queue sends its opted-in callers to) or on a follow-up call (followup).
 * queue_call_id is the acd_queue_calls row rated (the caller channel's uuid for post_call); queue/agent_id are copied
 * from it so the reports group without a join.
 */
export type CsatSource = 'post_call' | 'followup';
export const CSAT_SOURCES = ['post_call', 'followup'] as const satisfies readonly CsatSource[];
export const CSAT_MIN_SCORE = 1;
export const CSAT_MAX_SCORE = 5;

export const CSAT_LIMITS = { uuid: 64, queue: 64, number: 64, comment: 512 } as const;

export interface CsatAnswerRow {
  id: number;
  source: CsatSource;
  /** The channel the survey ran on. */
  call_uuid: string | null;
  /** The acd_queue_calls row the answer rates (null: a survey not tied to a queue call). */
  queue_call_id: string | null;
  queue: string | null;
  agent_id: number | null;
  caller_number: string | null;
  ticket_id: number | null;
  followup_id: number | null;
  /** 1 (worst) to 5 (best). */
  score: number;
  /** Path of the recorded comment on the FreeSWITCH node, when the caller left one. */
  comment_recording: string | null;
  answered_at: Date;
}

export const CsatAnswerSchema = new EntitySchema<CsatAnswerRow>({
  name: 'CsatAnswer',
  tableName: 'csat_answers',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    source: { type: 'varchar', length: 16 },
    call_uuid: { type: 'varchar', length: CSAT_LIMITS.uuid, nullable: true },
    queue_call_id: { type: 'varchar', length: CSAT_LIMITS.uuid, nullable: true },
    queue: { type: 'varchar', length: CSAT_LIMITS.queue, nullable: true },
    agent_id: { type: 'int', nullable: true },
    caller_number: { type: 'varchar', length: CSAT_LIMITS.number, nullable: true },
    ticket_id: { type: 'int', nullable: true },
    followup_id: { type: 'int', nullable: true },
    score: { type: 'int' },
    comment_recording: { type: 'varchar', length: CSAT_LIMITS.comment, nullable: true },
    answered_at: timestamp(),
  },
  indices: [
    { name: 'idx_csat_answers_queue_at', columns: ['queue', 'answered_at'] },
    { name: 'idx_csat_answers_agent_at', columns: ['agent_id', 'answered_at'] },
    { name: 'idx_csat_answers_queue_call', columns: ['queue_call_id'] },
    { name: 'idx_csat_answers_ticket', columns: ['ticket_id'] },
  ],
});
