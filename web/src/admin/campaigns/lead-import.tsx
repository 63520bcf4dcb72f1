/**
 * Uploads a lead CSV (streamed to POST .../leads/import as text/csv) and shows the import report: counts, and every
 * rejected row with its line, reason and value, rendered as text (a lead list is untrusted input).
 */
import { useRef, useState, type FormEvent } from 'react';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { api } from '../../lib/api';
import { useAction } from '../../lib/hooks';
import type { ImportResult } from './types';
import { RejectedRows } from '../../components/rejected-rows';

export function LeadImport({ campaignId, onImported }: { campaignId: number; onImported: () => void }) {
  const file = useRef<HTMLInputElement>(null);
  const [country, setCountry] = useState('US');
  const [result, setResult] = useState<ImportResult | null>(null);
  const upload = useAction(async () => {
    const f = file.current?.files?.[0];
    if (!f) throw new Error('choose a CSV file first');
    setResult(null);
    const r = await api<ImportResult>('POST', `/api/v1/dialer/campaigns/${campaignId}/leads/import`, { raw: { contentType: 'text/csv', data: f }, query: { country } });
    setResult(r);
    onImported();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void upload.run();
  };
  return (
    <section className="panel" aria-labelledby="import-h">
      <h2 id="import-h">Import leads</h2>
      <p className="muted">A CSV with a header row: a <code>phone</code> column, optional <code>name</code>; other columns are kept as lead fields. Duplicates merge.</p>
      <form onSubmit={submit} className="row align-end" aria-label="Import leads">
        <Field label="Lead CSV file">{(id) => <input id={id} ref={file} type="file" accept=".csv,text/csv" required />}</Field>
        <Field label="Default country" hint="for numbers without +">
          {(id, d) => <input id={id} aria-describedby={d} value={country} onChange={(e) => setCountry(e.target.value)} size={3} maxLength={2} />}
        </Field>
        <button type="submit" className="primary" disabled={upload.busy}>
          {upload.busy ? 'Uploading…' : 'Upload'}
        </button>
      </form>
      <ProblemMessage error={upload.error} />
      <div aria-live="polite">
        {result && (
          <div className="stack" data-testid="import-result">
            <p className={result.rejected ? 'problem' : 'success'}>
              {result.rows} rows: {result.imported} imported, {result.merged} merged, {result.rejected} rejected
              {result.blank_lines ? `, ${result.blank_lines} blank lines skipped` : ''}.
            </p>
            <RejectedRows errors={result.errors} truncated={result.errors_truncated} />
          </div>
        )}
      </div>
    </section>
  );
}
