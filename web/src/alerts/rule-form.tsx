/**
 * Admin: a KPI alert rule, new (POST /api/v1/alerts/rules) or edited (PUT /api/v1/alerts/rules/:id): threshold or
 * anomaly, on a queue, a team, a campaign or the whole service. The metric and scope lists follow what the API
 * accepts (./types.ts); the API's 400 problem details are shown at the form.
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { post, put } from '../lib/api';
import { useAction } from '../lib/hooks';
import { METRICS, SEASONAL_METRICS, SEASONAL_SCOPES, type AlertRuleItem, type RuleDefinition, type ScopeKind } from './types';

/** A number field's value for the API: empty is left out (the API's default); anything else is sent as typed. */
const optionalNumber = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
const text = (n: number | undefined): string => (n === undefined ? '' : String(n));

type RuleKind = 'threshold' | 'anomaly';
const SCOPE_KINDS: ScopeKind[] = ['queue', 'team', 'campaign', 'global'];
const TARGET_LABEL: Record<ScopeKind, string> = { queue: 'Queue', team: 'Team', campaign: 'Campaign', global: '' };

/** The metrics a rule of this kind on this scope can watch. */
function metricsFor(scope: ScopeKind, kind: RuleKind): readonly string[] {
  const all: readonly string[] = METRICS[scope];
  return kind === 'anomaly' ? all.filter((m) => (SEASONAL_METRICS as readonly string[]).includes(m)) : all;
}

function scopeTarget(d: RuleDefinition): string {
  return d.scope?.queue ?? d.scope?.team ?? d.scope?.campaign ?? '';
}

/** `onSaved(name)`: after the API stored the rule (an edit form is closed by its parent then). */
export function RuleForm({ rule, onSaved, onCancel }: { rule?: AlertRuleItem; onSaved: (name: string) => void; onCancel?: () => void }) {
  const d: RuleDefinition = rule ? (rule.rule as RuleDefinition) : {};
  const initialScope = (SCOPE_KINDS as string[]).includes(d.scope?.kind ?? '') ? (d.scope!.kind as ScopeKind) : 'queue';
  const [name, setName] = useState(rule?.name ?? '');
  const [ruleKind, setRuleKind] = useState<RuleKind>(d.kind ?? 'threshold');
  const [scopeKind, setScopeKind] = useState<ScopeKind>(initialScope);
  const [target, setTarget] = useState(scopeTarget(d));
  const [metric, setMetric] = useState<string>(d.metric ?? METRICS.queue[0]);
  const [direction, setDirection] = useState<'above' | 'below'>(d.direction ?? 'below');
  const [threshold, setThreshold] = useState(text(d.threshold));
  const [clear, setClear] = useState(text(d.clear_threshold));
  const [windowMin, setWindowMin] = useState(text(d.window_min));
  const [forSec, setForSec] = useState(text(d.for_sec));
  const [clearForSec, setClearForSec] = useState(text(d.clear_for_sec));
  const [weeks, setWeeks] = useState(text(d.weeks));
  const [minWeeks, setMinWeeks] = useState(text(d.min_weeks));
  const [sigmas, setSigmas] = useState(text(d.sigmas));
  const [enabled, setEnabled] = useState(rule ? rule.enabled : true);
  const [saved, setSaved] = useState<string | null>(null);

  const scopes = ruleKind === 'anomaly' ? SEASONAL_SCOPES : SCOPE_KINDS;
  const metrics = metricsFor(scopeKind, ruleKind);

  /** Keeps the metric one the new scope and kind accept (the first of the list otherwise). */
  const pick = (scope: ScopeKind, kind: RuleKind) => {
    const list = metricsFor(scope, kind);
    if (!list.includes(metric)) setMetric(list[0] ?? '');
  };

  const save = useAction(async () => {
    const scope =
      scopeKind === 'queue' ? { kind: scopeKind, queue: target } : scopeKind === 'team' ? { kind: scopeKind, team: target } : scopeKind === 'campaign' ? { kind: scopeKind, campaign: target } : { kind: scopeKind };
    const common = { name, enabled, scope, metric, kind: ruleKind, direction, window_min: optionalNumber(windowMin), for_sec: optionalNumber(forSec), clear_for_sec: optionalNumber(clearForSec) };
    // Only the fields of the rule's kind: the others would be stored and shown for nothing.
    const body =
      ruleKind === 'threshold'
        ? { ...common, threshold: optionalNumber(threshold), clear_threshold: optionalNumber(clear) }
        : { ...common, weeks: optionalNumber(weeks), min_weeks: optionalNumber(minWeeks), sigmas: optionalNumber(sigmas) };
    const r = rule ? await put<{ id: number; name: string }>(`/api/v1/alerts/rules/${rule.id}`, body) : await post<{ id: number; name: string }>('/api/v1/alerts/rules', body);
    if (!rule) {
      setSaved(r.name);
      setName('');
    }
    onSaved(r.name);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(null);
    void save.run();
  };

  return (
    <form className="panel" onSubmit={submit} aria-label={rule ? `Edit alert rule ${rule.name}` : 'New alert rule'}>
      <h3>{rule ? `Edit rule ${rule.name}` : 'New rule'}</h3>
      <div className="row align-end">
        <Field label="Name">{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} />}</Field>
        <Field label="Kind" hint={ruleKind === 'anomaly' ? 'vs. the same hour of past weeks' : undefined}>
          {(id, desc) => (
            <select
              id={id}
              aria-describedby={desc}
              value={ruleKind}
              onChange={(e) => {
                const k = e.target.value as RuleKind;
                setRuleKind(k);
                // Anomaly rules need a call history: a queue or a team.
                const s = k === 'anomaly' && !SEASONAL_SCOPES.includes(scopeKind) ? 'queue' : scopeKind;
                setScopeKind(s);
                pick(s, k);
              }}
            >
              <option value="threshold">threshold</option>
              <option value="anomaly">anomaly</option>
            </select>
          )}
        </Field>
        <Field label="Scope">
          {(id) => (
            <select
              id={id}
              value={scopeKind}
              onChange={(e) => {
                const s = e.target.value as ScopeKind;
                setScopeKind(s);
                pick(s, ruleKind);
              }}
            >
              {scopes.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
        {scopeKind !== 'global' && (
          <Field label={TARGET_LABEL[scopeKind]} hint={scopeKind === 'team' ? "figures over its agents' queues" : undefined}>
            {(id, desc) => <input id={id} aria-describedby={desc} value={target} onChange={(e) => setTarget(e.target.value)} />}
          </Field>
        )}
        <Field label="Metric">
          {(id) => (
            <select id={id} value={metric} onChange={(e) => setMetric(e.target.value)}>
              {metrics.map((m) => (
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
        {ruleKind === 'threshold' ? (
          <>
            <Field label="Threshold">{(id) => <input id={id} inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />}</Field>
            <Field label="Clear threshold" hint="optional">{(id, h) => <input id={id} aria-describedby={h} inputMode="decimal" value={clear} onChange={(e) => setClear(e.target.value)} />}</Field>
          </>
        ) : (
          <>
            <Field label="Weeks" hint="default 4">{(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={weeks} onChange={(e) => setWeeks(e.target.value)} />}</Field>
            <Field label="Min weeks" hint="default 3">{(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={minWeeks} onChange={(e) => setMinWeeks(e.target.value)} />}</Field>
            <Field label="Sigmas" hint="default 3">{(id, h) => <input id={id} aria-describedby={h} inputMode="decimal" value={sigmas} onChange={(e) => setSigmas(e.target.value)} />}</Field>
          </>
        )}
        <Field label="Window (min)" hint="default 15">{(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={windowMin} onChange={(e) => setWindowMin(e.target.value)} />}</Field>
        <Field label="For (s)" hint="default 0">{(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={forSec} onChange={(e) => setForSec(e.target.value)} />}</Field>
        <Field label="Clear for (s)" hint="default 60">{(id, h) => <input id={id} aria-describedby={h} inputMode="numeric" value={clearForSec} onChange={(e) => setClearForSec(e.target.value)} />}</Field>
        <Field label="Enabled">{(id) => <input id={id} type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />}</Field>
        <button type="submit" disabled={save.busy}>
          {rule ? 'Save rule' : 'Add rule'}
        </button>
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      <ProblemMessage error={save.error} onDismiss={save.clear} />
      {saved && <p role="status">Rule {saved} added.</p>}
    </form>
  );
}
