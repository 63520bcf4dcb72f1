import type { RunBlock, SimHeader } from './event';
import { FlatHeaders, HeaderRun, RunMemo } from './header-run';
import { RunArena } from './run-arena';

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

/** The caller profile's string fields (the ones its event headers show). */
type StringField = Exclude<keyof CallerProfile, 'times'>;

export type EndpointKind = 'loopback' | 'sofia' | 'user' | 'gateway';

export interface Codec {
  name: string;
  rate: string;
  bitRate: string;
}

/** A variable's `variable_<name>` header name, and whether a run of variables ends after it (see cutsAfter). */
interface VariableName {
  readonly header: string;
  readonly cut: boolean;
}

/** Variable names repeat across channels, so each is looked at once (bounded). */
const variableNames = new Map<string, VariableName>();
const variableName = (name: string): VariableName => {
  let n = variableNames.get(name);
  if (n === undefined) {
    n = { header: 'variable_' + name, cut: cutsAfter(name) };
    if (variableNames.size > 20000) variableNames.clear();
    variableNames.set(name, n);
  }
  return n;
};

/** Variables a run holds on average: each variable ends one with a chance of 1 in VARIABLES_PER_RUN. */
const VARIABLES_PER_RUN = 12;
/** ...and at most: a long stretch without a cutting name is cut anyway. */
const MAX_VARIABLES_PER_RUN = 40;

/**
 * Whether a run of variables ends after this one, from its name alone (FNV-1a): where the runs are cut then depends
 * on which variables a channel has, not on their positions, so a variable deleted or moved to the end (re-set) leaves
 * the runs after it as they were (see RunMemo).
 */
function cutsAfter(name: string): boolean {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return (h >>> 0) % VARIABLES_PER_RUN === 0;
}

function putVariable(out: FlatHeaders, name: string, value: string): void {
  const n = variableName(name);
  out.put(n.header, value);
  if (n.cut) out.cut();
}

/** The scratch list blocks are written into (see FlatHeaders). */
const scratch = new FlatHeaders();

/**
 * Channel variables with switch_channel_set_variable's semantics: setting a variable removes the old entry and
 * appends the new one (so re-set variables move to the end, as the captures show), and an empty value deletes it.
 * Events take the variables as shared runs (header-run.ts), kept between changes.
 */
export class ChannelVariables {
  /**
   * The variables in order as two parallel lists; a re-set or a delete blanks the old name (left for compact to drop
   * in bulk) instead of removing it. A Map alone, deleted from and appended to at each re-set, kept filling its table
   * with holes and rebuilding it: the largest cost of the call model.
   */
  private names: Array<string | undefined> = [];
  private values: string[] = [];
  private dead = 0;
  /** Where each live name is in the lists; dropped with the runs (a destroyed channel is rarely asked), made again on use. */
  private index?: Map<string, number>;
  private runList?: readonly HeaderRun[];
  /**
   * Runs cut by the variables' names: a variable set (appended) or re-set leaves every run but its old one and the
   * last, and their encodings, as they were.
   */
  private readonly memo: RunMemo;

  /** `arena`: the channel's, for the runs' encodings (none: each its own Buffer). */
  constructor(arena?: RunArena) {
    this.memo = new RunMemo(MAX_VARIABLES_PER_RUN, arena);
  }

  set(name: string, value: string | undefined | null): void {
    this.runList = undefined;
    const index = this.positions();
    const old = index.get(name);
    if (old !== undefined) this.kill(old);
    if (value !== undefined && value !== null && value !== '') {
      index.set(name, this.names.length);
      this.names.push(name);
      this.values.push(value);
    } else if (old !== undefined) index.delete(name);
    if (this.dead > 32 && this.dead * 2 > this.names.length) this.compact();
  }

  /** Sets only when absent (keeps the position of an existing entry). */
  setIfAbsent(name: string, value: string): void {
    if (!this.positions().has(name)) this.set(name, value);
  }

  get(name: string): string | undefined {
    const i = this.positions().get(name);
    return i === undefined ? undefined : this.values[i];
  }

  has(name: string): boolean {
    return this.positions().has(name);
  }

  delete(name: string): void {
    const index = this.positions();
    const old = index.get(name);
    if (old === undefined) return;
    index.delete(name);
    this.kill(old);
    this.runList = undefined;
  }

  *entries(): IterableIterator<[string, string]> {
    const { names, values } = this;
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      if (name !== undefined) yield [name, values[i]!];
    }
  }

  /** The variables as `variable_*` runs for an event; the same runs until the next change. */
  runs(): readonly HeaderRun[] {
    if (this.runList === undefined) {
      const flat = scratch.reset();
      const { names, values } = this;
      for (let i = 0; i < names.length; i++) {
        const name = names[i];
        if (name !== undefined) putVariable(flat, name, values[i]!);
      }
      this.runList = this.memo.runs(flat);
    }
    return this.runList;
  }

  /**
   * Drops the runs (and their encodings) kept for the next event, the blanked entries and the name index: see
   * Channel.dropRuns (a destroyed channel is kept a while as another's Other-Leg; its variables stay, compact).
   */
  dropRuns(): void {
    this.runList = undefined;
    this.memo.clear();
    this.compact();
    this.index = undefined;
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.entries());
  }

  get size(): number {
    return this.names.length - this.dead;
  }

  private positions(): Map<string, number> {
    if (this.index === undefined) {
      const index = new Map<string, number>();
      this.names.forEach((name, i) => name !== undefined && index.set(name, i));
      this.index = index;
    }
    return this.index;
  }

  private kill(i: number): void {
    this.names[i] = undefined;
    this.values[i] = '';
    this.dead++;
  }

  /** Drops the blanked entries (once they are as many as the live ones and a few: the lists stay within twice that). */
  private compact(): void {
    if (this.dead === 0) return;
    const names: string[] = [];
    const values: string[] = [];
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i];
      if (name === undefined) continue;
      this.index?.set(name, names.length);
      names.push(name);
      values.push(this.values[i]!);
    }
    this.names = names;
    this.values = values;
    this.dead = 0;
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
  /** Where the encodings of this channel's runs are kept (see run-arena.ts); freed with the channel (dropRuns). */
  private readonly arena = new RunArena();
  readonly vars = new ChannelVariables(this.arena);
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
   * direction, answer state, hangup cause, codecs, caller profile, other leg. The three state headers change with
   * nearly every event and go into `own` as the event's own headers; the rest go on `blocks` as shared runs (see
   * header-run.ts): the ids and answer state change a few times a call, the profiles on answer, bridge, hangup.
   */
  addBasicBlock(own: SimHeader[], blocks: RunBlock[], otherLeg?: Channel): void {
    own.push(['Channel-State', this.runningState], ['Channel-Call-State', this.callState], ['Channel-State-Number', String(this.state)]);
    const at = own.length;
    const head = scratch.reset();
    head.put('Channel-Name', this.name);
    head.put('Unique-ID', this.uuid);
    head.put('Call-Direction', this.direction);
    head.put('Presence-Call-Direction', this.direction);
    head.put('Channel-HIT-Dialplan', this.hitDialplan ? 'true' : 'false');
    const presence = this.vars.get('presence_id');
    if (presence) head.put('Channel-Presence-ID', presence);
    head.put('Channel-Call-UUID', this.vars.get('call_uuid') ?? this.uuid);
    head.put('Answer-State', this.answerState);
    if (this.hangupCause) head.put('Hangup-Cause', this.hangupCause);
    if (this.codec) {
      head.put('Channel-Read-Codec-Name', this.codec.name);
      head.put('Channel-Read-Codec-Rate', this.codec.rate);
      head.put('Channel-Read-Codec-Bit-Rate', this.codec.bitRate);
      head.put('Channel-Write-Codec-Name', this.codec.name);
      head.put('Channel-Write-Codec-Rate', this.codec.rate);
      head.put('Channel-Write-Codec-Bit-Rate', this.codec.bitRate);
    }
    blocks.push({ at, runs: this.headMemo.runs(head) });
    // A profile's times change on progress, answer, bridge, hangup; its strings hardly ever: two runs.
    const caller = scratch.reset();
    profileStrings(caller, CALLER, this.profile, this.uuid, this.name, true);
    blocks.push({ at, runs: this.callerMemo.runs(caller) });
    blocks.push({ at, runs: this.callerTimes.runs(this.profile) });
    if (this.otherLeg && otherLeg) {
      const other = scratch.reset();
      other.put('Other-Type', this.otherLeg.type);
      profileStrings(other, OTHER_LEG, otherLeg.profile, otherLeg.uuid, otherLeg.name, false);
      blocks.push({ at, runs: this.otherMemo.runs(other) });
      blocks.push({ at, runs: this.otherTimes.runs(otherLeg.profile) });
    }
  }

  private readonly headMemo = new RunMemo(0, this.arena);
  private readonly callerMemo = new RunMemo(0, this.arena);
  private readonly callerTimes = new ProfileTimesRuns(CALLER, this.arena);
  private readonly otherMemo = new RunMemo(0, this.arena);
  private readonly otherTimes = new ProfileTimesRuns(OTHER_LEG, this.arena);

  /**
   * Forgets the runs kept for the next event, and with them their encodings. Called when the channel is destroyed:
   * it fires no more events, but may stay referenced for a while (a former peer's Other-Leg), and up to 2,000 such
   * channels holding a call's worth of encoded headers each was a large part of what the soak's heap grew by.
   */
  dropRuns(): void {
    this.headMemo.clear();
    this.callerMemo.clear();
    this.callerTimes.clear();
    this.otherMemo.clear();
    this.otherTimes.clear();
    this.vars.dropRuns();
    this.arena.close();
  }

  /** The channel block as plain headers (uuid_dump). */
  basicHeaders(out: SimHeader[], otherLeg?: Channel): void {
    const blocks: RunBlock[] = [];
    this.addBasicBlock(out, blocks, otherLeg);
    for (const b of blocks) pushRuns(out, b.runs);
  }

  /** `variable_*` headers (switch_channel_event_set_extended_data). */
  variableHeaders(out: SimHeader[]): void {
    pushRuns(out, this.vars.runs());
  }
}

function pushRuns(out: SimHeader[], runs: readonly HeaderRun[]): void {
  for (const run of runs) for (let i = 0; i < run.flat.length; i += 2) out.push([run.flat[i]!, run.flat[i + 1]!]);
}

/**
 * switch_caller_profile_event_set_data's headers in its order, as `<prefix>-<suffix>`: the strings (left out when
 * empty), then the times (always present) and the three flags.
 */
const PROFILE_STRINGS: ReadonlyArray<{
  suffix: string;
  /** The profile field it shows, or the channel's uuid or name. Keys, not functions: read in a loop at every event. */
  value: StringField | 'uuid' | 'channelName';
  /** The other leg's profile is a snapshot without transfer source or profile index (see the bridge capture). */
  fullOnly?: true;
}> = [
  { suffix: 'Direction', value: 'direction' },
  { suffix: 'Logical-Direction', value: 'logicalDirection' },
  { suffix: 'Dialplan', value: 'dialplan' },
  { suffix: 'Username', value: 'username' },
  { suffix: 'Caller-ID-Name', value: 'callerIdName' },
  { suffix: 'Caller-ID-Number', value: 'callerIdNumber' },
  { suffix: 'Orig-Caller-ID-Name', value: 'origCallerIdName' },
  { suffix: 'Orig-Caller-ID-Number', value: 'origCallerIdNumber' },
  { suffix: 'Callee-ID-Name', value: 'calleeIdName' },
  { suffix: 'Callee-ID-Number', value: 'calleeIdNumber' },
  { suffix: 'Network-Addr', value: 'networkAddr' },
  { suffix: 'ANI', value: 'ani' },
  { suffix: 'Destination-Number', value: 'destinationNumber' },
  { suffix: 'Unique-ID', value: 'uuid' },
  { suffix: 'Source', value: 'source' },
  { suffix: 'Transfer-Source', value: 'transferSource', fullOnly: true },
  { suffix: 'Context', value: 'context' },
  { suffix: 'RDNIS', value: 'rdnis' },
  { suffix: 'Channel-Name', value: 'channelName' },
  { suffix: 'Profile-Index', value: 'profileIndex', fullOnly: true },
];
const PROFILE_TIMES: ReadonlyArray<[suffix: string, key: keyof ChannelTimes]> = [
  ['Profile-Created-Time', 'profileCreated'],
  ['Channel-Created-Time', 'created'],
  ['Channel-Answered-Time', 'answered'],
  ['Channel-Progress-Time', 'progress'],
  ['Channel-Progress-Media-Time', 'progressMedia'],
  ['Channel-Hangup-Time', 'hangup'],
  ['Channel-Transfer-Time', 'transfer'],
  ['Channel-Resurrect-Time', 'resurrect'],
  ['Channel-Bridged-Time', 'bridged'],
  ['Channel-Last-Hold', 'lastHold'],
  ['Channel-Hold-Accum', 'holdAccum'],
];
const PROFILE_FLAGS: ReadonlyArray<[suffix: string, value: string]> = [
  ['Screen-Bit', 'true'],
  ['Privacy-Hide-Name', 'false'],
  ['Privacy-Hide-Number', 'false'],
];

/** The profile header names under one prefix, built once (no name concatenated per event). */
function profileNames(prefix: string) {
  const n = (suffix: string): string => `${prefix}-${suffix}`;
  return {
    strings: PROFILE_STRINGS.map((f) => n(f.suffix)),
    times: PROFILE_TIMES.map(([suffix]) => n(suffix)),
    flags: PROFILE_FLAGS.map(([suffix]) => n(suffix)),
  };
}
type ProfileNames = ReturnType<typeof profileNames>;
const CALLER = profileNames('Caller');
const OTHER_LEG = profileNames('Other-Leg');

/** switch_caller_profile_event_set_data's strings, into `out`. */
function profileStrings(
  out: FlatHeaders,
  n: ProfileNames,
  p: CallerProfile,
  uuid: string,
  channelName: string,
  full: boolean,
): void {
  for (let i = 0; i < PROFILE_STRINGS.length; i++) {
    const f = PROFILE_STRINGS[i]!;
    if (!full && f.fullOnly) continue;
    const value = f.value === 'uuid' ? uuid : f.value === 'channelName' ? channelName : p[f.value];
    out.putIfSet(n.strings[i]!, value);
  }
}

/** ... and its times and flags, which follow them. */
function profileTimes(n: ProfileNames, times: readonly number[]): string[] {
  const flat: string[] = [];
  for (let i = 0; i < PROFILE_TIMES.length; i++) flat.push(n.times[i]!, String(times[i]));
  for (let i = 0; i < PROFILE_FLAGS.length; i++) flat.push(n.flags[i]!, PROFILE_FLAGS[i]![1]);
  return flat;
}

/**
 * A profile's times and flags as a run, made again only when one of its times changed: the run is a function of the
 * eleven numbers, so comparing them tells whether last time's run still holds, without rendering them (String() of
 * eleven microsecond stamps, for the caller and again for the other leg, at every event was a visible cost).
 */
class ProfileTimesRuns {
  private readonly seen: number[] = [];
  private last: readonly HeaderRun[] = [];

  constructor(
    private readonly names: ProfileNames,
    private readonly arena: RunArena,
  ) {}

  runs(p: CallerProfile): readonly HeaderRun[] {
    const t = p.times;
    let same = this.last.length > 0;
    for (let i = 0; i < PROFILE_TIMES.length; i++) {
      const v = t[PROFILE_TIMES[i]![1]];
      if (this.seen[i] !== v) {
        this.seen[i] = v;
        same = false;
      }
    }
    if (!same) this.last = [new HeaderRun(profileTimes(this.names, this.seen), this.arena)];
    return this.last;
  }

  /** Forgets the last run (see Channel.dropRuns). */
  clear(): void {
    this.last = [];
  }
}
