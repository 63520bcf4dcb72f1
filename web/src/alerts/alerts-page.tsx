/**
 * KPI alerts: the open alerts, kept live by the feed's `alert` messages (opened, worse, acknowledged, closed), the
 * recently closed ones, an alert's timeline, and the Acknowledge button (the API's 409 when someone was first is
 * shown). Admins also see the rules: add one (threshold or anomaly, on a queue, team, campaign or the service), edit
 * one, enable or disable it (PATCH, audited), delete it.
 */
import { useEffect, useState } from 'react';
import { ProblemMessage } from '../components/problem';
import { DataTable, type Column } from '../components/table';
import { ApiError, del, get, patch, post } from '../lib/api';
import { dateTime, fixed } from '../lib/format';
import { useAction, useLiveMessages, useResource } from '../lib/hooks';
import type { LiveMessage } from '../lib/live';
import { useSession } from '../lib/session';
import { RuleForm } from './rule-form';
import type { Alert, AlertEvent, AlertMessage, AlertRuleItem } from './types';

const CLOSED_SHOWN = 20;

/** The list after one live message: open alerts are replaced in place or added; a closed one moves to `closed`. */
function applyMessage(open: Alert[], closed: Alert[], m: AlertMessage): { open: Alert[]; closed: Alert[] } {
  const a = m.alert;
  const others = open.filter((x) => x.id !== a.id);
  if (m.event === 'closed' || a.state === 'closed') return { open: others, closed: [a, ...closed.filter((x) => x.id !== a.id)].slice(0, CLOSED_SHOWN) };
  const at = open.findIndex((x) => x.id === a.id);
  return { open: at >= 0 ? open.map((x) => (x.id === a.id ? a : x)) : [a, ...open], closed };
}

function isAlertMessage(m: LiveMessage): m is LiveMessage & AlertMessage {
  return m.type === 'alert' && typeof m.alert === 'object' && m.alert !== null && typeof (m.alert as Alert).id === 'number';
}

export function AlertsPage() {
  const { user } = useSession();
  // Re-fetched after every reconnect or missed message (useResource follows the feed's resyncs).
  const openRes = useResource((signal) => get<{ items: Alert[] }>('/api/v1/alerts', { state: 'open', limit: 500 }, signal), []);
  const closedRes = useResource((signal) => get<{ items: Alert[] }>('/api/v1/alerts', { state: 'closed', limit: CLOSED_SHOWN }, signal), []);
  const [lists, setLists] = useState<{ open?: Alert[]; closed?: Alert[] }>({});
  const { open, closed } = lists;
  const [selected, setSelected] = useState<number | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => setLists((l) => ({ ...l, open: openRes.data?.items })), [openRes.data]);
  useEffect(() => setLists((l) => ({ ...l, closed: closedRes.data?.items })), [closedRes.data]);
  useLiveMessages(['alert'], (m) => {
    if (!isAlertMessage(m)) return;
    // Functional update: several messages in one tick each apply to the result of the one before.
    setLists((l) => applyMessage(l.open ?? [], l.closed ?? [], m));
    if (m.alert.id === selected) setVersion((v) => v + 1);
  });

  const ack = useAction(async (id: number) => {
    const a = await post<Alert>(`/api/v1/alerts/${id}/ack`).catch((err: unknown) => {
      // Someone was first (409): the list is stale, fetch it again; the API's message says who and when.
      if (err instanceof ApiError && err.status === 409) openRes.reload();
      throw err;
    });
    setLists((l) => ({ ...l, open: l.open?.map((x) => (x.id === a.id ? a : x)) }));
    if (id === selected) setVersion((v) => v + 1);
  });

  const columns = (withAck: boolean): Column<Alert>[] => [
    {
      key: 'rule',
      label: 'Rule',
      render: (a) => (
        <button type="button" className="link" onClick={() => setSelected(a.id)} aria-pressed={selected === a.id}>
          {a.rule_name}
        </button>
      ),
    },
    { key: 'scope', label: 'Scope', render: (a) => a.scope },
    { key: 'metric', label: 'Metric', render: (a) => a.metric },
    { key: 'opened', label: 'Opened', render: (a) => dateTime(a.opened_at) },
    ...(withAck ? [] : [{ key: 'closed', label: 'Closed', render: (a: Alert) => dateTime(a.closed_at) }]),
    { key: 'worst', label: 'Worst', num: true, render: (a) => fixed(a.worst_value, 2) },
    { key: 'last', label: 'Last', num: true, render: (a) => fixed(a.last_value, 2) },
    {
      key: 'ack',
      label: 'Acknowledged',
      render: (a) =>
        a.acknowledged_at ? (
          `${a.acknowledged_by_name ?? 'someone'} · ${dateTime(a.acknowledged_at)}`
        ) : withAck ? (
          <button type="button" onClick={() => void ack.run(a.id)} disabled={ack.busy} aria-label={`Acknowledge ${a.rule_name} (${a.scope})`}>
            Acknowledge
          </button>
        ) : (
          '–'
        ),
    },
  ];

  return (
    <div>
      <h1>Alerts</h1>
      <ProblemMessage error={openRes.error ?? closedRes.error} />
      <ProblemMessage error={ack.error} onDismiss={ack.clear} />
      <section className="panel table-wrap" aria-label="Open alerts" aria-live="polite">
        <DataTable caption="Open alerts" columns={columns(true)} rows={open} rowKey={(a) => a.id} empty="No open alerts." />
      </section>
      {selected !== null && <Timeline id={selected} version={version} onClose={() => setSelected(null)} />}
      <section className="panel table-wrap" aria-label="Recently closed alerts">
        <DataTable caption="Recently closed" columns={columns(false)} rows={closed} rowKey={(a) => a.id} empty="No closed alerts." />
      </section>
      {user.role === 'admin' && <Rules />}
    </div>
  );
}

/** One alert and its events, fetched again when a live message or an acknowledgement changed it. */
function Timeline({ id, version, onClose }: { id: number; version: number; onClose: () => void }) {
  const res = useResource((signal) => get<Alert & { events: AlertEvent[] }>(`/api/v1/alerts/${id}`, undefined, signal), [id, version]);
  const a = res.data;
  const columns: Column<AlertEvent>[] = [
    { key: 'at', label: 'At', render: (e) => dateTime(e.at) },
    { key: 'kind', label: 'Event', render: (e) => e.kind },
    { key: 'value', label: 'Value', num: true, render: (e) => fixed(e.value, 2) },
    { key: 'actor', label: 'By', render: (e) => e.actor_name ?? '–' },
  ];
  return (
    <section className="panel table-wrap" aria-label="Alert timeline">
      <div className="row">
        <h2>{a && a.id === id ? `${a.rule_name} · ${a.scope} · ${a.state}` : 'Alert'}</h2>
        <button type="button" onClick={onClose}>
          Close timeline
        </button>
      </div>
      <ProblemMessage error={res.error} />
      <DataTable caption="Timeline" columns={columns} rows={a && a.id === id ? a.events : undefined} rowKey={(e) => `${e.at}:${e.kind}:${e.value}`} empty="No events." />
    </section>
  );
}

function describeRule(r: Record<string, unknown>): string {
  const scope = r.scope as { kind?: string; queue?: string; team?: string; campaign?: string } | undefined;
  const where = scope?.kind === 'queue' ? `queue ${scope.queue}` : scope?.kind === 'team' ? `team ${scope.team}` : scope?.kind === 'campaign' ? `campaign ${scope.campaign}` : 'global';
  const limit = r.kind === 'anomaly' ? `anomaly (${String(r.sigmas ?? '')}σ)` : `${String(r.threshold)}${r.clear_threshold !== undefined ? ` (clears at ${String(r.clear_threshold)})` : ''}`;
  return `${String(r.metric)} ${String(r.direction)} ${limit} · ${where}`;
}

/** Admin: the rules; edit, enable / disable or delete one; add one. */
function Rules() {
  const rules = useResource((signal) => get<{ items: AlertRuleItem[] }>('/api/v1/alerts/rules', undefined, signal), []);
  const [editing, setEditing] = useState<AlertRuleItem | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const remove = useAction(async (id: number) => {
    await del(`/api/v1/alerts/rules/${id}`);
    if (editing?.id === id) setEditing(null);
    rules.reload();
  });
  const toggle = useAction(async (r: AlertRuleItem) => {
    const after = await patch<AlertRuleItem>(`/api/v1/alerts/rules/${r.id}`, { enabled: !r.enabled });
    setStatus(`Rule ${after.name} ${after.enabled ? 'enabled' : 'disabled'}.`);
    rules.reload();
  });
  const columns: Column<AlertRuleItem>[] = [
    { key: 'name', label: 'Name', render: (r) => r.name },
    { key: 'rule', label: 'Rule', render: (r) => describeRule(r.rule) },
    { key: 'enabled', label: 'Enabled', render: (r) => (r.enabled ? 'yes' : 'no') },
    { key: 'valid', label: 'Valid', render: (r) => (r.valid ? 'yes' : 'invalid definition') },
    {
      key: 'actions',
      label: '',
      render: (r) => (
        <div className="row">
          <button type="button" onClick={() => {
              setStatus(null);
              setEditing(r);
            }} aria-label={`Edit rule ${r.name}`} aria-pressed={editing?.id === r.id}>
            Edit
          </button>
          <button type="button" onClick={() => void toggle.run(r)} disabled={toggle.busy} aria-label={`${r.enabled ? 'Disable' : 'Enable'} rule ${r.name}`}>
            {r.enabled ? 'Disable' : 'Enable'}
          </button>
          <button type="button" className="danger" onClick={() => void remove.run(r.id)} disabled={remove.busy} aria-label={`Delete rule ${r.name}`}>
            Delete
          </button>
        </div>
      ),
    },
  ];
  return (
    <section className="panel" aria-label="Alert rules">
      <h2>Rules</h2>
      <ProblemMessage error={rules.error ?? remove.error ?? toggle.error} onDismiss={toggle.error ? toggle.clear : undefined} />
      {status && <p role="status">{status}</p>}
      <div className="table-wrap">
        <DataTable caption="Alert rules" columns={columns} rows={rules.data?.items} rowKey={(r) => r.id} empty="No rules." />
      </div>
      {editing && (
        <RuleForm
          key={editing.id}
          rule={editing}
          onSaved={(name) => {
            setEditing(null);
            setStatus(`Rule ${name} saved.`);
            rules.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <RuleForm onSaved={() => rules.reload()} />
    </section>
  );
}
