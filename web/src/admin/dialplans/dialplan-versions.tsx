import { useEffect, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { VersionDiff } from '../../components/diff-view';
import type { DialplanVersion, DialplanVersionFull, Items } from './types';

/** Versions of a context (newest first), the service's diff between two, and rollback (a new version). */
export function DialplanVersions({ context, current, onRolledBack }: { context: string; current: number | undefined; onRolledBack: (v: DialplanVersionFull) => void }) {
  const base = `/api/v1/dialplans/${encodeURIComponent(context)}`;
  const versions = useResource((signal) => get<Items<DialplanVersion>>(`${base}/versions`, undefined, signal), [base, current]);
  const items = [...(versions.data?.items ?? [])].reverse();
  const [from, setFrom] = useState<number | ''>('');
  const [to, setTo] = useState<number | ''>('');
  const [rollbackTo, setRollbackTo] = useState<DialplanVersion | null>(null);
  const [done, setDone] = useState('');
  const newest = items[0]?.version;
  const second = items[1]?.version;

  useEffect(() => {
    if (newest === undefined) return;
    setTo(newest);
    setFrom(second ?? newest);
  }, [newest, second]);

  const rollback = useAction(async (v: DialplanVersion) => {
    const row = await post<DialplanVersionFull>(`${base}/rollback`, { version: v.version });
    setRollbackTo(null);
    setDone(`Rolled back: version ${row.version} is current, with the XML of version ${v.version}. Apply it to make it take effect.`);
    onRolledBack(row);
  });

  return (
    <div>
      <ProblemMessage error={versions.error} />
      <table className="data" aria-label="Versions">
        <thead>
          <tr>
            <th scope="col" className="num">
              Version
            </th>
            <th scope="col">Saved</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.version}>
              <td className="num">
                {v.version} {v.version === current && <span className="pill ok">current</span>}
                {v.deleted && <span className="pill bad">deleted</span>}
              </td>
              <td>{dateTime(v.created_at)}</td>
              <td>{v.author_name}</td>
              <td>{v.comment ?? ''}</td>
              <td className="row">
                <button type="button" onClick={() => (setFrom(v.version), setTo(newest ?? v.version))} aria-label={`Diff version ${v.version} with the current version`}>
                  Diff with current
                </button>
                {v.version !== current && !v.deleted && (
                  <button type="button" onClick={() => setRollbackTo(v)} aria-label={`Roll back to version ${v.version}`}>
                    Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p role="status" aria-live="polite" className="success-text">
        {done}
      </p>
      <ProblemMessage error={rollback.error} onDismiss={rollback.clear} />
      <VersionDiff diffUrl={`${base}/diff`} versions={items.map((v) => v.version)} from={from} to={to} onFrom={setFrom} onTo={setTo} />
      <ConfirmDialog
        open={!!rollbackTo}
        title={`Roll back ${context} to version ${rollbackTo?.version ?? ''}?`}
        confirmLabel="Roll back"
        danger
        busy={rollback.busy}
        onConfirm={() => rollbackTo && void rollback.run(rollbackTo)}
        onCancel={() => setRollbackTo(null)}
      >
        The XML of version {rollbackTo?.version} becomes the current version (validated again). Nodes run it after the next apply.
      </ConfirmDialog>
    </div>
  );
}
