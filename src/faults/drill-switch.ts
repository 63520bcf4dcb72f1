/**
 * The FreeSWITCH a fault drill runs against, reached over the event socket only, so that one scenario runs on the
 * simulator (CI) and on a real FreeSWITCH 1.10 test box alike:
 * - callers: `originate {origination_uuid=A,...}loopback/<did>/<context> &park()`. The -a leg is the caller's own
 *   side (parked: it holds the line); the -b leg runs the public dialplan (dialplans/public/00_switchboard.xml) and
 *   is the call the service sees. mod_loopback copies the originate's variables onto -b (the bridge-json capture:
 *   `variable_origination_uuid` and `variable_other_loopback_leg_uuid` on both legs). A caller hangs up with
 *   `uuid_kill` of its -a leg, which takes -b down with it, as a caller's BYE would.
 * - agents' phones: the service dials `loopback/<ext>/<phone context>` (PHONE_DIAL=loopback); the shipped drill
 *   context (dialplans/drill/switchboard_drill.xml) marks the -b leg `switchboard_drill_phone=<ext>` and parks it,
 *   and this module plays the person at the phone: `uuid_answer` after the answer delay, `uuid_kill` after the talk
 *   time, as a softphone's user picks up and later hangs up.
 * - what happened: every leg's CHANNEL_CREATE / BRIDGE / UNBRIDGE / DESTROY on this connection; after a reconnect
 *   (`reload mod_event_socket`, a restart) `show channels as json` says which legs ended unseen.
 * Run it on a FreeSWITCH with no other traffic: every leg the switch makes counts in the drill's CDR check.
 */
import { randomUUID } from 'node:crypto';
import { EslClient } from '../esl/client';
import { header, type EslEvent } from '../esl/types';
import { apps, dialLoopback, originate, showChannelsJson, uuidAnswer, uuidKill } from '../freeswitch';
import type { FsCommand } from '../freeswitch/command';
import { silentLogger, type Logger } from '../log/logger';
import { startSimulator, type SimulatorOptions } from '../simulator';

/** The channel variable the drill context sets on a phone leg (its extension). */
export const DRILL_PHONE_VAR = 'switchboard_drill_phone';
/** The shipped drill context's default name (PHONE_LOOPBACK_CONTEXT). */
export const DRILL_PHONE_CONTEXT = 'switchboard_drill';

export interface DrillPhone {
  /** How long the phone rings before the person answers (ms). */
  answerDelayMs: number;
  /** How long the person talks before hanging up (ms). */
  talkMs: number;
}

/** Where the drill's switch is and how its dialplan is laid out. */
export interface DrillSwitchOptions {
  host: string;
  port: number;
  password: string;
  /** Context the caller legs enter (where 00_switchboard.xml is installed; stock: `public`). */
  callerContext?: string;
  /** Context the agents' phones are dialled into (the drill context; default switchboard_drill). */
  phoneContext?: string;
  logger?: Logger;
}

/**
 * What only the switch's administrator can set, not the event socket: mod_xml_cdr's targets and its err-log-dir.
 * The simulator offers it (the test stands in for the admin); on a real switch xml_cdr.conf.xml says it.
 */
export interface XmlCdrAdmin {
  /** Posts every ended leg's CDR to `urls` (one after the other on failure) with HTTP Basic `credentials`. */
  configure(settings: { urls: string[]; credentials: string; retries: number; delayMs: number }): void;
  /** Resolves once no post is in flight. */
  settled(): Promise<void>;
  /** The documents mod_xml_cdr gave up on (its err-log-dir), taken out. */
  takeErrLog(): string[];
  /** CDRs posted successfully so far. */
  posted(): number;
}

interface Leg {
  uuid: string;
  name: string;
  bridged: boolean;
  answered: boolean;
}

export class DrillSwitch {
  /** Every leg the switch created, and every one that ended, since connect(). */
  readonly created = new Set<string>();
  readonly ended = new Set<string>();
  /** FREESWITCH_NODES entry of the service instances under test. */
  readonly node: string;
  readonly callerContext: string;
  readonly phoneContext: string;
  private readonly client: EslClient;
  private readonly legs = new Map<string, Leg>();
  private readonly phones = new Map<string, DrillPhone>();
  /** Caller -a leg -> the -b leg the service sees, and back. */
  private readonly serviceLegOf = new Map<string, string>();
  private readonly callerLegOf = new Map<string, string>();
  private readonly waitingForB = new Map<string, (b: string) => void>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private phoneCalls = 0;
  /** Phone legs parked by the drill context and not answered yet. */
  private readonly ringing = new Set<string>();
  private closed = false;

  constructor(options: DrillSwitchOptions) {
    this.callerContext = options.callerContext ?? 'public';
    this.phoneContext = options.phoneContext ?? DRILL_PHONE_CONTEXT;
    this.node = `drill=${options.host}:${options.port}:${options.password}`;
    this.client = new EslClient({
      host: options.host,
      port: options.port,
      password: options.password,
      name: 'drill',
      logger: options.logger ?? silentLogger,
      events: ['CHANNEL_CREATE', 'CHANNEL_ANSWER', 'CHANNEL_BRIDGE', 'CHANNEL_UNBRIDGE', 'CHANNEL_PARK', 'CHANNEL_DESTROY'],
      // The drill watches the whole run: a lost socket (reload mod_event_socket) is re-opened at once.
      reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
    });
    this.client.on('event', (e) => this.onEvent(e));
    let readyBefore = false;
    this.client.on('status', (status) => {
      if (status !== 'ready') return;
      if (readyBefore) void this.resync();
      readyBefore = true;
    });
  }

  /** The environment the service instances need to ring the drill's phones. */
  serviceEnv(): Record<string, string> {
    return { PHONE_DIAL: 'loopback', PHONE_LOOPBACK_CONTEXT: this.phoneContext };
  }

  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** The agent at `extension` has a phone: rung, it answers after answerDelayMs and hangs up after talkMs. */
  addPhone(extension: string, phone: DrillPhone): void {
    this.phones.set(extension, phone);
  }

  /** Phones ringing now (their legs parked in the drill context, not answered yet). */
  ringingPhones(): number {
    return this.ringing.size;
  }

  /** This connection is up (after a cut: reconnected and subscribed again). */
  connected(): boolean {
    return this.client.status === 'ready';
  }

  /** A command to the switch in the background (its job result is not awaited: `reload mod_event_socket` cuts it). */
  async bgapi(cmd: FsCommand): Promise<void> {
    await this.client.bgapi(cmd, { timeoutMs: 2000 }).catch(() => undefined);
  }

  /** Calls the phones answered since connect(). */
  phoneCallCount(): number {
    return this.phoneCalls;
  }

  /**
   * A caller from `from` dials `did`: resolves with the uuid of the leg the service sees (the loopback -b leg, the
   * queue call's id) once the switch created it.
   */
  async call(from: string, did: string): Promise<string> {
    const a = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    const b = new Promise<string | undefined>((resolve) => {
      this.waitingForB.set(a, resolve);
      timer = setTimeout(() => resolve(undefined), 5000);
    });
    // bgapi's job reports only when -a is answered (the IVR answered -b) or failed: not awaited. 10 minutes of
    // originate_timeout: the IVR answers at once, but a flow may keep a caller unanswered for a while.
    const cmd = originate(dialLoopback(did.replace(/^\+/, ''), this.callerContext), apps.park(), {}, { originateUuid: a, callerIdNumber: from, timeoutSec: 600 });
    void this.client.bgapi(cmd, { timeoutMs: 600_000 }).catch(() => undefined);
    const got = await b;
    clearTimeout(timer);
    this.waitingForB.delete(a);
    if (!got) throw new Error(`the switch made no loopback -b leg for caller ${a} (is ${this.callerContext} routing ${did}?)`);
    return got;
  }

  /** The caller of service leg `uuid` hangs up (a BYE from their side). */
  async hangUp(uuid: string): Promise<void> {
    const a = this.callerLegOf.get(uuid) ?? uuid;
    await this.client.api(uuidKill(a, 'NORMAL_CLEARING')).catch(() => undefined);
  }

  /** The service leg `uuid` is up; talking: bridged to someone. */
  caller(uuid: string): { talking: boolean } | undefined {
    const leg = this.legs.get(uuid);
    return leg ? { talking: leg.bridged } : undefined;
  }

  /** Legs up on the switch now (every leg: callers, the service's, phones). */
  channelCount(): number {
    return this.legs.size;
  }

  describeLegs(): string[] {
    return [...this.legs.values()].map((l) => `${l.uuid} ${l.name} answered=${l.answered} bridged=${l.bridged}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    await this.client.close();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private onEvent(e: EslEvent): void {
    const uuid = header(e, 'Unique-ID');
    if (!uuid) return;
    switch (e.name) {
      case 'CHANNEL_CREATE': {
        this.created.add(uuid);
        this.legs.set(uuid, { uuid, name: header(e, 'Channel-Name') ?? '', bridged: false, answered: false });
        // A caller's -b leg: its -a is one of ours (origination_uuid / other_loopback_leg_uuid name it).
        if (header(e, 'variable_loopback_leg') === 'B') {
          const a = header(e, 'variable_other_loopback_leg_uuid');
          const waiter = a ? this.waitingForB.get(a) : undefined;
          if (a && waiter) {
            this.serviceLegOf.set(a, uuid);
            this.callerLegOf.set(uuid, a);
            waiter(uuid);
          }
        }
        break;
      }
      case 'CHANNEL_ANSWER': {
        const leg = this.legs.get(uuid);
        if (leg) leg.answered = true;
        this.ringing.delete(uuid);
        break;
      }
      case 'CHANNEL_BRIDGE':
      case 'CHANNEL_UNBRIDGE': {
        const bridged = e.name === 'CHANNEL_BRIDGE';
        for (const name of ['Bridge-A-Unique-ID', 'Bridge-B-Unique-ID', 'Other-Leg-Unique-ID']) {
          const leg = this.legs.get(header(e, name) ?? '');
          if (leg) leg.bridged = bridged;
        }
        const self = this.legs.get(uuid);
        if (self) self.bridged = bridged;
        break;
      }
      case 'CHANNEL_PARK':
        this.onPark(uuid, e);
        break;
      case 'CHANNEL_DESTROY':
        this.ended.add(uuid);
        this.legs.delete(uuid);
        this.ringing.delete(uuid);
        break;
    }
  }

  /** A phone leg parked by the drill context rings: the person answers after the delay, hangs up after the talk. */
  private onPark(uuid: string, e: EslEvent): void {
    const ext = header(e, `variable_${DRILL_PHONE_VAR}`);
    if (!ext || header(e, 'Caller-Context') !== this.phoneContext) return;
    const leg = this.legs.get(uuid);
    if (!leg || leg.answered) return;
    const phone = this.phones.get(ext);
    this.ringing.add(uuid);
    // A phone nobody set up stays ringing until the service gives up on it (its offer timeout).
    if (!phone) return;
    this.later(phone.answerDelayMs, () => {
      if (!this.legs.has(uuid)) return;
      void this.client.api(uuidAnswer(uuid)).then((r) => {
        if (!r.ok) return;
        this.phoneCalls++;
        this.later(phone.talkMs, () => void this.client.api(uuidKill(uuid, 'NORMAL_CLEARING')).catch(() => undefined));
      }, () => undefined);
    });
  }

  /** After a reconnect: legs that ended while the socket was down are gone from `show channels`. */
  private async resync(): Promise<void> {
    if (this.closed) return;
    const reply = await this.client.api(showChannelsJson()).catch(() => undefined);
    if (!reply?.ok) return;
    const rows = (JSON.parse(reply.body || '{}') as { rows?: Array<{ uuid?: string; name?: string }> }).rows ?? [];
    const live = new Set(rows.map((r) => String(r.uuid ?? '')));
    for (const uuid of [...this.legs.keys()]) {
      if (!live.has(uuid)) {
        this.legs.delete(uuid);
        this.ringing.delete(uuid);
        this.ended.add(uuid);
      }
    }
    for (const r of rows) {
      const uuid = String(r.uuid ?? '');
      if (uuid && !this.legs.has(uuid)) {
        this.created.add(uuid);
        this.legs.set(uuid, { uuid, name: String(r.name ?? ''), bridged: false, answered: false });
      }
    }
  }
}

/** Where a drill runs: a FreeSWITCH's event socket, and what its administrator configured. */
export interface DrillTarget {
  esl: { host: string; port: number; password: string };
  /** Context callers enter (default public). */
  callerContext?: string;
  /** Context phones are dialled into (default switchboard_drill). */
  phoneContext?: string;
  /** mod_xml_cdr's settings, when the drill can set them (the simulator); absent: the switch's xml_cdr.conf.xml. */
  xmlCdr?: XmlCdrAdmin;
  /** The admin API key the switch's xml_cdr.conf.xml `cred` carries: stored in the drill's database as is. */
  xmlCdrKey?: string;
  /** HTTP ports of the drill's service instances (xml_cdr.conf.xml's urls name them); default: free ports. */
  ports?: number[];
}

/**
 * The drill's own simulator, reached like any FreeSWITCH (over TCP only); the drill stands in for its
 * administrator for what a real switch reads from xml_cdr.conf.xml.
 */
export async function simulatorTarget(options: SimulatorOptions = {}): Promise<{ target: DrillTarget; close: () => Promise<void> }> {
  const password = 'drill-switch-pw';
  const sim = await startSimulator({ password, seed: 5, heartbeatMs: 0, defaultFileMs: 400, ...options });
  const xmlCdr: XmlCdrAdmin = {
    configure: (s) => sim.setXmlCdr(s),
    settled: () => sim.xmlCdr.settled(),
    takeErrLog: () => sim.xmlCdr.failedDocuments.splice(0).map((f) => f.doc),
    posted: () => sim.xmlCdr.stats().posted,
  };
  return { target: { esl: { host: '127.0.0.1', port: sim.port, password }, xmlCdr }, close: () => sim.close() };
}

/**
 * The switch a drill runs on, connected: `target`'s, or (undefined) a simulator of the drill's own. close() ends the
 * drill's connection and its own simulator.
 */
export async function openDrill(
  target: DrillTarget | undefined,
  options: { logger?: Logger; simulator?: SimulatorOptions } = {},
): Promise<{ target: DrillTarget; sw: DrillSwitch; close: () => Promise<void> }> {
  const own = target ? undefined : await simulatorTarget(options.simulator);
  const t = target ?? own!.target;
  const sw = new DrillSwitch({ ...t.esl, callerContext: t.callerContext, phoneContext: t.phoneContext, logger: options.logger });
  try {
    await sw.connect();
  } catch (err) {
    await own?.close();
    throw err;
  }
  return {
    target: t,
    sw,
    close: async () => {
      await sw.close();
      await own?.close();
    },
  };
}
