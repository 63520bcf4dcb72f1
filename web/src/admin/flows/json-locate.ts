/**
 * A small JSON parser that also records where each value sits in the text, so a validation error at
 * `nodes.menu.options.1` can be shown on its line, and a click on a graph node can select its text. JSON.parse gives
 * neither (and its syntax-error positions differ between engines), so the editor parses with this instead.
 */

export interface TextSpan {
  /** Offset of the member's key (or of the value, for array items and the root). */
  start: number;
  /** Offset just past the value. */
  end: number;
  /** 1-based line of `start`. */
  line: number;
}

export type JsonParse =
  | { ok: true; value: unknown; spans: Map<string, TextSpan> }
  | { ok: false; message: string; offset: number; line: number; column: number };

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

class SyntaxProblem extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses JSON text; `spans` maps dotted paths (`nodes.menu.next`, `nodes.menu.greeting.0`; '' for the root). */
export function parseJsonWithSpans(text: string): JsonParse {
  const spans = new Map<string, TextSpan>();
  let i = 0;
  // Line starts, for offset -> line without rescanning.
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text.charCodeAt(k) === 10) lineStarts.push(k + 1);
  const lineOf = (off: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= off) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const fail = (msg: string, at = i): never => {
    throw new SyntaxProblem(msg, at);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describe = (at: number) => (at >= text.length ? 'the end of the text' : `"${text[at]}"`);

  const str = (): string => {
    const start = i;
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('a string is not closed', start);
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === '\\') {
        const n = text[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (n !== undefined && n in simple) {
          out += simple[n];
          i += 2;
        } else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
          out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
          i += 6;
        } else fail('bad escape in a string');
        continue;
      }
      if (c.charCodeAt(0) < 0x20) fail('a line break or control character inside a string (strings end at the line)');
      out += c;
      i++;
    }
  };

  const num = (): number => {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (!m) fail(`unexpected ${describe(i)}`);
    i += m![0].length;
    return Number(m![0]);
  };

  const value = (path: string, spanStart: number): unknown => {
    ws();
    const c = text[i];
    let v: unknown;
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      ws();
      if (text[i] === '}') i++;
      else
        for (;;) {
          ws();
          if (text[i] !== '"') fail(`expected a "quoted" member name, found ${describe(i)}`);
          const keyAt = i;
          const key = str();
          ws();
          if (text[i] !== ':') fail(`expected ":" after "${key}", found ${describe(i)}`);
          i++;
          if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`"${key}" is given twice`, keyAt);
          obj[key] = value(path === '' ? key : `${path}.${key}`, keyAt);
          ws();
          if (text[i] === ',') {
            i++;
            ws();
            if (text[i] === '}') fail('a comma before "}" (JSON allows no trailing comma)');
            continue;
          }
          if (text[i] === '}') {
            i++;
            break;
          }
          fail(`expected "," or "}", found ${describe(i)}`);
        }
      v = obj;
    } else if (c === '[') {
      i++;
      const arr: unknown[] = [];
      ws();
      if (text[i] === ']') i++;
      else
        for (;;) {
          ws();
          arr.push(value(path === '' ? String(arr.length) : `${path}.${arr.length}`, i));
          ws();
          if (text[i] === ',') {
            i++;
            ws();
            if (text[i] === ']') fail('a comma before "]" (JSON allows no trailing comma)');
            continue;
          }
          if (text[i] === ']') {
            i++;
            break;
          }
          fail(`expected "," or "]", found ${describe(i)}`);
        }
      v = arr;
    } else if (c === '"') v = str();
    else if (text.startsWith('true', i)) (v = true), (i += 4);
    else if (text.startsWith('false', i)) (v = false), (i += 5);
    else if (text.startsWith('null', i)) (v = null), (i += 4);
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) v = num();
    else fail(`expected a value, found ${describe(i)}`);
    spans.set(path, { start: spanStart, end: i, line: lineOf(spanStart) });
    return v;
  };

  try {
    ws();
    const v = value('', i);
    ws();
    if (i < text.length) fail(`unexpected ${describe(i)} after the document`);
    return { ok: true, value: v, spans };
  } catch (err) {
    if (!(err instanceof SyntaxProblem)) throw err;
    const { line, column } = lineColumn(text, err.offset);
    return { ok: false, message: err.message, offset: err.offset, line, column };
  }
}

/**
 * The span of a dotted path, or of its nearest ancestor that is in the text (a missing field is reported where its
 * object is). Keys may hold dots themselves, so the full path is tried before trimming segments.
 */
export function spanOf(spans: Map<string, TextSpan>, path: string): TextSpan | undefined {
  let p = path;
  for (;;) {
    const s = spans.get(p);
    if (s) return s;
    if (p === '') return undefined;
    const dot = p.lastIndexOf('.');
    p = dot < 0 ? '' : p.slice(0, dot);
  }
}
