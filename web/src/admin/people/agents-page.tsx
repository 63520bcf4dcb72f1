/** ACD agents: who serves which queues at which tier, with which skills; create, edit, delete. */
import { useMemo, useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { del, get } from '../../lib/api';
import { useAction, useResource } from '../../lib/hooks';
import { AgentForm } from './agent-form';
import type { AcdAgent, AcdQueue, Items, User } from './types';

export function AgentsPage() {
  const agents = useResource((signal) => get<Items<AcdAgent>>('/api/v1/acd/agents', undefined, signal), []);
  const users = useResource((signal) => get<Items<User>>('/api/v1/users', undefined, signal), []);
  const queues = useResource((signal) => get<Items<AcdQueue>>('/api/v1/acd/queues', undefined, signal), []);
  const [editing, setEditing] = useState<number | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [deleteFor, setDeleteFor] = useState<AcdAgent | null>(null);
  const remove = useAction(async (a: AcdAgent) => {
    await del(`/api/v1/acd/agents/${a.id}`);
    if (editing === a.id) setEditing(null);
    agents.reload();
  });
  const list = agents.data?.items;
  const current = editing === null ? null : (list?.find((a) => a.id === editing) ?? null);
  const userName = useMemo(() => new Map((users.data?.items ?? []).map((u) => [u.id, u.username])), [users.data]);
  // A new agent needs a user who is not an agent yet.
  const freeUsers = (users.data?.items ?? []).filter((u) => !u.disabled && !(list ?? []).some((a) => a.user_id === u.id));
  const open = (id: number | null) => {
    setEditing(id);
    setFormKey((k) => k + 1);
  };
  const columns: Column<AcdAgent>[] = [
    { key: 'name', label: 'Agent', render: (a) => a.name },
    { key: 'user', label: 'User', render: (a) => userName.get(a.user_id) ?? `#${a.user_id}` },
    { key: 'ext', label: 'Extension', render: (a) => a.extension },
    {
      key: 'skills',
      label: 'Skills',
      render: (a) =>
        Object.entries(a.skills)
          .map(([s, p]) => `${s} ${p}`)
          .join(', ') || '–',
    },
    { key: 'teams', label: 'Teams', render: (a) => a.teams.join(', ') || '–' },
    { key: 'queues', label: 'Queues (tier)', render: (a) => a.queues.map((q) => `${q.queue} (${q.tier})`).join(', ') || '–' },
    { key: 'state', label: 'State', render: (a) => <span className={`pill ${a.enabled ? 'ok' : 'bad'}`}>{a.enabled ? 'enabled' : 'disabled'}</span> },
    {
      key: 'actions',
      label: 'Actions',
      render: (a) => (
        <div className="row">
          <button type="button" onClick={() => open(a.id)} aria-label={`Edit agent ${a.name}`} aria-pressed={editing === a.id}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => setDeleteFor(a)} aria-label={`Delete agent ${a.name}`}>
            Delete
          </button>
        </div>
      ),
    },
  ];
  return (
    <div>
      <h1>Agents</h1>
      <section className="panel" aria-labelledby="agents-h">
        <div className="row">
          <h2 id="agents-h">Agents</h2>
          <button type="button" onClick={() => open(null)}>
            New agent
          </button>
        </div>
        <ProblemMessage error={agents.error ?? users.error ?? queues.error ?? remove.error} />
        <div className="table-wrap">
          <DataTable columns={columns} rows={list} rowKey={(a) => a.id} empty="No agents yet." />
        </div>
      </section>
      <section className="panel" aria-labelledby="agent-form-h">
        <h2 id="agent-form-h">{current ? `Edit agent ${current.name}` : 'New agent'}</h2>
        <AgentForm
          key={formKey}
          agent={current}
          users={current ? (users.data?.items ?? []).filter((u) => u.id === current.user_id) : freeUsers}
          queueNames={(queues.data?.items ?? []).map((q) => q.name)}
          onSaved={(a) => {
            agents.reload();
            setEditing(a.id);
          }}
        />
      </section>
      <ConfirmDialog
        open={deleteFor !== null}
        title={`Delete agent ${deleteFor?.name ?? ''}?`}
        confirmLabel="Delete"
        danger
        busy={remove.busy}
        onCancel={() => setDeleteFor(null)}
        onConfirm={async () => {
          if (deleteFor) await remove.run(deleteFor);
          setDeleteFor(null);
        }}
      >
        The user account stays. Refused while the agent is logged in.
      </ConfirmDialog>
    </div>
  );
}
