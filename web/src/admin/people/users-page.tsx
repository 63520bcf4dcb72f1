/** Users (create, role, display name, disable, reset password) and machine API keys. */
import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { get, patch, post, put } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import type { Role } from '../../lib/session';
import { ApiKeysPanel } from './api-keys';
import { ROLES, type Items, type User } from './types';
import { fieldError } from './ui';

export function UsersPage() {
  const users = useResource((signal) => get<Items<User>>('/api/v1/users', undefined, signal), []);
  return (
    <div>
      <h1>Users and API keys</h1>
      <div className="grid-2">
        <section className="panel" aria-labelledby="users-h">
          <h2 id="users-h">Users</h2>
          <ProblemMessage error={users.error} />
          <UsersTable users={users.data?.items} reload={users.reload} />
        </section>
        <section className="panel" aria-labelledby="new-user-h">
          <h2 id="new-user-h">New user</h2>
          <CreateUserForm onCreated={users.reload} />
        </section>
      </div>
      <ApiKeysPanel />
    </div>
  );
}

function CreateUserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [password, setPassword] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction(async () => {
    const u = await post<User>('/api/v1/users', { username, password, role, display_name: displayName.trim() || null });
    setCreated(`Created ${u.username} (${u.role}).`);
    setUsername('');
    setDisplayName('');
    setPassword('');
    onCreated();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCreated(null);
    void create.run();
  };
  const err = create.error;
  return (
    <form onSubmit={submit} aria-label="New user">
      <Field label="Username" error={fieldError(err, 'username')} hint="3-64 letters, digits . _ - @">
        {(id, d) => <input id={id} aria-describedby={d} value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />}
      </Field>
      <Field label="Display name" error={fieldError(err, 'display_name')}>
        {(id, d) => <input id={id} aria-describedby={d} value={displayName} onChange={(e) => setDisplayName(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label="Role" error={fieldError(err, 'role')}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Initial password" error={fieldError(err, 'password')} hint="at least 12 characters; tell the user to change it">
        {(id, d) => <input id={id} aria-describedby={d} type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete="new-password" />}
      </Field>
      <ProblemMessage error={err && err.fieldErrors().length === 0 ? err : null} />
      <div className="row">
        <button type="submit" className="primary" disabled={create.busy}>
          Create user
        </button>
        <span role="status" aria-live="polite">
          {created}
        </span>
      </div>
    </form>
  );
}

function UsersTable({ users, reload }: { users: User[] | undefined; reload: () => void }) {
  const [resetFor, setResetFor] = useState<User | null>(null);
  const [disableFor, setDisableFor] = useState<User | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const change = useAction(async (u: User, body: Partial<Pick<User, 'role' | 'disabled'>>) => {
    await patch(`/api/v1/users/${u.id}`, body);
    setDone(`${u.username}: ${body.role ? `role ${body.role}` : body.disabled ? 'disabled' : 'enabled'}.`);
    reload();
  });
  const reset = useAction(async (u: User, password: string) => {
    await put(`/api/v1/users/${u.id}/password`, { password });
    setDone(`${u.username}: password reset; their sessions ended.`);
  });
  const columns: Column<User>[] = [
    { key: 'username', label: 'Username', render: (u) => u.username },
    { key: 'name', label: 'Display name', render: (u) => u.display_name ?? '' },
    {
      key: 'role',
      label: 'Role',
      render: (u) => (
        <select aria-label={`Role of ${u.username}`} value={u.role} disabled={change.busy} onChange={(e) => void change.run(u, { role: e.target.value as Role })}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      ),
    },
    { key: 'state', label: 'State', render: (u) => <span className={`pill ${u.disabled ? 'bad' : 'ok'}`}>{u.disabled ? 'disabled' : 'enabled'}</span> },
    { key: 'created', label: 'Created', render: (u) => dateTime(u.created_at) },
    {
      key: 'actions',
      label: 'Actions',
      render: (u) => (
        <div className="row">
          {u.disabled ? (
            <button type="button" onClick={() => void change.run(u, { disabled: false })} aria-label={`Enable ${u.username}`}>
              Enable
            </button>
          ) : (
            <button type="button" onClick={() => setDisableFor(u)} aria-label={`Disable ${u.username}`}>
              Disable
            </button>
          )}
          <button
            type="button"
            onClick={() => {
              reset.clear();
              setNewPassword('');
              setResetFor(u);
            }}
            aria-label={`Reset password of ${u.username}`}
          >
            Reset password
          </button>
        </div>
      ),
    },
  ];
  return (
    <>
      <ProblemMessage error={change.error} onDismiss={change.clear} />
      <p role="status" aria-live="polite" className="muted">
        {done}
      </p>
      <div className="table-wrap">
        <DataTable columns={columns} rows={users} rowKey={(u) => u.id} empty="No users." />
      </div>
      <ConfirmDialog
        open={disableFor !== null}
        title={`Disable ${disableFor?.username ?? ''}?`}
        confirmLabel="Disable"
        danger
        busy={change.busy}
        onCancel={() => setDisableFor(null)}
        onConfirm={async () => {
          // A refusal (e.g. the last admin, 409) is shown above the table once the dialog closes.
          if (disableFor) await change.run(disableFor, { disabled: true });
          setDisableFor(null);
        }}
      >
        They can no longer sign in; their open sessions stop working.
      </ConfirmDialog>
      <ConfirmDialog
        open={resetFor !== null}
        title={`Reset the password of ${resetFor?.username ?? ''}`}
        confirmLabel="Set password"
        busy={reset.busy}
        onCancel={() => setResetFor(null)}
        onConfirm={async () => {
          if (resetFor && (await reset.run(resetFor, newPassword))) setResetFor(null);
        }}
      >
        <Field label="New password" hint="at least 12 characters" error={fieldError(reset.error, 'password')}>
          {(id, d) => <input id={id} aria-describedby={d} type="password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} autoComplete="new-password" />}
        </Field>
        <ProblemMessage error={reset.error && !fieldError(reset.error, 'password') ? reset.error : null} />
      </ConfirmDialog>
    </>
  );
}
