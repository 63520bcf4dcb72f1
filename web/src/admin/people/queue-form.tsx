/**
 * The queue document as a form: routing (strategy, required skills, proficiency and its relaxation over time), service
 * level, wrap-up and offer timing, overflow, announcements, callbacks, recording. The API validates; its field errors
 * are shown at the field they name.
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { patch, post, type ApiError } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import { ROUTING_STRATEGIES, STRATEGY_HINTS, type AcdQueue, type OverflowTarget, type QueueConfig, type RoutingStrategy } from './types';
import { fieldError, FormFooter, otherErrors, splitList } from './ui';

/** What a new queue gets for what it leaves out (mirrors DEFAULT_QUEUE_CONFIG in src/acd/config-store.ts). */
export const NEW_QUEUE: Omit<QueueConfig, 'name'> = {
  strategy: 'longest_idle',
  requiredSkills: [],
  minProficiency: 1,
  relaxation: [],
  serviceLevelSec: 20,
  maxWaitSec: 0,
  overflow: null,
  noAgents: null,
  wrapUpSec: 10,
  offerTimeoutSec: 20,
  maxNoAnswer: 3,
  rejectDelaySec: 5,
  busyDelaySec: 10,
  noAnswerDelaySec: 10,
  mohSound: 'local_stream://moh',
  announceIntervalSec: 30,
  announcePosition: true,
  announceEwt: true,
  callbackKey: null,
  callbackConnect: 'agent_first',
  recordingPolicy: 'never',
  dispositions: [],
};

type NumberKey = {
  [K in keyof QueueConfig]: QueueConfig[K] extends number ? K : never;
}[keyof QueueConfig];

const NUMBERS: Array<{ key: NumberKey; label: string; hint: string }> = [
  { key: 'serviceLevelSec', label: 'Service level (s)', hint: 'answered within this counts toward the service level' },
  { key: 'maxWaitSec', label: 'Max wait (s)', hint: '0 = no limit; then the overflow target' },
  { key: 'wrapUpSec', label: 'Wrap-up (s)', hint: 'after each call, before the next offer' },
  { key: 'offerTimeoutSec', label: 'Offer timeout (s)', hint: 'ring time per agent' },
  { key: 'maxNoAnswer', label: 'Max no-answer', hint: 'missed offers in a row before the agent is set not ready (0 = never)' },
  { key: 'rejectDelaySec', label: 'Reject delay (s)', hint: 'pause after an agent rejects' },
  { key: 'busyDelaySec', label: 'Busy delay (s)', hint: 'pause after a busy phone' },
  { key: 'noAnswerDelaySec', label: 'No-answer delay (s)', hint: 'pause after a missed offer' },
  { key: 'announceIntervalSec', label: 'Announce every (s)', hint: '0 = no announcements' },
  { key: 'minProficiency', label: 'Min proficiency', hint: '1-10 in each required skill' },
];

interface Draft {
  name: string;
  strategy: RoutingStrategy;
  skills: string;
  numbers: Record<NumberKey, string>;
  relaxation: Array<{ afterSec: string; minProficiency: string }>;
  overflow: OverflowTarget | null;
  noAgents: OverflowTarget | null;
  mohSound: string;
  announcePosition: boolean;
  announceEwt: boolean;
  callbackKey: string;
  callbackConnect: QueueConfig['callbackConnect'];
  recordingPolicy: QueueConfig['recordingPolicy'];
  dispositions: string;
}

function draftOf(name: string, c: Omit<QueueConfig, 'name'>): Draft {
  return {
    name,
    strategy: c.strategy,
    skills: c.requiredSkills.join(', '),
    numbers: Object.fromEntries(NUMBERS.map((n) => [n.key, String(c[n.key])])) as Record<NumberKey, string>,
    relaxation: c.relaxation.map((s) => ({ afterSec: String(s.afterSec), minProficiency: s.minProficiency === null ? '' : String(s.minProficiency) })),
    overflow: c.overflow,
    noAgents: c.noAgents,
    mohSound: c.mohSound,
    announcePosition: c.announcePosition,
    announceEwt: c.announceEwt,
    callbackKey: c.callbackKey ?? '',
    callbackConnect: c.callbackConnect,
    recordingPolicy: c.recordingPolicy,
    dispositions: (c.dispositions ?? []).join(', '),
  };
}

/** A number field's value: blank stays blank so the API says "is required" at the field rather than us guessing. */
const num = (s: string): number => (s.trim() === '' ? NaN : Number(s));

function bodyOf(d: Draft): Omit<QueueConfig, 'name'> {
  return {
    strategy: d.strategy,
    requiredSkills: splitList(d.skills),
    ...(Object.fromEntries(NUMBERS.map((n) => [n.key, num(d.numbers[n.key])])) as Record<NumberKey, number>),
    relaxation: d.relaxation.map((s) => ({ afterSec: num(s.afterSec), minProficiency: s.minProficiency.trim() === '' ? null : num(s.minProficiency) })),
    overflow: d.overflow,
    noAgents: d.noAgents,
    mohSound: d.mohSound,
    announcePosition: d.announcePosition,
    announceEwt: d.announceEwt,
    callbackKey: d.callbackKey.trim() || null,
    callbackConnect: d.callbackConnect,
    recordingPolicy: d.recordingPolicy,
    dispositions: splitList(d.dispositions),
  };
}

export function QueueForm({ queue, queueNames, onSaved }: { queue: AcdQueue | null; queueNames: string[]; onSaved: (q: AcdQueue) => void }) {
  const [d, setD] = useState<Draft>(() => (queue ? draftOf(queue.name, queue.config) : draftOf('', NEW_QUEUE)));
  const [saved, setSaved] = useState<string | null>(null);
  const set = (p: Partial<Draft>) => setD((x) => ({ ...x, ...p }));
  const save = useAction(async () => {
    // JSON has no NaN: a blank or non-numeric field goes as a string so the API names it ("expected number").
    const body = JSON.parse(JSON.stringify(bodyOf(d), (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? 'not a number' : v)));
    const q = queue ? await patch<AcdQueue>(`/api/v1/acd/queues/${encodeURIComponent(queue.name)}`, body) : await post<AcdQueue>('/api/v1/acd/queues', { name: d.name.trim(), ...body });
    setSaved(`Saved queue ${q.name}.`);
    setD(draftOf(q.name, q.config)); // what was stored, defaults filled in
    onSaved(q);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void save.run();
  };
  const err = save.error;
  const shown = ['name', 'strategy', 'requiredSkills', 'relaxation', 'overflow', 'noAgents', 'mohSound', 'callbackKey', 'callbackConnect', 'recordingPolicy', 'dispositions', 'announcePosition', 'announceEwt', ...NUMBERS.map((n) => n.key)];
  const rest = otherErrors(err, shown);
  return (
    <form onSubmit={submit} aria-label={queue ? `Queue ${queue.name}` : 'New queue'} className="queue-form">
      <div className="form-grid">
        <Field label="Queue name" error={fieldError(err, 'name')} hint={queue ? 'names cannot change' : 'letters, digits, _ . -'}>
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.name} onChange={(e) => set({ name: e.target.value })} disabled={queue !== null} required />}
        </Field>
        <Field label="Strategy" error={fieldError(err, 'strategy')} hint={STRATEGY_HINTS[d.strategy]}>
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.strategy} onChange={(e) => set({ strategy: e.target.value as RoutingStrategy })}>
              {ROUTING_STRATEGIES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Required skills" error={fieldError(err, 'requiredSkills', { prefix: true })} hint="comma-separated; agents need each one">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.skills} onChange={(e) => set({ skills: e.target.value })} />}
        </Field>
        <Field label="Dispositions" error={fieldError(err, 'dispositions', { prefix: true })} hint="comma-separated; agents pick one in wrap-up (blank = free text)">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.dispositions} onChange={(e) => set({ dispositions: e.target.value })} />}
        </Field>
        {NUMBERS.map((n) => (
          <Field key={n.key} label={n.label} hint={n.hint} error={fieldError(err, n.key)}>
            {(id, desc) => (
              <input id={id} aria-describedby={desc} inputMode="numeric" value={d.numbers[n.key]} onChange={(e) => set({ numbers: { ...d.numbers, [n.key]: e.target.value } })} />
            )}
          </Field>
        ))}
      </div>

      <fieldset>
        <legend>Proficiency relaxation</legend>
        <p className="muted">After a call waited this long, the minimum proficiency drops (blank = any agent of the queue).</p>
        {fieldError(err, 'relaxation', { prefix: true }) && <p className="error">{fieldError(err, 'relaxation', { prefix: true })}</p>}
        {d.relaxation.map((s, i) => (
          <div className="row" key={i}>
            <Field label={`Step ${i + 1}: after (s)`} error={fieldError(err, `relaxation.${i}.afterSec`)}>
              {(id) => <input id={id} inputMode="numeric" value={s.afterSec} size={6} onChange={(e) => set({ relaxation: d.relaxation.map((x, j) => (j === i ? { ...x, afterSec: e.target.value } : x)) })} />}
            </Field>
            <Field label={`Step ${i + 1}: min proficiency`} error={fieldError(err, `relaxation.${i}.minProficiency`)}>
              {(id) => <input id={id} inputMode="numeric" value={s.minProficiency} size={4} onChange={(e) => set({ relaxation: d.relaxation.map((x, j) => (j === i ? { ...x, minProficiency: e.target.value } : x)) })} />}
            </Field>
            <button type="button" onClick={() => set({ relaxation: d.relaxation.filter((_, j) => j !== i) })} aria-label={`Remove step ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => set({ relaxation: [...d.relaxation, { afterSec: '', minProficiency: '' }] })}>
          Add step
        </button>
      </fieldset>

      <div className="form-grid">
        <TargetField label="Overflow (after max wait)" value={d.overflow} queueNames={queueNames} error={err} field="overflow" onChange={(overflow) => set({ overflow })} />
        <TargetField label="When no agent is logged in" value={d.noAgents} queueNames={queueNames} error={err} field="noAgents" onChange={(noAgents) => set({ noAgents })} />
        <Field label="Music on hold" error={fieldError(err, 'mohSound')} hint="a sound file or local_stream:// URL">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.mohSound} onChange={(e) => set({ mohSound: e.target.value })} />}
        </Field>
        <Field label="Callback key" error={fieldError(err, 'callbackKey')} hint="one DTMF key callers press for a callback; blank = none">
          {(id, desc) => <input id={id} aria-describedby={desc} value={d.callbackKey} size={2} onChange={(e) => set({ callbackKey: e.target.value })} />}
        </Field>
        <Field label="Callback connects" error={fieldError(err, 'callbackConnect')}>
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.callbackConnect} onChange={(e) => set({ callbackConnect: e.target.value as Draft['callbackConnect'] })}>
              <option value="agent_first">agent first</option>
              <option value="customer_first">customer first</option>
            </select>
          )}
        </Field>
        <Field label="Recording" error={fieldError(err, 'recordingPolicy')}>
          {(id, desc) => (
            <select id={id} aria-describedby={desc} value={d.recordingPolicy} onChange={(e) => set({ recordingPolicy: e.target.value as Draft['recordingPolicy'] })}>
              <option value="never">never</option>
              <option value="always">always</option>
              <option value="on_demand">on demand</option>
            </select>
          )}
        </Field>
      </div>
      <div className="row">
        <label>
          <input type="checkbox" checked={d.announcePosition} onChange={(e) => set({ announcePosition: e.target.checked })} /> Announce position
        </label>
        <label>
          <input type="checkbox" checked={d.announceEwt} onChange={(e) => set({ announceEwt: e.target.checked })} /> Announce expected wait
        </label>
      </div>
      <FormFooter error={err} rest={rest} busy={save.busy} submitLabel={queue ? 'Save queue' : 'Create queue'} saved={saved} />
    </form>
  );
}

const KINDS = ['none', 'queue', 'voicemail', 'callback', 'hangup'] as const;

/** An overflow / no-agents target: none, another queue, a voicemail box, a callback offer, or a hangup cause. */
function TargetField({ label, value, queueNames, error, field, onChange }: {
  label: string;
  value: OverflowTarget | null;
  queueNames: string[];
  error: ApiError | null;
  field: string;
  onChange: (t: OverflowTarget | null) => void;
}) {
  const kind = value?.kind ?? 'none';
  const setKind = (k: (typeof KINDS)[number]) =>
    onChange(k === 'none' ? null : k === 'queue' ? { kind: 'queue', queue: queueNames[0] ?? '' } : k === 'voicemail' ? { kind: 'voicemail', box: '' } : k === 'callback' ? { kind: 'callback' } : { kind: 'hangup', cause: 'NORMAL_CLEARING' });
  return (
    <Field label={label} error={fieldError(error, field, { prefix: true })}>
      {(id, desc) => (
        <div className="row">
          <select id={id} aria-describedby={desc} value={kind} onChange={(e) => setKind(e.target.value as (typeof KINDS)[number])}>
            {KINDS.map((k) => (
              <option key={k}>{k}</option>
            ))}
          </select>
          {value?.kind === 'queue' && (
            <select aria-label={`${label}: queue`} value={value.queue} onChange={(e) => onChange({ kind: 'queue', queue: e.target.value })}>
              {[...new Set([value.queue, ...queueNames])].filter(Boolean).map((q) => (
                <option key={q}>{q}</option>
              ))}
            </select>
          )}
          {value?.kind === 'voicemail' && <input aria-label={`${label}: voicemail box`} value={value.box} onChange={(e) => onChange({ kind: 'voicemail', box: e.target.value })} />}
          {value?.kind === 'hangup' && <input aria-label={`${label}: hangup cause`} value={value.cause} onChange={(e) => onChange({ kind: 'hangup', cause: e.target.value })} />}
        </div>
      )}
    </Field>
  );
}
