import type { DiffHunk } from './diff';

/** Diff hunks as text: removed lines (.del), added lines (.add), context; each line keeps its old/new number. */
export function DiffView({ hunks, label }: { hunks: DiffHunk[]; label: string }) {
  if (!hunks.length) return <p className="muted">No differences.</p>;
  return (
    <div className="diff" role="region" aria-label={label}>
      {hunks.map((h, k) => (
        <div key={k} className="hunk">
          <div className="hunk-head muted">
            @@ -{h.oldStart} +{h.newStart} @@
          </div>
          {h.lines.map((l, j) => (
            <div key={j} className={l.op === '+' ? 'add' : l.op === '-' ? 'del' : undefined}>
              <span className="ln-no" aria-hidden="true">
                {l.oldLine ?? ''}
              </span>
              <span className="ln-no" aria-hidden="true">
                {l.newLine ?? ''}
              </span>
              <span className="op">{l.op === ' ' ? ' ' : l.op}</span>
              {l.text}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}
