/**
 * Who may see and control which recordings:
 * - admins (users and API keys): everything;
 * - supervisors (users): the agents of the teams linked to them in supervisor_teams (PUT /api/v1/supervision/supervisors/:userId/teams);
 *   a supervisor API key has no teams and is refused;
 * - agents (users): their own recordings only when RECORDINGS_AGENT_ACCESS=true; they control recording of their own
 *   current call only (POST /api/v1/acd/me/call/recording/*).
 * Teams are the ACD agents' `teams` (src/acd/config-store.ts).
 */
import type { AcdConfigStoreImpl } from '../acd/config-store';
import type { Principal } from '../auth/principal';
import type { RecordingStore } from './store';

export type RecordingScope = { kind: 'all' } | { kind: 'agents'; agentIds: number[]; role: 'supervisor' | 'agent' } | { kind: 'none'; reason: string };

/** The agents a supervisor user supervises (through their teams). */
export async function supervisedAgentIds(store: RecordingStore, acd: AcdConfigStoreImpl, userId: number): Promise<number[]> {
  const teams = new Set(await store.supervisorTeams(userId));
  if (!teams.size) return [];
  await acd.ensureLoaded();
  return acd
    .listAgents()
    .filter((a) => a.teams.some((t) => teams.has(t)))
    .map((a) => a.id);
}

/** True when this supervisor user supervises this agent. */
export async function supervises(store: RecordingStore, acd: AcdConfigStoreImpl, userId: number, agentId: number): Promise<boolean> {
  return (await supervisedAgentIds(store, acd, userId)).includes(agentId);
}

/** What recordings a caller may see. */
export async function recordingScope(
  principal: Principal,
  deps: { store: RecordingStore; acd: AcdConfigStoreImpl; agentAccess: boolean },
): Promise<RecordingScope> {
  if (principal.role === 'admin') return { kind: 'all' };
  if (principal.kind !== 'user') return { kind: 'none', reason: 'an API key has no teams or agent; use an admin key or log in' };
  if (principal.role === 'supervisor') return { kind: 'agents', role: 'supervisor', agentIds: await supervisedAgentIds(deps.store, deps.acd, principal.id) };
  if (!deps.agentAccess) return { kind: 'none', reason: 'agents may not access recordings (RECORDINGS_AGENT_ACCESS is false)' };
  await deps.acd.ensureLoaded();
  const me = deps.acd.agentByUserId(principal.id);
  if (!me) return { kind: 'none', reason: `no ACD agent is linked to user ${principal.username}` };
  return { kind: 'agents', role: 'agent', agentIds: [me.id] };
}

export function scopeAllows(scope: RecordingScope, agentId: number | null): boolean {
  if (scope.kind === 'all') return true;
  if (scope.kind === 'none') return false;
  return agentId !== null && scope.agentIds.includes(Number(agentId));
}
