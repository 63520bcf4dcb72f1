import type { DataSource, EntityManager } from 'typeorm';
import { systemClock, type Clock } from '../clock/clock';
import { AuditLogSchema, type AuditActorType, type AuditLogRow } from './entities/audit-log';

export interface AuditEntry {
  actor_type: AuditActorType;
  actor_id: number | null;
  actor_name: string;
  action: string;
  target_type?: string | null;
  target_id?: string | number | null;
  /** Any JSON-serialisable value (stored as JSON text); null/undefined for none. Never put secrets here. */
  before?: unknown;
  after?: unknown;
  ip?: string | null;
  /** When it happened (default: the clock's now). */
  at?: Date;
}

function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Appends one entry to the audit log and returns the stored row. Pass an EntityManager to record inside the
 * transaction that makes the change.
 */
export async function recordAudit(
  ds: DataSource | EntityManager,
  entry: AuditEntry,
  options: { clock?: Clock } = {},
): Promise<AuditLogRow> {
  const manager = 'manager' in ds ? ds.manager : ds;
  const repo = manager.getRepository<AuditLogRow>(AuditLogSchema);
  const row = {
    at: entry.at ?? new Date((options.clock ?? systemClock).now()),
    actor_type: entry.actor_type,
    actor_id: entry.actor_id ?? null,
    actor_name: clip(entry.actor_name, 128) ?? '',
    action: clip(entry.action, 64) ?? '',
    target_type: clip(entry.target_type, 32),
    target_id: clip(entry.target_id === null || entry.target_id === undefined ? null : String(entry.target_id), 64),
    before: entry.before ?? null,
    after: entry.after ?? null,
    ip: clip(entry.ip, 64),
  };
  return (await repo.save(row as Partial<AuditLogRow>)) as AuditLogRow;
}
