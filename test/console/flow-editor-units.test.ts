/**
 * The flow editor's pure helpers (web/src/admin/flows): the JSON parser that places validation errors on their line,
 * and the graph model read from a half-valid document.
 */
import { flowGraph } from '../../web/src/admin/flows/flow-model';
import { parseJsonWithSpans, spanOf } from '../../web/src/admin/flows/json-locate';

describe('parseJsonWithSpans', () => {
  const text = '{\n  "name": "x",\n  "nodes": {\n    "menu": {\n      "options": { "1": "a", "2": "b" }\n    }\n  },\n  "list": [1, {"k": true}]\n}\n';

  it('parses like JSON.parse and records where each member is', () => {
    const r = parseJsonWithSpans(text);
    if (!r.ok) throw new Error(r.message);
    expect(r.value).toEqual(JSON.parse(text));
    expect(r.spans.get('nodes.menu')?.line).toBe(4);
    const opt = r.spans.get('nodes.menu.options.2')!;
    expect(text.slice(opt.start, opt.end)).toBe('"2": "b"');
    expect(r.spans.get('list.1.k')?.line).toBe(8);
    // A field that is not in the text is placed at its nearest ancestor.
    expect(spanOf(r.spans, 'nodes.menu.next')?.line).toBe(4);
    expect(spanOf(r.spans, 'nope.deeper')?.line).toBe(1);
  });

  it('reports syntax errors with line and column', () => {
    const r = parseJsonWithSpans('{\n  "a": 1,\n  "b": 2,\n}');
    expect(r).toMatchObject({ ok: false, line: 4, column: 1 });
    expect(parseJsonWithSpans('{"a": 1 "b": 2}')).toMatchObject({ ok: false, message: expect.stringContaining('expected "," or "}"') });
    expect(parseJsonWithSpans('{"a": 1, "a": 2}')).toMatchObject({ ok: false, message: '"a" is given twice' });
    expect(parseJsonWithSpans('{"a": "line\nbreak"}')).toMatchObject({ ok: false, line: 1 });
    expect(parseJsonWithSpans('[1, 2')).toMatchObject({ ok: false });
    expect(parseJsonWithSpans('"\\u0041\\n"')).toMatchObject({ ok: true, value: 'A\n' });
  });
});

describe('flowGraph', () => {
  it('reads nodes and labelled edges, and draws missing targets', () => {
    const g = flowGraph({
      start: 'm',
      nodes: { m: { type: 'menu', options: { '1': 'q', '2': 'gone' }, onTimeout: 'q' }, q: { type: 'queue', queue: 'sales' }, c: { type: 'condition', branches: [{ next: 'q' }], else: 'm' } },
    });
    expect(g.start).toBe('m');
    expect(g.edges).toEqual([
      { from: 'm', to: 'q', label: '1' },
      { from: 'm', to: 'gone', label: '2' },
      { from: 'm', to: 'q', label: 'timeout' },
      { from: 'c', to: 'q', label: 'when 1' },
      { from: 'c', to: 'm', label: 'else' },
    ]);
    expect(g.nodes.find((n) => n.id === 'gone')).toMatchObject({ missing: true });
    expect(g.nodes.find((n) => n.id === 'q')?.summary).toBe('queue sales');
    expect(flowGraph([1, 2])).toEqual({ start: undefined, nodes: [], edges: [] });
  });
});
