/** Schedules a callback of a campaign lead for the agent themselves (POST /dialer/leads/:id/callback). */
import { useState } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { post } from '../lib/api';
import { useAction } from '../lib/hooks';

export function CallbackForm({ leadId, label, onScheduled }: { leadId: number; label?: string; onScheduled?: () => void }) {
  const [at, setAt] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const schedule = useAction(async () => {
    const when = new Date(at);
    await post(`/api/v1/dialer/leads/${leadId}/callback`, { at: when.toISOString() });
    setDone(when.toLocaleString());
    onScheduled?.();
  });
  return (
    <>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (at) void schedule.run();
        }}
      >
        <Field label={label ?? 'Call back at'}>{(id) => <input id={id} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} />}</Field>
        <button type="submit" disabled={schedule.busy || !at}>
          Schedule callback
        </button>
        {done && (
          <span className="success" role="status">
            Callback at {done}
          </span>
        )}
      </form>
      <ProblemMessage error={schedule.error} onDismiss={schedule.clear} />
    </>
  );
}
