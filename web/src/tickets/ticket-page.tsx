/**
 * One ticket: its fields, the status moves the workflow allows now (the API's `next_statuses`, one button each),
 * category / priority / assignee changes, comments, the full change history, and links to the caller's profile, the
 * call's CDR and its recording. After a change that moves the ticket out of the user's scope (an escalation to
 * another team) the API answers 403 on the next read, which the page says in words.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { get, patch, post } from '../lib/api';
import { dateTime } from '../lib/format';
import { useAction, useNow, useResource } from '../lib/hooks';
import { useSession } from '../lib/session';
import { categoryTree } from './categories';
import { DueCell, PriorityText, StatusPill } from './ticket-bits';
import { STATUS_LABEL, TICKET_PRIORITIES, type Category, type DirectoryAgent, type TicketDetail, type TicketEvent } from './types';

/** What the button for a move to each status says. */
const MOVE_LABEL: Record<string, string> = {
  open: 'Reopen',
  in_progress: 'Start work (in progress)',
  waiting_customer: 'Wait on customer',
  resolved: 'Resolve',
  closed: 'Close',
};

export function TicketPage({ params }: { params: Record<string, string> }) {
  const id = Number(params.id);
  const now = useNow(30_000);
  const ticket = useResource((s) => get<TicketDetail>(`/api/v1/tickets/${id}`, undefined, s), [id]);
  const categories = useResource((s) => get<{ items: Category[] }>('/api/v1/tickets/categories', undefined, s), []);
  const directory = useResource((s) => get<{ agents: DirectoryAgent[] }>('/api/v1/acd/directory', undefined, s).catch(() => ({ agents: [] as DirectoryAgent[] })), []);
  const [saved, setSaved] = useState<string | null>(null);
  const change = useAction(async (body: Record<string, unknown>, what: string) => {
    setSaved(null);
    await patch(`/api/v1/tickets/${id}`, body);
    setSaved(what);
    ticket.reload();
  });

  const t = ticket.data;
  if (!t)
    return (
      <div>
        <h1>Ticket</h1>
        <p>
          <a href="#/tickets">← Tickets</a>
        </p>
        {ticket.error ? <ProblemMessage error={ticket.error} /> : <p className="muted">Loading…</p>}
      </div>
    );
  const tree = categoryTree(categories.data?.items ?? []);
  const agents = directory.data?.agents ?? [];
  const agentName = (aid: number | null) => (aid === null ? null : (agents.find((a) => a.id === aid)?.name ?? `agent ${aid}`));
  const categoryPath = (cid: number) => tree.find((n) => n.category.id === cid)?.path ?? `category ${cid}`;

  return (
    <div className="ticket-page">
      <p>
        <a href="#/tickets">← Tickets</a>
      </p>
      <div className="row">
        <h1>
          {t.number} <span className="muted">· {t.subject}</span>
        </h1>
        <span data-testid="ticket-status">
          <StatusPill status={t.status} />
        </span>
        {t.overdue && <span className="pill bad">overdue</span>}
      </div>
      {/* A later read can fail (escalated out of scope); the last state stays shown with the reason. */}
      <ProblemMessage error={ticket.error} />

      <section className="panel" aria-labelledby="moves-h">
        <h2 id="moves-h">Status</h2>
        <div className="row" data-testid="status-moves">
          {t.next_statuses.length === 0 ? (
            <span className="muted">{t.status === 'closed' ? 'Closed: only an admin may reopen it.' : 'No move is allowed now.'}</span>
          ) : (
            t.next_statuses.map((s) => (
              <button key={s} type="button" className={s === 'resolved' ? 'primary' : undefined} disabled={change.busy} onClick={() => void change.run({ status: s }, `status: ${STATUS_LABEL[s]}`)}>
                {MOVE_LABEL[s] ?? s}
              </button>
            ))
          )}
          {saved && (
            <span className="success" role="status">
              Saved ({saved}).
            </span>
          )}
        </div>
        <ProblemMessage error={change.error} onDismiss={change.clear} />
      </section>

      <div className="grid-2">
        <section className="panel" aria-labelledby="fields-h">
          <h2 id="fields-h">Ticket</h2>
          <dl className="ticket-fields">
            <dt>Category</dt>
            <dd>{categoryPath(t.category_id)}</dd>
            <dt>Priority</dt>
            <dd>
              <PriorityText priority={t.priority} />
            </dd>
            <dt>Assignee</dt>
            <dd data-testid="ticket-assignee">{[agentName(t.assignee_agent_id), t.assignee_team && `team ${t.assignee_team}`].filter(Boolean).join(' · ') || 'nobody'}</dd>
            <dt>Due</dt>
            <dd>
              <DueCell ticket={t} now={now} />
            </dd>
            <dt>Created</dt>
            <dd>
              {dateTime(t.created_at)} by {t.created_by_name}
            </dd>
            {t.resolved_at && (
              <>
                <dt>Resolved</dt>
                <dd>{dateTime(t.resolved_at)}</dd>
              </>
            )}
            {t.closed_at && (
              <>
                <dt>Closed</dt>
                <dd>{dateTime(t.closed_at)}</dd>
              </>
            )}
            <dt>Caller</dt>
            <dd>
              {t.caller_number ?? '–'}
              {t.profile_id !== null && (
                <>
                  {' '}
                  · <a href={`#/profiles/${t.profile_id}`}>caller profile</a>
                </>
              )}
            </dd>
          </dl>
          <h3>Description</h3>
          <p className="pre-wrap" data-testid="ticket-description">
            {t.description || <span className="muted">No description.</span>}
          </p>
          <CallLinks callUuid={t.call_uuid} recordingId={t.recording_id} />
        </section>
        <EditPanel ticket={t} tree={tree} agents={agents} busy={change.busy} onSave={(body, what) => void change.run(body, what)} />
      </div>

      <Comments ticket={t} onAdded={ticket.reload} />
      <History events={t.history} agentName={agentName} categoryPath={categoryPath} />
    </div>
  );
}

/** Category, priority and assignee; only the fields that differ from the ticket are sent (each is one history row). */
function EditPanel({ ticket: t, tree, agents, busy, onSave }: { ticket: TicketDetail; tree: ReturnType<typeof categoryTree>; agents: DirectoryAgent[]; busy: boolean; onSave: (body: Record<string, unknown>, what: string) => void }) {
  const [categoryId, setCategoryId] = useState(String(t.category_id));
  const [priority, setPriority] = useState<string>(t.priority);
  const [agentId, setAgentId] = useState(t.assignee_agent_id === null ? '' : String(t.assignee_agent_id));
  const [team, setTeam] = useState(t.assignee_team ?? '');
  useEffect(() => {
    setCategoryId(String(t.category_id));
    setPriority(t.priority);
    setAgentId(t.assignee_agent_id === null ? '' : String(t.assignee_agent_id));
    setTeam(t.assignee_team ?? '');
  }, [t.category_id, t.priority, t.assignee_agent_id, t.assignee_team]);

  const body: Record<string, unknown> = {};
  if (Number(categoryId) !== t.category_id) body.category_id = Number(categoryId);
  if (priority !== t.priority) body.priority = priority;
  const newAgent = agentId ? Number(agentId) : null;
  if (newAgent !== t.assignee_agent_id) body.assignee_agent_id = newAgent;
  const newTeam = team.trim() || null;
  if (newTeam !== t.assignee_team) body.assignee_team = newTeam;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (Object.keys(body).length) onSave(body, Object.keys(body).join(', ').replace(/_id\b/g, '').replace(/_/g, ' '));
  };
  return (
    <form className="panel" onSubmit={submit} aria-labelledby="edit-h">
      <h2 id="edit-h">Change</h2>
      <Field label="Category">
        {(id) => (
          <select id={id} value={categoryId} onChange={(e) => setCategoryId(e.target.value)}>
            {tree
              .filter((n) => n.category.active || n.category.id === t.category_id)
              .map((n) => (
                <option key={n.category.id} value={n.category.id}>
                  {n.path}
                </option>
              ))}
          </select>
        )}
      </Field>
      <Field label="Priority" hint="a category or priority change recomputes the due time from the creation time">
        {(id, d) => (
          <select id={id} aria-describedby={d} value={priority} onChange={(e) => setPriority(e.target.value)}>
            {TICKET_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Assign to agent">
        {(id) => (
          <select id={id} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
            <option value="">Nobody</option>
            {agents.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.extension})
              </option>
            ))}
            {t.assignee_agent_id !== null && !agents.some((a) => a.id === t.assignee_agent_id) && <option value={t.assignee_agent_id}>agent {t.assignee_agent_id}</option>}
          </select>
        )}
      </Field>
      <Field label="Assign to team" hint="handing it to a team you do not supervise is an escalation: you may lose sight of it">
        {(id, d) => <input id={id} aria-describedby={d} value={team} onChange={(e) => setTeam(e.target.value)} maxLength={64} />}
      </Field>
      <button type="submit" disabled={busy || Object.keys(body).length === 0}>
        Save changes
      </button>
    </form>
  );
}

interface CdrLite {
  uuid: string;
  start_at: string;
  answer_at: string | null;
  end_at: string;
  caller_number: string;
  destination_number: string;
  billsec: number;
  hangup_cause: string;
}
interface RecordingLite {
  id: string;
  call_uuid: string;
  started_at: string;
  duration_ms: number | null;
  status: string;
  integrity: string;
}

/**
 * The call the ticket came from: its CDR (supervisors and admins: the CDR API is theirs) and its recording (anyone
 * the recordings API lets see it), played through a short-lived play URL like the recordings page.
 */
function CallLinks({ callUuid, recordingId }: { callUuid: string | null; recordingId: string | null }) {
  const { user } = useSession();
  const mayReadCdr = user.role !== 'agent';
  const cdr = useResource((s) => (callUuid && mayReadCdr ? get<CdrLite>(`/api/v1/cdrs/${encodeURIComponent(callUuid)}`, undefined, s) : Promise.resolve(null)), [callUuid, mayReadCdr]);
  const recordings = useResource(
    (s) =>
      recordingId
        ? get<RecordingLite>(`/api/v1/recordings/${encodeURIComponent(recordingId)}`, undefined, s).then((r) => [r])
        : callUuid
          ? get<{ items: RecordingLite[] }>('/api/v1/recordings', { call_uuid: callUuid, limit: 5 }, s).then((p) => p.items)
          : Promise.resolve([]),
    [callUuid, recordingId],
  );
  const [url, setUrl] = useState<string | null>(null);
  const play = useAction(async (rid: string) => {
    setUrl((await post<{ url: string }>(`/api/v1/recordings/${encodeURIComponent(rid)}/play-url`)).url);
  });
  if (!callUuid && !recordingId) return <p className="muted">Not linked to a call.</p>;
  return (
    <section aria-labelledby="call-links-h" data-testid="call-links">
      <h3 id="call-links-h">Call</h3>
      {callUuid && (
        <p>
          Call <code>{callUuid}</code>
          {cdr.data && (
            <span data-testid="ticket-cdr">
              {' '}
              · {dateTime(cdr.data.start_at)}, {cdr.data.caller_number} → {cdr.data.destination_number}, {cdr.data.billsec} s talk, {cdr.data.hangup_cause}
            </span>
          )}
          {cdr.error && <span className="muted"> · {cdr.error.status === 404 ? 'no CDR yet (it is written when the call ends)' : cdr.error.message}</span>}
          {!mayReadCdr && <span className="muted small"> (the call detail record is for supervisors)</span>}
        </p>
      )}
      {recordings.error && <ProblemMessage error={recordings.error} />}
      {recordings.data?.length ? (
        <ul>
          {recordings.data.map((r) => (
            <li key={r.id}>
              Recording of {dateTime(r.started_at)} ({r.status}){' '}
              <button type="button" disabled={r.status !== 'finished' || r.integrity === 'tampered' || play.busy} onClick={() => void play.run(r.id)}>
                Play recording
              </button>
            </li>
          ))}
        </ul>
      ) : (
        recordings.data && <p className="muted small">No recording of this call.</p>
      )}
      <ProblemMessage error={play.error} onDismiss={play.clear} />
      {url && <audio key={url} src={url} controls autoPlay preload="metadata" className="audio" data-testid="ticket-recording-audio" />}
    </section>
  );
}

function Comments({ ticket: t, onAdded }: { ticket: TicketDetail; onAdded: () => void }) {
  const [body, setBody] = useState('');
  const add = useAction(async () => {
    await post(`/api/v1/tickets/${t.id}/comments`, { body });
    setBody('');
    onAdded();
  });
  return (
    <section className="panel" aria-labelledby="comments-h">
      <h2 id="comments-h">Comments ({t.comments.length})</h2>
      <ol className="comments" data-testid="ticket-comments">
        {t.comments.map((c) => (
          <li key={c.id}>
            <div className="muted small">
              <strong>{c.author_name}</strong> · {dateTime(c.created_at)}
            </div>
            <p className="pre-wrap">{c.body}</p>
          </li>
        ))}
      </ol>
      {t.comments.length === 0 && <p className="muted">No comments yet.</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (body.trim()) void add.run();
        }}
      >
        <Field label="New comment">{(id) => <textarea id={id} rows={3} value={body} onChange={(e) => setBody(e.target.value)} maxLength={20000} />}</Field>
        <button type="submit" className="primary" disabled={add.busy || !body.trim()}>
          {add.busy ? 'Adding…' : 'Add comment'}
        </button>
      </form>
      <ProblemMessage error={add.error} onDismiss={add.clear} />
    </section>
  );
}

/** Values in the history are stored as text; ids are shown by name where the page knows them. */
function History({ events, agentName, categoryPath }: { events: TicketEvent[]; agentName: (id: number | null) => string | null; categoryPath: (id: number) => string }) {
  const show = (field: string, v: string | null) => {
    if (v === null || v === '') return <span className="muted">–</span>;
    if (field === 'status' || field === 'created') return STATUS_LABEL[v] ?? v;
    if (field === 'assignee_agent_id' && /^\d+$/.test(v)) return agentName(Number(v));
    if (field === 'category_id' && /^\d+$/.test(v)) return categoryPath(Number(v));
    if (field === 'due_at') return dateTime(v);
    return v;
  };
  return (
    <section className="panel" aria-labelledby="history-h">
      <h2 id="history-h">History</h2>
      <div className="table-wrap">
        <table className="data" data-testid="ticket-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">From</th>
              <th scope="col">To</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.at)}</td>
                <td>{e.actor_name}</td>
                <td>{e.field.replace(/_id$/, '').replace(/_/g, ' ')}</td>
                <td>{show(e.field, e.old)}</td>
                <td>{show(e.field, e.new)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
