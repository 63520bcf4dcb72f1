/**
 * What an ACD that starts while calls already run on FreeSWITCH (a standby that took over, or a restart) finds on a
 * node: which live channels are its callers still waiting in a queue, which are callers talking to an agent, and
 * which are agent legs of offers that died with the previous instance. Pure: it reads the channels as `uuid_dump
 * json` gave them (headers and `variable_*`), and the variables the runtime set on them:
 *
 * - caller legs: `switchboard_queue_call` = their own uuid (set at the handoff), with `switchboard_queue`,
 *   `switchboard_queue_priority`, `switchboard_queue_entered` (epoch ms, the place in line) and
 *   `switchboard_queue_skills`;
 * - agent legs: `switchboard_agent_id` and `switchboard_queue_call` = the caller's uuid (set by the originate).
 *
 * A caller bridged to its agent leg (each one's `bridge_uuid` names the other) is a connected call. A caller on
 * music on hold or parked (not bridged, running park/playback or nothing) waits in its queue again, with its original
 * entry time. Anything else a caller does (bridged to a transfer target, in voicemail, in a conference) belongs to
 * whoever put it there and is left alone. An agent leg that is not bridged to its caller is an offer nobody tracks any
 * more: it is hung up, and its caller is offered again. A nailed-up session leg (`switchboard_nailed_agent`, see
 * nailed-up.ts) is never a stray: it is the agent's session, idle (parked) or busy (bridged to its caller).
 * The customer leg of a callback being dialled back (`switchboard_callback`) is listed with whether it answered and,
 * when bridged to the request's agent leg, that agent: the runtime decides what becomes of the request.
 */
import type { EslEvent } from '../../esl/types';
import { header } from '../../esl/types';

export interface AdoptedCaller {
  uuid: string;
  queue: string;
  priority: number;
  /** Epoch ms: when the call entered the queue (the place in line is kept). */
  enteredAt: number;
  skills: string[];
  callerNumber: string;
  callerName?: string;
}

export interface AdoptedConnection extends AdoptedCaller {
  agentUuid: string;
  agentId: number;
  /** Epoch ms: when the agent answered. */
  connectedAt: number;
}

/**
 * The customer leg of a callback being dialled back (`switchboard_callback=true`, `switchboard_queue_call` = the
 * request's queue call id, which is not its own uuid): ringing, answered and waiting for an agent, or talking to one.
 */
export interface AdoptedCallbackLeg {
  /** The callback request's queue call id. */
  callId: string;
  customerUuid: string;
  queue: string;
  answered: boolean;
  /** Bridged to the request's agent leg: the agent's call. */
  agent?: { agentUuid: string; agentId: number; connectedAt: number };
}

export interface TakeoverPlan {
  waiting: AdoptedCaller[];
  connected: AdoptedConnection[];
  callbacks: AdoptedCallbackLeg[];
  /** Agent legs of offers that no longer exist: hang up. */
  strayAgentLegs: string[];
  /** Nailed-up session legs: `busy` when bridged to one of the connected calls. */
  sessions: Array<{ uuid: string; agentId: number; busy: boolean }>;
}

/** Applications a caller waiting in a queue runs (music, announcements) or none at all (parked between them). */
const WAITING_APPS = new Set(['', 'park', 'playback', 'endless_playback', 'sleep', 'answer', 'silence']);

const v = (ch: EslEvent, name: string): string | undefined => {
  const value = header(ch, `variable_${name}`);
  return value === undefined || value === '' ? undefined : value;
};

/** `Caller-Channel-Answered-Time` and friends are epoch microseconds; 0 when it never happened. */
function micros(ch: EslEvent, name: string): number | undefined {
  const raw = header(ch, name);
  if (!raw || !/^[0-9]{1,20}$/.test(raw)) return undefined;
  const us = Number(raw);
  return us > 0 ? Math.floor(us / 1000) : undefined;
}

function int(raw: string | undefined, fallback: number): number {
  if (raw === undefined || !/^-?[0-9]{1,15}$/.test(raw)) return fallback;
  return Number(raw);
}

function callerOf(ch: EslEvent, uuid: string, queue: string, now: number): AdoptedCaller {
  const skills = (v(ch, 'switchboard_queue_skills') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const name = header(ch, 'Caller-Caller-ID-Name');
  return {
    uuid,
    queue,
    priority: int(v(ch, 'switchboard_queue_priority'), 0),
    enteredAt: int(v(ch, 'switchboard_queue_entered'), micros(ch, 'Caller-Channel-Created-Time') ?? now),
    skills,
    callerNumber: header(ch, 'Caller-Caller-ID-Number') ?? '',
    ...(name ? { callerName: name } : {}),
  };
}

/** The plan for one node's live channels (as `uuid_dump json` events); `now` fills times FreeSWITCH did not give. */
export function planTakeover(channels: readonly EslEvent[], now: number): TakeoverPlan {
  const byUuid = new Map<string, EslEvent>();
  for (const ch of channels) {
    const uuid = header(ch, 'Unique-ID');
    if (uuid) byUuid.set(uuid, ch);
  }
  const plan: TakeoverPlan = { waiting: [], connected: [], callbacks: [], strayAgentLegs: [], sessions: [] };
  const agentLegsInCalls = new Set<string>();
  for (const [uuid, ch] of byUuid) {
    const callId = v(ch, 'switchboard_queue_call');
    if (v(ch, 'switchboard_callback') !== 'true' || !callId || callId === uuid || v(ch, 'switchboard_agent_id') !== undefined) continue;
    if ((header(ch, 'Channel-Call-State') ?? '') === 'HANGUP') continue;
    const leg: AdoptedCallbackLeg = { callId, customerUuid: uuid, queue: v(ch, 'switchboard_queue') ?? '', answered: micros(ch, 'Caller-Channel-Answered-Time') !== undefined };
    const peerUuid = v(ch, 'bridge_uuid');
    const peer = peerUuid ? byUuid.get(peerUuid) : undefined;
    if (peer && peerUuid && v(peer, 'bridge_uuid') === uuid && v(peer, 'switchboard_queue_call') === callId) {
      const agentId = int(v(peer, 'switchboard_agent_id'), 0);
      if (agentId > 0) {
        agentLegsInCalls.add(peerUuid);
        leg.agent = { agentUuid: peerUuid, agentId, connectedAt: micros(peer, 'Caller-Channel-Answered-Time') ?? now };
      }
    }
    plan.callbacks.push(leg);
  }
  for (const [uuid, ch] of byUuid) {
    if (v(ch, 'switchboard_queue_call') !== uuid || v(ch, 'switchboard_agent_id') !== undefined) continue;
    const queue = v(ch, 'switchboard_queue');
    if (!queue) continue;
    const caller = callerOf(ch, uuid, queue, now);
    const peerUuid = v(ch, 'bridge_uuid');
    const peer = peerUuid ? byUuid.get(peerUuid) : undefined;
    if (peer && peerUuid) {
      const agentId = int(v(peer, 'switchboard_agent_id'), 0);
      const isItsAgent = agentId > 0 && v(peer, 'switchboard_queue_call') === uuid && v(peer, 'bridge_uuid') === uuid;
      if (isItsAgent) {
        agentLegsInCalls.add(peerUuid);
        plan.connected.push({ ...caller, agentUuid: peerUuid, agentId, connectedAt: micros(peer, 'Caller-Channel-Answered-Time') ?? now });
      }
      // Bridged to something else (a transfer, a supervisor): not the ACD's call any more.
      continue;
    }
    // current_application stays set to the last application run: music on hold leaves `playback` behind.
    if ((header(ch, 'Channel-Call-State') ?? '') === 'HANGUP') continue;
    if (WAITING_APPS.has(v(ch, 'current_application') ?? '')) plan.waiting.push(caller);
  }
  for (const [uuid, ch] of byUuid) {
    const nailedAgent = int(v(ch, 'switchboard_nailed_agent'), 0);
    if (nailedAgent > 0 && (header(ch, 'Channel-Call-State') ?? '') !== 'HANGUP') plan.sessions.push({ uuid, agentId: nailedAgent, busy: agentLegsInCalls.has(uuid) });
  }
  for (const [uuid, ch] of byUuid) {
    if (v(ch, 'switchboard_agent_id') === undefined || agentLegsInCalls.has(uuid) || v(ch, 'switchboard_nailed_agent') !== undefined) continue;
    const peerUuid = v(ch, 'bridge_uuid');
    // An agent leg bridged to a live channel (a transfer, a 3-way) is call control's; only orphaned offers go.
    if (peerUuid && byUuid.has(peerUuid)) continue;
    if (WAITING_APPS.has(v(ch, 'current_application') ?? '')) plan.strayAgentLegs.push(uuid);
  }
  plan.waiting.sort((a, b) => a.enteredAt - b.enteredAt);
  return plan;
}
