import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * Call recording (src/recording): one metadata row per recording file, the recording policies per DID / queue /
 * campaign, the retention classes, and which teams a supervisor supervises (the link that scopes supervisors to
 * the agents of their teams, for recordings and supervision alike).
 */

export type RecordingStatus = 'recording' | 'finished' | 'missing' | 'purged' | 'failed';
export type RecordingIntegrity = 'unverified' | 'ok' | 'tampered';
export type RecordingMode = 'never' | 'always' | 'on_demand';
export type RecordingPolicyScope = 'did' | 'queue' | 'campaign';

/** One pause (uuid_record mask) of a recording; ms are offsets from the start of the recording. */
export interface PauseSegment {
  from_ms: number;
  /** null while the pause is still on. */
  to_ms: number | null;
  paused_at: string;
  resumed_at: string | null;
  /** Who paused: a user id, 'ivr' or 'policy'. */
  by: string;
}

export interface RecordingRow {
  /** A uuid chosen by the service. */
  id: string;
  fs_node: string;
  /** The recorded channel: the caller's leg (= the CDR uuid of that leg and, for ACD calls, the queue call id). */
  call_uuid: string;
  cdr_uuid: string;
  queue_call_id: string | null;
  agent_id: number | null;
  queue: string | null;
  campaign: string | null;
  did: string | null;
  caller_number: string | null;
  /** Absolute path under RECORDINGS_DIR (as FreeSWITCH wrote it). */
  file_path: string;
  started_at: Date;
  ended_at: Date | null;
  duration_ms: number | null;
  bytes: number | null;
  sha256: string | null;
  format: string;
  channels: number;
  /** JSON text: PauseSegment[]. */
  pause_segments: string;
  /** A user id (as text), 'policy' or 'ivr'. */
  started_by: string;
  stopped_by: string | null;
  retention_class: string;
  legal_hold: boolean;
  purged_at: Date | null;
  status: RecordingStatus;
  integrity: RecordingIntegrity;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface RecordingPolicyRow {
  scope: RecordingPolicyScope;
  name: string;
  mode: RecordingMode;
  stereo: boolean;
  format: string;
  retention_class: string;
  updated_at: Date;
  updated_by: string;
}

export interface RecordingRetentionClassRow {
  name: string;
  /** Files older than this (since the end of the recording) are purged. */
  days: number;
  updated_at: Date;
}

export interface SupervisorTeamRow {
  user_id: number;
  team: string;
}

export const RECORDING_LIMITS = { id: 64, node: 128, name: 64, number: 64, path: 1024, by: 128, team: 64 } as const;

export const RecordingSchema = new EntitySchema<RecordingRow>({
  name: 'Recording',
  tableName: 'recordings',
  columns: {
    id: { type: 'varchar', length: RECORDING_LIMITS.id, primary: true },
    fs_node: { type: 'varchar', length: RECORDING_LIMITS.node },
    call_uuid: { type: 'varchar', length: RECORDING_LIMITS.id },
    cdr_uuid: { type: 'varchar', length: RECORDING_LIMITS.id },
    queue_call_id: { type: 'varchar', length: RECORDING_LIMITS.id, nullable: true },
    agent_id: { type: 'int', nullable: true },
    queue: { type: 'varchar', length: RECORDING_LIMITS.name, nullable: true },
    campaign: { type: 'varchar', length: RECORDING_LIMITS.name, nullable: true },
    did: { type: 'varchar', length: RECORDING_LIMITS.number, nullable: true },
    caller_number: { type: 'varchar', length: RECORDING_LIMITS.number, nullable: true },
    file_path: { type: 'varchar', length: RECORDING_LIMITS.path },
    started_at: timestamp(),
    ended_at: timestamp({ nullable: true }),
    duration_ms: { type: 'int', nullable: true },
    bytes: { type: 'bigint', nullable: true, transformer: { to: (v: unknown) => v, from: (v: unknown) => (v === null || v === undefined ? v : Number(v)) } },
    sha256: { type: 'varchar', length: 64, nullable: true },
    format: { type: 'varchar', length: 8 },
    channels: { type: 'int' },
    pause_segments: { type: 'text' },
    started_by: { type: 'varchar', length: RECORDING_LIMITS.by },
    stopped_by: { type: 'varchar', length: RECORDING_LIMITS.by, nullable: true },
    retention_class: { type: 'varchar', length: RECORDING_LIMITS.name },
    legal_hold: { type: 'boolean', default: false },
    purged_at: timestamp({ nullable: true }),
    status: { type: 'varchar', length: 16 },
    integrity: { type: 'varchar', length: 16 },
    verified_at: timestamp({ nullable: true }),
    created_at: timestamp(),
    updated_at: timestamp(),
  },
  indices: [
    { name: 'idx_recordings_started_at', columns: ['started_at'] },
    { name: 'idx_recordings_call_uuid', columns: ['call_uuid'] },
    { name: 'idx_recordings_agent', columns: ['agent_id', 'started_at'] },
    { name: 'idx_recordings_queue', columns: ['queue', 'started_at'] },
    { name: 'idx_recordings_retention', columns: ['status', 'ended_at'] },
  ],
});

export const RecordingPolicySchema = new EntitySchema<RecordingPolicyRow>({
  name: 'RecordingPolicy',
  tableName: 'recording_policies',
  columns: {
    scope: { type: 'varchar', length: 16, primary: true },
    name: { type: 'varchar', length: RECORDING_LIMITS.name, primary: true },
    mode: { type: 'varchar', length: 16 },
    stereo: { type: 'boolean', default: true },
    format: { type: 'varchar', length: 8 },
    retention_class: { type: 'varchar', length: RECORDING_LIMITS.name },
    updated_at: timestamp(),
    updated_by: { type: 'varchar', length: RECORDING_LIMITS.by },
  },
});

export const RecordingRetentionClassSchema = new EntitySchema<RecordingRetentionClassRow>({
  name: 'RecordingRetentionClass',
  tableName: 'recording_retention_classes',
  columns: {
    name: { type: 'varchar', length: RECORDING_LIMITS.name, primary: true },
    days: { type: 'int' },
    updated_at: timestamp(),
  },
});

export const SupervisorTeamSchema = new EntitySchema<SupervisorTeamRow>({
  name: 'SupervisorTeam',
  tableName: 'supervisor_teams',
  columns: {
    user_id: { type: 'int', primary: true },
    team: { type: 'varchar', length: RECORDING_LIMITS.team, primary: true },
  },
});
