/**
 * Caller profiles: search (name, CRM id or number; tag, VIP level, blocked), paging, and for supervisors and admins
 * a new profile, the CSV import (streamed upload; every rejected row shown with its line, reason and value, as
 * text) and the CSV export. Agents read (the API lets them), for the caller in front of them.
 */
import { useRef, useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { DataTable } from '../components/table';
import { api, get, getBlob, post, saveBlob } from '../lib/api';
import { dateTime } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';
import { navigate } from '../lib/router';
import { useSession } from '../lib/session';
import type { CallerProfile, ProfileImportResult, ProfilePage } from './types';
import { Pager } from '../components/pager';
import { RejectedRows } from '../components/rejected-rows';

const PAGE = 50;

interface Search {
  q: string;
  tag: string;
  vip_level: string;
  blocked: string;
}
const EMPTY: Search = { q: '', tag: '', vip_level: '', blocked: '' };

export function ProfilesPage() {
  const { user } = useSession();
  const mayWrite = user.role !== 'agent';
  const [form, setForm] = useState<Search>(EMPTY);
  const [search, setSearch] = useState<Search>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);
  const results = useResource(
    (s) => get<ProfilePage>('/api/v1/profiles', { q: search.q.trim() || undefined, tag: search.tag.trim() || undefined, vip_level: search.vip_level || undefined, blocked: search.blocked || undefined, limit: PAGE, offset }, s),
    [search, offset],
  );
  const exportCsv = useAction(async () => saveBlob(await getBlob('/api/v1/profiles/export'), 'caller-profiles.csv'));
  const set = (k: keyof Search) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setSearch({ ...form });
  };
  const total = results.data?.total ?? 0;

  return (
    <div>
      <div className="row">
        <h1>Caller profiles</h1>
        <span className="spacer" />
        {mayWrite && (
          <>
            <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>
              New profile
            </button>
            <button type="button" disabled={exportCsv.busy} onClick={() => void exportCsv.run()}>
              {exportCsv.busy ? 'Exporting…' : 'Export CSV'}
            </button>
          </>
        )}
      </div>
      {!mayWrite && <p className="muted">Agents read profiles; supervisors and admins change them.</p>}
      <ProblemMessage error={exportCsv.error} onDismiss={exportCsv.clear} />
      {creating && <NewProfile onCreated={(p) => navigate(`/profiles/${p.id}`)} onCancel={() => setCreating(false)} />}
      <form className="panel" onSubmit={submit} aria-label="Search profiles">
        <div className="form-grid">
          <Field label="Name, CRM id or number">{(id) => <input id={id} value={form.q} onChange={set('q')} maxLength={128} />}</Field>
          <Field label="Tag">{(id) => <input id={id} value={form.tag} onChange={set('tag')} maxLength={32} />}</Field>
          <Field label="VIP level">
            {(id) => (
              <select id={id} value={form.vip_level} onChange={set('vip_level')}>
                <option value="">Any</option>
                {[0, 1, 2, 3, 4, 5].map((v) => (
                  <option key={v} value={v}>
                    {v === 0 ? '0 (none)' : v}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Blocked">
            {(id) => (
              <select id={id} value={form.blocked} onChange={set('blocked')}>
                <option value="">Any</option>
                <option value="true">Blocked</option>
                <option value="false">Not blocked</option>
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          <button type="submit" className="primary">
            Search
          </button>
          <button type="button" onClick={() => (setForm(EMPTY), setSearch(EMPTY), setOffset(0))}>
            Clear
          </button>
        </div>
      </form>
      <ProblemMessage error={results.error} />
      <section className="panel" aria-labelledby="profiles-title">
        <h2 id="profiles-title" aria-live="polite">
          {results.data ? `${total} profile${total === 1 ? '' : 's'}` : 'Profiles'}
        </h2>
        <div className="table-wrap">
          <DataTable
            columns={[
              { key: 'phone', label: 'Number', render: (p: CallerProfile) => <a href={`#/profiles/${p.id}`}>{p.phone_e164}</a> },
              { key: 'name', label: 'Name', render: (p) => p.name ?? '–' },
              { key: 'crm', label: 'CRM id', render: (p) => p.crm_id ?? '–' },
              { key: 'vip', label: 'VIP', render: (p) => (p.vip_level ? <span className="pill vip">VIP {p.vip_level}</span> : '–') },
              { key: 'lang', label: 'Language', render: (p) => p.language ?? '–' },
              { key: 'tags', label: 'Tags', render: (p) => p.tags.join(', ') || '–' },
              { key: 'blocked', label: 'Blocked', render: (p) => (p.blocked ? <span className="pill bad">blocked</span> : 'no') },
              { key: 'updated', label: 'Updated', render: (p) => `${dateTime(p.updated_at)}${p.updated_by ? ` by ${p.updated_by}` : ''}` },
            ]}
            rows={results.data?.items}
            rowKey={(p) => p.id}
            empty={results.data ? 'No profile matches.' : 'Loading…'}
          />
        </div>
        <Pager offset={offset} page={PAGE} total={total} onOffset={setOffset} />
      </section>
      {mayWrite && <ProfileImport onImported={results.reload} />}
    </div>
  );
}

function NewProfile({ onCreated, onCancel }: { onCreated: (p: CallerProfile) => void; onCancel: () => void }) {
  const [phone, setPhone] = useState('');
  const [country, setCountry] = useState('US');
  const [name, setName] = useState('');
  const create = useAction(async () => onCreated(await post<CallerProfile>('/api/v1/profiles', { phone, country: country || undefined, name: name.trim() || null })));
  return (
    <form
      className="panel"
      aria-label="New profile"
      onSubmit={(e) => {
        e.preventDefault();
        void create.run();
      }}
    >
      <h2>New profile</h2>
      <div className="form-grid">
        <Field label="Number">{(id) => <input id={id} value={phone} onChange={(e) => setPhone(e.target.value)} required inputMode="tel" maxLength={64} />}</Field>
        <Field label="Country" hint="for a number without +">
          {(id, d) => <input id={id} aria-describedby={d} value={country} onChange={(e) => setCountry(e.target.value)} size={3} maxLength={2} />}
        </Field>
        <Field label="Name">{(id) => <input id={id} value={name} onChange={(e) => setName(e.target.value)} maxLength={128} />}</Field>
      </div>
      <ProblemMessage error={create.error} onDismiss={create.clear} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.busy}>
          Create profile
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** The CSV import (POST /profiles/import, the file streamed as text/csv) and its report. */
function ProfileImport({ onImported }: { onImported: () => void }) {
  const file = useRef<HTMLInputElement>(null);
  const [country, setCountry] = useState('US');
  const [result, setResult] = useState<ProfileImportResult | null>(null);
  const upload = useAction(async () => {
    const f = file.current?.files?.[0];
    if (!f) throw new Error('choose a CSV file first');
    setResult(null);
    setResult(await api<ProfileImportResult>('POST', '/api/v1/profiles/import', { raw: { contentType: 'text/csv', data: f }, query: { country: country.trim() || undefined } }));
    onImported();
  });
  return (
    <section className="panel" aria-labelledby="profile-import-h">
      <h2 id="profile-import-h">Import profiles</h2>
      <p className="muted">
        A CSV with a header row: <code>phone</code> and any of <code>crm_id</code>, <code>name</code>, <code>vip_level</code>, <code>language</code>, <code>tags</code> (separated by
        <code>;</code>), <code>blocked</code>, <code>notes</code>. Rows are matched by number: a column the file has sets the field (an empty cell clears it), a column it lacks is left
        as it is. The export has the same columns.
      </p>
      <form
        className="row align-end"
        aria-label="Import profiles"
        onSubmit={(e) => {
          e.preventDefault();
          void upload.run();
        }}
      >
        <Field label="Profile CSV file">{(id) => <input id={id} ref={file} type="file" accept=".csv,text/csv" required />}</Field>
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
          <div className="stack" data-testid="profile-import-result">
            <p className={result.rejected ? 'problem' : 'success'}>
              {result.rows} rows: {result.imported} imported, {result.updated} updated, {result.rejected} rejected
              {result.blank_lines ? `, ${result.blank_lines} blank lines skipped` : ''}.
            </p>
            <RejectedRows errors={result.errors} truncated={result.errors_truncated} />
          </div>
        )}
      </div>
    </section>
  );
}
