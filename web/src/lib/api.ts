/**
 * The console's one way to the API: same origin, the bearer token held in memory only (never localStorage, so a
 * script injected into the page could not read a stored token later, and a closed tab forgets it). Errors are the
 * API's RFC 9457 problem details, thrown as ApiError so pages show the API's own message.
 */

export interface ProblemField {
  location?: string;
  field?: string;
  pointer?: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  errors?: ProblemField[];
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${problem.status}`);
  }
  get status(): number {
    return this.problem.status;
  }
  /** Field errors by field name (`nodes.menu.next` etc.), for forms that show them in place. */
  fieldErrors(): ProblemField[] {
    return this.problem.errors ?? [];
  }
}

type Listener = () => void;

let token: string | null = null;
const unauthorizedListeners = new Set<Listener>();

export function setToken(t: string | null): void {
  token = t;
}

export function currentToken(): string | null {
  return token;
}

/** Called when the API answers 401 for a signed-in user (expired or revoked token): the app returns to the login. */
export function onUnauthorized(fn: Listener): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body (CSV uploads); sent as is with this content type. */
  raw?: { contentType: string; data: BodyInit };
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

async function send(method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json, text/csv' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: BodyInit | undefined;
  if (opts.raw) {
    headers['content-type'] = opts.raw.contentType;
    body = opts.raw.data;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, signal: opts.signal, credentials: 'omit' });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError({ status: 0, title: 'Network error', detail: 'the service could not be reached; check the connection' });
  }
  if (!res.ok) {
    let problem: Problem;
    try {
      problem = (await res.json()) as Problem;
      if (typeof problem !== 'object' || problem === null) throw new Error('not a problem');
      problem.status = res.status;
    } catch {
      problem = { status: res.status, title: res.statusText, detail: `${method} ${path} failed with HTTP ${res.status}` };
    }
    if (res.status === 401 && token) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(problem);
  }
  return res;
}

/** JSON request; resolves to the parsed body (undefined for 204). */
export async function api<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) return (await res.text()) as T;
  return (await res.json()) as T;
}

export const get = <T = unknown>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> => api<T>('GET', path, { query, signal });
export const post = <T = unknown>(path: string, body?: unknown): Promise<T> => api<T>('POST', path, { body });
export const put = <T = unknown>(path: string, body?: unknown): Promise<T> => api<T>('PUT', path, { body });
export const patch = <T = unknown>(path: string, body?: unknown): Promise<T> => api<T>('PATCH', path, { body });
export const del = <T = unknown>(path: string, body?: unknown): Promise<T> => api<T>('DELETE', path, { body });

/** A binary response (recording files, CSV downloads) as a Blob, with the token. */
export async function getBlob(path: string, query?: RequestOptions['query']): Promise<Blob> {
  const res = await send('GET', path, { query });
  return res.blob();
}

/** Saves a Blob as a file through a temporary object URL (a download the browser names `filename`). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
