import { createServer, type Server, type Socket } from 'node:net';
import { CommandReader, type EslCommand } from '../../src/simulator';

/**
 * A scriptable mod_event_socket stand-in for client tests: it speaks the handshake and replies like FreeSWITCH by
 * default, records every command per connection, and lets a test override any command or push raw bytes. Commands
 * are parsed with the simulator's CommandReader (FreeSWITCH's read_packet rules).
 */
export const DISCONNECT_NOTICE =
  'Content-Type: text/disconnect-notice\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';
export const RUDE_REJECTION = 'Content-Type: text/rude-rejection\nContent-Length: 24\n\nAccess Denied, go away.\n';

export const reply = (text: string, extra = ''): string => `Content-Type: command/reply\nReply-Text: ${text}\n${extra}\n`;
export const apiResponse = (body: string): string =>
  `Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`;
export const jsonEvent = (headers: Record<string, string>, body?: string): string => {
  const obj: Record<string, string> = { ...headers };
  if (body !== undefined) {
    obj['Content-Length'] = String(Buffer.byteLength(body));
    obj._body = body;
  }
  const text = JSON.stringify(obj);
  return `Content-Length: ${Buffer.byteLength(text)}\nContent-Type: text/event-json\n\n${text}`;
};

export class FakeConnection {
  readonly commands: EslCommand[] = [];
  authed = false;
  constructor(readonly socket: Socket) {}
  send(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }
  /** Command lines received, e.g. ['auth ClueCon', 'event json ALL']. */
  get lines(): string[] {
    return this.commands.map((c) => c.command);
  }
}

/** Returns true when it handled the command (the default reply is then skipped). */
export type CommandHook = (conn: FakeConnection, cmd: EslCommand) => boolean | void;

export class FakeEslServer {
  readonly connections: FakeConnection[] = [];
  password = 'ClueCon';
  /** What a new connection gets first (default: the auth request). Set to a rude rejection to imitate the ACL. */
  greeting = 'Content-Type: auth/request\n\n';
  hook?: CommandHook;
  port = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor() {
    this.server = createServer((socket) => this.accept(socket));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', () => resolve()));
    const addr = this.server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : 0;
    return this;
  }

  get last(): FakeConnection {
    return this.connections[this.connections.length - 1]!;
  }

  /** Cuts every connection (a network failure). */
  killAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.killAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const conn = new FakeConnection(socket);
    this.connections.push(conn);
    const reader = new CommandReader((cmd) => {
      conn.commands.push(cmd);
      if (this.hook?.(conn, cmd)) return;
      this.defaultReply(conn, cmd);
    });
    socket.on('data', (d: Buffer) => reader.push(d));
    if (this.greeting === RUDE_REJECTION) {
      socket.end(RUDE_REJECTION + DISCONNECT_NOTICE);
      return;
    }
    socket.write(this.greeting);
  }

  private defaultReply(conn: FakeConnection, cmd: EslCommand): void {
    const line = cmd.command;
    if (line.startsWith('auth ')) {
      if (line.slice(5) === this.password) {
        conn.authed = true;
        conn.send(reply('+OK accepted'));
      } else {
        conn.send(reply('-ERR invalid') + DISCONNECT_NOTICE);
        conn.socket.end();
      }
    } else if (line.startsWith('event ')) conn.send(reply('+OK event listener enabled json'));
    else if (line.startsWith('filter delete')) conn.send(reply('+OK filter deleted.'));
    else if (line.startsWith('filter ')) conn.send(reply(`+OK filter added. [${line.slice(7)}]`));
    else if (line.startsWith('api ')) conn.send(apiResponse(`echo:${line.slice(4)}`));
    else if (line === 'exit') {
      conn.send(reply('+OK bye') + DISCONNECT_NOTICE);
      conn.socket.end();
    } else conn.send(reply('+OK'));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function waitFor(pred: () => boolean, maxMs = 3000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > maxMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}
