import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../../lib/api';
import type { DialplanValidation } from './types';

export interface DialplanCheck {
  result: DialplanValidation | null;
  /** True while the server has not yet judged the current text. */
  checking: boolean;
  failure: ApiError | null;
}

const DEBOUNCE_MS = 400;

/** Live validation of dialplan XML by the service's own validator (POST /api/v1/dialplans/validate), debounced. */
/** `loaded` is false until the editor holds the stored XML (nothing is judged before). */
export function useDialplanValidation(xml: string, context: string, loaded: boolean): DialplanCheck {
  const [verdict, setVerdict] = useState<{ xml: string; result: DialplanValidation } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  // The text as loaded is judged at once; typing is debounced.
  const judged = useRef(false);
  useEffect(() => {
    if (!loaded) return;
    const ctl = new AbortController();
    const delay = judged.current ? DEBOUNCE_MS : 0;
    judged.current = true;
    const t = setTimeout(() => {
      api<DialplanValidation>('POST', '/api/v1/dialplans/validate', { body: { xml, context }, signal: ctl.signal }).then(
        (result) => {
          setVerdict({ xml, result });
          setFailure(null);
        },
        (err: unknown) => {
          if ((err as Error).name === 'AbortError') return;
          setFailure(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) }));
        },
      );
    }, delay);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [xml, context, loaded]);
  return { result: verdict?.result ?? null, checking: verdict?.xml !== xml, failure };
}

/** Offsets of a 1-based line (without its line break), to select it in the editor. */
export function lineRange(text: string, line: number): { start: number; end: number } {
  let start = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) break;
    start = nl + 1;
  }
  const nl = text.indexOf('\n', start);
  return { start, end: nl < 0 ? text.length : nl };
}
