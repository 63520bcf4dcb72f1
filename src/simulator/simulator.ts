import { XmlCdrPoster, type XmlCdrSettings } from './xml-cdr';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import { silentLogger, type Logger } from '../log/logger';
import { findApi, STOCK_MODULES, type ApiEnv } from './api-commands';
import { registerApps } from './apps';
import { toCause } from './causes';
import type { Channel } from './channel';
import type { EslCommand } from './command-reader';
import { commandHeader } from './command-reader';
import type { EslBackend, EslConnection, EslDirectoryUser } from './connection';
import { startControlApi, type ControlApi } from './control-api';
import { Dialplan } from './dialplan';
import { inlineDialplan, registerConference } from './conference';
import { stripWhitespace } from './fs-parse';
import { CallEngine } from './engine';
import { SimEvent, type SimHeader } from './event';
import { EventBus, SITES } from './event-bus';
import { Gateway } from './gateway';
import { errorDriver, loopbackDriver, sofiaDriver, type DialEnv, type LegDriver } from './originate';
import { Rng } from '../random/rng';
import { EslServer } from './server';
import { sofiaInboundVars } from './sofia-vars';
import { Softphones } from './softphones';
import { STOCK_DIAL_STRING, userDriver } from './directory';
import { uptimeText } from './time-format';
import type {
  AudioRoute,
  ChannelSnapshot,
  DidRoute,
  GatewayNumberConfig,
  GatewayOutcome,
  GatewayProbabilities,
  InboundCallOptions,
  RecordingInfo,
  SoftphoneBehavior,
} from './types';

export interface SimulatorOptions {
  /** ESL port; 0 = a free port (default 0). */
  port?: number;
  host?: string;
  password?: string;
  seed?: number;
  /** How long a restart (`fsctl shutdown restart`) keeps the switch away, ms (default 3000). */
  restartMs?: number;
  clock?: Clock;
  /** HEARTBEAT period (default 20000 ms, 0 = off). */
  heartbeatMs?: number;
  /** Allowed remote addresses (IPs, CIDRs, loopback.auto); others get FS's rude rejection. */
  acl?: string[];
  logger?: Logger;
  /** HTTP control API port (0 = free port); null/undefined = no control API. */
  controlHttpPort?: number | null;
  controlHost?: string;
  hostname?: string;
  coreUuid?: string;
  /** Per-connection event queue cap and lost-event limit (FS: 100000 / 500). */
  maxQueue?: number;
  maxMissed?: number;
  authTimeoutMs?: number;
  /** Playback lengths by path or basename (ms). */
  fileDurations?: Record<string, number>;
  defaultFileMs?: number;
  /**
   * The sound files installed on the switch: absolute files, or folders ending in `/`. Anything else plays as FreeSWITCH
   * plays a missing file (`FILE NOT FOUND`, no PLAYBACK events) and `file_exists` answers false. Default: every file
   * exists. installSoundFiles() adds files later (what `npm run prompts -- --dir` does on a real switch).
   */
  soundFiles?: string[];
  recordingCapSeconds?: number;
  /** The stock default.xml "change your password" log apps in context default (default true, as captured). */
  stockDialplanWarnings?: boolean;
  /** Softphones registered at start. */
  softphones?: Record<string, SoftphoneBehavior>;
  /** switch.conf.xml `api-expansion` (default true, FreeSWITCH's default; the README's hardening sets false). */
  apiExpansion?: boolean;
  /**
   * Loaded modules (default STOCK_MODULES: a stock 1.10 build, without the third-party mod_amd). Applications of
   * modules not listed do not exist: executing one hangs the channel up (DESTINATION_OUT_OF_ORDER).
   */
  modules?: readonly string[];
  /** The directory users' dial-string (default: the vanilla one with `${sofia_contact()}`, STOCK_DIAL_STRING). */
  directoryDialString?: string;
  /**
   * Directory users that may log in over the event socket with `userauth user@domain:password`, keyed
   * `user@domain`, with their params as written in the directory XML (esl-password, esl-allowed-api...).
   */
  eslUsers?: Record<string, EslDirectoryUser>;
  /** First Event-Sequence number. */
  firstEventSequence?: number;
  maxSessions?: number;
}

/** Lengths of the prompts the captures use; everything else plays defaultFileMs. */
const DEFAULT_FILES: Record<string, number> = {
  'welcome.wav': 1780,
  'goodbye.wav': 823,
  'enter_digits.wav': 2600,
  'invalid.wav': 1200,
  'vm-goodbye.wav': 1100,
  'ivr-welcome.wav': 2500,
};

const VERSION = '1.10.12-release';

/**
 * A FreeSWITCH stand-in: an Event Socket server speaking mod_event_socket byte for byte, a call model behind it, and
 * a programmatic/HTTP control surface for tests and the demo.
 */
export class Simulator {
  readonly clock: Clock;
  readonly bus: EventBus;
  /** mod_xml_cdr: posts each ended channel's CDR over HTTP once configured (setXmlCdr). */
  readonly xmlCdr: XmlCdrPoster;
  readonly engine: CallEngine;
  readonly softphones: Softphones;
  readonly gateway: Gateway;
  readonly dialplan: Dialplan;
  readonly password: string;
  readonly host: string;
  port = 0;
  controlUrl: string | null = null;
  private readonly server: EslServer;
  private control?: ControlApi;
  /** One-shot fault: the api command whose arrival cuts the connections (dropConnectionsOnNext). */
  private dropOnApi?: string;
  private heartbeatTimer?: ClockTimer;
  private readonly globals = new Map<string, string>();
  private readonly apiEnv: ApiEnv;
  private readonly logger: Logger;
  private readonly rng: Rng;
  private closed = false;
  private restarting = false;
  private restarts = 0;
  /** Commands the `system` API was asked to run: recorded, never run (the simulator answers only `echo`). */
  readonly systemCommands: string[] = [];
  /** switch.conf.xml api-expansion: off makes `${func()}` in a user's dial-string fail (see ./directory.ts). */
  apiExpansion: boolean;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.rng = new Rng(options.seed ?? 1);
    this.password = options.password ?? 'ClueCon';
    this.host = options.host ?? '127.0.0.1';
    const hostname = options.hostname ?? 'sim';
    const hostId = {
      coreUuid: options.coreUuid ?? this.rng.uuid(),
      hostname,
      switchname: hostname,
      ipv4: '192.0.2.2',
      ipv6: 'fd00::2',
    };
    this.bus = new EventBus(this.clock, hostId, options.firstEventSequence ?? 1);
    const files = new Map<string, number>(Object.entries({ ...DEFAULT_FILES, ...(options.fileDurations ?? {}) }));
    this.engine = new CallEngine(this.clock, this.rng, this.bus, this.logger, {
      maxSessions: options.maxSessions ?? 1000,
      sessionsPerSecond: 30,
      fileDurations: files,
      defaultFileMs: options.defaultFileMs ?? 3000,
      installedSounds: options.soundFiles ? new Set(options.soundFiles) : null,
      recordingCapSeconds: options.recordingCapSeconds ?? 60,
      originatePollMs: 20,
    });
    this.xmlCdr = new XmlCdrPoster(hostId);
    this.engine.destroyListeners.push((ch) => this.xmlCdr.onDestroyed(ch));
    this.dialplan = new Dialplan();
    this.dialplan.stockWarnings = options.stockDialplanWarnings ?? true;
    this.engine.route = (ch) => inlineDialplan(ch, () => this.dialplan.route(ch));
    this.softphones = new Softphones(this.engine, '127.0.0.1');
    this.gateway = new Gateway(this.engine);
    const drivers = new Map<string, LegDriver>();
    this.apiExpansion = options.apiExpansion ?? true;
    const sofia = sofiaDriver(
      this.engine,
      this.softphones.driver,
      (u, d) => !!this.softphones.get(u)?.registered && (d === undefined || d === this.softphones.domain),
    );
    drivers.set(
      'user',
      userDriver({
        dialString: () => options.directoryDialString ?? STOCK_DIAL_STRING,
        apiExpansion: () => this.apiExpansion,
        domain: this.softphones.domain,
        contactDriver: this.softphones.driver,
        sofiaDriver: sofia,
      }),
    );
    drivers.set('gateway', this.gateway.driver);
    drivers.set('loopback', loopbackDriver(this.engine));
    drivers.set('error', errorDriver);
    drivers.set('sofia', sofia);
    const dialEnv: DialEnv = { engine: this.engine, drivers };
    const modules = new Set(options.modules ?? STOCK_MODULES);
    registerApps(this.engine, dialEnv, modules);
    registerConference(this.engine);
    this.engine.dtmfOut = (ch, digits) => this.softphones.heard(ch, digits);
    for (const [k, v] of Object.entries({
      hostname,
      switchname: hostname,
      domain: '127.0.0.1',
      local_ip_v4: '127.0.0.1',
      core_uuid: hostId.coreUuid,
      default_password: '1234',
      sound_prefix: '/usr/freeswitch/share/freeswitch/sounds/en/us/callie',
      hold_music: 'local_stream://moh',
    })) {
      this.globals.set(k, v);
    }
    this.apiEnv = { engine: this.engine, dial: dialEnv, softphones: this.softphones, host: hostId, globals: this.globals, version: VERSION, modules, systemCommands: this.systemCommands, apiExpansion: () => this.apiExpansion, setApiExpansion: (on) => (this.apiExpansion = on), reloadEventSocket: () => void this.dropConnections(), restart: () => void this.restart() };
    this.server = new EslServer(
      (detach) => this.backend(detach),
      {
        maxQueue: options.maxQueue ?? 100_000,
        maxMissed: options.maxMissed ?? 500,
        authTimeoutMs: options.authTimeoutMs ?? 25_000,
        setTimer: (cb, ms) => this.clock.setTimeout(cb, ms),
        logger: this.logger,
      },
      options.acl,
      this.logger,
      (c) => this.bus.addSink(c),
    );
    for (const [ext, behavior] of Object.entries(options.softphones ?? {})) this.softphones.register(ext, behavior);
  }

  async start(): Promise<this> {
    this.port = await this.server.listen(this.options.port ?? 0, this.host);
    if (this.options.controlHttpPort !== undefined && this.options.controlHttpPort !== null) {
      this.control = await startControlApi(this, this.options.controlHttpPort, this.options.controlHost ?? this.host);
      this.controlUrl = this.control.url;
    }
    this.scheduleHeartbeat();
    this.logger.info('freeswitch simulator listening', { port: this.port, controlUrl: this.controlUrl });
    return this;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.heartbeatTimer?.cancel();
    this.engine.shutdown();
    await this.server.close();
    await this.control?.close();
  }

  // ---- ESL backend -------------------------------------------------------------------------------------------

  private backend(detach: (c: EslConnection) => void): EslBackend {
    return {
      password: this.password,
      directoryUser: (user, domain) => this.options.eslUsers?.[`${user}@${domain}`],
      api: (command, args, done) => {
        if (this.dropOnApi && stripWhitespace(command) === this.dropOnApi) {
          // The network fails as this command arrives: FreeSWITCH never runs it and no reply comes back.
          this.dropOnApi = undefined;
          this.dropConnections();
          return;
        }
        this.api(command, args ?? '', done);
      },
      backgroundJob: (jobUuid, command, args, output) => {
        this.bus.fire('BACKGROUND_JOB', SITES.backgroundJob, (h) => {
          h.push(['Job-UUID', jobUuid], ['Job-Command', command]);
          if (args !== undefined) h.push(['Job-Command-Arg', args]);
          return output;
        });
      },
      sendmsg: (uuid, cmd) => this.sendmsg(uuid, cmd),
      sendevent: (name, cmd) => this.sendevent(name, cmd),
      channelExists: (uuid) => !!this.engine.get(uuid)?.isUp,
      getVar: (uuid, name) => this.engine.get(uuid)?.vars.get(name),
      newUuid: () => this.rng.uuid(),
      detach: (c) => {
        this.bus.removeSink(c);
        detach(c);
      },
    };
  }

  /** Runs an API command as `api`/`bgapi` would (also usable directly by tests). */
  api(rawCommand: string, rawArgs: string | undefined, done: (out: string) => void): void {
    // switch_api_execute strips surrounding whitespace from both before the command sees them.
    const command = stripWhitespace(rawCommand);
    const args = stripWhitespace(rawArgs);
    const handler = findApi(command);
    if (!handler) {
      done(`-ERR ${command} Command not found!\n`);
      return;
    }
    try {
      handler(this.apiEnv, args, done);
    } catch (err) {
      this.logger.error('simulator api failed', { command, error: (err as Error).message });
      done(`-ERR ${(err as Error).message}\n`);
    }
  }

  /** Promise form of api() for tests and the control API. */
  apiAsync(command: string, args = ''): Promise<string> {
    return new Promise((resolve) => this.api(command, args, resolve));
  }

  private sendmsg(uuid: string, cmd: EslCommand): string {
    const ch = this.engine.get(uuid);
    if (!ch) return `-ERR invalid session id [${uuid}]`;
    const callCommand = (commandHeader(cmd, 'call-command') ?? '').toLowerCase();
    if (callCommand === 'execute') {
      const app = commandHeader(cmd, 'execute-app-name') ?? '';
      const ct = (commandHeader(cmd, 'content-type') ?? '').toLowerCase();
      let data = commandHeader(cmd, 'execute-app-arg') ?? '';
      if (cmd.body !== undefined && (ct === 'text/plain' || !data)) data = cmd.body;
      const loops = Number(commandHeader(cmd, 'loops') ?? '1') || 1;
      this.engine.queueMessage(ch, {
        kind: 'execute',
        app,
        data,
        appUuid: commandHeader(cmd, 'event-uuid') ?? this.rng.uuid(),
        loops,
      });
      return '+OK';
    }
    if (callCommand === 'hangup') {
      this.engine.queueMessage(ch, { kind: 'hangup', cause: toCause(commandHeader(cmd, 'hangup-cause'), 'NORMAL_CLEARING') });
      return '+OK';
    }
    // unicast / nomedia / xferext: accepted, no modelled effect.
    return '+OK';
  }

  private sendevent(name: string, cmd: EslCommand): string {
    const id = this.rng.uuid();
    const headers: SimHeader[] = [['Event-Name', name.toUpperCase()]];
    for (const [k, v] of cmd.headers) if (k.toLowerCase() !== 'content-length') headers.push([k, v]);
    headers.push(['Event-UUID', id]);
    this.bus.fireRaw(new SimEvent(name.toUpperCase(), headers, cmd.body, commandHeader(cmd, 'Event-Subclass')));
    return id;
  }

  private scheduleHeartbeat(): void {
    const every = this.options.heartbeatMs ?? 20_000;
    if (!every || this.closed) return;
    this.heartbeatTimer = this.clock.setTimeout(() => {
      this.fireHeartbeat();
      this.scheduleHeartbeat();
    }, every);
  }

  /** HEARTBEAT with the header set of the heartbeat capture. */
  fireHeartbeat(): void {
    const e = this.engine;
    const upMs = this.clock.now() - e.startedAtMs;
    this.bus.fire('HEARTBEAT', SITES.heartbeat, (h) => {
      h.push(
        ['Event-Info', 'System Ready'],
        ['Up-Time', uptimeText(upMs * 1000)],
        ['FreeSWITCH-Version', `${VERSION}~64bit`],
        ['Uptime-msec', String(Math.floor(upMs))],
        ['Session-Count', String(e.sessionCount)],
        ['Max-Sessions', String(e.config.maxSessions)],
        ['Session-Per-Sec', String(e.config.sessionsPerSecond)],
        ['Session-Per-Sec-Last', '0'],
        ['Session-Per-Sec-Max', String(e.peakPerSecond)],
        ['Session-Per-Sec-FiveMin', String(e.peakPerSecond)],
        ['Session-Since-Startup', String(e.sessionsSinceStartup)],
        ['Session-Peak-Max', String(e.peakSessions)],
        ['Session-Peak-FiveMin', String(e.peakSessions)],
        ['Idle-CPU', '98.266667'],
      );
    });
  }

  /**
   * An event storm: `count` HEARTBEATs, `perBurst` fired at once, one burst per turn of the event loop (so the
   * listeners' writers and readers run in between, as FreeSWITCH's listener threads do). Real FreeSWITCH does the
   * same when another ESL connection loops `sendevent HEARTBEAT`: every listener subscribed to HEARTBEAT gets them,
   * and one that reads too slowly loses events and is killed after MAX_MISSED (see EslConnection.offer). Bursts
   * stay small (~100 KB) because a reader in this process gets one socket read per turn: a burst larger than the
   * kernel's receive buffer would outrun any reader, which is not what a separate FreeSWITCH process does.
   */
  async heartbeatStorm(count: number, perBurst = 100): Promise<void> {
    for (let fired = 0; fired < count && !this.closed; ) {
      const n = Math.min(Math.max(1, perBurst), count - fired);
      for (let i = 0; i < n; i++) this.fireHeartbeat();
      fired += n;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  // ---- programmatic control ----------------------------------------------------------------------------------

  /** A caller dials a DID: a sofia/external channel that enters the public dialplan (parks by default). */
  injectInboundCall(opts: InboundCallOptions): string {
    const e = this.engine;
    const ip = opts.networkIp ?? '203.0.113.10';
    const name = `sofia/external/${opts.from}@${ip}`;
    const fromName = opts.fromName ?? opts.from;
    const ch = e.createChannel({
      uuid: opts.uuid,
      name,
      direction: 'inbound',
      endpoint: 'sofia',
      codec: { name: 'PCMU', rate: '8000', bitRate: '64000' },
      varsBeforeName: true,
      profile: {
        username: opts.from,
        dialplan: 'XML',
        callerIdName: fromName,
        callerIdNumber: opts.from,
        networkAddr: ip,
        ani: opts.from,
        destinationNumber: opts.to,
        source: 'mod_sofia',
        context: 'public',
      },
      vars: [
        ...sofiaInboundVars({ from: opts.from, fromName, to: opts.to, networkIp: ip, engine: e }),
        ...Object.entries(opts.variables ?? {}),
      ],
    });
    e.runDialplan(ch);
    return ch.uuid;
  }

  /** The far end of `uuid` presses keys, one every `intervalMs` (first one now). */
  pressDigits(uuid: string, digits: string, opts: { intervalMs?: number; durationMs?: number } = {}): boolean {
    const ch = this.engine.get(uuid);
    if (!ch?.isUp) return false;
    const interval = opts.intervalMs ?? 100;
    const samples = Math.round((opts.durationMs ?? 100) * 8);
    [...digits].forEach((d, i) => {
      if (i === 0 || interval <= 0) this.engine.receiveDtmf(ch, d, 'RTP', samples);
      else this.engine.after(ch, i * interval, () => this.engine.receiveDtmf(ch, d, 'RTP', samples));
    });
    return true;
  }

  /** The far end of `uuid` hangs up. */
  hangup(uuid: string, cause = 'NORMAL_CLEARING'): boolean {
    const ch = this.engine.get(uuid);
    if (!ch?.isUp) return false;
    this.engine.hangup(ch, toCause(cause, 'NORMAL_CLEARING'));
    return true;
  }

  registerSoftphone(ext: string, behavior: SoftphoneBehavior = {}): void {
    this.softphones.register(ext, behavior);
  }

  unregisterSoftphone(ext: string): boolean {
    return this.softphones.unregister(ext);
  }

  setSoftphoneBehavior(ext: string, behavior: SoftphoneBehavior): boolean {
    return this.softphones.setBehavior(ext, behavior);
  }

  /** The agent on `ext` hangs up its call(s). */
  softphoneHangup(ext: string, cause = 'NORMAL_CLEARING'): number {
    return this.softphones.hangup(ext, cause);
  }

  /** The user of the manualAnswer phone `ext` picks up its ringing call (false when none rings). */
  softphoneAnswer(ext: string): boolean {
    return this.softphones.answer(ext);
  }

  /** The agent on `ext` presses keys. */
  softphoneDigits(ext: string, digits: string): boolean {
    return this.softphones.pressDigits(ext, digits);
  }

  setGatewayOutcome(number: string, cfg: GatewayNumberConfig | GatewayOutcome): void {
    this.gateway.setNumber(number, cfg);
  }

  setGatewayProbabilities(p: GatewayProbabilities): void {
    this.gateway.setProbabilities(p);
  }

  setDidRoute(did: string, route: DidRoute): void {
    this.dialplan.setDid(did, route);
  }

  setFileDuration(path: string, ms: number): void {
    this.engine.config.fileDurations.set(path, ms);
  }

  /** Installs sound files (each with its length, e.g. read from the real WAV): they exist from now on and play that long. */
  installSoundFiles(files: ReadonlyArray<{ path: string; durationMs: number }>): void {
    for (const f of files) {
      this.engine.config.installedSounds?.add(f.path);
      this.engine.config.fileDurations.set(f.path, f.durationMs);
    }
  }

  channels(): ChannelSnapshot[] {
    return [...this.engine.channels.values()].filter((c) => c.isUp).map((c) => this.engine.snapshot(c));
  }

  channel(uuid: string): ChannelSnapshot | undefined {
    const ch = this.engine.get(uuid);
    return ch ? this.engine.snapshot(ch) : undefined;
  }

  /** The live Channel (tests that need the model itself). */
  rawChannel(uuid: string): Channel | undefined {
    return this.engine.get(uuid);
  }

  audioRoutes(): AudioRoute[] {
    return this.engine.audioRoutes();
  }

  /** Channels whose audio `uuid` hears. */
  whoDoesHear(uuid: string): string[] {
    return this.audioRoutes()
      .filter((r) => r.listener === uuid)
      .map((r) => r.source);
  }

  recordings(): RecordingInfo[] {
    return this.engine.recordings();
  }

  /** Events fired per name (CUSTOM as `CUSTOM:<subclass>`), listened to or not. */
  eventCounters(): Record<string, number> {
    return Object.fromEntries(this.bus.counters);
  }

  /**
   * Fault injection: the next `api`/`bgapi` of this command received over ESL cuts every connection before it runs
   * (a command lost in a network failure, its reply never sent).
   */
  dropConnectionsOnNext(command: string): void {
    this.dropOnApi = command;
  }

  /** Loads mod_xml_cdr with these settings (undefined: unloads it), as xml_cdr.conf.xml would. */
  setXmlCdr(settings: XmlCdrSettings | undefined): void {
    this.xmlCdr.configure(settings);
  }

  /**
   * A FreeSWITCH restart (`fsctl shutdown restart`, or a crash under systemd): every call is hung up with
   * SYSTEM_SHUTDOWN as the core does before it unloads the modules (the listeners still get those events, mod_xml_cdr
   * posts the CDRs), then the process is gone for `restartMs` (connects refused) and comes back with no channel.
   * Registrations are kept: the phones register again as soon as it is back.
   */
  async restart(): Promise<void> {
    if (this.closed || this.restarting) return;
    this.restarting = true;
    try {
      for (const ch of [...this.engine.channels.values()]) if (ch.isUp) this.engine.hangup(ch, 'SYSTEM_SHUTDOWN');
      // The core waits for the sessions to end before it unloads the modules: their events reach the listeners
      // (a cut right away would discard what is still in the sockets' buffers).
      await new Promise((resolve) => setTimeout(resolve, 100));
      this.logger.info('freeswitch simulator restarting', { downMs: this.options.restartMs ?? 3000 });
      await this.server.goAway(this.options.restartMs ?? 3000, this.port, this.host);
      this.restarts++;
    } finally {
      this.restarting = false;
    }
  }

  /** Restarts so far (`fsctl shutdown restart`). */
  restartCount(): number {
    return this.restarts;
  }

  /** Cuts every ESL connection without a disconnect notice. */
  dropConnections(): number {
    return this.server.dropAll();
  }

  connectionCount(): number {
    return this.server.connections.size;
  }

  stats(): Record<string, number> {
    return {
      channels: this.engine.sessionCount,
      sessionsSinceStartup: this.engine.sessionsSinceStartup,
      peakSessions: this.engine.peakSessions,
      pendingUnboundTimers: this.engine.pendingUnboundTimers,
      connections: this.server.connections.size,
      lastEventSequence: this.bus.lastSequence,
    };
  }
}

/** Starts a simulator; resolves once the ESL port (and the control API, if asked) listen. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  return new Simulator(options).start();
}
