/**
 * What a supervisor can do to one agent: supervise their live call from the supervisor's own softphone (listen,
 * whisper, barge), force the hangup of the call, force their state. Each is confirmed first and then shows its audit
 * entry (confirmed-action.tsx). The API checks the team scope; a 403 shows its reason.
 */
import { useState } from 'react';
import { Field } from '../components/field';
import { post } from '../lib/api';
import { since } from '../lib/format';
import type { ConfirmedAction } from './confirmed-action';
import { NOT_READY_REASONS, SUPERVISION_MODES, type LiveAgent, type SupervisionMode } from './types';
import { callerText, StatePill } from './agent-view';

const MODE_TEXT: Record<SupervisionMode, { label: string; what: string }> = {
  listen: { label: 'Listen', what: 'You will hear the agent and the customer; neither hears you.' },
  whisper: { label: 'Whisper', what: 'The agent will hear you; the customer will not.' },
  barge: { label: 'Barge', what: 'Both the agent and the customer will hear you.' },
};

export function AgentActions({ agent, now, ask, busy, onSessionStarted }: { agent: LiveAgent; now: number; ask: (a: ConfirmedAction) => void; busy: boolean; onSessionStarted: () => void }) {
  const [reason, setReason] = useState<string>(NOT_READY_REASONS[0]);
  const onCall = !!agent.call_id || agent.state === 'on_call';
  const target = { targetType: 'acd_agent', targetId: agent.id, targetLabel: agent.name };

  const supervise = (mode: SupervisionMode) =>
    ask({
      title: `${MODE_TEXT[mode].label}: ${agent.name}`,
      body: (
        <>
          <p>Your softphone will ring; answer it to {mode} on the call of {agent.name}{agent.call ? ` with ${callerText(agent.call)}` : ''}.</p>
          <p>{MODE_TEXT[mode].what}</p>
        </>
      ),
      confirmLabel: `Start ${mode}`,
      run: () => post('/api/v1/supervision/sessions', { agent_id: agent.id, mode }),
      audit: { action: 'supervision.start', ...target },
      done: onSessionStarted,
    });

  const hangup = () =>
    ask({
      title: `Hang up the call of ${agent.name}?`,
      body: <p>The call{agent.call ? ` with ${callerText(agent.call)}` : ''} ends for the agent and the customer.</p>,
      confirmLabel: 'Hang up the call',
      danger: true,
      run: () => post(`/api/v1/supervision/agents/${agent.id}/hangup`),
      audit: { action: 'supervision.force_hangup', ...target },
    });

  const force = (action: 'ready' | 'not_ready' | 'logout') =>
    ask({
      title: action === 'ready' ? `Make ${agent.name} ready?` : action === 'logout' ? `Log ${agent.name} out?` : `Make ${agent.name} not ready (${reason})?`,
      body: <p>{onCall && action !== 'ready' ? 'The agent is on a call: the change applies when the call ends.' : action === 'ready' ? 'Calls will be offered to the agent.' : 'No call will be offered to the agent.'}</p>,
      confirmLabel: action === 'ready' ? 'Make ready' : action === 'logout' ? 'Log out' : 'Make not ready',
      danger: action === 'logout',
      run: () => post(`/api/v1/supervision/agents/${agent.id}/state`, action === 'not_ready' ? { action, reason } : { action }),
      audit: { action: 'supervision.force_state', ...target },
    });

  return (
    <div className="stack agent-actions">
      <p>
        <StatePill agent={agent} /> for {since(agent.since, now)}
        {agent.call && (
          <>
            {' '}
            · on a call with <strong>{callerText(agent.call)}</strong> ({agent.call.queue}){agent.call.connected_at ? ` for ${since(agent.call.connected_at, now)}` : ''}
          </>
        )}
      </p>
      <fieldset className="actions-group">
        <legend>Their call</legend>
        <div className="row">
          {SUPERVISION_MODES.map((m) => (
            <button key={m} type="button" disabled={!onCall || busy} onClick={() => supervise(m)}>
              {MODE_TEXT[m].label}
            </button>
          ))}
          <button type="button" className="danger" disabled={!onCall || busy} onClick={hangup}>
            Force hangup
          </button>
        </div>
        {!onCall && <small className="muted">The agent has no call now.</small>}
      </fieldset>
      <fieldset className="actions-group">
        <legend>Their state</legend>
        <div className="row">
          <button type="button" disabled={busy || agent.state === 'available'} onClick={() => force('ready')}>
            Ready
          </button>
          <Field label="Reason">
            {(id) => (
              <select id={id} value={reason} onChange={(e) => setReason(e.target.value)}>
                {NOT_READY_REASONS.map((r) => (
                  <option key={r} value={r}>
                    {r.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="button" disabled={busy} onClick={() => force('not_ready')}>
            Not ready
          </button>
          <button type="button" disabled={busy || agent.state === 'logged_out'} onClick={() => force('logout')}>
            Log out
          </button>
        </div>
      </fieldset>
    </div>
  );
}
