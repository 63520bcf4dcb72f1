/**
 * ACD configuration storage: queues (QueueConfig documents) and agents (user, extension, skills, teams, queues).
 *
 * Every document is validated with the zod schemas below (defaults filled in for what a queue leaves out), plus the
 * checks that need the rest of the configuration (an overflow queue must exist, an agent's queues must exist, one
 * agent per user, one agent per extension). The whole configuration is cached in memory, loaded once; every change
 * goes through this store, which updates the cache and then tells its listeners (the runtime re-configures the
 * engine) with the full new configuration. Writes are serialised, so listeners see changes in the order they were
 * saved. `acdConfigStoreFor(ds)` gives the one store of a database, shared by the runtime and the API.
 */
import { QueryFailedError, type DataSource } from 'typeorm';
import { z } from 'zod';
import type { Clock } from '../clock/clock';
import { ACD_CONFIG_LIMITS, AcdAgentSchema, AcdQueueSchema, type AcdAgentRow, type AcdQueueRow } from '../db/entities/acd-config';
import { UserSchema, type UserRow } from '../db/entities/user';
import { hangupCause, extension as extensionToken, mediaPath } from '../freeswitch/values';
import type { Logger } from '../log/logger';
import type { AcdConfigStore, AgentConfig, OverflowTarget, QueueConfig, RoutingStrategy } from './contract';

// ---- schemas ---------------------------------------------------------------------------------------------------

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const SKILL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
export const TEAM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/;

export const ROUTING_STRATEGIES = [
  'longest_idle',
  'round_robin',
  'ring_all',
  'fewest_calls',
  'least_talk_time',
  'top_down',
  'random',
  'best_skill',
] as const satisfies readonly RoutingStrategy[];

/** What a queue gets for every field its document leaves out. */
export const DEFAULT_QUEUE_CONFIG: Readonly<Omit<QueueConfig, 'name'>> = Object.freeze({
  strategy: 'longest_idle',
  requiredSkills: [],
  minProficiency: 1,
  relaxation: [],
  serviceLevelSec: 20,
  maxWaitSec: 0,
  overflow: null,
  noAgents: null,
  wrapUpSec: 10,
  offerTimeoutSec: 20,
  maxNoAnswer: 3,
  rejectDelaySec: 5,
  busyDelaySec: 10,
  noAnswerDelaySec: 10,
  mohSound: 'local_stream://moh',
  announceIntervalSec: 30,
  announcePosition: true,
  announceEwt: true,
  callbackKey: null,
  callbackConnect: 'agent_first',
  recordingPolicy: 'never',
  dispositions: [],
});

/** A disposition as the agent API stores it (acd_queue_calls.disposition). */
export const DISPOSITION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 _.:/-]{0,63}$/;

const int = (min: number, max: number) =>
  z
    .number()
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

export const queueNameField = z.string().regex(QUEUE_NAME_PATTERN, 'must be a queue name: letters, digits, _ . - (at most 64), starting with a letter or digit');
const skillName = z.string().regex(SKILL_NAME_PATTERN, 'must be a skill name: letters, digits, _ . - (at most 64)');
const proficiency = int(1, 10);

const unique = <T extends z.ZodType>(item: T, what: string) =>
  z.array(item).refine((a) => new Set(a as unknown[]).size === a.length, `must not list the same ${what} twice`);

/** A value FreeSWITCH will see must pass the command builder's validator; its message becomes the field's error. */
function builderCheck(check: (v: string) => unknown) {
  return (v: string, ctx: z.core.$RefinementCtx<string>) => {
    try {
      check(v);
    } catch (err) {
      const reason = (err as { reason?: string }).reason ?? (err as Error).message;
      ctx.addIssue({ code: 'custom', message: reason, input: v });
    }
  };
}

const overflowTarget = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('queue'), queue: queueNameField }),
  z.strictObject({
    kind: z.literal('voicemail'),
    box: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a voicemail box name: letters, digits, _ . - (at most 64)'),
  }),
  z.strictObject({ kind: z.literal('callback') }),
  z.strictObject({ kind: z.literal('hangup'), cause: z.string().superRefine(builderCheck((v) => hangupCause(v))) }),
]);

/** Every QueueConfig field but the name, without defaults (create fills them in; update merges). */
const queueFields = {
  strategy: z.enum(ROUTING_STRATEGIES),
  requiredSkills: unique(skillName, 'skill').max(20, 'at most 20 skills'),
  minProficiency: proficiency,
  relaxation: z
    .array(z.strictObject({ afterSec: int(1, 86_400), minProficiency: proficiency.nullable() }))
    .max(10, 'at most 10 steps')
    .refine((steps) => steps.every((s, i) => i === 0 || s.afterSec > steps[i - 1]!.afterSec), 'steps must be in ascending afterSec order'),
  serviceLevelSec: int(1, 3600),
  maxWaitSec: int(0, 86_400),
  overflow: overflowTarget.nullable(),
  noAgents: overflowTarget.nullable(),
  wrapUpSec: int(0, 3600),
  offerTimeoutSec: int(5, 300),
  maxNoAnswer: int(0, 100),
  rejectDelaySec: int(0, 3600),
  busyDelaySec: int(0, 3600),
  noAnswerDelaySec: int(0, 3600),
  mohSound: z.string().max(1024, 'must be at most 1024 characters').superRefine(builderCheck((v) => mediaPath(v, 'mohSound'))),
  announceIntervalSec: int(0, 3600),
  announcePosition: z.boolean(),
  announceEwt: z.boolean(),
  callbackKey: z.string().regex(/^[0-9*#]$/, 'must be one DTMF key: 0-9, * or #').nullable(),
  callbackConnect: z.enum(['agent_first', 'customer_first']),
  recordingPolicy: z.enum(['never', 'always', 'on_demand']),
  /** The agent picks one of these in wrap-up (the disposition route refuses others); empty: free text. */
  dispositions: unique(z.string().regex(DISPOSITION_PATTERN, 'must be 1-64 letters, digits, space _ . : / - (e.g. "sale")'), 'disposition').max(50, 'at most 50 dispositions'),
  /** Caller VIP level ('1'-'5', from the caller's profile) -> priority added when the call enters the queue. */
  vipPriority: z.record(z.string().regex(/^[1-5]$/, 'must be a VIP level 1-5'), int(0, 1000)).optional(),
  /** Post-call survey: callers who opted in (csat_optin=1) and stay on after the agent hangs up go to this IVR flow. */
  csat: z
    .strictObject({
      enabled: z.boolean(),
      flow: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be an IVR flow name: a-z 0-9 _ - (at most 64)'),
    })
    .nullable()
    .optional(),
  /** Nailed-up agents: each logged-in agent keeps one call to their phone up, and offers are bridged to it at once. */
  nailedUp: z.boolean().optional(),
};

/** A whole, stored queue document. */
export const queueConfigSchema = z.strictObject({ name: queueNameField, ...queueFields });
/** A new queue: the name and any fields (the rest from DEFAULT_QUEUE_CONFIG). */
export const queueCreateSchema = z.strictObject({ name: queueNameField, ...queueFields }).partial().required({ name: true });
/** A change to a queue: any fields but the name. */
export const queuePatchSchema = z.strictObject(queueFields).partial();

export type QueueCreateInput = z.output<typeof queueCreateSchema>;
export type QueuePatchInput = z.output<typeof queuePatchSchema>;

const agentNameField = z
  .string()
  .min(1, 'must not be empty')
  .max(ACD_CONFIG_LIMITS.agentName, `must be at most ${ACD_CONFIG_LIMITS.agentName} characters`)
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s), 'must not contain control characters');

const agentFields = {
  user_id: z.number().int('must be a whole number').min(1, 'must be a user id'),
  name: agentNameField,
  extension: z.string().superRefine(builderCheck((v) => extensionToken(v))),
  skills: z
    .record(skillName, proficiency)
    .refine((r) => Object.keys(r).length <= 50, 'at most 50 skills')
    .meta({ description: 'skill name -> proficiency 1-10' }),
  teams: unique(z.string().regex(TEAM_NAME_PATTERN, 'must be a team name: letters, digits, space _ . - (at most 64)'), 'team').max(20, 'at most 20 teams'),
  queues: z
    .array(z.strictObject({ queue: queueNameField, tier: int(1, 100).default(1) }))
    .max(50, 'at most 50 queues')
    .refine((a) => new Set(a.map((q) => q.queue)).size === a.length, 'must not list the same queue twice'),
  enabled: z.boolean(),
};

export const agentCreateSchema = z.strictObject(agentFields).partial().required({ user_id: true, extension: true });
export const agentPatchSchema = z.strictObject(agentFields).partial();
export type AgentCreateInput = z.output<typeof agentCreateSchema>;
export type AgentPatchInput = z.output<typeof agentPatchSchema>;

// ---- stored shapes ---------------------------------------------------------------------------------------------

export interface StoredQueue {
  name: string;
  config: QueueConfig;
  updated_at: Date;
  updated_by: string;
}

export interface StoredAgent {
  id: number;
  user_id: number;
  name: string;
  extension: string;
  skills: Record<string, number>;
  teams: string[];
  queues: Array<{ queue: string; tier: number }>;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface AcdConfiguration {
  queues: QueueConfig[];
  agents: AgentConfig[];
}

export class AcdConfigError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
    /** The body field at fault (dotted), for 'invalid'. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AcdConfigError';
  }
}

/** A deep copy of plain JSON data and Dates (not structuredClone: its Dates are not `instanceof Date` across realms). */
function clone<T>(v: T): T {
  if (v instanceof Date) return new Date(v.getTime()) as T;
  if (Array.isArray(v)) return v.map(clone) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)])) as T;
  return v;
}

function parseJson(text: string, fallback: unknown): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return fallback;
  }
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const e = err as QueryFailedError & { code?: string; driverError?: { code?: string } };
  const code = e.driverError?.code ?? e.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || /UNIQUE constraint/i.test(e.message);
}

function toAgentConfig(a: StoredAgent): AgentConfig {
  return { id: a.id, userId: a.user_id, name: a.name, extension: a.extension, skills: { ...a.skills }, teams: [...a.teams], queues: a.queues.map((q) => ({ ...q })) };
}

export class AcdConfigStoreImpl implements AcdConfigStore {
  private readonly queueMap = new Map<string, StoredQueue>();
  private readonly agentMap = new Map<number, StoredAgent>();
  private readonly listeners = new Set<(config: AcdConfiguration) => void>();
  private loaded = false;
  private loading: Promise<void> | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private readonly log: Logger;

  constructor(
    private readonly ds: DataSource,
    private readonly options: { clock: Clock; logger: Logger },
  ) {
    this.log = options.logger.child({ module: 'acd-config' });
  }

  // ---- AcdConfigStore ------------------------------------------------------------------------------------------

  /** The configuration for the engine (enabled agents only), loading it from the database the first time. */
  async load(): Promise<AcdConfiguration> {
    await this.ensureLoaded();
    return this.config();
  }

  onChange(listener: (config: AcdConfiguration) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- loading -------------------------------------------------------------------------------------------------

  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Reads everything again from the database (e.g. after a user was deleted with their agent row) and notifies. */
  async reload(): Promise<void> {
    const queues = await this.ds.getRepository<AcdQueueRow>(AcdQueueSchema).find();
    const agents = await this.ds.getRepository<AcdAgentRow>(AcdAgentSchema).find({ order: { id: 'ASC' } });
    this.queueMap.clear();
    for (const row of queues) {
      const parsed = queueConfigSchema.safeParse({ ...DEFAULT_QUEUE_CONFIG, ...(parseJson(row.config, {}) as object), name: row.name });
      if (!parsed.success) {
        this.log.error('stored queue configuration is not valid; skipped', { queue: row.name, error: parsed.error.issues[0]?.message });
        continue;
      }
      this.queueMap.set(row.name, { name: row.name, config: parsed.data, updated_at: row.updated_at, updated_by: row.updated_by });
    }
    this.agentMap.clear();
    for (const row of agents) this.agentMap.set(row.id, this.fromAgentRow(row));
    const wasLoaded = this.loaded;
    this.loaded = true;
    if (wasLoaded) this.emit();
  }

  private fromAgentRow(row: AcdAgentRow): StoredAgent {
    const skills = agentFields.skills.safeParse(parseJson(row.skills, {}));
    const teams = agentFields.teams.safeParse(parseJson(row.teams, []));
    const queues = agentFields.queues.safeParse(parseJson(row.queues, []));
    if (!skills.success || !teams.success || !queues.success) this.log.warn('stored agent has invalid JSON columns; treated as empty', { agent: row.id });
    return {
      id: row.id,
      user_id: row.user_id,
      name: row.name,
      extension: row.extension,
      skills: skills.success ? skills.data : {},
      teams: teams.success ? teams.data : [],
      queues: queues.success ? queues.data : [],
      enabled: Boolean(row.enabled),
      created_at: row.created_at,
      updated_at: row.updated_at,
    };
  }

  // ---- reads (from memory) -------------------------------------------------------------------------------------

  /** The engine's view: every queue, and the enabled agents. */
  config(): AcdConfiguration {
    return {
      queues: [...this.queueMap.values()].sort((a, b) => a.name.localeCompare(b.name)).map((q) => clone(q.config)),
      agents: [...this.agentMap.values()].filter((a) => a.enabled).sort((a, b) => a.id - b.id).map(toAgentConfig),
    };
  }

  listQueues(): StoredQueue[] {
    return [...this.queueMap.values()].sort((a, b) => a.name.localeCompare(b.name)).map(clone);
  }

  getQueue(name: string): StoredQueue | undefined {
    const q = this.queueMap.get(name);
    return q ? clone(q) : undefined;
  }

  listAgents(filter: { queue?: string; team?: string; enabled?: boolean } = {}): StoredAgent[] {
    return [...this.agentMap.values()]
      .filter((a) => filter.queue === undefined || a.queues.some((q) => q.queue === filter.queue))
      .filter((a) => filter.team === undefined || a.teams.includes(filter.team))
      .filter((a) => filter.enabled === undefined || a.enabled === filter.enabled)
      .sort((a, b) => a.id - b.id)
      .map(clone);
  }

  getAgent(id: number): StoredAgent | undefined {
    const a = this.agentMap.get(id);
    return a ? clone(a) : undefined;
  }

  /**
   * The names of the queues an agent serves, without copying the rest of the agent (getAgent clones it whole): the
   * live hub asks on every agent state change.
   */
  agentQueueNames(id: number): string[] {
    return this.agentMap.get(id)?.queues.map((q) => q.queue) ?? [];
  }

  /** The agent linked to a user account (an agent acts only as this one). */
  agentByUserId(userId: number): StoredAgent | undefined {
    for (const a of this.agentMap.values()) if (a.user_id === userId) return clone(a);
    return undefined;
  }

  agentByExtension(extension: string): StoredAgent | undefined {
    for (const a of this.agentMap.values()) if (a.extension === extension) return clone(a);
    return undefined;
  }

  // ---- queue changes -------------------------------------------------------------------------------------------

  async createQueue(input: QueueCreateInput, by: string): Promise<StoredQueue> {
    return this.exclusive(async () => {
      if (this.queueMap.has(input.name)) throw new AcdConfigError('conflict', `queue "${input.name}" exists`);
      const config = this.checkQueue({ ...clone(DEFAULT_QUEUE_CONFIG), ...stripUndefined(input) } as QueueConfig);
      return this.writeQueue(config, by);
    });
  }

  /** Merges `patch` into the queue's document; returns the queue before and after. */
  async updateQueue(name: string, patch: QueuePatchInput, by: string): Promise<{ before: StoredQueue; after: StoredQueue }> {
    return this.exclusive(async () => {
      const current = this.queueMap.get(name);
      if (!current) throw new AcdConfigError('not_found', `queue "${name}" does not exist`);
      const before = clone(current);
      const config = this.checkQueue({ ...clone(current.config), ...stripUndefined(patch), name } as QueueConfig);
      return { before, after: await this.writeQueue(config, by) };
    });
  }

  /** Refused while an agent serves the queue or another queue overflows to it. */
  async deleteQueue(name: string): Promise<StoredQueue> {
    return this.exclusive(async () => {
      const current = this.queueMap.get(name);
      if (!current) throw new AcdConfigError('not_found', `queue "${name}" does not exist`);
      const agents = [...this.agentMap.values()].filter((a) => a.queues.some((q) => q.queue === name)).map((a) => a.id);
      if (agents.length)
        throw new AcdConfigError('conflict', `queue "${name}" is served by agent${agents.length > 1 ? 's' : ''} ${agents.join(', ')}; remove it from them first`);
      const users = [...this.queueMap.values()]
        .filter((q) => q.name !== name && [q.config.overflow, q.config.noAgents].some((t) => t?.kind === 'queue' && t.queue === name))
        .map((q) => q.name);
      if (users.length) throw new AcdConfigError('conflict', `queue "${name}" is the overflow of queue ${users.join(', ')}`);
      await this.ds.getRepository<AcdQueueRow>(AcdQueueSchema).delete({ name });
      this.queueMap.delete(name);
      this.emit();
      return clone(current);
    });
  }

  private checkQueue(candidate: QueueConfig): QueueConfig {
    const parsed = queueConfigSchema.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AcdConfigError('invalid', issue.message, issue.path.join('.'));
    }
    const config = parsed.data as QueueConfig;
    for (const key of ['overflow', 'noAgents'] as const) {
      const t: OverflowTarget | null = config[key];
      if (t?.kind !== 'queue') continue;
      if (t.queue === config.name) throw new AcdConfigError('invalid', 'a queue cannot overflow to itself', `${key}.queue`);
      if (!this.queueMap.has(t.queue)) throw new AcdConfigError('invalid', `queue "${t.queue}" does not exist`, `${key}.queue`);
    }
    return config;
  }

  private async writeQueue(config: QueueConfig, by: string): Promise<StoredQueue> {
    const row: AcdQueueRow = {
      name: config.name,
      config: JSON.stringify(config),
      updated_at: new Date(this.options.clock.now()),
      updated_by: by.slice(0, ACD_CONFIG_LIMITS.by),
    };
    await this.ds.getRepository<AcdQueueRow>(AcdQueueSchema).save(row);
    const stored: StoredQueue = { name: row.name, config, updated_at: row.updated_at, updated_by: row.updated_by };
    this.queueMap.set(row.name, stored);
    this.emit();
    return clone(stored);
  }

  // ---- agent changes -------------------------------------------------------------------------------------------

  async createAgent(input: AgentCreateInput): Promise<StoredAgent> {
    return this.exclusive(async () => {
      const user = await this.ds.getRepository<UserRow>(UserSchema).findOneBy({ id: input.user_id });
      if (!user) throw new AcdConfigError('invalid', `user ${input.user_id} does not exist`, 'user_id');
      const now = new Date(this.options.clock.now());
      const candidate: StoredAgent = {
        id: 0,
        user_id: input.user_id,
        name: input.name ?? user.display_name ?? user.username,
        extension: input.extension,
        skills: input.skills ?? {},
        teams: input.teams ?? [],
        queues: input.queues ?? [],
        enabled: input.enabled ?? true,
        created_at: now,
        updated_at: now,
      };
      this.checkAgent(candidate);
      return this.writeAgent(candidate);
    });
  }

  async updateAgent(id: number, patch: AgentPatchInput): Promise<{ before: StoredAgent; after: StoredAgent }> {
    return this.exclusive(async () => {
      const current = this.agentMap.get(id);
      if (!current) throw new AcdConfigError('not_found', `agent ${id} does not exist`);
      if (patch.user_id !== undefined && patch.user_id !== current.user_id) {
        const user = await this.ds.getRepository<UserRow>(UserSchema).findOneBy({ id: patch.user_id });
        if (!user) throw new AcdConfigError('invalid', `user ${patch.user_id} does not exist`, 'user_id');
      }
      const before = clone(current);
      const candidate: StoredAgent = { ...clone(current), ...stripUndefined(patch), id, updated_at: new Date(this.options.clock.now()) };
      this.checkAgent(candidate);
      return { before, after: await this.writeAgent(candidate) };
    });
  }

  async deleteAgent(id: number): Promise<StoredAgent> {
    return this.exclusive(async () => {
      const current = this.agentMap.get(id);
      if (!current) throw new AcdConfigError('not_found', `agent ${id} does not exist`);
      await this.ds.getRepository<AcdAgentRow>(AcdAgentSchema).delete({ id });
      this.agentMap.delete(id);
      this.emit();
      return clone(current);
    });
  }

  private checkAgent(a: StoredAgent): void {
    for (const other of this.agentMap.values()) {
      if (other.id === a.id) continue;
      if (other.user_id === a.user_id) throw new AcdConfigError('conflict', `user ${a.user_id} is already agent ${other.id}`);
      if (other.extension === a.extension) throw new AcdConfigError('conflict', `extension ${a.extension} is already agent ${other.id}'s`);
    }
    a.queues.forEach((q, i) => {
      if (!this.queueMap.has(q.queue)) throw new AcdConfigError('invalid', `queue "${q.queue}" does not exist`, `queues.${i}.queue`);
    });
  }

  private async writeAgent(a: StoredAgent): Promise<StoredAgent> {
    const row: Partial<AcdAgentRow> = {
      user_id: a.user_id,
      name: a.name,
      extension: a.extension,
      skills: JSON.stringify(a.skills),
      teams: JSON.stringify(a.teams),
      queues: JSON.stringify(a.queues),
      enabled: a.enabled,
      created_at: a.created_at,
      updated_at: a.updated_at,
    };
    if (a.id) row.id = a.id;
    let saved: AcdAgentRow;
    try {
      saved = (await this.ds.getRepository<AcdAgentRow>(AcdAgentSchema).save(row)) as AcdAgentRow;
    } catch (err) {
      if (isUniqueViolation(err)) throw new AcdConfigError('conflict', 'another agent has this user or extension');
      throw err;
    }
    const stored: StoredAgent = { ...a, id: saved.id };
    this.agentMap.set(stored.id, stored);
    this.emit();
    return clone(stored);
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------

  /** Runs one change at a time (after loading), so the cache and the listeners see changes in save order. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writes.then(() => this.ensureLoaded()).then(fn);
    this.writes = run.catch(() => undefined);
    return run;
  }

  private emit(): void {
    if (!this.listeners.size) return;
    const config = this.config();
    for (const listener of [...this.listeners]) {
      try {
        listener(config);
      } catch (err) {
        this.log.error('ACD configuration listener failed', { error: err instanceof Error ? err.stack : String(err) });
      }
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const STORES = new WeakMap<DataSource, AcdConfigStoreImpl>();

/** The one ACD configuration store of a database: the runtime and the API share it (and its cache). */
export function acdConfigStoreFor(ds: DataSource, options: { clock: Clock; logger: Logger }): AcdConfigStoreImpl {
  let store = STORES.get(ds);
  if (!store) {
    store = new AcdConfigStoreImpl(ds, options);
    STORES.set(ds, store);
  }
  return store;
}

// ---- demo ------------------------------------------------------------------------------------------------------

/** Queues the shipped example IVR flows route to (sales, support, billing). */
export const DEMO_QUEUES: QueueCreateInput[] = [
  { name: 'sales', strategy: 'longest_idle', requiredSkills: ['sales'], serviceLevelSec: 20, wrapUpSec: 5, maxWaitSec: 300, overflow: { kind: 'queue', queue: 'support' }, dispositions: ['sale', 'no sale', 'quote sent', 'call back later'], csat: { enabled: true, flow: 'csat-survey' } },
  {
    name: 'support',
    strategy: 'best_skill',
    requiredSkills: ['support'],
    minProficiency: 5,
    relaxation: [
      { afterSec: 30, minProficiency: 3 },
      { afterSec: 60, minProficiency: null },
    ],
    serviceLevelSec: 30,
    wrapUpSec: 5,
    dispositions: ['resolved', 'escalated', 'follow-up needed'],
  },
  { name: 'billing', strategy: 'top_down', requiredSkills: ['billing'], serviceLevelSec: 20, wrapUpSec: 5, callbackKey: '*', dispositions: ['paid', 'payment plan', 'dispute'] },
];

export interface DemoAgentInput {
  userId: number;
  extension: string;
  name?: string;
  skills?: Record<string, number>;
  teams?: string[];
  queues?: Array<{ queue: string; tier?: number }>;
}

/**
 * Creates the demo queues and agents that do not exist yet (idempotent: queues by name, agents by user). Queues
 * overflowing to another are created after it. Returns what it created.
 */
export async function seedDemoConfig(
  store: AcdConfigStoreImpl,
  options: { agents: DemoAgentInput[]; queues?: QueueCreateInput[]; by?: string },
): Promise<{ queues: string[]; agents: number[] }> {
  await store.ensureLoaded();
  const by = options.by ?? 'demo';
  const queues = options.queues ?? DEMO_QUEUES;
  const created = { queues: [] as string[], agents: [] as number[] };
  const pending = queues.filter((q) => !store.getQueue(q.name));
  // Overflow targets first.
  const order = [...pending].sort((a, b) => Number(refersTo(a, b.name)) - Number(refersTo(b, a.name)));
  for (const q of order) created.queues.push((await store.createQueue(queueCreateSchema.parse(q), by)).name);
  for (const a of options.agents) {
    if (store.agentByUserId(a.userId)) continue;
    const input = agentCreateSchema.parse({
      user_id: a.userId,
      extension: a.extension,
      ...(a.name !== undefined ? { name: a.name } : {}),
      skills: a.skills ?? {},
      teams: a.teams ?? [],
      queues: (a.queues ?? []).map((q) => ({ queue: q.queue, tier: q.tier ?? 1 })),
    });
    created.agents.push((await store.createAgent(input)).id);
  }
  return created;
}

function refersTo(q: QueueCreateInput, name: string): boolean {
  return [q.overflow, q.noAgents].some((t) => t?.kind === 'queue' && t.queue === name);
}
