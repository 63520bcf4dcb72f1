/**
 * The wallboard: per queue the waiting calls, longest wait (ticking), service level, abandon rate, ASA and agents by
 * state; per agent the state, time in state and current call. Everything follows the live feed (live-state.ts).
 * Selecting an agent opens the actions on them; the supervisor's own sessions are beside it.
 */
import { useState } from 'react';
import { ProblemMessage } from '../components/problem';
import { percent, seconds, since } from '../lib/format';
import { useNow } from '../lib/hooks';
import { AgentActions } from './agent-actions';
import { useConfirmedActions } from './confirmed-action';
import { useWallboard, type Wallboard } from './live-state';
import { SessionsPanel, useMySessions } from './sessions';
import { callerText, PILL, STATE_LABEL, StatePill } from './agent-view';
import { AGENT_STATES, type LiveAgent, type LiveCall, type LiveQueue } from './types';

export function WallboardPage() {
  const wb = useWallboard();
  const now = useNow(1000);
  const [selected, setSelected] = useState<number | null>(null);
  const actions = useConfirmedActions();
  const sessions = useMySessions();
  const agent = wb.agents?.find((a) => a.id === selected) ?? null;
  const firstError = wb.errors.find((e) => e);

  return (
    <div className="wallboard">
      <h1>Wallboard</h1>
      <ProblemMessage error={firstError} />
      <div className="grid-2">
        <div className="stack">
          <QueuesPanel wb={wb} now={now} />
          <AgentsPanel agents={wb.agents} now={now} selected={selected} onSelect={setSelected} />
        </div>
        <div className="stack">
          <section className="panel" aria-labelledby="actions-title">
            <h2 id="actions-title">{agent ? `Agent ${agent.name}` : 'Agent actions'}</h2>
            {agent ? <AgentActions agent={agent} now={now} ask={actions.ask} busy={actions.busy} onSessionStarted={sessions.reload} /> : <p className="muted">Select an agent in the list to listen, whisper, barge, hang up or change their state.</p>}
            {actions.view}
          </section>
          <SessionsPanel sessions={sessions} agents={wb.agents} now={now} ask={actions.ask} />
          <WaitingCallsPanel calls={wb.calls} now={now} />
        </div>
      </div>
    </div>
  );
}

function longestWait(q: LiveQueue, wb: Wallboard, now: number): number | null {
  if (!q.waiting) return null;
  // The oldest waiting call of the queue ticks by itself; without it, the figure of the last message plus the time since.
  const oldest = wb.calls?.filter((c) => c.queue === q.queue).reduce<number | null>((m, c) => Math.min(m ?? Infinity, Date.parse(c.entered_at)), null);
  if (oldest !== null && oldest !== undefined && Number.isFinite(oldest)) return Math.max(0, (now - oldest) / 1000);
  const at = wb.statsAt.get(q.queue);
  return q.longest_wait_sec + (at ? Math.max(0, (now - at) / 1000) : 0);
}

function QueuesPanel({ wb, now }: { wb: Wallboard; now: number }) {
  return (
    <section className="panel" aria-labelledby="queues-title">
      <h2 id="queues-title">Queues</h2>
      <div className="table-wrap">
        <table className="data wb-queues">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col" className="num">Waiting</th>
              <th scope="col" className="num">Longest wait</th>
              <th scope="col" className="num">Service level</th>
              <th scope="col" className="num">Abandon rate</th>
              <th scope="col" className="num">ASA today</th>
              <th scope="col">Agents by state</th>
            </tr>
          </thead>
          <tbody>
            {!wb.queues ? (
              <tr>
                <td colSpan={7} className="empty">Loading…</td>
              </tr>
            ) : wb.queues.length === 0 ? (
              <tr>
                <td colSpan={7} className="empty">No queues.</td>
              </tr>
            ) : (
              wb.queues.map((q) => {
                const wait = longestWait(q, wb, now);
                return (
                  <tr key={q.queue} data-testid={`queue-${q.queue}`}>
                    <th scope="row">{q.queue}</th>
                    <td className={`num big-cell${q.waiting > 0 ? ' hot' : ''}`} data-testid="waiting">{q.waiting}</td>
                    <td className="num" data-testid="longest-wait">{wait === null ? '–' : seconds(Math.floor(wait))}</td>
                    <td className="num" title={q.service_level_sec ? `answered within ${q.service_level_sec} s` : undefined}>{percent(q.service_level)}</td>
                    <td className="num">{percent(q.abandon_rate, 1)}</td>
                    <td className="num">{seconds(wb.asa.get(q.queue) === null || wb.asa.get(q.queue) === undefined ? null : Math.round(wb.asa.get(q.queue)!))}</td>
                    <td>
                      <span className="wb-states">
                        {AGENT_STATES.filter((s) => s !== 'logged_out' && q.agents[s] > 0).map((s) => (
                          <span key={s} className={`pill ${PILL[s]}`}>
                            {STATE_LABEL[s]} {q.agents[s]}
                          </span>
                        ))}
                        {AGENT_STATES.every((s) => s === 'logged_out' || !q.agents[s]) && <span className="muted">nobody logged in</span>}
                      </span>
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function AgentsPanel({ agents, now, selected, onSelect }: { agents: LiveAgent[] | undefined; now: number; selected: number | null; onSelect: (id: number) => void }) {
  const sorted = agents ? [...agents].sort((a, b) => AGENT_STATES.indexOf(a.state) - AGENT_STATES.indexOf(b.state) || a.name.localeCompare(b.name)) : undefined;
  return (
    <section className="panel" aria-labelledby="agents-title">
      <h2 id="agents-title">Agents</h2>
      <div className="table-wrap">
        <table className="data wb-agents">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">State</th>
              <th scope="col" className="num">In state</th>
              <th scope="col">Current call</th>
              <th scope="col" className="num">Handled</th>
              <th scope="col"><span className="sr-only">Select</span></th>
            </tr>
          </thead>
          <tbody>
            {!sorted ? (
              <tr>
                <td colSpan={6} className="empty">Loading…</td>
              </tr>
            ) : sorted.length === 0 ? (
              <tr>
                <td colSpan={6} className="empty">No agents in your teams.</td>
              </tr>
            ) : (
              sorted.map((a) => (
                <tr key={a.id} data-testid={`agent-${a.id}`} className={a.id === selected ? 'selected' : undefined}>
                  <th scope="row">
                    {a.name} <span className="muted">{a.extension}</span>
                    {!a.phone_registered && a.state !== 'logged_out' && <span className="pill bad" title="the agent's phone is not registered: no calls are offered">phone off</span>}
                  </th>
                  <td data-testid="agent-state">
                    <StatePill agent={a} />
                  </td>
                  <td className="num">{since(a.since, now)}</td>
                  <td data-testid="agent-call">
                    {a.call ? (
                      <>
                        {callerText(a.call)} <span className="muted">· {a.call.queue} ·</span> {a.call.connected_at ? since(a.call.connected_at, now) : 'ringing'}
                      </>
                    ) : (
                      <span className="muted">–</span>
                    )}
                  </td>
                  <td className="num">{a.calls_handled}</td>
                  <td>
                    <button type="button" onClick={() => onSelect(a.id)} aria-label={`Actions on ${a.name}`} aria-current={a.id === selected ? 'true' : undefined}>
                      Actions
                    </button>
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function WaitingCallsPanel({ calls, now }: { calls: LiveCall[] | undefined; now: number }) {
  return (
    <section className="panel" aria-labelledby="waiting-title">
      <h2 id="waiting-title">Waiting calls</h2>
      {calls && calls.length === 0 ? (
        <p className="muted">No call is waiting.</p>
      ) : (
        <table className="data">
          <thead>
            <tr>
              <th scope="col">Queue</th>
              <th scope="col">State</th>
              <th scope="col" className="num">Waiting</th>
            </tr>
          </thead>
          <tbody>
            {(calls ?? []).map((c) => (
              <tr key={c.id}>
                <td>{c.queue}</td>
                <td>
                  <span className={`pill ${c.state === 'offering' ? 'ringing' : 'warn'}`}>{c.state}</span>
                </td>
                <td className="num">{since(c.entered_at, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
