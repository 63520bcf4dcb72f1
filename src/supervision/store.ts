/**
 * Supervision's tables: supervisors (softphone extension), supervisor_teams (shared with recordings: which agent
 * teams a supervisor may supervise) and supervision_sessions (one row per session, its mode history and outcome).
 */
import type { DataSource } from 'typeorm';
import { SupervisorTeamSchema, type SupervisorTeamRow } from '../db/entities/recording';
import { SupervisionSessionSchema, SupervisorSchema, type SupervisionSessionOutcome, type SupervisionSessionRow, type SupervisorRow } from '../db/entities/supervision';
import type { SupervisionMode } from '../freeswitch/supervision-builders';

export interface ModeChange {
  mode: SupervisionMode | 'take_over';
  at: string;
  /** api: through the API; phone: the supervisor pressed a mode key; start: the mode the session started in. */
  by: 'start' | 'api' | 'phone';
}

export interface SupervisorInfo {
  user_id: number;
  extension: string | null;
  teams: string[];
}

export class SupervisionStore {
  constructor(private readonly ds: DataSource) {}

  async supervisor(userId: number): Promise<SupervisorInfo> {
    const row = await this.ds.getRepository<SupervisorRow>(SupervisorSchema).findOneBy({ user_id: userId });
    const teams = await this.ds.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).findBy({ user_id: userId });
    return { user_id: userId, extension: row?.extension ?? null, teams: teams.map((t) => t.team).sort() };
  }

  async supervisors(): Promise<SupervisorInfo[]> {
    const rows = await this.ds.getRepository<SupervisorRow>(SupervisorSchema).find();
    const teams = await this.ds.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).find();
    const ids = new Set([...rows.map((r) => r.user_id), ...teams.map((t) => t.user_id)]);
    return [...ids]
      .sort((a, b) => a - b)
      .map((id) => ({
        user_id: id,
        extension: rows.find((r) => r.user_id === id)?.extension ?? null,
        teams: teams.filter((t) => t.user_id === id).map((t) => t.team).sort(),
      }));
  }

  /** Replaces a supervisor's teams (and extension when given; null clears it), in one transaction. */
  async setSupervisor(userId: number, teams: string[], extension: string | null | undefined, now: Date): Promise<SupervisorInfo> {
    await this.ds.transaction(async (m) => {
      await m.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).delete({ user_id: userId });
      const unique = [...new Set(teams)];
      if (unique.length) await m.getRepository<SupervisorTeamRow>(SupervisorTeamSchema).insert(unique.map((team) => ({ user_id: userId, team })));
      const repo = m.getRepository<SupervisorRow>(SupervisorSchema);
      const existing = await repo.findOneBy({ user_id: userId });
      const ext = extension === undefined ? (existing?.extension ?? null) : extension;
      if (existing) await repo.update({ user_id: userId }, { extension: ext, updated_at: now });
      else await repo.insert({ user_id: userId, extension: ext, updated_at: now });
    });
    return this.supervisor(userId);
  }

  async insertSession(row: Omit<SupervisionSessionRow, 'id'>): Promise<SupervisionSessionRow> {
    const repo = this.ds.getRepository<SupervisionSessionRow>(SupervisionSessionSchema);
    const saved = await repo.save({ ...row } as Partial<SupervisionSessionRow>);
    return saved as SupervisionSessionRow;
  }

  async updateSession(id: number, patch: Partial<Pick<SupervisionSessionRow, 'mode' | 'mode_history' | 'answered_at' | 'ended_at' | 'outcome'>>): Promise<void> {
    await this.ds.getRepository<SupervisionSessionRow>(SupervisionSessionSchema).update({ id }, patch);
  }

  /** Sessions still open on a node as far as the database knows (a takeover looks at them). */
  async openSessionsOn(node: string): Promise<SupervisionSessionRow[]> {
    return this.ds
      .getRepository<SupervisionSessionRow>(SupervisionSessionSchema)
      .createQueryBuilder('s')
      .where('s.node = :node AND s.ended_at IS NULL', { node })
      .orderBy('s.id', 'ASC')
      .getMany();
  }

  async session(id: number): Promise<SupervisionSessionRow | null> {
    return this.ds.getRepository<SupervisionSessionRow>(SupervisionSessionSchema).findOneBy({ id });
  }

  async sessions(filter: { supervisorUserId?: number; agentId?: number; active?: boolean; limit: number }): Promise<SupervisionSessionRow[]> {
    const qb = this.ds.getRepository<SupervisionSessionRow>(SupervisionSessionSchema).createQueryBuilder('s');
    if (filter.supervisorUserId !== undefined) qb.andWhere('s.supervisor_user_id = :u', { u: filter.supervisorUserId });
    if (filter.agentId !== undefined) qb.andWhere('s.agent_id = :a', { a: filter.agentId });
    if (filter.active === true) qb.andWhere('s.ended_at IS NULL');
    if (filter.active === false) qb.andWhere('s.ended_at IS NOT NULL');
    return qb.orderBy('s.id', 'DESC').limit(filter.limit).getMany();
  }
}

export function parseHistory(text: string): ModeChange[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as ModeChange[]) : [];
  } catch {
    return [];
  }
}

export type { SupervisionSessionOutcome, SupervisionSessionRow };
