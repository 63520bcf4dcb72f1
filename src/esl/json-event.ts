import type { EslEvent, HeaderValue } from './types';

/**
 * A text/event-json event that keeps the object JSON.parse made and checks values only when they are read.
 *
 * Why: FreeSWITCH's json events carry ~80-180 headers (every channel variable) and a consumer reads a handful of
 * them. Checking every value of every event up front (FreeSWITCH only sends strings and string arrays, but the
 * peer is not trusted) cost more than a tenth of the decode, so the check moved to the read:
 * - `header(e, name)` (types.ts) calls `get()`: one keyed read of the raw object, and a string comes back as is.
 * - `headers` is a read-through view (a Proxy over the same raw object, no copy) for consumers that enumerate or
 *   index headers directly: every value it yields is a HeaderValue, `__proto__` is never a key, so it is exactly
 *   what the eager decoder used to build.
 * A value that is not a string (a number, null, an object, an array holding those) is turned into one the first time
 * it is read and written back, so later reads through either path see the same value.
 */
export class JsonEvent implements EslEvent {
  readonly format = 'json' as const;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /** The parsed body, `_body` already removed; values unchecked until read. */
  readonly #raw: Record<string, unknown>;

  constructor(
    raw: Record<string, unknown>,
    readonly name: string,
    readonly subclass: string | undefined,
    readonly body: string | undefined,
  ) {
    this.#raw = raw;
    this.headers = new Proxy(raw, VIEW) as Readonly<Record<string, HeaderValue>>;
  }

  /** The value of header `name` (undefined when absent), checked on the way out. */
  get(name: string): HeaderValue | undefined {
    const v = this.#raw[name];
    if (typeof v === 'string' && name !== '__proto__') return v;
    return checked(this.#raw, name);
  }
}

/** The slow path of a read: absent, inherited, `__proto__`, or not (yet) a HeaderValue. */
function checked(raw: Record<string, unknown>, name: string): HeaderValue | undefined {
  if (name === '__proto__' || !Object.prototype.hasOwnProperty.call(raw, name)) return undefined;
  const v = raw[name];
  if (typeof v === 'string') return v;
  const fixed = toHeaderValue(v);
  if (fixed !== v) raw[name] = fixed;
  return fixed;
}

/**
 * The `headers` view. Only what a plain object would answer differently is trapped; writes and `in` go to the raw
 * object.
 * Non-own and symbol keys (toString, constructor, Symbol.iterator: what Jest, JSON.stringify and inspect look up) are
 * answered by the raw object itself, as they were by the plain object the eager decoder built.
 */
const VIEW: ProxyHandler<Record<string, unknown>> = {
  get(raw, key) {
    if (typeof key !== 'string') return Reflect.get(raw, key);
    const v = raw[key];
    if (typeof v === 'string' && key !== '__proto__') return v;
    if (key === '__proto__') return Object.getPrototypeOf(raw);
    return Object.prototype.hasOwnProperty.call(raw, key) ? checked(raw, key) : v;
  },
  ownKeys(raw) {
    const keys = Reflect.ownKeys(raw);
    return Object.prototype.hasOwnProperty.call(raw, '__proto__') ? keys.filter((k) => k !== '__proto__') : keys;
  },
  getOwnPropertyDescriptor(raw, key) {
    if (typeof key !== 'string') return Reflect.getOwnPropertyDescriptor(raw, key);
    if (key === '__proto__' || !Object.prototype.hasOwnProperty.call(raw, key)) return undefined;
    return { value: checked(raw, key), writable: true, enumerable: true, configurable: true };
  },
};

/** A value FreeSWITCH would never send in json (numbers, objects, null) is turned into a string, not trusted. */
function toHeaderValue(v: unknown): HeaderValue {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'string') return v.map((x) => (typeof x === 'string' ? x : stringify(x)));
    }
    return v as string[];
  }
  return stringify(v);
}

export function stringify(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
