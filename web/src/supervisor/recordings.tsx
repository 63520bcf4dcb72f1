/**
 * Recordings: search by date, agent, queue and caller; play in the browser (a short-lived play URL, so the <audio>
 * element streams with HTTP Range without the Authorization header); download (with the token, as a file); legal
 * hold (admins only: the API refuses supervisors, so the control says so instead of failing).
 */
import { useState, type FormEvent } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { get, getBlob, patch, post, saveBlob } from '../lib/api';
import { dateTime, duration } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';
import { useConfirmedActions } from './confirmed-action';
import { useSession } from '../lib/session';
import type { Items, LiveAgent, Recording, RecordingPage } from './types';
import { Pager } from '../components/pager';

interface Search {
  from: string;
  to: string;
  agent_id: string;
  queue: string;
  number: string;
}

const EMPTY: Search = { from: '', to: '', agent_id: '', queue: '', number: '' };
const PAGE = 50;

/** A <input type="date"> value as the start of that local day, ISO; `endOfDay` gives the next day's start. */
function dayIso(value: string, endOfDay = false): string | undefined {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00`);
  if (Number.isNaN(d.getTime())) return undefined;
  if (endOfDay) d.setDate(d.getDate() + 1);
  return d.toISOString();
}

export function RecordingsPage() {
  const { user } = useSession();
  const isAdmin = user.role === 'admin';
  const [form, setForm] = useState<Search>(EMPTY);
  const [search, setSearch] = useState<Search>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [playing, setPlaying] = useState<{ rec: Recording; url: string } | null>(null);
  // Agents the caller may see, for the agent filter and for names in the list (the API scopes them to the teams).
  const agents = useResource((s) => get<Items<LiveAgent>>('/api/v1/acd/live/agents', undefined, s).catch(() => ({ items: [] as LiveAgent[] })), []);
  const results = useResource(
    (s) =>
      get<RecordingPage>(
        '/api/v1/recordings',
        {
          from: dayIso(search.from),
          to: dayIso(search.to, true),
          agent_id: search.agent_id || undefined,
          queue: search.queue.trim() || undefined,
          number: search.number.trim() || undefined,
          limit: PAGE,
          offset,
        },
        s,
      ),
    [search, offset],
  );
  const play = useAction(async (r: Recording) => {
    const { url } = await post<{ url: string }>(`/api/v1/recordings/${r.id}/play-url`);
    setPlaying({ rec: r, url });
  });
  const download = useAction(async (r: Recording) => {
    const blob = await getBlob(`/api/v1/recordings/${r.id}/file`);
    saveBlob(blob, `recording-${r.started_at.slice(0, 19).replace(/[:T]/g, '-')}-${r.id}.${r.format === 'wav' ? 'wav' : 'bin'}`);
  });
  const actions = useConfirmedActions();
  const askHold = (r: Recording) =>
    actions.ask({
      title: r.legal_hold ? 'Release the legal hold?' : 'Put the recording on legal hold?',
      body: <p>{r.legal_hold ? 'Retention may purge the recording once its class expires.' : 'Retention will never purge the recording while the hold is set.'}</p>,
      confirmLabel: r.legal_hold ? 'Release the hold' : 'Set the hold',
      danger: r.legal_hold,
      run: () => patch(`/api/v1/recordings/${r.id}`, { legal_hold: !r.legal_hold }),
      audit: { action: 'recording.update', targetType: 'recording', targetId: r.id },
      done: results.reload,
    });
  const agentName = (id: number | null) => (id === null ? '–' : (agents.data?.items.find((a) => a.id === id)?.name ?? `agent ${id}`));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setSearch({ ...form });
  };
  const set = (k: keyof Search) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  const total = results.data?.total ?? 0;

  return (
    <div>
      <h1>Recordings</h1>
      <form className="panel rec-search" onSubmit={submit} aria-label="Search recordings">
        <div className="row">
          <Field label="From">{(id) => <input id={id} type="date" value={form.from} onChange={set('from')} />}</Field>
          <Field label="To">{(id) => <input id={id} type="date" value={form.to} onChange={set('to')} />}</Field>
          <Field label="Agent">
            {(id) => (
              <select id={id} value={form.agent_id} onChange={set('agent_id')}>
                <option value="">Any agent</option>
                {(agents.data?.items ?? []).map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name} ({a.extension})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Queue">{(id) => <input id={id} value={form.queue} onChange={set('queue')} placeholder="e.g. sales" />}</Field>
          <Field label="Caller" hint="number; end with * for a prefix">
            {(id, hint) => <input id={id} aria-describedby={hint} value={form.number} onChange={set('number')} placeholder="+1415*" inputMode="tel" />}
          </Field>
          <div className="row end rec-buttons">
            <button type="submit" className="primary">
              Search
            </button>
            <button type="button" onClick={() => (setForm(EMPTY), setSearch(EMPTY), setOffset(0))}>
              Clear
            </button>
          </div>
        </div>
      </form>
      <ProblemMessage error={results.error} />
      <ProblemMessage error={play.error ?? download.error} onDismiss={() => (play.clear(), download.clear())} />
      {actions.view}
      {playing && (
        <section className="panel player" aria-label="Player">
          <div className="row">
            <strong>
              {dateTime(playing.rec.started_at)} · {agentName(playing.rec.agent_id)} · {playing.rec.caller_number ?? 'unknown caller'}
            </strong>
            <button type="button" onClick={() => setPlaying(null)}>
              Close player
            </button>
          </div>
          {/* The play URL carries a short-lived token for this recording only; the browser streams it with Range. */}
          <audio key={playing.url} src={playing.url} controls autoPlay preload="metadata" data-testid="recording-audio" className="audio" />
        </section>
      )}
      <section className="panel" aria-labelledby="rec-results-title">
        <h2 id="rec-results-title" aria-live="polite">
          {results.data ? `${total} recording${total === 1 ? '' : 's'}` : 'Recordings'}
        </h2>
        {!isAdmin && <p className="muted">Legal hold can be set by admins only.</p>}
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col" className="num">Length</th>
                <th scope="col">Agent</th>
                <th scope="col">Queue</th>
                <th scope="col">Caller</th>
                <th scope="col">Status</th>
                <th scope="col">Legal hold</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {!results.data ? (
                <tr>
                  <td colSpan={8} className="empty">Loading…</td>
                </tr>
              ) : results.data.items.length === 0 ? (
                <tr>
                  <td colSpan={8} className="empty">No recording matches.</td>
                </tr>
              ) : (
                results.data.items.map((r) => {
                  const playable = r.status === 'finished' && r.integrity !== 'tampered';
                  return (
                    <tr key={r.id} data-testid={`recording-${r.id}`} className={playing?.rec.id === r.id ? 'selected' : undefined}>
                      <td>{dateTime(r.started_at)}</td>
                      <td className="num">{duration(r.duration_ms)}</td>
                      <td>{agentName(r.agent_id)}</td>
                      <td>{r.queue ?? r.campaign ?? '–'}</td>
                      <td>{r.caller_number ?? '–'}</td>
                      <td>
                        <span className={`pill ${r.status === 'finished' ? (r.integrity === 'tampered' ? 'bad' : 'ok') : r.status === 'recording' ? 'on_call' : 'bad'}`}>{r.integrity === 'tampered' ? 'tampered' : r.status}</span>
                      </td>
                      <td>
                        <label className="hold" title={isAdmin ? undefined : 'Only admins may set or clear a legal hold'}>
                          <input type="checkbox" aria-label={`Legal hold of the recording of ${dateTime(r.started_at)}`} checked={r.legal_hold} disabled={!isAdmin || actions.busy || r.status === 'purged'} onChange={() => askHold(r)} aria-describedby={isAdmin ? undefined : 'hold-why'} />{' '}
                          {r.legal_hold ? 'held' : 'no'}
                        </label>
                      </td>
                      <td>
                        <div className="row">
                          <button type="button" disabled={!playable || play.busy} onClick={() => void play.run(r)} aria-label={`Play the recording of ${dateTime(r.started_at)}`}>
                            Play
                          </button>
                          <button type="button" disabled={!playable || download.busy} onClick={() => void download.run(r)} aria-label={`Download the recording of ${dateTime(r.started_at)}`}>
                            Download
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })
              )}
            </tbody>
          </table>
        </div>
        {!isAdmin && (
          <p id="hold-why" className="sr-only">
            Only admins may set or clear a legal hold.
          </p>
        )}
        <Pager offset={offset} page={PAGE} total={total} onOffset={setOffset} />
      </section>
    </div>
  );
}
