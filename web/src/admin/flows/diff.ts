/**
 * A line diff for the version views: longest common subsequence over lines (the common prefix and suffix trimmed
 * first, so the table is only as big as the changed middle), grouped into hunks with a few lines of context. Flow
 * documents are a few hundred lines at most; past MAX_CELLS the middle is shown as all removed, all added (correct,
 * if not minimal) instead of building a huge table.
 */

export type DiffOp = ' ' | '-' | '+';

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** 1-based line in the old text (context and removed lines). */
  oldLine?: number;
  /** 1-based line in the new text (context and added lines). */
  newLine?: number;
}

export interface DiffHunk {
  oldStart: number;
  newStart: number;
  lines: DiffLine[];
}

const MAX_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every line of both texts, in order, marked kept (' '), removed ('-') or added ('+'). */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);

  const out: DiffLine[] = [];
  for (let k = 0; k < pre; k++) out.push({ op: ' ', text: a[k]!, oldLine: k + 1, newLine: k + 1 });

  const n = am.length;
  const m = bm.length;
  if (n * m > MAX_CELLS) {
    am.forEach((t, k) => out.push({ op: '-', text: t, oldLine: pre + k + 1 }));
    bm.forEach((t, k) => out.push({ op: '+', text: t, newLine: pre + k + 1 }));
  } else {
    // lcs[i][j]: length of the LCS of am[i..] and bm[j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * w + j] = am[i] === bm[j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        out.push({ op: ' ', text: am[i]!, oldLine: pre + i + 1, newLine: pre + j + 1 });
        i++;
        j++;
      } else if (i < n && (j >= m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Removals before additions, as unified diffs show them.
        out.push({ op: '-', text: am[i]!, oldLine: pre + i + 1 });
        i++;
      } else {
        out.push({ op: '+', text: bm[j]!, newLine: pre + j + 1 });
        j++;
      }
    }
  }

  for (let k = 0; k < suf; k++) {
    out.push({ op: ' ', text: a[a.length - suf + k]!, oldLine: a.length - suf + k + 1, newLine: b.length - suf + k + 1 });
  }
  return out;
}

/** The changed lines with `context` unchanged lines around each change; [] when the texts are equal. */
export function diffHunks(oldText: string, newText: string, context = 3): DiffHunk[] {
  const lines = diffLines(oldText, newText);
  const keep = new Uint8Array(lines.length);
  lines.forEach((l, k) => {
    if (l.op === ' ') return;
    for (let d = Math.max(0, k - context); d <= Math.min(lines.length - 1, k + context); d++) keep[d] = 1;
  });
  const hunks: DiffHunk[] = [];
  let cur: DiffHunk | undefined;
  lines.forEach((l, k) => {
    if (!keep[k]) {
      cur = undefined;
      return;
    }
    if (!cur) {
      cur = { oldStart: l.oldLine ?? lastOld(lines, k) + 1, newStart: l.newLine ?? lastNew(lines, k) + 1, lines: [] };
      hunks.push(cur);
    }
    cur.lines.push(l);
  });
  return hunks;
}

function lastOld(lines: DiffLine[], k: number): number {
  for (let d = k - 1; d >= 0; d--) if (lines[d]!.oldLine !== undefined) return lines[d]!.oldLine!;
  return 0;
}

function lastNew(lines: DiffLine[], k: number): number {
  for (let d = k - 1; d >= 0; d--) if (lines[d]!.newLine !== undefined) return lines[d]!.newLine!;
  return 0;
}
