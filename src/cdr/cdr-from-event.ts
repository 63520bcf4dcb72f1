import type { CdrRow } from '../db/entities/cdr';
import { CDR_LIMITS } from '../db/entities/cdr';
import { header, type EslEvent } from '../esl/types';

/** A CDR ready to insert: everything but the generated id and created_at; the later-feature columns are optional. */
export type CdrInput = Omit<CdrRow, 'id' | 'created_at' | 'queue_call_id' | 'agent_id' | 'campaign_id' | 'recording_id' | 'ivr_path'> &
  Partial<Pick<CdrRow, 'queue_call_id' | 'agent_id' | 'campaign_id' | 'recording_id' | 'ivr_path'>>;

/**
 * Channel variables copied into `cdrs.variables` (names without `variable_`), besides every `sb_*` variable (the
 * project's own). Small values that help answer "what happened on this call" later; the big and the noisy stay out.
 */
export const CDR_VARIABLES: readonly string[] = [
  'sip_call_id',
  'sip_from_user',
  'sip_from_host',
  'sip_to_user',
  'sip_to_host',
  'sip_user_agent',
  'sip_network_ip',
  'sip_term_status',
  'sip_hangup_phrase',
  'sip_invite_failure_status',
  'sip_invite_failure_phrase',
  'proto_specific_hangup_cause',
  'last_bridge_hangup_cause',
  'bridge_hangup_cause',
  'originate_disposition',
  'endpoint_disposition',
  'originator',
  'signal_bond',
  'other_loopback_leg_uuid',
  'dialed_user',
  'dialed_domain',
  'effective_caller_id_number',
  'effective_caller_id_name',
  'origination_caller_id_number',
  'origination_caller_id_name',
  'accountcode',
  'domain_name',
  'user_context',
  'presence_id',
  'last_app',
  'last_arg',
  'read_codec',
  'write_codec',
  'mduration',
  'billmsec',
  'waitmsec',
  'progressmsec',
  'answermsec',
  'flow_billsec',
  'hold_accum_seconds',
  'digits_dialed',
  'record_seconds',
  'record_completion_cause',
  'rtp_audio_in_mos',
  'rtp_audio_in_quality_percentage',
  'rtp_audio_in_jitter_max_variance',
  'rtp_audio_in_packet_count',
  'rtp_audio_in_skip_packet_count',
  'cc_queue',
  'cc_agent',
  'cc_member_uuid',
  'cc_cause',
  'cc_cancel_reason',
];
const CDR_VARIABLE_PREFIXES = ['sb_'];
/** A variable value longer than this is cut (and marked with a trailing '…'). */
export const CDR_VARIABLE_VALUE_MAX = 256;
/** The whole `variables` JSON stays under this many characters; the rest is left out and `_truncated` set. */
export const CDR_VARIABLES_MAX = 4096;

export interface CdrFromEventOptions {
  /** When the event was received (ms): the last resort for times missing from the event (default: epoch 0). */
  receivedAtMs?: number;
  /** More variable names to keep. */
  extraVariables?: readonly string[];
}

// Earliest and latest instants both engines store (MySQL DATETIME: years 1000-9999; before 1970 is garbage here).
const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const INT_MAX = 2_147_483_647;

function str(event: EslEvent, name: string): string | undefined {
  let v: unknown;
  try {
    v = header(event, name);
  } catch {
    return undefined;
  }
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

function first(event: EslEvent, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = str(event, n);
    if (v !== undefined) return v;
  }
  return undefined;
}

function clip(value: string | undefined, max: number): string | undefined {
  if (value === undefined) return undefined;
  // Strip NUL (MySQL and SQLite both mishandle it in text) and cut to the column size without splitting a surrogate pair.
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/\u0000/g, '');
  if (clean.length <= max) return clean;
  let cut = clean.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** A non-negative integer from a decimal string; undefined for anything else (garbage, negative, unsafe). */
function nonNegInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,18}$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Seconds-ish counters stored in INT columns. */
function counter(value: string | undefined): number | undefined {
  const n = nonNegInt(value);
  return n === undefined ? undefined : Math.min(n, INT_MAX);
}

function validMs(ms: number | undefined): number | undefined {
  return ms !== undefined && Number.isFinite(ms) && ms >= MIN_MS && ms <= MAX_MS ? ms : undefined;
}

/** A time from a microsecond epoch header; 0 (FreeSWITCH's "never") and garbage are undefined. */
function fromMicros(value: string | undefined): number | undefined {
  const n = nonNegInt(value);
  if (!n) return undefined;
  return validMs(Math.floor(n / 1000));
}

function fromSeconds(value: string | undefined): number | undefined {
  const n = nonNegInt(value);
  if (!n) return undefined;
  return validMs(n * 1000);
}

/** The first usable time among microsecond and second epoch headers, in that order. */
function time(event: EslEvent, micros: string[], seconds: string[]): number | undefined {
  for (const h of micros) {
    const ms = fromMicros(str(event, h));
    if (ms !== undefined) return ms;
  }
  for (const h of seconds) {
    const ms = fromSeconds(str(event, h));
    if (ms !== undefined) return ms;
  }
  return undefined;
}

/** CDR_VARIABLES as a set, built once (every hangup of every leg looks its ~100 variables up in it). */
const CDR_VARIABLE_SET: ReadonlySet<string> = new Set(CDR_VARIABLES);

function curatedVariables(event: EslEvent, extra: readonly string[] | undefined): Record<string, string> | null {
  const wanted = extra?.length ? new Set([...CDR_VARIABLES, ...extra]) : CDR_VARIABLE_SET;
  const out: Record<string, string> = {};
  let size = 2;
  let truncated = false;
  let headers: Readonly<Record<string, unknown>>;
  try {
    headers = event.headers ?? {};
  } catch {
    return null;
  }
  // Reflect.ownKeys, not Object.keys: on a json event's header view (a Proxy, json-event.ts) Object.keys also asks
  // for every key's descriptor, which checks each of the ~150 values; header objects hold string keys only.
  for (const key of Reflect.ownKeys(headers)) {
    if (typeof key !== 'string' || !key.startsWith('variable_')) continue;
    const name = key.slice('variable_'.length);
    if (!wanted.has(name) && !CDR_VARIABLE_PREFIXES.some((p) => name.startsWith(p))) continue;
    const raw = str(event, key);
    if (raw === undefined) continue;
    const value = raw.length > CDR_VARIABLE_VALUE_MAX ? `${clip(raw, CDR_VARIABLE_VALUE_MAX - 1)}…` : clip(raw, CDR_VARIABLE_VALUE_MAX)!;
    const cost = JSON.stringify(name).length + JSON.stringify(value).length + 2;
    if (size + cost > CDR_VARIABLES_MAX - 24) {
      truncated = true;
      continue;
    }
    out[name] = value;
    size += cost;
  }
  if (truncated) out._truncated = 'true';
  return Object.keys(out).length ? out : null;
}

/**
 * Maps a CHANNEL_HANGUP_COMPLETE event (any format, already decoded) to a CDR row for the channel. Pure; never
 * throws; returns null only when the event has no Unique-ID. Garbage values become null (or 0 for the required
 * counters), times fall back from microsecond to second epochs to the Caller-Channel-*-Time headers.
 *
 * Caller and callee: FreeSWITCH flips the caller-id on an answered outbound leg (`variable_channel_cid_flipped=yes`):
 * Caller-Caller-ID-* then names the far end and Caller-Callee-ID-* the original caller. The row always stores the
 * calling party as caller_* and the called party as callee_*.
 */
export function cdrFromHangupComplete(event: EslEvent, fsNode: string, options: CdrFromEventOptions = {}): CdrInput | null {
  try {
    return map(event, fsNode, options);
  } catch {
    // map() is written not to throw; this is the belt to those braces (e.g. a hostile headers object).
    return null;
  }
}

function map(event: EslEvent, fsNode: string, options: CdrFromEventOptions): CdrInput | null {
  if (!event || typeof event !== 'object' || !event.headers || typeof event.headers !== 'object') return null;
  const uuid = clip(first(event, 'Unique-ID', 'Caller-Unique-ID', 'variable_uuid'), CDR_LIMITS.uuid);
  if (!uuid) return null;

  const rawDirection = first(event, 'Call-Direction', 'variable_direction', 'Caller-Direction')?.toLowerCase();
  const direction = clip(rawDirection, CDR_LIMITS.direction) ?? 'unknown';

  const flipped = str(event, 'variable_channel_cid_flipped') === 'yes';
  const cidNumber = str(event, 'Caller-Caller-ID-Number');
  const cidName = str(event, 'Caller-Caller-ID-Name');
  const calleeNumber = str(event, 'Caller-Callee-ID-Number');
  const calleeName = str(event, 'Caller-Callee-ID-Name');
  const destination = first(event, 'Caller-Destination-Number', 'variable_destination_number');

  let callerNumber: string | undefined;
  let callerName: string | undefined;
  let calledNumber: string | undefined;
  let calledName: string | undefined;
  if (flipped) {
    callerNumber = calleeNumber ?? first(event, 'Caller-Orig-Caller-ID-Number', 'variable_origination_caller_id_number', 'Caller-ANI');
    callerName = calleeName ?? first(event, 'Caller-Orig-Caller-ID-Name', 'variable_origination_caller_id_name');
    calledNumber = cidNumber;
    calledName = cidName;
  } else {
    callerNumber = cidNumber ?? first(event, 'Caller-ANI', 'variable_caller_id_number');
    callerName = cidName ?? str(event, 'variable_caller_id_name');
    calledNumber = calleeNumber;
    calledName = calleeName;
  }

  const received = validMs(options.receivedAtMs);
  const eventTime = fromMicros(str(event, 'Event-Date-Timestamp'));
  const startMs =
    time(event, ['variable_start_uepoch', 'Caller-Channel-Created-Time', 'Caller-Profile-Created-Time'], ['variable_start_epoch']);
  const answerMs = time(event, ['variable_answer_uepoch', 'Caller-Channel-Answered-Time'], ['variable_answer_epoch']);
  const endMs =
    time(event, ['variable_end_uepoch', 'Caller-Channel-Hangup-Time'], ['variable_end_epoch']) ?? eventTime ?? received;
  const start = startMs ?? endMs ?? received ?? 0;
  const end = endMs !== undefined && endMs >= start ? endMs : start;
  const answer = answerMs !== undefined && answerMs >= start && answerMs <= end ? answerMs : undefined;

  const duration = counter(str(event, 'variable_duration')) ?? Math.round((end - start) / 1000);
  const billsec = counter(str(event, 'variable_billsec')) ?? (answer !== undefined ? Math.round((end - answer) / 1000) : 0);
  const waitsec = counter(str(event, 'variable_waitsec')) ?? (answer !== undefined ? Math.round((answer - start) / 1000) : undefined);

  const cause = first(event, 'Hangup-Cause', 'variable_hangup_cause', 'variable_last_bridge_hangup_cause');
  const bridged = first(event, 'variable_bridge_uuid', 'variable_last_bridge_to', 'Other-Leg-Unique-ID');

  return {
    uuid,
    fs_node: clip(typeof fsNode === 'string' ? fsNode : String(fsNode), CDR_LIMITS.fs_node) ?? '',
    direction,
    caller_number: clip(callerNumber, CDR_LIMITS.number) ?? '',
    caller_name: clip(callerName, CDR_LIMITS.name) ?? null,
    destination_number: clip(destination, CDR_LIMITS.number) ?? '',
    callee_number: clip(calledNumber, CDR_LIMITS.number) ?? null,
    callee_name: clip(calledName, CDR_LIMITS.name) ?? null,
    context: clip(first(event, 'Caller-Context', 'variable_context'), CDR_LIMITS.context) ?? null,
    channel_name: clip(first(event, 'Channel-Name', 'Caller-Channel-Name', 'variable_channel_name'), CDR_LIMITS.channel_name) ?? null,
    start_at: new Date(start),
    answer_at: answer === undefined ? null : new Date(answer),
    end_at: new Date(end),
    duration_s: Math.min(duration, INT_MAX),
    billsec: Math.min(billsec, INT_MAX),
    wait_s: waitsec ?? null,
    progress_s: counter(str(event, 'variable_progresssec')) ?? null,
    answer_s: counter(str(event, 'variable_answersec')) ?? null,
    hangup_cause: clip(cause?.toUpperCase(), CDR_LIMITS.hangup_cause) ?? 'NONE',
    hangup_cause_q850: counter(str(event, 'variable_hangup_cause_q850')) ?? null,
    sip_hangup_disposition: clip(str(event, 'variable_sip_hangup_disposition'), CDR_LIMITS.sip_hangup_disposition) ?? null,
    bridged_uuid: clip(bridged, CDR_LIMITS.uuid) ?? null,
    call_uuid: clip(first(event, 'variable_call_uuid', 'Channel-Call-UUID'), CDR_LIMITS.uuid) ?? null,
    variables: curatedVariables(event, options.extraVariables),
    ...campaignOf(event),
  };
}

/**
 * The campaign a leg belongs to: the dialer sets `switchboard_campaign=<id>` on the customer leg, and the ACD copies
 * it onto the agent's leg when it offers a campaign call.
 */
function campaignOf(event: EslEvent): Pick<CdrInput, 'campaign_id'> {
  const v = str(event, 'variable_switchboard_campaign');
  if (v === undefined || !/^[1-9][0-9]{0,9}$/.test(v) || Number(v) > INT_MAX) return {};
  return { campaign_id: Number(v) };
}
