/**
 * Where a call goes when its flow routes it to a queue. The ACD (a later issue) implements QueueHandoff; until it
 * exists, NoAcdQueueHandoff says so plainly: the caller is sent to the queue's voicemail box when one is configured,
 * otherwise hears a busy tone and is hung up, and the call's IVR record says "no ACD configured".
 */
import type { HangupCause } from '../../freeswitch';
import type { MediaSpec } from '../protocol';

/** A call handed to a queue, with what the handoff may do to it (each bound to the call's channel). */
export interface QueuedCall {
  readonly uuid: string;
  readonly node: string;
  readonly did: string;
  readonly callerNumber: string;
  readonly queue: string;
  readonly priority: number;
  readonly skills: readonly string[];
  /** The call's IVR variables (e.g. CRM fields for the agent's screen pop); also set on the channel. */
  readonly variables: Readonly<Record<string, string>>;
  /** Adds a line to the call's IVR path and record (e.g. which agent group took it, or why nobody did). */
  note(detail: string): void;
  play(media: readonly MediaSpec[]): Promise<void>;
  /** Records a voicemail for `box` (beep, record with the default limits, voicemails row). */
  voicemail(box: string): Promise<void>;
  hangup(cause: HangupCause): Promise<void>;
  /** An IVR run waits on this handoff and takes the caller back when it resolves with `continueWith`. */
  readonly resumable?: boolean;
}

/**
 * How a handoff ended, when the call comes back to the IVR: the agent hung up, the caller stayed on the line, and the
 * queue sends its opted-in callers to a survey flow (README "Post-call CSAT survey").
 */
export interface HandoffResult {
  continueWith?: { flow: string; variables: Readonly<Record<string, string>> };
}

export interface QueueHandoff {
  /**
   * Takes the call over; resolves when the IVR runtime is done with it (the call may go on, e.g. with an agent), or
   * with `continueWith` when the caller is back for a flow.
   */
  handoff(call: QueuedCall): Promise<void | HandoffResult>;
}

export interface NoAcdQueueHandoffOptions {
  /** Queue name -> voicemail box that takes its callers while no ACD exists. */
  voicemailBoxes?: Readonly<Record<string, string>>;
  /** Played before hanging up when a queue has no box (default: a busy tone). */
  busyPrompt?: readonly MediaSpec[];
}

/** North American busy signal (480 + 620 Hz, 0.5 s on / 0.5 s off), four times. */
export const BUSY_TONE: MediaSpec = { kind: 'tone', spec: '%(500,500,480,620);loops=4' };

export class NoAcdQueueHandoff implements QueueHandoff {
  constructor(private readonly options: NoAcdQueueHandoffOptions = {}) {}

  async handoff(call: QueuedCall): Promise<void> {
    const box = this.options.voicemailBoxes?.[call.queue];
    if (box) {
      call.note(`no ACD configured; sent to voicemail box ${box}`);
      await call.voicemail(box);
      await call.hangup('NORMAL_CLEARING');
      return;
    }
    call.note('no ACD configured');
    await call.play(this.options.busyPrompt ?? [BUSY_TONE]);
    await call.hangup('NORMAL_CLEARING');
  }
}
