/**
 * A line diff: Myers' O(ND) shortest edit script (E. Myers, "An O(ND) Difference Algorithm and Its Variations",
 * 1986) over lines, grouped into unified-diff hunks with context. Pure functions, no I/O.
 *
 * The common prefix and suffix are trimmed first; when the remaining edit distance exceeds `maxEditDistance` the rest
 * is reported as "all old lines deleted, all new lines inserted" (a correct, if not minimal, diff) so that two huge,
 * unrelated texts cannot make the D^2 trace eat the memory.
 */

export type EditOp = 'equal' | 'delete' | 'insert';

export interface Edit {
  op: EditOp;
  /** 0-based index in the old lines (equal/delete), else undefined. */
  oldIndex?: number;
  /** 0-based index in the new lines (equal/insert), else undefined. */
  newIndex?: number;
  text: string;
}

export interface HunkLine {
  /** ' ' context, '-' removed, '+' added. */
  op: ' ' | '-' | '+';
  text: string;
}

export interface Hunk {
  /** 1-based first line in the old text (the line before, or 0, when old_lines is 0), as in unified diffs. */
  old_start: number;
  old_lines: number;
  new_start: number;
  new_lines: number;
  lines: HunkLine[];
}

export interface LineDiff {
  hunks: Hunk[];
  /** The unified diff text (`--- `/`+++ ` headers, `@@` hunks); '' when the texts are equal. */
  unified: string;
  added: number;
  removed: number;
}

export interface DiffOptions {
  /** Lines of context around each change (default 3). */
  context?: number;
  /** Labels for the `---` / `+++` headers (default `a`, `b`). */
  oldLabel?: string;
  newLabel?: string;
  /** Largest edit distance searched exactly (default 4000). */
  maxEditDistance?: number;
}

/** Splits text into lines ('\n' or '\r\n'); a final newline does not make an empty last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The shortest edit script turning `a` into `b` (Myers), in order. */
export function diffLines(a: readonly string[], b: readonly string[], maxEditDistance = 4000): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const edits: Edit[] = [];
  for (let i = 0; i < start; i++) edits.push({ op: 'equal', oldIndex: i, newIndex: i, text: a[i]! });
  edits.push(...myersMiddle(a, b, start, endA, start, endB, maxEditDistance));
  for (let i = endA, j = endB; i < a.length; i++, j++) edits.push({ op: 'equal', oldIndex: i, newIndex: j, text: a[i]! });
  return edits;
}

/** Myers on a[aLo..aHi) vs b[bLo..bHi), backtracking through the saved V arrays. */
function myersMiddle(a: readonly string[], b: readonly string[], aLo: number, aHi: number, bLo: number, bHi: number, maxD: number): Edit[] {
  const n = aHi - aLo;
  const m = bHi - bLo;
  if (n === 0 && m === 0) return [];
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max; d++) {
    if (d > maxD) break;
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!)) x = v[offset + k + 1]!;
      else x = v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[aLo + x] === b[bLo + y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }

  if (found < 0) {
    // Too far apart: delete everything, insert everything.
    const out: Edit[] = [];
    for (let i = aLo; i < aHi; i++) out.push({ op: 'delete', oldIndex: i, text: a[i]! });
    for (let j = bLo; j < bHi; j++) out.push({ op: 'insert', newIndex: j, text: b[j]! });
    return out;
  }

  // Backtrack from (n, m) to (0, 0).
  const rev: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const saved = trace[d]!; // V before step d, i.e. after step d-1, for k in [-d-1, d+1]
    const at = (k: number) => saved[k + d + 1]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      rev.push({ op: 'equal', oldIndex: aLo + x, newIndex: bLo + y, text: a[aLo + x]! });
    }
    if (x === prevX) {
      y--;
      rev.push({ op: 'insert', newIndex: bLo + y, text: b[bLo + y]! });
    } else {
      x--;
      rev.push({ op: 'delete', oldIndex: aLo + x, text: a[aLo + x]! });
    }
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    rev.push({ op: 'equal', oldIndex: aLo + x, newIndex: bLo + y, text: a[aLo + x]! });
  }
  return rev.reverse();
}

/** Groups an edit script into hunks with `context` lines around each change. */
export function toHunks(edits: readonly Edit[], context = 3): Hunk[] {
  const hunks: Hunk[] = [];
  const changeAt: number[] = [];
  edits.forEach((e, i) => {
    if (e.op !== 'equal') changeAt.push(i);
  });
  if (!changeAt.length) return hunks;

  // Ranges [from, to] of edit indexes, merged when their context overlaps or touches.
  const ranges: Array<[number, number]> = [];
  for (const i of changeAt) {
    const from = Math.max(0, i - context);
    const to = Math.min(edits.length - 1, i + context);
    const last = ranges[ranges.length - 1];
    if (last && from <= last[1] + 1) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  }

  for (const [from, to] of ranges) {
    // Position of the hunk: old/new line counts consumed before `from`.
    let oldBefore = 0;
    let newBefore = 0;
    for (let i = 0; i < from; i++) {
      if (edits[i]!.op !== 'insert') oldBefore++;
      if (edits[i]!.op !== 'delete') newBefore++;
    }
    const lines: HunkLine[] = [];
    let oldLines = 0;
    let newLines = 0;
    for (let i = from; i <= to; i++) {
      const e = edits[i]!;
      if (e.op === 'equal') {
        lines.push({ op: ' ', text: e.text });
        oldLines++;
        newLines++;
      } else if (e.op === 'delete') {
        lines.push({ op: '-', text: e.text });
        oldLines++;
      } else {
        lines.push({ op: '+', text: e.text });
        newLines++;
      }
    }
    hunks.push({
      old_start: oldLines === 0 ? oldBefore : oldBefore + 1,
      old_lines: oldLines,
      new_start: newLines === 0 ? newBefore : newBefore + 1,
      new_lines: newLines,
      lines,
    });
  }
  return hunks;
}

function rangeText(start: number, count: number): string {
  return count === 1 ? `${start}` : `${start},${count}`;
}

/** Renders hunks as a unified diff. */
export function unifiedText(hunks: readonly Hunk[], oldLabel = 'a', newLabel = 'b'): string {
  if (!hunks.length) return '';
  const out = [`--- ${oldLabel}`, `+++ ${newLabel}`];
  for (const h of hunks) {
    out.push(`@@ -${rangeText(h.old_start, h.old_lines)} +${rangeText(h.new_start, h.new_lines)} @@`);
    for (const l of h.lines) out.push(l.op + l.text);
  }
  return out.join('\n') + '\n';
}

/** Line diff of two texts: hunks and the unified text. */
export function diffText(oldText: string, newText: string, options: DiffOptions = {}): LineDiff {
  const edits = diffLines(splitLines(oldText), splitLines(newText), options.maxEditDistance);
  const hunks = toHunks(edits, options.context ?? 3);
  return {
    hunks,
    unified: unifiedText(hunks, options.oldLabel, options.newLabel),
    added: edits.filter((e) => e.op === 'insert').length,
    removed: edits.filter((e) => e.op === 'delete').length,
  };
}

/** Applies hunks to the old lines (for tests and for checking a diff): the new lines. */
export function applyEdits(edits: readonly Edit[]): { oldLines: string[]; newLines: string[] } {
  const oldLines: string[] = [];
  const newLines: string[] = [];
  for (const e of edits) {
    if (e.op !== 'insert') oldLines.push(e.text);
    if (e.op !== 'delete') newLines.push(e.text);
  }
  return { oldLines, newLines };
}
