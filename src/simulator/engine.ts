import { fileStringParts, soundExists, type InstalledSounds } from './sound-files';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';
import { Q850, SIP_STATUS } from './causes';
import { Channel, CS, emptyTimes, type CallerProfile, type ChannelTimes, type EndpointKind } from './channel';
import type { SimHeader } from './event';
import { EventBus, SITES, type CallSite } from './event-bus';
import { newFrame, type AppFrame, type StopReason } from './frame';
import { writeRecording, recordedMs, type ActiveRecording } from './recordings';
import type { Rng } from '../random/rng';
import { localStamp } from './time-format';
import type { AudioRoute, ChannelSnapshot, RecordingInfo } from './types';

/** How many stopped recordings recordings() still lists. */
export const FINISHED_RECORDINGS_KEPT = 1000;

/**
 * The `<k>_epoch` / `<k>_uepoch` CDR variables and the time each shows, in switch_channel_set_timestamps' order: these
 * before the hold ones, the later ones after. Names made once, not per hangup.
 */
const epochs = (pairs: Array<[string, keyof ChannelTimes]>): ReadonlyArray<readonly [string, string, keyof ChannelTimes]> =>
  pairs.map(([k, key]) => [`${k}_epoch`, `${k}_uepoch`, key] as const);
const CDR_EPOCHS = epochs([
  ['start', 'created'],
  ['profile_start', 'profileCreated'],
  ['answer', 'answered'],
  ['bridge', 'bridged'],
  ['last_hold', 'lastHold'],
]);
const CDR_LATER_EPOCHS = epochs([
  ['resurrect', 'resurrect'],
  ['progress', 'progress'],
  ['progress_media', 'progressMedia'],
  ['end', 'hangup'],
]);

/** One application of a dialplan extension. */
export interface DialplanApp {
  app: string;
  data: string;
}

/** A sendmsg / broadcast message queued for a channel (switch_core_session_queue_private_event). */
export interface PrivateMessage {
  kind: 'execute' | 'hangup';
  app?: string;
  data?: string;
  appUuid?: string;
  loops?: number;
  cause?: string;
}

export type AppStarter = (engine: CallEngine, ch: Channel, frame: AppFrame) => void;

export interface EngineConfig {
  maxSessions: number;
  sessionsPerSecond: number;
  /** Playback length by full path or basename; anything else uses defaultFileMs. */
  fileDurations: Map<string, number>;
  defaultFileMs: number;
  /** Which sound files exist (./sound-files.ts): null = every file. */
  installedSounds: InstalledSounds;
  recordingCapSeconds: number;
  /** Pause between "answered" and originate returning (FS's originate loop granularity). */
  originatePollMs: number;
}

interface Runtime {
  stack: AppFrame[];
  messages: PrivateMessage[];
  dialplan?: { apps: DialplanApp[]; index: number };
  timers: Set<ClockTimer>;
  recordings: Map<string, ActiveRecording>;
  /** Callbacks waiting for this channel to hang up (originate legs, eavesdrop, bridge app...). */
  onHangup: Array<(ch: Channel) => void>;
  /** Callbacks waiting for answer (originate). */
  onAnswer: Array<(ch: Channel) => void>;
  pumping: boolean;
  messageTick?: boolean;
  lastApp?: DialplanApp;
  /** A bridge waiting for an outbound leg (bridge app). */
  pendingTransferTo?: string;
}

export interface EavesdropState {
  target: string;
  /**
   * Where the eavesdropper's audio is mixed (switch_ivr_async.c): `read` = ED_MUX_READ, into what the target's
   * endpoint sent, so the target's bridged peer hears it (DTMF 1, eavesdrop_whisper_aleg); `write` = ED_MUX_WRITE,
   * into what is sent to the target's endpoint, so the target hears it (DTMF 2, eavesdrop_whisper_bleg); `both`
   * (DTMF 3); `listen` = neither (DTMF 0).
   */
  mode: 'listen' | 'read' | 'write' | 'both';
}

/**
 * The call model: channels, their applications, bridges, DTMF, recordings and hangups, producing FreeSWITCH's
 * events in FreeSWITCH's order. Everything time-based goes through the injected Clock.
 */
export class CallEngine {
  readonly channels = new Map<string, Channel>();
  private readonly rt = new Map<string, Runtime>();
  readonly eavesdrops = new Map<string, EavesdropState>();
  /** The last FINISHED_RECORDINGS_KEPT recordings that stopped (a test looks at its own right after the call). */
  private readonly finishedRecordings: RecordingInfo[] = [];
  private sessionCounter = 0;
  sessionsSinceStartup = 0;
  peakSessions = 0;
  private readonly recentStarts: number[] = [];
  peakPerSecond = 0;
  readonly startedAtMs: number;
  /** App implementations, registered by apps.ts. */
  readonly apps = new Map<string, AppStarter>();
  /** Dialplan lookup, installed by the dialplan module. */
  route: (ch: Channel) => DialplanApp[] | undefined = () => undefined;
  /** Notified after a channel is destroyed (softphones track their calls with it). */
  readonly destroyListeners: Array<(ch: Channel) => void> = [];
  /** Called when a channel sends DTMF out toward its far end (softphones, loopback). */
  dtmfOut: (ch: Channel, digits: string) => void = () => undefined;

  constructor(
    readonly clock: Clock,
    readonly rng: Rng,
    readonly bus: EventBus,
    readonly logger: Logger,
    readonly config: EngineConfig,
  ) {
    this.startedAtMs = clock.now();
  }

  // ---- basics ------------------------------------------------------------------------------------------------

  get(uuid: string | undefined): Channel | undefined {
    return uuid ? this.channels.get(uuid) : undefined;
  }

  nowUs(): number {
    return Math.round(this.clock.now() * 1000);
  }

  private runtime(ch: Channel): Runtime {
    let r = this.rt.get(ch.uuid);
    if (!r) {
      r = {
        stack: [],
        messages: [],
        timers: new Set(),
        recordings: new Map(),
        onHangup: [],
        onAnswer: [],
        pumping: false,
      };
      this.rt.set(ch.uuid, r);
    }
    return r;
  }

  /** A timer bound to a channel: cancelled automatically when the channel is destroyed. */
  after(ch: Channel | undefined, ms: number, fn: () => void): ClockTimer {
    if (!ch) {
      // Not bound to a channel (originate timeouts): tracked so shutdown() can cancel it, and forgotten when it fires
      // or is cancelled (an answered originate cancels its timeout: kept, those piled up by the thousand in the soak).
      const inner = this.clock.setTimeout(() => {
        this.globalTimers.delete(t);
        fn();
      }, Math.max(0, ms));
      const t: ClockTimer = {
        cancel: () => {
          this.globalTimers.delete(t);
          inner.cancel();
        },
      };
      this.globalTimers.add(t);
      return t;
    }
    const r = this.runtime(ch);
    const t = this.clock.setTimeout(() => {
      r.timers.delete(t);
      if (!ch.destroyed) fn();
    }, Math.max(0, ms));
    r.timers.add(t);
    return t;
  }

  onHangup(ch: Channel, fn: (ch: Channel) => void): void {
    this.runtime(ch).onHangup.push(fn);
  }

  onAnswer(ch: Channel, fn: (ch: Channel) => void): void {
    this.runtime(ch).onAnswer.push(fn);
  }

  stack(ch: Channel): readonly AppFrame[] {
    return this.runtime(ch).stack;
  }

  get sessionCount(): number {
    return this.channels.size;
  }

  // ---- events ------------------------------------------------------------------------------------------------

  /**
   * Fires a channel event: base block, `pre` headers (e.g. Hangup-Cause, Bridge-*-Unique-ID), the channel block,
   * variables when this event type carries them, then `post` headers (Application, Playback-*, ...).
   */
  emit(
    ch: Channel,
    name: string,
    site: CallSite,
    opts: { pre?: SimHeader[]; post?: SimHeader[]; vars?: boolean; subclass?: string; body?: string } = {},
  ): void {
    this.bus.fire(
      name,
      site,
      (h, extras) => {
        if (opts.pre) h.push(...opts.pre);
        const other = ch.otherLeg ? this.channels.get(ch.otherLeg.uuid) ?? this.ghosts.get(ch.otherLeg.uuid) : undefined;
        ch.addBasicBlock(h, extras.blocks, other);
        // The variables go in by reference (shared runs), not as a copy of every variable per event.
        if (opts.vars !== false) extras.blocks.push({ at: h.length, runs: ch.vars.runs() });
        if (opts.post) h.push(...opts.post);
        return opts.body;
      },
      opts.subclass,
    );
  }

  /** Channels that are gone but still referenced as another channel's Other-Leg. */
  private readonly ghosts = new Map<string, Channel>();

  private setCallState(ch: Channel, state: Channel['callState']): void {
    if (ch.callState === state) return;
    const original = ch.callState;
    ch.callState = state;
    // switch_channel_perform_set_callstate adds these before the channel data.
    this.emit(ch, 'CHANNEL_CALLSTATE', SITES.callstate, {
      vars: false,
      pre: [
        ['Original-Channel-Call-State', original],
        ['Channel-Call-State-Number', String(['DOWN', 'DIALING', 'RINGING', 'EARLY', 'ACTIVE', 'HELD', 'RING_WAIT', 'HANGUP', 'UNHELD'].indexOf(state))],
      ],
    });
  }

  private setRunning(ch: Channel, name: keyof typeof CS): void {
    ch.setState(name);
    this.emit(ch, 'CHANNEL_STATE', SITES.state, { vars: false });
  }

  // ---- channel creation --------------------------------------------------------------------------------------

  newUuid(): string {
    return this.rng.uuid();
  }

  createChannel(opts: {
    uuid?: string;
    name: string;
    direction: 'inbound' | 'outbound';
    endpoint: EndpointKind;
    profile: Partial<CallerProfile>;
    codec?: Channel['codec'];
    /** Variables set right after the standard ones (origination vars, endpoint vars) in order. */
    vars?: Array<[string, string]>;
    /** When the uuid was chosen with origination_uuid, FS re-sets uuid/call_uuid after channel_name. */
    uuidChosen?: boolean;
    varsBeforeName?: boolean;
  }): Channel {
    const uuid = opts.uuid ?? this.newUuid();
    const now = this.nowUs();
    const times = emptyTimes();
    times.profileCreated = now;
    times.created = now;
    const profile: CallerProfile = {
      direction: opts.direction,
      logicalDirection: opts.direction,
      dialplan: '',
      username: '',
      callerIdName: '',
      callerIdNumber: '',
      origCallerIdName: '',
      origCallerIdNumber: '',
      calleeIdName: '',
      calleeIdNumber: '',
      networkAddr: '',
      ani: '',
      destinationNumber: '',
      source: '',
      transferSource: '',
      context: '',
      rdnis: '',
      profileIndex: '1',
      ...opts.profile,
      times,
    };
    const ch = new Channel(uuid, opts.name, opts.direction, ++this.sessionCounter, profile, opts.endpoint, this.clock.now());
    ch.codec = opts.codec;
    // Inbound channels are created to run a dialplan (Channel-HIT-Dialplan true already at CHANNEL_CREATE).
    ch.hitDialplan = opts.direction === 'inbound';
    // Channel-State (running) CS_INIT while the state is already CS_ROUTING: "CS_INIT / 2" in the captures.
    ch.setState('CS_ROUTING', 'CS_INIT');
    this.channels.set(uuid, ch);
    this.runtime(ch);
    this.sessionsSinceStartup++;
    this.peakSessions = Math.max(this.peakSessions, this.channels.size);
    const nowMs = this.clock.now();
    this.recentStarts.push(nowMs);
    while (this.recentStarts.length && this.recentStarts[0]! < nowMs - 1000) this.recentStarts.shift();
    this.peakPerSecond = Math.max(this.peakPerSecond, this.recentStarts.length);

    const v = ch.vars;
    v.set('direction', opts.direction);
    if (opts.direction === 'outbound') v.set('is_outbound', 'true');
    if (!opts.uuidChosen) {
      v.set('uuid', uuid);
      v.set('call_uuid', uuid);
    }
    v.set('session_id', String(ch.sessionId));
    if (opts.codec && !opts.varsBeforeName) this.setCodecVars(ch);
    v.set('channel_name', opts.name);
    if (opts.codec && opts.varsBeforeName) this.setCodecVars(ch);
    if (opts.uuidChosen) {
      v.set('uuid', uuid);
      v.set('call_uuid', uuid);
    }
    for (const [k, val] of opts.vars ?? []) v.set(k, val);
    this.emit(ch, 'CHANNEL_CREATE', SITES.create);
    return ch;
  }

  setCodecVars(ch: Channel): void {
    if (!ch.codec) return;
    ch.vars.set('read_codec', ch.codec.name);
    ch.vars.set('read_rate', ch.codec.rate);
    ch.vars.set('write_codec', ch.codec.name);
    ch.vars.set('write_rate', ch.codec.rate);
  }

  // ---- progress / answer -------------------------------------------------------------------------------------

  ringReady(ch: Channel): void {
    if (!ch.isUp || ch.profile.times.progress) return;
    ch.profile.times.progress = this.nowUs();
    this.setCallState(ch, 'RINGING');
    this.emit(ch, 'CHANNEL_PROGRESS', SITES.progress);
    const peer = this.loopbackPeer(ch);
    if (peer && !peer.profile.times.progress) {
      peer.profile.times.progress = this.nowUs();
      this.emit(peer, 'CHANNEL_PROGRESS', SITES.progress);
    }
  }

  preAnswer(ch: Channel): void {
    if (!ch.isUp || ch.profile.times.progressMedia || ch.answered) return;
    ch.profile.times.progressMedia = this.nowUs();
    if (!ch.codec) {
      ch.codec = { name: 'PCMU', rate: '8000', bitRate: '64000' };
      this.setCodecVars(ch);
    }
    ch.answerState = 'early';
    this.setCallState(ch, 'EARLY');
    this.emit(ch, 'CHANNEL_PROGRESS_MEDIA', SITES.progressMedia);
  }

  /** switch_channel_answer: marks the channel (and a loopback pair) answered and fires CHANNEL_ANSWER. */
  answer(ch: Channel): void {
    if (!ch.isUp || ch.answered) return;
    const peer = this.loopbackPeer(ch);
    // A loopback -b answering answers its -a first (the capture shows ANSWER a, then ANSWER b).
    if (peer && !peer.answered && ch.direction === 'inbound') this.markAnswered(peer, 'CS_CONSUME_MEDIA');
    this.markAnswered(ch);
    if (peer && !peer.answered) this.markAnswered(peer);
  }

  private markAnswered(ch: Channel, running?: keyof typeof CS): void {
    ch.profile.times.answered = this.nowUs();
    if (!ch.codec) {
      ch.codec = { name: 'PCMU', rate: '8000', bitRate: '64000' };
      this.setCodecVars(ch);
    }
    ch.answerState = 'answered';
    // An answered outbound leg that runs nothing yet sits in CS_CONSUME_MEDIA (loopback -a in the captures).
    if (running) ch.setState(running);
    else if (ch.direction === 'outbound' && ch.runningState === 'CS_INIT') ch.setState('CS_CONSUME_MEDIA');
    this.emit(ch, 'CHANNEL_ANSWER', SITES.answer);
    this.setCallState(ch, 'ACTIVE');
    const r = this.runtime(ch);
    const cbs = r.onAnswer.splice(0);
    for (const cb of cbs) cb(ch);
  }

  loopbackPeer(ch: Channel): Channel | undefined {
    return ch.loopbackPeer ? this.channels.get(ch.loopbackPeer) : undefined;
  }

  // ---- application execution ---------------------------------------------------------------------------------

  /** Starts the dialplan (CS_ROUTING -> CS_EXECUTE) with the apps the router returns. */
  runDialplan(ch: Channel, apps?: DialplanApp[]): void {
    if (!ch.isUp) return;
    const list = apps ?? this.route(ch);
    ch.hitDialplan = true;
    if (!list) {
      this.hangup(ch, 'NO_ROUTE_DESTINATION');
      return;
    }
    this.runtime(ch).dialplan = { apps: list, index: 0 };
    if (ch.runningState !== 'CS_EXECUTE') this.setRunning(ch, 'CS_EXECUTE');
    // An unanswered inbound leg rings while its dialplan runs (Channel-Call-State RINGING in the captures).
    if (ch.direction === 'inbound' && !ch.answered && ch.callState === 'DOWN') this.setCallState(ch, 'RINGING');
    this.pump(ch);
  }

  /** Queues a sendmsg message; hangup messages act at once, executes wait for a point where FS parses them. */
  queueMessage(ch: Channel, msg: PrivateMessage): void {
    if (!ch.isUp) return;
    if (msg.kind === 'hangup') {
      this.requestHangup(ch, msg.cause ?? 'NORMAL_CLEARING');
      return;
    }
    const r = this.runtime(ch);
    r.messages.push(msg);
    // The session thread picks queued messages up on its next loop (FS replies +OK first; the app's events follow).
    if (!r.messageTick) {
      r.messageTick = true;
      this.after(ch, 20, () => {
        r.messageTick = false;
        this.pump(ch);
      });
    }
  }

  /** Drives a channel forward: runs queued messages or the next dialplan app when nothing blocks. */
  pump(ch: Channel): void {
    const r = this.runtime(ch);
    if (r.pumping) return;
    r.pumping = true;
    try {
      for (;;) {
        if (!ch.isUp) return;
        const top = r.stack[r.stack.length - 1];
        if (top && !top.nests) return;
        if (r.messages.length) {
          const msg = r.messages.shift()!;
          this.startApp(ch, msg.app ?? '', msg.data ?? '', msg.appUuid, { loops: msg.loops ?? 1, fromMessage: true });
          continue;
        }
        if (top) return;
        if (ch.bridgedTo) return;
        const dp = r.dialplan;
        if (dp && dp.index < dp.apps.length) {
          const next = dp.apps[dp.index++]!;
          this.startApp(ch, next.app, next.data, this.newUuid(), {});
          continue;
        }
        if (this.eavesdrops.has(ch.uuid)) return;
        // End of the extension: FS hangs the channel up with NORMAL_CLEARING.
        if (dp || ch.hitDialplan) this.hangup(ch, 'NORMAL_CLEARING');
        return;
      }
    } finally {
      r.pumping = false;
    }
  }

  /**
   * switch_core_session_exec: sets current_application(_data), fires CHANNEL_EXECUTE, runs the app. An unknown app
   * fires nothing and hangs the channel up with DESTINATION_OUT_OF_ORDER, as FreeSWITCH does.
   */
  startApp(
    ch: Channel,
    app: string,
    data: string,
    appUuid: string | undefined,
    opts: { loops?: number; fromMessage?: boolean },
  ): void {
    const starter = this.apps.get(app.toLowerCase());
    if (!starter) {
      this.logger.warn('simulator: invalid application', { app, uuid: ch.uuid });
      this.hangup(ch, 'DESTINATION_OUT_OF_ORDER');
      return;
    }
    const r = this.runtime(ch);
    const frame = newFrame(app, data, appUuid);
    frame.fromMessage = opts.fromMessage;
    const loops = Math.max(1, opts.loops ?? 1);
    frame.loopsLeft = loops;
    if (opts.fromMessage) {
      ch.vars.set('current_loop', '1');
      ch.vars.set('total_loops', String(loops));
    }
    r.stack.push(frame);
    this.announceExec(ch, frame);
    r.lastApp = { app, data };
    starter(this, ch, frame);
  }

  private announceExec(ch: Channel, frame: AppFrame): void {
    const v = ch.vars;
    v.delete('current_application_response');
    v.set('current_application', frame.app);
    v.set('current_application_data', frame.data);
    const post: SimHeader[] = [['Application', frame.app]];
    if (frame.data) post.push(['Application-Data', frame.data]);
    if (frame.appUuid) post.push(['Application-UUID', frame.appUuid]);
    this.emit(ch, 'CHANNEL_EXECUTE', SITES.execute, { post });
    // FS re-sets current_application once the app starts (the captures show it moving behind _data).
    v.set('current_application', frame.app);
  }

  /** Ends an app: EXECUTE_COMPLETE (Application-Response = current_application_response or _none_), next app. */
  complete(ch: Channel, frame: AppFrame, response?: string): void {
    if (frame.finished) return;
    for (const t of frame.timers) t.cancel();
    frame.timers = [];
    const r = this.runtime(ch);
    if (response !== undefined) ch.vars.set('current_application_response', response);
    if (frame.fromMessage && ch.isUp && frame.loopsLeft && frame.loopsLeft > 1) {
      // sendmsg `loops`: run the same app again.
      frame.loopsLeft--;
      const loops = Number(ch.vars.get('total_loops') ?? '1');
      this.fireComplete(ch, frame);
      ch.vars.set('current_loop', String(loops - frame.loopsLeft + 1));
      const starter = this.apps.get(frame.app.toLowerCase())!;
      this.announceExec(ch, frame);
      starter(this, ch, frame);
      return;
    }
    frame.finished = true;
    const idx = r.stack.lastIndexOf(frame);
    if (idx >= 0) r.stack.splice(idx, 1);
    this.fireComplete(ch, frame);
    if (frame.fromMessage) {
      ch.vars.delete('current_loop');
      ch.vars.delete('total_loops');
    }
    this.pump(ch);
  }

  private fireComplete(ch: Channel, frame: AppFrame): void {
    const post: SimHeader[] = [['Application', frame.app]];
    if (frame.data) post.push(['Application-Data', frame.data]);
    post.push(['Application-Response', ch.vars.get('current_application_response') ?? '_none_']);
    if (frame.appUuid) post.push(['Application-UUID', frame.appUuid]);
    this.emit(ch, 'CHANNEL_EXECUTE_COMPLETE', SITES.executeComplete, { post });
  }

  /**
   * Interrupts running apps (uuid_break, transfer, bridge): each frame emits its stop events and EXECUTE_COMPLETE.
   * Pumping is held off meanwhile so the old extension does not advance; the caller decides what runs next.
   */
  interrupt(ch: Channel, reason: StopReason, all = true): void {
    const r = this.runtime(ch);
    const wasPumping = r.pumping;
    r.pumping = true;
    try {
      for (let i = r.stack.length - 1; i >= 0; i--) {
        const f = r.stack[i];
        if (!f || f.finished) continue;
        f.stop?.(reason);
        this.complete(ch, f);
        if (!all) break;
      }
    } finally {
      r.pumping = wasPumping;
    }
  }

  /** Forgets the rest of the current extension (transfer, uuid_bridge). */
  dropDialplan(ch: Channel): void {
    this.runtime(ch).dialplan = undefined;
  }

  topFrame(ch: Channel): AppFrame | undefined {
    const s = this.runtime(ch).stack;
    return s[s.length - 1];
  }

  /** Whether a file would open on this switch (./sound-files.ts). */
  fileExists(path: string): boolean {
    return soundExists(this.config.installedSounds, path);
  }

  /** Playback length for a file (silence_stream://N plays N ms; streams are endless; a file_string its parts that exist). */
  fileDurationMs(path: string): number {
    const parts = fileStringParts(path);
    if (parts) return parts.filter((p) => this.fileExists(p)).reduce((sum, p) => sum + this.fileDurationMs(p), 0);
    const silence = /^silence_stream:\/\/(\d+)/.exec(path);
    if (silence) return Number(silence[1]);
    if (path.startsWith('tone_stream://')) return this.config.fileDurations.get(path) ?? toneStreamMs(path.slice('tone_stream://'.length));
    if (/^(local_stream|shout|http_cache):/.test(path)) return Number.POSITIVE_INFINITY;
    const exact = this.config.fileDurations.get(path);
    if (exact !== undefined) return exact;
    const base = path.split('/').pop() ?? path;
    return this.config.fileDurations.get(base) ?? this.config.defaultFileMs;
  }

  // ---- DTMF --------------------------------------------------------------------------------------------------

  /** DTMF arriving on `ch` from its far end: queued, and read at once if an app on the channel reads digits. */
  receiveDtmf(ch: Channel, digit: string, source = 'RTP', durationSamples = 2000): void {
    if (!ch.isUp) return;
    ch.dtmfQueue.push({ digit, durationSamples, source });
    ch.digitsDialed += digit;
    this.readDtmf(ch);
  }

  /** Dequeues DTMF for a digit-reading app: each dequeue fires the DTMF event (switch_channel_dequeue_dtmf). */
  readDtmf(ch: Channel): void {
    for (;;) {
      if (!ch.isUp || !ch.dtmfQueue.length) return;
      const reader = this.dtmfReader(ch);
      if (!reader) return;
      const d = ch.dtmfQueue.shift()!;
      this.emit(ch, 'DTMF', SITES.dtmf, {
        vars: false,
        post: [
          ['DTMF-Digit', d.digit],
          ['DTMF-Duration', String(d.durationSamples)],
          ['DTMF-Source', d.source],
        ],
      });
      if (reader === 'bridge') {
        // The bridge forwards the digit out of the peer toward its far end.
        const peer = this.get(ch.bridgedTo);
        if (peer) this.sendDtmfOut(peer, d.digit);
      } else {
        reader.onDtmf?.(d.digit);
      }
    }
  }

  private dtmfReader(ch: Channel): AppFrame | 'bridge' | undefined {
    const top = this.topFrame(ch);
    if (top?.readsDtmf) return top;
    if (ch.bridgedTo && (!top || top.app === 'bridge')) return 'bridge';
    return undefined;
  }

  /** uuid_send_dtmf: digits go out of `ch` toward its far end (the loopback partner, or the phone). */
  sendDtmfOut(ch: Channel, digits: string): void {
    const peer = this.loopbackPeer(ch);
    for (const d of digits) {
      if (peer) this.receiveDtmf(peer, d, 'UNKNOWN');
    }
    if (!peer) this.dtmfOut(ch, digits);
  }

  // ---- bridging ----------------------------------------------------------------------------------------------

  /** Links two channels in a bridge; `a` owns it (fires CHANNEL_BRIDGE/UNBRIDGE). */
  bridge(a: Channel, b: Channel, opts: { viaUuidBridge?: boolean } = {}): void {
    if (!a.isUp || !b.isUp) return;
    a.bridgedTo = b.uuid;
    b.bridgedTo = a.uuid;
    a.bridgeOwner = true;
    b.bridgeOwner = false;
    a.otherLeg = { uuid: b.uuid, type: 'originatee' };
    b.otherLeg = { uuid: a.uuid, type: 'originator' };
    if (!opts.viaUuidBridge) {
      // uuid_bridge already set these before the channels left their apps.
      for (const [x, y] of [
        [a, b],
        [b, a],
      ] as const) {
        x.vars.set('bridge_channel', y.name);
        x.vars.set('bridge_uuid', y.uuid);
        x.vars.set('signal_bond', y.uuid);
      }
    }
    if (!opts.viaUuidBridge) {
      a.setState('CS_EXCHANGE_MEDIA');
      b.setState('CS_EXCHANGE_MEDIA');
    }
    const now = this.nowUs();
    a.profile.times.bridged = now;
    b.profile.times.bridged = now;
    this.emit(a, 'CHANNEL_BRIDGE', SITES.bridge, {
      pre: [
        ['Bridge-A-Unique-ID', a.uuid],
        ['Bridge-B-Unique-ID', b.uuid],
      ],
    });
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      x.vars.set('bridge_to', y.uuid);
      x.vars.set('last_bridge_to', y.uuid);
      x.vars.set('bridge_channel', y.name);
      x.vars.set('bridge_uuid', y.uuid);
      x.vars.set('signal_bond', y.uuid);
      x.vars.set('last_sent_callee_id_name', y.profile.callerIdName || y.profile.callerIdNumber);
      x.vars.set('last_sent_callee_id_number', y.profile.callerIdNumber);
    }
    // The B side of a uuid_bridge runs the bridge in CS_EXCHANGE_MEDIA (the A side stays in CS_SOFT_EXECUTE).
    if (opts.viaUuidBridge) b.setState('CS_EXCHANGE_MEDIA');
    // DTMF that arrived before the bridge is now read by it.
    this.readDtmf(a);
    this.readDtmf(b);
  }

  /**
   * Ends a bridge because `ch` left it; the survivor continues its dialplan (or hangs up with hangup_after_bridge).
   * Variables as the captures show: the leaving side gets last_bridge_role, the survivor last_bridge_hangup_cause,
   * the owner (A side) bridge_hangup_cause.
   */
  unbridge(ch: Channel, cause: string): void {
    const peer = this.get(ch.bridgedTo);
    const owner = ch.bridgeOwner ? ch : peer?.bridgeOwner ? peer : ch;
    const other = owner === ch ? peer : ch;
    ch.bridgedTo = undefined;
    if (peer) peer.bridgedTo = undefined;
    if (!ch.vars.has('last_bridge_role')) ch.vars.set('last_bridge_role', ch === owner ? 'originator' : 'originatee');
    if (peer) peer.vars.set('last_bridge_hangup_cause', cause);
    owner.vars.delete('bridge_to');
    owner.vars.set('bridge_hangup_cause', cause);
    this.emit(owner, 'CHANNEL_UNBRIDGE', SITES.unbridge, {
      pre: [
        ['Bridge-A-Unique-ID', owner.uuid],
        ['Bridge-B-Unique-ID', other?.uuid ?? ''],
      ],
    });
    owner.bridgeOwner = false;
    // The held side's music stops with the bridge (a channel that is hanging up unwinds it itself).
    for (const x of [ch, peer]) if (x?.isUp) this.stopMoh(x);
    const survivor = ch.isUp ? ch : peer?.isUp ? peer : undefined;
    if (survivor) this.afterBridge(survivor, survivor === owner);
  }

  /** What a channel does once its bridge is gone: bridge app completes, or dialplan continues / hangs up. */
  private afterBridge(ch: Channel, wasOwner: boolean): void {
    if (!ch.isUp || ch.redirecting) return;
    // The A side returns to CS_EXECUTE; the B side leaves the bridge still in CS_EXCHANGE_MEDIA (eavesdrop capture).
    if (wasOwner || this.topFrame(ch)?.app === 'bridge') ch.setState('CS_EXECUTE');
    ch.vars.delete('bridge_to');
    ch.vars.set('call_uuid', ch.uuid);
    const top = this.topFrame(ch);
    if (top && top.app === 'bridge') {
      this.complete(ch, top);
      if (ch.isUp && ch.vars.get('hangup_after_bridge') === 'true') this.hangup(ch, 'NORMAL_CLEARING');
      return;
    }
    if (ch.vars.get('park_after_bridge') === 'true') {
      this.startApp(ch, 'park', '', this.newUuid(), {});
      return;
    }
    if (ch.vars.get('hangup_after_bridge') === 'true') {
      this.hangup(ch, 'NORMAL_CLEARING');
      return;
    }
    this.pump(ch);
    // A channel bridged with uuid_bridge has no extension left: FS hangs it up.
    if (ch.isUp && !this.topFrame(ch)) this.hangup(ch, 'NORMAL_CLEARING');
  }

  // ---- hold --------------------------------------------------------------------------------------------------

  /** uuid_hold: returns false when FS would answer -ERR Operation failed. */
  hold(ch: Channel, on: boolean): boolean {
    if (!ch.isUp) return false;
    if (on) {
      if (ch.held) return true;
      ch.held = true;
      ch.holdStartedUs = this.nowUs();
      ch.profile.times.lastHold = ch.holdStartedUs;
      this.emit(ch, 'CHANNEL_HOLD', SITES.hold);
      const peer = this.get(ch.bridgedTo);
      if (peer) this.startMoh(peer);
      return true;
    }
    // Loopback channels cannot be taken off hold (the capture: -ERR Operation failed).
    if (ch.endpoint === 'loopback' || !ch.held) return false;
    ch.held = false;
    ch.profile.times.holdAccum += this.nowUs() - ch.holdStartedUs;
    this.emit(ch, 'CHANNEL_UNHOLD', SITES.unhold);
    const peer = this.get(ch.bridgedTo);
    if (peer) this.stopMoh(peer);
    return true;
  }

  /** Hold music for the held channel's peer: executed like a broadcast (loops variables, its own app uuid). */
  private startMoh(peer: Channel): void {
    const frame = newFrame('playback', 'local_stream://moh', this.newUuid());
    frame.nests = true;
    frame.fromMessage = true;
    frame.loopsLeft = 1;
    const r = this.runtime(peer);
    peer.setState('CS_EXCHANGE_MEDIA');
    peer.vars.set('current_loop', '1');
    peer.vars.set('total_loops', '1');
    r.stack.push(frame);
    r.lastApp = { app: frame.app, data: frame.data };
    this.announceExec(peer, frame);
    const starter = this.apps.get('playback')!;
    starter(this, peer, frame);
    frame.audio = 'moh';
  }

  private stopMoh(ch: Channel): void {
    const r = this.runtime(ch);
    const f = r.stack.find((x) => x.audio === 'moh' && !x.finished);
    if (f) {
      f.stop?.('break');
      this.complete(ch, f);
    }
  }

  // ---- hangup ------------------------------------------------------------------------------------------------

  /**
   * Hangup requested from outside the channel's thread (uuid_kill, sendmsg hangup, hupall): FreeSWITCH returns at
   * once and the session thread tears the call down on its next loop, ~20 ms later (the captures show both api
   * replies of two back-to-back uuid_kills before any hangup event).
   */
  requestHangup(ch: Channel, cause: string): void {
    if (!ch.isUp || ch.pendingHangup) return;
    ch.pendingHangup = cause;
    this.after(ch, 20, () => this.hangup(ch, cause));
  }

  /**
   * switch_channel_hangup and the states after it: CHANNEL_HANGUP, app teardown (UNPARK, PLAYBACK_STOP, ...,
   * EXECUTE_COMPLETE), bridge/loopback partners, then CHANNEL_HANGUP_COMPLETE with the CDR variables and
   * CHANNEL_DESTROY.
   */
  hangup(ch: Channel, cause: string): void {
    if (!ch.isUp) return;
    const r = this.runtime(ch);
    ch.hangupCause = cause;
    ch.answerState = 'hangup';
    ch.state = CS.CS_HANGUP;
    if (ch.bridgedTo) ch.vars.set('last_bridge_role', ch.bridgeOwner ? 'originator' : 'originatee');
    this.emit(ch, 'CHANNEL_HANGUP', SITES.hangup);
    const sip = SIP_STATUS[cause];
    if (sip && (ch.endpoint === 'sofia' || ch.endpoint === 'user' || ch.endpoint === 'gateway') && !ch.answered) {
      ch.vars.set('sip_term_status', String(sip[0]));
      ch.vars.set('proto_specific_hangup_cause', `sip:${sip[0]}`);
      ch.vars.set('sip_term_cause', String(Q850[cause] ?? 16));
    }

    // The bridge ends first (the owner fires CHANNEL_UNBRIDGE), then the apps unwind.
    if (this.get(ch.bridgedTo)) this.unbridge(ch, cause);

    // Unwind the application stack, innermost first.
    for (let i = r.stack.length - 1; i >= 0; i--) {
      const f = r.stack[i]!;
      if (f.finished) continue;
      f.stop?.('hangup');
      this.complete(ch, f);
    }
    r.messages.length = 0;

    for (const rec of [...r.recordings.values()]) this.stopRecording(ch, rec.path, 'success-maxtime');

    // Eavesdroppers on this channel lose their target.
    for (const [e, st] of [...this.eavesdrops]) {
      if (st.target === ch.uuid) {
        this.eavesdrops.delete(e);
        const ech = this.get(e);
        const f = ech && this.runtime(ech).stack.find((x) => x.app === 'eavesdrop' && !x.finished);
        if (ech && f) this.complete(ech, f);
      }
    }
    this.eavesdrops.delete(ch.uuid);

    for (const cb of r.onHangup.splice(0)) cb(ch);

    const lb = this.loopbackPeer(ch);
    if (lb?.isUp) this.hangup(lb, cause);

    this.report(ch);
  }

  /** CS_REPORTING and CS_DESTROY. */
  private report(ch: Channel): void {
    const r = this.runtime(ch);
    const now = this.nowUs();
    const t = ch.profile.times;
    t.hangup = now;
    ch.callState = 'HANGUP';
    ch.setState('CS_REPORTING');
    ch.vars.delete('bridge_to');
    this.setCdrVars(ch, r);
    this.emit(ch, 'CHANNEL_HANGUP_COMPLETE', SITES.hangupComplete, { pre: [['Hangup-Cause', ch.hangupCause ?? 'NORMAL_CLEARING']] });
    ch.state = CS.CS_DESTROY;
    this.emit(ch, 'CHANNEL_DESTROY', SITES.destroy);
    ch.destroyed = true;
    for (const tm of r.timers) tm.cancel();
    r.timers.clear();
    this.channels.delete(ch.uuid);
    this.rt.delete(ch.uuid);
    ch.dropRuns();
    // Keep a snapshot for a former bridge peer whose Other-Leg headers still describe this channel (bounded, O(1)).
    if (ch.otherLeg) {
      this.ghosts.set(ch.uuid, ch);
      if (this.ghosts.size > 2000) this.ghosts.delete(this.ghosts.keys().next().value!);
    }
    for (const l of this.destroyListeners) l(ch);
  }

  /** switch_channel_set_timestamps + process_device_hangup: the CDR variables of CHANNEL_HANGUP_COMPLETE. */
  private setCdrVars(ch: Channel, r: Runtime): void {
    const v = ch.vars;
    const t = ch.profile.times;
    const sec = (us: number): number => Math.floor(us / 1_000_000);
    const setEpochs = (list: typeof CDR_EPOCHS): void => {
      for (const [epoch, uepoch, key] of list) {
        v.set(epoch, String(sec(t[key])));
        v.set(uepoch, String(t[key]));
      }
    };
    v.set('hangup_cause', ch.hangupCause ?? 'NORMAL_CLEARING');
    v.set('hangup_cause_q850', String(Q850[ch.hangupCause ?? 'NORMAL_CLEARING'] ?? 16));
    v.set('digits_dialed', ch.digitsDialed || 'none');
    v.set('start_stamp', localStamp(t.created / 1000));
    v.set('profile_start_stamp', localStamp(t.profileCreated / 1000));
    if (t.answered) v.set('answer_stamp', localStamp(t.answered / 1000));
    if (t.bridged) v.set('bridge_stamp', localStamp(t.bridged / 1000));
    if (t.progress) v.set('progress_stamp', localStamp(t.progress / 1000));
    if (t.progressMedia) v.set('progress_media_stamp', localStamp(t.progressMedia / 1000));
    v.set('end_stamp', localStamp(t.hangup / 1000));
    setEpochs(CDR_EPOCHS);
    v.set('hold_accum_seconds', String(sec(t.holdAccum)));
    v.set('hold_accum_usec', String(t.holdAccum));
    v.set('hold_accum_ms', String(Math.floor(t.holdAccum / 1000)));
    setEpochs(CDR_LATER_EPOCHS);
    if (r.lastApp) {
      v.set('last_app', r.lastApp.app);
      v.set('last_arg', r.lastApp.data);
    }
    const p = ch.profile;
    v.set('caller_id', p.callerIdName ? `"${p.callerIdName}" <${p.callerIdNumber}>` : p.callerIdNumber);
    const diff = (a: number, b: number): number => (a && b ? a - b : 0);
    const secDiff = (a: number, b: number): number => (a && b ? sec(a) - sec(b) : 0);
    const flowStart = t.transfer || t.answered;
    const us = {
      duration: t.hangup - t.created,
      bill: diff(t.hangup, t.answered),
      progress: diff(t.progress, t.created),
      answer: diff(t.answered, t.created),
      wait: diff(t.bridged, t.created),
      progressMedia: diff(t.progressMedia, t.created),
      flowBill: t.answered ? t.hangup - flowStart : 0,
    };
    v.set('duration', String(sec(t.hangup) - sec(t.created)));
    v.set('billsec', String(secDiff(t.hangup, t.answered)));
    v.set('progresssec', String(secDiff(t.progress, t.created)));
    v.set('answersec', String(secDiff(t.answered, t.created)));
    v.set('waitsec', String(secDiff(t.bridged, t.created)));
    v.set('progress_mediasec', String(secDiff(t.progressMedia, t.created)));
    v.set('flow_billsec', String(t.answered ? sec(t.hangup) - sec(flowStart) : 0));
    const ms = (x: number): string => String(Math.floor(x / 1000));
    v.set('mduration', ms(us.duration));
    v.set('billmsec', ms(us.bill));
    v.set('progressmsec', ms(us.progress));
    v.set('answermsec', ms(us.answer));
    v.set('waitmsec', ms(us.wait));
    v.set('progress_mediamsec', ms(us.progressMedia));
    v.set('flow_billmsec', ms(us.flowBill));
    v.set('uduration', String(us.duration));
    v.set('billusec', String(us.bill));
    v.set('progressusec', String(us.progress));
    v.set('answerusec', String(us.answer));
    v.set('waitusec', String(us.wait));
    v.set('progress_mediausec', String(us.progressMedia));
    v.set('flow_billusec', String(us.flowBill));
    if (ch.endpoint === 'loopback') v.set('is_loopback', '1');
  }

  // ---- transfer ----------------------------------------------------------------------------------------------

  /** switch_ivr_session_transfer: new caller profile (index+1, Transfer-Source), dialplan runs again. */
  transfer(ch: Channel, dest: string, dialplan = 'XML', context?: string): void {
    if (!ch.isUp) return;
    ch.redirecting = false;
    const r = this.runtime(ch);
    const source = `${Math.floor(this.clock.now() / 1000)}:${this.newUuid()}:${dialplan.toLowerCase()}:${dest}`;
    if (ch.bridgedTo) this.unbridgeForTransfer(ch);
    r.messages.length = 0;
    r.dialplan = undefined;
    this.interrupt(ch, 'transfer');
    const p = ch.profile;
    ch.vars.set('transfer_history', source);
    ch.vars.set('transfer_source', source);
    ch.vars.set('original_destination_number', p.destinationNumber);
    ch.profile = {
      ...p,
      destinationNumber: dest,
      dialplan: dialplan,
      context: context ?? p.context,
      transferSource: source,
      profileIndex: String(Number(p.profileIndex || '1') + 1),
      times: { ...p.times, profileCreated: this.nowUs(), transfer: this.nowUs() },
    };
    ch.setState('CS_ROUTING');
    this.runDialplan(ch);
  }

  /** Replaces whatever the channel runs with an inline extension (uuid_park, &app after a bridge). */
  runInline(ch: Channel, apps: DialplanApp[]): void {
    if (!ch.isUp) return;
    const r = this.runtime(ch);
    r.dialplan = undefined;
    r.messages.length = 0;
    if (ch.bridgedTo) this.unbridgeForTransfer(ch);
    this.interrupt(ch, 'transfer');
    this.runDialplan(ch, apps);
  }

  /** Takes `ch` out of its bridge without ending it (transfer, re-bridge): only the old peer runs its after-bridge logic. */
  unbridgeForTransfer(ch: Channel): void {
    const peer = this.get(ch.bridgedTo);
    ch.bridgedTo = undefined;
    if (peer) peer.bridgedTo = undefined;
    const owner = ch.bridgeOwner ? ch : peer;
    if (owner) {
      this.emit(owner, 'CHANNEL_UNBRIDGE', SITES.unbridge, {
        pre: [
          ['Bridge-A-Unique-ID', owner.uuid],
          ['Bridge-B-Unique-ID', owner === ch ? (peer?.uuid ?? '') : ch.uuid],
        ],
      });
      owner.bridgeOwner = false;
    }
    if (peer) {
      this.stopMoh(peer);
      this.afterBridge(peer, owner === peer);
    }
  }

  // ---- recording ---------------------------------------------------------------------------------------------

  startRecording(ch: Channel, path: string, limitSec?: number): boolean {
    if (!ch.isUp) return false;
    const r = this.runtime(ch);
    if (r.recordings.has(path)) return true;
    const rec: ActiveRecording = {
      uuid: ch.uuid,
      path,
      startedAt: this.clock.now(),
      masks: [],
      stereo: ch.vars.get('RECORD_STEREO') === 'true',
      limitSec,
    };
    r.recordings.set(path, rec);
    this.emit(ch, 'RECORD_START', SITES.recordStart, { post: [['Record-File-Path', path]] });
    if (limitSec && limitSec > 0) {
      this.after(ch, limitSec * 1000, () => this.stopRecording(ch, path, 'success-maxtime'));
    }
    return true;
  }

  maskRecording(ch: Channel, path: string, mask: boolean): boolean {
    const rec = this.runtime(ch).recordings.get(path);
    if (!rec) return false;
    const at = this.clock.now() - rec.startedAt;
    const open = rec.masks[rec.masks.length - 1];
    if (mask && !(open && open.toMs === undefined)) rec.masks.push({ fromMs: at });
    if (!mask && open && open.toMs === undefined) open.toMs = at;
    return true;
  }

  stopRecording(ch: Channel, path: string, cause = 'success-maxtime'): boolean {
    const r = this.runtime(ch);
    const key = path === 'all' ? [...r.recordings.keys()] : [path];
    let any = false;
    for (const k of key) {
      const rec = r.recordings.get(k);
      if (!rec) continue;
      any = true;
      r.recordings.delete(k);
      const stopAt = this.clock.now();
      const last = rec.masks[rec.masks.length - 1];
      if (last && last.toMs === undefined) last.toMs = stopAt - rec.startedAt;
      const ms = recordedMs(rec, stopAt);
      const bytes = writeRecording(rec, stopAt, this.config.recordingCapSeconds);
      const samples = Math.round((ms * 8000) / 1000);
      ch.vars.set('record_file_size', String(bytes));
      ch.vars.set('record_samples', String(samples));
      ch.vars.set('record_seconds', String(Math.floor(ms / 1000)));
      ch.vars.set('record_ms', String(Math.floor(ms)));
      ch.vars.set('record_completion_cause', cause);
      this.emit(ch, 'RECORD_STOP', SITES.recordStop, {
        post: [
          ['Record-File-Path', rec.path],
          ['Record-Completion-Cause', cause],
        ],
      });
      this.finishedRecordings.push({
        uuid: rec.uuid,
        path: rec.path,
        startedAt: rec.startedAt,
        stoppedAt: stopAt,
        masks: rec.masks,
        recordedMs: ms,
        bytes,
        completionCause: cause,
        stereo: rec.stereo,
      });
      // A long run (the soak records every queue call) would keep them all otherwise.
      if (this.finishedRecordings.length > FINISHED_RECORDINGS_KEPT) this.finishedRecordings.shift();
    }
    return any;
  }

  recordings(): RecordingInfo[] {
    const active: RecordingInfo[] = [];
    for (const r of this.rt.values()) for (const rec of r.recordings.values()) active.push({ ...rec, masks: [...rec.masks] });
    return [...this.finishedRecordings, ...active];
  }

  // ---- introspection -----------------------------------------------------------------------------------------

  snapshot(ch: Channel): ChannelSnapshot {
    const top = this.runtime(ch).stack[0];
    return {
      uuid: ch.uuid,
      name: ch.name,
      direction: ch.direction,
      state: ch.runningState,
      callState: ch.callState,
      answerState: ch.answerState,
      callerIdNumber: ch.profile.callerIdNumber,
      callerIdName: ch.profile.callerIdName,
      destinationNumber: ch.profile.destinationNumber,
      application: top?.app,
      applicationData: top?.data,
      bridgedTo: ch.bridgedTo,
      held: ch.held,
      createdAt: ch.createdAtMs,
      answeredAt: ch.answered ? Math.floor(ch.profile.times.answered / 1000) : undefined,
      variables: ch.vars.toObject(),
    };
  }

  /** More audio paths (conferences, src/simulator/conference.ts). */
  readonly audioRouteSources: Array<() => AudioRoute[]> = [];

  /** Who hears whom right now. */
  audioRoutes(): AudioRoute[] {
    const out: AudioRoute[] = [];
    for (const source of this.audioRouteSources) out.push(...source());
    for (const ch of this.channels.values()) {
      const top = this.topFrame(ch);
      if (top?.audio) {
        out.push({
          listener: ch.uuid,
          source: top.audio,
          kind: top.audio === 'moh' ? 'moh' : 'playback',
        });
      } else if (top?.echo) {
        out.push({ listener: ch.uuid, source: ch.uuid, kind: 'echo' });
      }
      const peer = this.get(ch.bridgedTo);
      // A held channel's peer hears music instead of it; the held channel hears nothing from the peer.
      if (peer && !ch.held && !peer.held && !(top?.audio)) out.push({ listener: ch.uuid, source: peer.uuid, kind: 'bridge' });
    }
    for (const [e, st] of this.eavesdrops) {
      const target = this.get(st.target);
      const ech = this.get(e);
      if (!target || !ech) continue;
      const other = this.get(target.bridgedTo);
      out.push({ listener: e, source: target.uuid, kind: 'eavesdrop' });
      if (other) out.push({ listener: e, source: other.uuid, kind: 'eavesdrop' });
      if (st.mode === 'write' || st.mode === 'both') out.push({ listener: target.uuid, source: e, kind: 'whisper' });
      if ((st.mode === 'read' || st.mode === 'both') && other) out.push({ listener: other.uuid, source: e, kind: 'whisper' });
    }
    // uuid_audio mutes: a read-muted channel's voice is silence for everyone (bridge peer, conference, eavesdroppers,
    // echo); a write-muted channel's endpoint gets silence, whatever it is sent.
    return out.filter((r) => !this.get(r.source)?.sessionAudio?.readMute && !this.get(r.listener)?.sessionAudio?.writeMute);
  }

  private readonly globalTimers = new Set<ClockTimer>();

  /** Timers pending that no channel owns (originate timeouts); the channel-bound ones go with their channel. */
  get pendingUnboundTimers(): number {
    return this.globalTimers.size;
  }

  /** Cancels every pending timer (simulator shutdown), so a system-clock run leaves nothing behind. */
  shutdown(): void {
    for (const r of this.rt.values()) for (const t of r.timers) t.cancel();
    for (const t of this.globalTimers) t.cancel();
    this.globalTimers.clear();
  }
}

/**
 * How long a tone_stream plays (switch_ivr_gentones / teletone): each `%(on,off,freqs)` segment lasts on + off ms,
 * the whole sequence repeats `loops=N` times (default once; -1 = until stopped).
 */
export function toneStreamMs(spec: string): number {
  let loops = 1;
  let ms = 0;
  for (const part of spec.split(';')) {
    const l = /^loops=(-?\d+)$/.exec(part.trim());
    if (l) {
      loops = Number(l[1]);
      continue;
    }
    for (const m of part.matchAll(/%\((\d+),(\d+),[^)]*\)/g)) ms += Number(m[1]) + Number(m[2]);
  }
  if (loops < 0) return Number.POSITIVE_INFINITY;
  return ms * Math.max(1, loops);
}
