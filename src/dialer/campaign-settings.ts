/**
 * A campaign's dialing settings (campaigns.settings, JSON): AMD, the abandon and agentless messages, ring time, the
 * compliance window and pacing targets, retries per outcome, and the node-cron schedule. Every field has a default,
 * so '{}' is a working campaign; the API validates with the same schema and the runtime re-reads it on every change.
 */
import { validate as cronValidate } from 'node-cron';
import { z } from 'zod';
import { mediaPath } from '../freeswitch';
import { FLOW_NAME } from '../ivr/flow-schema';
import { DEFAULT_PROMPTS_DIR, promptPath } from '../prompts/catalog';

const media = z
  .string()
  .min(1)
  .max(512)
  .refine((p) => {
    try {
      mediaPath(p, 'message');
      return true;
    } catch {
      return false;
    }
  }, 'must be a sound file path or a tone_stream:// / silence_stream:// / local_stream:// URL without unsafe characters');

const cronExpr = z
  .string()
  .max(64)
  .refine((e) => cronValidate(e), 'must be a cron expression (minute hour day month weekday), e.g. "0 9 * * 1-5"');

const dtmfKey = z.string().regex(/^[0-9*#]$/, 'must be one DTMF key: 0-9, * or #');

/** Outcomes a retry rule applies to. */
export const RETRY_OUTCOMES = ['busy', 'no_answer', 'machine', 'abandoned', 'failed'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

const retryRule = z.strictObject({
  /** Minutes before the next attempt. */
  delay_min: z.number().int().min(1).max(60 * 24 * 30),
  /** Attempts (all outcomes together) after which this outcome stops retrying. */
  max_attempts: z.number().int().min(1).max(50),
});
export type RetryRule = z.infer<typeof retryRule>;

export const DEFAULT_RETRY: Record<RetryOutcome, RetryRule> = {
  busy: { delay_min: 10, max_attempts: 4 },
  no_answer: { delay_min: 60, max_attempts: 4 },
  machine: { delay_min: 240, max_attempts: 3 },
  // Ofcom: an abandoned number is not called again within 72 h unless an agent is guaranteed.
  abandoned: { delay_min: 72 * 60, max_attempts: 3 },
  failed: { delay_min: 30, max_attempts: 2 },
};

export const campaignSettingsSchema = z.strictObject({
  /** AMD on live answers: off (everyone is a person), hangup on machines, or leave `machine_message` after the beep. */
  amd: z.enum(['off', 'hangup', 'message']).default('hangup'),
  /** Played to an answering machine when amd = message (after the beep). Default: the shipped dialer-machine-message. */
  machine_message: media.optional(),
  /** Played to a live person no agent could take within the grace period (name, call-back number, opt-out). Default: dialer-abandon. */
  abandon_message: media.optional(),
  /** Agentless campaigns: the message played to whoever answers. Default: dialer-message. */
  message: media.optional(),
  /**
   * Agentless: the IVR flow (by name) the answered person is handed to instead of the message and keys (e.g. the
   * follow-up survey). The dial is `delivered` when the flow's call ends.
   */
  flow: z.string().regex(FLOW_NAME, 'must be an IVR flow name ([a-z0-9_-], 1-64 chars)').optional(),
  /** Agentless: a key that confirms (recorded as outcome `confirmed`). */
  confirm_key: dtmfKey.optional(),
  /** Agentless: a key that transfers the person to the campaign's queue ("press 1 to speak to an agent"). */
  transfer_key: dtmfKey.optional(),
  /** How long to wait for a key after the message. */
  key_timeout_sec: z.number().int().min(1).max(60).default(5),
  /** Ring time before giving up: at least 15 s (FTC: 15 s or 4 rings). */
  ring_timeout_sec: z.number().int().min(15).max(120).default(25),
  /** Time after the person's greeting (the AMD human decision, or the answer without AMD) to connect an agent. */
  connect_within_ms: z.number().int().min(500).max(2000).default(2000),
  /** Compliance window of the abandonment limit: 30 days (FTC/FCC) or 24 hours (Ofcom). */
  abandon_window: z.enum(['30d', '24h']).default('30d'),
  abandon_limit: z.number().min(0.001).max(0.1).default(0.03),
  /** What the pacer aims at, below the limit. */
  abandon_target: z.number().min(0.001).max(0.1).default(0.02),
  /** Agentless campaigns: calls at once (nobody waits for an agent, so only the trunk limits them). */
  max_lines: z.number().int().min(1).max(500).default(10),
  /** Cap on lines ringing at once per logged-in agent. */
  lines_per_agent: z.number().min(1).max(10).default(3),
  /** Share of live answers AMD wrongly judges machines (from audits); counted as abandoned. */
  amd_false_positive_share: z.number().min(0).max(0.5).default(0),
  /** Attempts per lead, whatever the outcomes. */
  max_attempts: z.number().int().min(1).max(50).default(5),
  retry: z
    .strictObject({
      busy: retryRule.optional(),
      no_answer: retryRule.optional(),
      machine: retryRule.optional(),
      abandoned: retryRule.optional(),
      failed: retryRule.optional(),
    })
    .default({}),
  /** Caller id number shown to the called party (default: the service's OUTBOUND_CALLER_ID / CALLBACK_CALLER_ID). */
  caller_id: z.string().regex(/^\+?[0-9]{3,15}$/, 'must be a number, e.g. +14155550100').optional(),
  /** node-cron schedule in the campaign's time zone: `start` turns the campaign on, `stop` off. */
  schedule: z.strictObject({ start: cronExpr, stop: cronExpr }).optional(),
});

/** The sound settings whose default is a shipped prompt in PROMPTS_DIR (so it is filled when read, never stored). */
const MESSAGE_PROMPTS = { machine_message: 'dialer-machine-message', abandon_message: 'dialer-abandon', message: 'dialer-message' } as const;
type MessageField = keyof typeof MESSAGE_PROMPTS;

export type CampaignSettings = Omit<z.infer<typeof campaignSettingsSchema>, MessageField> & Record<MessageField, string>;
export type CampaignSettingsInput = z.input<typeof campaignSettingsSchema>;

function withMessages(s: z.infer<typeof campaignSettingsSchema>, promptsDir: string): CampaignSettings {
  return {
    ...s,
    machine_message: s.machine_message ?? promptPath(promptsDir, MESSAGE_PROMPTS.machine_message),
    abandon_message: s.abandon_message ?? promptPath(promptsDir, MESSAGE_PROMPTS.abandon_message),
    message: s.message ?? promptPath(promptsDir, MESSAGE_PROMPTS.message),
  };
}

/**
 * The settings stored for a campaign, with defaults filled (the messages from `promptsDir`, PROMPTS_DIR); malformed
 * text gives the defaults and the error.
 */
export function parseCampaignSettings(text: string | null | undefined, promptsDir: string = DEFAULT_PROMPTS_DIR): { settings: CampaignSettings; error?: string } {
  let raw: unknown = {};
  try {
    raw = text ? JSON.parse(text) : {};
  } catch (err) {
    return { settings: withMessages(campaignSettingsSchema.parse({}), promptsDir), error: `settings are not JSON: ${(err as Error).message}` };
  }
  const r = campaignSettingsSchema.safeParse(raw);
  if (r.success) return { settings: withMessages(r.data, promptsDir) };
  return {
    settings: withMessages(campaignSettingsSchema.parse({}), promptsDir),
    error: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
  };
}

/** The retry rule of an outcome (the campaign's, else the default). */
export function retryRuleFor(settings: Pick<CampaignSettings, 'retry'>, outcome: RetryOutcome): RetryRule {
  return settings.retry[outcome] ?? DEFAULT_RETRY[outcome];
}
