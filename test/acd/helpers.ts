import { VirtualClock } from '../../src/clock/clock';
import type { AcdEffect, AgentConfig, QueueCallInput, QueueConfig } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { seededRandom } from '../../src/random/rng';

export function queueConfig(name: string, over: Partial<QueueConfig> = {}): QueueConfig {
  return {
    name,
    strategy: 'longest_idle',
    requiredSkills: [],
    minProficiency: 1,
    relaxation: [],
    serviceLevelSec: 20,
    maxWaitSec: 0,
    overflow: null,
    noAgents: null,
    wrapUpSec: 0,
    offerTimeoutSec: 20,
    maxNoAnswer: 0,
    rejectDelaySec: 0,
    busyDelaySec: 0,
    noAnswerDelaySec: 0,
    mohSound: 'local_stream://moh',
    announceIntervalSec: 0,
    announcePosition: false,
    announceEwt: false,
    callbackKey: null,
    callbackConnect: 'agent_first',
    recordingPolicy: 'never',
    ...over,
  };
}

export function agentConfig(id: number, queues: Array<string | { queue: string; tier: number }>, skills: Record<string, number> = {}): AgentConfig {
  return {
    id,
    userId: 100 + id,
    name: `Agent ${id}`,
    extension: `${1000 + id}`,
    skills,
    teams: [],
    queues: queues.map((q) => (typeof q === 'string' ? { queue: q, tier: 1 } : q)),
  };
}

export function callInput(id: string, queue: string, over: Partial<QueueCallInput> = {}): QueueCallInput {
  return { id, node: 'fs1', queue, priority: 0, skills: [], callerNumber: '5550100', data: {}, ...over };
}

export class Harness {
  readonly clock = new VirtualClock(Date.UTC(2026, 0, 5, 9));
  readonly effects: AcdEffect[] = [];
  readonly engine: AcdEngine;

  constructor(queues: QueueConfig[], agents: AgentConfig[], random: () => number = seededRandom(1)) {
    this.engine = new AcdEngine({ clock: this.clock, onEffect: (e) => this.effects.push(e), random });
    this.engine.configure(queues, agents);
  }

  /** Effects since the last take(), optionally of one kind. */
  take<K extends AcdEffect['kind']>(kind?: K): Array<Extract<AcdEffect, { kind: K }>> {
    const all = this.effects.splice(0);
    return (kind ? all.filter((e) => e.kind === kind) : all) as Array<Extract<AcdEffect, { kind: K }>>;
  }

  offers(): Array<Extract<AcdEffect, { kind: 'offer' }>> {
    return this.take('offer');
  }

  loginAll(...ids: number[]): void {
    for (const id of ids) this.engine.login(id);
  }

  state(id: number): string | undefined {
    return this.engine.agent(id)?.state;
  }

  advanceSec(sec: number): void {
    this.clock.advance(sec * 1000);
  }
}
