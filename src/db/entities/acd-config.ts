import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * ACD configuration: queues (one JSON QueueConfig document per name) and agents (a user account, a SIP extension,
 * skills with proficiency, teams and the queues they serve). Read and written through src/acd/config-store.ts,
 * which validates every document and keeps the whole configuration cached in memory.
 */

export interface AcdQueueRow {
  /** The queue name, as IVR `queue` nodes name it. */
  name: string;
  /** The QueueConfig as JSON text (validated by config-store.ts; defaults filled in). */
  config: string;
  updated_at: Date;
  updated_by: string;
}

export interface AcdAgentRow {
  id: number;
  /** users.id: the account the agent logs in with (one agent per user). */
  user_id: number;
  name: string;
  /** SIP extension of the agent's softphone (user/<extension>). */
  extension: string;
  /** JSON text: skill name -> proficiency 1-10. */
  skills: string;
  /** JSON text: team names. */
  teams: string;
  /** JSON text: [{queue, tier}]. */
  queues: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export const ACD_CONFIG_LIMITS = { queueName: 64, by: 128, agentName: 128, extension: 64 } as const;

export const AcdQueueSchema = new EntitySchema<AcdQueueRow>({
  name: 'AcdQueue',
  tableName: 'acd_queues',
  columns: {
    name: { type: 'varchar', length: ACD_CONFIG_LIMITS.queueName, primary: true },
    config: { type: 'text' },
    updated_at: timestamp(),
    updated_by: { type: 'varchar', length: ACD_CONFIG_LIMITS.by },
  },
});

export const AcdAgentSchema = new EntitySchema<AcdAgentRow>({
  name: 'AcdAgent',
  tableName: 'acd_agents',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    user_id: { type: 'int', unique: true },
    name: { type: 'varchar', length: ACD_CONFIG_LIMITS.agentName },
    extension: { type: 'varchar', length: ACD_CONFIG_LIMITS.extension, unique: true },
    skills: { type: 'text' },
    teams: { type: 'text' },
    queues: { type: 'text' },
    enabled: { type: 'boolean', default: true },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});
