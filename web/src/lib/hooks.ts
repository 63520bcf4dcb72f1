/** Data hooks shared by every page: REST resources that follow the live feed, live events, ticking clocks. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from './api';
import type { LiveMessage } from './live';
import { useSession } from './session';

export interface Resource<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

export interface ResourceOptions {
  /** Live message types after which the resource is fetched again (coalesced: at most one fetch in flight). */
  refreshOn?: readonly string[];
  /** Also refetch every this many ms (for figures the feed does not carry, e.g. reports of today). */
  intervalMs?: number;
}

/**
 * A REST resource: fetched on mount and when `deps` change, fetched again after every live resync (reconnect or a
 * sequence gap) and after the live message types in `refreshOn`.
 */
export function useResource<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: readonly unknown[], opts: ResourceOptions = {}): Resource<T> {
  const { live } = useSession();
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | null>(null);
  const [loading, setLoading] = useState(true);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;
  const inFlight = useRef<AbortController | null>(null);
  const again = useRef(false);

  const load = useCallback(() => {
    if (inFlight.current) {
      again.current = true;
      return;
    }
    const ctl = new AbortController();
    inFlight.current = ctl;
    setLoading(true);
    fetcherRef
      .current(ctl.signal)
      .then(
        (d) => {
          if (ctl.signal.aborted) return;
          setData(d);
          setError(null);
        },
        (err: unknown) => {
          if (ctl.signal.aborted || (err as Error).name === 'AbortError') return;
          setError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String((err as Error).message ?? err) }));
        },
      )
      .finally(() => {
        if (inFlight.current !== ctl) return;
        inFlight.current = null;
        setLoading(false);
        if (again.current) {
          again.current = false;
          load();
        }
      });
  }, []);

  useEffect(() => {
    inFlight.current?.abort();
    inFlight.current = null;
    again.current = false;
    load();
    return () => {
      inFlight.current?.abort();
      inFlight.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  const refreshKey = (opts.refreshOn ?? []).join(',');
  useEffect(() => {
    const types = new Set(refreshKey ? refreshKey.split(',') : []);
    const offResync = live.onResync(() => load());
    const offMsg = types.size ? live.onMessage((m) => types.has(m.type) && load()) : () => undefined;
    return () => {
      offResync();
      offMsg();
    };
  }, [live, load, refreshKey]);

  useEffect(() => {
    if (!opts.intervalMs) return;
    const t = setInterval(load, opts.intervalMs);
    return () => clearInterval(t);
  }, [load, opts.intervalMs]);

  return { data, error, loading, reload: load };
}

/** Calls `handler` for each live message of the given types (the latest handler; no re-subscribe per render). */
export function useLiveMessages(types: readonly string[], handler: (m: LiveMessage) => void): void {
  const { live } = useSession();
  const ref = useRef(handler);
  ref.current = handler;
  const key = types.join(',');
  useEffect(() => {
    const set = new Set(key.split(','));
    return live.onMessage((m) => set.has(m.type) && ref.current(m));
  }, [live, key]);
}

/** The current time, re-rendered every `ms` (call timers, time in state). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

export interface Action<A extends unknown[]> {
  run: (...args: A) => Promise<boolean>;
  busy: boolean;
  error: ApiError | null;
  clear: () => void;
}

/** A button's API call: busy while it runs, the API's problem kept for display; resolves true when it worked. */
export function useAction<A extends unknown[]>(fn: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const ref = useRef(fn);
  ref.current = fn;
  const run = useCallback(async (...args: A) => {
    setBusy(true);
    setError(null);
    try {
      await ref.current(...args);
      return true;
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String((err as Error).message ?? err) }));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { run, busy, error, clear: () => setError(null) };
}

/**
 * Keyboard shortcuts: Alt+<key> (so typing in a field never triggers them). `keys` maps a lower-case key to its
 * action; disabled actions are simply left out.
 */
export function useHotkeys(keys: Record<string, (() => void) | undefined>): void {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const fn = ref.current[e.key.toLowerCase()] ?? ref.current[e.code.replace(/^Key/, '').toLowerCase()];
      if (!fn) return;
      e.preventDefault();
      fn();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
