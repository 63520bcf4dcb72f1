import { useState } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { post } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import type { DryRunResult } from './types';

/** `datetime-local` value for now, in the browser's time zone. */
function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/** "1, , 23" -> ['1', '', '23']: one entry per menu/collect attempt, an empty entry is a timeout. */
export function parseDigits(s: string): string[] {
  if (!s.trim()) return [];
  return s.split(',').map((d) => d.trim());
}

/**
 * Dry-run (POST /api/v1/ivr/flows/:name/dry-run): walks the flow with the given key presses at the given time and
 * shows the path; nothing is performed. With unpublished edits it walks the editor's draft (validated, not saved).
 */
export function DryRunPanel({ name, draft, onResult }: { name: string; draft: Record<string, unknown> | undefined; onResult: (r: DryRunResult | null) => void }) {
  const [digits, setDigits] = useState('');
  const [at, setAt] = useState(localNow);
  const [caller, setCaller] = useState('');
  const [result, setResult] = useState<DryRunResult | null>(null);
  const run = useAction(async () => {
    setResult(null);
    onResult(null);
    const r = await post<DryRunResult>(`/api/v1/ivr/flows/${encodeURIComponent(name)}/dry-run`, {
      digits: parseDigits(digits),
      at: new Date(at).toISOString(),
      ...(caller.trim() ? { callerNumber: caller.trim() } : {}),
      ...(draft ? { document: draft } : {}),
    });
    setResult(r);
    onResult(r);
  });
  return (
    <div>
      <form
        className="row dry-run-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run.run();
        }}
      >
        <Field label="Digits" hint="one per menu/collect attempt, comma-separated; empty = timeout">
          {(id, d) => <input id={id} aria-describedby={d} value={digits} onChange={(e) => setDigits(e.target.value)} placeholder="1, 2" className="mono" size={14} />}
        </Field>
        <Field label="Time of the call" hint="your local time">
          {(id, d) => <input id={id} aria-describedby={d} type="datetime-local" value={at} onChange={(e) => setAt(e.target.value)} required />}
        </Field>
        <Field label="Caller number (optional)">
          {(id) => <input id={id} value={caller} onChange={(e) => setCaller(e.target.value)} size={14} />}
        </Field>
        <button type="submit" className="primary" disabled={run.busy || !at}>
          Dry-run
        </button>
      </form>
      <p className="muted dry-run-note">{draft ? 'Walks the draft in the editor (not published).' : 'Walks the live version.'}</p>
      <ProblemMessage error={run.error} onDismiss={run.clear} />
      <div aria-live="polite">
        {result && (
          <div className="dry-run-result">
            <p>
              Outcome: <strong data-testid="dry-run-outcome">{result.result?.outcome ?? 'no end'}</strong>
              {describeEnd(result)}
            </p>
            <p className="path-line" aria-label="Path">
              {result.path
                .filter((s, k, all) => k === 0 || all[k - 1]!.node !== s.node || all[k - 1]!.flow !== s.flow)
                .map((s) => (s.flow === name ? s.node : `${s.flow}/${s.node}`))
                .join(' → ')}
            </p>
            <table className="data">
              <caption>Path</caption>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    #
                  </th>
                  <th scope="col">Node</th>
                  <th scope="col">Type</th>
                  <th scope="col">Event</th>
                  <th scope="col">Digits</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {result.path.map((s, k) => (
                  <tr key={k}>
                    <td className="num">{k + 1}</td>
                    <td>
                      <code>{s.flow === name ? s.node : `${s.flow} / ${s.node}`}</code>
                    </td>
                    <td>{s.nodeType}</td>
                    <td>{s.event}</td>
                    <td>{s.digits ?? ''}</td>
                    <td>{s.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </div>
  );
}

function describeEnd(r: DryRunResult): string {
  const end = r.actions.find((a) => a.kind === 'queue' || a.kind === 'transfer' || a.kind === 'hangup');
  if (!end) return '';
  const t = end.target as { extension?: string; number?: string } | undefined;
  const target = typeof end.queue === 'string' ? ` ${end.queue}` : t ? ` ${t.extension ?? t.number ?? ''}` : typeof end.cause === 'string' ? ` ${end.cause}` : '';
  return ` (last action: ${end.kind}${target})`;
}
