/**
 * The team scope of the API: the one check every route that acts on an ACD agent goes through. Routes name where
 * their agent id is (RouteDef.agent: a path parameter or a body field); the registry runs this guard after
 * validation and before the handler, and hands the handler the agent. Routes that find their agent some other way
 * (the agent of a live call, for recording control) call `require` themselves. The rule is src/auth/agent-access.ts.
 */
import type { AcdConfigStoreImpl, StoredAgent } from '../acd/config-store';
import { agentAccess } from '../auth/agent-access';
import type { Principal } from '../auth/principal';
import { HttpProblem } from './problem';

export interface AgentAccessDeps {
  /** The ACD configuration store (loaded on first use). */
  agents: () => AcdConfigStoreImpl;
  /** The teams a supervisor user supervises. */
  supervisorTeams: (userId: number) => Promise<string[]>;
}

export class AgentAccessGuard {
  constructor(private readonly deps: AgentAccessDeps) {}

  /**
   * The agent, when `principal` may act on it. 401 without a principal; 403 for an agent acting on someone else
   * (before any lookup, so agents cannot probe which ids exist); 404 for an unknown agent; 403 outside the scope.
   */
  async require(principal: Principal | null, agentId: number): Promise<StoredAgent> {
    if (!principal) throw new HttpProblem(401, 'authentication required');
    const store = this.deps.agents();
    await store.ensureLoaded();
    if (principal.role === 'agent') {
      const mine = principal.kind === 'user' ? store.agentByUserId(principal.id) : undefined;
      if (!mine || mine.id !== agentId) {
        throw new HttpProblem(403, principal.kind === 'user' ? 'an agent may act only on themselves' : 'an API key is not an agent; log in as the agent');
      }
    }
    const agent = store.getAgent(agentId);
    if (!agent) throw new HttpProblem(404, `agent ${agentId} does not exist`);
    const teams = principal.role === 'supervisor' && principal.kind === 'user' ? await this.deps.supervisorTeams(principal.id) : [];
    const decision = agentAccess(principal, agent, teams);
    if (!decision.allowed) throw new HttpProblem(403, decision.reason, { type: 'agent-out-of-scope' });
    return agent;
  }
}
