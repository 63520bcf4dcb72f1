import { httpUrlProblem } from '../flow-schema';
import { cleanText } from '../template';
import { unexpected, type NodeHandler } from './types';

/** Longest value kept from an HTTP answer. */
export const MAX_HTTP_VALUE = 256;

/**
 * `http`: the CRM dip. The runtime performs the request and answers `{ kind: 'http', values }`, values keyed by the
 * variable name (or by the response path) of `map`. Only mapped variables are set, only from string values, cleaned
 * (control characters, backslashes and `${` removed) and cut to 256 characters. A failure sets nothing, is recorded
 * and continues at onFailure, else next.
 */
export const httpNode: NodeHandler<'http'> = {
  enter(node, ctx) {
    const url = ctx.render(node.url, 2048);
    const bad = httpUrlProblem(url);
    if (bad) {
      ctx.record('failed', { detail: `url: ${bad}` });
      return { kind: 'go', node: node.onFailure ?? node.next };
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(node.params)) params[k] = ctx.render(v);
    return {
      kind: 'wait',
      action: { kind: 'http', url, method: node.method, timeoutMs: node.timeoutMs, params, map: { ...node.map } },
    };
  },
  resume(node, input, ctx) {
    if (input.kind === 'failed' || (input.kind === 'http' && !input.ok)) {
      const detail = input.kind === 'failed' ? input.error : (input.error ?? (input.status !== undefined ? `status ${input.status}` : 'request failed'));
      ctx.record('failed', { detail: cleanText(String(detail), 200) });
      return { kind: 'go', node: node.onFailure ?? node.next };
    }
    if (input.kind !== 'http') return unexpected(input, 'http');
    const values: Record<string, unknown> = typeof input.values === 'object' && input.values !== null ? input.values : {};
    const mapped: string[] = [];
    for (const [path, variable] of Object.entries(node.map)) {
      const v = Object.hasOwn(values, variable) ? values[variable] : Object.hasOwn(values, path) ? values[path] : undefined;
      if (typeof v !== 'string') continue;
      ctx.setVariable(variable, cleanText(v, MAX_HTTP_VALUE));
      mapped.push(variable);
    }
    ctx.record('lookup', { detail: `${input.status !== undefined ? `status ${input.status}, ` : ''}set ${mapped.join(',') || 'nothing'}` });
    return { kind: 'go', node: node.next };
  },
};
