/**
 * Storage of call recording: the recordings rows, the policies, the retention classes and the supervisor -> teams
 * link. Plain reads and writes through typeorm (both engines); no caching, so the API and the runtime never disagree.
 */
import type { DataSource } from 'typeorm';
import { Brackets, In } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import {
  RecordingPolicySchema,
  RecordingRetentionClassSchema,
  RecordingSchema,
  SupervisorTeamSchema,
  type PauseSegment,
  type RecordingPolicyRow,
  type RecordingPolicyScope,
  type RecordingRetentionClassRow,
  type RecordingRow,
  type RecordingStatus,
  type SupervisorTeamRow,
} from '../db/entities/recording';

export interface RecordingSearch {
  from?: Date;
  to?: Date;
  agentId?: number;
  /** Only these agents (a supervisor's teams, an agent's own); [] matches nothing. */
  agentIds?: number[];
  queue?: string;
  /** Caller number or DID; a trailing `*` makes it a prefix match. */
  number?: string;
  callUuid?: string;
  status?: RecordingStatus;
  limit: number;
  offset: number;
}

/** A recordings row as the API shows it (segments parsed, booleans and numbers normalised). */
export interface RecordingView extends Omit<RecordingRow, 'pause_segments' | 'legal_hold'> {
  pause_segments: PauseSegment[];
  legal_hold: boolean;
}

export function viewOf(row: RecordingRow): RecordingView {
  let segments: PauseSegment[] = [];
  try {
    const parsed: unknown = JSON.parse(row.pause_segments || '[]');
    if (Array.isArray(parsed)) segments = parsed as PauseSegment[];
  } catch {
    segments = [];
  }
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    ...row,
    agent_id: num(row.agent_id),
    duration_ms: num(row.duration_ms),
    bytes: num(row.bytes),
    channels: Number(row.channels),
    legal_hold: row.legal_hold === true || (row.legal_hold as unknown) === 1 || (row.legal_hold as unknown) === '1',
    pause_segments: segments,
  };
}

export class RecordingStore {
  constructor(readonly ds: DataSource) {}

  private get recordings() {
    return this.ds.getRepository<RecordingRow>(RecordingSchema);
  }

  async insert(row: RecordingRow): Promise<void> {
    await this.recordings.insert(row);
  }

  async update(id: string, patch: Partial<RecordingRow>): Promise<void> {
    await this.recordings.update({ id }, patch);
  }

  async get(id: string): Promise<RecordingRow | undefined> {
    return (await this.recordings.findOne({ where: { id } })) ?? undefined;
  }

  /** Recordings still running on a node as far as the database knows (the takeover looks at them). */
  async openOn(node: string): Promise<RecordingRow[]> {
    return this.recordings.find({ where: { fs_node: node, status: 'recording' }, order: { started_at: 'ASC' } });
  }

  async byCall(callUuid: string): Promise<RecordingRow[]> {
    return this.recordings.find({ where: { call_uuid: callUuid }, order: { started_at: 'ASC' } });
  }

  async search(q: RecordingSearch): Promise<{ total: number; items: RecordingRow[] }> {
    if (q.agentIds && q.agentIds.length === 0) return { total: 0, items: [] };
    const qb = this.recordings.createQueryBuilder('r');
    if (q.from) qb.andWhere('r.started_at >= :from', { from: sqlDateTime(q.from) });
    if (q.to) qb.andWhere('r.started_at < :to', { to: sqlDateTime(q.to) });
    if (q.agentId !== undefined) qb.andWhere('r.agent_id = :agentId', { agentId: q.agentId });
    if (q.agentIds) qb.andWhere('r.agent_id IN (:...agentIds)', { agentIds: q.agentIds });
    if (q.queue) qb.andWhere('r.queue = :queue', { queue: q.queue });
    if (q.callUuid) qb.andWhere(new Brackets((b) => b.where('r.call_uuid = :cu', { cu: q.callUuid }).orWhere('r.queue_call_id = :cu2', { cu2: q.callUuid })));
    if (q.status) qb.andWhere('r.status = :status', { status: q.status });
    if (q.number) {
      const prefix = q.number.endsWith('*');
      const n = prefix ? q.number.slice(0, -1) : q.number;
      const op = prefix ? 'LIKE' : '=';
      const v = prefix ? `${n.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : n;
      const esc = prefix ? " ESCAPE '\\'" : '';
      qb.andWhere(new Brackets((b) => b.where(`r.caller_number ${op} :num${esc}`, { num: v }).orWhere(`r.did ${op} :num2${esc}`, { num2: v })));
    }
    const total = await qb.getCount();
    const items = await qb.orderBy('r.started_at', 'DESC').addOrderBy('r.id', 'ASC').skip(q.offset).take(q.limit).getMany();
    return { total, items };
  }

  // ---- policies -------------------------------------------------------------------------------------------------

  async policies(): Promise<RecordingPolicyRow[]> {
    return this.ds.getRepository<RecordingPolicyRow>(RecordingPolicySchema).find({ order: { scope: 'ASC', name: 'ASC' } });
  }

  /** The rows that could apply to a call (one SELECT). */
  async policiesFor(keys: Array<{ scope: RecordingPolicyScope; name: string | null | undefined }>): Promise<RecordingPolicyRow[]> {
    const names = [...new Set(keys.map((k) => k.name).filter((n): n is string => !!n))];
    if (!names.length) return [];
    const rows = await this.ds.getRepository<RecordingPolicyRow>(RecordingPolicySchema).find({ where: { name: In(names) } });
    return rows.filter((r) => keys.some((k) => k.scope === r.scope && k.name === r.name));
  }

  async getPolicy(scope: RecordingPolicyScope, name: string): Promise<RecordingPolicyRow | undefined> {
    return (await this.ds.getRepository<RecordingPolicyRow>(RecordingPolicySchema).findOne({ where: { scope, name } })) ?? undefined;
  }

  async putPolicy(row: RecordingPolicyRow): Promise<void> {
    await this.ds.getRepository<RecordingPolicyRow>(RecordingPolicySchema).save(row);
  }

  async deletePolicy(scope: RecordingPolicyScope, name: string): Promise<boolean> {
    const r = await this.ds.getRepository<RecordingPolicyRow>(RecordingPolicySchema).delete({ scope, name });
    return (r.affected ?? 0) > 0;
  }

  // ---- retention classes ----------------------------------------------------------------------------------------

  async retentionClasses(): Promise<RecordingRetentionClassRow[]> {
    const rows = await this.ds.getRepository<RecordingRetentionClassRow>(RecordingRetentionClassSchema).find({ order: { days: 'ASC', name: 'ASC' } });
    return rows.map((r) => ({ ...r, days: Number(r.days) }));
  }

  async retentionClass(name: string): Promise<RecordingRetentionClassRow | undefined> {
    const r = await this.ds.getRepository<RecordingRetentionClassRow>(RecordingRetentionClassSchema).findOne({ where: { name } });
    return r ? { ...r, days: Number(r.days) } : undefined;
  }

  async putRetentionClass(row: RecordingRetentionClassRow): Promise<void> {
    await this.ds.getRepository<RecordingRetentionClassRow>(RecordingRetentionClassSchema).save(row);
  }

  /** Rows of a class whose retention ended before `cutoff`, not on legal hold, not purged, not still recording. */
  async expired(retentionClass: string, cutoff: Date, limit: number): Promise<RecordingRow[]> {
    return this.recordings
      .createQueryBuilder('r')
      .where('r.retention_class = :c', { c: retentionClass })
      .andWhere('r.legal_hold = 0')
      .andWhere('r.purged_at IS NULL')
      .andWhere('r.status IN (:...st)', { st: ['finished', 'missing', 'failed'] })
      .andWhere('COALESCE(r.ended_at, r.started_at) < :cutoff', { cutoff: sqlDateTime(cutoff) })
      .orderBy('r.started_at', 'ASC')
      .take(limit)
      .getMany();
  }

  /** Marks a row purged unless it went on legal hold meanwhile; true when this call marked it. */
  async markPurged(id: string, at: Date): Promise<boolean> {
    const r = await this.recordings
      .createQueryBuilder()
      .update()
      .set({ status: 'purged', purged_at: at, updated_at: at })
      .where('id = :id', { id })
      .andWhere('legal_hold = 0')
      .andWhere('purged_at IS NULL')
      .execute();
    return (r.affected ?? 0) > 0;
  }

  // ---- supervisors' teams ---------------------------------------------------------------------------------------

  async supervisorTeams(userId: number): Promise<string[]> {
    const rows = await this.ds.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).find({ where: { user_id: userId }, order: { team: 'ASC' } });
    return rows.map((r) => r.team);
  }
}

const STORES = new WeakMap<DataSource, RecordingStore>();

/** The recording store of a database (shared by the runtime and the API). */
export function recordingStoreFor(ds: DataSource): RecordingStore {
  let s = STORES.get(ds);
  if (!s) {
    s = new RecordingStore(ds);
    STORES.set(ds, s);
  }
  return s;
}
