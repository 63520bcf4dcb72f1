/** The dial ledger of a campaign: why a number was called or skipped, searchable by phone number, newest first. */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { get } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useResource } from '../../lib/hooks';
import type { Items, LedgerRow } from './types';

const PAGE = 100;

export function LedgerPanel({ campaignId }: { campaignId: number }) {
  const [phone, setPhone] = useState('');
  const [search, setSearch] = useState<{ phone: string; beforeId?: number }>({ phone: '' });
  const ledger = useResource(
    (signal) => get<Items<LedgerRow>>(`/api/v1/dialer/campaigns/${campaignId}/ledger`, { phone: search.phone || undefined, before_id: search.beforeId, limit: PAGE }, signal),
    [campaignId, search.phone, search.beforeId],
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSearch({ phone: phone.trim() });
  };
  const rows = ledger.data?.items;
  const columns: Column<LedgerRow>[] = [
    { key: 'at', label: 'When', render: (r) => dateTime(r.at) },
    { key: 'phone', label: 'Phone', render: (r) => r.phone_e164 },
    { key: 'action', label: 'Action', render: (r) => <span className={`pill ${r.action === 'dial' ? 'ok' : 'warn'}`}>{r.action}</span> },
    { key: 'reason', label: 'Reason', render: (r) => r.reason },
    { key: 'detail', label: 'Detail', render: (r) => r.detail },
    { key: 'attempt', label: 'Attempt', num: true, render: (r) => r.attempt },
    { key: 'outcome', label: 'Outcome', render: (r) => r.outcome ?? (r.action === 'dial' ? 'in progress' : '–') },
    { key: 'agent', label: 'Agent', render: (r) => (r.agent_id === null ? '–' : `#${r.agent_id}`) },
    { key: 'lead', label: 'Lead', render: (r) => (r.lead_id === null ? '–' : `#${r.lead_id}`) },
  ];
  return (
    <section className="panel" aria-labelledby="ledger-h">
      <h2 id="ledger-h">Dial ledger</h2>
      <form onSubmit={submit} className="row align-end" role="search" aria-label="Search the ledger">
        <Field label="Phone number" hint="any format; without + read as US">
          {(id, d) => <input id={id} aria-describedby={d} type="search" value={phone} onChange={(e) => setPhone(e.target.value)} />}
        </Field>
        <button type="submit">Search ledger</button>
        {search.phone && (
          <button
            type="button"
            onClick={() => {
              setPhone('');
              setSearch({ phone: '' });
            }}
          >
            Show all
          </button>
        )}
      </form>
      <ProblemMessage error={ledger.error} />
      <div className="table-wrap" aria-live="polite" aria-busy={ledger.loading}>
        <DataTable caption={search.phone ? `Ledger rows for ${search.phone}` : 'Latest ledger rows'} columns={columns} rows={ledger.error ? [] : rows} rowKey={(r) => r.id} empty="No ledger rows." />
      </div>
      <div className="row">
        {search.beforeId !== undefined && (
          <button type="button" onClick={() => setSearch({ phone: search.phone })}>
            Newest
          </button>
        )}
        {rows && rows.length === PAGE && (
          <button type="button" onClick={() => setSearch({ phone: search.phone, beforeId: rows[rows.length - 1]!.id })}>
            Older
          </button>
        )}
      </div>
    </section>
  );
}
