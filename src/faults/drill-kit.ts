/** What the fault drills (./failover.ts, ./db-outage.ts, ./esl-drop.ts) share: waiting, the API as an admin, the database. */
import { ApiKeyService } from '../auth/api-keys';
import { createDataSource } from '../db/data-source';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it gives a value (not undefined/false), or fails naming `what` after timeoutMs. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
}

/** The DataSource settings of a DATABASE_URL (mysql://, mariadb:// or sqlite:<file>). */
export function databaseConfig(url: string): { type: 'mysql'; url: string } | { type: 'sqlite'; file: string } {
  return url.startsWith('sqlite:') ? { type: 'sqlite', file: url.slice('sqlite:'.length).replace(/^\/\//, '') } : { type: 'mysql', url };
}

/** Stores `key` (the one in the switch's xml_cdr.conf.xml) as an admin API key in the drill's database. */
export async function storeApiKey(databaseUrl: string, key: string): Promise<string> {
  const ds = createDataSource(databaseConfig(databaseUrl), { poolSize: 1 });
  await ds.initialize();
  try {
    return (await new ApiKeyService(ds).create({ name: 'mod_xml_cdr', role: 'admin', created_by: null }, { key })).key;
  } finally {
    await ds.destroy();
  }
}

/**
 * What mod_xml_cdr gave up on (its err-log-dir documents) loaded as `npm run cdr:import` does, through the same
 * route; returns how many the service refused.
 */
export async function importErrLog(serviceUrl: string, credentials: string, docs: readonly string[]): Promise<number> {
  let refused = 0;
  for (const doc of docs) {
    const res = await fetch(`${serviceUrl}/freeswitch/xml-cdr`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(credentials).toString('base64')}` },
      body: `cdr=${encodeURIComponent(doc)}`,
    });
    if (res.status !== 200) refused++;
  }
  return refused;
}

/** CDR rows per leg uuid in the drill's database: how many legs of `legs` have none, or more than one. */
export function cdrTally(rows: ReadonlyArray<{ uuid: string; n: number | string }>, legs: Iterable<string>): { cdrs: number; lost: string[]; duplicated: string[] } {
  const count = new Map(rows.map((r) => [r.uuid, Number(r.n)]));
  const lost: string[] = [];
  const duplicated: string[] = [];
  for (const uuid of legs) {
    const n = count.get(uuid) ?? 0;
    if (n === 0) lost.push(uuid);
    if (n > 1) duplicated.push(uuid);
  }
  return { cdrs: rows.reduce((sum, r) => sum + Number(r.n), 0), lost, duplicated };
}

/** The service's API as the drill's admin uses it (configuration, live figures), over HTTP like anyone's. */
export class DrillApi {
  private token = '';
  constructor(
    private base: string,
    private readonly admin: { username: string; password: string },
  ) {}

  use(base: string): void {
    this.base = base;
  }

  async login(): Promise<void> {
    const res = await fetch(`${this.base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.admin) });
    if (res.status !== 200) throw new Error(`login: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { token: string }).token;
  }

  async call<T = unknown>(method: string, pathname: string, json?: unknown): Promise<{ status: number; body: T }> {
    const res = await fetch(`${this.base}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  async ok<T = unknown>(method: string, pathname: string, json?: unknown): Promise<T> {
    const r = await this.call<T>(method, pathname, json);
    if (r.status >= 300) throw new Error(`${method} ${pathname}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** A queue, a flow answering into it on `did`, and `extensions.length` agents logged in to it; their ids. */
  async callCenter(queue: string, did: string, extensions: string[], queueSettings: Record<string, unknown> = {}): Promise<number[]> {
    const flow = { name: `${queue}-flow`, timeZone: 'UTC', start: 'answer', nodes: { answer: { type: 'answer', next: 'q' }, q: { type: 'queue', queue } } };
    await this.ok('POST', '/api/v1/acd/queues', { name: queue, strategy: 'longest_idle', wrapUpSec: 1, offerTimeoutSec: 10, serviceLevelSec: 20, announceIntervalSec: 0, ...queueSettings });
    await this.ok('POST', '/api/v1/ivr/flows', { document: flow });
    await this.ok('PUT', `/api/v1/ivr/dids/${did}`, { flow: flow.name });
    const ids: number[] = [];
    for (const [i, ext] of extensions.entries()) {
      const user = await this.ok<{ id: number }>('POST', '/api/v1/users', { username: `${queue}-agent${i}`, password: 'drill-agent-password-1', role: 'agent' });
      const agent = await this.ok<{ id: number }>('POST', '/api/v1/acd/agents', { user_id: user.id, extension: ext, queues: [{ queue, tier: 1 }] });
      await this.ok('POST', `/api/v1/acd/agents/${agent.id}/state`, { action: 'login' });
      ids.push(agent.id);
    }
    return ids;
  }
}
