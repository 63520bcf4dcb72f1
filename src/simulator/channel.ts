import type { SimHeader } from './event';

/**
 * One simulated FreeSWITCH channel (a switch_channel_t plus its caller profile). It only holds state and renders
 * the header blocks FreeSWITCH puts on channel events; behaviour lives in the engine and the apps.
 */

/** switch_channel_state_t, numbered as FreeSWITCH numbers them (Channel-State-Number). */
export const CS = {
  CS_NEW: 0,
  CS_INIT: 1,
  CS_ROUTING: 2,
  CS_SOFT_EXECUTE: 3,
  CS_EXECUTE: 4,
  CS_EXCHANGE_MEDIA: 5,
  CS_PARK: 6,
  CS_CONSUME_MEDIA: 7,
  CS_HIBERNATE: 8,
  CS_RESET: 9,
  CS_HANGUP: 10,
  CS_REPORTING: 11,
  CS_DESTROY: 12,
} as const;
export type StateName = keyof typeof CS;

export type CallState = 'DOWN' | 'DIALING' | 'RINGING' | 'EARLY' | 'ACTIVE' | 'HELD' | 'RING_WAIT' | 'HANGUP' | 'UNHELD';
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';

/** Microsecond timestamps of the caller profile (0 = never happened), as in switch_channel_timetable_t. */
export interface ChannelTimes {
  profileCreated: number;
  created: number;
  answered: number;
  progress: number;
  progressMedia: number;
  hangup: number;
  transfer: number;
  resurrect: number;
  bridged: number;
  lastHold: number;
  holdAccum: number;
}

export interface CallerProfile {
  direction: 'inbound' | 'outbound';
  logicalDirection: 'inbound' | 'outbound';
  dialplan: string;
  username: string;
  callerIdName: string;
  callerIdNumber: string;
  origCallerIdName: string;
  origCallerIdNumber: string;
  calleeIdName: string;
  calleeIdNumber: string;
  networkAddr: string;
  ani: string;
  destinationNumber: string;
  source: string;
  transferSource: string;
  context: string;
  rdnis: string;
  profileIndex: string;
  times: ChannelTimes;
}

export type EndpointKind = 'loopback' | 'sofia' | 'user' | 'gateway';

export interface Codec {
  name: string;
  rate: string;
  bitRate: string;
}

/**
 * Channel variables with switch_channel_set_variable's semantics: setting a variable removes the old entry and
 * appends the new one (so re-set variables move to the end, as the captures show), and an empty value deletes it.
 */
export class ChannelVariables {
  private readonly map = new Map<string, string>();

  set(name: string, value: string | undefined | null): void {
    this.map.delete(name);
    if (value !== undefined && value !== null && value !== '') this.map.set(name, value);
  }

  /** Sets only when absent (keeps the position of an existing entry). */
  setIfAbsent(name: string, value: string): void {
    if (!this.map.has(name)) this.set(name, value);
  }

  get(name: string): string | undefined {
    return this.map.get(name);
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  delete(name: string): void {
    this.map.delete(name);
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.map);
  }

  get size(): number {
    return this.map.size;
  }
}

export const emptyTimes = (): ChannelTimes => ({
  profileCreated: 0,
  created: 0,
  answered: 0,
  progress: 0,
  progressMedia: 0,
  hangup: 0,
  transfer: 0,
  resurrect: 0,
  bridged: 0,
  lastHold: 0,
  holdAccum: 0,
});

export class Channel {
  /** CS_* number reported as Channel-State-Number. */
  state: number = CS.CS_INIT;
  /** The state the channel's thread runs in, reported as Channel-State (lags `state` during hangup, like FS). */
  runningState: StateName = 'CS_INIT';
  callState: CallState = 'DOWN';
  answerState: AnswerState = 'ringing';
  hitDialplan = false;
  hangupCause?: string;
  codec?: Codec;
  readonly vars = new ChannelVariables();
  /** Peer in a bridge (uuid). */
  bridgedTo?: string;
  /** Set on the side that owns the bridge (fires CHANNEL_BRIDGE/UNBRIDGE). */
  bridgeOwner = false;
  /** Who this channel's "Other-Leg" headers describe, and how. */
  otherLeg?: { uuid: string; type: 'originator' | 'originatee' };
  held = false;
  /**
   * uuid_audio's media bug ("__audio", switch_ivr_session_audio). read: what FreeSWITCH reads from the endpoint (the
   * phone's user speaking); write: what it sends to it. A non-zero mute replaces those frames with silence, so a
   * read-muted channel is heard by nobody (it still hears), a write-muted one hears nothing. Levels are -4..4.
   */
  sessionAudio?: { readMute: number; writeMute: number; readLevel: number; writeLevel: number };
  holdStartedUs = 0;
  /** CF_REDIRECT: `uuid_transfer -both` is moving this leg too, so the end of its bridge runs no after-bridge logic. */
  redirecting = false;
  /** DTMF received from the far end and not yet read by an app (the channel's DTMF queue). */
  readonly dtmfQueue: Array<{ digit: string; durationSamples: number; source: string }> = [];
  /** Digits dialled during the call, for variable_digits_dialed. */
  digitsDialed = '';
  endpoint: EndpointKind;
  /** The other half of a loopback pair. */
  loopbackPeer?: string;
  /** Files uuid_displace started on this channel (media bugs; the simulator plays no audio). */
  readonly displaced: string[] = [];
  /** Softphone extension for user/ legs and agent softphones. */
  softphone?: string;
  /** Gateway number for sofia/gateway legs. */
  gatewayNumber?: string;
  destroyed = false;
  /** Cause of a hangup that was requested and will run on the next tick. */
  pendingHangup?: string;
  readonly createdAtMs: number;

  constructor(
    readonly uuid: string,
    public name: string,
    readonly direction: 'inbound' | 'outbound',
    readonly sessionId: number,
    public profile: CallerProfile,
    endpoint: EndpointKind,
    nowMs: number,
  ) {
    this.endpoint = endpoint;
    this.createdAtMs = nowMs;
  }

  get answered(): boolean {
    return this.profile.times.answered > 0;
  }

  get isUp(): boolean {
    return this.state < CS.CS_HANGUP;
  }

  setState(name: StateName, running: StateName = name): void {
    this.state = CS[name];
    this.runningState = running;
  }

  /**
   * The channel block switch_channel_event_set_basic_data writes, in FreeSWITCH's order: state, name, ids,
   * direction, answer state, hangup cause, codecs, caller profile, other leg.
   */
  basicHeaders(out: SimHeader[], otherLeg?: Channel): void {
    out.push(
      ['Channel-State', this.runningState],
      ['Channel-Call-State', this.callState],
      ['Channel-State-Number', String(this.state)],
      ['Channel-Name', this.name],
      ['Unique-ID', this.uuid],
      ['Call-Direction', this.direction],
      ['Presence-Call-Direction', this.direction],
      ['Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false'],
    );
    const presence = this.vars.get('presence_id');
    if (presence) out.push(['Channel-Presence-ID', presence]);
    out.push(['Channel-Call-UUID', this.vars.get('call_uuid') ?? this.uuid], ['Answer-State', this.answerState]);
    if (this.hangupCause) out.push(['Hangup-Cause', this.hangupCause]);
    if (this.codec) {
      out.push(
        ['Channel-Read-Codec-Name', this.codec.name],
        ['Channel-Read-Codec-Rate', this.codec.rate],
        ['Channel-Read-Codec-Bit-Rate', this.codec.bitRate],
        ['Channel-Write-Codec-Name', this.codec.name],
        ['Channel-Write-Codec-Rate', this.codec.rate],
        ['Channel-Write-Codec-Bit-Rate', this.codec.bitRate],
      );
    }
    profileHeaders(out, 'Caller', this.profile, this.uuid, this.name, true);
    if (this.otherLeg && otherLeg) {
      out.push(['Other-Type', this.otherLeg.type]);
      profileHeaders(out, 'Other-Leg', otherLeg.profile, otherLeg.uuid, otherLeg.name, false);
    }
  }

  /** `variable_*` headers (switch_channel_event_set_extended_data). */
  variableHeaders(out: SimHeader[]): void {
    for (const [k, v] of this.vars.entries()) out.push(['variable_' + k, v]);
  }
}

/** switch_caller_profile_event_set_data: empty strings are left out, times always present. */
function profileHeaders(
  out: SimHeader[],
  prefix: string,
  p: CallerProfile,
  uuid: string,
  channelName: string,
  full: boolean,
): void {
  const add = (name: string, value: string): void => {
    if (value !== '') out.push([`${prefix}-${name}`, value]);
  };
  add('Direction', p.direction);
  add('Logical-Direction', p.logicalDirection);
  add('Dialplan', p.dialplan);
  add('Username', p.username);
  add('Caller-ID-Name', p.callerIdName);
  add('Caller-ID-Number', p.callerIdNumber);
  add('Orig-Caller-ID-Name', p.origCallerIdName);
  add('Orig-Caller-ID-Number', p.origCallerIdNumber);
  add('Callee-ID-Name', p.calleeIdName);
  add('Callee-ID-Number', p.calleeIdNumber);
  add('Network-Addr', p.networkAddr);
  add('ANI', p.ani);
  add('Destination-Number', p.destinationNumber);
  add('Unique-ID', uuid);
  add('Source', p.source);
  // The other leg's profile is a snapshot without transfer source or profile index (see the bridge capture).
  if (full) add('Transfer-Source', p.transferSource);
  add('Context', p.context);
  add('RDNIS', p.rdnis);
  add('Channel-Name', channelName);
  if (full) add('Profile-Index', p.profileIndex);
  const t = p.times;
  out.push(
    [`${prefix}-Profile-Created-Time`, String(t.profileCreated)],
    [`${prefix}-Channel-Created-Time`, String(t.created)],
    [`${prefix}-Channel-Answered-Time`, String(t.answered)],
    [`${prefix}-Channel-Progress-Time`, String(t.progress)],
    [`${prefix}-Channel-Progress-Media-Time`, String(t.progressMedia)],
    [`${prefix}-Channel-Hangup-Time`, String(t.hangup)],
    [`${prefix}-Channel-Transfer-Time`, String(t.transfer)],
    [`${prefix}-Channel-Resurrect-Time`, String(t.resurrect)],
    [`${prefix}-Channel-Bridged-Time`, String(t.bridged)],
    [`${prefix}-Channel-Last-Hold`, String(t.lastHold)],
    [`${prefix}-Channel-Hold-Accum`, String(t.holdAccum)],
    [`${prefix}-Screen-Bit`, 'true'],
    [`${prefix}-Privacy-Hide-Name`, 'false'],
    [`${prefix}-Privacy-Hide-Number`, 'false'],
  );
}
