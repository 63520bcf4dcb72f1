/**
 * One caller profile: its fields (supervisors and admins edit them: name, CRM id, VIP level, language, tags, blocked,
 * notes), the caller's calls (CDR legs and queue calls with agent, disposition and notes) and their tickets (those
 * the viewer's ticket scope admits, linked by profile or by number).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { DataTable } from '../components/table';
import { get, patch } from '../lib/api';
import { dateTime, seconds } from '../lib/format';
import { useAction, useNow, useResource } from '../lib/hooks';
import { useSession } from '../lib/session';
import { DueCell, StatusPill } from '../tickets/ticket-bits';
import type { Ticket, TicketPage } from '../tickets/types';
import type { CallerProfile, ProfileHistory } from './types';

export function ProfilePage({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const { user } = useSession();
  const mayWrite = user.role !== 'agent';
  const profile = useResource((s) => get<CallerProfile>(`/api/v1/profiles/${id}`, undefined, s), [id]);
  const history = useResource((s) => get<ProfileHistory>(`/api/v1/profiles/${id}/history`, { limit: 50 }, s), [id]);
  const p = profile.data;
  return (
    <div>
      <p>
        <a href="#/profiles">← Caller profiles</a>
      </p>
      <div className="row">
        <h1>
          {p ? (p.name ?? p.phone_e164) : 'Caller profile'} {p && p.name && <span className="muted">· {p.phone_e164}</span>}
        </h1>
        {p && p.vip_level > 0 && <span className="pill vip">VIP {p.vip_level}</span>}
        {p?.blocked && <span className="pill bad">blocked</span>}
      </div>
      <ProblemMessage error={profile.error} />
      {p && (
        <div className="grid-2">
          {mayWrite ? <ProfileForm profile={p} onSaved={profile.reload} /> : <ProfileFields profile={p} />}
          <ProfileTickets profile={p} />
        </div>
      )}
      <section className="panel" aria-labelledby="profile-calls-h">
        <h2 id="profile-calls-h">Calls</h2>
        <ProblemMessage error={history.error} />
        <h3>Queue calls</h3>
        <div className="table-wrap">
          <DataTable
            columns={[
              { key: 'at', label: 'Entered', render: (c) => dateTime(c.entered_at ?? null) },
              { key: 'queue', label: 'Queue', render: (c) => c.queue },
              { key: 'outcome', label: 'Outcome', render: (c) => c.outcome ?? '–' },
              { key: 'agent', label: 'Agent', render: (c) => c.agent_name ?? '–' },
              { key: 'disp', label: 'Disposition', render: (c) => c.disposition ?? '–' },
              { key: 'notes', label: 'Notes', render: (c) => c.notes ?? '–' },
            ]}
            rows={history.data?.queue_calls}
            rowKey={(c) => c.id}
            empty="No queue call."
          />
        </div>
        <h3>Call legs (CDRs)</h3>
        <div className="table-wrap">
          <DataTable
            columns={[
              { key: 'at', label: 'Started', render: (c) => dateTime(c.start_at) },
              { key: 'dir', label: 'Direction', render: (c) => c.direction ?? '–' },
              { key: 'dest', label: 'Destination', render: (c) => c.destination_number ?? '–' },
              { key: 'talk', label: 'Talk', num: true, render: (c) => seconds(c.billsec) },
              { key: 'cause', label: 'Hangup', render: (c) => c.hangup_cause ?? '–' },
              { key: 'uuid', label: 'Call', render: (c) => <code>{c.uuid}</code> },
            ]}
            rows={history.data?.calls}
            rowKey={(c) => c.uuid}
            empty="No call leg."
          />
        </div>
      </section>
    </div>
  );
}

function ProfileFields({ profile: p }: { profile: CallerProfile }) {
  return (
    <section className="panel" aria-label="Profile">
      <dl className="ticket-fields">
        <dt>Number</dt>
        <dd>{p.phone_e164}</dd>
        <dt>Name</dt>
        <dd>{p.name ?? '–'}</dd>
        <dt>CRM id</dt>
        <dd>{p.crm_id ?? '–'}</dd>
        <dt>VIP level</dt>
        <dd>{p.vip_level}</dd>
        <dt>Language</dt>
        <dd>{p.language ?? '–'}</dd>
        <dt>Tags</dt>
        <dd>{p.tags.join(', ') || '–'}</dd>
        <dt>Blocked</dt>
        <dd>{p.blocked ? 'yes' : 'no'}</dd>
        <dt>Notes</dt>
        <dd className="pre-wrap">{p.notes ?? '–'}</dd>
        <dt>Updated</dt>
        <dd>
          {dateTime(p.updated_at)}
          {p.updated_by ? ` by ${p.updated_by}` : ''}
        </dd>
      </dl>
    </section>
  );
}

/** The fields as a form; `""` clears a text field (the API's rule), tags are comma-separated here. */
function ProfileForm({ profile: p, onSaved }: { profile: CallerProfile; onSaved: () => void }) {
  const initial = () => ({ name: p.name ?? '', crm_id: p.crm_id ?? '', vip_level: String(p.vip_level), language: p.language ?? '', tags: p.tags.join(', '), blocked: p.blocked, notes: p.notes ?? '' });
  const [f, setF] = useState(initial);
  useEffect(() => setF(initial()), [p.updated_at]); // eslint-disable-line react-hooks/exhaustive-deps
  const [saved, setSaved] = useState<string | null>(null);
  const save = useAction(async () => {
    setSaved(null);
    await patch(`/api/v1/profiles/${p.id}`, {
      name: f.name,
      crm_id: f.crm_id,
      vip_level: Number(f.vip_level),
      language: f.language,
      tags: f.tags
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      blocked: f.blocked,
      notes: f.notes,
    });
    setSaved('Saved.');
    onSaved();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void save.run();
  };
  const fe = (k: string) => save.error?.fieldErrors().find((x) => x.field === k || x.field?.startsWith(`${k}.`))?.detail;
  const text = (k: 'name' | 'crm_id' | 'language' | 'tags') => (e: { target: { value: string } }) => setF((s) => ({ ...s, [k]: e.target.value }));
  return (
    <form className="panel" onSubmit={submit} aria-label="Edit profile">
      <h2>Profile</h2>
      <p className="muted small">
        {p.phone_e164} · updated {dateTime(p.updated_at)}
        {p.updated_by ? ` by ${p.updated_by}` : ''}
      </p>
      <div className="form-grid">
        <Field label="Name" error={fe('name')}>
          {(id) => <input id={id} value={f.name} onChange={text('name')} maxLength={128} />}
        </Field>
        <Field label="CRM id" error={fe('crm_id')}>
          {(id) => <input id={id} value={f.crm_id} onChange={text('crm_id')} maxLength={64} />}
        </Field>
        <Field label="VIP level" error={fe('vip_level')} hint="0 = none; a queue may raise the priority of levels 1-5">
          {(id, d) => (
            <select id={id} aria-describedby={d} value={f.vip_level} onChange={(e) => setF((s) => ({ ...s, vip_level: e.target.value }))}>
              {[0, 1, 2, 3, 4, 5].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Language" error={fe('language')} hint="BCP 47, e.g. en or zh-CN">
          {(id, d) => <input id={id} aria-describedby={d} value={f.language} onChange={text('language')} maxLength={16} />}
        </Field>
        <Field label="Tags" error={fe('tags')} hint="comma-separated">
          {(id, d) => <input id={id} aria-describedby={d} value={f.tags} onChange={text('tags')} />}
        </Field>
        <label className="inline-label">
          <input type="checkbox" checked={f.blocked} onChange={(e) => setF((s) => ({ ...s, blocked: e.target.checked }))} /> Blocked (the flow's blocked branch)
        </label>
      </div>
      <Field label="Notes" error={fe('notes')}>
        {(id) => <textarea id={id} rows={4} value={f.notes} onChange={(e) => setF((s) => ({ ...s, notes: e.target.value }))} maxLength={4000} />}
      </Field>
      <ProblemMessage error={save.error} onDismiss={save.clear} />
      <div className="row">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save profile'}
        </button>
        <span className="success" role="status">
          {saved}
        </span>
      </div>
    </form>
  );
}

/** Tickets linked to the profile, and those with its number (merged by id, newest first). */
function ProfileTickets({ profile: p }: { profile: CallerProfile }) {
  const now = useNow(30_000);
  const tickets = useResource(
    async (s) => {
      const [byProfile, byNumber] = await Promise.all([
        get<TicketPage>('/api/v1/tickets', { profile_id: p.id, limit: 50 }, s),
        get<TicketPage>('/api/v1/tickets', { caller: p.phone_e164, limit: 50 }, s),
      ]);
      const all = new Map<number, Ticket>();
      for (const t of [...byProfile.items, ...byNumber.items]) all.set(t.id, t);
      return [...all.values()].sort((a, b) => b.id - a.id);
    },
    [p.id, p.phone_e164],
  );
  return (
    <section className="panel" aria-labelledby="profile-tickets-h">
      <h2 id="profile-tickets-h">Tickets</h2>
      <ProblemMessage error={tickets.error} />
      <div className="table-wrap">
        <DataTable
          columns={[
            { key: 'n', label: 'Number', render: (t: Ticket) => <a href={`#/tickets/${t.id}`}>{t.number}</a> },
            { key: 's', label: 'Subject', render: (t) => t.subject },
            { key: 'st', label: 'Status', render: (t) => <StatusPill status={t.status} /> },
            { key: 'due', label: 'Due', render: (t) => <DueCell ticket={t} now={now} /> },
          ]}
          rows={tickets.data}
          rowKey={(t) => t.id}
          empty={tickets.data ? 'No ticket you may see.' : 'Loading…'}
        />
      </div>
    </section>
  );
}
