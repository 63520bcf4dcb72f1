import { useState } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable } from '../../components/table';
import { get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import { ApplyPanel } from './apply-panel';
import type { DialplanSummary, DialplanVersionFull, Items } from './types';

/** A new context starts with one harmless extension (echo test), so it validates. */
const STARTER = `<include>
  <extension name="echo">
    <condition field="destination_number" expression="^9196$">
      <action application="answer"/>
      <action application="echo"/>
    </condition>
  </extension>
</include>
`;

/** Dialplan contexts at their current version, a new context, and apply to all nodes. */
export function DialplansPage() {
  const list = useResource((signal) => get<Items<DialplanSummary>>('/api/v1/dialplans', undefined, signal), []);
  const [context, setContext] = useState('');
  const create = useAction(async () => {
    const c = await post<DialplanVersionFull>('/api/v1/dialplans', { context: context.trim(), xml: STARTER, comment: 'created in the console' });
    navigate(`/admin/dialplans/${encodeURIComponent(c.context)}`);
  });
  return (
    <div>
      <h1>Dialplans</h1>
      <ProblemMessage error={list.error} />
      <section className="panel" aria-labelledby="ctx-title">
        <h2 id="ctx-title">Contexts</h2>
        <DataTable
          rows={list.data?.items}
          rowKey={(c) => c.context}
          empty="No context yet."
          columns={[
            { key: 'context', label: 'Context', render: (c) => <a href={`#/admin/dialplans/${encodeURIComponent(c.context)}`}>{c.context}</a> },
            { key: 'version', label: 'Version', num: true, render: (c) => c.version },
            { key: 'ext', label: 'Extensions', num: true, render: (c) => c.extensions },
            { key: 'by', label: 'Saved', render: (c) => `${dateTime(c.created_at)} by ${c.author_name}` },
            { key: 'comment', label: 'Comment', render: (c) => c.comment ?? '' },
          ]}
        />
        <form
          className="row form-row"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <Field label="New context" hint="letters, digits, _ . -">
            {(id, d) => <input id={id} aria-describedby={d} value={context} onChange={(e) => setContext(e.target.value)} required />}
          </Field>
          <button type="submit" disabled={create.busy || !context.trim()}>
            Create context
          </button>
        </form>
        <ProblemMessage error={create.error} onDismiss={create.clear} />
      </section>
      <ApplyPanel />
    </div>
  );
}
