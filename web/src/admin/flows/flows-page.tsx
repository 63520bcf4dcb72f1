import { useState } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable } from '../../components/table';
import { get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { DidBindings } from './did-bindings';
import type { FlowSummary, Items, StoredFlow } from './types';

/** A new flow starts as the smallest valid one: answer, then hang up. */
export function starterFlow(name: string): Record<string, unknown> {
  return {
    formatVersion: 1,
    name,
    timeZone: 'UTC',
    start: 'answer',
    nodes: { answer: { type: 'answer', next: 'hangup' }, hangup: { type: 'hangup', cause: 'NORMAL_CLEARING' } },
  };
}

/** The IVR flows: their live versions, the DIDs that run them, a new flow. */
export function FlowsPage() {
  const flows = useResource((signal) => get<Items<FlowSummary>>('/api/v1/ivr/flows', undefined, signal), []);
  const [name, setName] = useState('');
  const create = useAction(async () => {
    const f = await post<StoredFlow>('/api/v1/ivr/flows', { document: starterFlow(name.trim()), comment: 'created in the console' });
    navigate(`/admin/flows/${encodeURIComponent(f.name)}`);
  });
  return (
    <div>
      <h1>IVR flows</h1>
      <ProblemMessage error={flows.error} />
      <section className="panel" aria-labelledby="flows-title">
        <h2 id="flows-title">Flows</h2>
        <DataTable
          rows={flows.data?.items}
          rowKey={(f) => f.name}
          empty="No flow yet."
          columns={[
            { key: 'name', label: 'Flow', render: (f) => <a href={`#/admin/flows/${encodeURIComponent(f.name)}`}>{f.name}</a> },
            { key: 'version', label: 'Live version', num: true, render: (f) => f.version },
            { key: 'versions', label: 'Versions', num: true, render: (f) => f.versions },
            { key: 'dids', label: 'DIDs', render: (f) => (f.dids.length ? f.dids.join(', ') : <span className="muted">none</span>) },
            { key: 'updated', label: 'Published', render: (f) => `${dateTime(f.updated_at)} by ${f.updated_by}` },
            { key: 'comment', label: 'Comment', render: (f) => f.comment ?? '' },
          ]}
        />
        <form
          className="row form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <Field label="New flow name" hint="a-z, 0-9, _ and -">
            {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} required />}
          </Field>
          <button type="submit" disabled={create.busy || !name.trim()}>
            Create flow
          </button>
        </form>
        <ProblemMessage error={create.error} onDismiss={create.clear} />
      </section>
      <DidBindings flows={(flows.data?.items ?? []).map((f) => f.name)} onChange={flows.reload} />
    </div>
  );
}
