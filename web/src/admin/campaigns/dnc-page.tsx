/** Do-not-call lists: the global list and each campaign's; add and remove numbers. */
import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { del, get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { fieldError } from '../people/ui';
import type { Campaign, DncRow, Items } from './types';

const PAGE = 100;

export function DncPage() {
  const campaigns = useResource((signal) => get<Items<Campaign>>('/api/v1/dialer/campaigns', undefined, signal), []);
  const [scope, setScope] = useState<string>('');
  const [afterIds, setAfterIds] = useState<number[]>([0]);
  const after = afterIds[afterIds.length - 1]!;
  const list = useResource((signal) => get<Items<DncRow>>('/api/v1/dialer/dnc', { campaign_id: scope || undefined, after_id: after, limit: PAGE }, signal), [scope, after]);
  const [removeFor, setRemoveFor] = useState<DncRow | null>(null);
  const remove = useAction(async (r: DncRow) => {
    await del(`/api/v1/dialer/dnc?${new URLSearchParams({ phone: r.phone_e164, ...(r.campaign_id !== null ? { campaign_id: String(r.campaign_id) } : {}) })}`);
    list.reload();
  });
  const campaignName = (id: number | null) => (id === null ? 'global' : (campaigns.data?.items.find((c) => c.id === id)?.name ?? `#${id}`));
  const rows = list.data?.items;
  const columns: Column<DncRow>[] = [
    { key: 'phone', label: 'Phone', render: (r) => r.phone_e164 },
    { key: 'list', label: 'List', render: (r) => campaignName(r.campaign_id) },
    { key: 'reason', label: 'Reason', render: (r) => r.reason },
    { key: 'added', label: 'Added', render: (r) => dateTime(r.created_at) },
    {
      key: 'actions',
      label: 'Actions',
      render: (r) => (
        <button type="button" onClick={() => setRemoveFor(r)} aria-label={`Remove ${r.phone_e164} from the ${campaignName(r.campaign_id)} list`}>
          Remove
        </button>
      ),
    },
  ];
  return (
    <div>
      <h1>Do-not-call lists</h1>
      <div className="grid-2">
        <section className="panel" aria-labelledby="dnc-h">
          <div className="row align-end">
            <h2 id="dnc-h">Numbers</h2>
            <Field label="Show list">
              {(id) => (
                <select
                  id={id}
                  value={scope}
                  onChange={(e) => {
                    setScope(e.target.value);
                    setAfterIds([0]);
                  }}
                >
                  <option value="">every list</option>
                  <option value="global">global</option>
                  {campaigns.data?.items.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <ProblemMessage error={list.error ?? campaigns.error ?? remove.error} />
          <div className="table-wrap">
            <DataTable columns={columns} rows={rows} rowKey={(r) => r.id} empty="No numbers on this list." />
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
        <section className="panel" aria-labelledby="dnc-add-h">
          <h2 id="dnc-add-h">Add a number</h2>
          <AddDnc campaigns={campaigns.data?.items ?? []} onAdded={list.reload} />
        </section>
      </div>
      <ConfirmDialog
        open={removeFor !== null}
        title={`Remove ${removeFor?.phone_e164 ?? ''}?`}
        confirmLabel="Remove"
        danger
        busy={remove.busy}
        onCancel={() => setRemoveFor(null)}
        onConfirm={async () => {
          if (removeFor) await remove.run(removeFor);
          setRemoveFor(null);
        }}
      >
        The number may be called again by {removeFor ? campaignName(removeFor.campaign_id) === 'global' ? 'every campaign' : campaignName(removeFor.campaign_id) : ''}.
      </ConfirmDialog>
    </div>
  );
}

function AddDnc({ campaigns, onAdded }: { campaigns: Campaign[]; onAdded: () => void }) {
  const [phone, setPhone] = useState('');
  const [campaignId, setCampaignId] = useState('');
  const [reason, setReason] = useState('');
  const [country, setCountry] = useState('US');
  const [added, setAdded] = useState<string | null>(null);
  const add = useAction(async () => {
    const row = await post<DncRow>('/api/v1/dialer/dnc', { phone, campaign_id: campaignId ? Number(campaignId) : null, ...(reason.trim() ? { reason: reason.trim() } : {}), country });
    setAdded(`Added ${row.phone_e164}.`);
    setPhone('');
    setReason('');
    onAdded();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setAdded(null);
    void add.run();
  };
  const err = add.error;
  return (
    <form onSubmit={submit} aria-label="Add a do-not-call number">
      <Field label="DNC phone number" error={fieldError(err, 'phone')} hint="any format; without + read in the country below">
        {(id, d) => <input id={id} aria-describedby={d} value={phone} onChange={(e) => setPhone(e.target.value)} required />}
      </Field>
      <Field label="List" error={fieldError(err, 'campaign_id')}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={campaignId} onChange={(e) => setCampaignId(e.target.value)}>
            <option value="">global (every campaign)</option>
            {campaigns.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Reason" error={fieldError(err, 'reason')} hint='default "requested"'>
        {(id, d) => <input id={id} aria-describedby={d} value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
      <Field label="Country" error={fieldError(err, 'country')}>
        {(id, d) => <input id={id} aria-describedby={d} value={country} onChange={(e) => setCountry(e.target.value)} size={3} maxLength={2} />}
      </Field>
      <ProblemMessage error={err && !fieldError(err, 'phone') ? err : null} />
      <div className="row">
        <button type="submit" className="primary" disabled={add.busy}>
          Add number
        </button>
        <span role="status" aria-live="polite">
          {added}
        </span>
      </div>
    </form>
  );
}
