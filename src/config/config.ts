import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { leaseTimingProblem } from '../ha/lease-timing';
import { DEFAULT_PROMPTS_DIR } from '../prompts/catalog';
import { isValidTimeZone } from '../dialer/leads/time-zones';
import { shippedPath } from './package-root';
import { validate as cronValidate } from 'node-cron';

/**
 * The one config loader: every setting comes from the environment, validated by zod. A bad value stops start-up
 * with a message naming the variable and what is wrong with it.
 */

export interface FreeSwitchNodeConfig {
  /** Stable name used in CDRs, logs and metrics: `host:port` unless given as `name=host:port:password`. */
  name: string;
  host: string;
  port: number;
  password: string;
  /**
   * `user@domain` of a directory user to log in as with `userauth` (mod_event_socket checks the user's
   * `esl-password` and limits the connection to its `esl-allowed-api` / `esl-allowed-events`); absent: `auth` with the
   * socket password, which may run every API command.
   */
  user?: string;
}

/** `user@domain` before the first `:` of a node's credential: the userauth form. */
const USERAUTH_CREDENTIAL = /^([A-Za-z0-9][A-Za-z0-9_.-]*@[A-Za-z0-9][A-Za-z0-9.-]*):(.+)$/;

/**
 * Parses `FREESWITCH_NODES`: comma-separated `[name=]host:port:credential`; IPv6 hosts in brackets. The credential is
 * the event socket password, or `user@domain:esl-password` for a directory user (a password is read as a user only
 * when the part before its first `:` is `user@domain`).
 */
export function parseFreeSwitchNodes(value: string): FreeSwitchNodeConfig[] {
  const nodes: FreeSwitchNodeConfig[] = [];
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = raw.indexOf('=');
    const explicitName = eq > 0 ? raw.slice(0, eq) : undefined;
    const spec = eq > 0 ? raw.slice(eq + 1) : raw;
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5}):(.+)$/.exec(spec);
    if (!m) throw new Error(`"${raw}" is not host:port:password`);
    const host = m[1]!.replace(/^\[|\]$/g, '');
    const port = Number(m[2]);
    if (port < 1 || port > 65535) throw new Error(`"${raw}" has port ${port}, outside 1-65535`);
    const credential = m[3]!;
    const user = USERAUTH_CREDENTIAL.exec(credential);
    const name = explicitName ?? `${host}:${port}`;
    nodes.push(user ? { name, host, port, user: user[1]!, password: user[2]! } : { name, host, port, password: credential });
  }
  const names = new Set<string>();
  for (const n of nodes) {
    if (names.has(n.name)) throw new Error(`node name "${n.name}" appears twice`);
    names.add(n.name);
  }
  return nodes;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  HTTP_HOST: z.string().min(1).default('127.0.0.1'),
  CONSOLE_DIR: z.string().min(1).optional(),
  HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  FREESWITCH_NODES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseFreeSwitchNodes(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
  DATA_DIR: z.string().min(1).default('data'),
  DIALPLAN_DIR: z.string().min(1).optional(),
  OUTBOUND_GATEWAY: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a FreeSWITCH gateway name (letters, digits, _ . -)')
    .optional(),
  PHONE_DIAL: z.enum(['sofia', 'user', 'loopback']).default('sofia'),
  PHONE_LOOPBACK_CONTEXT: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a dialplan context name (letters, digits, _ . -)')
    .default('switchboard_drill'),
  SIP_PROFILE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a sofia profile name (letters, digits, _ . -)')
    .refine((v) => v.toLowerCase() !== 'gateway', 'must not be "gateway"')
    .default('internal'),
  SIP_DOMAIN: z
    .string()
    .regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'must be a domain name or IPv4 address')
    .optional(),
  CALLBACK_CALLER_ID: z.string().regex(/^\+?[0-9]{2,20}$/, 'must be a phone number').optional(),
  CRM_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  VOICEMAIL_DIR: z.string().min(1).optional(),
  RECORDINGS_DIR: z
    .string()
    .regex(/^[A-Za-z0-9_.\/ -]+$/, 'must be a path FreeSWITCH can record to: letters, digits, _ . - / and spaces')
    .optional(),
  RECORDINGS_AGENT_ACCESS: bool.default(false),
  PROMPTS_DIR: z
    .string()
    .regex(/^\/(?:[A-Za-z0-9_.-]+(?: [A-Za-z0-9_.-]+)*\/?)*$/, 'must be an absolute path on the FreeSWITCH host: letters, digits, _ . - / and spaces')
    .refine((p) => !p.split('/').some((seg) => seg === '..' || seg === '.'), 'must not contain . or .. segments')
    .default(DEFAULT_PROMPTS_DIR),
  DATABASE_URL: z
    .string()
    .regex(/^(mysql|mariadb|sqlite):/, 'must start with mysql://, mariadb:// or sqlite:')
    .optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(8 * 3600),
  ADMIN_USERNAME: z.string().min(1).optional(),
  ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  ESL_EVENT_QUEUE_MAX: z.coerce.number().int().min(100).default(50_000),
  ESL_COMMAND_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  ESL_RECONNECT_MAX_MS: z.coerce.number().int().min(100).default(30_000),
  CDR_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  CDR_FLUSH_MS: z.coerce.number().int().min(10).default(250),
  CDR_SPOOL_DIR: z.string().min(1).optional(),
  CDR_SPOOL_MAX_MB: z.coerce.number().int().min(1).max(1_000_000).default(1024),
  METRICS_PUBLIC: bool.default(false),
  SUPERVISION_NOTIFY_AGENT: bool.default(false),
  HA_MODE: z.enum(['single', 'lease']).default('single'),
  HA_INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'must be 1-128 of letters, digits, _ . : @ - (unique per instance)')
    .optional(),
  HA_LEASE_TTL_MS: z.coerce.number().int().min(500).default(3000),
  HA_LEASE_RENEW_MS: z.coerce.number().int().min(50).default(1000),
  HA_ADVERTISE_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(512).optional(),
  FOLLOWUP_PREVIEW_CAMPAIGN: z.string().min(1).max(128).default('followup-preview'),
  FOLLOWUP_SURVEY_CAMPAIGN: z.string().min(1).max(128).default('followup-survey'),
  FOLLOWUP_SURVEY_FLOW: z.string().regex(/^[a-z0-9_-]{1,64}$/, 'must be an IVR flow name ([a-z0-9_-], 1-64 chars)').default('csat-survey'),
  FOLLOWUP_QUEUE: z.string().min(1).max(64).default('followups'),
  FOLLOWUP_TIMEZONE: z.string().refine((zone) => isValidTimeZone(zone), 'must be an IANA time zone, e.g. Europe/Paris').default('UTC'),
  FOLLOWUP_WINDOW: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM-HH:MM, e.g. 09:00-20:00').default('09:00-20:00'),
  FOLLOWUP_DISPOSITIONS: z.string().default('').transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean)),
  FOLLOWUP_DISPOSITION_DELAY_MIN: z.coerce.number().int().min(0).max(60 * 24 * 60).default(1440),
  FOLLOWUP_REOPEN_DISPOSITIONS: z.string().default('').transform((v) => v.split(',').map((c) => c.trim()).filter(Boolean)),
  /** How often the KPI alert rules are judged (README "KPI alerts"). */
  ALERT_TICK_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  CENTER_TIME_ZONE: z.string().refine(isValidTimeZone, 'must be an IANA time zone name, e.g. Europe/Berlin').default('UTC'),
  REPORT_SHORT_ABANDON_SEC: z.coerce.number().int().min(0).max(3600).default(5),
  REPORT_FCR_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  REPORT_DROP_DIR: z.string().min(1).optional(),
  REPORT_DROP_CRON: z.string().refine((s) => cronValidate(s), 'must be a cron expression, e.g. "15 0 * * *"').default('15 0 * * *'),
  REPORT_DROP_PERIOD: z.enum(['day', 'week', 'month']).default('day'),
});

export type Env = z.input<typeof envSchema>;

export interface Config {
  env: 'development' | 'production' | 'test';
  log: { level: string; format: 'json' | 'pretty' };
  http: { host: string; port: number };
  /**
   * The web console's built files (CONSOLE_DIR, default `web/dist` of this checkout; `npm install` builds them). The
   * service serves them at `/`; when the folder has no index.html, `/` says how to build it.
   */
  console: { dir: string };
  freeswitch: { nodes: FreeSwitchNodeConfig[]; eventQueueMax: number; commandTimeoutMs: number; reconnectMaxMs: number };
  dataDir: string;
  database: { type: 'mysql'; url: string } | { type: 'sqlite'; file: string };
  auth: { jwtSecret?: string; tokenTtlSeconds: number; bootstrapAdmin?: { username: string; password: string } };
  /**
   * CDR writing: batch size and flush interval (CDR_BATCH_SIZE, CDR_FLUSH_MS); the local spool CDRs go to while the
   * database is down (CDR_SPOOL_DIR, default `<DATA_DIR>/cdr-spool`; CDR_SPOOL_MAX_MB, default 1024).
   */
  cdr: { batchSize: number; flushMs: number; spoolDir: string; spoolMaxBytes: number };
  metrics: { public: boolean };
  /**
   * Active/standby high availability (src/ha, README "High availability: the leadership lease"). HA_MODE `single`
   * (default): one instance, always active, no lease. `lease`: every instance competes for the lease row in the shared
   * database; the holder is active. instanceId (HA_INSTANCE_ID, default `<hostname>:<pid>`) names this instance in the
   * row and must differ between instances; leaseTtlMs (HA_LEASE_TTL_MS, default 3000, at least 500) is how long a
   * renewal holds the lease on the database's clock; leaseRenewMs (HA_LEASE_RENEW_MS, default 1000) is how often it is
   * renewed and must be below half the ttl; advertiseUrl (HA_ADVERTISE_URL) is where the others can reach this
   * instance while it is active (stored in the row).
   */
  ha: { mode: 'single' | 'lease'; instanceId: string; leaseTtlMs: number; leaseRenewMs: number; advertiseUrl?: string };
  /**
   * Follow-up calls (src/followups, README "Follow-up calls"): the dialer campaigns they go through, created on first
   * use when no campaign has the name (FOLLOWUP_PREVIEW_CAMPAIGN, FOLLOWUP_SURVEY_CAMPAIGN), with FOLLOWUP_QUEUE,
   * FOLLOWUP_TIMEZONE and FOLLOWUP_WINDOW; the survey campaign runs the IVR flow FOLLOWUP_SURVEY_FLOW on the answered
   * call. Call dispositions in FOLLOWUP_DISPOSITIONS schedule a survey follow-up FOLLOWUP_DISPOSITION_DELAY_MIN minutes
   * later; a preview follow-up dispositioned with one of FOLLOWUP_REOPEN_DISPOSITIONS reopens its ticket.
   */
  followups: {
    previewCampaign: string;
    surveyCampaign: string;
    surveyFlow: string;
    queue: string;
    timezone: string;
    window: { start: string; end: string };
    dispositions: string[];
    dispositionDelayMin: number;
    reopenDispositions: string[];
  };
  /** KPI alerts: the rules are judged every tickMs on the active instance (ALERT_TICK_MS). */
  alerts: { tickMs: number };
  /** Live call supervision: push a "monitored" flag to the agent's WebSocket while a supervisor is on (SUPERVISION_NOTIFY_AGENT). */
  supervision: { notifyAgent: boolean };
  /** Where POST /api/v1/dialplans/apply writes the dialplan contexts (DIALPLAN_DIR, default `<DATA_DIR>/dialplans`). */
  dialplan: { dir: string };
  /** Telephony settings of the IVR and the ACD. */
  telephony: {
    /** sofia gateway for external numbers: IVR transfers, ACD callbacks, agents' outbound calls (OUTBOUND_GATEWAY). */
    outboundGateway?: string;
    /**
     * How agents' and supervisors' phones are dialled (see src/freeswitch/phone-endpoints.ts): PHONE_DIAL `sofia`
     * (default: `sofia/<SIP_PROFILE>/<ext>%<domain>`, works with api-expansion off) or `user` (`user/<ext>@<domain>`,
     * needs a directory dial-string without `${...()}` calls when api-expansion is off). The domain is SIP_DOMAIN,
     * else each node's `domain` global variable. `loopback` (`loopback/<ext>/<PHONE_LOOPBACK_CONTEXT>`) is for the
     * fault drills on a test switch: no SIP phone, the drill answers the legs its context parks.
     */
    phoneDial: { mode: 'sofia' | 'user' | 'loopback'; profile: string; domain?: string; loopbackContext: string };
    /** Caller id shown to customers on callbacks (CALLBACK_CALLER_ID). */
    callbackCallerId?: string;
    /** The CRM lookup URL IVR flows reach as {{var.crm_url}} (CRM_URL). */
    crmUrl?: string;
    /** Where FreeSWITCH writes voicemail files: a path on the FreeSWITCH host (VOICEMAIL_DIR, default `<DATA_DIR>/voicemail`). */
    voicemailDir: string;
  };
  /**
   * The shipped prompts (src/prompts): the folder on the FreeSWITCH host they are played from (PROMPTS_DIR, default
   * /usr/share/freeswitch/sounds/switchboard), where `npm run prompts -- --dir` installs them.
   */
  prompts: { dir: string };
  /** Call recording (src/recording). */
  recordings: {
    /**
     * Where FreeSWITCH writes call recordings (RECORDINGS_DIR, default `<DATA_DIR>/recordings`): a path on the
     * FreeSWITCH host that the service must read too (the same host, or shared storage mounted at the same path).
     */
    dir: string;
    /** Agents may list and download their own recordings (RECORDINGS_AGENT_ACCESS, default false). */
    agentAccess: boolean;
  };
  /**
   * Period reports (src/reports, README "Period reports"): timeZone (CENTER_TIME_ZONE, IANA, default UTC) is the zone
   * of the days, weeks and months; shortAbandonSec (REPORT_SHORT_ABANDON_SEC, default 5): abandons after less wait are
   * short abandons, left out of service level and abandon rate; fcrDays (REPORT_FCR_DAYS, default 7): the repeat-call
   * window of FCR and repeat rate. drop: scheduled CSV files of the last period (REPORT_DROP_DIR; unset: none),
   * written on the active instance at REPORT_DROP_CRON (default `15 0 * * *`, in timeZone) for REPORT_DROP_PERIOD
   * (day, the default: yesterday by hour; week or month: by day).
   */
  reports: { timeZone: string; shortAbandonSec: number; fcrDays: number; drop?: { dir: string; cron: string; period: 'day' | 'week' | 'month' } };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset", as in most shells' `FOO= cmd`.
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (v !== undefined && v !== '') cleaned[k] = v;
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) problems.push('JWT_SECRET: required when NODE_ENV=production');
  if ((e.ADMIN_USERNAME === undefined) !== (e.ADMIN_PASSWORD === undefined))
    problems.push('ADMIN_USERNAME and ADMIN_PASSWORD: set both or neither');
  const leaseTiming = leaseTimingProblem(e.HA_LEASE_TTL_MS, e.HA_LEASE_RENEW_MS);
  if (leaseTiming) problems.push(`HA_LEASE_RENEW_MS and HA_LEASE_TTL_MS: ${leaseTiming}`);
  if (problems.length) throw new ConfigError(problems);

  const dataDir = path.resolve(e.DATA_DIR);
  let database: Config['database'];
  if (!e.DATABASE_URL) database = { type: 'sqlite', file: path.join(dataDir, 'switchboard.sqlite') };
  else if (e.DATABASE_URL.startsWith('sqlite:')) {
    const file = e.DATABASE_URL.slice('sqlite:'.length).replace(/^\/\//, '');
    database = { type: 'sqlite', file: file === ':memory:' ? file : path.resolve(file) };
  } else database = { type: 'mysql', url: e.DATABASE_URL.replace(/^mariadb:/, 'mysql:') };

  return {
    env: e.NODE_ENV,
    log: { level: e.LOG_LEVEL, format: e.LOG_FORMAT ?? (e.NODE_ENV === 'production' ? 'json' : 'pretty') },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    console: { dir: path.resolve(e.CONSOLE_DIR ?? shippedPath('web', 'dist')) },
    freeswitch: {
      nodes: e.FREESWITCH_NODES,
      eventQueueMax: e.ESL_EVENT_QUEUE_MAX,
      commandTimeoutMs: e.ESL_COMMAND_TIMEOUT_MS,
      reconnectMaxMs: e.ESL_RECONNECT_MAX_MS,
    },
    dataDir,
    database,
    auth: {
      jwtSecret: e.JWT_SECRET,
      tokenTtlSeconds: e.TOKEN_TTL_SECONDS,
      bootstrapAdmin: e.ADMIN_USERNAME && e.ADMIN_PASSWORD ? { username: e.ADMIN_USERNAME, password: e.ADMIN_PASSWORD } : undefined,
    },
    cdr: {
      batchSize: e.CDR_BATCH_SIZE,
      flushMs: e.CDR_FLUSH_MS,
      spoolDir: path.resolve(e.CDR_SPOOL_DIR ?? path.join(dataDir, 'cdr-spool')),
      spoolMaxBytes: e.CDR_SPOOL_MAX_MB * 1024 * 1024,
    },
    metrics: { public: e.METRICS_PUBLIC },
    supervision: { notifyAgent: e.SUPERVISION_NOTIFY_AGENT },
    ha: {
      mode: e.HA_MODE,
      instanceId: e.HA_INSTANCE_ID ?? `${os.hostname()}:${process.pid}`.slice(0, 128),
      leaseTtlMs: e.HA_LEASE_TTL_MS,
      leaseRenewMs: e.HA_LEASE_RENEW_MS,
      ...(e.HA_ADVERTISE_URL ? { advertiseUrl: e.HA_ADVERTISE_URL } : {}),
    },
    dialplan: { dir: e.DIALPLAN_DIR ? path.resolve(e.DIALPLAN_DIR) : path.join(dataDir, 'dialplans') },
    telephony: {
      outboundGateway: e.OUTBOUND_GATEWAY,
      callbackCallerId: e.CALLBACK_CALLER_ID,
      phoneDial: { mode: e.PHONE_DIAL, profile: e.SIP_PROFILE, loopbackContext: e.PHONE_LOOPBACK_CONTEXT, ...(e.SIP_DOMAIN ? { domain: e.SIP_DOMAIN } : {}) },
      crmUrl: e.CRM_URL,
      voicemailDir: e.VOICEMAIL_DIR ? path.resolve(e.VOICEMAIL_DIR) : path.join(dataDir, 'voicemail'),
    },
    prompts: { dir: e.PROMPTS_DIR.length > 1 ? e.PROMPTS_DIR.replace(/\/+$/, '') : e.PROMPTS_DIR },
    recordings: {
      dir: e.RECORDINGS_DIR ? path.resolve(e.RECORDINGS_DIR) : path.join(dataDir, 'recordings'),
      agentAccess: e.RECORDINGS_AGENT_ACCESS,
    },
    followups: {
      previewCampaign: e.FOLLOWUP_PREVIEW_CAMPAIGN,
      surveyCampaign: e.FOLLOWUP_SURVEY_CAMPAIGN,
      surveyFlow: e.FOLLOWUP_SURVEY_FLOW,
      queue: e.FOLLOWUP_QUEUE,
      timezone: e.FOLLOWUP_TIMEZONE,
      window: { start: e.FOLLOWUP_WINDOW.slice(0, 5), end: e.FOLLOWUP_WINDOW.slice(6) },
      dispositions: e.FOLLOWUP_DISPOSITIONS,
      dispositionDelayMin: e.FOLLOWUP_DISPOSITION_DELAY_MIN,
      reopenDispositions: e.FOLLOWUP_REOPEN_DISPOSITIONS,
    },
    alerts: { tickMs: e.ALERT_TICK_MS },
    reports: {
      timeZone: e.CENTER_TIME_ZONE,
      shortAbandonSec: e.REPORT_SHORT_ABANDON_SEC,
      fcrDays: e.REPORT_FCR_DAYS,
      ...(e.REPORT_DROP_DIR ? { drop: { dir: path.resolve(e.REPORT_DROP_DIR), cron: e.REPORT_DROP_CRON, period: e.REPORT_DROP_PERIOD } } : {}),
    },
  };
}
