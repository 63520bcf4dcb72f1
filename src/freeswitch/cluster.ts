import type { FreeSwitchNodeHealth } from '../api/health';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import type { FreeSwitchNodeConfig } from '../config/config';
import { EslClient, type EslClientStatus } from '../esl';
import type { ApiReply } from '../esl/client';
import type { FsCommand } from './command';
import type { EslEvent } from '../esl/types';
import type { Logger } from '../log/logger';
import type { MetricsRegistry } from '../metrics/registry';

/**
 * The events the service subscribes to on every node. A fixed list rather than ALL: FreeSWITCH then serialises and
 * sends only what some domain consumes (presence, codec and re-INVITE noise stay on the switch). BACKGROUND_JOB
 * and HEARTBEAT are needed by the client itself; later domains add theirs here, in one place.
 * Only events something in the service reads. Not CHANNEL_EXECUTE (an application starting) nor CHANNEL_UNPARK (the
 * client follows its own applications by CHANNEL_EXECUTE_COMPLETE), and not CHANNEL_CREATE, CHANNEL_PROGRESS,
 * CHANNEL_PROGRESS_MEDIA, CHANNEL_HOLD or CHANNEL_UNHOLD (a leg is known from its originate or its CHANNEL_PARK,
 * ringing from the originate's outcome, hold from the service's own uuid_hold): each arrives with every channel
 * variable and is decoded in full, and CHANNEL_CREATE and CHANNEL_PROGRESS alone were 3 of the ~16 events a routed
 * call brought. Whatever plays a caller (the demo's customers, tests) adds what it needs with subscribe().
 */
export const SUBSCRIBED_EVENTS: readonly string[] = [
  'CHANNEL_ANSWER',
  'CHANNEL_PARK',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'DTMF',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'RECORD_START',
  'RECORD_STOP',
  'BACKGROUND_JOB',
  'HEARTBEAT',
  'CUSTOM',
  'sofia::register',
  'sofia::unregister',
  'sofia::expire',
  'avmd::beep',
];

export type NodeEventListener = (node: string, event: EslEvent) => void;

/**
 * The part of FreeSwitchCluster that per-node helpers need: an api command to a node, and its status changes (they
 * learn what a node is or has at each connection). Tests pass a stand-in.
 */
export interface NodeApiCluster {
  client(node: string): { api(cmd: FsCommand): Promise<ApiReply> };
  onStatus(listener: (node: string, status: string, epoch: number) => void): () => void;
}
export type NodeStatusListener = (node: string, status: EslClientStatus, epoch: number) => void;
/** A node's event queue dropped events: state kept from its events must be re-read from the node. */
export type NodeResyncListener = (node: string, eventsDropped: number) => void;

/**
 * How long after an event queue overflow the resync signal goes out. A storm drops events in bursts: one resync
 * after the burst repairs all of it, where one per dropped event would add `show channels` load to a node that is
 * already flooding us. At most one signal per node per window, and every drop is followed by one.
 */
export const RESYNC_AFTER_DROP_MS = 1000;

export interface ClusterOptions {
  logger: Logger;
  clock?: Clock;
  metrics?: MetricsRegistry;
  commandTimeoutMs: number;
  reconnectMaxMs: number;
  eventQueueMax: number;
  /** The leadership fence every command passes before it is written (EslClientOptions.fence). */
  fence?: () => void;
  /** Default RESYNC_AFTER_DROP_MS. */
  resyncAfterDropMs?: number;
}

interface NodeHandle {
  config: FreeSwitchNodeConfig;
  client: EslClient;
  /** Armed by the first overflow of a burst; fires the resync signal. */
  resyncTimer?: ClockTimer;
}

/**
 * One ESL connection per configured FreeSWITCH node. Consumers see every node's events tagged with the node name,
 * and address commands to the node a channel lives on. A node that is down never blocks the others or start-up:
 * each client reconnects on its own, and consumers learn of a reconnect through the status listener's epoch.
 */
export class FreeSwitchCluster {
  private readonly nodes = new Map<string, NodeHandle>();
  private readonly eventListeners = new Set<NodeEventListener>();
  private readonly statusListeners = new Set<NodeStatusListener>();
  private readonly resyncListeners = new Set<NodeResyncListener>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(configs: readonly FreeSwitchNodeConfig[], private readonly options: ClusterOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger.child({ module: 'freeswitch' });
    for (const config of configs) {
      const handle: NodeHandle = { config, client: this.createClient(config) };
      handle.client.on('overflow', () => this.resyncSoon(handle));
      this.nodes.set(config.name, handle);
    }
  }

  /** Starts connecting every node; resolves once each has either connected or failed its first attempt. */
  async start(): Promise<void> {
    await Promise.all(
      [...this.nodes.values()].map(({ config, client }) =>
        client.connect().catch((err: unknown) => {
          // The client keeps retrying with backoff; the service runs degraded until the node is back.
          this.logger.warn('FreeSWITCH node not reachable yet; retrying in the background', {
            node: config.name,
            error: (err as Error).message,
          });
        }),
      ),
    );
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  /** The client of a node; throws for an unknown name so a typo cannot silently drop a command. */
  client(node: string): EslClient {
    const handle = this.nodes.get(node);
    if (!handle) throw new Error(`unknown FreeSWITCH node "${node}"`);
    return handle.client;
  }

  /**
   * Adds events to every node's subscription (kept across reconnects; see EslClient.subscribe), for a listener that
   * needs more than SUBSCRIBED_EVENTS.
   */
  async subscribe(events: readonly string[]): Promise<void> {
    await Promise.all([...this.nodes.values()].map(({ client }) => client.subscribe([...events])));
  }

  /** Listens to every node's events; returns the unsubscribe function. */
  onEvent(listener: NodeEventListener): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  onStatus(listener: NodeStatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /**
   * Listens for 'events were lost on this node' (its event queue overflowed): what a consumer keeps from events
   * must be re-read from the node, as after a reconnect (which the status listener's epoch announces instead).
   */
  onResync(listener: NodeResyncListener): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  health(): FreeSwitchNodeHealth[] {
    return [...this.nodes.values()].map(({ config, client }) => {
      const s = client.stats();
      const hb = s.lastHeartbeat;
      return {
        node: config.name,
        status: s.status === 'ready' ? 'connected' : s.status,
        connected_since: s.status === 'ready' && s.connectedAt !== undefined ? new Date(s.connectedAt).toISOString() : undefined,
        events_received: s.eventsReceived,
        events_dropped: s.eventsDropped,
        reconnects: s.reconnects,
        connections: s.connectionEpoch,
        last_heartbeat: hb
          ? {
              received_at: new Date(hb.at).toISOString(),
              uptime_seconds: hb.uptimeMsec !== undefined ? Math.floor(hb.uptimeMsec / 1000) : undefined,
              session_count: hb.sessionCount,
              sessions_per_second: hb.sessionPerSec,
              idle_cpu: hb.idleCpu,
              max_sessions: hb.maxSessions,
            }
          : undefined,
      };
    });
  }

  /** True when every node is connected (and there is at least one). */
  allConnected(): boolean {
    return this.nodes.size > 0 && [...this.nodes.values()].every(({ client }) => client.status === 'ready');
  }

  async close(): Promise<void> {
    for (const handle of this.nodes.values()) {
      handle.resyncTimer?.cancel();
      handle.resyncTimer = undefined;
    }
    await Promise.all([...this.nodes.values()].map(({ client }) => client.close()));
  }

  private resyncSoon(handle: NodeHandle): void {
    if (handle.resyncTimer) return;
    handle.resyncTimer = this.clock.setTimeout(() => {
      handle.resyncTimer = undefined;
      const { status, eventsDropped } = handle.client.stats();
      // A connection lost meanwhile resyncs on its own when it is back (the epoch changes).
      if (status !== 'ready') return;
      this.logger.warn('FreeSWITCH events were dropped; resynchronising state from the node', { node: handle.config.name, eventsDropped });
      for (const listener of this.resyncListeners) {
        try {
          listener(handle.config.name, eventsDropped);
        } catch (err) {
          this.logger.error('resync listener failed', { node: handle.config.name, error: (err as Error).stack });
        }
      }
    }, this.options.resyncAfterDropMs ?? RESYNC_AFTER_DROP_MS);
  }

  private createClient(config: FreeSwitchNodeConfig): EslClient {
    const { metrics } = this.options;
    const client = new EslClient({
      host: config.host,
      port: config.port,
      password: config.password,
      ...(config.user === undefined ? {} : { user: config.user }),
      name: config.name,
      logger: this.options.logger,
      clock: this.clock,
      events: [...SUBSCRIBED_EVENTS],
      commandTimeoutMs: this.options.commandTimeoutMs,
      reconnect: { maxDelayMs: this.options.reconnectMaxMs },
      eventQueueMax: this.options.eventQueueMax,
      ...(this.options.fence ? { fence: this.options.fence } : {}),
    });
    let droppedExported = 0;
    // The client counts its own drops; copy the growth into Prometheus at each scrape.
    metrics?.onScrape(() => {
      const dropped = client.stats().eventsDropped;
      if (dropped > droppedExported) metrics.eslEventsDropped.inc({ node: config.name }, dropped - droppedExported);
      droppedExported = dropped;
    });
    client.on('event', (event: EslEvent) => {
      metrics?.eslEventsTotal.inc({ node: config.name, event: event.subclass ?? event.name });
      for (const listener of this.eventListeners) {
        try {
          listener(config.name, event);
        } catch (err) {
          // One consumer's bug must not starve the others of events.
          this.logger.error('event listener failed', { node: config.name, event: event.name, error: (err as Error).stack });
        }
      }
    });
    client.on('status', (status: EslClientStatus, previous: EslClientStatus) => {
      metrics?.eslConnectionUp.set({ node: config.name }, status === 'ready' ? 1 : 0);
      if (status === 'reconnecting') metrics?.eslReconnectsTotal.inc({ node: config.name });
      // Retries while a node is down would flood the log at info level: only changes an operator acts on go there.
      const meta = { node: config.name, status, previous, epoch: client.connectionEpoch };
      if (status === 'ready') this.logger.info('FreeSWITCH connected', meta);
      else if (status === 'auth-failed') this.logger.error('FreeSWITCH refused the ESL password or our address (ACL)', meta);
      else if (status === 'closed') this.logger.debug('FreeSWITCH connection closed', meta);
      else if (previous === 'ready') this.logger.warn('FreeSWITCH connection lost; reconnecting', meta);
      else this.logger.debug('FreeSWITCH connection status', meta);
      for (const listener of this.statusListeners) listener(config.name, status, client.connectionEpoch);
    });
    metrics?.eslConnectionUp.set({ node: config.name }, 0);
    return client;
  }
}
