/**
 * Who may act on which ACD agent (change their state, end or control their call, supervise them, record their call,
 * schedule a callback through them):
 * - admins (users and API keys): every agent;
 * - supervisors (users): the agents who share a team with them (supervisor_teams, set through
 *   PUT /api/v1/supervision/supervisors/:userId/teams); a supervisor API key has no teams and reaches no agent;
 * - agents (users): themselves only; an agent API key is nobody's.
 * The API applies it to every route that names an agent (src/api/agent-access.ts); supervision applies the same rule.
 */
import type { Principal } from './principal';

/** The parts of an agent (src/acd/config-store.ts StoredAgent) the rule reads. */
export interface AgentOfTeams {
  id: number;
  user_id: number;
  teams: readonly string[];
}

export type AgentAccessDecision = { allowed: true } | { allowed: false; reason: string };

const DENY = (reason: string): AgentAccessDecision => ({ allowed: false, reason });

/** `supervisorTeams`: the teams of the principal when it is a supervisor user (ignored otherwise). */
export function agentAccess(principal: Principal, agent: AgentOfTeams, supervisorTeams: readonly string[]): AgentAccessDecision {
  switch (principal.role) {
    case 'admin':
      return { allowed: true };
    case 'supervisor':
      if (principal.kind !== 'user') return DENY('a supervisor API key has no teams; use an admin key or log in');
      return agent.teams.some((t) => supervisorTeams.includes(t))
        ? { allowed: true }
        : DENY(`agent ${agent.id} is not in a team you supervise (${principal.username})`);
    case 'agent':
      if (principal.kind !== 'user') return DENY('an API key is not an agent; log in as the agent');
      return agent.user_id === principal.id ? { allowed: true } : DENY('an agent may act only on themselves');
  }
}
