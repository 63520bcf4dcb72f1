import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

/**
 * IVR storage: versioned flow documents, DID bindings, one row per call that ran a flow, and voicemail recordings.
 * Flow documents and call paths are JSON text on both engines (MEDIUMTEXT / text).
 */

/** One version of a flow. The highest version of a name is the live one. */
export interface IvrFlowRow {
  id: number;
  name: string;
  version: number;
  /** The flow document as JSON text, exactly as validated. */
  document: string;
  created_by: string;
  created_at: Date;
  comment: string | null;
}

/** A DID (digits only, as FreeSWITCH's switchboard_did carries it) bound to a flow by name (its live version). */
export interface IvrDidBindingRow {
  did: string;
  flow: string;
  updated_by: string;
  updated_at: Date;
}

export type IvrCallOutcome = 'completed' | 'caller-hangup' | 'error' | 'queue' | 'transfer' | 'voicemail' | 'hangup' | (string & {});

/** A call that ran a flow: where it went and how it ended. */
export interface IvrCallRow {
  id: number;
  uuid: string;
  fs_node: string;
  did: string;
  caller_number: string;
  flow: string;
  flow_version: number;
  started_at: Date;
  ended_at: Date | null;
  outcome: IvrCallOutcome | null;
  detail: string | null;
  /** The IvrPathStep[] of the call (JSON text). */
  path: unknown;
}

export interface VoicemailRow {
  id: number;
  call_uuid: string;
  box: string;
  file_path: string;
  duration_ms: number;
  bytes: number | null;
  caller_number: string;
  created_at: Date;
}

export const IVR_LIMITS = { name: 64, did: 32, by: 128, comment: 512, uuid: 64, node: 128, number: 64, outcome: 32, detail: 512, box: 64, path: 1024 } as const;

export const IvrFlowSchema = new EntitySchema<IvrFlowRow>({
  name: 'IvrFlow',
  tableName: 'ivr_flows',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: IVR_LIMITS.name },
    version: { type: 'int' },
    document: { type: 'text' },
    created_by: { type: 'varchar', length: IVR_LIMITS.by },
    created_at: timestamp(),
    comment: { type: 'varchar', length: IVR_LIMITS.comment, nullable: true },
  },
  uniques: [{ name: 'uq_ivr_flows_name_version', columns: ['name', 'version'] }],
});

export const IvrDidBindingSchema = new EntitySchema<IvrDidBindingRow>({
  name: 'IvrDidBinding',
  tableName: 'ivr_did_bindings',
  columns: {
    did: { type: 'varchar', length: IVR_LIMITS.did, primary: true },
    flow: { type: 'varchar', length: IVR_LIMITS.name },
    updated_by: { type: 'varchar', length: IVR_LIMITS.by },
    updated_at: timestamp(),
  },
  indices: [{ name: 'idx_ivr_did_bindings_flow', columns: ['flow'] }],
});

export const IvrCallSchema = new EntitySchema<IvrCallRow>({
  name: 'IvrCall',
  tableName: 'ivr_calls',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    uuid: { type: 'varchar', length: IVR_LIMITS.uuid, unique: true },
    fs_node: { type: 'varchar', length: IVR_LIMITS.node },
    did: { type: 'varchar', length: IVR_LIMITS.did },
    caller_number: { type: 'varchar', length: IVR_LIMITS.number },
    flow: { type: 'varchar', length: IVR_LIMITS.name },
    flow_version: { type: 'int' },
    started_at: timestamp(),
    ended_at: timestamp({ nullable: true }),
    outcome: { type: 'varchar', length: IVR_LIMITS.outcome, nullable: true },
    detail: { type: 'varchar', length: IVR_LIMITS.detail, nullable: true },
    path: { type: 'simple-json', nullable: true },
  },
  indices: [
    { name: 'idx_ivr_calls_started_at', columns: ['started_at'] },
    { name: 'idx_ivr_calls_did', columns: ['did'] },
  ],
});

export const VoicemailSchema = new EntitySchema<VoicemailRow>({
  name: 'Voicemail',
  tableName: 'voicemails',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    call_uuid: { type: 'varchar', length: IVR_LIMITS.uuid },
    box: { type: 'varchar', length: IVR_LIMITS.box },
    file_path: { type: 'varchar', length: IVR_LIMITS.path },
    duration_ms: { type: 'int' },
    bytes: { type: 'int', nullable: true },
    caller_number: { type: 'varchar', length: IVR_LIMITS.number },
    created_at: timestamp(),
  },
  indices: [
    { name: 'idx_voicemails_box', columns: ['box', 'created_at'] },
    { name: 'idx_voicemails_call_uuid', columns: ['call_uuid'] },
  ],
});
