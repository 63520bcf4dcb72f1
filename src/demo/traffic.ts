import type { Clock, ClockTimer } from '../clock/clock';
import { header, type EslEvent } from '../esl/types';
import type { FreeSwitchCluster } from '../freeswitch/cluster';
import { apps, dialGateway, originate, uuidKill, type DialString } from '../freeswitch';
import type { Logger } from '../log/logger';
import type { Simulator } from '../simulator';
import { Rng } from '../random/rng';

/**
 * The demo's callers. Each call is either an outbound call the service places through the ESL client — a customer
 * on the simulated carrier gateway bridged to an agent's softphone, so each answered call leaves two CDR legs — or an
 * inbound caller dialling the DID bound to the example IVR flow and keying through it like a real caller (scripted
 * choices, wrong keys, silence, hanging up mid-menu, voicemail after hours). Outcomes (answer, busy, no answer),
 * ring and talk times are drawn from a seeded generator, so a run is repeatable.
 */
export interface DemoTrafficOptions {
  cluster: FreeSwitchCluster;
  node: string;
  sim: Simulator;
  clock: Clock;
  logger: Logger;
  /** Mean new calls per second (Poisson arrivals). */
  callsPerSecond: number;
  /** Agent extensions registered on the simulator. */
  agents: readonly string[];
  /** The dial string of an extension's phone (the service's PhoneEndpoints: works with api-expansion off). */
  phone(extension: string): DialString;
  /** The simulator's carrier gateway name. */
  gateway: string;
  /** The DID inbound demo callers dial. */
  inboundDid: string;
  /**
   * Share of the calls that are inbound callers (IVR, then the ACD queues); the rest are outbound calls to the
   * softphones in `agents`. Default 0.2: at 4 calls/s the 12 demo ACD agents are ~70% busy (see the README).
   */
  inboundShare?: number;
  seed?: number;
  /**
   * Where the IVR records messages (VOICEMAIL_DIR: voicemails and survey comments): only a recording there is a
   * caller leaving a message (who hangs up a moment into it); a call recording starting is not. Default: any.
   */
  messageDir?: string;
}

export interface DemoTrafficSummary {
  calls_placed: number;
  calls_completed: number;
}

/** What a new arrival becomes: an inbound caller, an outbound call to a free softphone, or nothing (all busy). */
export function arrivalKind(roll: number, inboundShare: number, freePhones: number): 'inbound' | 'outbound' | 'none' {
  if (roll < inboundShare) return 'inbound';
  // A busy outbound side drops the call: sending it inbound instead would load the ACD with whatever the
  // softphones cannot take (the demo's queues were fed ~50% more callers than meant, and never caught up).
  return freePhones > 0 ? 'outbound' : 'none';
}

interface DemoCall {
  uuid: string;
  kind: 'outbound' | 'inbound';
  agent?: string;
  /** Outbound calls: the customer number whose outcome was set on the simulator's gateway for this call. */
  number?: string;
  /** Inbound callers: what they key at each prompt (play_and_get_digits), in order; null = hang up there. */
  script?: Array<string | null>;
  prompts?: number;
  timers?: ClockTimer[];
}

/**
 * What inbound demo callers do in the example flow (main-menu / support): most pick an option, some key a wrong one
 * first, some say nothing (the menu times out to the operator), some hang up mid-menu. After hours they leave a
 * voicemail (see onRecordStart). Sales callers answer the post-call survey (the next prompts after the agent hangs up).
 */
const CALLER_SCRIPTS: ReadonlyArray<{ weight: number; script: (rng: Rng) => Array<string | null> }> = [
  // Sales callers are opted in to the post-call survey: after the agent hangs up they rate the call (3-5) and half of
  // them press 1 and leave a comment (onRecordStart hangs up a moment into it).
  { weight: 25, script: (rng) => ['1', String(rng.int(3, 5)), rng.next() < 0.5 ? '1' : '2'] },
  { weight: 15, script: () => ['2', '2'] },
  { weight: 20, script: (rng) => ['2', '1', `${rng.int(100000, 99999999)}#`] },
  { weight: 10, script: () => ['2', '1', '12#', '123456#'] },
  { weight: 10, script: (rng) => ['7', '1', String(rng.int(1, 5))] },
  { weight: 5, script: () => ['2', '9', '1'] },
  { weight: 8, script: () => [] },
  { weight: 7, script: () => [null] },
];

export class DemoTraffic {
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly active = new Map<string, DemoCall>();
  private readonly busyAgents = new Set<string>();
  private timer: ClockTimer | null = null;
  private placed = 0;
  private completed = 0;
  private numberSeq = 0;
  private unsubscribe: (() => void) | null = null;
  private drainWaiters: Array<() => void> = [];

  constructor(private readonly options: DemoTrafficOptions) {
    this.rng = new Rng(options.seed ?? 7);
    this.log = options.logger.child({ module: 'demo-traffic' });
  }

  start(): void {
    // The service does not subscribe to CHANNEL_EXECUTE (cluster.ts); these callers answer the prompts it announces.
    this.options.cluster.subscribe(['CHANNEL_EXECUTE']).catch((err: unknown) => this.log.warn('could not subscribe to CHANNEL_EXECUTE', { error: (err as Error).message }));
    this.unsubscribe = this.options.cluster.onEvent((node, event) => {
      if (node !== this.options.node) return;
      if (event.name === 'CHANNEL_HANGUP_COMPLETE') this.onHangupComplete(event);
      else if (event.name === 'CHANNEL_EXECUTE' && header(event, 'Application') === 'play_and_get_digits') this.onPrompt(event);
      else if (event.name === 'RECORD_START') this.onRecordStart(event);
    });
    this.scheduleNext();
  }

  /** Stops placing new calls; calls in progress go on. */
  stopPlacing(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Waits until every demo call has ended, hanging up what is still up after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    this.stopPlacing();
    if (this.active.size > 0) {
      await new Promise<void>((resolve) => {
        const t = this.options.clock.setTimeout(resolve, timeoutMs);
        this.drainWaiters.push(() => {
          t.cancel();
          resolve();
        });
      });
    }
    const client = this.options.cluster.client(this.options.node);
    for (const call of [...this.active.values()]) {
      await client.api(uuidKill(call.uuid, 'NORMAL_CLEARING')).catch(() => undefined);
    }
  }

  close(): void {
    this.stopPlacing();
    this.unsubscribe?.();
  }

  summary(): DemoTrafficSummary {
    return { calls_placed: this.placed, calls_completed: this.completed };
  }

  private scheduleNext(): void {
    // Exponential inter-arrival times: a Poisson stream of callers, like real traffic.
    const gapMs = Math.max(1, Math.round((-Math.log(1 - this.rng.next()) / this.options.callsPerSecond) * 1000));
    this.timer = this.options.clock.setTimeout(() => {
      this.placeCall();
      this.scheduleNext();
    }, gapMs);
  }

  private placeCall(): void {
    const freeAgents = this.options.agents.filter((a) => !this.busyAgents.has(a));
    const kind = arrivalKind(this.rng.next(), this.options.inboundShare ?? 0.2, freeAgents.length);
    if (kind === 'inbound') this.placeInbound();
    else if (kind === 'outbound') this.placeOutbound(freeAgents[this.rng.int(0, freeAgents.length - 1)]!);
  }

  private placeInbound(): void {
    const from = `+1415555${String(this.rng.int(0, 9999)).padStart(4, '0')}`;
    const uuid = this.options.sim.injectInboundCall({ from, to: this.options.inboundDid });
    this.placed++;
    this.active.set(uuid, { uuid, kind: 'inbound', script: this.pickScript(), prompts: 0, timers: [] });
  }

  private pickScript(): Array<string | null> {
    const total = CALLER_SCRIPTS.reduce((n, s) => n + s.weight, 0);
    let roll = this.rng.next() * total;
    for (const s of CALLER_SCRIPTS) {
      roll -= s.weight;
      if (roll < 0) return s.script(this.rng);
    }
    return [];
  }

  /** A prompt started on an inbound demo call: the caller listens a moment, then keys the next scripted entry. */
  private onPrompt(event: EslEvent): void {
    const call = this.active.get(header(event, 'Unique-ID') ?? '');
    if (!call?.script) return;
    const i = call.prompts ?? 0;
    call.prompts = i + 1;
    if (i >= call.script.length) return; // says nothing: the menu times out
    const entry = call.script[i];
    const delay = this.rng.int(300, 1500);
    call.timers?.push(
      this.options.clock.setTimeout(() => {
        if (entry === null) this.options.sim.hangup(call.uuid);
        else this.options.sim.pressDigits(call.uuid, entry, { intervalMs: 120 });
      }, delay),
    );
  }

  /** After hours the example takes a voicemail: the caller talks for a few seconds and hangs up. */
  private onRecordStart(event: EslEvent): void {
    const call = this.active.get(header(event, 'Unique-ID') ?? '');
    if (!call || call.kind !== 'inbound') return;
    const file = header(event, 'Record-File-Path') ?? '';
    if (this.options.messageDir !== undefined && !file.startsWith(`${this.options.messageDir}/`)) return;
    call.timers?.push(this.options.clock.setTimeout(() => this.options.sim.hangup(call.uuid), this.rng.int(1500, 5000)));
  }

  private placeOutbound(agent: string): void {
    const number = `+1555${String(++this.numberSeq).padStart(7, '0')}`;
    const roll = this.rng.next();
    const outcome = roll < 0.85 ? 'answer' : roll < 0.92 ? 'busy' : 'noAnswer';
    this.options.sim.setGatewayOutcome(number, {
      outcome,
      ringMs: this.rng.int(800, 3000),
      hangupAfterMs: this.rng.int(3000, 12000),
    });
    const uuid = this.rng.uuid();
    const command = originate(
      dialGateway(this.options.gateway, number),
      apps.bridge(this.options.phone(agent)),
      { switchboard_demo: 'true' },
      { originateUuid: uuid, timeoutSec: 8, callerIdNumber: '+18005550100', callerIdName: 'Switchboard Demo' },
    );
    this.placed++;
    this.busyAgents.add(agent);
    this.active.set(uuid, { uuid, kind: 'outbound', agent, number });
    this.options.cluster
      .client(this.options.node)
      .bgapi(command)
      .then((job) => {
        // -ERR USER_BUSY / NO_ANSWER: the customer never answered; the CDR of the failed leg is still written.
        if (!job.ok) this.finish(uuid, false);
      })
      .catch((err: unknown) => {
        this.log.warn('originate failed', { error: (err as Error).message });
        this.finish(uuid, false);
      });
  }

  private onHangupComplete(event: EslEvent): void {
    const uuid = header(event, 'Unique-ID');
    if (!uuid || !this.active.has(uuid)) return;
    // answer_epoch is 0 on a leg that never answered (busy, no answer, cancelled).
    const answerEpoch = Number(header(event, 'variable_answer_epoch') ?? '0');
    this.finish(uuid, answerEpoch > 0);
  }

  private finish(uuid: string, answered: boolean): void {
    const call = this.active.get(uuid);
    if (!call) return;
    this.active.delete(uuid);
    for (const t of call.timers ?? []) t.cancel();
    if (call.agent) this.busyAgents.delete(call.agent);
    // Every outbound call dials a new number: its outcome on the gateway is forgotten with the call, or the
    // simulator would keep one per call ever placed.
    if (call.number) this.options.sim.gateway.clearNumber(call.number);
    if (answered) this.completed++;
    if (this.active.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}

export interface DemoCallerPatienceOptions {
  cluster: FreeSwitchCluster;
  node: string;
  sim: Simulator;
  clock: Clock;
  /** Share of queued callers who give up, and after how long (ms, uniform). */
  giveUpShare?: number;
  giveUpAfterMs?: [number, number];
  seed?: number;
}

/**
 * Queued demo callers have a patience: one still on music when it runs out hangs up (an abandon). Most wait as long
 * as it takes; a quarter give up after 5-25 s. (The agents' side of the demo is ./agent-life.ts.)
 */
export class DemoCallerPatience {
  private readonly rng: Rng;
  private readonly waiting = new Map<string, ClockTimer | null>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly options: DemoCallerPatienceOptions) {
    this.rng = new Rng(options.seed ?? 13);
  }

  start(): void {
    const share = this.options.giveUpShare ?? 0.25;
    const [min, max] = this.options.giveUpAfterMs ?? [5_000, 25_000];
    this.unsubscribe = this.options.cluster.onEvent((node, event) => {
      if (node !== this.options.node) return;
      const uuid = header(event, 'Unique-ID');
      if (!uuid) return;
      if (event.name === 'PLAYBACK_START' && header(event, 'Playback-File-Path') === 'local_stream://moh' && !this.waiting.has(uuid)) {
        const timer =
          this.rng.next() < share
            ? this.options.clock.setTimeout(() => {
                this.waiting.delete(uuid);
                this.options.sim.hangup(uuid);
              }, this.rng.int(min, max))
            : null;
        this.waiting.set(uuid, timer);
      } else if (event.name === 'CHANNEL_BRIDGE' || event.name === 'CHANNEL_HANGUP_COMPLETE') {
        // Bridged to an agent: no more giving up (the entry stays so a later hold music does not start a new patience).
        this.waiting.get(uuid)?.cancel();
        if (this.waiting.has(uuid)) this.waiting.set(uuid, null);
        if (event.name === 'CHANNEL_HANGUP_COMPLETE') this.waiting.delete(uuid);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
    for (const t of this.waiting.values()) t?.cancel();
    this.waiting.clear();
  }
}
