/**
 * The console's live feed: the ACD WebSocket (/api/v1/acd/ws, src/acd/live.ts) with the user's token offered as a
 * sub-protocol (`bearer.<jwt>`), so it never appears in a URL or a log.
 *
 * Nothing is lost when the connection drops: every message carries `seq` (1 = hello on each connection). A message
 * whose seq is not the last + 1 means messages were missed, and every `hello` (first connect or reconnect) brings
 * a fresh snapshot; in both cases subscribers get a `resync` and re-fetch what they show from the REST API.
 * Reconnects back off from 0.5 s to 10 s (jittered), at once when the browser comes back online. A handshake without
 * hello in 10 s, or a connection silent for two heartbeats despite the client's pings, is dropped and retried.
 */

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveMessage {
  seq: number;
  type: string;
  at: string;
  [field: string]: unknown;
}

type MessageListener = (m: LiveMessage) => void;
type StatusListener = (s: LiveStatus) => void;
type ResyncListener = (reason: 'hello' | 'gap') => void;

const PROTOCOL = 'switchboard.v1';
const PATH = '/api/v1/acd/ws';
/** A connection that has not said hello by then is given up and tried again (a handshake stuck behind a proxy). */
const HELLO_TIMEOUT_MS = 10_000;

export class LiveConnection {
  private ws: WebSocket | null = null;
  private lastSeq = 0;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private helloTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private statusValue: LiveStatus = 'connecting';
  private readonly messageListeners = new Set<MessageListener>();
  private readonly statusListeners = new Set<StatusListener>();
  private readonly resyncListeners = new Set<ResyncListener>();
  /** The last hello (role, agent_id, snapshot). */
  hello: LiveMessage | null = null;

  constructor(
    private readonly token: () => string | null,
    private readonly onTokenRejected: () => void,
  ) {}

  get status(): LiveStatus {
    return this.statusValue;
  }

  start(): void {
    this.stopped = false;
    window.addEventListener('online', this.retryNow);
    this.open();
  }

  /** The browser is back online: try now rather than at the end of the backoff. */
  private readonly retryNow = (): void => {
    if (this.stopped || !this.retryTimer) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.open();
  };

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.retryNow);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.clearTimers();
    this.ws?.close(1000, 'signed out');
    this.ws = null;
    this.setStatus('closed');
  }

  onMessage(fn: MessageListener): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
  }

  onStatus(fn: StatusListener): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  onResync(fn: ResyncListener): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  private open(): void {
    const t = this.token();
    if (!t || this.stopped) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${PATH}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url, [PROTOCOL, `bearer.${t}`]);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    this.lastSeq = 0;
    this.clearTimers();
    this.helloTimer = setTimeout(() => this.ws === ws && this.abandon(ws), HELLO_TIMEOUT_MS);
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (this.stopped) return;
      // 4001: the token expired or was revoked; 1008 / 4003 likewise refuse these credentials.
      if (ev.code === 4001 || ev.code === 4003 || ev.code === 1008) {
        this.setStatus('closed');
        this.onTokenRejected();
        return;
      }
      this.scheduleRetry();
    };
  }

  /** Drops a connection that stopped answering and connects again (its close event is ignored). */
  private abandon(ws: WebSocket): void {
    this.ws = null;
    this.clearTimers();
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      /* already closed */
    }
    if (!this.stopped) this.scheduleRetry();
  }

  private clearTimers(): void {
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.helloTimer = null;
    this.pingTimer = null;
  }

  /**
   * After hello: a ping every heartbeat interval (the server answers pong). A connection that has been silent for two
   * intervals is dead even if the browser has not noticed (a half-open TCP connection through NAT): reconnect.
   */
  private watch(ws: WebSocket, heartbeatSec: number): void {
    const every = Math.max(5, heartbeatSec) * 1000;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    this.helloTimer = null;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (this.ws !== ws) return;
      if (Date.now() - this.lastHeard > 2 * every) return this.abandon(ws);
      try {
        ws.send(JSON.stringify({ type: 'ping' }));
      } catch {
        this.abandon(ws);
      }
    }, every);
  }

  private scheduleRetry(): void {
    this.setStatus('reconnecting');
    const delay = Math.min(10_000, 500 * 2 ** Math.min(this.attempt, 5)) * (0.75 + Math.random() * 0.5);
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.open();
    }, delay);
  }

  private receive(data: unknown): void {
    let m: LiveMessage;
    try {
      m = JSON.parse(String(data)) as LiveMessage;
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string') return;
    this.lastHeard = Date.now();
    const gap = typeof m.seq === 'number' && this.lastSeq !== 0 && m.seq !== this.lastSeq + 1;
    if (typeof m.seq === 'number') this.lastSeq = m.seq;
    if (m.type === 'hello') {
      this.hello = m;
      this.attempt = 0;
      if (this.ws) this.watch(this.ws, typeof m.heartbeat_sec === 'number' ? m.heartbeat_sec : 30);
      this.setStatus('live');
      for (const fn of this.resyncListeners) fn('hello');
    } else if (gap) {
      for (const fn of this.resyncListeners) fn('gap');
    }
    for (const fn of this.messageListeners) fn(m);
  }

  private setStatus(s: LiveStatus): void {
    if (s === this.statusValue) return;
    this.statusValue = s;
    for (const fn of this.statusListeners) fn(s);
  }
}
