/**
 * Which SIP users have a phone registered, per node, kept from sofia's CUSTOM events (sofia::register /
 * sofia::unregister / sofia::expire) and re-read from `show registrations as json` at every (re)connection and
 * after the node's event queue dropped events, so an event missed while the socket was down (or dropped in a storm)
 * cannot leave a phone marked wrongly.
 *
 * A user may register several devices: each registration is keyed by its SIP Call-ID, and the user counts as
 * registered while one is left. Users are matched by name only (not realm): one domain per site is the norm.
 * Before a node's first list arrives its users are unknown (isRegistered answers undefined), so nobody is skipped
 * on a guess.
 */
import type { EslClient } from '../esl/client';
import { header, type EslEvent } from '../esl/types';
import { showRegistrationsJson } from '../freeswitch';
import type { Logger } from '../log/logger';

export interface RegistrationClusterLike {
  client(node: string): EslClient;
  onEvent(listener: (node: string, event: EslEvent) => void): () => void;
  onStatus(listener: (node: string, status: string, epoch: number) => void): () => void;
  /** Events of a node were dropped (its event queue overflowed): re-read as after a reconnect. */
  onResync?(listener: (node: string) => void): () => void;
}

/** Called after any change of what is known (a user registered or not, a node's list re-read). */
export type RegistrationListener = () => void;

/** Registrations of one node: user -> Call-IDs (the empty string when an event carried none). */
type NodeRegistrations = Map<string, Set<string>>;

export class PhoneRegistrations {
  private readonly nodes = new Map<string, NodeRegistrations>();
  private readonly listeners = new Set<RegistrationListener>();
  private readonly offs: Array<() => void> = [];
  private readonly log: Logger;

  constructor(
    private readonly cluster: RegistrationClusterLike,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'phones' });
    this.offs.push(
      cluster.onEvent((node, event) => this.onEvent(node, event)),
      cluster.onStatus((node, status) => {
        if (status === 'ready') void this.reload(node);
      }),
    );
    const offResync = cluster.onResync?.((node) => void this.reload(node));
    if (offResync) this.offs.push(offResync);
  }

  /** true / false once some node's list is known; undefined before that. */
  isRegistered(user: string): boolean | undefined {
    if (!this.nodes.size) return undefined;
    for (const regs of this.nodes.values()) if (regs.get(user)?.size) return true;
    return false;
  }

  /** Registered users (all nodes). */
  users(): string[] {
    const out = new Set<string>();
    for (const regs of this.nodes.values()) for (const [u, ids] of regs) if (ids.size) out.add(u);
    return [...out].sort();
  }

  onChange(listener: RegistrationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
    this.listeners.clear();
  }

  /** Re-reads one node's registrations (at every connection). */
  async reload(node: string): Promise<void> {
    let body: string;
    try {
      body = (await this.cluster.client(node).api(showRegistrationsJson())).body;
    } catch (err) {
      this.log.warn('cannot read the registrations; phones are tracked from events only', { node, error: (err as Error).message });
      return;
    }
    const rows = parseRegistrations(body);
    if (!rows) {
      this.log.warn('unexpected reply to show registrations', { node, reply: body.slice(0, 200) });
      return;
    }
    const regs: NodeRegistrations = new Map();
    for (const r of rows) {
      let ids = regs.get(r.user);
      if (!ids) regs.set(r.user, (ids = new Set()));
      ids.add(r.callId);
    }
    this.nodes.set(node, regs);
    this.emit();
  }

  private onEvent(node: string, event: EslEvent): void {
    if (event.name !== 'CUSTOM') return;
    const sub = event.subclass;
    if (sub !== 'sofia::register' && sub !== 'sofia::unregister' && sub !== 'sofia::expire') return;
    const user = header(event, 'from-user') ?? header(event, 'user') ?? header(event, 'username');
    if (!user) return;
    const callId = header(event, 'call-id') ?? '';
    let regs = this.nodes.get(node);
    if (!regs) this.nodes.set(node, (regs = new Map()));
    let ids = regs.get(user);
    if (sub === 'sofia::register') {
      if (!ids) regs.set(user, (ids = new Set()));
      ids.add(callId);
    } else if (ids) {
      // An unregister without a Call-ID (or of an unknown one) ends every registration of that user on this node.
      if (callId && ids.has(callId)) ids.delete(callId);
      else ids.clear();
    }
    this.emit();
  }

  private emit(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.log.error('registration listener failed', { error: (err as Error).message });
      }
    }
  }
}

/** Rows of `show registrations as json` (`{"row_count": 0}` when there are none); null when it is not that reply. */
export function parseRegistrations(body: string): Array<{ user: string; realm: string; callId: string }> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return null;
  }
  if (!doc || typeof doc !== 'object' || typeof (doc as { row_count?: unknown }).row_count !== 'number') return null;
  const rows = (doc as { rows?: unknown }).rows;
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) return null;
  const out: Array<{ user: string; realm: string; callId: string }> = [];
  for (const r of rows) {
    if (!r || typeof r !== 'object') continue;
    const row = r as Record<string, unknown>;
    if (typeof row.reg_user !== 'string' || !row.reg_user) continue;
    out.push({ user: row.reg_user, realm: typeof row.realm === 'string' ? row.realm : '', callId: typeof row.token === 'string' ? row.token : '' });
  }
  return out;
}
