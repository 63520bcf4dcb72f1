/**
 * Outbound work: a manual dial, the next lead of a preview campaign (its fields as text; dial or skip), and the
 * agent's own scheduled callbacks.
 */
import { useState } from 'react';
import { DataTable } from '../components/table';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { get, post } from '../lib/api';
import { dateTime } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';
import { CallbackForm } from './callback-form';
import type { Callback, Preview } from './types';

export function OutboundPanel({ canDial, onDialed }: { canDial: boolean; onDialed: (leadId: number | null) => void }) {
  const [number, setNumber] = useState('');
  const [preview, setPreview] = useState<Preview | null>(null);
  // The last lead dialled from here, for a callback after the call (outbound calls have no wrap-up by default).
  const [lastLead, setLastLead] = useState<{ id: number; name: string } | null>(null);
  const dial = useAction(async () => {
    await post('/api/v1/acd/me/outbound', { number: number.trim() });
    onDialed(null);
  });
  const next = useAction(async () => setPreview(await get<Preview>('/api/v1/dialer/me/preview')));
  const dialLead = useAction(async (leadId: number) => {
    await post('/api/v1/dialer/me/preview/dial', { lead_id: leadId });
    const l = preview?.lead;
    setLastLead({ id: leadId, name: l ? (l.name ?? l.phone_e164) : `lead ${leadId}` });
    setPreview(null);
    onDialed(leadId);
  });
  const skip = useAction(async (leadId: number) => {
    await post('/api/v1/dialer/me/preview/skip', { lead_id: leadId, reason: 'skipped by the agent' });
    setPreview(await get<Preview>('/api/v1/dialer/me/preview'));
  });
  const callbacks = useResource((signal) => get<{ items: Callback[] }>('/api/v1/dialer/me/callbacks', undefined, signal), [], { intervalMs: 60_000 });
  const lead = preview?.lead ?? null;

  return (
    <section className="panel" aria-labelledby="out-h">
      <h2 id="out-h">Outbound</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (number.trim()) void dial.run();
        }}
      >
        <Field label="Number to dial">
          {(id) => <input id={id} type="tel" inputMode="tel" value={number} onChange={(e) => setNumber(e.target.value)} placeholder="+14155550123" autoComplete="off" />}
        </Field>
        <button type="submit" disabled={!canDial || dial.busy || !number.trim()} title={canDial ? 'your phone rings first, then the number' : 'log in, without a call, to dial'}>
          {dial.busy ? 'Calling your phone…' : 'Dial'}
        </button>
      </form>
      <ProblemMessage error={dial.error} onDismiss={dial.clear} />

      <h3>Preview campaign</h3>
      {lead ? (
        <article className="lead-card" aria-label={`Lead ${lead.name ?? lead.phone_e164}`}>
          <div className="row">
            <strong>{lead.name ?? 'No name'}</strong>
            <span>{lead.phone_e164}</span>
            <span className="pill">{preview?.campaign?.name}</span>
            <span className="muted">attempt {lead.attempts + 1}</span>
          </div>
          {Object.keys(lead.fields).length > 0 && (
            <dl className="kv">
              {Object.entries(lead.fields).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          )}
          <div className="row">
            <button type="button" className="primary" disabled={!canDial || dialLead.busy} onClick={() => void dialLead.run(lead.id)}>
              Dial lead
            </button>
            <button type="button" disabled={skip.busy} onClick={() => void skip.run(lead.id)}>
              Skip lead
            </button>
          </div>
        </article>
      ) : (
        <div className="row">
          <button type="button" disabled={next.busy} onClick={() => void next.run()}>
            Next preview lead
          </button>
          {preview && !preview.lead && <span className="muted">No lead to preview now.</span>}
        </div>
      )}
      <ProblemMessage error={next.error ?? dialLead.error ?? skip.error} />
      {lastLead && (
        <div className="lead-card">
          <div className="row">
            <span>
              Last lead: <strong>{lastLead.name}</strong>
            </span>
            <span className="spacer" />
            <button type="button" className="link" onClick={() => setLastLead(null)}>
              Dismiss
            </button>
          </div>
          <CallbackForm key={lastLead.id} leadId={lastLead.id} onScheduled={() => callbacks.reload()} />
        </div>
      )}

      <h3>My callbacks</h3>
      <ProblemMessage error={callbacks.error} />
      <div className="table-wrap">
        <DataTable
          rows={callbacks.error ? [] : callbacks.data?.items}
          rowKey={(c) => c.lead_id}
          empty="No callbacks scheduled for you."
          columns={[
            { key: 'at', label: 'When', render: (c) => dateTime(c.callback_at) },
            { key: 'who', label: 'Lead', render: (c) => c.name ?? '–' },
            { key: 'phone', label: 'Number', render: (c) => c.phone_e164 },
            { key: 'camp', label: 'Campaign', render: (c) => c.campaign ?? `#${c.campaign_id}` },
          ]}
        />
      </div>
    </section>
  );
}
