/**
 * Repeated agent state requests are idempotent: asking for the state an agent is already in (ready when available,
 * not ready with the reason they already have, logout when logged out, login when logged in, end of wrap-up once it
 * has ended) answers the current state instead of a conflict, so a softphone or a supervisor's console that repeats
 * a click, or clicks "ready" right after "login", never gets a 409. The engine itself stays strict: callers skip
 * the engine input when this says there is nothing to do.
 */
import type { AgentSnapshot } from './contract';

export type AgentStateRequest = 'login' | 'logout' | 'ready' | 'not_ready' | 'end_wrap_up';

export function alreadyInState(agent: Pick<AgentSnapshot, 'state' | 'reason'>, request: AgentStateRequest, reason?: string): boolean {
  switch (request) {
    case 'login':
      return agent.state !== 'logged_out';
    case 'logout':
      return agent.state === 'logged_out';
    case 'ready':
    case 'end_wrap_up':
      return agent.state === 'available';
    case 'not_ready':
      return agent.state === 'not_ready' && agent.reason === reason;
  }
}
