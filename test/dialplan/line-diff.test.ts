import fc from 'fast-check';
import { applyEdits, diffLines, diffText, splitLines, toHunks } from '../../src/dialplan/line-diff';

/** Length of the longest common subsequence (DP), to check that Myers' script is minimal. */
function lcs(a: string[], b: string[]): number {
  const dp = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) dp[i]![j] = a[i - 1] === b[j - 1] ? dp[i - 1]![j - 1]! + 1 : Math.max(dp[i - 1]![j]!, dp[i]![j - 1]!);
  return dp[a.length]![b.length]!;
}

describe('line diff (Myers)', () => {
  it('finds nothing between equal texts', () => {
    const d = diffText('a\nb\n', 'a\nb\n');
    expect(d).toEqual({ hunks: [], unified: '', added: 0, removed: 0 });
  });

  it('renders a unified diff with context and @@ ranges', () => {
    const oldText = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'].join('\n') + '\n';
    const newText = ['1', '2', '3', '4', 'five', '6', '7', '8', '9', '10', '11'].join('\n') + '\n';
    const d = diffText(oldText, newText, { oldLabel: 'public@v1', newLabel: 'public@v2' });
    expect(d.unified).toBe(
      ['--- public@v1', '+++ public@v2', '@@ -2,9 +2,10 @@', ' 2', ' 3', ' 4', '-5', '+five', ' 6', ' 7', ' 8', ' 9', ' 10', '+11', ''].join('\n'),
    );
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(d.hunks).toHaveLength(1);
  });

  it('splits far-apart changes into separate hunks', () => {
    const a = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const b = [...a];
    b[2] = 'changed 2';
    b[25] = 'changed 25';
    const hunks = toHunks(diffLines(a, b), 3);
    expect(hunks.map((h) => [h.old_start, h.old_lines, h.new_start, h.new_lines])).toEqual([
      [1, 6, 1, 6],
      [23, 7, 23, 7],
    ]);
  });

  it('reports insertions into and deletions from empty texts with unified conventions', () => {
    expect(diffText('', 'a\nb\n').unified).toBe('--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n');
    expect(diffText('a\n', '').unified).toBe('--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n');
  });

  it('treats CRLF and LF line ends alike and ignores a final newline', () => {
    expect(splitLines('a\r\nb\r\n')).toEqual(['a', 'b']);
    expect(splitLines('a\nb')).toEqual(['a', 'b']);
    expect(diffText('a\r\nb\r\n', 'a\nb').hunks).toEqual([]);
  });

  it('gives a correct, minimal edit script on random texts', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 25 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const edits = diffLines(a, b);
        const { oldLines, newLines } = applyEdits(edits);
        expect(oldLines).toEqual(a);
        expect(newLines).toEqual(b);
        const equal = edits.filter((e) => e.op === 'equal').length;
        expect(equal).toBe(lcs(a, b));
      }),
      { numRuns: 300 },
    );
  });

  it('falls back to delete-all/insert-all beyond the edit-distance cap, still correct', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const edits = diffLines(a, b, 10);
    expect(applyEdits(edits)).toEqual({ oldLines: a, newLines: b });
  });
});
