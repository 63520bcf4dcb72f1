/**
 * Builders for live call supervision: the supervisor's softphone leg running `eavesdrop`, the DTMF that switches
 * eavesdrop modes, and the mode table itself. Same rules as api.ts: every input is validated, the output is an
 * FsCommand built by toFsCommand (which re-checks the finished line).
 *
 * FreeSWITCH facts these rely on (switch_ivr_async.c switch_ivr_eavesdrop_session / eavesdrop_callback, mod_dptools.c
 * eavesdrop_function, FreeSWITCH 1.10):
 * - `eavesdrop <uuid>` runs on the supervisor's channel and hangs a media bug on the eavesdropped channel (the
 *   target). The supervisor hears both directions of the target (what it reads and what it is sent).
 * - The supervisor's audio is mixed in by two flags: ED_MUX_READ mixes it into the target's READ stream (what the
 *   target's endpoint sent, which goes on to the target's bridged peer: the OTHER party hears the supervisor);
 *   ED_MUX_WRITE mixes it into the target's WRITE stream (what is sent to the target's endpoint: the TARGET hears).
 * - Variables read by mod_dptools on the supervisor's channel before eavesdrop starts: eavesdrop_whisper_aleg=true
 *   sets ED_MUX_READ, eavesdrop_whisper_bleg=true sets ED_MUX_WRITE; eavesdrop_enable_dtmf (default true) lets DTMF
 *   received on the supervisor's channel switch modes.
 * - DTMF during eavesdrop: `1` = MUX_READ only (speak to the other party), `2` = MUX_WRITE only (speak to the
 *   eavesdropped channel), `3` = both (barge), `0` = neither (listen), `*` ends the eavesdrop.
 * - `uuid_recv_dtmf <uuid> <digits>` queues DTMF on a channel as if its endpoint had sent it
 *   (switch_channel_queue_dtmf_string; `<digits>@<ms>` sets the duration): the eavesdrop loop dequeues it.
 *
 * So, eavesdropping on the AGENT's leg: listen = 0; whisper (the agent hears, the customer does not) = 2 /
 * eavesdrop_whisper_bleg; barge (both hear) = 3 / both variables. The whisper is mixed only into what is sent to
 * the agent's phone, never into the agent leg's read stream, which is what the customer hears.
 */
import { originate } from './api';
import { eavesdrop } from './apps';
import { toFsCommand, type FsCommand } from './command';
import { assertDialString, type DialString } from './dial';
import { UnsafeValueError } from './errors';
import { integer, uuid } from './values';

export const SUPERVISION_MODES = ['listen', 'whisper', 'barge'] as const;
export type SupervisionMode = (typeof SUPERVISION_MODES)[number];

export function supervisionMode(value: unknown, field = 'mode'): SupervisionMode {
  if (typeof value !== 'string' || !(SUPERVISION_MODES as readonly string[]).includes(value)) {
    throw new UnsafeValueError(field, 'expected listen, whisper or barge', typeof value === 'string' ? value : undefined);
  }
  return value as SupervisionMode;
}

/** The eavesdrop DTMF that selects a mode when the eavesdropped channel is the agent's leg. */
export const MODE_DIGIT: Readonly<Record<SupervisionMode, '0' | '2' | '3'>> = Object.freeze({ listen: '0', whisper: '2', barge: '3' });

/** What a DTMF received by the eavesdropping leg switches to (1 = speak to the customer only: not a mode we offer). */
export function modeOfDigit(digit: string): SupervisionMode | 'customer_only' | undefined {
  switch (digit) {
    case '0':
      return 'listen';
    case '1':
      return 'customer_only';
    case '2':
      return 'whisper';
    case '3':
      return 'barge';
    default:
      return undefined;
  }
}

/** The variables that make eavesdrop start in `mode` (eavesdropping on the agent's leg). */
export function eavesdropVars(mode: SupervisionMode): { eavesdrop_enable_dtmf: true; eavesdrop_whisper_aleg: boolean; eavesdrop_whisper_bleg: boolean } {
  const m = supervisionMode(mode);
  return {
    eavesdrop_enable_dtmf: true,
    // aleg -> ED_MUX_READ: the eavesdropped channel's peer (the customer) hears.
    eavesdrop_whisper_aleg: m === 'barge',
    // bleg -> ED_MUX_WRITE: the eavesdropped channel (the agent) hears.
    eavesdrop_whisper_bleg: m === 'whisper' || m === 'barge',
  };
}

/** DTMF digits for uuid_recv_dtmf: 1-32 of `0-9 * # A-D`. */
function dtmfDigits(value: unknown, field = 'digits'): string {
  if (typeof value !== 'string' || !/^[0-9*#A-D]{1,32}$/.test(value)) {
    throw new UnsafeValueError(field, 'expected 1-32 DTMF digits (0-9 * # A-D)', typeof value === 'string' ? value : undefined);
  }
  return value;
}

/** `uuid_recv_dtmf <uuid> <digits>[@<ms>]`: DTMF arrives on the channel as if its phone had sent it. */
export function uuidRecvDtmf(id: string, digits: string, durationMs?: number): FsCommand {
  const u = uuid(id);
  const d = dtmfDigits(digits);
  const dur = durationMs === undefined ? '' : `@${integer(durationMs, 'durationMs', 40, 10_000)}`;
  return toFsCommand(`uuid_recv_dtmf ${u} ${d}${dur}`);
}

export interface SupervisorLegOptions {
  /** The supervisor's phone (src/phones/phone-endpoints.ts builds it). */
  phone: DialString;
  /** The eavesdropped channel: the agent's leg. */
  targetUuid: string;
  mode: SupervisionMode;
  /** origination_uuid of the supervisor's leg. */
  legUuid: string;
  timeoutSec?: number;
  /** What the supervisor's phone shows (e.g. the agent's extension). */
  callerIdNumber?: string;
  callerIdName?: string;
  /** Marks the leg as a supervision leg (switchboard_supervision=<session id>) for CDRs and events. */
  sessionId?: number;
}

/**
 * `originate {origination_uuid=…,eavesdrop_enable_dtmf=true,eavesdrop_whisper_aleg=…,eavesdrop_whisper_bleg=…,…}
 * <phone> &eavesdrop(<agent leg>)`: the supervisor's phone rings; on answer it eavesdrops in `mode`.
 */
export function originateSupervisorLeg(o: SupervisorLegOptions): FsCommand {
  const vars: Record<string, string | number | boolean> = { ...eavesdropVars(o.mode) };
  if (o.sessionId !== undefined) vars.switchboard_supervision = integer(o.sessionId, 'sessionId', 1, Number.MAX_SAFE_INTEGER);
  return originate(assertDialString(o.phone, 'phone'), eavesdrop(uuid(o.targetUuid, 'targetUuid')), vars, {
    originateUuid: o.legUuid,
    timeoutSec: o.timeoutSec ?? 30,
    ...(o.callerIdNumber !== undefined ? { callerIdNumber: o.callerIdNumber } : {}),
    ...(o.callerIdName !== undefined ? { callerIdName: o.callerIdName } : {}),
  });
}
