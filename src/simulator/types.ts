/** Public configuration shapes of the simulator (programmatic API, control API, scripts). */

export interface SoftphoneBehavior {
  /** Ring time before the phone answers (default 1000 ms). */
  answerDelayMs?: number;
  /** The user declines: CALL_REJECTED after `rejectDelayMs` (default 800 ms) of ringing. */
  reject?: boolean;
  rejectDelayMs?: number;
  /** The phone answers 486: USER_BUSY almost at once. */
  busy?: boolean;
  /** The phone rings until the originate times out: NO_ANSWER. */
  noAnswer?: boolean;
  /** The phone rings until its user answers it (Simulator.softphoneAnswer, control API POST /softphones/<ext>/answer). */
  manualAnswer?: boolean;
  /** The agent hangs up by itself this long after answering. */
  hangupAfterMs?: number;
  /** A phone already in a call answers 486 (default true). */
  busyWhenInCall?: boolean;
}

export type GatewayOutcome = 'answer' | 'busy' | 'noAnswer' | 'machine' | 'invalid' | 'failure';

export interface GatewayNumberConfig {
  outcome: GatewayOutcome;
  /** Ringing time before answer / busy / reject (default: seeded 2-6 s for answer, 1-3 s otherwise). */
  ringMs?: number;
  /** The called party hangs up this long after answering. */
  hangupAfterMs?: number;
  /** For `machine`: when the avmd::beep CUSTOM event fires after answer (default 3000 ms). */
  beepAfterMs?: number;
}

export type GatewayProbabilities = Partial<Record<GatewayOutcome, number>>;

export interface DidRoute {
  /** park (the project's dialplan), playback a file then hang up, echo, or reject. */
  action: 'park' | 'playback' | 'echo' | 'hangup';
  file?: string;
  /** Answer before the action (park does not answer by default, like the project's dialplan). */
  answer?: boolean;
  /** Extra `set` actions before the action. */
  variables?: Record<string, string>;
  cause?: string;
}

export interface InboundCallOptions {
  from: string;
  fromName?: string;
  to: string;
  variables?: Record<string, string>;
  /** Choose the uuid (tests). */
  uuid?: string;
  /** Carrier address shown in sip_network_ip (default 203.0.113.10). */
  networkIp?: string;
}

export interface ChannelSnapshot {
  uuid: string;
  name: string;
  direction: 'inbound' | 'outbound';
  state: string;
  callState: string;
  answerState: string;
  callerIdNumber: string;
  callerIdName: string;
  destinationNumber: string;
  application?: string;
  applicationData?: string;
  bridgedTo?: string;
  held: boolean;
  createdAt: number;
  answeredAt?: number;
  variables: Record<string, string>;
}

export interface AudioRoute {
  /** The channel that hears. */
  listener: string;
  /** A channel uuid, or `moh`, or `file:<path>`. */
  source: string;
  kind: 'bridge' | 'eavesdrop' | 'whisper' | 'playback' | 'moh' | 'echo' | 'conference';
}

export interface RecordingInfo {
  uuid: string;
  path: string;
  startedAt: number;
  stoppedAt?: number;
  /** Masked periods in ms since the recording started. */
  masks: Array<{ fromMs: number; toMs?: number }>;
  recordedMs?: number;
  bytes?: number;
  completionCause?: string;
  stereo: boolean;
}
