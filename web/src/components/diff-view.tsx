/**
 * A version diff as the service computes it (src/dialplan/line-diff.ts through GET .../diff of dialplans and IVR
 * flows): removed lines (.del), added lines (.add) and context, each with its old and new line number.
 */
import { useEffect, useState } from 'react';
import { ApiError, get } from '../lib/api';
import { Field } from './field';
import { ProblemMessage } from './problem';

export interface ServiceHunk {
  old_start: number;
  old_lines: number;
  new_start: number;
  new_lines: number;
  lines: Array<{ op: ' ' | '-' | '+'; text: string }>;
}

/** The response of GET /api/v1/dialplans/:context/diff and /api/v1/ivr/flows/:name/diff. */
export interface ServiceDiff {
  from: number;
  to: number;
  unified: string;
  hunks: ServiceHunk[];
  added: number;
  removed: number;
}

interface NumberedLine {
  op: ' ' | '-' | '+';
  text: string;
  oldLine?: number;
  newLine?: number;
}

/** Each line's number in the old and the new text (a hunk of 0 lines starts after its start line, as in unified diffs). */
export function numberLines(h: ServiceHunk): NumberedLine[] {
  let o = h.old_lines ? h.old_start : h.old_start + 1;
  let n = h.new_lines ? h.new_start : h.new_start + 1;
  return h.lines.map((l) =>
    l.op === ' ' ? { ...l, oldLine: o++, newLine: n++ } : l.op === '-' ? { ...l, oldLine: o++ } : { ...l, newLine: n++ },
  );
}

export function DiffView({ diff, label }: { diff: ServiceDiff; label: string }) {
  if (!diff.hunks.length) return <p className="muted">No differences.</p>;
  return (
    <div className="diff" role="region" aria-label={label}>
      {diff.hunks.map((h, k) => (
        <div key={k} className="hunk">
          <div className="hunk-head muted">
            @@ -{h.old_start},{h.old_lines} +{h.new_start},{h.new_lines} @@
          </div>
          {numberLines(h).map((l, j) => (
            <div key={j} className={l.op === '+' ? 'add' : l.op === '-' ? 'del' : undefined}>
              <span className="ln-no" aria-hidden="true">
                {l.oldLine ?? ''}
              </span>
              <span className="ln-no" aria-hidden="true">
                {l.newLine ?? ''}
              </span>
              <span className="op">{l.op}</span>
              {l.text}
            </div>
          ))}
        </div>
      ))}
    </div>
  );
}

/**
 * Two version pickers and the service's diff between them (GET `<diffUrl>?from&to`), for the dialplan and IVR flow
 * version panels. `from`/`to` belong to the parent, whose row buttons ("diff with live") set them too.
 */
export function VersionDiff(props: {
  diffUrl: string;
  versions: number[];
  from: number | '';
  to: number | '';
  onFrom: (v: number) => void;
  onTo: (v: number) => void;
}) {
  const { diffUrl, from, to } = props;
  const [diff, setDiff] = useState<ServiceDiff | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (from === '' || to === '') return;
    let stale = false;
    get<ServiceDiff>(diffUrl, { from, to }).then(
      (d) => {
        if (stale) return;
        setDiff(d);
        setError(null);
      },
      (err: unknown) => !stale && setError(err instanceof ApiError ? err : new ApiError({ status: 0, detail: String(err) })),
    );
    return () => {
      stale = true;
    };
  }, [diffUrl, from, to]);
  const picker = (label: string, value: number | '', onChange: (v: number) => void) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={value} onChange={(e) => onChange(Number(e.target.value))}>
          {props.versions.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  return (
    <>
      <h3>Diff</h3>
      <div className="row">
        {picker('From version', from, props.onFrom)}
        {picker('To version', to, props.onTo)}
        {diff && (
          <span className="muted">
            +{diff.added} −{diff.removed}
          </span>
        )}
      </div>
      <ProblemMessage error={error} />
      {diff && <DiffView diff={diff} label={`Changes from version ${diff.from} to version ${diff.to}`} />}
    </>
  );
}
