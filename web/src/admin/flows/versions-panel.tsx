import { useEffect, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { VersionDiff } from '../../components/diff-view';
import type { FlowVersion, Items, StoredFlow } from './types';

export const pretty = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/**
 * The versions of a flow (newest first): the service's line diff between any two (documents pretty-printed, so the
 * diff is per field), and rollback, which publishes an old version's document again as a new version.
 */
export function VersionsPanel({ name, liveVersion, onRolledBack }: { name: string; liveVersion: number | undefined; onRolledBack: (f: StoredFlow) => void }) {
  const base = `/api/v1/ivr/flows/${encodeURIComponent(name)}`;
  const versions = useResource((signal) => get<Items<FlowVersion>>(`${base}/versions`, undefined, signal), [base, liveVersion]);
  const items = versions.data?.items ?? [];
  const [from, setFrom] = useState<number | ''>('');
  const [to, setTo] = useState<number | ''>('');
  const [rollbackTo, setRollbackTo] = useState<FlowVersion | null>(null);
  const [done, setDone] = useState('');

  // Default comparison: the version before the live one against the live one.
  useEffect(() => {
    if (items.length >= 2) {
      setTo(items[0]!.version);
      setFrom(items[1]!.version);
    } else if (items.length === 1) {
      setTo(items[0]!.version);
      setFrom(items[0]!.version);
    }
  }, [items]);

  const rollback = useAction(async (v: FlowVersion) => {
    const f = await post<StoredFlow>(`${base}/rollback`, { version: v.version });
    setRollbackTo(null);
    setDone(`Rolled back: version ${f.version} is live, with the document of version ${v.version}.`);
    onRolledBack(f);
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
            <th scope="col">Published</th>
            <th scope="col">By</th>
            <th scope="col">Comment</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {items.map((v) => (
            <tr key={v.version} data-version={v.version}>
              <td className="num">
                {v.version}
                {v.version === liveVersion && <span className="pill ok">live</span>}
              </td>
              <td>{dateTime(v.created_at)}</td>
              <td>{v.created_by}</td>
              <td>{v.comment ?? ''}</td>
              <td className="row">
                <button type="button" onClick={() => (setFrom(v.version), setTo(items[0]!.version))} aria-label={`Diff version ${v.version} with the live version`}>
                  Diff with live
                </button>
                {v.version !== liveVersion && (
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
        title={`Roll back ${name} to version ${rollbackTo?.version ?? ''}?`}
        confirmLabel="Roll back"
        danger
        busy={rollback.busy}
        onConfirm={() => rollbackTo && void rollback.run(rollbackTo)}
        onCancel={() => setRollbackTo(null)}
      >
        The document of version {rollbackTo?.version} is published again as a new version and goes live for the next call.
      </ConfirmDialog>
    </div>
  );
}
