import type { Socket } from 'node:net';
import type { EventFormat } from '../esl/types';
import type { Logger } from '../log/logger';
import { CommandReader, commandHeader, type EslCommand } from './command-reader';
import type { SimEvent } from './event';
import type { EventSink } from './event-bus';
import { writeFrame } from './event-serializer';
import { EVENT_NAMES, nameEvent } from './event-names';

/**
 * The `params` of a directory user that mod_event_socket's `userauth` reads (domain, group and user params merged,
 * the user's last): `esl-password`, `esl-allowed-api`, `esl-allowed-events`, `esl-allowed-log`, as written in XML.
 */
export interface EslDirectoryUser {
  'esl-password'?: string;
  'esl-allowed-api'?: string;
  'esl-allowed-events'?: string;
  'esl-allowed-log'?: string;
}

/** What a connection needs from the rest of the simulator. */
export interface EslBackend {
  readonly password: string;
  /** switch_xml_locate_user("id", user, domain): the user's params, or undefined when there is no such user. */
  directoryUser?(user: string, domain: string): EslDirectoryUser | undefined;
  /**
   * Runs an API command and calls `done` with its output, synchronously when it can. Long commands (originate)
   * call it later from a clock timer, so a VirtualClock run keeps exact timing.
   */
  api(command: string, args: string | undefined, done: (output: string) => void): void;
  /** Fires BACKGROUND_JOB for a finished bgapi. */
  backgroundJob(jobUuid: string, command: string, args: string | undefined, output: string): void;
  /** sendmsg: returns the reply text. */
  sendmsg(uuid: string, cmd: EslCommand): string;
  /** sendevent: fires the event, returns its Event-UUID. */
  sendevent(eventName: string, cmd: EslCommand): string;
  channelExists(uuid: string): boolean;
  getVar(uuid: string, name: string): string | undefined;
  newUuid(): string;
  /** Called when a connection ends. */
  detach(conn: EslConnection): void;
}

export interface ConnectionOptions {
  /** Events held for a slow reader before dropping (FS MAX_QUEUE_LEN). */
  maxQueue: number;
  /** Dropped events after which the listener is killed (FS MAX_MISSED). */
  maxMissed: number;
  /** Time allowed for `auth` (FS read_packet timeout of 25 s). */
  authTimeoutMs: number;
  setTimer: (cb: () => void, ms: number) => { cancel(): void };
  logger: Logger;
}

/** A batch Buffer is made at least this large, so that it can serve the batches after it (see takeBatch). */
const MIN_BATCH = 64 * 1024;
/** ...and kept for the next batch only up to this size (a batch holds up to 256 KB of frames, plus the last frame). */
const SPARE_BATCH_MAX = 320 * 1024;

/** Bytes Node may hold for a socket before its listener counts as a slow reader. */
const SOCKET_BUFFER = 1024 * 1024;

export const DISCONNECT_NOTICE =
  'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const RUDE_REJECTION = 'Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n';

const LOG_LEVELS: Record<string, number> = {
  console: 0,
  alert: 1,
  crit: 2,
  err: 3,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

/** switch_true(): what FreeSWITCH reads as true. */
function switchTrue(v: string): boolean {
  return /^(yes|on|true|t|enabled|active|allow|1)$/i.test(v) || (/^[0-9]+$/.test(v) && Number(v) > 0);
}

/** A `,`-separated list, or ` `-separated when it holds a space (parse_command's allowed list split). */
function allowedList(value: string): string[] {
  return value.split(value.includes(' ') ? ' ' : ',');
}

/** auth_api_command: these run another API named by their first argument, which must be allowed too. */
const SNEAKY_COMMANDS = ['bgapi', 'sched_api', 'eval', 'expand', 'xml_wrap'];

/** The restrictions a `userauth` login puts on a listener (absent for `auth`). */
interface UserauthLimits {
  /** allowed_api_hash (only when esl-allowed-api was given). Case-sensitive, as switch_core_hash_find is. */
  api?: Set<string>;
  /** LFLAG_AUTH_EVENTS: allowed_event_list (names) and, after CUSTOM, allowed_event_hash (subclasses). */
  events?: { names: Set<string>; all: boolean; subclasses: Set<string> };
}

/** switch_regex_perform's `/re/flags` form. */
function compileFilterRegex(expr: string): RegExp | undefined {
  let body = expr;
  let flags = '';
  if (body.startsWith('/')) {
    body = body.slice(1);
    const end = body.lastIndexOf('/');
    if (end >= 0) {
      const opts = body.slice(end + 1);
      body = body.slice(0, end);
      if (opts.includes('i')) flags += 'i';
      if (opts.includes('s')) flags += 's';
    }
  }
  try {
    return new RegExp(body, flags);
  } catch {
    return undefined;
  }
}

/**
 * One inbound Event Socket listener (mod_event_socket's listener_t): command parsing, replies, subscriptions,
 * filters and the per-connection event queue. Command handling follows parse_command's order of prefix checks.
 */
export class EslConnection implements EventSink {
  authed = false;
  format: EventFormat = 'plain';
  private eventsOn = false;
  private all = false;
  private readonly eventList = new Set<string>();
  private readonly customSubs = new Set<string>();
  /** null = no filter object yet; an empty list lets everything through (after `filter delete`). */
  private filters: Array<{ name: string; value: string; regex?: RegExp }> | null = null;
  private myevents = false;
  /** The session bound with `myevents <uuid>` (the inbound equivalent of an outbound socket's session). */
  private session?: string;
  private lingerSet = false;
  private logLevel = -1;
  /** LFLAG_ALLOW_LOG: set for every inbound listener, cleared by a userauth whose esl-allowed-log is false. */
  private allowLog = true;
  private limits: UserauthLimits = {};
  private readonly queue: SimEvent[] = [];
  private queueHead = 0;
  private lost = 0;
  private busy = false;
  private readonly pending: EslCommand[] = [];
  private closed = false;
  private backpressured = false;
  private flushScheduled = false;
  /** Set while a command runs: its replies are held (see send). */
  private holdingReplies = false;
  private readonly heldReplies: string[] = [];
  /** The last batch's Buffer when the socket no longer holds it (see takeBatch). */
  private spareBatch?: Buffer;
  private authTimer?: { cancel(): void };
  private readonly reader: CommandReader;
  readonly remote: string;

  constructor(
    private readonly socket: Socket,
    private readonly backend: EslBackend,
    private readonly opts: ConnectionOptions,
  ) {
    this.remote = `${socket.remoteAddress}:${socket.remotePort}`;
    this.reader = new CommandReader(
      (cmd) => this.enqueueCommand(cmd),
      (reason) => {
        opts.logger.warn('esl protocol error', { remote: this.remote, reason });
        this.end(true);
      },
    );
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (this.closed) return;
      this.reader.push(chunk);
      // Bytes of a partial command hold back events, as FS only sends them while its buffer is empty.
      if (!this.reader.midCommand) this.flush();
    });
    socket.on('drain', () => {
      this.backpressured = false;
      this.flush();
    });
    socket.on('error', () => this.end(false));
    socket.on('close', () => this.end(false));
  }

  start(): void {
    this.write('Content-Type: auth/request\n\n');
    this.authTimer = this.opts.setTimer(() => {
      if (!this.authed) this.end(true);
    }, this.opts.authTimeoutMs);
  }

  // ---- EventSink -------------------------------------------------------------------------------------------------

  wants(name: string, subclass: string | undefined): boolean {
    if (!this.eventsOn || this.closed) return false;
    if (this.all) return true;
    if (!this.eventList.has(name)) return false;
    return name !== 'CUSTOM' || !subclass || this.customSubs.has(subclass);
  }

  offer(event: SimEvent): void {
    if (!this.passesFilters(event)) return;
    if (this.myevents) {
      const uuid = event.get('unique-id');
      if (!uuid || (this.session && uuid !== this.session)) return;
    }
    if (this.queue.length - this.queueHead >= this.opts.maxQueue) {
      // FS: switch_queue_trypush fails, the event is lost; too many losses kill the listener.
      this.lost++;
      if (this.lost > this.opts.maxMissed) {
        this.opts.logger.warn('killed listener because of lost events', { remote: this.remote, lost: this.lost });
        this.end(false);
      }
      return;
    }
    if (this.lost) this.lost = 0;
    this.queue.push(event);
    // Coalesce: events fired in one burst (hupall, a timer tick) leave in a few large writes.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  private passesFilters(event: SimEvent): boolean {
    const filters = this.filters;
    if (!filters || filters.length === 0) return true;
    let send = false;
    for (const f of filters) {
      const hval = event.get(f.name);
      if (hval === undefined) continue;
      let pos = true;
      let i = 0;
      for (; i < f.value.length; i++) {
        const c = f.value[i];
        if (c === '+') pos = true;
        else if (c === '-') pos = false;
        else if (c !== ' ') break;
      }
      if (send && pos) continue;
      const compTo = f.value.slice(i);
      let cmp: boolean;
      if (f.value.startsWith('/')) {
        cmp = f.regex ? f.regex.test(hval) : false;
      } else {
        cmp = hval.toLowerCase() === compTo.toLowerCase();
      }
      if (cmp) {
        if (pos) send = true;
        else {
          send = false;
          break;
        }
      }
    }
    return send;
  }

  /** Number of events waiting to be written. */
  get queued(): number {
    return this.queue.length - this.queueHead;
  }

  // ---- output ----------------------------------------------------------------------------------------------------

  private write(data: string | Buffer): void {
    if (this.closed) return;
    // Node buffers writes; treat the socket as full (FS's queue starts filling) only past SOCKET_BUFFER bytes,
    // so a fast reader is not throttled by the 16 KB default high-water mark.
    if (!this.socket.write(data) && (this.socket.writableLength ?? 0) > SOCKET_BUFFER) this.backpressured = true;
  }

  /**
   * Text for the client: written at once, or, while a command runs, held until it is over so that its replies leave
   * in the same write as the events it fired (see flush). Either way nothing else goes out between a command's start
   * and its replies (events wait for the command, as they wait for FS's listener thread), so the bytes and their order
   * are the same; a write of its own per reply was a third of the socket writes.
   */
  private send(text: string): void {
    if (this.holdingReplies) this.heldReplies.push(text);
    else this.write(text);
  }

  /** The replies held so far, as one text (empty when none), and no longer held. */
  private takeReplies(): string {
    if (this.heldReplies.length === 0) return '';
    const text = this.heldReplies.join('');
    this.heldReplies.length = 0;
    return text;
  }

  private flush(): void {
    if (this.closed) return;
    // A command's replies go first, whether events may follow them or not.
    let replies = this.holdingReplies ? '' : this.takeReplies();
    const eventsMayGo = !this.busy && !this.reader.midCommand;
    while (eventsMayGo && this.queueHead < this.queue.length && !this.backpressured) {
      // A batch of frames leaves as one Buffer in one write: the frames' pieces (shared by every connection using
      // this format, see FrameParts) copied in, instead of one big string encoded again per connection.
      const replyBytes = replies.length > 0 ? Buffer.byteLength(replies, 'utf8') : 0;
      let bytes = replyBytes;
      let end = this.queueHead;
      while (end < this.queue.length && bytes < 256 * 1024) bytes += this.queue[end++]!.frameParts(this.format).bytes;
      const batch = this.takeBatch(bytes);
      let at = replyBytes > 0 ? batch.write(replies, 0, 'utf8') : 0;
      replies = '';
      while (this.queueHead < end) {
        const ev = this.queue[this.queueHead]!;
        this.queue[this.queueHead++] = undefined as unknown as SimEvent;
        at = writeFrame(ev.frameParts(this.format), batch, at);
      }
      this.write(batch.length === at ? batch : batch.subarray(0, at));
      // Written through to the kernel at once (nothing left in Node's queue): the Buffer is free for the next batch.
      if (!this.closed && this.socket.writableLength === 0 && batch.length <= SPARE_BATCH_MAX) this.spareBatch = batch;
    }
    if (replies.length > 0) this.write(replies);
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead > 4096) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /**
   * A Buffer of at least `bytes` for a batch: the last one when the socket let go of it (see flush). A new one per
   * batch was a large ArrayBuffer made and collected a few thousand times a second under load.
   */
  private takeBatch(bytes: number): Buffer {
    const spare = this.spareBatch;
    this.spareBatch = undefined;
    if (spare !== undefined && spare.length >= bytes) return spare;
    return Buffer.allocUnsafeSlow(Math.max(bytes, MIN_BATCH));
  }

  private reply(text: string): void {
    this.send(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);
  }

  /** Ends the connection; `notice` sends FS's disconnect notice first (normal listener exit). */
  end(notice: boolean): void {
    if (this.closed) return;
    const replies = this.takeReplies();
    if (replies) this.write(replies);
    if (notice) this.write(DISCONNECT_NOTICE);
    this.closed = true;
    this.authTimer?.cancel();
    this.queue.length = 0;
    this.queueHead = 0;
    this.backend.detach(this);
    if (notice) this.socket.end();
    else this.socket.destroy();
  }

  /** Closes without a notice (used by dropConnections to imitate a network failure). */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.authTimer?.cancel();
    this.backend.detach(this);
    this.socket.destroy();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- commands --------------------------------------------------------------------------------------------------

  private enqueueCommand(cmd: EslCommand): void {
    this.pending.push(cmd);
    if (!this.busy) void this.drain();
  }

  /** Commands run one at a time: a slow `api` blocks the connection like FS's single listener thread. */
  private async drain(): Promise<void> {
    while (this.pending.length && !this.closed) {
      const cmd = this.pending.shift()!;
      this.busy = true;
      this.holdingReplies = true;
      try {
        await this.handle(cmd);
      } catch (err) {
        this.opts.logger.error('esl command failed', { remote: this.remote, error: (err as Error).message });
        this.reply('-ERR command failed');
      } finally {
        this.busy = false;
        this.holdingReplies = false;
      }
      // The command's replies, then the events it fired, in one write.
      this.flush();
    }
  }

  private async handle(cmd: EslCommand): Promise<void> {
    const line = cmd.command;
    const lower = line.toLowerCase();

    if (lower.startsWith('exit') || lower.startsWith('...')) {
      this.reply('+OK bye');
      this.end(true);
      return;
    }

    if (!this.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.backend.password) {
          this.authed = true;
          this.authTimer?.cancel();
          this.reply('+OK accepted');
        } else {
          this.reply('-ERR invalid');
          this.end(true);
        }
        return;
      }
      if (lower.startsWith('userauth ')) return this.userauth(line.slice(9));
      this.reply('-ERR command not found');
      return;
    }

    if (lower.startsWith('filter ')) return this.reply(this.filterCommand(line.slice(7)));

    if (this.session && lower.startsWith('resume')) return this.reply('+OK');

    if (this.session || lower.startsWith('myevents ')) {
      if (lower.startsWith('getvar')) {
        const sp = line.indexOf(' ');
        const val = sp >= 0 ? (this.backend.getVar(this.session!, line.slice(sp + 1)) ?? '') : '';
        return this.reply(val);
      }
      if (lower.startsWith('myevents')) return this.reply(this.myeventsCommand(line));
    }

    if (lower.startsWith('divert_events')) {
      if (!this.session) return this.reply('-ERR not controlling a session.');
      const onoff = line.slice(13).trim();
      if (!onoff) return this.reply('-ERR missing value.');
      return this.reply(onoff.toLowerCase() === 'on' ? '+OK events diverted' : '+OK events not diverted');
    }

    if (lower.startsWith('sendmsg')) {
      let uuid: string | undefined = line.slice(7).trim();
      if (!uuid) uuid = commandHeader(cmd, 'session-id');
      if (!uuid && this.session) uuid = this.session;
      if (!uuid || !this.backend.channelExists(uuid)) return this.reply(`-ERR invalid session id [${uuid ?? ''}]`);
      return this.reply(this.backend.sendmsg(uuid, cmd));
    }

    if (lower.startsWith('sendevent')) {
      const name = line.slice(9).trim() || 'CUSTOM';
      return this.reply(`+OK ${this.backend.sendevent(name, cmd)}`);
    }

    if (lower.startsWith('api ')) {
      const rest = line.slice(4);
      if (!this.apiAllowed(rest)) return this.reply('-ERR permission denied');
      const sp = rest.indexOf(' ');
      const apiCmd = sp >= 0 ? rest.slice(0, sp) : rest;
      const arg = sp >= 0 ? rest.slice(sp + 1) : undefined;
      // The connection stays blocked until the command finishes, like FS's listener thread.
      let out = await new Promise<string>((resolve) => this.backend.api(apiCmd, arg, resolve));
      if (out.length === 0) out = '-ERR no reply\n';
      this.send(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(out, 'utf8')}\n\n${out}`);
      return;
    }

    if (lower.startsWith('bgapi ')) {
      const rest = line.slice(6);
      if (!this.apiAllowed(rest)) return this.reply('-ERR permission denied');
      const sp = rest.indexOf(' ');
      const apiCmd = sp >= 0 ? rest.slice(0, sp) : rest;
      const arg = sp >= 0 ? rest.slice(sp + 1) : undefined;
      const jobUuid = commandHeader(cmd, 'job-uuid') || this.backend.newUuid();
      // The reply is made before the job starts (and held replies leave ahead of any event), so it always precedes
      // BACKGROUND_JOB on this socket.
      this.send(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${jobUuid}\nJob-UUID: ${jobUuid}\n\n`);
      this.backend.api(apiCmd, arg, (out) => this.backend.backgroundJob(jobUuid, apiCmd, arg, out));
      return;
    }

    if (lower.startsWith('log')) {
      if (!this.allowLog) return this.reply('-ERR permission denied');
      const rest = line.slice(3);
      let levelS = rest;
      if (levelS.length) levelS = levelS.slice(1);
      let level = 7;
      if (levelS.length) {
        const n = /^\d+$/.test(levelS) ? parseInt(levelS, 10) : LOG_LEVELS[levelS.toLowerCase()];
        level = n === undefined || n > 7 ? -1 : n;
      }
      if (level < 0) return this.reply('-ERR invalid log level');
      this.logLevel = level;
      return this.reply(`+OK log level ${levelS} [${level}]`);
    }

    if (lower.startsWith('linger')) {
      if (!this.session) return this.reply('-ERR not controlling a session');
      this.lingerSet = true;
      const secs = line[6] === ' ' && line.length > 7 ? parseInt(line.slice(7), 10) : undefined;
      return this.reply(secs !== undefined ? `+OK will linger ${secs} seconds` : '+OK will linger');
    }

    if (lower.startsWith('nolinger')) {
      if (!this.session) return this.reply('-ERR not controlling a session');
      this.lingerSet = false;
      return this.reply('+OK will not linger');
    }

    if (lower.startsWith('nolog')) {
      if (this.logLevel >= 0) {
        this.logLevel = -1;
        return this.reply('+OK no longer logging');
      }
      return this.reply('-ERR not loging');
    }

    if (lower.startsWith('event')) return this.reply(this.eventCommand(line));
    if (lower.startsWith('nixevent')) return this.reply(this.nixeventCommand(line));

    if (lower.startsWith('noevents')) {
      this.queue.length = 0;
      this.queueHead = 0;
      if (this.eventsOn) {
        this.eventsOn = false;
        this.all = false;
        this.eventList.clear();
        this.customSubs.clear();
        return this.reply('+OK no longer listening for events');
      }
      return this.reply('-ERR not listening for events');
    }

    this.reply('-ERR command not found');
  }

  /**
   * mod_event_socket parse_command, `userauth user@domain:pass`: the user is looked up in the directory; with a
   * matching `esl-password` the listener is authed and limited by `esl-allowed-api` / `esl-allowed-events` /
   * `esl-allowed-log`, and the reply carries them as headers (`~Reply-Text: +OK accepted\nAllowed-Events: ...`).
   * Anything else answers `-ERR invalid` and ends the listener, like a wrong `auth`.
   */
  private userauth(arg: string): void {
    this.allowLog = false;
    let user = arg;
    let domain: string | undefined;
    let pass: string | undefined;
    const at = user.indexOf('@');
    if (at >= 0) {
      domain = user.slice(at + 1);
      user = user.slice(0, at);
      const colon = domain.indexOf(':');
      if (colon >= 0) {
        pass = domain.slice(colon + 1);
        domain = domain.slice(0, colon);
      }
    }
    const uc = user.indexOf(':');
    if (uc >= 0) {
      pass = user.slice(uc + 1);
      user = user.slice(0, uc);
    }
    const params = user && domain ? this.backend.directoryUser?.(user, domain) : undefined;
    const stored = params?.['esl-password'];
    if (!params || !stored || !pass || stored !== pass) {
      this.reply('-ERR invalid');
      this.end(true);
      return;
    }
    const allowedLog = params['esl-allowed-log'] === undefined ? true : switchTrue(params['esl-allowed-log']);
    const events = params['esl-allowed-events'];
    const api = params['esl-allowed-api'];
    if (events !== undefined) {
      const limit = { names: new Set<string>(), all: false, subclasses: new Set<string>() };
      let custom = false;
      for (const tok of allowedList(events)) {
        if (custom) limit.subclasses.add(tok);
        else {
          const name = nameEvent(tok);
          if (!name) continue;
          if (name === 'ALL') limit.all = true;
          limit.names.add(name);
          if (name === 'CUSTOM') custom = true;
        }
      }
      this.limits.events = limit;
    }
    if (api !== undefined) this.limits.api = new Set(allowedList(api));
    this.allowLog = allowedLog;
    this.authed = true;
    this.authTimer?.cancel();
    this.send(
      'Content-Type: command/reply\nReply-Text: +OK accepted\n' +
        `Allowed-Events: ${events ?? 'all'}\nAllowed-API: ${api ?? 'all'}\nAllowed-LOG: ${allowedLog ? 'true' : 'false'}\n\n`,
    );
  }

  /**
   * auth_api_command: the command (the text up to the first space) must be in esl-allowed-api; for bgapi, sched_api,
   * eval, expand and xml_wrap the command they wrap must be allowed too, word by word.
   */
  private apiAllowed(line: string): boolean {
    const allowed = this.limits.api;
    if (!allowed) return true;
    const words = line.split(' ');
    for (let i = 0; i < words.length; i++) {
      const cmd = words[i]!;
      if (!allowed.has(cmd)) return false;
      if (!SNEAKY_COMMANDS.includes(cmd.toLowerCase())) return true;
    }
    return true;
  }

  private filterCommand(rest: string): string {
    let headerName = rest.replace(/^ +/, '');
    let headerVal: string | undefined;
    const sp = headerName.indexOf(' ');
    if (sp >= 0) {
      headerVal = headerName.slice(sp + 1);
      headerName = headerName.slice(0, sp);
    }
    if (!this.filters) this.filters = [];
    if (headerName.toLowerCase() === 'delete' && headerVal !== undefined) {
      let name = headerVal;
      let val: string | undefined;
      const sp2 = name.indexOf(' ');
      if (sp2 >= 0) {
        val = name.slice(sp2 + 1);
        name = name.slice(0, sp2);
      }
      if (name.toLowerCase() === 'all') {
        this.filters = [];
      } else {
        const n = name.toLowerCase();
        this.filters = this.filters.filter(
          (f) => !(f.name.toLowerCase() === n && (val === undefined || f.value.toLowerCase() === val.toLowerCase())),
        );
      }
      return `+OK filter deleted. [${name}][${val ?? ''}]`;
    }
    if (headerVal !== undefined) {
      if (headerName.toLowerCase() === 'add') {
        const sp2 = headerVal.indexOf(' ');
        headerName = sp2 >= 0 ? headerVal.slice(0, sp2) : headerVal;
        headerVal = sp2 >= 0 ? headerVal.slice(sp2 + 1) : '';
      }
      // FS treats the value as a regex only when it starts with '/' (a +/- prefix makes it a plain compare).
      this.filters.push({
        name: headerName,
        value: headerVal,
        regex: headerVal.startsWith('/') ? compileFilterRegex(headerVal) : undefined,
      });
      return `+OK filter added. [${headerName}]=[${headerVal}]`;
    }
    return '-ERR invalid syntax';
  }

  private myeventsCommand(line: string): string {
    if (this.myevents) return '-ERR aready enabled.';
    if (!this.session) {
      const args = line.slice(9).trim().split(/ +/);
      const uuid = args[0] ?? '';
      const fmt = args[1];
      if (!this.backend.channelExists(uuid)) {
        if (fmt) return '-ERR invalid uuid';
      } else {
        this.session = uuid;
      }
      if (fmt) {
        const f = fmt.toLowerCase();
        if (f === 'plain' || f === 'json' || f === 'xml') this.format = f;
      }
    }
    for (const n of [
      'CHANNEL_ANSWER',
      'CHANNEL_APPLICATION',
      'CHANNEL_BRIDGE',
      'CHANNEL_CREATE',
      'CHANNEL_DATA',
      'CHANNEL_DESTROY',
      'CHANNEL_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE',
      'CHANNEL_HANGUP',
      'CHANNEL_HANGUP_COMPLETE',
      'CHANNEL_ORIGINATE',
      'CHANNEL_UUID',
      'CHANNEL_OUTGOING',
      'CHANNEL_PARK',
      'CHANNEL_PROGRESS',
      'CHANNEL_PROGRESS_MEDIA',
      'CHANNEL_STATE',
      'CHANNEL_UNBRIDGE',
      'CHANNEL_UNPARK',
      'DETECTED_SPEECH',
      'DTMF',
      'NOTALK',
      'TALK',
    ]) {
      this.eventList.add(n);
    }
    this.myevents = true;
    this.eventsOn = true;
    if (/xml/i.test(line)) this.format = 'xml';
    if (/json/i.test(line)) this.format = 'json';
    return '+OK Events Enabled';
  }

  private eventCommand(line: string): string {
    const sp = line.indexOf(' ', 5);
    let keyCount = 0;
    let custom = false;
    if (sp >= 0) {
      const tokens = line.slice(sp + 1).split(' ');
      for (let count = 0; count < tokens.length; count++) {
        const tok = tokens[count]!;
        if (count === 0) {
          const f = tok.toLowerCase();
          if (f === 'xml' || f === 'plain' || f === 'json') {
            this.format = f;
            continue;
          }
        }
        const limit = this.limits.events;
        if (custom) {
          // A subclass not in esl-allowed-events is refused (an empty limit list of subclasses refuses them all).
          if (limit && !limit.subclasses.has(tok)) return '-ERR permission denied';
          if (tok) this.customSubs.add(tok);
          continue;
        }
        const name = nameEvent(tok);
        if (!name) continue;
        if (limit && !limit.all && !limit.names.has(name)) return '-ERR permission denied';
        keyCount++;
        if (name === 'ALL') this.all = true;
        this.eventList.add(name);
        if (name === 'CUSTOM') custom = true;
      }
    }
    if (!keyCount) return '-ERR no keywords supplied';
    this.eventsOn = true;
    return `+OK event listener enabled ${this.format}`;
  }

  private nixeventCommand(line: string): string {
    const sp = line.indexOf(' ', 5);
    let keyCount = 0;
    let custom = false;
    if (sp >= 0) {
      for (const tok of line.slice(sp + 1).split(' ')) {
        if (custom) {
          this.customSubs.delete(tok);
          continue;
        }
        const name = nameEvent(tok);
        if (!name) continue;
        keyCount++;
        if (name === 'CUSTOM') custom = true;
        else if (name === 'ALL') {
          this.all = false;
          this.eventList.clear();
        } else {
          if (this.all) {
            // Un-subscribing one name from ALL turns ALL into "every name" minus this one.
            this.all = false;
            for (const n of EVENT_NAMES) if (n !== 'ALL') this.eventList.add(n);
          }
          this.eventList.delete(name);
        }
      }
    }
    if (!keyCount) return '-ERR no keywords supplied';
    this.eventsOn = true;
    return '+OK events nixed';
  }

  /** For tests and the control API. */
  describe(): { remote: string; authed: boolean; format: EventFormat; queued: number; linger: boolean } {
    return { remote: this.remote, authed: this.authed, format: this.format, queued: this.queued, linger: this.lingerSet };
  }
}
