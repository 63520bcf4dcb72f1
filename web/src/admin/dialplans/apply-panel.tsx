import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { post } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import type { ApplyResult } from './types';

/**
 * Apply (POST /api/v1/dialplans/apply): writes every current context to the dialplan folder and runs reloadxml on
 * every FreeSWITCH node; each node's answer is shown, so a node that is down is visible at once.
 */
export function ApplyPanel() {
  const [asking, setAsking] = useState(false);
  const [result, setResult] = useState<ApplyResult | null>(null);
  const apply = useAction(async () => {
    setResult(null);
    const r = await post<ApplyResult>('/api/v1/dialplans/apply');
    setAsking(false);
    setResult(r);
  });
  const failed = result?.nodes.filter((n) => !n.ok).length ?? 0;
  return (
    <section className="panel" aria-labelledby="apply-title">
      <h2 id="apply-title">Apply to FreeSWITCH</h2>
      <p className="muted">Writes every current context to the dialplan folder, then reloads the XML on every node.</p>
      <button type="button" className="primary" onClick={() => setAsking(true)} disabled={apply.busy}>
        Apply to all nodes
      </button>
      <ProblemMessage error={apply.error} onDismiss={apply.clear} />
      <div aria-live="polite">
        {result && (
          <div>
            <p className={failed ? 'error' : 'success-text'}>
              {failed ? `${failed} of ${result.nodes.length} node${result.nodes.length > 1 ? 's' : ''} failed.` : `Applied on ${result.nodes.length} node${result.nodes.length === 1 ? '' : 's'}.`}{' '}
              {result.written.length} context{result.written.length === 1 ? '' : 's'} written to <code>{result.dir}</code>
              {result.removed.length ? `, ${result.removed.length} removed` : ''}.
            </p>
            <table className="data node-results" aria-label="Per-node results">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Result</th>
                  <th scope="col">Reply</th>
                </tr>
              </thead>
              <tbody>
                {result.nodes.map((n) => (
                  <tr key={n.node}>
                    <td>
                      <code>{n.node}</code>
                    </td>
                    <td className={n.ok ? 'ok' : 'bad'}>
                      <span className={`pill ${n.ok ? 'ok' : 'bad'}`}>{n.ok ? 'ok' : 'failed'}</span>
                    </td>
                    <td>
                      <code>{n.reply}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {result.written.length > 0 && (
              <p className="muted">Written: {result.written.map((w) => `${w.context} v${w.version}`).join(', ')}</p>
            )}
          </div>
        )}
      </div>
      <ConfirmDialog open={asking} title="Apply the dialplans to every node?" confirmLabel="Apply" busy={apply.busy} onConfirm={() => void apply.run()} onCancel={() => setAsking(false)}>
        Every node reloads its XML: the current version of each context takes effect for new calls.
      </ConfirmDialog>
    </section>
  );
}
