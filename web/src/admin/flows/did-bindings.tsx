import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable } from '../../components/table';
import { del, get, put } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import type { DidBinding, Items } from './types';

/**
 * DID bindings (GET/PUT/DELETE /api/v1/ivr/dids): which flow a call to each DID runs. With `flow`, only that flow's
 * DIDs are listed and new bindings go to it; without, every binding, and the form picks the flow.
 */
export function DidBindings({ flow, flows, onChange }: { flow?: string; flows: string[]; onChange?: () => void }) {
  const bindings = useResource((signal) => get<Items<DidBinding>>('/api/v1/ivr/dids', undefined, signal), []);
  const [did, setDid] = useState('');
  const [target, setTarget] = useState(flow ?? '');
  const [unbinding, setUnbinding] = useState<DidBinding | null>(null);
  const [done, setDone] = useState('');
  const bind = useAction(async () => {
    const b = await put<DidBinding>(`/api/v1/ivr/dids/${encodeURIComponent(did.trim())}`, { flow: flow ?? target });
    setDone(`DID ${b.did} now runs flow ${b.flow}.`);
    setDid('');
    bindings.reload();
    onChange?.();
  });
  const unbind = useAction(async (b: DidBinding) => {
    await del(`/api/v1/ivr/dids/${encodeURIComponent(b.did)}`);
    setDone(`DID ${b.did} is unbound (its calls are refused).`);
    setUnbinding(null);
    bindings.reload();
    onChange?.();
  });
  const rows = bindings.data?.items.filter((b) => !flow || b.flow === flow);

  return (
    // Inside the flow page's tab panel it needs no panel of its own.
    <section className={flow ? undefined : 'panel'} aria-labelledby="did-title">
      <h2 id="did-title" className={flow ? 'visually-hidden' : undefined}>
        DID bindings
      </h2>
      <ProblemMessage error={bindings.error} />
      <DataTable
        caption={flow ? `DIDs that run ${flow}` : 'Every DID and its flow'}
        rows={rows}
        rowKey={(b) => b.did}
        empty="No DID is bound."
        columns={[
          { key: 'did', label: 'DID', render: (b) => <code>{b.did}</code> },
          { key: 'flow', label: 'Flow', render: (b) => <a href={`#/admin/flows/${encodeURIComponent(b.flow)}`}>{b.flow}</a> },
          { key: 'by', label: 'Bound by', render: (b) => b.updated_by },
          { key: 'at', label: 'When', render: (b) => dateTime(b.updated_at) },
          {
            key: 'x',
            label: 'Actions',
            render: (b) => (
              <button type="button" onClick={() => setUnbinding(b)} aria-label={`Unbind DID ${b.did}`}>
                Unbind
              </button>
            ),
          },
        ]}
      />
      <form
        className="row form-row"
        onSubmit={(e) => {
          e.preventDefault();
          setDone('');
          void bind.run();
        }}
      >
        <Field label="DID" hint="3-15 digits, no +">
          {(id, d) => <input id={id} aria-describedby={d} value={did} onChange={(e) => setDid(e.target.value)} inputMode="numeric" required />}
        </Field>
        {!flow && (
          <Field label="Runs flow">
            {(id) => (
              <select id={id} value={target} onChange={(e) => setTarget(e.target.value)} required>
                <option value="">Choose…</option>
                {flows.map((f) => (
                  <option key={f}>{f}</option>
                ))}
              </select>
            )}
          </Field>
        )}
        <button type="submit" className="primary" disabled={bind.busy || !did.trim() || !(flow ?? target)}>
          Bind DID
        </button>
      </form>
      <ProblemMessage error={bind.error ?? unbind.error} onDismiss={() => (bind.clear(), unbind.clear())} />
      <p role="status" aria-live="polite" className="muted">
        {done}
      </p>
      <ConfirmDialog
        open={!!unbinding}
        title={`Unbind DID ${unbinding?.did ?? ''}?`}
        confirmLabel="Unbind"
        danger
        busy={unbind.busy}
        onConfirm={() => unbinding && void unbind.run(unbinding)}
        onCancel={() => setUnbinding(null)}
      >
        Calls to {unbinding?.did} will be refused (UNALLOCATED_NUMBER) until it is bound again.
      </ConfirmDialog>
    </section>
  );
}
