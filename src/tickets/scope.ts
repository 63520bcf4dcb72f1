/**
 * Who sees which tickets: admins (users and keys) all; a supervisor user the tickets assigned to one of their teams
 * or to an agent of those teams (the same supervisor_teams link as recordings and live agents), and the ones they
 * created; an agent user the tickets assigned to them and the ones they created. A supervisor or agent API key has
 * no teams or agent and sees none.
 */
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { Principal } from '../auth/principal';

export type TicketScope = { kind: 'all' } | { kind: 'some'; userId: number; agentIds: number[]; teams: string[] } | { kind: 'none'; reason: string };

export interface TicketScopeDeps {
  acd: AcdConfigStoreImpl;
  supervisorTeams: (userId: number) => Promise<string[]>;
}

export async function ticketScope(principal: Principal, deps: TicketScopeDeps): Promise<TicketScope> {
  if (principal.role === 'admin') return { kind: 'all' };
  if (principal.kind !== 'user') return { kind: 'none', reason: 'an API key has no teams or agent; use an admin key or log in' };
  await deps.acd.ensureLoaded();
  if (principal.role === 'supervisor') {
    const teams = await deps.supervisorTeams(principal.id);
    const set = new Set(teams);
    const agentIds = deps.acd.listAgents().filter((a) => a.teams.some((t) => set.has(t))).map((a) => a.id);
    return { kind: 'some', userId: principal.id, agentIds, teams };
  }
  const me = deps.acd.agentByUserId(principal.id);
  return { kind: 'some', userId: principal.id, agentIds: me ? [me.id] : [], teams: [] };
}

/** Whether a scope admits a ticket with these assignees and creator (for checks before writing). */
export function scopeAdmits(scope: TicketScope, t: { created_by: number | null; assignee_agent_id: number | null; assignee_team: string | null }): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'none') return false;
  return t.created_by === scope.userId || (t.assignee_agent_id !== null && scope.agentIds.includes(t.assignee_agent_id)) || (t.assignee_team !== null && scope.teams.includes(t.assignee_team));
}
