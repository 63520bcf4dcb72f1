/**
 * The http action: a CRM dip. Only http/https, a hard timeout (AbortController), a bounded response, JSON only;
 * the mapped fields come back as strings keyed by the call variable they go to.
 */
import type { Clock } from '../../clock/clock';
import type { IvrAction, IvrInput } from '../protocol';

type HttpAction = Extract<IvrAction, { kind: 'http' }>;

export const MAX_HTTP_RESPONSE_BYTES = 64 * 1024;
/** Longest value kept from a response field. */
export const MAX_HTTP_VALUE_LENGTH = 256;

export interface HttpLookupDeps {
  fetch: typeof fetch;
  clock: Clock;
  /** Aborted when the caller hangs up. */
  signal: AbortSignal;
}

/** Reads `a.b.0.c` (an optional leading `$.` is ignored) from a parsed JSON value. */
export function jsonPath(value: unknown, path: string): unknown {
  const parts = path.replace(/^\$\.?/, '').split('.').filter((p) => p.length > 0);
  let cur: unknown = value;
  for (const p of parts) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) {
      if (!/^[0-9]+$/.test(p)) return undefined;
      cur = cur[Number(p)];
    } else if (typeof cur === 'object') {
      if (!Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
      cur = (cur as Record<string, unknown>)[p];
    } else {
      return undefined;
    }
  }
  return cur;
}

function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v.slice(0, MAX_HTTP_VALUE_LENGTH);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

async function readBounded(res: Response, max: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      throw new Error(`response larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function httpLookup(action: HttpAction, deps: HttpLookupDeps): Promise<IvrInput> {
  let url: URL;
  try {
    url = new URL(action.url);
  } catch {
    return { kind: 'http', ok: false, values: {}, error: 'not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { kind: 'http', ok: false, values: {}, error: `only http and https URLs are fetched, not ${url.protocol}` };
  }
  if (url.username || url.password) return { kind: 'http', ok: false, values: {}, error: 'credentials in the URL are not accepted' };
  const timeout = new AbortController();
  const timer = deps.clock.setTimeout(() => timeout.abort(), Math.max(1, action.timeoutMs));
  const signal = AbortSignal.any([deps.signal, timeout.signal]);
  try {
    const init: RequestInit = { method: action.method, signal, redirect: 'error', headers: { accept: 'application/json' } };
    if (action.method === 'GET') {
      for (const [k, v] of Object.entries(action.params)) url.searchParams.set(k, v);
    } else {
      init.body = JSON.stringify(action.params);
      init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    }
    const res = await deps.fetch(url, init);
    const text = await readBounded(res, MAX_HTTP_RESPONSE_BYTES);
    if (!res.ok) return { kind: 'http', ok: false, status: res.status, values: {}, error: `HTTP ${res.status}` };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'http', ok: false, status: res.status, values: {}, error: 'response is not JSON' };
    }
    const values: Record<string, string> = {};
    for (const [path, variable] of Object.entries(action.map)) {
      const v = asText(jsonPath(body, path));
      if (v !== undefined) values[variable] = v;
    }
    return { kind: 'http', ok: true, status: res.status, values };
  } catch (err) {
    const error = timeout.signal.aborted ? `timed out after ${action.timeoutMs} ms` : deps.signal.aborted ? 'caller hung up' : (err as Error).message;
    return { kind: 'http', ok: false, values: {}, error };
  } finally {
    timer.cancel();
  }
}
