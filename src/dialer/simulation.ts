/**
 * Discrete-event simulation of the outbound model in ../shared/dialer/MODEL.md, seeded, on its own virtual clock,
 * driving the same PredictivePacer the dialer uses (or the progressive baseline).
 *
 * Per dial: live person (pickup lognormal, human decision 1.5 s later), answering machine (pickup lognormal, machine
 * decision 3 s later, hang up), busy/SIT (ends after 3 s), else no answer at the 20-s ring timeout; a pickup later
 * than the ring timeout is a no answer. AMD false positives (a live person judged a machine) are abandoned. A live
 * person not connected within the grace period after the human decision hears the abandon message and is counted.
 * Days: agents log in, 10 minutes of warm-up (not measured), 8 measured hours, dialling stops; next day 24 h later.
 */
import type { Clock, ClockTimer } from '../clock/clock';
import { type PacingConfig, PredictivePacer, progressiveDialCount, type PacingState } from './pacing';
import { seededRandom } from '../random/rng';

export interface SimParams {
  agents: number;
  days: number;
  seed: number;
  policy: 'predictive' | 'progressive';
  pLive: number;
  pMachine: number;
  pBusy: number;
  liveMeanS: number;
  liveCv: number;
  humanDecisionS: number;
  machineMeanS: number;
  machineCv: number;
  machineDecisionS: number;
  busyS: number;
  ringTimeoutS: number;
  graceS: number;
  talkMeanS: number;
  talkCv: number;
  wrapMeanS: number;
  wrapCv: number;
  amdFalsePositive: number;
  dayHours: number;
  warmupMin: number;
  linesPerAgent: number;
  /** Pacing decisions at least this often (and after every event that frees an agent or resolves a call). */
  tickMs: number;
  pacing: Partial<PacingConfig>;
}

export const BASE_SIM: SimParams = {
  agents: 50,
  days: 10,
  seed: 1,
  policy: 'predictive',
  pLive: 0.25,
  pMachine: 0.15,
  pBusy: 0.15,
  liveMeanS: 10,
  liveCv: 0.5,
  humanDecisionS: 1.5,
  machineMeanS: 22,
  machineCv: 0.5,
  machineDecisionS: 3,
  busyS: 3,
  ringTimeoutS: 20,
  graceS: 1,
  talkMeanS: 180,
  talkCv: 1,
  wrapMeanS: 30,
  wrapCv: 0.5,
  amdFalsePositive: 0,
  dayHours: 8,
  warmupMin: 10,
  linesPerAgent: 3,
  tickMs: 250,
  pacing: {},
};

export interface SimResult {
  agents: number;
  policy: SimParams['policy'];
  occupancy: number;
  talkShare: number;
  abandon: number;
  daysOver3pct: number;
  dailyAbandon: number[];
  liveAnswers: number;
  abandoned: number;
  dials: number;
  connectsPerAgentHour: number;
  dialsPerAgentHour: number;
}

interface SimEvent {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** A binary-heap event queue that is also the Clock the pacer sees. */
class EventClock implements Clock {
  current = 0;
  private seq = 0;
  private heap: SimEvent[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const ev: SimEvent = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    const h = this.heap;
    h.push(ev);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
    return { cancel: () => (ev.cancelled = true) };
  }

  /** Runs events in time order until none is left before `until`. */
  runUntil(until: number): void {
    const h = this.heap;
    while (h.length > 0 && h[0]!.at <= until) {
      const ev = h[0]!;
      const last = h.pop()!;
      if (h.length > 0) {
        h[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l]!, h[m]!)) m = l;
          if (r < h.length && before(h[r]!, h[m]!)) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m]!, h[i]!];
          i = m;
        }
      }
      if (ev.cancelled) continue;
      this.current = ev.at;
      ev.fn();
    }
    this.current = Math.max(this.current, until);
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

interface Agent {
  phase: 'idle' | 'talk' | 'wrap';
  since: number;
}

interface Call {
  dialedAt: number;
}

export function runSimulation(overrides: Partial<SimParams> = {}): SimResult {
  const P: SimParams = { ...BASE_SIM, ...overrides };
  const rand = seededRandom(P.seed);
  const lognormal = (meanS: number, cv: number): number => {
    const s2 = Math.log(1 + cv * cv);
    const u1 = Math.max(rand(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * rand());
    return Math.exp(Math.log(meanS) - s2 / 2 + Math.sqrt(s2) * z) * 1000;
  };
  const clock = new EventClock();
  const pacer = new PredictivePacer(clock, { linesPerAgent: P.linesPerAgent, graceMs: P.graceS * 1000, ...P.pacing });

  const agents: Agent[] = Array.from({ length: P.agents }, () => ({ phase: 'idle' as const, since: 0 }));
  const inFlight = new Set<Call>();
  const waiting: Array<{ at: number; timer: ClockTimer }> = [];
  const dayMs = P.dayHours * 3600000;
  const warmMs = P.warmupMin * 60000;

  let measureFrom = 0;
  let measureTo = 0;
  let dialing = false;
  let busyMs = 0;
  let talkMs = 0;
  let dials = 0;
  let dayLive = 0;
  let dayAbandoned = 0;
  let totalLive = 0;
  let totalAbandoned = 0;
  let connects = 0;
  const dailyAbandon: number[] = [];
  const measured = (t: number): boolean => t >= measureFrom && t < measureTo;
  const clipped = (from: number, to: number): number => Math.max(0, Math.min(to, measureTo) - Math.max(from, measureFrom));

  /** `seen`: the dialer knows it was a person (false; an AMD false positive, which the live dialer hears as a machine). */
  const countLive = (abandoned: boolean, seen = true): void => {
    if (P.policy === 'predictive' && seen) pacer.recordLive(abandoned);
    if (!measured(clock.now())) return;
    dayLive++;
    if (abandoned) dayAbandoned++;
  };

  const startTalk = (agent: Agent): void => {
    if (measured(clock.now())) connects++;
    agent.phase = 'talk';
    agent.since = clock.now();
    const talk = lognormal(P.talkMeanS, P.talkCv);
    clock.setTimeout(() => {
      talkMs += clipped(agent.since, clock.now());
      busyMs += clipped(agent.since, clock.now());
      pacer.recordTalk(talk);
      agent.phase = 'wrap';
      agent.since = clock.now();
      const wrap = lognormal(P.wrapMeanS, P.wrapCv);
      clock.setTimeout(() => {
        busyMs += clipped(agent.since, clock.now());
        pacer.recordWrap(wrap);
        agent.phase = 'idle';
        agent.since = clock.now();
        const next = waiting.shift();
        if (next) {
          next.timer.cancel();
          countLive(false);
          startTalk(agent);
        }
        pace();
      }, wrap);
    }, talk);
  };

  const humanDecision = (): void => {
    const agent = agents.find((a) => a.phase === 'idle');
    if (agent) {
      countLive(false);
      return startTalk(agent);
    }
    const entry = { at: clock.now(), timer: undefined as unknown as ClockTimer };
    entry.timer = clock.setTimeout(() => {
      const i = waiting.indexOf(entry);
      if (i >= 0) waiting.splice(i, 1);
      countLive(true); // the abandon message plays
      pace();
    }, P.graceS * 1000);
    waiting.push(entry);
  };

  const dial = (): void => {
    dials += measured(clock.now()) ? 1 : 0;
    const call: Call = { dialedAt: clock.now() };
    inFlight.add(call);
    const u = rand();
    const timeout = P.ringTimeoutS * 1000;
    let endMs: number;
    let live = false;
    let after: (() => void) | undefined;
    if (u < P.pLive) {
      const pickup = lognormal(P.liveMeanS, P.liveCv);
      if (pickup >= timeout) endMs = timeout;
      else if (rand() < P.amdFalsePositive) {
        endMs = pickup + P.machineDecisionS * 1000;
        after = () => {
          countLive(true, false);
        };
      } else {
        endMs = pickup + P.humanDecisionS * 1000;
        live = true;
        after = humanDecision;
      }
    } else if (u < P.pLive + P.pMachine) {
      const pickup = lognormal(P.machineMeanS, P.machineCv);
      endMs = pickup >= timeout ? timeout : pickup + P.machineDecisionS * 1000;
    } else if (u < P.pLive + P.pMachine + P.pBusy) endMs = P.busyS * 1000;
    else endMs = timeout;
    clock.setTimeout(() => {
      inFlight.delete(call);
      if (P.policy === 'predictive') pacer.recordAttempt({ durationMs: endMs, live });
      after?.();
      pace();
    }, endMs);
  };

  let lastPace = -1;
  const pace = (): void => {
    if (!dialing || clock.now() === lastPace) return;
    lastPace = clock.now();
    const now = clock.now();
    let available = 0;
    const busy: PacingState['busyAgents'][number][] = [];
    for (const a of agents) {
      if (a.phase === 'idle') available++;
      else busy.push({ phase: a.phase, elapsedMs: now - a.since });
    }
    const state: PacingState = {
      agentsLoggedIn: agents.length,
      agentsAvailable: available,
      busyAgents: busy,
      callsInFlight: [...inFlight].map((c) => ({ ringElapsedMs: now - c.dialedAt })),
      liveWaiting: waiting.length,
    };
    if (P.policy === 'progressive') {
      for (let n = progressiveDialCount(state, P.linesPerAgent); n > 0; n--) dial();
      return;
    }
    const decision = pacer.decide(state);
    for (let i = 0; i < decision.launch; i++) dial();
    pacer.launched(decision, decision.launch);
  };
  const tick = (): void => {
    if (!dialing) return;
    pace();
    clock.setTimeout(tick, P.tickMs);
  };

  for (let day = 0; day < P.days; day++) {
    const start = day * 24 * 3600000;
    clock.runUntil(start);
    measureFrom = start + warmMs;
    measureTo = measureFrom + dayMs;
    dayLive = 0;
    dayAbandoned = 0;
    for (const a of agents) (a.phase = 'idle'), (a.since = start);
    dialing = true;
    tick();
    clock.runUntil(measureTo);
    dialing = false;
    // Busy time of agents still in a call or wrap at the end of the day.
    for (const a of agents) {
      if (a.phase !== 'idle') busyMs += clipped(a.since, measureTo);
      if (a.phase === 'talk') talkMs += clipped(a.since, measureTo);
    }
    // Let the day's calls finish off the books (no dialling; nothing measured after measureTo).
    measureFrom = measureTo = Number.POSITIVE_INFINITY;
    clock.runUntil(start + 20 * 3600000);
    dailyAbandon.push(dayLive === 0 ? 0 : dayAbandoned / dayLive);
    totalLive += dayLive;
    totalAbandoned += dayAbandoned;
  }
  const agentHours = (P.agents * P.days * dayMs) / 3600000;
  const loggedIn = P.agents * P.days * dayMs;
  return {
    agents: P.agents,
    policy: P.policy,
    occupancy: busyMs / loggedIn,
    talkShare: talkMs / loggedIn,
    abandon: totalLive === 0 ? 0 : totalAbandoned / totalLive,
    daysOver3pct: dailyAbandon.filter((r) => r > 0.03).length / dailyAbandon.length,
    dailyAbandon,
    liveAnswers: totalLive,
    abandoned: totalAbandoned,
    dials,
    connectsPerAgentHour: connects / agentHours,
    dialsPerAgentHour: dials / agentHours,
  };
}
