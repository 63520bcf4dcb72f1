/**
 * The demo's agents as people: now and then one asks for a break (not ready, then ready again), or their phone rejects
 * calls for a few seconds; and an agent the ACD itself set not ready (no_answer after missed offers) notices and comes
 * back. Pure: the ACD engine, its agent_state effects and the phones come in as interfaces, time is the injected
 * Clock, choices come from a seeded Rng, so a run on a VirtualClock is repeatable.
 *
 * A break asked for while the agent is ringing, talking or in wrap-up is kept by the engine until that ends
 * (src/acd/state-machine.ts, "pending"). So the break's length is counted from the moment the agent really becomes
 * not ready (its agent_state effect), never from the request: the break always ends, however long the call was.
 * Every stretch of not ready is recorded against the length that was meant for it (the demo's health figures).
 */
import type { AcdEffectListener, AgentState } from '../acd/contract';
import type { Clock, ClockTimer } from '../clock/clock';
import type { Logger } from '../log/logger';
import { Rng } from '../random/rng';

/** What the demo's agents need from the ACD engine. */
export interface DemoAgentEngine {
  agent(agentId: number): { state: AgentState; reason?: string } | undefined;
  setReady(agentId: number): void;
  setNotReady(agentId: number, reason: string): void;
}

/** The agents' softphones (the simulator in the demo). */
export interface DemoPhones {
  setRejecting(extension: string, rejecting: boolean): void;
}

/** Ranges are [min, max] in ms, drawn uniformly. */
export interface DemoAgentTiming {
  /** How often each agent decides what to do next. */
  decideEveryMs: [number, number];
  /** Chance, at each decision, of asking for a break; and of rejecting calls for a while. */
  breakChance: number;
  rejectChance: number;
  /** Length of a break, counted from when the agent is really not ready. */
  breakMs: [number, number];
  rejectForMs: [number, number];
  /** How long an agent the ACD set not ready by itself (no_answer) takes to notice and be ready again. */
  noticeMs: [number, number];
  /** Wait before trying setReady again when the engine refused it. */
  retryMs: number;
}

export const DEFAULT_AGENT_TIMING: DemoAgentTiming = {
  decideEveryMs: [8_000, 30_000],
  breakChance: 0.4,
  rejectChance: 0.2,
  breakMs: [3_000, 10_000],
  rejectForMs: [2_000, 6_000],
  noticeMs: [4_000, 12_000],
  retryMs: 1_000,
};

export interface DemoAgentLifeOptions {
  engine: DemoAgentEngine;
  /** Subscribes to the ACD's effects (AcdRuntimeApi.onEffect); only agent_state is used. */
  onEffect(listener: AcdEffectListener): () => void;
  phones: DemoPhones;
  clock: Clock;
  logger: Logger;
  agents: ReadonlyArray<{ id: number; extension: string }>;
  timing?: Partial<DemoAgentTiming>;
  seed?: number;
}

/** One stretch of not ready: how long it lasted against how long it was meant to (the break, or the time to notice). */
export interface NotReadySpell {
  agentId: number;
  reason: string;
  /** 'break': asked for by the demo agent; 'acd': set by the engine (no_answer) or anyone else. */
  cause: 'break' | 'acd';
  since: number;
  plannedMs: number;
  /** Until now for a spell still going on. */
  lastedMs: number;
  ongoing: boolean;
}

export interface DemoAgentLifeReport {
  breaks_requested: number;
  breaks_taken: number;
  not_ready_spells: number;
  /** The longest spell, and the length meant for it. */
  longest_not_ready_s: number;
  longest_not_ready_planned_s: number;
  /** Largest (lasted - planned) over all spells: ~0 when every break ends on time. */
  max_not_ready_overrun_s: number;
}

interface AgentLife {
  id: number;
  extension: string;
  /** A break asked for and accepted (at once or pending) that has not started yet. */
  wanted?: { reason: string; lengthMs: number };
  /** The current not-ready spell. */
  away?: { reason: string; cause: 'break' | 'acd'; since: number; plannedMs: number; timer: ClockTimer | null };
}

const round1 = (ms: number): number => Math.round(ms / 100) / 10;

export class DemoAgentLife {
  private readonly rng: Rng;
  private readonly log: Logger;
  private readonly timing: DemoAgentTiming;
  private readonly agents = new Map<number, AgentLife>();
  private readonly timers = new Set<ClockTimer>();
  private readonly spells: NotReadySpell[] = [];
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  private requested = 0;
  private taken = 0;

  constructor(private readonly options: DemoAgentLifeOptions) {
    this.rng = new Rng(options.seed ?? 11);
    this.log = options.logger.child({ module: 'demo-agents' });
    this.timing = { ...DEFAULT_AGENT_TIMING, ...options.timing };
    for (const a of options.agents) this.agents.set(a.id, { id: a.id, extension: a.extension });
  }

  start(): void {
    this.unsubscribe = this.options.onEffect((effect) => {
      if (effect.kind !== 'agent_state') return;
      const a = this.agents.get(effect.agentId);
      if (a) this.onState(a, effect.state, effect.previous, effect.reason, effect.at);
    });
    for (const a of this.agents.values()) {
      // An agent that is already not ready (logged in that way) gets its time to notice too.
      const s = this.options.engine.agent(a.id);
      if (s?.state === 'not_ready') this.beginAway(a, s.reason ?? 'not_ready', this.options.clock.now());
      this.scheduleDecision(a);
    }
  }

  /** No more decisions or comebacks (the end of the demo); see endBreaks. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) t.cancel();
    this.timers.clear();
    for (const a of this.agents.values()) this.options.phones.setRejecting(a.extension, false);
  }

  /** Every agent still not ready is made ready (the end of the demo), then the effects stop being followed. */
  endBreaks(): void {
    for (const a of this.agents.values()) {
      if (this.options.engine.agent(a.id)?.state !== 'not_ready') continue;
      try {
        this.options.engine.setReady(a.id);
      } catch (err) {
        this.log.debug('ready refused at the end', { agent: a.id, error: (err as Error).message });
      }
    }
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Every not-ready spell so far, the ongoing ones up to now. */
  notReadySpells(): NotReadySpell[] {
    const now = this.options.clock.now();
    const ongoing: NotReadySpell[] = [];
    for (const a of this.agents.values()) {
      if (a.away) ongoing.push({ agentId: a.id, reason: a.away.reason, cause: a.away.cause, since: a.away.since, plannedMs: a.away.plannedMs, lastedMs: now - a.away.since, ongoing: true });
    }
    return [...this.spells, ...ongoing];
  }

  report(): DemoAgentLifeReport {
    const spells = this.notReadySpells();
    let longest: NotReadySpell | undefined;
    let overrun = 0;
    for (const s of spells) {
      if (!longest || s.lastedMs > longest.lastedMs) longest = s;
      overrun = Math.max(overrun, s.lastedMs - s.plannedMs);
    }
    return {
      breaks_requested: this.requested,
      breaks_taken: this.taken,
      not_ready_spells: spells.length,
      longest_not_ready_s: round1(longest?.lastedMs ?? 0),
      longest_not_ready_planned_s: round1(longest?.plannedMs ?? 0),
      max_not_ready_overrun_s: round1(overrun),
    };
  }

  private onState(a: AgentLife, state: AgentState, previous: AgentState, reason: string | undefined, at: number): void {
    if (state === 'not_ready') {
      // not_ready -> not_ready is a change of reason: the same spell goes on.
      if (a.away) a.away.reason = reason ?? a.away.reason;
      else this.beginAway(a, reason ?? 'not_ready', at);
      return;
    }
    if (previous === 'not_ready' || a.away) this.endAway(a, at);
    // Ready (or logged out) before a pending break started: the engine dropped the request (ready in wrap-up,
    // logout); it will not come back.
    if ((state === 'available' || state === 'logged_out') && a.wanted) a.wanted = undefined;
  }

  private beginAway(a: AgentLife, reason: string, at: number): void {
    const wanted = a.wanted;
    a.wanted = undefined;
    // Whatever made the agent not ready while a break was wanted (the break itself, or no_answer first), the
    // agent is away for the break's length; otherwise for the time it takes to notice.
    const cause = wanted ? 'break' : 'acd';
    const plannedMs = wanted ? wanted.lengthMs : this.draw(this.timing.noticeMs);
    if (wanted) this.taken++;
    a.away = { reason, cause, since: at, plannedMs, timer: null };
    const spent = this.options.clock.now() - at;
    a.away.timer = this.after(Math.max(0, plannedMs - spent), () => this.comeBack(a));
  }

  private endAway(a: AgentLife, at: number): void {
    const away = a.away;
    if (!away) return;
    a.away = undefined;
    if (away.timer) {
      away.timer.cancel();
      this.timers.delete(away.timer);
    }
    this.spells.push({ agentId: a.id, reason: away.reason, cause: away.cause, since: away.since, plannedMs: away.plannedMs, lastedMs: at - away.since, ongoing: false });
  }

  /** The break (or the time to notice) is over: ready again, or try again shortly if the engine refuses. */
  private comeBack(a: AgentLife): void {
    if (a.away) a.away.timer = null;
    const s = this.options.engine.agent(a.id);
    if (!s || s.state !== 'not_ready') {
      // No longer not ready (its effect was missed): the spell is over.
      this.endAway(a, this.options.clock.now());
      return;
    }
    try {
      this.options.engine.setReady(a.id);
    } catch (err) {
      this.log.debug('ready refused, trying again', { agent: a.id, error: (err as Error).message });
      if (a.away) a.away.timer = this.after(this.timing.retryMs, () => this.comeBack(a));
      return;
    }
  }

  private scheduleDecision(a: AgentLife): void {
    this.after(this.draw(this.timing.decideEveryMs), () => {
      const roll = this.rng.next();
      if (roll < this.timing.breakChance) this.askForBreak(a);
      else if (roll < this.timing.breakChance + this.timing.rejectChance) this.rejectForAWhile(a);
      this.scheduleDecision(a);
    });
  }

  private askForBreak(a: AgentLife): void {
    // One break at a time: none while one is wanted or going on.
    if (a.wanted || a.away) return;
    const state = this.options.engine.agent(a.id)?.state;
    if (state === undefined || state === 'logged_out' || state === 'not_ready') return;
    const reason = this.rng.next() < 0.7 ? 'break' : 'training';
    // Wanted before asking: when the agent is available, the engine's agent_state effect comes during the call.
    a.wanted = { reason, lengthMs: this.draw(this.timing.breakMs) };
    try {
      // Available: not ready at once. Ringing, talking or in wrap-up: pending until that ends (then the effect).
      this.options.engine.setNotReady(a.id, reason);
    } catch (err) {
      a.wanted = undefined;
      this.log.debug('break refused', { agent: a.id, error: (err as Error).message });
      return;
    }
    this.requested++;
  }

  private rejectForAWhile(a: AgentLife): void {
    this.options.phones.setRejecting(a.extension, true);
    this.after(this.draw(this.timing.rejectForMs), () => this.options.phones.setRejecting(a.extension, false));
  }

  private draw([min, max]: [number, number]): number {
    return this.rng.int(min, max);
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
