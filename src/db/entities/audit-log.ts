import { EntitySchema } from 'typeorm';
import { bigintToNumber, timestamp } from './columns';

export type AuditActorType = 'user' | 'api_key' | 'system';

export interface AuditLogRow {
  id: number;
  at: Date;
  actor_type: AuditActorType;
  /** users.id or api_keys.id; null for the system. */
  actor_id: number | null;
  actor_name: string;
  /** e.g. user.create, api_key.revoke. */
  action: string;
  target_type: string | null;
  target_id: string | null;
  /** JSON values (stored as JSON text), e.g. the public view of the row before and after the change. */
  before: unknown;
  after: unknown;
  ip: string | null;
}

export const AuditLogSchema = new EntitySchema<AuditLogRow>({
  name: 'AuditLog',
  tableName: 'audit_log',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', transformer: bigintToNumber },
    at: timestamp(),
    actor_type: { type: 'varchar', length: 16 },
    actor_id: { type: 'int', nullable: true },
    actor_name: { type: 'varchar', length: 128 },
    action: { type: 'varchar', length: 64 },
    target_type: { type: 'varchar', length: 32, nullable: true },
    target_id: { type: 'varchar', length: 64, nullable: true },
    before: { type: 'simple-json', nullable: true },
    after: { type: 'simple-json', nullable: true },
    ip: { type: 'varchar', length: 64, nullable: true },
  },
  indices: [
    { name: 'idx_audit_log_at', columns: ['at'] },
    { name: 'idx_audit_log_target', columns: ['target_type', 'target_id'] },
  ],
});
