/**
 * Wrap-up of the last call: disposition (the queue's list, or free text when it has none) and notes, saved to the
 * queue call; a callback of the lead when the call came from a campaign. The form stays until it is saved or
 * dismissed, even when the wrap-up time runs out, so typed notes are never lost.
 */
import { useState } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { ApiError, post } from '../lib/api';
import { duration } from '../lib/format';
import { useAction, useNow } from '../lib/hooks';
import { CallTicket } from '../tickets/call-ticket';
import { CallbackForm } from './callback-form';

export interface WrapTarget {
  callId: string;
  queue: string | null;
  /** The campaign lead of the call (a preview dial from this desktop), for a callback. */
  leadId: number | null;
  /** The caller's number and profile from the call's screen pop, for a ticket. */
  callerNumber?: string | null;
  profileId?: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The queue call row is written a moment after the call ends: a 409 with Retry-After is retried a few times. */
async function saveDisposition(body: { call_id: string; disposition: string; notes: string | null }): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await post('/api/v1/acd/me/disposition', body);
      return;
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 409 || attempt >= 8) throw err;
      await sleep(1000);
    }
  }
}

export function WrapUpPanel({
  target,
  dispositions,
  endsAt,
  inWrapUp,
  onSaved,
  onDismiss,
  onEndWrapUp,
}: {
  target: WrapTarget;
  dispositions: string[];
  endsAt: string | null;
  inWrapUp: boolean;
  onSaved: () => void;
  onDismiss: () => void;
  onEndWrapUp: () => void;
}) {
  const now = useNow();
  const [disposition, setDisposition] = useState(dispositions[0] ?? '');
  const [notes, setNotes] = useState('');
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async () => {
    await saveDisposition({ call_id: target.callId, disposition, notes: notes.trim() ? notes : null });
    setSaved(disposition);
    onSaved();
  });
  const end = useAction(async () => {
    await post('/api/v1/acd/me/wrap-up/end');
    onEndWrapUp();
  });
  const left = inWrapUp && endsAt ? Date.parse(endsAt) - now : null;

  return (
    <section className="panel wrap-up" aria-labelledby="wrap-h">
      <div className="row">
        <h2 id="wrap-h">Wrap-up{target.queue ? <span className="muted"> · {target.queue}</span> : null}</h2>
        {left !== null && (
          <span className="wrap-countdown big" aria-label={`wrap-up ends in ${duration(Math.max(0, left))}`}>
            {duration(Math.max(0, left))}
          </span>
        )}
        <span className="spacer" />
        {!inWrapUp && (
          <button type="button" className="link" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (disposition.trim()) void save.run();
        }}
      >
        <Field label="Disposition" hint={dispositions.length ? undefined : 'this queue has no list; type one (e.g. "resolved")'}>
          {(id, hint) =>
            dispositions.length ? (
              <select id={id} value={disposition} onChange={(e) => setDisposition(e.target.value)} aria-describedby={hint}>
                {dispositions.map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
              </select>
            ) : (
              <input id={id} value={disposition} onChange={(e) => setDisposition(e.target.value)} maxLength={64} aria-describedby={hint} />
            )
          }
        </Field>
        <Field label="Notes">
          {(id) => <textarea id={id} rows={3} value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={4000} />}
        </Field>
        <div className="row">
          <button type="submit" className="primary" disabled={save.busy || !disposition.trim()}>
            {save.busy ? 'Saving…' : saved ? 'Save again' : 'Save disposition'}
          </button>
          {inWrapUp && (
            <button type="button" disabled={end.busy} onClick={() => void end.run()}>
              End wrap-up (ready)
            </button>
          )}
          {saved && (
            <span className="success" role="status">
              Saved: {saved}
            </span>
          )}
        </div>
      </form>
      <ProblemMessage error={save.error} onDismiss={save.clear} />
      <ProblemMessage error={end.error} onDismiss={end.clear} />
      <h3>Ticket</h3>
      <CallTicket prefill={{ callUuid: target.callId, callerNumber: target.callerNumber ?? null, profileId: target.profileId ?? null }} label="New ticket for this call" />
      <h3>Callback</h3>
      {target.leadId !== null ? (
        <CallbackForm leadId={target.leadId} />
      ) : (
        <p className="muted small">Callbacks are scheduled on campaign leads; this call did not come from one (note it in the disposition).</p>
      )}
    </section>
  );
}
