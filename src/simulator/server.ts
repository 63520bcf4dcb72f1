import { createServer, type Server, type Socket } from 'node:net';
import { isIPv4 } from 'node:net';
import type { Logger } from '../log/logger';
import { EslConnection, RUDE_REJECTION, DISCONNECT_NOTICE, type ConnectionOptions, type EslBackend } from './connection';

/** IPv4 address -> 32-bit number. */
function v4(addr: string): number {
  return addr.split('.').reduce((acc, p) => (acc << 8) + (Number(p) & 255), 0) >>> 0;
}

/** One ACL entry: an address, a CIDR, or FreeSWITCH's automatic lists. */
function entryAllows(entry: string, addr: string): boolean {
  const e = entry.trim().toLowerCase();
  if (e === 'any' || e === '0.0.0.0/0') return true;
  if (e === 'loopback.auto') return addr === '::1' || (isIPv4(addr) && addr.startsWith('127.'));
  if (e === 'localnet.auto' || e === 'rfc1918.auto') {
    return (
      isIPv4(addr) &&
      (addr.startsWith('10.') || addr.startsWith('192.168.') || /^172\.(1[6-9]|2\d|3[01])\./.test(addr) || addr.startsWith('127.'))
    );
  }
  const slash = e.indexOf('/');
  if (slash > 0 && isIPv4(e.slice(0, slash)) && isIPv4(addr)) {
    const bits = Number(e.slice(slash + 1));
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (v4(addr) & mask) === (v4(e.slice(0, slash)) & mask);
  }
  return e === addr;
}

/** True when the remote address passes the allow-list (no list = everyone). */
export function aclAllows(acl: string[] | undefined, remote: string | undefined): boolean {
  if (!acl || acl.length === 0) return true;
  const addr = (remote ?? '').replace(/^::ffff:/, '');
  return acl.some((entry) => entryAllows(entry, addr));
}

/**
 * The Event Socket TCP listener (mod_event_socket's runtime): ACL check, then one EslConnection per socket.
 */
export class EslServer {
  private readonly server: Server;
  readonly connections = new Set<EslConnection>();
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly backendFor: (detach: (c: EslConnection) => void) => EslBackend,
    private readonly connOpts: ConnectionOptions,
    private readonly acl: string[] | undefined,
    private readonly logger: Logger,
    private readonly onConnection: (c: EslConnection) => void,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    if (!aclAllows(this.acl, socket.remoteAddress)) {
      this.logger.warn('esl connection rejected by acl', { remote: socket.remoteAddress });
      // FS: rude rejection, then the normal disconnect notice, then close.
      socket.end(RUDE_REJECTION + DISCONNECT_NOTICE);
      return;
    }
    const backend = this.backendFor((c) => this.connections.delete(c));
    const conn = new EslConnection(socket, backend, this.connOpts);
    this.connections.add(conn);
    this.onConnection(conn);
    conn.start();
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : port);
      });
    });
  }

  /** Cuts every connection without a notice (a network failure, for reconnect tests). */
  dropAll(): number {
    const n = this.connections.size;
    for (const c of [...this.connections]) c.drop();
    for (const s of [...this.sockets]) s.destroy();
    return n;
  }

  /**
   * The process goes away for `downMs` (a FreeSWITCH restart): every connection cut, the port closed (connects are
   * refused), then it listens on the same port again.
   */
  goAway(downMs: number, port: number, host: string): Promise<void> {
    this.dropAll();
    return new Promise((resolve, reject) => {
      this.server.close(() => {
        setTimeout(() => {
          this.listen(port, host).then(() => resolve(), reject);
        }, downMs);
      });
    });
  }

  close(): Promise<void> {
    for (const c of [...this.connections]) c.drop();
    for (const s of [...this.sockets]) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
