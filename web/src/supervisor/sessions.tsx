/**
 * The supervisor's active supervision sessions: switch the mode (listen / whisper / barge), take the call over, end.
 * Reloaded on call events (a session ends with its call) and after every action.
 */
import { ProblemMessage } from '../components/problem';
import { del, get, patch, post } from '../lib/api';
import { since } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';
import type { ConfirmedAction } from './confirmed-action';
import { SUPERVISION_MODES, type LiveAgent, type SupervisionMode, type SupervisionSession } from './types';

export function useMySessions() {
  return useResource((s) => get<{ sessions: SupervisionSession[] }>('/api/v1/supervision/sessions', { active: 'true', limit: 50 }, s), [], { refreshOn: ['call_state'] });
}

export function SessionsPanel({ sessions, agents, now, ask }: { sessions: ReturnType<typeof useMySessions>; agents: LiveAgent[] | undefined; now: number; ask: (a: ConfirmedAction) => void }) {
  const setMode = useAction(async (id: number, mode: SupervisionMode) => {
    await patch(`/api/v1/supervision/sessions/${id}`, { mode });
    sessions.reload();
  });
  const end = useAction(async (id: number) => {
    await del(`/api/v1/supervision/sessions/${id}`);
    sessions.reload();
  });
  const list = sessions.data?.sessions.filter((s) => s.active);
  const nameOf = (agentId: number) => agents?.find((a) => a.id === agentId)?.name ?? `agent ${agentId}`;

  return (
    <section className="panel" aria-labelledby="sessions-title">
      <h2 id="sessions-title">My supervision sessions</h2>
      <ProblemMessage error={sessions.error} />
      <ProblemMessage error={setMode.error ?? end.error} onDismiss={() => (setMode.clear(), end.clear())} />
      {!list ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No active session.</p>
      ) : (
        <ul className="sessions">
          {list.map((s) => (
            <li key={s.id} data-testid={`session-${s.id}`}>
              <div>
                <strong>{nameOf(s.agent_id)}</strong> · <span className="pill on_call">{s.mode}</span> · {since(s.answered_at ?? s.started_at, now)}
              </div>
              <div className="row" role="group" aria-label={`Mode of the session on ${nameOf(s.agent_id)}`}>
                {SUPERVISION_MODES.map((m) => (
                  <button key={m} type="button" aria-pressed={s.mode === m} disabled={setMode.busy} onClick={() => s.mode !== m && void setMode.run(s.id, m)}>
                    {m[0]!.toUpperCase() + m.slice(1)}
                  </button>
                ))}
                <button
                  type="button"
                  onClick={() =>
                    ask({
                      title: `Take over the call of ${nameOf(s.agent_id)}?`,
                      body: <p>The customer will be bridged to your phone and the agent released to wrap-up.</p>,
                      confirmLabel: 'Take over',
                      danger: true,
                      run: () => post(`/api/v1/supervision/sessions/${s.id}/take-over`),
                      audit: { action: 'supervision.take_over', targetType: 'acd_agent', targetId: s.agent_id, targetLabel: nameOf(s.agent_id) },
                      done: sessions.reload,
                    })
                  }
                >
                  Take over
                </button>
                <button type="button" disabled={end.busy} onClick={() => void end.run(s.id)}>
                  End
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
