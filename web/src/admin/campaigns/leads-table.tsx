/** The leads of a campaign, oldest first, a page at a time. Names and fields come from a CSV: rendered as text. */
import { useState } from 'react';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { get } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useResource } from '../../lib/hooks';
import type { Items, Lead } from './types';

const PAGE = 50;

export function LeadsTable({ campaignId, version }: { campaignId: number; version: number }) {
  const [afterIds, setAfterIds] = useState<number[]>([0]);
  const after = afterIds[afterIds.length - 1]!;
  const leads = useResource((signal) => get<Items<Lead>>(`/api/v1/dialer/campaigns/${campaignId}/leads`, { after_id: after, limit: PAGE }, signal), [campaignId, after, version]);
  const rows = leads.data?.items;
  const columns: Column<Lead>[] = [
    { key: 'name', label: 'Name', render: (l) => l.name ?? '' },
    { key: 'phone', label: 'Phone', render: (l) => l.phone_e164 },
    { key: 'status', label: 'Status', render: (l) => l.status },
    { key: 'attempts', label: 'Attempts', num: true, render: (l) => l.attempts },
    { key: 'next', label: 'Next attempt', render: (l) => dateTime(l.callback_at ?? l.next_attempt_at) },
    { key: 'outcome', label: 'Last outcome', render: (l) => l.last_outcome ?? '–' },
    {
      key: 'fields',
      label: 'Fields',
      render: (l) =>
        Object.entries(l.fields)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; '),
    },
  ];
  return (
    <section className="panel" aria-labelledby="leads-h">
      <h2 id="leads-h">Leads</h2>
      <ProblemMessage error={leads.error} />
      <div className="table-wrap">
        <DataTable columns={columns} rows={rows} rowKey={(l) => l.id} empty="No leads." />
      </div>
      <div className="row">
        {afterIds.length > 1 && (
          <button type="button" onClick={() => setAfterIds((a) => a.slice(0, -1))}>
            Previous
          </button>
        )}
        {rows && rows.length === PAGE && (
          <button type="button" onClick={() => setAfterIds((a) => [...a, rows[rows.length - 1]!.id])}>
            Next
          </button>
        )}
      </div>
    </section>
  );
}
