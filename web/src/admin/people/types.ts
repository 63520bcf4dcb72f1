/** The API's shapes used by the people pages (src/api/routes/users.ts, api-keys.ts, sip-accounts.ts, acd-admin.ts). */
import type { Role } from '../../lib/session';

export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];

export interface User {
  id: number;
  username: string;
  role: Role;
  display_name: string | null;
  disabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface ApiKey {
  id: number;
  name: string;
  key_prefix: string;
  role: Role;
  created_by: number | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface ApiKeyCreated {
  api_key: ApiKey;
  key: string;
}

export interface SipAccount {
  id: number;
  user_id: number | null;
  extension: string;
  domain: string;
  display_name: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface SipAccountWithPassword {
  sip_account: SipAccount;
  password: string;
}

export const ROUTING_STRATEGIES = ['longest_idle', 'round_robin', 'ring_all', 'fewest_calls', 'least_talk_time', 'top_down', 'random', 'best_skill'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/** What each strategy does, for the form's hint (src/acd/strategies). */
export const STRATEGY_HINTS: Record<RoutingStrategy, string> = {
  longest_idle: 'the agent idle longest gets the call',
  round_robin: 'agents in turn',
  ring_all: 'every available agent rings; the first to answer gets it',
  fewest_calls: 'the agent with the fewest calls today',
  least_talk_time: 'the agent with the least talk time today',
  top_down: 'by tier, then in list order',
  random: 'a random available agent',
  best_skill: 'the highest proficiency in the required skills',
};

export type OverflowTarget = { kind: 'queue'; queue: string } | { kind: 'voicemail'; box: string } | { kind: 'callback' } | { kind: 'hangup'; cause: string };

export interface QueueConfig {
  name: string;
  strategy: RoutingStrategy;
  requiredSkills: string[];
  minProficiency: number;
  relaxation: Array<{ afterSec: number; minProficiency: number | null }>;
  serviceLevelSec: number;
  maxWaitSec: number;
  overflow: OverflowTarget | null;
  noAgents: OverflowTarget | null;
  wrapUpSec: number;
  offerTimeoutSec: number;
  maxNoAnswer: number;
  rejectDelaySec: number;
  busyDelaySec: number;
  noAnswerDelaySec: number;
  mohSound: string;
  announceIntervalSec: number;
  announcePosition: boolean;
  announceEwt: boolean;
  callbackKey: string | null;
  callbackConnect: 'agent_first' | 'customer_first';
  recordingPolicy: 'never' | 'always' | 'on_demand';
  /** Dispositions agents pick from in wrap-up (empty: free text). */
  dispositions: string[];
}

export interface AcdQueue {
  name: string;
  config: QueueConfig;
  updated_at: string;
  updated_by: string;
}

export interface AcdAgent {
  id: number;
  user_id: number;
  name: string;
  extension: string;
  skills: Record<string, number>;
  teams: string[];
  queues: Array<{ queue: string; tier: number }>;
  enabled: boolean;
  created_at: string;
  updated_at: string;
}

export interface Items<T> {
  items: T[];
}
