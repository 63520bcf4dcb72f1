/**
 * The agent state machine: which state may follow which, and which agent command is accepted in which state.
 *
 *   logged_out --login--> available
 *   available  --setNotReady--> not_ready        available --(offer)--> reserved       any logged in --logout--> logged_out
 *   not_ready  --setReady--> available           not_ready --setNotReady(other reason)--> not_ready
 *   reserved   --(answered)--> on_call           reserved --(offer ended)--> available | not_ready | logged_out
 *   on_call    --(call ended)--> wrap_up         (wrapUpSec 0: straight to what wrap-up would end in)
 *   wrap_up    --(timer) | endWrapUp | setReady--> available, or the pending state (not_ready / logged_out)
 *
 * Direct calls (a transfer to the agent, a 3-way's third agent, a manual outbound call; not routed by the engine):
 *   available  --reserveDirectCall--> reserved   --startDirectCall--> on_call --endDirectCall--> wrap_up (as above)
 *   available  --startDirectCall--> on_call      reserved --endDirectCall (never answered)--> as an offer that ended
 *   not_ready  --reserveDirectCall / startDirectCall (outbound only)--> reserved / on_call; the not-ready (with its
 *              reason) becomes pending and comes back when the call (and its wrap-up) is over.
 * An agent reserved or on a direct call is not offered ACD calls (offers go to available agents only), and a reserved
 * agent belongs to one thing: an ACD offer or a direct call, never both.
 *
 * Commands that cannot act at once are *pending* (kept on the agent, applied when the offer / call / wrap-up ends):
 * setNotReady while reserved, on_call or wrap_up; logout while on_call. Logout while reserved cancels the offer
 * (the call is offered again) and logs out at once; logout during wrap_up ends the wrap-up and logs out at once.
 * Logout while reserved for a direct call logs out at once and forgets the direct call (its later start/end are
 * refused).
 */
import type { AgentState } from './contract';
import { AcdStateError } from './errors';

export const AGENT_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  logged_out: ['available'],
  // available -> on_call: a direct call started without a reservation.
  available: ['not_ready', 'reserved', 'on_call', 'logged_out'],
  // not_ready -> not_ready is a change of reason code; -> reserved / on_call: a manual outbound call.
  not_ready: ['available', 'not_ready', 'reserved', 'on_call', 'logged_out'],
  reserved: ['on_call', 'available', 'not_ready', 'logged_out'],
  on_call: ['wrap_up', 'available', 'not_ready', 'logged_out'],
  wrap_up: ['available', 'not_ready', 'logged_out'],
};

export function canTransition(from: AgentState, to: AgentState): boolean {
  return AGENT_TRANSITIONS[from].includes(to);
}

export function assertTransition(agentId: number, from: AgentState, to: AgentState): void {
  if (!canTransition(from, to)) {
    throw new AcdStateError('invalid_transition', `agent ${agentId} cannot go from ${from} to ${to}`, { agentId, state: from });
  }
}

export type AgentCommand =
  | 'login'
  | 'logout'
  | 'setReady'
  | 'setNotReady'
  | 'endWrapUp'
  | 'reserveDirectCall'
  | 'startDirectCall'
  | 'endDirectCall';

/** What a command does in a state: act now, become pending, or be refused. */
export type CommandEffect = 'now' | 'pending' | 'invalid';

const COMMANDS: Readonly<Record<AgentCommand, Readonly<Record<AgentState, CommandEffect>>>> = {
  login: { logged_out: 'now', available: 'invalid', not_ready: 'invalid', reserved: 'invalid', on_call: 'invalid', wrap_up: 'invalid' },
  logout: { logged_out: 'invalid', available: 'now', not_ready: 'now', reserved: 'now', on_call: 'pending', wrap_up: 'now' },
  setReady: { logged_out: 'invalid', available: 'invalid', not_ready: 'now', reserved: 'invalid', on_call: 'invalid', wrap_up: 'now' },
  setNotReady: { logged_out: 'invalid', available: 'now', not_ready: 'now', reserved: 'pending', on_call: 'pending', wrap_up: 'pending' },
  endWrapUp: { logged_out: 'invalid', available: 'invalid', not_ready: 'invalid', reserved: 'invalid', on_call: 'invalid', wrap_up: 'now' },
  // The engine checks the rest: not_ready only for outbound calls; reserved / on_call only for the agent's own
  // direct call (not an ACD offer or call).
  reserveDirectCall: { logged_out: 'invalid', available: 'now', not_ready: 'now', reserved: 'invalid', on_call: 'invalid', wrap_up: 'invalid' },
  startDirectCall: { logged_out: 'invalid', available: 'now', not_ready: 'now', reserved: 'now', on_call: 'invalid', wrap_up: 'invalid' },
  endDirectCall: { logged_out: 'invalid', available: 'invalid', not_ready: 'invalid', reserved: 'now', on_call: 'now', wrap_up: 'invalid' },
};

export function commandEffect(command: AgentCommand, state: AgentState): CommandEffect {
  return COMMANDS[command][state];
}

/** Throws the AcdStateError for a refused command; returns whether it acts now or is pending. */
export function checkCommand(agentId: number, command: AgentCommand, state: AgentState): 'now' | 'pending' {
  const effect = commandEffect(command, state);
  if (effect === 'invalid') {
    throw new AcdStateError('invalid_transition', `agent ${agentId}: ${command} is not allowed while ${state}`, { agentId, state });
  }
  return effect;
}
