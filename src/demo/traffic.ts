import type { Clock, ClockTimer } from '../clock/clock';
import { header, type EslEvent } from '../esl/types';
import type { FreeSwitchCluster } from '../freeswitch/cluster';
import { dialGateway, originate, uuidKill } from '../freeswitch';
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
  /** The simulator's carrier gateway name. */
  gateway: string;
  /** The DID inbound demo callers dial. */
  inboundDid: string;
  seed?: number;
}

export interface DemoTrafficSummary {
  calls_placed: number;
  calls_completed: number;
}

interface DemoCall {
  uuid: string;
  kind: 'outbound' | 'inbound';
  agent?: string;
  /** Inbound callers: what they key at each prompt (play_and_get_digits), in order; null = hang up there. */
  script?: Array<string | null>;
  prompts?: number;
  timers?: ClockTimer[];
}

/**
 * What inbound demo callers do in the example flow (main-menu / support): most pick an option, some key a wrong one
 * first, some say nothing (the menu times out to the operator), some hang up mid-menu. After hours they leave a
 * voicemail (see onRecordStart).
 */
const CALLER_SCRIPTS: ReadonlyArray<{ weight: number; script: (rng: Rng) => Array<string | null> }> = [
  { weight: 25, script: () => ['1'] },
  { weight: 15, script: () => ['2', '2'] },
  { weight: 20, script: (rng) => ['2', '1', `${rng.int(100000, 99999999)}#`] },
  { weight: 10, script: () => ['2', '1', '12#', '123456#'] },
  { weight: 10, script: () => ['7', '1'] },
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
    if (this.rng.next() < 0.3 || freeAgents.length === 0) this.placeInbound();
    else this.placeOutbound(freeAgents[this.rng.int(0, freeAgents.length - 1)]!);
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
      { app: 'bridge', arg: `user/${agent}` },
      { switchboard_demo: 'true' },
      { originateUuid: uuid, timeoutSec: 8, callerIdNumber: '+18005550100', callerIdName: 'Switchboard Demo' },
    );
    this.placed++;
    this.busyAgents.add(agent);
    this.active.set(uuid, { uuid, kind: 'outbound', agent });
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
    if (answered) this.completed++;
    if (this.active.size === 0) for (const w of this.drainWaiters.splice(0)) w();
  }
}

/** What the demo's ACD agents need from the running ACD. */
export interface DemoAcdEngine {
  agent(agentId: number): { state: string } | undefined;
  setReady(agentId: number): void;
  setNotReady(agentId: number, reason: string): void;
}

export interface DemoAcdAgentsOptions {
  cluster: FreeSwitchCluster;
  node: string;
  sim: Simulator;
  clock: Clock;
  logger: Logger;
  engine: DemoAcdEngine;
  /** ACD agent id -> softphone extension. */
  agents: ReadonlyArray<{ id: number; extension: string }>;
  seed?: number;
}

/**
 * The demo's contact-center life around the ACD: agents take breaks now and then (not ready, then ready again), some
 * reject a call now and then (their phone's behaviour flips for a while), and queued callers have a patience: one
 * still on music when it runs out hangs up (an abandon).
 */
export class DemoAcdLife {
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly timers = new Set<ClockTimer>();
  private readonly waiting = new Map<string, ClockTimer>();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private breaks = 0;

  constructor(private readonly options: DemoAcdAgentsOptions) {
    this.rng = new Rng(options.seed ?? 11);
    this.log = options.logger.child({ module: 'demo-acd' });
  }

  start(): void {
    this.unsubscribe = this.options.cluster.onEvent((node, event) => {
      if (node !== this.options.node) return;
      const uuid = header(event, 'Unique-ID');
      if (!uuid) return;
      if (event.name === 'PLAYBACK_START' && header(event, 'Playback-File-Path') === 'local_stream://moh' && !this.waiting.has(uuid)) {
        // A queued demo caller: most wait long enough, some give up after 5-25 s.
        if (this.rng.next() < 0.25) {
          const t = this.after(this.rng.int(5000, 25000), () => {
            this.waiting.delete(uuid);
            this.options.sim.hangup(uuid);
          });
          this.waiting.set(uuid, t);
        } else {
          this.waiting.set(uuid, { cancel: () => undefined });
        }
      } else if (event.name === 'CHANNEL_BRIDGE' || event.name === 'CHANNEL_HANGUP_COMPLETE') {
        const t = this.waiting.get(uuid);
        if (t) {
          t.cancel();
          if (event.name === 'CHANNEL_HANGUP_COMPLETE') this.waiting.delete(uuid);
        }
      }
    });
    for (const a of this.options.agents) this.scheduleLife(a);
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const t of this.waiting.values()) t.cancel();
    this.waiting.clear();
  }

  /** Every agent on a break is made ready again (the end of the demo). */
  endBreaks(): void {
    for (const a of this.options.agents) {
      if (this.options.engine.agent(a.id)?.state === 'not_ready') {
        try {
          this.options.engine.setReady(a.id);
        } catch {
          // busy meanwhile
        }
      }
    }
  }

  get breaksTaken(): number {
    return this.breaks;
  }

  private scheduleLife(a: { id: number; extension: string }): void {
    if (this.stopped) return;
    this.after(this.rng.int(8000, 30000), () => {
      const roll = this.rng.next();
      if (roll < 0.4) this.takeBreak(a);
      else if (roll < 0.6) this.rejectForAWhile(a);
      this.scheduleLife(a);
    });
  }

  private takeBreak(a: { id: number; extension: string }): void {
    const { engine } = this.options;
    const reason = this.rng.next() < 0.7 ? 'break' : 'training';
    try {
      // On a call or ringing, the engine keeps the request until the call ends.
      engine.setNotReady(a.id, reason);
      this.breaks++;
    } catch (err) {
      this.log.debug('break refused', { agent: a.id, error: (err as Error).message });
      return;
    }
    this.after(this.rng.int(3000, 10000), () => {
      try {
        if (engine.agent(a.id)?.state === 'not_ready') engine.setReady(a.id);
      } catch (err) {
        this.log.debug('ready refused', { agent: a.id, error: (err as Error).message });
      }
    });
  }

  private rejectForAWhile(a: { id: number; extension: string }): void {
    this.options.sim.setSoftphoneBehavior(a.extension, { reject: true, rejectDelayMs: 700 });
    this.after(this.rng.int(2000, 6000), () => this.options.sim.setSoftphoneBehavior(a.extension, { reject: false }));
  }

  private after(ms: number, fn: () => void): ClockTimer {
    const t = this.options.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
    return t;
  }
}
