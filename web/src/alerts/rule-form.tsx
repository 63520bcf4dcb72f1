/** Admin: a new threshold rule (POST /api/v1/alerts/rules); the API's 400 problem details are shown at the form. */
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { post } from '../lib/api';
import { useAction } from '../lib/hooks';
import { METRICS, type ScopeKind } from './types';

/** A number field's value for the API: empty is left out (the API's default); anything else is sent as typed. */
const optionalNumber = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));

export function RuleForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<ScopeKind>('queue');
  const [target, setTarget] = useState('');
  const [metric, setMetric] = useState<string>(METRICS.queue[0]);
  const [direction, setDirection] = useState<'above' | 'below'>('below');
  const [threshold, setThreshold] = useState('');
  const [clear, setClear] = useState('');
  const [windowMin, setWindowMin] = useState('');
  const [forSec, setForSec] = useState('');
  const [clearForSec, setClearForSec] = useState('');
  const [created, setCreated] = useState<string | null>(null);

  const save = useAction(async () => {
    const scope = kind === 'queue' ? { kind, queue: target } : kind === 'campaign' ? { kind, campaign: target } : { kind };
    const body = {
      name,
      scope,
      metric,
      direction,
      threshold: optionalNumber(threshold),
      clear_threshold: optionalNumber(clear),
      window_min: optionalNumber(windowMin),
      for_sec: optionalNumber(forSec),
      clear_for_sec: optionalNumber(clearForSec),
    };
    const r = await post<{ id: number; name: string }>('/api/v1/alerts/rules', body);
    setCreated(r.name);
    setName('');
    onCreated();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    void save.run();
  };

  return (
    <form className="panel" onSubmit={submit} aria-label="New alert rule">
      <h3>New rule</h3>
      <div className="row align-end">
        <Field label="Name">{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Scope">
          {(id) => (
            <select
              id={id}
              value={kind}
              onChange={(e) => {
                const k = e.target.value as ScopeKind;
                setKind(k);
                setMetric(METRICS[k][0]);
              }}
            >
              <option value="queue">queue</option>
              <option value="campaign">campaign</option>
              <option value="global">global</option>
            </select>
          )}
        </Field>
        {kind !== 'global' && <Field label={kind === 'queue' ? 'Queue' : 'Campaign'}>{(id) => <input id={id} value={target} onChange={(e) => setTarget(e.target.value)} />}</Field>}
        <Field label="Metric">
          {(id) => (
            <select id={id} value={metric} onChange={(e) => setMetric(e.target.value)}>
              {METRICS[kind].map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Direction">
          {(id) => (
            <select id={id} value={direction} onChange={(e) => setDirection(e.target.value as 'above' | 'below')}>
              <option value="above">above</option>
              <option value="below">below</option>
            </select>
          )}
        </Field>
        <Field label="Threshold">{(id) => <input id={id} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}</Field>
        <Field label="Clear threshold" hint="optional">{(id, d) => <input id={id} aria-describedby={d} inputMode="decimal" value={clear} onChange={(e) => setClear(e.target.value)} />}</Field>
        <Field label="Window (min)" hint="default 15">{(id, d) => <input id={id} aria-describedby={d} inputMode="numeric" value={windowMin} onChange={(e) => setWindowMin(e.target.value)} />}</Field>
        <Field label="For (s)" hint="default 0">{(id, d) => <input id={id} aria-describedby={d} inputMode="numeric" value={forSec} onChange={(e) => setForSec(e.target.value)} />}</Field>
        <Field label="Clear for (s)" hint="default 60">{(id, d) => <input id={id} aria-describedby={d} inputMode="numeric" value={clearForSec} onChange={(e) => setClearForSec(e.target.value)} />}</Field>
        <button type="submit" disabled={save.busy}>
          Add rule
        </button>
      </div>
      <ProblemMessage error={save.error} onDismiss={save.clear} />
      {created && <p role="status">Rule {created} added.</p>}
    </form>
  );
}
