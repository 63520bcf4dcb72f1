/** One campaign: its settings form, the lead import with its per-row report, the leads, and the dial ledger. */
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { del, get } from '../../lib/api';
import { useAction, useResource } from '../../lib/hooks';
import { navigate } from '../../lib/router';
import type { AcdQueue } from '../people/types';
import { CampaignForm } from './campaign-form';
import { LeadImport } from './lead-import';
import { LeadsTable } from './leads-table';
import { LedgerPanel } from './ledger';
import type { Campaign, Items } from './types';

export function CampaignPage({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const campaign = useResource((signal) => get<Campaign>(`/api/v1/dialer/campaigns/${id}`, undefined, signal), [id]);
  const queues = useResource((signal) => get<Items<AcdQueue>>('/api/v1/acd/queues', undefined, signal), []);
  const [leadsVersion, setLeadsVersion] = useState(0);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useAction(async () => {
    await del(`/api/v1/dialer/campaigns/${id}`);
    navigate('/admin/campaigns');
  });
  const c = campaign.data;
  return (
    <div>
      <p>
        <a href="#/admin/campaigns">← Campaigns</a>
      </p>
      <h1>{c ? `Campaign ${c.name}` : 'Campaign'}</h1>
      <ProblemMessage error={campaign.error ?? queues.error ?? remove.error} />
      {c && queues.data && (
        <>
          <details className="panel" open>
            <summary>
              <h2 className="inline">Settings</h2>
            </summary>
            <CampaignForm
              campaign={c}
              queues={queues.data.items.map((q) => q.name)}
              onSaved={() => campaign.reload()}
            />
            <div className="row end">
              <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>
                Delete campaign
              </button>
            </div>
          </details>
          <LeadImport campaignId={id} onImported={() => setLeadsVersion((v) => v + 1)} />
          <LeadsTable campaignId={id} version={leadsVersion} />
          <LedgerPanel campaignId={id} />
        </>
      )}
      <ConfirmDialog
        open={confirmDelete}
        title={`Delete campaign ${c?.name ?? ''}?`}
        confirmLabel="Delete"
        danger
        busy={remove.busy}
        onCancel={() => setConfirmDelete(false)}
        onConfirm={async () => {
          await remove.run();
          setConfirmDelete(false);
        }}
      >
        Its leads and its do-not-call list go with it.
      </ConfirmDialog>
    </div>
  );
}
