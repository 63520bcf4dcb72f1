/**
 * The tickets page: views by who the ticket is for (agents: assigned to me, my team's queue, everything I may see;
 * supervisors and admins: everything in their scope, per team), the per-team queue counts, a search by what the API
 * filters on (caller, number, status, assignee, category, overdue, text), paging, and a new ticket without a call.
 * What each role sees is the API's scoping (src/tickets/scope.ts); the page only picks filters within it.
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { ApiError, get } from '../lib/api';
import { dateTime } from '../lib/format';
import { useNow, useResource } from '../lib/hooks';
import { navigate } from '../lib/router';
import { useSession } from '../lib/session';
import { categoryTree } from './categories';
import { DueCell, PriorityText, StatusPill } from './ticket-bits';
import { TicketForm } from './ticket-form';
import { STATUS_LABEL, TICKET_STATUSES, type Category, type DirectoryAgent, type TicketPage, type TicketQueue } from './types';
import { Pager } from '../components/pager';

const PAGE = 25;
const OPEN_STATUSES = 'open,in_progress,waiting_customer';

interface Search {
  caller: string;
  number: string;
  status: string;
  assignee_agent_id: string;
  assignee_team: string;
  category_id: string;
  q: string;
  overdue: boolean;
}
const EMPTY: Search = { caller: '', number: '', status: '', assignee_agent_id: '', assignee_team: '', category_id: '', q: '', overdue: false };

type View = 'mine' | 'team' | 'all';

interface MeAgent {
  agent: { id: number; name: string; teams: string[] };
}

/** The signed-in user's agent row (null: none). */
function useMyAgent() {
  return useResource(
    (s) =>
      get<MeAgent>('/api/v1/acd/me', undefined, s).then(
        (m) => m.agent,
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return null;
          throw err;
        },
      ),
    [],
  );
}

export function TicketsPage() {
  const { user } = useSession();
  const isAgent = user.role === 'agent';
  const now = useNow(30_000);
  const me = useMyAgent();
  const myAgent = me.data ?? null;
  const [view, setView] = useState<View>(isAgent ? 'mine' : 'all');
  const [team, setTeam] = useState('');
  const [form, setForm] = useState<Search>(EMPTY);
  const [search, setSearch] = useState<Search>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [creating, setCreating] = useState(false);

  const categories = useResource((s) => get<{ items: Category[] }>('/api/v1/tickets/categories', undefined, s), []);
  const directory = useResource((s) => get<{ agents: DirectoryAgent[] }>('/api/v1/acd/directory', undefined, s).catch(() => ({ agents: [] as DirectoryAgent[] })), []);
  const queues = useResource((s) => get<{ items: TicketQueue[] }>('/api/v1/tickets/queues', undefined, s), [], { intervalMs: 60_000 });
  const myTeams = isAgent ? (myAgent?.teams ?? []) : (queues.data?.items ?? []).map((q) => q.team).filter((t): t is string => t !== null);
  const teamOfView = team || myTeams[0] || '';

  // The view narrows the search; the search form's own assignee fields win when they are set.
  const viewFilter: Record<string, string | undefined> =
    view === 'mine' ? { assignee_agent_id: myAgent ? String(myAgent.id) : undefined } : view === 'team' ? { assignee_team: teamOfView || undefined } : {};
  const waitingForMe = view === 'mine' && me.data === undefined;
  const noTeam = view === 'team' && !teamOfView;
  const results = useResource(
    (s) =>
      waitingForMe
        ? Promise.resolve(undefined)
        : noTeam
          ? Promise.resolve({ items: [], total: 0, limit: PAGE, offset: 0 })
          : get<TicketPage>(
            '/api/v1/tickets',
            {
              ...viewFilter,
              caller: search.caller.trim() || undefined,
              number: search.number.trim() || undefined,
              status: search.status || undefined,
              assignee_agent_id: search.assignee_agent_id || viewFilter.assignee_agent_id,
              assignee_team: search.assignee_team.trim() || viewFilter.assignee_team,
              category_id: search.category_id || undefined,
              q: search.q.trim() || undefined,
              overdue: search.overdue ? 'true' : undefined,
              limit: PAGE,
              offset,
            },
            s,
          ),
    [search, offset, view, teamOfView, myAgent?.id, waitingForMe, noTeam],
    { intervalMs: 60_000 },
  );

  const tree = categoryTree(categories.data?.items ?? []);
  const categoryPath = (id: number) => tree.find((n) => n.category.id === id)?.path ?? `category ${id}`;
  const agentName = (id: number | null) => (id === null ? null : (directory.data?.agents.find((a) => a.id === id)?.name ?? `agent ${id}`));
  const set = (k: keyof Search) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setSearch({ ...form });
  };
  const pick = (v: View, t = '') => {
    setView(v);
    setTeam(t);
    setOffset(0);
  };
  const total = results.data?.total ?? 0;
  const views: Array<{ v: View; label: string }> = isAgent
    ? [
        { v: 'mine', label: 'My tickets' },
        { v: 'team', label: "My team's queue" },
        { v: 'all', label: 'Everything I can see' },
      ]
    : [
        { v: 'all', label: user.role === 'admin' ? 'All tickets' : 'All my teams' },
        { v: 'team', label: 'One team' },
        ...(myAgent ? [{ v: 'mine' as View, label: 'Assigned to me' }] : []),
      ];

  return (
    <div className="tickets-page">
      <div className="row">
        <h1>Tickets</h1>
        <span className="spacer" />
        <button type="button" className="primary" aria-expanded={creating} onClick={() => setCreating((c) => !c)}>
          New ticket
        </button>
      </div>
      {creating && <TicketForm onCreated={(t) => navigate(`/tickets/${t.id}`)} onCancel={() => setCreating(false)} />}

      <div className="tabs" role="tablist" aria-label="Which tickets">
        {views.map(({ v, label }) => (
          <button key={v} type="button" role="tab" aria-selected={view === v} onClick={() => pick(v, v === 'team' ? teamOfView : '')}>
            {label}
          </button>
        ))}
      </div>
      {view === 'team' && (
        <div className="row">
          {myTeams.length === 0 ? (
            <p className="muted">{isAgent ? 'You are in no team.' : 'No team has tickets in your scope.'}</p>
          ) : (
            <Field label="Team">
              {(id) => (
                <select id={id} value={teamOfView} onChange={(e) => pick('team', e.target.value)}>
                  {myTeams.map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          {isAgent && <p className="muted small">Agents see the team tickets assigned to them or that they created; a supervisor of the team sees them all.</p>}
        </div>
      )}
      {view === 'mine' && me.data === null && <p className="notice">You have no agent row, so no ticket can be assigned to you; these are the tickets you created.</p>}

      <QueuesSummary queues={queues.data?.items} error={queues.error} onTeam={(t) => (t === null ? pick('all') : pick('team', t))} />

      <form className="panel" onSubmit={submit} aria-label="Search tickets">
        <div className="form-grid">
          <Field label="Ticket number">{(id) => <input id={id} value={form.number} onChange={set('number')} placeholder="T-000123" />}</Field>
          <Field label="Caller">{(id) => <input id={id} value={form.caller} onChange={set('caller')} inputMode="tel" placeholder="+14155550100" />}</Field>
          <Field label="Status">
            {(id) => (
              <select id={id} value={form.status} onChange={set('status')}>
                <option value="">Any status</option>
                <option value={OPEN_STATUSES}>Not resolved yet</option>
                {TICKET_STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {STATUS_LABEL[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Category">
            {(id) => (
              <select id={id} value={form.category_id} onChange={set('category_id')}>
                <option value="">Any category</option>
                {tree.map((n) => (
                  <option key={n.category.id} value={n.category.id}>
                    {n.path}
                    {n.category.active ? '' : ' (inactive)'}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Assignee agent">
            {(id) => (
              <select id={id} value={form.assignee_agent_id} onChange={set('assignee_agent_id')}>
                <option value="">Anyone</option>
                {(directory.data?.agents ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.extension})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Assignee team">{(id) => <input id={id} value={form.assignee_team} onChange={set('assignee_team')} />}</Field>
          <Field label="Text" hint="in the subject or description">
            {(id, d) => <input id={id} aria-describedby={d} value={form.q} onChange={set('q')} />}
          </Field>
          <label className="inline-label">
            <input type="checkbox" checked={form.overdue} onChange={(e) => setForm((f) => ({ ...f, overdue: e.target.checked }))} /> Overdue only
          </label>
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

      <ProblemMessage error={results.error ?? me.error} />
      <section className="panel" aria-labelledby="tickets-title">
        <h2 id="tickets-title" aria-live="polite">
          {results.data ? `${total} ticket${total === 1 ? '' : 's'}` : 'Tickets'}
        </h2>
        <div className="table-wrap">
          <table className="data" data-testid="tickets-table">
            <thead>
              <tr>
                <th scope="col">Number</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                <th scope="col">Category</th>
                <th scope="col">Caller</th>
                <th scope="col">Assignee</th>
                <th scope="col">Due</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {!results.data ? (
                <tr>
                  <td colSpan={9} className="empty">
                    Loading…
                  </td>
                </tr>
              ) : results.data.items.length === 0 ? (
                <tr>
                  <td colSpan={9} className="empty">
                    No ticket matches.
                  </td>
                </tr>
              ) : (
                results.data.items.map((t) => (
                  <tr key={t.id} data-testid={`ticket-${t.number}`} className={t.overdue ? 'overdue-row' : undefined}>
                    <td>
                      <a href={`#/tickets/${t.id}`}>{t.number}</a>
                    </td>
                    <td>{t.subject}</td>
                    <td>
                      <StatusPill status={t.status} />
                    </td>
                    <td>
                      <PriorityText priority={t.priority} />
                    </td>
                    <td>{categoryPath(t.category_id)}</td>
                    <td>{t.caller_number ?? '–'}</td>
                    <td>{[agentName(t.assignee_agent_id), t.assignee_team && `team ${t.assignee_team}`].filter(Boolean).join(' · ') || '–'}</td>
                    <td>
                      <DueCell ticket={t} now={now} />
                    </td>
                    <td>
                      {dateTime(t.created_at)} <span className="muted small">by {t.created_by_name}</span>
                    </td>
                  </tr>
                ))
              )}
            </tbody>
          </table>
        </div>
        <Pager offset={offset} page={PAGE} total={total} onOffset={setOffset} />
      </section>
    </div>
  );
}

/** GET /tickets/queues: per assignee team, the open work by status and the overdue count (click: that team's list). */
function QueuesSummary({ queues, error, onTeam }: { queues: TicketQueue[] | undefined; error: ApiError | null; onTeam: (team: string | null) => void }) {
  if (error) return <ProblemMessage error={error} />;
  if (!queues || queues.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="ticket-queues-h">
      <h2 id="ticket-queues-h">Queues by team</h2>
      <div className="table-wrap">
        <table className="data" data-testid="ticket-queues">
          <thead>
            <tr>
              <th scope="col">Team</th>
              {TICKET_STATUSES.map((s) => (
                <th key={s} scope="col" className="num">
                  {STATUS_LABEL[s]}
                </th>
              ))}
              <th scope="col" className="num">
                Overdue
              </th>
            </tr>
          </thead>
          <tbody>
            {queues.map((q) => (
              <tr key={q.team ?? ''}>
                <td>
                  <button type="button" className="link" onClick={() => onTeam(q.team)}>
                    {q.team ?? 'no team'}
                  </button>
                </td>
                {TICKET_STATUSES.map((s) => (
                  <td key={s} className="num">
                    {q.counts[s] ?? 0}
                  </td>
                ))}
                <td className="num">{q.overdue ? <span className="pill bad">{q.overdue} overdue</span> : 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
