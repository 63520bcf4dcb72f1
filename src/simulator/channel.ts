import { RunMemo, type EntryRun, type HeaderEntry, type SimHeader, type VarEntry } from './event';

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
 * Each value is held as an immutable VarEntry shared with the events that carry it (see event.ts), and the ordered
 * list of entries is kept between changes, so an event takes the whole block by reference.
 */
export class ChannelVariables {
  private readonly map = new Map<string, VarEntry>();
  private list?: VarEntry[];
  private runList?: EntryRun[];
  /** Chunks of 16: a new variable (appended) leaves every earlier chunk's run, and its encodings, as they were. */
  private readonly memo = new RunMemo(16);

  set(name: string, value: string | undefined | null): void {
    const old = this.map.get(name);
    if (old !== undefined) this.map.delete(name);
    this.list = undefined;
    this.runList = undefined;
    if (value !== undefined && value !== null && value !== '') {
      // Re-setting the same value still moves it to the end, but keeps its encodings.
      this.map.set(name, old !== undefined && old.value === value ? old : { header: 'variable_' + name, value });
    }
  }

  /** Sets only when absent (keeps the position of an existing entry). */
  setIfAbsent(name: string, value: string): void {
    if (!this.map.has(name)) this.set(name, value);
  }

  get(name: string): string | undefined {
    return this.map.get(name)?.value;
  }

  has(name: string): boolean {
    return this.map.has(name);
  }

  delete(name: string): void {
    if (this.map.delete(name)) {
      this.list = undefined;
      this.runList = undefined;
    }
  }

  *entries(): IterableIterator<[string, string]> {
    for (const [k, e] of this.map) yield [k, e.value];
  }

  /** The variables in order as event entries; the same array until the next change (callers must not modify it). */
  block(): readonly VarEntry[] {
    return (this.list ??= Array.from(this.map.values()));
  }

  /** block() as runs for an event; the same runs until the next change. */
  runs(): EntryRun[] {
    return (this.runList ??= this.memo.runs(this.block()));
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
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
   * The last entry made for each channel-block header: an unchanged value reuses its entry, and with it the entry's
   * cached encodings (state, times and the other leg change a few headers per event; the rest repeat).
   */
  private readonly blockEntries = new Map<string, HeaderEntry>();

  private entry(out: HeaderEntry[], name: string, value: string): void {
    const e = this.blockEntries.get(name);
    if (e !== undefined && e.value === value) {
      out.push(e);
      return;
    }
    const n: HeaderEntry = { header: name, value };
    this.blockEntries.set(name, n);
    out.push(n);
  }

  /**
   * The channel block switch_channel_event_set_basic_data writes, in FreeSWITCH's order: state, name, ids,
   * direction, answer state, hangup cause, codecs, caller profile, other leg. As shared entries (see entry()).
   */
  basicBlock(otherLeg?: Channel): EntryRun[] {
    const out: HeaderEntry[] = [];
    this.entry(out, 'Channel-State', this.runningState);
    this.entry(out, 'Channel-Call-State', this.callState);
    this.entry(out, 'Channel-State-Number', String(this.state));
    this.entry(out, 'Channel-Name', this.name);
    this.entry(out, 'Unique-ID', this.uuid);
    this.entry(out, 'Call-Direction', this.direction);
    this.entry(out, 'Presence-Call-Direction', this.direction);
    this.entry(out, 'Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false');
    const presence = this.vars.get('presence_id');
    if (presence) this.entry(out, 'Channel-Presence-ID', presence);
    this.entry(out, 'Channel-Call-UUID', this.vars.get('call_uuid') ?? this.uuid);
    this.entry(out, 'Answer-State', this.answerState);
    if (this.hangupCause) this.entry(out, 'Hangup-Cause', this.hangupCause);
    if (this.codec) {
      this.entry(out, 'Channel-Read-Codec-Name', this.codec.name);
      this.entry(out, 'Channel-Read-Codec-Rate', this.codec.rate);
      this.entry(out, 'Channel-Read-Codec-Bit-Rate', this.codec.bitRate);
      this.entry(out, 'Channel-Write-Codec-Name', this.codec.name);
      this.entry(out, 'Channel-Write-Codec-Rate', this.codec.rate);
      this.entry(out, 'Channel-Write-Codec-Bit-Rate', this.codec.bitRate);
    }
    // Three runs: the head changes with nearly every event, the profiles only on answer, bridge, hangup...
    const runs = this.headMemo.runs(out);
    const caller: HeaderEntry[] = [];
    const add = (name: string, value: string): void => this.entry(caller, name, value);
    profileHeaders(add, CALLER, this.profile, this.uuid, this.name, true);
    runs.push(...this.callerMemo.runs(caller));
    if (this.otherLeg && otherLeg) {
      const other: HeaderEntry[] = [];
      this.entry(other, 'Other-Type', this.otherLeg.type);
      profileHeaders((name, value) => this.entry(other, name, value), OTHER_LEG, otherLeg.profile, otherLeg.uuid, otherLeg.name, false);
      runs.push(...this.otherMemo.runs(other));
    }
    return runs;
  }

  private readonly headMemo = new RunMemo(0);
  private readonly callerMemo = new RunMemo(0);
  private readonly otherMemo = new RunMemo(0);

  /** The channel block as plain headers (uuid_dump). */
  basicHeaders(out: SimHeader[], otherLeg?: Channel): void {
    for (const run of this.basicBlock(otherLeg)) for (const e of run.entries) out.push([e.header, e.value]);
  }

  /** `variable_*` headers (switch_channel_event_set_extended_data). */
  variableHeaders(out: SimHeader[]): void {
    for (const [k, v] of this.vars.entries()) out.push(['variable_' + k, v]);
  }
}

/** The caller-profile header names under one prefix, built once (no name concatenated per event). */
function profileNames(prefix: string) {
  const n = (name: string): string => `${prefix}-${name}`;
  return {
    direction: n('Direction'),
    logicalDirection: n('Logical-Direction'),
    dialplan: n('Dialplan'),
    username: n('Username'),
    callerIdName: n('Caller-ID-Name'),
    callerIdNumber: n('Caller-ID-Number'),
    origCallerIdName: n('Orig-Caller-ID-Name'),
    origCallerIdNumber: n('Orig-Caller-ID-Number'),
    calleeIdName: n('Callee-ID-Name'),
    calleeIdNumber: n('Callee-ID-Number'),
    networkAddr: n('Network-Addr'),
    ani: n('ANI'),
    destinationNumber: n('Destination-Number'),
    uniqueId: n('Unique-ID'),
    source: n('Source'),
    transferSource: n('Transfer-Source'),
    context: n('Context'),
    rdnis: n('RDNIS'),
    channelName: n('Channel-Name'),
    profileIndex: n('Profile-Index'),
    profileCreated: n('Profile-Created-Time'),
    created: n('Channel-Created-Time'),
    answered: n('Channel-Answered-Time'),
    progress: n('Channel-Progress-Time'),
    progressMedia: n('Channel-Progress-Media-Time'),
    hangup: n('Channel-Hangup-Time'),
    transfer: n('Channel-Transfer-Time'),
    resurrect: n('Channel-Resurrect-Time'),
    bridged: n('Channel-Bridged-Time'),
    lastHold: n('Channel-Last-Hold'),
    holdAccum: n('Channel-Hold-Accum'),
    screenBit: n('Screen-Bit'),
    hideName: n('Privacy-Hide-Name'),
    hideNumber: n('Privacy-Hide-Number'),
  };
}
type ProfileNames = ReturnType<typeof profileNames>;
const CALLER = profileNames('Caller');
const OTHER_LEG = profileNames('Other-Leg');

/** switch_caller_profile_event_set_data: empty strings are left out, times always present. */
function profileHeaders(
  put: (name: string, value: string) => void,
  n: ProfileNames,
  p: CallerProfile,
  uuid: string,
  channelName: string,
  full: boolean,
): void {
  const add = (name: string, value: string): void => {
    if (value !== '') put(name, value);
  };
  add(n.direction, p.direction);
  add(n.logicalDirection, p.logicalDirection);
  add(n.dialplan, p.dialplan);
  add(n.username, p.username);
  add(n.callerIdName, p.callerIdName);
  add(n.callerIdNumber, p.callerIdNumber);
  add(n.origCallerIdName, p.origCallerIdName);
  add(n.origCallerIdNumber, p.origCallerIdNumber);
  add(n.calleeIdName, p.calleeIdName);
  add(n.calleeIdNumber, p.calleeIdNumber);
  add(n.networkAddr, p.networkAddr);
  add(n.ani, p.ani);
  add(n.destinationNumber, p.destinationNumber);
  add(n.uniqueId, uuid);
  add(n.source, p.source);
  // The other leg's profile is a snapshot without transfer source or profile index (see the bridge capture).
  if (full) add(n.transferSource, p.transferSource);
  add(n.context, p.context);
  add(n.rdnis, p.rdnis);
  add(n.channelName, channelName);
  if (full) add(n.profileIndex, p.profileIndex);
  const t = p.times;
  put(n.profileCreated, String(t.profileCreated));
  put(n.created, String(t.created));
  put(n.answered, String(t.answered));
  put(n.progress, String(t.progress));
  put(n.progressMedia, String(t.progressMedia));
  put(n.hangup, String(t.hangup));
  put(n.transfer, String(t.transfer));
  put(n.resurrect, String(t.resurrect));
  put(n.bridged, String(t.bridged));
  put(n.lastHold, String(t.lastHold));
  put(n.holdAccum, String(t.holdAccum));
  put(n.screenBit, 'true');
  put(n.hideName, 'false');
  put(n.hideNumber, 'false');
}
