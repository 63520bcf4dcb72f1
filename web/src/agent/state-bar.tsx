/**
 * The agent's ACD state: log in / out, ready, not ready with a reason (the API's list), wrap-up with its countdown,
 * time in state, and the queues the agent serves (with their waiting calls from the live feed).
 */
import { useState } from 'react';
import { ProblemMessage } from '../components/problem';
import { post } from '../lib/api';
import { duration, since } from '../lib/format';
import { useAction, useHotkeys, useNow } from '../lib/hooks';
import type { AcdMe, AgentState } from './types';

export const STATE_LABEL: Record<AgentState, string> = {
  logged_out: 'Logged out',
  available: 'Ready',
  not_ready: 'Not ready',
  reserved: 'Ringing',
  on_call: 'On call',
  wrap_up: 'Wrap-up',
};

const PILL: Record<AgentState, string> = {
  logged_out: 'logged_out',
  available: 'ready',
  not_ready: 'not_ready',
  reserved: 'ringing',
  on_call: 'on_call',
  wrap_up: 'wrap_up',
};

export function reasonLabel(r: string): string {
  return r.replace(/_/g, ' ');
}

export function StateBar({ me, waiting, onChanged }: { me: AcdMe; waiting: Record<string, number>; onChanged: () => void }) {
  const now = useNow();
  const reasons = me.not_ready_reasons.length ? me.not_ready_reasons : ['other'];
  const [reason, setReason] = useState(reasons[0]!);
  const act = useAction(async (path: string, body?: unknown) => {
    await post(path, body);
    onChanged();
  });
  const s = me.state;
  const state: AgentState = s?.state ?? 'logged_out';
  const loggedIn = state !== 'logged_out';
  const canReady = loggedIn && (state === 'not_ready' || state === 'wrap_up');
  const canNotReady = loggedIn && !(state === 'not_ready' && s?.reason === reason);
  const ready = () => void act.run(state === 'wrap_up' ? '/api/v1/acd/me/wrap-up/end' : '/api/v1/acd/me/ready');
  const notReady = () => void act.run('/api/v1/acd/me/not-ready', { reason });
  useHotkeys({ r: canReady && !act.busy ? ready : undefined, n: canNotReady && !act.busy ? notReady : undefined });

  const wrapLeft = state === 'wrap_up' && me.wrap_up?.ends_at ? Date.parse(me.wrap_up.ends_at) - now : null;
  return (
    <section className="panel state-bar" aria-labelledby="state-h">
      <div className="row state-row">
        <h2 id="state-h" className="sr-only">
          Your state
        </h2>
        <span className={`pill big-pill ${PILL[state]}`} data-testid="agent-state" role="status" aria-live="polite">
          {STATE_LABEL[state]}
          {state === 'not_ready' && s?.reason ? `: ${reasonLabel(s.reason)}` : ''}
        </span>
        <span className="muted" title="time in this state">
          {loggedIn && s ? since(s.since, now) : ''}
        </span>
        {wrapLeft !== null && (
          <span className="wrap-countdown" data-testid="wrap-countdown">
            wrap-up ends in {duration(Math.max(0, wrapLeft))}
          </span>
        )}
        {s && s.phone_registered === false && <span className="pill bad">phone not registered</span>}
        <span className="spacer" />
        {!loggedIn ? (
          <button type="button" className="primary" disabled={act.busy || !me.acd_running} onClick={() => void act.run('/api/v1/acd/me/login')}>
            Log in to the ACD
          </button>
        ) : (
          <>
            <button type="button" className="ok" disabled={!canReady || act.busy} onClick={ready} aria-keyshortcuts="Alt+R">
              {state === 'wrap_up' ? 'End wrap-up, ready' : 'Ready'} <kbd>Alt+R</kbd>
            </button>
            <label className="inline-label">
              <span className="sr-only">Not-ready reason</span>
              <select value={reason} onChange={(e) => setReason(e.target.value)} aria-label="Not-ready reason">
                {reasons.map((r) => (
                  <option key={r} value={r}>
                    {reasonLabel(r)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" disabled={!canNotReady || act.busy} onClick={notReady} aria-keyshortcuts="Alt+N">
              Not ready <kbd>Alt+N</kbd>
            </button>
            <button type="button" disabled={act.busy} onClick={() => void act.run('/api/v1/acd/me/logout')}>
              Log out of the ACD
            </button>
          </>
        )}
      </div>
      {!me.acd_running && <p className="muted">The ACD is not running; you cannot log in right now.</p>}
      <div className="row queues-row" aria-label="Your queues">
        <span className="muted">Queues:</span>
        {me.agent.queues.length ? (
          me.agent.queues.map((q) => (
            <span key={q.queue} className="pill" title={`tier ${q.tier}`}>
              {q.queue}
              {waiting[q.queue] !== undefined ? ` · ${waiting[q.queue]} waiting` : ''}
            </span>
          ))
        ) : (
          <span className="muted">none (ask an admin to add you to a queue)</span>
        )}
        {loggedIn ? <span className="muted">(logged in to all of them)</span> : null}
      </div>
      <ProblemMessage error={act.error} onDismiss={act.clear} />
    </section>
  );
}
