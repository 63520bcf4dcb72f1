/** Outbound campaigns: the list, and the form for a new one. Each campaign opens its own page (settings, leads, ledger). */
import { useState } from 'react';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { get } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useResource } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import type { AcdQueue } from '../people/types';
import { CampaignForm } from './campaign-form';
import type { Campaign, Items } from './types';

export function CampaignsPage() {
  const campaigns = useResource((signal) => get<Items<Campaign>>('/api/v1/dialer/campaigns', undefined, signal), []);
  const queues = useResource((signal) => get<Items<AcdQueue>>('/api/v1/acd/queues', undefined, signal), []);
  const [creating, setCreating] = useState(false);
  const columns: Column<Campaign>[] = [
    { key: 'name', label: 'Campaign', render: (c) => <a href={`#/admin/campaigns/${c.id}`}>{c.name}</a> },
    { key: 'type', label: 'Mode', render: (c) => c.type },
    { key: 'queue', label: 'Queue', render: (c) => c.queue },
    { key: 'window', label: 'Calling window', render: (c) => `${c.window_start}–${c.window_end}` },
    { key: 'tz', label: 'Time zone', render: (c) => c.timezone },
    { key: 'schedule', label: 'Schedule', render: (c) => (c.settings.schedule ? `${c.settings.schedule.start} → ${c.settings.schedule.stop}` : '–') },
    { key: 'state', label: 'State', render: (c) => <span className={`pill ${c.enabled ? 'ok' : 'logged_out'}`}>{c.enabled ? 'running' : 'stopped'}</span> },
    { key: 'updated', label: 'Updated', render: (c) => dateTime(c.updated_at) },
  ];
  return (
    <div>
      <h1>Campaigns</h1>
      <section className="panel" aria-labelledby="campaigns-h">
        <div className="row">
          <h2 id="campaigns-h">Campaigns</h2>
          <button type="button" onClick={() => setCreating((x) => !x)} aria-expanded={creating}>
            New campaign
          </button>
          <a href="#/admin/dnc">Do-not-call lists</a>
        </div>
        <ProblemMessage error={campaigns.error ?? queues.error} />
        <div className="table-wrap">
          <DataTable columns={columns} rows={campaigns.data?.items} rowKey={(c) => c.id} empty="No campaigns yet." />
        </div>
      </section>
      {creating && queues.data && (
        <section className="panel" aria-labelledby="new-campaign-h">
          <h2 id="new-campaign-h">New campaign</h2>
          <CampaignForm campaign={null} queues={queues.data.items.map((q) => q.name)} onSaved={(c) => navigate(`/admin/campaigns/${c.id}`)} />
        </section>
      )}
    </div>
  );
}
