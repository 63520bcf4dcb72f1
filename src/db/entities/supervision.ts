import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * Live call supervision (src/supervision):
 * - supervisors: the softphone extension a supervisor (or admin) is reached on when they supervise a call;
 * - supervisor_teams (created by the recordings migration, entity SupervisorTeamSchema in ./recording, shared): which
 *   agent teams (acd_agents.teams) a supervisor may supervise; admins supervise every team;
 * - supervision_sessions: one row per listen/whisper/barge session, with its mode history and how it ended.
 */

export interface SupervisorRow {
  /** users.id of the supervisor (or admin). */
  user_id: number;
  /** SIP extension of their softphone (user/<extension>). */
  extension: string | null;
  updated_at: Date;
}

export type SupervisionSessionOutcome =
  /** The supervisor (or an admin) ended the session through the API. */
  | 'ended'
  /** The supervisor hung up their phone. */
  | 'supervisor_hangup'
  /** The agent's call ended (either side hung up, or a force hangup). */
  | 'call_ended'
  /** The supervisor took the call over: the customer is with them, the agent was released. */
  | 'taken_over'
  /** The supervisor's phone did not answer (or FreeSWITCH refused the originate). */
  | 'failed'
  /** The service stopped, or FreeSWITCH reconnected without the legs. */
  | 'aborted';

export interface SupervisionSessionRow {
  id: number;
  supervisor_user_id: number;
  /** Who started it, as the audit log names them. */
  supervisor_name: string;
  agent_id: number;
  /** The customer's channel (the queue call id for ACD calls). */
  call_uuid: string;
  /** The agent's leg, the eavesdropped channel. */
  agent_uuid: string;
  /** The supervisor's softphone leg. */
  supervisor_uuid: string;
  node: string;
  /** The supervisor's extension the leg rang. */
  extension: string;
  /** The current (or last) mode. */
  mode: string;
  /** JSON text: [{mode, at, by}] in order; `by` is `api` or `phone` (the supervisor pressed a mode key). */
  mode_history: string;
  started_at: Date;
  /** When the supervisor's phone answered (null: it never did). */
  answered_at: Date | null;
  ended_at: Date | null;
  outcome: SupervisionSessionOutcome | null;
}

export const SUPERVISION_LIMITS = { extension: 64, team: 64, uuid: 64, node: 64, name: 128, mode: 16, outcome: 32 } as const;

export const SupervisorSchema = new EntitySchema<SupervisorRow>({
  name: 'Supervisor',
  tableName: 'supervisors',
  columns: {
    user_id: { type: 'int', primary: true },
    extension: { type: 'varchar', length: SUPERVISION_LIMITS.extension, nullable: true },
    updated_at: timestamp(),
  },
});

export const SupervisionSessionSchema = new EntitySchema<SupervisionSessionRow>({
  name: 'SupervisionSession',
  tableName: 'supervision_sessions',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    supervisor_user_id: { type: 'int' },
    supervisor_name: { type: 'varchar', length: SUPERVISION_LIMITS.name },
    agent_id: { type: 'int' },
    call_uuid: { type: 'varchar', length: SUPERVISION_LIMITS.uuid },
    agent_uuid: { type: 'varchar', length: SUPERVISION_LIMITS.uuid },
    supervisor_uuid: { type: 'varchar', length: SUPERVISION_LIMITS.uuid },
    node: { type: 'varchar', length: SUPERVISION_LIMITS.node },
    extension: { type: 'varchar', length: SUPERVISION_LIMITS.extension },
    mode: { type: 'varchar', length: SUPERVISION_LIMITS.mode },
    mode_history: { type: 'text' },
    started_at: timestamp(),
    answered_at: timestamp({ nullable: true }),
    ended_at: timestamp({ nullable: true }),
    outcome: { type: 'varchar', length: SUPERVISION_LIMITS.outcome, nullable: true },
  },
});
