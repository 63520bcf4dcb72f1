/** Machine API keys: create (the key is shown this once), list (prefix only), revoke. */
import { useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { del, get, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import type { Role } from '../../lib/session';
import { ROLES, type ApiKey, type ApiKeyCreated, type Items } from './types';
import { fieldError, SecretOnce } from './ui';

export function ApiKeysPanel() {
  const keys = useResource((signal) => get<Items<ApiKey>>('/api/v1/api-keys', undefined, signal), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('supervisor');
  const [secret, setSecret] = useState<ApiKeyCreated | null>(null);
  const [revokeFor, setRevokeFor] = useState<ApiKey | null>(null);
  const create = useAction(async () => {
    const created = await post<ApiKeyCreated>('/api/v1/api-keys', { name, role });
    setSecret(created);
    setName('');
    keys.reload();
  });
  const revoke = useAction(async (k: ApiKey) => {
    await del(`/api/v1/api-keys/${k.id}`);
    keys.reload();
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const columns: Column<ApiKey>[] = [
    { key: 'name', label: 'Name', render: (k) => k.name },
    { key: 'prefix', label: 'Key starts', render: (k) => <code>{k.key_prefix}…</code> },
    { key: 'role', label: 'Role', render: (k) => k.role },
    { key: 'created', label: 'Created', render: (k) => dateTime(k.created_at) },
    { key: 'used', label: 'Last used', render: (k) => dateTime(k.last_used_at) },
    {
      key: 'state',
      label: 'State',
      render: (k) =>
        k.revoked_at ? (
          <span className="pill bad" title={dateTime(k.revoked_at)}>
            revoked
          </span>
        ) : (
          <button type="button" onClick={() => setRevokeFor(k)} aria-label={`Revoke ${k.name}`}>
            Revoke
          </button>
        ),
    },
  ];
  return (
    <section className="panel" aria-labelledby="keys-h">
      <h2 id="keys-h">API keys</h2>
      <form onSubmit={submit} className="row align-end" aria-label="New API key">
        <Field label="Key name" hint='what it is for, e.g. "prometheus"' error={fieldError(create.error, 'name')}>
          {(id, d) => <input id={id} aria-describedby={d} value={name} onChange={(e) => setName(e.target.value)} required />}
        </Field>
        <Field label="Key role" error={fieldError(create.error, 'role')}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          )}
        </Field>
        <button type="submit" className="primary" disabled={create.busy}>
          Create key
        </button>
      </form>
      <ProblemMessage error={create.error && create.error.fieldErrors().length === 0 ? create.error : null} />
      {secret && (
        <SecretOnce
          label={`API key ${secret.api_key.name}`}
          value={secret.key}
          note="Shown only now: it is stored as a hash. Send it as the X-API-Key header."
          onClose={() => setSecret(null)}
        />
      )}
      <ProblemMessage error={keys.error ?? revoke.error} />
      <div className="table-wrap">
        <DataTable columns={columns} rows={keys.data?.items} rowKey={(k) => k.id} empty="No API keys." />
      </div>
      <ConfirmDialog
        open={revokeFor !== null}
        title={`Revoke ${revokeFor?.name ?? ''}?`}
        confirmLabel="Revoke"
        danger
        busy={revoke.busy}
        onCancel={() => setRevokeFor(null)}
        onConfirm={async () => {
          if (revokeFor) await revoke.run(revokeFor);
          setRevokeFor(null);
        }}
      >
        The key stops working at once. This cannot be undone.
      </ConfirmDialog>
    </section>
  );
}
