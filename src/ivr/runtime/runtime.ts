/**
 * The IVR runtime: picks up inbound calls parked by the dialplan (CHANNEL_PARK with switchboard_did), finds the flow
 * bound to the DID and runs it on the channel (one CallRun per call), ends it on hangup, stores each call's path and
 * keeps it in memory until CHANNEL_HANGUP_COMPLETE so that the CDR carries it.
 */
import path from 'node:path';
import type { Clock } from '../../clock/clock';
import type { EslClient } from '../../esl/client';
import { channelVar, header, type EslEvent } from '../../esl/types';
import { showChannelsJson, uuidBreak, uuidDumpJson, uuidKill, type HangupCause } from '../../freeswitch';
import { decodeJsonEvent } from '../../esl/event-decoder';

/** What a caller in the middle of a flow runs (prompts, digit collection) or nothing at all (parked between them). */
const RESTARTABLE_APPS = new Set(['', 'park', 'answer', 'playback', 'play_and_get_digits', 'read', 'say', 'phrase', 'sleep', 'silence', 'endless_playback']);
import type { Logger } from '../../log/logger';
import { IvrSession } from '../interpreter';
import type { IvrPathStep } from '../protocol';
import { DID_PATTERN, type IvrStore } from '../store';
import { CallRun, DEFAULT_LIMITS, type RuntimeLimits } from './call-runner';
import { NoAcdQueueHandoff, type QueueHandoff } from './queue-handoff';
import type { CsatStore } from '../../csat/store';

export interface IvrRuntimeOptions {
  cluster: {
    onEvent(listener: (node: string, event: EslEvent) => void): () => void;
    client(node: string): EslClient;
    /** After a reconnect: the node's epoch changes (the IVR re-reads the node, see resync). */
    onStatus?(listener: (node: string, status: string, epoch: number) => void): () => void;
    /** Events of the node were dropped (its event queue overflowed). */
    onResync?(listener: (node: string) => void): () => void;
  };
  store: IvrStore;
  clock: Clock;
  logger: Logger;
  /** Voicemail files go to <voicemailDir>/<box>/<YYYY-MM-DD>/<uuid>.wav (an absolute path FreeSWITCH can write). */
  voicemailDir: string;
  /** Who takes calls a flow routes to a queue (default: NoAcdQueueHandoff). */
  queueHandoff?: QueueHandoff;
  /** Gateway for transfers to external numbers that name none. */
  defaultGateway?: string;
  /** Dialplan context of transfers to extensions (default `default`). */
  transferContext?: string;
  /** Variables every call starts with (e.g. the CRM base URL a flow's http node reads). */
  variables?: Readonly<Record<string, string>>;
  /**
   * Variables looked up per call before its flow starts, added to `variables` (e.g. the caller's profile,
   * src/profiles: `{{var.profile_blocked}}`). The lookup bounds its own time (the caller hears nothing meanwhile); a
   * rejection starts the flow without them.
   */
  callVariables?: (callerNumber: string) => Promise<Readonly<Record<string, string>>>;
  fetch?: typeof fetch;
  limits?: Partial<RuntimeLimits>;
  /** Interpreter step cap per call. */
  maxSteps?: number;
  /** Where survey nodes store their answers (src/csat). */
  csat?: CsatStore;
}

/**
 * Channel variables a flow starts with when the call carries them: the ticket and follow-up a follow-up call is about
 * and the queue call it rates (the survey node stores them with the answer).
 */
const CONTEXT_CHANNEL_VARS = ['switchboard_ticket_id', 'switchboard_followup_id', 'switchboard_queue_call', 'switchboard_csat_queue', 'switchboard_csat_agent_id'] as const;

export interface IvrRuntimeStats {
  active: number;
  started: number;
  finished: number;
  noBinding: number;
  pendingWrites: number;
}

/** Finished paths kept for the CDR writer when nobody collects them (no service around the runtime). */
const MAX_KEPT_PATHS = 10_000;
const MAX_SEEN = 100_000;

export class IvrRuntime {
  private readonly active = new Map<string, CallRun>();
  /** Channels already handled (or refused), until their CHANNEL_HANGUP_COMPLETE: CHANNEL_PARK repeats. */
  private readonly seen = new Set<string>();
  /** Calls waiting for callVariables before their flow starts: true once the caller hung up meanwhile. */
  private readonly starting = new Map<string, boolean>();
  private readonly paths = new Map<string, IvrPathStep[]>();
  private readonly writes = new Set<Promise<unknown>>();
  private readonly log: Logger;
  private readonly limits: RuntimeLimits;
  private readonly handoff: QueueHandoff;
  private unsubscribe?: () => void;
  private unsubscribeResync?: () => void;
  private readonly sensitiveListeners = new Set<(uuid: string, active: boolean) => Promise<void> | void>();
  /** Runs started by runOnChannel: resolved with the call's outcome when the run ends. */
  private readonly finishWaiters = new Map<string, (outcome: string) => void>();
  private closed = false;
  private counters = { started: 0, finished: 0, noBinding: 0 };

  constructor(private readonly options: IvrRuntimeOptions) {
    this.log = options.logger.child({ module: 'ivr' });
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.handoff = options.queueHandoff ?? new NoAcdQueueHandoff();
    if (!path.isAbsolute(options.voicemailDir)) throw new Error('voicemailDir must be an absolute path');
  }

  /**
   * Listens for `sensitive` collect nodes starting (active) and ending on a channel (call recording masks its files
   * meanwhile). The flow waits for the listeners before asking for the digits. Returns the unsubscribe function.
   */
  onSensitiveInput(listener: (uuid: string, active: boolean) => Promise<void> | void): () => void {
    this.sensitiveListeners.add(listener);
    return () => this.sensitiveListeners.delete(listener);
  }

  /** Loads flows and bindings (if not yet) and starts taking calls. */
  async start(): Promise<void> {
    if (!this.options.store.isLoaded) await this.options.store.load();
    this.unsubscribe ??= this.options.cluster.onEvent((node, event) => this.handleEvent(node, event));
    const epochs = new Map<string, number>();
    const offStatus = this.options.cluster.onStatus?.((node, status, epoch) => {
      if (status !== 'ready') return;
      const previous = epochs.get(node);
      epochs.set(node, epoch);
      if (previous !== undefined && previous !== epoch) void this.resync(node);
    });
    const offResync = this.options.cluster.onResync?.((node) => void this.resync(node));
    this.unsubscribeResync = () => {
      offStatus?.();
      offResync?.();
    };
  }

  /**
   * After a reconnect or dropped events, what the node says now: a flow whose caller is gone ends (its hangup was
   * missed), and a caller parked on a DID whose CHANNEL_PARK was missed gets its flow (as in takeOver).
   */
  async resync(node: string): Promise<void> {
    if (this.closed) return;
    const client = this.options.cluster.client(node);
    let rows: Array<Record<string, unknown>>;
    try {
      const reply = await client.api(showChannelsJson(), { timeoutMs: this.limits.commandMs });
      rows = (JSON.parse(reply.body) as { rows?: Array<Record<string, unknown>> }).rows ?? [];
    } catch (err) {
      this.log.warn('IVR resync: show channels failed', { node, error: (err as Error).message });
      return;
    }
    const live = new Set(rows.map((r) => String(r.uuid ?? '')));
    for (const run of [...this.active.values()]) if (run.info.node === node && !live.has(run.uuid)) run.onHangup();
    const parked = rows.filter((r) => typeof r.uuid === 'string' && r.application === 'park' && !this.active.has(r.uuid) && !this.seen.has(r.uuid));
    const dumps: EslEvent[] = [];
    for (const r of parked) {
      const reply = await client.api(uuidDumpJson(String(r.uuid)), { timeoutMs: this.limits.commandMs }).catch(() => undefined);
      const ev = reply?.ok ? decodeJsonEvent(reply.body) : undefined;
      if (ev) dumps.push(ev);
    }
    if (dumps.length) this.takeOver(node, dumps);
  }

  /** Feeds one event (the service subscribes this through the cluster; tests may call it directly). */
  handleEvent(node: string, event: EslEvent): void {
    if (this.closed) return;
    switch (event.name) {
      case 'CHANNEL_PARK':
        this.onPark(node, event);
        break;
      case 'CHANNEL_HANGUP': {
        const uuid = header(event, 'Unique-ID');
        if (uuid !== undefined && this.starting.has(uuid)) this.starting.set(uuid, true);
        this.runOf(event)?.onHangup();
        break;
      }
      case 'RECORD_STOP':
        this.runOf(event)?.onRecordStop(event);
        break;
      case 'CHANNEL_BRIDGE':
        this.runOf(event)?.onBridge();
        break;
      case 'CHANNEL_HANGUP_COMPLETE': {
        const uuid = header(event, 'Unique-ID');
        if (!uuid) break;
        this.active.get(uuid)?.onHangupComplete(event);
        this.seen.delete(uuid);
        break;
      }
    }
  }

  /** The IVR path of a call: live while its flow runs, final after; kept until forget(uuid) (the CDR took it). */
  ivrPathFor(uuid: string): IvrPathStep[] | undefined {
    const run = this.active.get(uuid);
    if (run) return run.path();
    return this.paths.get(uuid);
  }

  /** Drops a finished call's path (after its CDR was queued). */
  forget(uuid: string): void {
    this.paths.delete(uuid);
  }

  /** Calls whose flow is running now. */
  activeCalls(): Array<{ uuid: string; node: string; did: string; flow: string; started_at: Date; path: IvrPathStep[] }> {
    return [...this.active.values()].map((r) => ({
      uuid: r.uuid,
      node: r.info.node,
      did: r.info.did,
      flow: r.info.flow,
      started_at: new Date(r.info.startedAt),
      path: r.path(),
    }));
  }

  stats(): IvrRuntimeStats {
    return { active: this.active.size, ...this.counters, pendingWrites: this.writes.size };
  }

  /** Waits until the ivr_calls/voicemails rows queued so far are written. */
  async flush(): Promise<void> {
    while (this.writes.size) await Promise.allSettled([...this.writes]);
  }

  /** Stops taking calls, ends the runs in progress (recorded as errors), waits for the database writes. */
  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.unsubscribeResync?.();
    for (const run of [...this.active.values()]) run.abort('service stopping');
    await this.flush();
  }

  private runOf(event: EslEvent): CallRun | undefined {
    const uuid = header(event, 'Unique-ID');
    return uuid === undefined ? undefined : this.active.get(uuid);
  }

  /**
   * Callers another instance left in the middle of a flow (it died, or this one restarted), from the channels the
   * ACD's takeover read (`uuid_dump`): a caller with a DID that is not in the ACD, not bridged and running only
   * prompts or nothing starts the flow again from the top (what was playing is stopped first), instead of sitting in
   * silence. Callers the ACD took over, bridged ones and ones in voicemail or a conference are not touched.
   */
  takeOver(node: string, channels: readonly EslEvent[]): number {
    if (this.closed) return 0;
    const live = new Set(channels.map((c) => header(c, 'Unique-ID')));
    let restarted = 0;
    for (const ch of channels) {
      const uuid = header(ch, 'Unique-ID');
      if (!uuid || this.active.has(uuid) || this.seen.has(uuid)) continue;
      if (channelVar(ch, 'switchboard_did') === undefined || channelVar(ch, 'switchboard_queue_call') !== undefined) continue;
      const peer = channelVar(ch, 'bridge_uuid');
      if (peer && live.has(peer)) continue;
      if (!RESTARTABLE_APPS.has(channelVar(ch, 'current_application') ?? '')) continue;
      restarted++;
      void this.options.cluster
        .client(node)
        .api(uuidBreak(uuid, true), { timeoutMs: this.limits.commandMs })
        .catch(() => undefined)
        .then(() => this.onPark(node, ch));
    }
    if (restarted) this.log.info('restarted the IVR flows of callers left in the middle of one', { node, calls: restarted });
    return restarted;
  }

  /**
   * Runs a flow (by name, its live version) on a channel someone else set up and answered: an agentless campaign's
   * answered call (the follow-up survey). `did` labels the call in ivr_calls (e.g. `campaign:7`); `variables` are
   * the flow's starting variables (the channel's own variables are set by whoever made the channel). Resolves with
   * the run's outcome once the flow ended (its own hangup, the person's, or the flow running out of nodes, after
   * which the channel is hung up like any IVR call); rejects at once when the flow does not exist.
   */
  runOnChannel(node: string, call: { uuid: string; did: string; callerNumber: string; flow: string; variables?: Readonly<Record<string, string>> }): Promise<string> {
    if (this.closed) return Promise.reject(new Error('the IVR runtime is stopping'));
    if (this.active.has(call.uuid) || this.seen.has(call.uuid)) return Promise.reject(new Error(`a flow already runs on ${call.uuid}`));
    const flow = this.options.store.liveFlow(call.flow);
    if (!flow) return Promise.reject(new Error(`IVR flow ${call.flow} does not exist`));
    this.remember(call.uuid);
    const ended = new Promise<string>((resolve) => this.finishWaiters.set(call.uuid, resolve));
    this.startFlow(node, { uuid: call.uuid, did: call.did.slice(0, 32), callerNumber: call.callerNumber, callerName: undefined, flow }, call.variables ?? {});
    // startFlow refused (it hung the channel up): no run was created.
    if (!this.active.has(call.uuid)) {
      this.finishWaiters.get(call.uuid)?.('error');
      this.finishWaiters.delete(call.uuid);
    }
    return ended;
  }

  private onPark(node: string, event: EslEvent): void {
    const uuid = header(event, 'Unique-ID');
    const did = channelVar(event, 'switchboard_did');
    if (!uuid || did === undefined || this.seen.has(uuid)) return;
    // `npm run fs:check` proving that the DID dialplan parks: not a caller.
    if (channelVar(event, 'switchboard_fs_check') === 'true') return;
    if ((header(event, 'Call-Direction') ?? 'inbound') !== 'inbound') return;
    this.remember(uuid);
    const callerNumber = header(event, 'Caller-Caller-ID-Number') ?? '';
    const callerName = header(event, 'Caller-Caller-ID-Name');
    const { store } = this.options;
    if (!DID_PATTERN.test(did)) {
      this.log.warn('parked call carries a malformed switchboard_did; hanging up', { uuid, did: did.slice(0, 40) });
      this.kill(node, uuid, 'INVALID_NUMBER_FORMAT');
      return;
    }
    const binding = store.binding(did);
    if (!binding) {
      this.counters.noBinding++;
      this.log.warn('no IVR flow bound to the DID; hanging up', { uuid, did, caller: callerNumber });
      this.kill(node, uuid, 'UNALLOCATED_NUMBER');
      return;
    }
    const flow = store.liveFlow(binding.flow);
    if (!flow) {
      this.log.error('the DID is bound to a flow that does not exist; hanging up', { uuid, did, flow: binding.flow });
      this.kill(node, uuid, 'NORMAL_TEMPORARY_FAILURE');
      return;
    }
    const fromChannel: Record<string, string> = {};
    for (const name of CONTEXT_CHANNEL_VARS) {
      const v = channelVar(event, name);
      if (v !== undefined && /^[A-Za-z0-9_.:-]{1,64}$/.test(v)) fromChannel[name] = v;
    }
    const lookup = this.options.callVariables;
    if (!lookup) {
      this.startFlow(node, { uuid, did, callerNumber, callerName, flow }, fromChannel);
      return;
    }
    this.starting.set(uuid, false);
    void lookup(callerNumber)
      .catch((err: unknown) => {
        this.log.warn('the call variables lookup failed; the flow starts without them', { uuid, error: (err as Error).message });
        return {};
      })
      .then((extra) => {
        const hungUp = this.starting.get(uuid);
        this.starting.delete(uuid);
        if (this.closed || hungUp) return;
        this.startFlow(node, { uuid, did, callerNumber, callerName, flow }, { ...extra, ...fromChannel });
      });
  }

  private startFlow(
    node: string,
    call: { uuid: string; did: string; callerNumber: string; callerName: string | undefined; flow: { name: string; version: number } },
    extra: Readonly<Record<string, string>>,
  ): void {
    const { uuid, did, callerNumber, callerName, flow } = call;
    const { store } = this.options;
    let client: EslClient;
    let session: IvrSession;
    try {
      client = this.options.cluster.client(node);
      session = new IvrSession({
        flows: store.resolver,
        flow: flow.name,
        clock: this.options.clock,
        call: { uuid, callerNumber, callerName, did, variables: { ...this.options.variables, ...extra } },
        maxSteps: this.options.maxSteps,
      });
    } catch (err) {
      this.log.error('could not start the IVR flow; hanging up', { uuid, did, flow: flow.name, error: (err as Error).message });
      this.kill(node, uuid, 'NORMAL_TEMPORARY_FAILURE');
      return;
    }
    const run = new CallRun(
      { uuid, node, did, callerNumber, flow: flow.name, flowVersion: flow.version, startedAt: this.options.clock.now() },
      session,
      {
        client,
        store,
        clock: this.options.clock,
        logger: this.log,
        fetch: this.options.fetch ?? fetch,
        voicemailDir: this.options.voicemailDir,
        queueHandoff: this.handoff,
        defaultGateway: this.options.defaultGateway,
        transferContext: this.options.transferContext ?? 'default',
        limits: this.limits,
        onFinished: (r) => this.onFinished(r),
        track: (p) => this.track(p),
        csat: this.options.csat,
        sensitiveInput: async (id, active) => {
          await Promise.all([...this.sensitiveListeners].map(async (l) => l(id, active)));
        },
      },
    );
    this.active.set(uuid, run);
    this.counters.started++;
    this.log.debug('IVR flow started', { uuid, did, flow: flow.name, version: flow.version });
    void run.run();
  }

  private onFinished(run: CallRun): void {
    this.active.delete(run.uuid);
    const waiter = this.finishWaiters.get(run.uuid);
    this.finishWaiters.delete(run.uuid);
    waiter?.(run.outcome ?? 'completed');
    this.counters.finished++;
    this.paths.set(run.uuid, run.path());
    if (this.paths.size > MAX_KEPT_PATHS) {
      const oldest = this.paths.keys().next().value;
      if (oldest !== undefined) this.paths.delete(oldest);
    }
  }

  private remember(uuid: string): void {
    this.seen.add(uuid);
    if (this.seen.size > MAX_SEEN) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  private track(p: Promise<unknown>): void {
    this.writes.add(p);
    void p.finally(() => this.writes.delete(p));
  }

  private kill(node: string, uuid: string, cause: HangupCause): void {
    try {
      this.options.cluster
        .client(node)
        .api(uuidKill(uuid, cause), { timeoutMs: this.limits.commandMs })
        .catch((err: unknown) => this.log.warn('hangup failed', { uuid, error: (err as Error).message }));
    } catch (err) {
      this.log.warn('hangup failed', { uuid, error: (err as Error).message });
    }
  }
}
