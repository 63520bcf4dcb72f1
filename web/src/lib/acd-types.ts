/** ACD shapes shared by the agent desktop and the supervisor pages (src/acd/live.ts agentStateView). */

export type AgentState = 'logged_out' | 'available' | 'not_ready' | 'reserved' | 'on_call' | 'wrap_up';

/** An agent's live state as the REST views and the WebSocket snapshot give it. */
export interface AgentStateView {
  id: number;
  name: string;
  extension: string;
  state: AgentState;
  reason: string | null;
  version: number;
  since: string;
  call_id: string | null;
  calls_handled: number;
  talk_sec: number;
  no_answer_streak?: number;
  phone_registered?: boolean;
}
