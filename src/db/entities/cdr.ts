import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

/** FreeSWITCH's Call-Direction of the leg; other values are kept as sent (truncated). */
export type CdrDirection = 'inbound' | 'outbound' | (string & {});

/**
 * One call detail record: one FreeSWITCH channel (leg) as reported by CHANNEL_HANGUP_COMPLETE. A bridged call has a
 * row per leg; `bridged_uuid` names the peer leg and `call_uuid` groups the legs of one call.
 */
export interface CdrRow {
  id: number;
  /** The channel's Unique-ID; unique: a replayed event never makes a second row. */
  uuid: string;
  /** The FreeSWITCH node name from config (FREESWITCH_NODES). */
  fs_node: string;
  direction: CdrDirection;
  /** The calling party (for an answered outbound leg FreeSWITCH flips caller/callee; this is unflipped). */
  caller_number: string;
  caller_name: string | null;
  /** What was dialled (Caller-Destination-Number). */
  destination_number: string;
  /** The called party as identified on the channel (Callee-ID), when known. */
  callee_number: string | null;
  callee_name: string | null;
  context: string | null;
  channel_name: string | null;
  start_at: Date;
  /** Null when the leg was never answered. */
  answer_at: Date | null;
  end_at: Date;
  /** variable_duration: start to end, seconds. */
  duration_s: number;
  /** variable_billsec: answer to end, seconds (0 when not answered). */
  billsec: number;
  /** variable_waitsec (start to bridge), else the answer delay; null when unknown. */
  wait_s: number | null;
  /** variable_progresssec. */
  progress_s: number | null;
  /** variable_answersec. */
  answer_s: number | null;
  hangup_cause: string;
  hangup_cause_q850: number | null;
  sip_hangup_disposition: string | null;
  /** The leg this one was bridged to (variable_bridge_uuid / last_bridge_to / Other-Leg-Unique-ID). */
  bridged_uuid: string | null;
  /** variable_call_uuid (Channel-Call-UUID): groups the legs of a call. */
  call_uuid: string | null;
  // Filled by later features (queues, agents, campaigns, recordings, IVR); null until then.
  queue_call_id: string | null;
  agent_id: number | null;
  campaign_id: number | null;
  recording_id: string | null;
  ivr_path: unknown;
  /** A curated, size-capped subset of the channel variables (names without `variable_`). */
  variables: Record<string, string> | null;
  created_at: Date;
}

/** Column sizes: the event mapper truncates to these so that no value can make a whole batch fail. */
export const CDR_LIMITS = {
  uuid: 64,
  fs_node: 128,
  direction: 16,
  number: 64,
  name: 128,
  context: 64,
  channel_name: 255,
  hangup_cause: 64,
  sip_hangup_disposition: 64,
  id: 64,
} as const;

export const CdrSchema = new EntitySchema<CdrRow>({
  name: 'Cdr',
  tableName: 'cdrs',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    uuid: { type: 'varchar', length: CDR_LIMITS.uuid, unique: true },
    fs_node: { type: 'varchar', length: CDR_LIMITS.fs_node },
    direction: { type: 'varchar', length: CDR_LIMITS.direction },
    caller_number: { type: 'varchar', length: CDR_LIMITS.number },
    caller_name: { type: 'varchar', length: CDR_LIMITS.name, nullable: true },
    destination_number: { type: 'varchar', length: CDR_LIMITS.number },
    callee_number: { type: 'varchar', length: CDR_LIMITS.number, nullable: true },
    callee_name: { type: 'varchar', length: CDR_LIMITS.name, nullable: true },
    context: { type: 'varchar', length: CDR_LIMITS.context, nullable: true },
    channel_name: { type: 'varchar', length: CDR_LIMITS.channel_name, nullable: true },
    start_at: timestamp(),
    answer_at: timestamp({ nullable: true }),
    end_at: timestamp(),
    duration_s: { type: 'int' },
    billsec: { type: 'int' },
    wait_s: { type: 'int', nullable: true },
    progress_s: { type: 'int', nullable: true },
    answer_s: { type: 'int', nullable: true },
    hangup_cause: { type: 'varchar', length: CDR_LIMITS.hangup_cause },
    hangup_cause_q850: { type: 'int', nullable: true },
    sip_hangup_disposition: { type: 'varchar', length: CDR_LIMITS.sip_hangup_disposition, nullable: true },
    bridged_uuid: { type: 'varchar', length: CDR_LIMITS.uuid, nullable: true },
    call_uuid: { type: 'varchar', length: CDR_LIMITS.uuid, nullable: true },
    queue_call_id: { type: 'varchar', length: CDR_LIMITS.id, nullable: true },
    agent_id: { type: 'int', nullable: true },
    campaign_id: { type: 'int', nullable: true },
    recording_id: { type: 'varchar', length: CDR_LIMITS.id, nullable: true },
    ivr_path: { type: 'simple-json', nullable: true },
    variables: { type: 'simple-json', nullable: true },
    created_at: timestamp(),
  },
  indices: [
    { name: 'idx_cdrs_start_at', columns: ['start_at'] },
    { name: 'idx_cdrs_caller_number', columns: ['caller_number'] },
    { name: 'idx_cdrs_destination_number', columns: ['destination_number'] },
    { name: 'idx_cdrs_callee_number', columns: ['callee_number'] },
    { name: 'idx_cdrs_hangup_cause', columns: ['hangup_cause'] },
    { name: 'idx_cdrs_call_uuid', columns: ['call_uuid'] },
  ],
});
