import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api } from '../../lib/api';
import { parseJsonWithSpans, spanOf, type JsonParse } from './json-locate';
import type { FlowIssue, FlowValidation } from './types';

/** A problem placed in the text: its line, and the range to select when the admin asks to see it. */
export interface LocatedIssue extends FlowIssue {
  line?: number;
  start?: number;
  end?: number;
}

export interface FlowCheck {
  parsed: JsonParse;
  errors: LocatedIssue[];
  warnings: LocatedIssue[];
  /** True while the server has not yet judged the current text. */
  checking: boolean;
  /** The validate request itself failed (network, 403...). */
  failure: ApiError | null;
}

const DEBOUNCE_MS = 350;

/**
 * Live validation of the flow text: JSON syntax here (with line and column), everything else by the server's own
 * validator (POST /api/v1/ivr/flows/validate, the checks a publish makes), debounced while the admin types. Each
 * issue is placed at its path in the text; issues without a node but inside `nodes.<id>` get that node.
 */
export function useFlowValidation(text: string, flowName: string): FlowCheck {
  const parsed = useMemo(() => parseJsonWithSpans(text), [text]);
  const [verdict, setVerdict] = useState<{ text: string; result: FlowValidation } | null>(null);
  const [failure, setFailure] = useState<ApiError | null>(null);
  // The text as loaded is judged at once; typing is debounced.
  const judged = useRef(false);

  const document = parsed.ok && typeof parsed.value === 'object' && parsed.value !== null && !Array.isArray(parsed.value) ? parsed.value : undefined;

  useEffect(() => {
    if (!document) return;
    const ctl = new AbortController();
    const delay = judged.current ? DEBOUNCE_MS : 0;
    judged.current = true;
    const t = setTimeout(() => {
      api<FlowValidation>('POST', '/api/v1/ivr/flows/validate', { body: { document, name: flowName }, signal: ctl.signal }).then(
        (result) => {
          setVerdict({ text, result });
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
    // `document` is derived from `text`; re-validate when the text changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [text, flowName]);

  return useMemo((): FlowCheck => {
    if (!parsed.ok) {
      return {
        parsed,
        errors: [{ path: '', message: `JSON: ${parsed.message} (line ${parsed.line}, column ${parsed.column})`, line: parsed.line, start: parsed.offset, end: parsed.offset + 1 }],
        warnings: [],
        checking: false,
        failure: null,
      };
    }
    if (!document) {
      return { parsed, errors: [{ path: '', message: 'the flow document must be a JSON object ({ ... })', line: 1, start: 0, end: 1 }], warnings: [], checking: false, failure: null };
    }
    const place = (i: FlowIssue): LocatedIssue => {
      const node = i.node ?? (/^nodes\.([^.]+)/.exec(i.path)?.[1] || undefined);
      const span = spanOf(parsed.spans, i.path);
      return { ...i, node, line: span?.line, start: span?.start, end: span?.end };
    };
    const r = verdict?.result;
    return {
      parsed,
      errors: (r?.errors ?? []).map(place),
      warnings: (r?.warnings ?? []).map(place),
      checking: verdict?.text !== text,
      failure,
    };
  }, [parsed, document, verdict, text, failure]);
}
