/** How an agent's state and call read everywhere on the supervisor pages. */
import type { AgentState, LiveAgent } from './types';

export const STATE_LABEL: Record<AgentState, string> = {
  available: 'Ready',
  reserved: 'Ringing',
  on_call: 'On call',
  wrap_up: 'Wrap-up',
  not_ready: 'Not ready',
  logged_out: 'Logged out',
};

/** The pill class of a state (styles.css .pill.<state>). */
export const PILL: Record<AgentState, string> = { available: 'ready', reserved: 'ringing', on_call: 'on_call', wrap_up: 'wrap_up', not_ready: 'not_ready', logged_out: 'logged_out' };

export function StatePill({ agent }: { agent: Pick<LiveAgent, 'state' | 'reason'> }) {
  return (
    <span className={`pill ${PILL[agent.state]}`}>
      {STATE_LABEL[agent.state]}
      {agent.reason && agent.state === 'not_ready' ? ` (${agent.reason})` : ''}
    </span>
  );
}

export function callerText(c: LiveAgent['call']): string {
  if (!c) return '';
  return [c.caller_name, c.caller_number].filter(Boolean).join(' ') || 'unknown caller';
}

