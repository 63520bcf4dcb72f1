/**
 * The one agent call control of a running ACD. The service builds it once from the ACD runtime and the FreeSWITCH
 * cluster and hands the same instance to the API (/api/v1/acd/me/call/*, forced hangups), to supervision (forced
 * hangups of transferred, 3-way and manual outbound calls, which only call control knows) and to the dialer (preview
 * dials and callbacks ring the agent first). Two instances would each track only the calls placed through them.
 */
import type { Clock } from '../../clock/clock';
import { uuidKill } from '../../freeswitch';
import type { QueuedCall } from '../../ivr/runtime/queue-handoff';
import type { Logger } from '../../log/logger';
import type { PhoneEndpoints } from '../../phones/phone-endpoints';
import type { AcdRuntimeApi, QueueCallInput } from '../contract';
import { CallControl, type CallControlCluster, type CallControlOptions } from './call-control';

/** What call control needs of the ACD runtime beyond AcdRuntimeApi (AcdRuntime has all of it). */
export interface CallControlRuntime extends Pick<AcdRuntimeApi, 'engine' | 'legsOfAgent'> {
  /** The queue data of a caller (number, name, IVR/CRM data, priority, skills), for a transfer back to a queue. */
  callData(callId: string): QueueCallInput | undefined;
  /** Adopts a caller into a queue (music, offers, bridging), as the IVR's handoff does. */
  handoff(call: QueuedCall): Promise<unknown>;
  /** Nailed-up agent legs (./nailed-up.ts): never hung up by call control, handed back to the runtime instead. */
  isNailedUpLeg(uuid: string): boolean;
  releaseNailedUpLeg(uuid: string): boolean;
}

export interface AgentCallControlOptions {
  cluster: CallControlCluster;
  runtime: CallControlRuntime;
  logger: Logger;
  clock: Clock;
  /** OUTBOUND_GATEWAY: transfers to numbers and manual outbound calls; without it those are refused. */
  gateway?: string;
  /** CALLBACK_CALLER_ID: the number customers see on agents' outbound calls. */
  outboundCallerId?: string;
  /** How agents' phones are dialled (src/phones/phone-endpoints.ts). */
  phones: PhoneEndpoints;
  /** Where the queue calls' hold time, transfers and 3-ways go (the ACD history); see CallControlOptions.handling. */
  handling?: CallControlOptions['handling'];
}

export function createAgentCallControl(o: AgentCallControlOptions): CallControl {
  const log = o.logger.child({ module: 'acd-call-control' });
  const rt = o.runtime;
  return new CallControl({
    cluster: o.cluster,
    runtime: rt,
    logger: o.logger,
    clock: o.clock,
    gateway: o.gateway,
    phones: o.phones,
    outboundCallerId: o.outboundCallerId,
    ...(o.handling ? { handling: o.handling } : {}),
    callData: (callId) => rt.callData(callId),
    nailedUp: { isSession: (uuid) => rt.isNailedUpLeg(uuid), release: (uuid) => rt.releaseNailedUpLeg(uuid) },
    // A caller transferred to a queue goes through the runtime's handoff, so the runtime owns it from there on.
    requeue: (input) =>
      rt.handoff({
        uuid: input.id,
        node: input.node,
        did: input.data.did ?? '',
        callerNumber: input.callerNumber,
        queue: input.queue,
        priority: input.priority,
        skills: input.skills,
        variables: input.data,
        note: (detail) => log.info('transferred call', { callId: input.id, detail }),
        play: async () => undefined,
        voicemail: async () => undefined,
        hangup: async (cause) => {
          await o.cluster.client(input.node).api(uuidKill(input.id, cause));
        },
      }).then(() => undefined),
  });
}
