/** ACD queues: the list with the main settings, and the form to create one or edit the selected one. */
import { useState } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { del, get } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { QueueForm } from './queue-form';
import type { AcdQueue, Items } from './types';

export function QueuesPage() {
  const queues = useResource((signal) => get<Items<AcdQueue>>('/api/v1/acd/queues', undefined, signal), []);
  const [editing, setEditing] = useState<string | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [deleteFor, setDeleteFor] = useState<string | null>(null);
  const remove = useAction(async (name: string) => {
    await del(`/api/v1/acd/queues/${encodeURIComponent(name)}`);
    if (editing === name) setEditing(null);
    queues.reload();
  });
  const items = queues.data?.items;
  const current = editing ? (items?.find((q) => q.name === editing) ?? null) : null;
  const open = (name: string | null) => {
    setEditing(name);
    setFormKey((k) => k + 1);
  };
  const columns: Column<AcdQueue>[] = [
    { key: 'name', label: 'Queue', render: (q) => q.name },
    { key: 'strategy', label: 'Strategy', render: (q) => q.config.strategy },
    { key: 'skills', label: 'Skills', render: (q) => q.config.requiredSkills.join(', ') || '–' },
    { key: 'sl', label: 'SL (s)', num: true, render: (q) => q.config.serviceLevelSec },
    { key: 'wrap', label: 'Wrap-up (s)', num: true, render: (q) => q.config.wrapUpSec },
    { key: 'overflow', label: 'Overflow', render: (q) => (q.config.overflow ? q.config.overflow.kind : '–') },
    { key: 'updated', label: 'Updated', render: (q) => `${dateTime(q.updated_at)} by ${q.updated_by}` },
    {
      key: 'actions',
      label: 'Actions',
      render: (q) => (
        <div className="row">
          <button type="button" onClick={() => open(q.name)} aria-label={`Edit queue ${q.name}`} aria-pressed={editing === q.name}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => setDeleteFor(q.name)} aria-label={`Delete queue ${q.name}`}>
            Delete
          </button>
        </div>
      ),
    },
  ];
  return (
    <div>
      <h1>Queues</h1>
      <section className="panel" aria-labelledby="queues-h">
        <div className="row">
          <h2 id="queues-h">Queues</h2>
          <button type="button" onClick={() => open(null)}>
            New queue
          </button>
        </div>
        <ProblemMessage error={queues.error ?? remove.error} />
        <div className="table-wrap">
          <DataTable columns={columns} rows={items} rowKey={(q) => q.name} empty="No queues yet." />
        </div>
      </section>
      <section className="panel" aria-labelledby="queue-form-h">
        <h2 id="queue-form-h">{current ? `Edit queue ${current.name}` : 'New queue'}</h2>
        <QueueForm
          key={formKey}
          queue={current}
          queueNames={(items ?? []).map((q) => q.name).filter((n) => n !== current?.name)}
          onSaved={(q) => {
            queues.reload();
            setEditing(q.name);
          }}
        />
      </section>
      <ConfirmDialog
        open={deleteFor !== null}
        title={`Delete queue ${deleteFor ?? ''}?`}
        confirmLabel="Delete"
        danger
        busy={remove.busy}
        onCancel={() => setDeleteFor(null)}
        onConfirm={async () => {
          if (deleteFor) await remove.run(deleteFor);
          setDeleteFor(null);
        }}
      >
        Refused while agents serve it, another queue overflows to it, or calls wait in it.
      </ConfirmDialog>
    </div>
  );
}
