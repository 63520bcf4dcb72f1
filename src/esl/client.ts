import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { systemClock, type Clock, type ClockTimer } from '../clock/clock';
import type { AppInvocation, FsCommand } from '../freeswitch/command';
import type { Logger } from '../log/logger';
import { fullJitterBackoff, type RetryStrategy } from './backoff';
import {
  ChannelHungUpError,
  EslAuthError,
  EslClosedError,
  EslCommandError,
  EslDisconnectedError,
  EslProtocolError,
  EslTimeoutError,
} from './errors';
import { decodeEvent } from './event-decoder';
import { EventQueue } from './event-queue';
import { FrameParser } from './frame-parser';
import { heartbeatInfo, type HeartbeatInfo } from './heartbeat';
import { header, type EslEvent, type EslFrame } from './types';
import {
  apiCommand,
  assertChannelId,
  assertEventName,
  assertFilter,
  authCommand,
  bgapiCommand,
  eventCommand,
  executeCommand,
  EXIT_COMMAND,
  filterCommand,
  filterDeleteCommand,
  hangupCommand,
  userauthCommand,
} from './wire';

export interface EslClientOptions {
  host: string;
  port: number;
  password: string;
  /**
   * `user@domain`: log in with `userauth user@domain:password` as a directory user whose `esl-allowed-api` /
   * `esl-allowed-events` limit what this connection may do; absent: `auth password`.
   */
  user?: string;
  /** Used in log lines (several clients may run in one process). */
  name?: string;
  logger: Logger;
  /** All timers (command timeouts, backoff, heartbeat watchdog) and timestamps use it. */
  clock?: Clock;
  /** Events to subscribe to (default ['ALL']). Entries with `::` are CUSTOM subclasses, e.g. 'sofia::register'. */
  events?: string[];
  /** `filter <header> <value>` pairs; once any exists FreeSWITCH delivers only matching events. */
  filters?: Array<[header: string, value: string]>;
  commandTimeoutMs?: number;
  /** Socket connect + auth + subscription must finish within this (default 10000). */
  connectTimeoutMs?: number;
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number; authFailureDelayMs?: number };
  /** Capacity of the event queue between the socket and the listeners (default 10000; oldest dropped beyond). */
  eventQueueMax?: number;
  /** A socket silent for longer than this is dead (default 60000; FreeSWITCH sends HEARTBEAT every 20 s). */
  heartbeatTimeoutMs?: number;
  /** Commands issued while disconnected wait here (default 1000); beyond it they fail at once. */
  offlineQueueMax?: number;
  /**
   * Asked right before each command is written to the socket (also one that waited offline); throwing refuses it,
   * and the command rejects with that error. The service's leadership fence (src/ha): an instance whose term ended
   * sends FreeSWITCH nothing more, even what it queued while it still led.
   */
  fence?: () => void;
}

export type EslStatus = 'idle' | 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'auth-failed' | 'closed';
/** Same as EslStatus (the name other modules import). */
export type EslClientStatus = EslStatus;

export interface ApiReply {
  /** false when the output starts with -ERR or -USAGE. */
  ok: boolean;
  body: string;
}

export interface JobResult extends ApiReply {
  jobUuid: string;
}

/** The CHANNEL_EXECUTE_COMPLETE event of our application (Application-Response, variable_* of the channel...). */
export type ExecuteResult = EslEvent;

export interface CommandOptions {
  timeoutMs?: number;
}

export interface ExecuteOptions extends CommandOptions {
  /** `event-lock: true`: FreeSWITCH runs queued messages for the channel one after another. */
  eventLock?: boolean;
}

/** A log/data frame (after `log <level>`). */
export interface EslLogLine {
  level?: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface EslClientStats {
  status: EslStatus;
  connectionEpoch: number;
  connectedAt?: number;
  /** Connection attempts made after the first one (after a loss, a failure or an auth refusal). */
  reconnects: number;
  eventsReceived: number;
  eventsDropped: number;
  queueDepth: number;
  commandsPending: number;
  lastHeartbeat?: HeartbeatInfo;
}

export interface EslClientEvents {
  status: [status: EslStatus, previous: EslStatus];
  event: [event: EslEvent];
  log: [line: EslLogLine];
  /** The event queue overflowed: consumers should resynchronise. Argument: total dropped so far. */
  overflow: [dropped: number];
}

/**
 * Events the client needs for its own work, subscribed whatever the caller asked for: bgapi completion,
 * execute completion and its end on hangup, and the heartbeat that proves the socket is alive.
 */
const INTERNAL_EVENTS = ['BACKGROUND_JOB', 'CHANNEL_EXECUTE_COMPLETE', 'CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE', 'HEARTBEAT'];
/**
 * With any filter active FreeSWITCH filters BACKGROUND_JOB and HEARTBEAT too (ESL.md; the filter-and-nixevent
 * capture shows the client's own BACKGROUND_JOBs vanishing). These filters let them through; execute() adds a
 * `Unique-ID <uuid>` filter for the channel it waits on for the duration of the wait.
 */
const INTERNAL_FILTERS: Array<[string, string]> = [
  ['Event-Name', 'BACKGROUND_JOB'],
  ['Event-Name', 'HEARTBEAT'],
];

/** One command's promise, its timeout and what to undo when it settles. */
class Operation<T> {
  settled = false;
  timer?: ClockTimer;
  private readonly cleanups: Array<() => void> = [];

  constructor(
    readonly label: string,
    private readonly res: (value: T) => void,
    private readonly rej: (err: Error) => void,
  ) {}

  onSettle(fn: () => void): void {
    this.cleanups.push(fn);
  }

  resolve(value: T): void {
    if (this.finish()) this.res(value);
  }

  reject(err: Error): void {
    if (this.finish()) this.rej(err);
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.timer?.cancel();
    for (const fn of this.cleanups) fn();
    return true;
  }
}

type AnyOperation = Operation<never> | Operation<unknown>;

/** A command waiting to be written, or written and waiting for its command/reply or api/response. */
interface Request {
  readonly wire: string;
  /** Runs just before the write (execute adds its channel filter here, on the link it is written to). */
  readonly beforeWrite?: (link: Link) => void;
  readonly onReply: (frame: EslFrame) => void;
  /** Absent for the client's own setup commands. */
  readonly op?: AnyOperation;
}

/**
 * One TCP connection. Callbacks of a link that is no longer current do nothing (ioredis' connectionEpoch idea): a
 * late reply or close of a dead socket never lands on the new one.
 */
class Link {
  readonly parser: FrameParser;
  /** Replies arrive in the order commands were written: a FIFO is the whole correlation. */
  readonly inflight: Request[] = [];
  /** Operations written on this link and not settled: they fail when it goes down. */
  readonly active = new Set<AnyOperation>();
  /** Reference counts of execute()'s `filter Unique-ID <uuid>` on this link. */
  readonly channelFilters = new Map<string, number>();
  failure?: 'invalid-password' | 'rude-rejection';
  lastError?: Error;
  lastDataAt: number;
  connectTimer?: ClockTimer;
  watchdog?: ClockTimer;
  closeTimer?: ClockTimer;
  authenticated = false;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    onFrame: (frame: EslFrame) => void,
    onProtocolError: (reason: string) => void,
    now: number,
  ) {
    this.parser = new FrameParser(onFrame, { onProtocolError });
    this.lastDataAt = now;
  }

  write(wire: string): void {
    if (!this.socket.destroyed) this.socket.write(wire);
  }
}

/**
 * The FreeSWITCH Event Socket inbound client.
 *
 * - connect() resolves once authenticated and subscribed, and rejects when that attempt fails: EslAuthError for a
 *   refused password (`-ERR invalid`) or ACL (`text/rude-rejection`), EslDisconnectedError for a network failure or
 *   connect timeout. Either way the client keeps retrying in the background until close(), so a service can start
 *   while FreeSWITCH is down (commands wait in the offline queue). Network failures back off exponentially with full
 *   jitter; an auth refusal waits `authFailureDelayMs` (status 'auth-failed'): never a storm, FreeSWITCH spawns a
 *   thread per connection. A connect() call made while reconnecting reports the next attempt.
 * - Subscriptions and filters are the connection's condition: kept here and replayed after every reconnect (auth,
 *   `event json ...`, filters), then `connectionEpoch` increments and status becomes 'ready'.
 * - Commands wait in a bounded offline queue while disconnected; their own timeout still runs. Written commands fail
 *   with EslDisconnectedError when the connection drops (a bgapi job keeps running on FreeSWITCH regardless).
 * - Events go through a bounded queue (see EventQueue) to 'event' listeners and onEvent() subscribers; the reader
 *   never waits for them. Completion events are correlated before the queue, so overflow never loses a reply.
 * - A socket silent for heartbeatTimeoutMs is considered dead and replaced.
 * - The client never emits 'error' (an unhandled 'error' would kill the process); problems are logged and reflected
 *   in status/stats, command failures reject their promise.
 */
export class EslClient extends EventEmitter<EslClientEvents> {
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly commandTimeoutMs: number;
  private readonly fence?: () => void;
  private readonly connectTimeoutMs: number;
  private readonly heartbeatTimeoutMs: number;
  private readonly authFailureDelayMs: number;
  private readonly offlineQueueMax: number;
  private readonly retry: RetryStrategy;

  private currentStatus: EslStatus = 'idle';
  private epoch = 0;
  private connectedAtMs?: number;
  private reconnectCount = 0;
  private attempt = 0;
  private linkSeq = 0;
  private link?: Link;
  private reconnectTimer?: ClockTimer;
  private closed = false;
  private closeWaiters: Array<() => void> = [];
  private readyWaiters: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];

  private readonly subscriptions = new Set<string>();
  /** User filters, insertion-ordered, keyed `header\0value`. */
  private readonly userFilters = new Map<string, [string, string]>();
  private readonly offline: Request[] = [];

  private readonly jobs = new Map<string, Operation<JobResult>>();
  private readonly executions = new Map<string, { uuid: string; op: Operation<ExecuteResult> }>();
  private readonly executionsByChannel = new Map<string, Set<string>>();

  private readonly events: EventQueue<EslEvent>;
  private readonly logs: EventQueue<EslLogLine>;
  private readonly named = new Map<string, Set<(event: EslEvent) => void>>();
  private received = 0;
  private heartbeat?: HeartbeatInfo;
  private listenerErrorsSinceLog = 0;
  private lastListenerErrorLogAt = -Infinity;

  constructor(private readonly options: EslClientOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.log = options.logger.child({ module: 'esl', client: options.name ?? `${options.host}:${options.port}` });
    this.commandTimeoutMs = options.commandTimeoutMs ?? 10_000;
    this.fence = options.fence;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 60_000;
    this.authFailureDelayMs = options.reconnect?.authFailureDelayMs ?? 30_000;
    this.offlineQueueMax = options.offlineQueueMax ?? 1000;
    this.retry = fullJitterBackoff(options.reconnect?.initialDelayMs ?? 100, options.reconnect?.maxDelayMs ?? 30_000);
    this.loginCommand(); // validates now rather than on the first connection
    for (const e of options.events ?? ['ALL']) {
      assertEventName(e);
      this.subscriptions.add(e);
    }
    for (const [h, v] of options.filters ?? []) {
      assertFilter(h, v);
      this.userFilters.set(`${h}\0${v}`, [h, v]);
    }
    this.events = new EventQueue<EslEvent>({
      max: options.eventQueueMax ?? 10_000,
      deliver: (e) => this.deliverEvent(e),
      logger: this.log,
      clock: this.clock,
      name: 'events',
      onDrop: (total) => this.safeEmit('overflow', total),
    });
    this.logs = new EventQueue<EslLogLine>({
      max: 1000,
      deliver: (l) => this.safeEmit('log', l),
      logger: this.log,
      clock: this.clock,
      name: 'logs',
    });
  }

  // ---- state ---------------------------------------------------------------------------------------------------

  get status(): EslStatus {
    return this.currentStatus;
  }

  /** Increments on every successful authentication: a consumer seeing it change knows to resynchronise. */
  get connectionEpoch(): number {
    return this.epoch;
  }

  stats(): EslClientStats {
    let pending = this.offline.length;
    if (this.link) pending += this.link.active.size;
    return {
      status: this.currentStatus,
      connectionEpoch: this.epoch,
      connectedAt: this.connectedAtMs,
      reconnects: this.reconnectCount,
      eventsReceived: this.received,
      eventsDropped: this.events.dropped,
      queueDepth: this.events.depth,
      commandsPending: pending,
      lastHeartbeat: this.heartbeat,
    };
  }

  private setStatus(next: EslStatus): void {
    const prev = this.currentStatus;
    if (prev === next) return;
    this.currentStatus = next;
    this.log.debug('esl status', { status: next, previous: prev });
    this.safeEmit('status', next, prev);
  }

  // ---- lifecycle -----------------------------------------------------------------------------------------------

  /** Resolves when authenticated and subscribed (see the class comment for when it rejects). */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new EslClosedError());
    if (this.currentStatus === 'ready') return Promise.resolve();
    const ready = new Promise<void>((resolve, reject) => this.readyWaiters.push({ resolve, reject }));
    if (this.currentStatus === 'idle') this.openLink();
    return ready;
  }

  /** Sends `exit`, closes the socket, fails everything pending with EslClosedError; no reconnect afterwards. */
  close(): Promise<void> {
    if (this.closed) {
      return this.currentStatus === 'closed' ? Promise.resolve() : new Promise((r) => this.closeWaiters.push(r));
    }
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = undefined;
    const err = new EslClosedError();
    for (const w of this.readyWaiters.splice(0)) w.reject(err);
    for (const r of this.offline.splice(0)) r.op?.reject(err);
    this.events.clear();
    this.logs.clear();
    const link = this.link;
    if (!link) {
      this.setStatus('closed');
      return Promise.resolve();
    }
    const done = new Promise<void>((r) => this.closeWaiters.push(r));
    // Commands in progress fail now rather than hold close() up; their FIFO slots stay to absorb late replies.
    for (const op of [...link.active]) op.reject(err);
    this.write(link, { wire: EXIT_COMMAND, onReply: () => undefined });
    link.socket.end();
    // FreeSWITCH answers `exit` and closes at once; a peer that does not is cut after a second.
    link.closeTimer = this.clock.setTimeout(() => link.socket.destroy(), 1000);
    return done;
  }

  private openLink(): void {
    this.reconnectTimer = undefined;
    const socket = netConnect({ host: this.options.host, port: this.options.port });
    const link: Link = new Link(
      ++this.linkSeq,
      socket,
      (frame) => this.onFrame(link, frame),
      (reason) => this.onProtocolError(link, reason),
      this.clock.now(),
    );
    this.link = link;
    this.setStatus('connecting');
    link.connectTimer = this.clock.setTimeout(() => {
      this.log.warn('esl connect timed out', { timeoutMs: this.connectTimeoutMs });
      socket.destroy();
    }, this.connectTimeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (link !== this.link) return;
      socket.setKeepAlive(true, 15_000);
      link.lastDataAt = this.clock.now();
      this.armWatchdog(link);
    });
    socket.on('data', (chunk: Buffer) => {
      if (link !== this.link) return;
      link.lastDataAt = this.clock.now();
      link.parser.push(chunk);
    });
    socket.on('error', (err) => {
      link.lastError = err;
      if (link === this.link) this.log.debug('esl socket error', { error: err.message });
    });
    socket.on('close', () => this.onLinkClosed(link));
  }

  /** Silence longer than heartbeatTimeoutMs means a dead peer (a half-open TCP connection never says so itself). */
  private armWatchdog(link: Link): void {
    const due = link.lastDataAt + this.heartbeatTimeoutMs - this.clock.now();
    link.watchdog = this.clock.setTimeout(
      () => {
        if (link !== this.link) return;
        if (this.clock.now() - link.lastDataAt >= this.heartbeatTimeoutMs) {
          this.log.warn('esl connection silent, reconnecting', { silentMs: this.clock.now() - link.lastDataAt });
          link.socket.destroy();
        } else {
          this.armWatchdog(link);
        }
      },
      Math.max(1, due),
    );
  }

  private onLinkClosed(link: Link): void {
    link.connectTimer?.cancel();
    link.watchdog?.cancel();
    link.closeTimer?.cancel();
    if (link !== this.link) return;
    this.link = undefined;
    const wasReady = this.currentStatus === 'ready';
    const err = this.closed ? new EslClosedError() : new EslDisconnectedError('esl connection lost');
    for (const op of [...link.active]) op.reject(err);
    link.inflight.length = 0;
    if (this.closed) {
      this.setStatus('closed');
      for (const w of this.closeWaiters.splice(0)) w();
      return;
    }
    if (!link.failure && this.readyWaiters.length > 0) {
      // connect() reports the outcome of the attempt it waited for; retrying goes on in the background.
      const why = link.lastError ? `: ${link.lastError.message}` : '';
      const failed = new EslDisconnectedError(`esl connection to ${this.options.host}:${this.options.port} failed${why}`);
      for (const w of this.readyWaiters.splice(0)) w.reject(failed);
    }
    let delay: number;
    if (link.failure) {
      const authErr = new EslAuthError(
        link.failure === 'rude-rejection' ? 'FreeSWITCH refused the connection (ACL)' : 'FreeSWITCH refused the password',
        link.failure,
      );
      for (const w of this.readyWaiters.splice(0)) w.reject(authErr);
      delay = this.authFailureDelayMs;
      this.log.error('esl authentication refused; retrying later', { reason: link.failure, retryInMs: delay });
      this.setStatus('auth-failed');
    } else {
      delay = this.retry(this.attempt++);
      if (wasReady) this.log.warn('esl connection lost; reconnecting', { retryInMs: delay });
      else this.log.debug('esl connection attempt failed', { retryInMs: delay, attempt: this.attempt });
      this.setStatus('reconnecting');
    }
    this.reconnectTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.reconnectCount++;
      this.openLink();
    }, delay);
  }

  private onProtocolError(link: Link, reason: string): void {
    if (link !== this.link) return;
    // Frame boundaries are lost: nothing after this point can be trusted on this socket.
    this.log.error('esl protocol error; dropping the connection', { error: new EslProtocolError(reason).message });
    link.parser.reset();
    link.socket.destroy();
  }

  // ---- frames --------------------------------------------------------------------------------------------------

  private onFrame(link: Link, frame: EslFrame): void {
    if (link !== this.link) return;
    const type = frame.headers['Content-Type'];
    switch (type) {
      case 'text/event-json':
      case 'text/event-plain':
      case 'text/event-xml': {
        const event = decodeEvent(frame);
        if (event) this.handleEvent(event);
        else this.log.debug('esl undecodable event dropped', { contentType: type, bytes: frame.body.length });
        return;
      }
      case 'command/reply':
      case 'api/response': {
        const req = link.inflight.shift();
        if (!req) {
          this.log.warn('esl reply with no command waiting', { contentType: type });
          return;
        }
        if (req.op?.settled) return; // timed out: the reply only keeps the FIFO aligned
        try {
          req.onReply(frame);
        } catch (err) {
          this.log.error('esl reply handler failed', { error: (err as Error).message });
        }
        return;
      }
      case 'auth/request':
        if (link.authenticated) return;
        this.setStatus('authenticating');
        this.sendSetup(link, this.loginCommand(), (reply) => {
          const text = reply.headers['Reply-Text'] ?? '';
          if (text.startsWith('+OK')) {
            link.authenticated = true;
            this.subscribeAndFilter(link);
          } else {
            link.failure = 'invalid-password';
            link.socket.destroy();
          }
        });
        return;
      case 'log/data': {
        const level = Number(frame.headers['Log-Level']);
        this.logs.push({ level: Number.isFinite(level) ? level : undefined, headers: frame.headers, body: frame.body });
        return;
      }
      case 'text/disconnect-notice':
        // Content-Disposition linger: FreeSWITCH keeps the socket open to flush a hung-up session's events.
        if (frame.headers['Content-Disposition'] === 'linger') this.log.debug('esl linger notice');
        else this.log.info('esl disconnect notice', { authenticated: link.authenticated });
        return;
      case 'text/rude-rejection':
        link.failure = 'rude-rejection';
        this.log.error('esl connection rejected by FreeSWITCH ACL', { body: frame.body.trim() });
        return;
      default:
        this.log.debug('esl frame ignored', { contentType: type });
    }
  }

  /** `auth <password>`, or `userauth <user@domain>:<password>` for a directory user (both checked by wire.ts). */
  private loginCommand(): string {
    return this.options.user === undefined ? authCommand(this.options.password) : userauthCommand(this.options.user, this.options.password);
  }

  /** Replays the connection's condition: subscription, then filters; ready once FreeSWITCH acknowledged them. */
  private subscribeAndFilter(link: Link): void {
    const setup: string[] = [eventCommand(this.subscriptionNames())];
    if (this.userFilters.size > 0) {
      for (const [h, v] of INTERNAL_FILTERS) setup.push(filterCommand(h, v));
      for (const [h, v] of this.userFilters.values()) setup.push(filterCommand(h, v));
    }
    let left = setup.length;
    for (const wire of setup) {
      this.sendSetup(link, wire, (reply) => {
        const text = reply.headers['Reply-Text'] ?? '';
        // A refused filter or event name is a caller mistake, not a reason to stay offline: log it and go on.
        if (!text.startsWith('+OK')) this.log.error('esl setup command refused', { command: wire.trim(), reply: text });
        if (--left === 0) this.markReady(link);
      });
    }
  }

  private subscriptionNames(): string[] {
    const names = new Set(this.subscriptions);
    if (!names.has('ALL')) for (const n of INTERNAL_EVENTS) names.add(n);
    return [...names];
  }

  private markReady(link: Link): void {
    if (link !== this.link) return;
    link.connectTimer?.cancel();
    link.connectTimer = undefined;
    this.attempt = 0;
    this.epoch++;
    this.connectedAtMs = this.clock.now();
    // The offline queue goes out before anyone hears 'ready', so commands keep the order they were issued in.
    for (const req of this.offline.splice(0)) {
      if (!req.op?.settled) this.write(link, req);
    }
    this.log.info('esl ready', { epoch: this.epoch });
    this.setStatus('ready');
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }

  private sendSetup(link: Link, wire: string, onReply: (frame: EslFrame) => void): void {
    this.write(link, { wire, onReply });
  }

  private write(link: Link, req: Request): void {
    if (req.op && this.fence) {
      try {
        this.fence();
      } catch (err) {
        req.op.reject(err as Error);
        return;
      }
    }
    req.beforeWrite?.(link);
    link.inflight.push(req);
    if (req.op) {
      const op = req.op;
      link.active.add(op);
      op.onSettle(() => link.active.delete(op));
    }
    link.write(req.wire);
  }

  // ---- events --------------------------------------------------------------------------------------------------

  private handleEvent(event: EslEvent): void {
    this.received++;
    switch (event.name) {
      case 'BACKGROUND_JOB': {
        const jobUuid = header(event, 'Job-UUID');
        const op = jobUuid === undefined ? undefined : this.jobs.get(jobUuid);
        if (op && jobUuid !== undefined) {
          const body = event.body ?? '';
          op.resolve({ ok: isOk(body), body, jobUuid });
        }
        break;
      }
      case 'CHANNEL_EXECUTE_COMPLETE': {
        const appUuid = header(event, 'Application-UUID');
        const exec = appUuid === undefined ? undefined : this.executions.get(appUuid);
        if (exec) exec.op.resolve(event);
        break;
      }
      case 'CHANNEL_HANGUP':
      case 'CHANNEL_HANGUP_COMPLETE': {
        const uuid = header(event, 'Unique-ID');
        const waiting = uuid === undefined ? undefined : this.executionsByChannel.get(uuid);
        if (waiting && uuid !== undefined) {
          const err = new ChannelHungUpError(uuid, header(event, 'Hangup-Cause'));
          for (const appUuid of [...waiting]) this.executions.get(appUuid)?.op.reject(err);
        }
        break;
      }
      case 'HEARTBEAT':
        this.heartbeat = heartbeatInfo(event, this.clock.now());
        break;
    }
    this.events.push(event);
  }

  /**
   * Calls `listener` for every event named `name` (Event-Name, or the subclass of a CUSTOM event such as
   * 'sofia::register'); returns the function that unsubscribes it.
   */
  onEvent(name: string, listener: (event: EslEvent) => void): () => void {
    let set = this.named.get(name);
    if (!set) {
      set = new Set();
      this.named.set(name, set);
    }
    set.add(listener);
    return () => {
      const s = this.named.get(name);
      if (!s) return;
      s.delete(listener);
      if (s.size === 0) this.named.delete(name);
    };
  }

  private deliverEvent(event: EslEvent): void {
    this.safeEmit('event', event);
    const byName = this.named.get(event.name);
    if (byName) for (const l of [...byName]) this.safeCall(l, event);
    if (event.subclass) {
      const bySub = this.named.get(event.subclass);
      if (bySub) for (const l of [...bySub]) this.safeCall(l, event);
    }
  }

  /** emit() that isolates listeners from each other and from the client (a throwing listener is only logged). */
  private safeEmit<K extends keyof EslClientEvents>(name: K, ...args: EslClientEvents[K]): void {
    const listeners = this.rawListeners(name as never) as Array<(...a: unknown[]) => unknown>;
    for (const l of listeners) this.safeCall(l, ...args);
  }

  private safeCall(listener: (...a: never[]) => unknown, ...args: unknown[]): void {
    try {
      const result = (listener as (...a: unknown[]) => unknown).apply(this, args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        (result as Promise<unknown>).then(undefined, (err: unknown) => this.listenerFailed(err));
      }
    } catch (err) {
      this.listenerFailed(err);
    }
  }

  private listenerFailed(err: unknown): void {
    this.listenerErrorsSinceLog++;
    const now = this.clock.now();
    if (now - this.lastListenerErrorLogAt < 5000) return;
    this.lastListenerErrorLogAt = now;
    this.log.error('esl listener threw', { error: (err as Error)?.message ?? String(err), count: this.listenerErrorsSinceLog });
    this.listenerErrorsSinceLog = 0;
  }

  // ---- commands ------------------------------------------------------------------------------------------------

  /**
   * Creates an operation with its timeout (which counts from now, offline wait included) and writes the request now
   * or, when not ready, queues it for the next connection.
   */
  private issue<T>(
    label: string,
    timeoutMs: number | undefined,
    build: (op: Operation<T>) => Omit<Request, 'op'>,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new EslClosedError());
    return new Promise<T>((resolve, reject) => {
      const op = new Operation<T>(label, resolve, reject);
      const ms = timeoutMs ?? this.commandTimeoutMs;
      const req: Request = { ...build(op), op: op as AnyOperation };
      op.timer = this.clock.setTimeout(() => op.reject(new EslTimeoutError(label, ms)), ms);
      if (this.currentStatus === 'ready' && this.link) {
        this.write(this.link, req);
        return;
      }
      if (this.offline.length >= this.offlineQueueMax) {
        op.reject(new EslDisconnectedError(`esl not connected and the offline queue is full (${this.offlineQueueMax})`));
        return;
      }
      this.offline.push(req);
      op.onSettle(() => {
        const i = this.offline.indexOf(req);
        if (i >= 0) this.offline.splice(i, 1);
      });
    });
  }

  /** `api <cmd>`: blocks that FreeSWITCH connection while it runs; use bgapi for anything slow (originate!). */
  async api(cmd: FsCommand, opts: CommandOptions = {}): Promise<ApiReply> {
    const wire = apiCommand(cmd);
    return this.issue<ApiReply>(`api ${firstWord(cmd)}`, opts.timeoutMs, (op) => ({
      wire,
      onReply: (frame) => {
        // api/response carries the output; a command/reply here is FreeSWITCH refusing the api itself.
        const body = frame.headers['Content-Type'] === 'api/response' ? frame.body : (frame.headers['Reply-Text'] ?? '');
        op.resolve({ ok: isOk(body), body });
      },
    }));
  }

  /** `bgapi <cmd>` with our own Job-UUID; resolves with the BACKGROUND_JOB output. */
  async bgapi(cmd: FsCommand, opts: CommandOptions = {}): Promise<JobResult> {
    const jobUuid = randomUUID();
    const wire = bgapiCommand(cmd, jobUuid);
    return this.issue<JobResult>(`bgapi ${firstWord(cmd)}`, opts.timeoutMs, (op) => {
      this.jobs.set(jobUuid, op);
      op.onSettle(() => this.jobs.delete(jobUuid));
      return {
        wire,
        onReply: (frame) => {
          const text = frame.headers['Reply-Text'] ?? '';
          if (!text.startsWith('+OK')) op.reject(new EslCommandError(`bgapi ${firstWord(cmd)}`, text));
        },
      };
    });
  }

  /**
   * Runs a dialplan application on a channel (sendmsg execute, argument in the body) and resolves with its
   * CHANNEL_EXECUTE_COMPLETE, matched by our Event-UUID (= Application-UUID), never by application name: the
   * dialplan's own apps fire the same events. Fails with ChannelHungUpError if the channel hangs up first (no
   * EXECUTE_COMPLETE would come), EslCommandError on `-ERR invalid session id`, EslTimeoutError.
   */
  async execute(uuid: string, call: AppInvocation, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    const appUuid = randomUUID();
    const wire = executeCommand(uuid, call.app, call.arg, appUuid, opts.eventLock ?? false);
    const label = `execute ${call.app}`;
    return this.issue<ExecuteResult>(label, opts.timeoutMs, (op) => {
      this.executions.set(appUuid, { uuid, op });
      let waiting = this.executionsByChannel.get(uuid);
      if (!waiting) {
        waiting = new Set();
        this.executionsByChannel.set(uuid, waiting);
      }
      waiting.add(appUuid);
      op.onSettle(() => {
        this.executions.delete(appUuid);
        const w = this.executionsByChannel.get(uuid);
        w?.delete(appUuid);
        if (w && w.size === 0) this.executionsByChannel.delete(uuid);
      });
      return {
        wire,
        beforeWrite: (link) => this.retainChannelFilter(link, uuid, op as AnyOperation),
        onReply: (frame) => {
          const text = frame.headers['Reply-Text'] ?? '';
          if (!text.startsWith('+OK')) op.reject(new EslCommandError(label, text));
        },
      };
    });
  }

  /** Hangs a channel up (sendmsg call-command hangup). */
  async hangup(uuid: string, cause = 'NORMAL_CLEARING', opts: CommandOptions = {}): Promise<void> {
    const wire = hangupCommand(uuid, cause);
    return this.issue<void>('hangup', opts.timeoutMs, (op) => ({
      wire,
      onReply: (frame) => {
        const text = frame.headers['Reply-Text'] ?? '';
        if (text.startsWith('+OK')) op.resolve();
        else op.reject(new EslCommandError('hangup', text));
      },
    }));
  }

  /**
   * Adds events to the subscription (kept and replayed after reconnects). Resolves when FreeSWITCH acknowledged it,
   * or at once when not connected (the next connection subscribes to everything recorded).
   */
  async subscribe(events: string[]): Promise<void> {
    for (const e of events) assertEventName(e);
    const added = events.filter((e) => !this.subscriptions.has(e));
    for (const e of added) this.subscriptions.add(e);
    if (added.length === 0 || this.currentStatus !== 'ready') return;
    await this.setupCommand('event', eventCommand(added));
  }

  /**
   * Adds a filter (kept and replayed after reconnects). Once any filter exists FreeSWITCH delivers only matching
   * events; the client adds its own filters so that BACKGROUND_JOB, HEARTBEAT and execute()'s channels still arrive.
   */
  async filter(headerName: string, value: string): Promise<void> {
    assertFilter(headerName, value);
    const key = `${headerName}\0${value}`;
    if (this.userFilters.has(key)) return;
    const first = this.userFilters.size === 0;
    this.userFilters.set(key, [headerName, value]);
    if (this.currentStatus !== 'ready') return;
    const sends: Array<Promise<void>> = [];
    if (first) for (const [h, v] of INTERNAL_FILTERS) sends.push(this.setupCommand('filter', filterCommand(h, v)));
    sends.push(this.setupCommand('filter', filterCommand(headerName, value)));
    await Promise.all(sends);
  }

  private setupCommand(label: string, wire: string): Promise<void> {
    return this.issue<void>(label, undefined, (op) => ({
      wire,
      onReply: (frame) => {
        const text = frame.headers['Reply-Text'] ?? '';
        if (text.startsWith('+OK')) op.resolve();
        else op.reject(new EslCommandError(label, text));
      },
    }));
  }

  /**
   * With user filters active, execute()'s channel might be filtered out and its EXECUTE_COMPLETE / HANGUP never
   * seen: a `filter Unique-ID <uuid>` is held for the wait (reference counted per link, deleted after). Those
   * channel events then also reach the listeners.
   */
  private retainChannelFilter(link: Link, uuid: string, op: AnyOperation): void {
    if (this.userFilters.size === 0 || this.userFilters.has(`Unique-ID\0${uuid}`)) return;
    assertChannelId(uuid);
    const n = link.channelFilters.get(uuid) ?? 0;
    if (n === 0) this.sendSetup(link, filterCommand('Unique-ID', uuid), () => undefined);
    link.channelFilters.set(uuid, n + 1);
    op.onSettle(() => {
      if (link !== this.link) return;
      const left = (link.channelFilters.get(uuid) ?? 1) - 1;
      if (left > 0) {
        link.channelFilters.set(uuid, left);
        return;
      }
      link.channelFilters.delete(uuid);
      this.sendSetup(link, filterDeleteCommand('Unique-ID', uuid), () => undefined);
    });
  }
}

/** FreeSWITCH's failure convention for api output. */
function isOk(body: string): boolean {
  return !(body.startsWith('-ERR') || body.startsWith('-USAGE'));
}

/** Only the command name goes into error messages and logs: arguments can hold personal data. */
function firstWord(cmd: string): string {
  const sp = cmd.indexOf(' ');
  return sp < 0 ? cmd : cmd.slice(0, sp);
}
