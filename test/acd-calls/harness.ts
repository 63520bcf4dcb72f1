/**
 * CallControl over TCP: the simulator, a FreeSwitchCluster on it, the real ACD engine, and a small stand-in for the
 * FreeSWITCH runtime that places calls exactly as src/acd/runtime does (caller parked, agent leg originated to the
 * softphone with &park(), offerAnswered, then uuid_bridge caller agent) and ends them in the engine when a leg hangs up.
 */
import { randomUUID } from 'node:crypto';
import type { AcdCallLegs, AcdEffect, AcdRuntimeApi } from '../../src/acd/contract';
import { AcdEngine } from '../../src/acd/engine';
import { CallControl, type CallControlOptions } from '../../src/acd/runtime/call-control';
import { systemClock } from '../../src/clock/clock';
import { header } from '../../src/esl/types';
import { apps, dialUser, originate, uuidBridge } from '../../src/freeswitch';
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { silentLogger } from '../../src/log/logger';
import { PhoneEndpoints } from '../../src/phones/phone-endpoints';
import { startSimulator, type Simulator } from '../../src/simulator';
import { agentConfig, queueConfig } from '../acd/helpers';

export const NODE = 'sim1';
export const GATEWAY = 'carrier';
/** The simulator's registration domain (its `domain` global). */
export const SIM_DOMAIN = '127.0.0.1';

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export class CallsHarness {
  sim!: Simulator;
  cluster!: FreeSwitchCluster;
  engine!: AcdEngine;
  control!: CallControl;
  readonly effects: AcdEffect[] = [];
  readonly legs = new Map<number, AcdCallLegs>();
  private callerN = 0;

  runtime!: AcdRuntimeApi;

  async start(options: Partial<CallControlOptions> = {}): Promise<this> {
    this.sim = await startSimulator({
      seed: 7,
      heartbeatMs: 0,
      stockDialplanWarnings: false,
      softphones: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`${1000 + i}`, { answerDelayMs: 30 }])),
    });
    this.cluster = new FreeSwitchCluster([{ name: NODE, host: '127.0.0.1', port: this.sim.port, password: 'ClueCon' }], {
      logger: silentLogger,
      commandTimeoutMs: 5000,
      reconnectMaxMs: 500,
      eventQueueMax: 100_000,
    });
    await this.cluster.start();
    this.engine = new AcdEngine({ clock: systemClock, onEffect: (e) => this.effects.push(e) });
    this.runtime = {
      engine: this.engine,
      legsOfAgent: (id) => this.legs.get(id),
      legsOfCall: (callId) => [...this.legs.values()].find((l) => l.callerUuid === callId),
      onEffect: () => () => undefined,
    };
    this.engine.configure(
      [queueConfig('support', { wrapUpSec: 60 }), queueConfig('billing', { wrapUpSec: 60 })],
      [1, 2, 3, 4, 5].map((i) => agentConfig(i, ['support', 'billing'])),
    );
    for (const i of [1, 2, 3, 4, 5]) {
      this.engine.login(i);
      this.engine.setNotReady(i, 'break');
    }
    // The runtime's part: a leg that hangs up ends the connected call in the engine.
    this.cluster.onEvent((_node, ev) => {
      if (ev.name !== 'CHANNEL_HANGUP') return;
      const uuid = header(ev, 'Unique-ID');
      for (const [agentId, l] of [...this.legs]) {
        if (l.agentUuid !== uuid && l.callerUuid !== uuid) continue;
        this.legs.delete(agentId);
        const a = this.engine.agent(agentId);
        if (a?.state === 'on_call' && a.callId === l.callerUuid) this.engine.callEnded(l.callerUuid);
      }
    });
    this.control = new CallControl({
      cluster: this.cluster,
      runtime: this.runtime,
      logger: silentLogger,
      clock: systemClock,
      gateway: GATEWAY,
      ringTimeoutSec: 5,
      settleMs: 1000,
      phones: new PhoneEndpoints({ mode: 'sofia', profile: 'internal', domain: SIM_DOMAIN }),
      ...options,
    });
    return this;
  }

  async close(): Promise<void> {
    this.control?.close();
    await this.cluster?.close();
    await this.sim?.close();
  }

  /** A caller from the IVR waiting parked (answered), as the ACD receives them. */
  async placeCaller(): Promise<string> {
    const from = `1555123${String(++this.callerN).padStart(4, '0')}`;
    this.sim.setDidRoute('18005550100', { action: 'park', answer: true });
    const uuid = this.sim.injectInboundCall({ from, to: '18005550100', uuid: randomUUID() });
    await waitFor('caller parked', () => this.sim.channel(uuid)?.application === 'park');
    return uuid;
  }

  /** Places a caller and connects them to `agentId` exactly as the runtime does. */
  async connect(agentId: number, queue = 'support'): Promise<AcdCallLegs & { agentUuid: string }> {
    const callerUuid = await this.placeCaller();
    this.engine.setReady(agentId);
    const before = this.effects.length;
    this.engine.enqueue({ id: callerUuid, node: NODE, queue, priority: 0, skills: [], callerNumber: this.sim.channel(callerUuid)!.callerIdNumber, data: { crm_id: '42' } });
    const offer = this.effects.slice(before).find((e): e is Extract<AcdEffect, { kind: 'offer' }> => e.kind === 'offer' && e.callId === callerUuid);
    if (!offer || !offer.agentIds.includes(agentId)) throw new Error(`no offer to agent ${agentId}`);
    const agentUuid = randomUUID();
    const ext = this.engine.agent(agentId)!.extension;
    const r = await this.cluster.client(NODE).bgapi(originate(dialUser(ext), apps.park(), {}, { originateUuid: agentUuid, timeoutSec: 5 }), { timeoutMs: 10_000 });
    if (!r.ok) throw new Error(`agent leg: ${r.body}`);
    this.engine.offerAnswered(offer.offerId, agentId);
    const br = await this.cluster.client(NODE).api(uuidBridge(callerUuid, agentUuid));
    if (!br.ok) throw new Error(`bridge: ${br.body}`);
    const legs = { node: NODE, callerUuid, agentUuid, queue, agentId, connectedAt: Date.now() };
    this.legs.set(agentId, legs);
    await waitFor('caller and agent hear each other', () => this.hears(callerUuid, agentUuid) && this.hears(agentUuid, callerUuid));
    return legs;
  }

  hears(listener: string, source: string): boolean {
    return this.sim.whoDoesHear(listener).includes(source);
  }

  /** Kinds of what `listener` hears. */
  audioKinds(listener: string): string[] {
    return [...new Set(this.sim.audioRoutes().filter((r) => r.listener === listener).map((r) => r.kind))];
  }

  up(uuid: string): boolean {
    return !!this.sim.rawChannel(uuid)?.isUp;
  }

  /** Ends every call and leaves all agents not ready (between tests). */
  async reset(): Promise<void> {
    for (const ch of this.sim.channels()) this.sim.hangup(ch.uuid);
    await waitFor('no channels', () => this.sim.channels().length === 0);
    await waitFor('legs cleared', () => this.legs.size === 0);
    for (const w of this.engine.waitingCalls()) this.engine.callerHangup(w.id);
    // CallControl ends the direct calls (transfers, 3-way agents, outbound) as their legs hang up.
    await waitFor('no agent ringing or on a call', () => this.engine.agents().every((a) => a.state !== 'reserved' && a.state !== 'on_call'));
    for (const i of [1, 2, 3, 4, 5]) {
      const a = this.engine.agent(i)!;
      if (a.state === 'wrap_up') this.engine.endWrapUp(i);
      const b = this.engine.agent(i)!;
      if (b.state === 'available') this.engine.setNotReady(i, 'break');
      else if (b.state === 'not_ready' && b.reason !== 'break') {
        this.engine.setReady(i);
        this.engine.setNotReady(i, 'break');
      }
    }
  }
}
