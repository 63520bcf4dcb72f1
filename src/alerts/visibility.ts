/**
 * Who sees which KPI alerts and rules (README "KPI alerts"). Supervisors are team-scoped in this product (their
 * supervisor_teams, as for live agents, recordings and tickets), so a team-scoped alert follows the same policy:
 * - admins (users and API keys): every alert and rule;
 * - supervisor users: the alerts and rules of the teams they supervise, and every alert and rule not scoped to a team
 *   (a queue, a campaign, the whole service: those are every supervisor's concern, as they were before team scopes);
 * - a supervisor API key has no teams: it sees no team's alert (only the others);
 * - agents: none (the routes refuse them before this).
 * The same rule decides which alerts a supervisor may acknowledge and which WebSocket clients get an alert's pushes.
 */
import type { Principal } from '../auth/principal';
import { teamOfScopeKey } from './rules';

/** `teams: null`: every team (admins). */
export interface AlertVisibility {
  teams: ReadonlySet<string> | null;
}

/** `supervisorTeams`: the teams of the principal when it is a supervisor user (ignored otherwise). */
export function alertVisibility(principal: Principal, supervisorTeams: readonly string[]): AlertVisibility {
  if (principal.role === 'admin') return { teams: null };
  if (principal.role === 'supervisor' && principal.kind === 'user') return { teams: new Set(supervisorTeams) };
  return { teams: new Set() };
}

/** Whether an alert or rule with this scope key (`team:blue`, `queue:support`, `global`...) is visible. */
export function seesScope(v: AlertVisibility, scopeKey: string): boolean {
  const team = teamOfScopeKey(scopeKey);
  return team === null || v.teams === null || v.teams.has(team);
}

/** Why an alert is not visible (403 detail), for a scope key `seesScope` refused. */
export function outOfScopeReason(principal: Principal, scopeKey: string): string {
  const team = teamOfScopeKey(scopeKey);
  return principal.kind === 'user'
    ? `this is an alert of team ${String(team)}, which you do not supervise`
    : `this is an alert of team ${String(team)}; a supervisor API key has no teams (use an admin key or log in)`;
}
