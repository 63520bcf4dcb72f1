/**
 * Transfer and 3-way: search the directory (agents and queues, GET /acd/directory) or type a number, then blind
 * transfer, start an attended transfer (consult first), or add the target as a third party.
 */
import { useMemo, useState } from 'react';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { get, post } from '../lib/api';
import { useAction, useResource } from '../lib/hooks';
import { STATE_LABEL } from './state-bar';
import type { Directory, TransferTarget } from './types';

type Mode = 'blind' | 'attended' | 'three_way';

const MODE_LABEL: Record<Mode, string> = { blind: 'Blind transfer', attended: 'Attended transfer', three_way: '3-way call' };

export function TransferPanel({ myAgentId, onDone, onClose }: { myAgentId: number; onDone: () => void; onClose: () => void }) {
  const [mode, setMode] = useState<Mode>('blind');
  const [search, setSearch] = useState('');
  const [number, setNumber] = useState('');
  const dir = useResource((signal) => get<Directory>('/api/v1/acd/directory', undefined, signal), [], { refreshOn: ['agent_state'] });
  const act = useAction(async (target: TransferTarget) => {
    if (mode === 'three_way') await post('/api/v1/acd/me/call/three-way', { target });
    else await post('/api/v1/acd/me/call/transfer', { target, mode });
    onDone();
  });

  const q = search.trim().toLowerCase();
  const agents = useMemo(
    () => (dir.data?.agents ?? []).filter((a) => a.id !== myAgentId && (!q || a.name.toLowerCase().includes(q) || a.extension.includes(q))),
    [dir.data, q, myAgentId],
  );
  const queues = useMemo(() => (mode === 'blind' ? (dir.data?.queues ?? []).filter((x) => !q || x.name.toLowerCase().includes(q)) : []), [dir.data, q, mode]);
  const verb = mode === 'three_way' ? 'Add' : 'Transfer to';

  return (
    <section className="panel transfer" aria-labelledby="transfer-h">
      <div className="row">
        <h3 id="transfer-h">Transfer or conference</h3>
        <span className="spacer" />
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
      <div className="tabs" role="tablist" aria-label="Kind of transfer">
        {(Object.keys(MODE_LABEL) as Mode[]).map((m) => (
          <button key={m} type="button" role="tab" aria-selected={mode === m} onClick={() => setMode(m)}>
            {MODE_LABEL[m]}
          </button>
        ))}
      </div>
      <p className="muted small">
        {mode === 'blind'
          ? 'The caller hears music while the target rings and is connected when they answer; you go to wrap-up.'
          : mode === 'attended'
            ? 'You talk to the target first while the caller holds; then complete or cancel the transfer.'
            : 'The caller, you and the target in one conference.'}
      </p>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (number.trim()) void act.run({ number: number.trim() });
        }}
      >
        <Field label="Phone number">
          {(id) => <input id={id} type="tel" inputMode="tel" value={number} onChange={(e) => setNumber(e.target.value)} placeholder="+14155550123" autoComplete="off" />}
        </Field>
        <button type="submit" disabled={act.busy || !number.trim()}>
          {verb} number
        </button>
      </form>
      <Field label="Search agents and queues">
        {(id) => <input id={id} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name, extension or queue" autoComplete="off" />}
      </Field>
      <ProblemMessage error={dir.error} />
      <ProblemMessage error={act.error} onDismiss={act.clear} />
      <ul className="directory" aria-label="Directory">
        {agents.map((a) => (
          <li key={`a${a.id}`}>
            <span>
              {a.name} <span className="muted">ext {a.extension}</span>
            </span>
            <span className={`pill ${a.state === 'available' ? 'ready' : a.state}`}>{STATE_LABEL[a.state]}</span>
            <button type="button" disabled={act.busy || a.state !== 'available'} onClick={() => void act.run({ agent: a.id })} title={a.state !== 'available' ? 'only an available agent can take it' : undefined}>
              {verb} {a.name}
            </button>
          </li>
        ))}
        {queues.map((x) => (
          <li key={`q${x.name}`}>
            <span>
              Queue {x.name} {x.waiting !== null && <span className="muted">{x.waiting} waiting</span>}
            </span>
            <span className="pill">queue</span>
            <button type="button" disabled={act.busy} onClick={() => void act.run({ queue: x.name })}>
              {verb} queue {x.name}
            </button>
          </li>
        ))}
        {dir.data && !agents.length && !queues.length && <li className="muted">Nothing matches.</li>}
      </ul>
    </section>
  );
}
