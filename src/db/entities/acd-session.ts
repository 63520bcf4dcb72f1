import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * ACD agent sessions: one row per logged-in agent with the state the engine last gave them, so a restart of the
 * service brings agents back logged in (src/acd/agent-sessions.ts). A logged-out agent has no row.
 */
export interface AcdAgentSessionRow {
  /** acd_agents.id. */
  agent_id: number;
  /** The engine state: available, not_ready, reserved, on_call, wrap_up. */
  state: string;
  /** The not-ready reason (null otherwise). */
  reason: string | null;
  /** The queue of the agent's current or last call (its wrapUpSec applies after a restart); null: none. */
  queue: string | null;
  /** When the agent entered `state`. */
  since: Date;
  updated_at: Date;
}

export const ACD_SESSION_LIMITS = { state: 16, reason: 64, queue: 64 } as const;

export const AcdAgentSessionSchema = new EntitySchema<AcdAgentSessionRow>({
  name: 'AcdAgentSession',
  tableName: 'acd_agent_sessions',
  columns: {
    agent_id: { type: 'int', primary: true },
    state: { type: 'varchar', length: ACD_SESSION_LIMITS.state },
    reason: { type: 'varchar', length: ACD_SESSION_LIMITS.reason, nullable: true },
    queue: { type: 'varchar', length: ACD_SESSION_LIMITS.queue, nullable: true },
    since: timestamp(),
    updated_at: timestamp(),
  },
});
