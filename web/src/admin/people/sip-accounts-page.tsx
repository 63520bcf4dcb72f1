/** SIP accounts of the agents' phones: create and reset password (the password is shown once), enable, delete. */
import { useMemo, useState, type FormEvent } from 'react';
import { ConfirmDialog } from '../../components/confirm';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { del, get, patch, post } from '../../lib/api';
import { dateTime } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import type { Items, SipAccount, SipAccountWithPassword, User } from './types';
import { fieldError, SecretOnce } from './ui';

export function SipAccountsPage() {
  const accounts = useResource((signal) => get<Items<SipAccount>>('/api/v1/sip-accounts', undefined, signal), []);
  const users = useResource((signal) => get<Items<User>>('/api/v1/users', undefined, signal), []);
  const [secret, setSecret] = useState<SipAccountWithPassword | null>(null);
  const [resetFor, setResetFor] = useState<SipAccount | null>(null);
  const [deleteFor, setDeleteFor] = useState<SipAccount | null>(null);
  const userName = useMemo(() => new Map((users.data?.items ?? []).map((u) => [u.id, u.username])), [users.data]);

  const reset = useAction(async (a: SipAccount) => {
    setSecret(await post<SipAccountWithPassword>(`/api/v1/sip-accounts/${a.id}/reset-password`));
  });
  const toggle = useAction(async (a: SipAccount) => {
    await patch(`/api/v1/sip-accounts/${a.id}`, { enabled: !a.enabled });
    accounts.reload();
  });
  const remove = useAction(async (a: SipAccount) => {
    await del(`/api/v1/sip-accounts/${a.id}`);
    accounts.reload();
  });

  const columns: Column<SipAccount>[] = [
    { key: 'ext', label: 'Extension', render: (a) => a.extension },
    { key: 'domain', label: 'Domain', render: (a) => a.domain },
    { key: 'name', label: 'Caller id name', render: (a) => a.display_name ?? '' },
    { key: 'user', label: 'User', render: (a) => (a.user_id === null ? '–' : (userName.get(a.user_id) ?? `#${a.user_id}`)) },
    { key: 'state', label: 'State', render: (a) => <span className={`pill ${a.enabled ? 'ok' : 'bad'}`}>{a.enabled ? 'enabled' : 'disabled'}</span> },
    { key: 'updated', label: 'Updated', render: (a) => dateTime(a.updated_at) },
    {
      key: 'actions',
      label: 'Actions',
      render: (a) => (
        <div className="row">
          <button type="button" onClick={() => setResetFor(a)} aria-label={`Reset SIP password of ${a.extension}`}>
            Reset password
          </button>
          <button type="button" onClick={() => void toggle.run(a)} disabled={toggle.busy} aria-label={`${a.enabled ? 'Disable' : 'Enable'} ${a.extension}`}>
            {a.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={() => setDeleteFor(a)} aria-label={`Delete SIP account ${a.extension}`}>
            Delete
          </button>
        </div>
      ),
    },
  ];

  return (
    <div>
      <h1>SIP accounts</h1>
      {secret && (
        <SecretOnce
          label={`SIP password of ${secret.sip_account.extension}@${secret.sip_account.domain}`}
          value={secret.password}
          note="Shown only now: only its digest hash is stored. Enter it in the phone."
          onClose={() => setSecret(null)}
        />
      )}
      <div className="grid-2">
        <section className="panel" aria-labelledby="sip-h">
          <h2 id="sip-h">Accounts</h2>
          <ProblemMessage error={accounts.error ?? toggle.error ?? remove.error ?? reset.error} />
          <div className="table-wrap">
            <DataTable columns={columns} rows={accounts.data?.items} rowKey={(a) => a.id} empty="No SIP accounts." />
          </div>
        </section>
        <section className="panel" aria-labelledby="new-sip-h">
          <h2 id="new-sip-h">New SIP account</h2>
          <CreateSipAccount
            users={users.data?.items ?? []}
            domains={[...new Set((accounts.data?.items ?? []).map((a) => a.domain))]}
            onCreated={(c) => {
              setSecret(c);
              accounts.reload();
            }}
          />
        </section>
      </div>
      <ConfirmDialog
        open={resetFor !== null}
        title={`New SIP password for ${resetFor?.extension ?? ''}?`}
        confirmLabel="Generate password"
        busy={reset.busy}
        onCancel={() => setResetFor(null)}
        onConfirm={async () => {
          if (resetFor) await reset.run(resetFor);
          setResetFor(null);
        }}
      >
        The old password stops working at once; the phone must be given the new one.
      </ConfirmDialog>
      <ConfirmDialog
        open={deleteFor !== null}
        title={`Delete SIP account ${deleteFor?.extension ?? ''}?`}
        confirmLabel="Delete"
        danger
        busy={remove.busy}
        onCancel={() => setDeleteFor(null)}
        onConfirm={async () => {
          if (deleteFor) await remove.run(deleteFor);
          setDeleteFor(null);
        }}
      >
        The phone can no longer register.
      </ConfirmDialog>
    </div>
  );
}

function CreateSipAccount({ users, domains, onCreated }: { users: User[]; domains: string[]; onCreated: (c: SipAccountWithPassword) => void }) {
  const [extension, setExtension] = useState('');
  const [domain, setDomain] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [userId, setUserId] = useState('');
  const create = useAction(async () => {
    const c = await post<SipAccountWithPassword>('/api/v1/sip-accounts', {
      extension: extension.trim(),
      domain: (domain || domains[0] || '').trim(),
      display_name: displayName.trim() || null,
      user_id: userId ? Number(userId) : null,
    });
    setExtension('');
    setDisplayName('');
    setUserId('');
    onCreated(c);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void create.run();
  };
  const err = create.error;
  return (
    <form onSubmit={submit} aria-label="New SIP account">
      <Field label="Extension" error={fieldError(err, 'extension')} hint="the SIP user name, e.g. 1001">
        {(id, d) => <input id={id} aria-describedby={d} value={extension} onChange={(e) => setExtension(e.target.value)} required autoComplete="off" />}
      </Field>
      <Field label="Domain" error={fieldError(err, 'domain')} hint="the FreeSWITCH domain the phone registers to">
        {(id, d) => (
          <>
            <input id={id} aria-describedby={d} value={domain} placeholder={domains[0] ?? 'e.g. pbx.example.com'} onChange={(e) => setDomain(e.target.value)} list={`${id}-domains`} required={domains.length === 0} />
            <datalist id={`${id}-domains`}>
              {domains.map((x) => (
                <option key={x} value={x} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label="Caller id name" error={fieldError(err, 'display_name')}>
        {(id, d) => <input id={id} aria-describedby={d} value={displayName} onChange={(e) => setDisplayName(e.target.value)} />}
      </Field>
      <Field label="User" error={fieldError(err, 'user_id')} hint="whose phone it is (optional)">
        {(id, d) => (
          <select id={id} aria-describedby={d} value={userId} onChange={(e) => setUserId(e.target.value)}>
            <option value="">nobody</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        )}
      </Field>
      <ProblemMessage error={err && !['extension', 'domain', 'display_name', 'user_id'].some((f) => fieldError(err, f)) ? err : null} />
      <button type="submit" className="primary" disabled={create.busy}>
        Create SIP account
      </button>
    </form>
  );
}
