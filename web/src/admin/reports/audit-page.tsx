/** The audit log of changes: who did what to which target, filterable, a page at a time, with before/after. */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { get } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useResource } from '../../lib/hooks';
import { rangeQuery } from './range';
import type { AuditEntry, AuditPage as Page } from './types';

const PAGE = 50;

interface Filters {
  action: string;
  actor_name: string;
  target_type: string;
  target_id: string;
  from: string;
  to: string;
}

const EMPTY: Filters = { action: '', actor_name: '', target_type: '', target_id: '', from: '', to: '' };

export function AuditPage() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [offset, setOffset] = useState(0);
  const query = {
    action: filters.action.trim() || undefined,
    actor_name: filters.actor_name.trim() || undefined,
    target_type: filters.target_type.trim() || undefined,
    target_id: filters.target_id.trim() || undefined,
    from: filters.from ? rangeQuery(filters.from, filters.from).from : undefined,
    to: filters.to ? rangeQuery(filters.to, filters.to).to : undefined,
    limit: PAGE,
    offset,
  };
  const page = useResource((signal) => get<Page>('/api/v1/audit', query, signal), [JSON.stringify(query)]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setFilters(draft);
  };
  const text = (k: keyof Filters, label: string, hint?: string) => (
    <Field label={label} hint={hint}>
      {(id, d) => <input id={id} aria-describedby={d} value={draft[k]} onChange={(e) => setDraft({ ...draft, [k]: e.target.value })} type={k === 'from' || k === 'to' ? 'date' : 'text'} />}
    </Field>
  );
  const p = page.data;
  return (
    <div>
      <h1>Audit log</h1>
      <form className="panel row align-end" onSubmit={submit} role="search" aria-label="Filter the audit log">
        {text('action', 'Action', 'e.g. user.create')}
        {text('actor_name', 'Actor', 'username or API key name')}
        {text('target_type', 'Target type', 'e.g. user, acd_queue')}
        {text('target_id', 'Target id')}
        {text('from', 'From (UTC day)')}
        {text('to', 'To (UTC day, included)')}
        <button type="submit" className="primary">
          Filter
        </button>
        <button
          type="button"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
            setOffset(0);
          }}
        >
          Clear
        </button>
      </form>
      <ProblemMessage error={page.error} />
      <section className="panel table-wrap" aria-live="polite">
        <table className="data">
          <caption>{p ? `${p.total} entries${p.total ? `; ${p.offset + 1}–${p.offset + p.items.length} shown` : ''}` : 'Loading…'}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">From</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {p?.items.map((e) => <AuditRow key={e.id} e={e} />)}
            {p && p.items.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No entries match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        <div className="row">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
            Newer
          </button>
          <button type="button" disabled={!p || offset + PAGE >= p.total} onClick={() => setOffset(offset + PAGE)}>
            Older
          </button>
        </div>
      </section>
    </div>
  );
}

function AuditRow({ e }: { e: AuditEntry }) {
  return (
    <tr>
      <td>{dateTime(e.at)}</td>
      <td>
        {e.actor_name} <span className="muted">({e.actor_type.replace('_', ' ')})</span>
      </td>
      <td>
        <code>{e.action}</code>
      </td>
      <td>{e.target_type ? `${e.target_type} ${e.target_id ?? ''}` : '–'}</td>
      <td>{e.ip ?? '–'}</td>
      <td>
        {e.before === null && e.after === null ? (
          '–'
        ) : (
          <details>
            <summary>before / after</summary>
            <div className="audit-change">
              <pre aria-label="Before">{e.before === null ? '(none)' : JSON.stringify(e.before, null, 2)}</pre>
              <pre aria-label="After">{e.after === null ? '(none)' : JSON.stringify(e.after, null, 2)}</pre>
            </div>
          </details>
        )}
      </td>
    </tr>
  );
}
