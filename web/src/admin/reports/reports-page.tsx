/**
 * Queue and agent reports by hour, day or week (UTC buckets): a chart of the totals per bucket, the rows as a table,
 * and the same rows as a CSV download (the API's ?format=csv).
 */
import { useMemo, useState, type ReactNode } from 'react';
import { TimeChart, type ChartSeries } from '../../components/chart';
import { Field } from '../../components/field';
import { ProblemMessage } from '../../components/problem';
import { DataTable, type Column } from '../../components/table';
import { get, getBlob, saveBlob } from '../../lib/api';
import { percent, seconds } from '../../lib/format';
import { useAction, useResource } from '../../lib/hooks';
import { bucketLabel, bucketsOf, defaultRange, rangeQuery } from './range';
import type { AgentReportRow, Bucket, QueueReportRow, Report } from './types';

type Kind = 'queues' | 'agents';

interface Named {
  name: string;
}

export function ReportsPage() {
  const [kind, setKind] = useState<Kind>('queues');
  const [bucket, setBucket] = useState<Bucket>('day');
  const [range, setRange] = useState(() => defaultRange('day'));
  const [queue, setQueue] = useState('');
  const [agentId, setAgentId] = useState('');
  const queues = useResource((signal) => get<{ items: Named[] }>('/api/v1/acd/queues', undefined, signal), []);
  const agents = useResource((signal) => get<{ items: Array<Named & { id: number }> }>('/api/v1/acd/agents', undefined, signal), []);

  const query = { ...rangeQuery(range.from, range.to), bucket, ...(kind === 'queues' ? { queue: queue || undefined } : { agent_id: agentId || undefined }) };
  const path = `/api/v1/acd/reports/${kind}`;
  const key = JSON.stringify([path, query]);
  const report = useResource((signal) => get<Report<QueueReportRow | AgentReportRow>>(path, query, signal), [key]);
  const download = useAction(async () => {
    saveBlob(await getBlob(path, { ...query, format: 'csv' }), `${kind === 'queues' ? 'queue' : 'agent'}-report-${bucket}-${range.from}-${range.to}.csv`);
  });
  // A report fetched for the other kind (while the new one loads) is not shown under the wrong headings.
  const data = report.data && (kind === 'queues' ? 'queue' in (report.data.items[0] ?? { queue: 1 }) : 'agent_id' in (report.data.items[0] ?? { agent_id: 1 })) ? report.data : undefined;

  return (
    <div>
      <h1>Reports</h1>
      <p className="muted">
        UTC buckets of the ACD. Reports by local day, week or month (queue, agent, DID, category) are on <a href="#/reports/periods">Period reports</a>.
      </p>
      <div className="tabs" role="tablist" aria-label="Report">
        {(['queues', 'agents'] as const).map((k) => (
          <button key={k} type="button" role="tab" aria-selected={kind === k} onClick={() => setKind(k)}>
            {k === 'queues' ? 'Queues' : 'Agents'}
          </button>
        ))}
      </div>
      <form className="row align-end panel" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
        <Field label="By">
          {(id) => (
            <select
              id={id}
              value={bucket}
              onChange={(e) => {
                const b = e.target.value as Bucket;
                setBucket(b);
                setRange(defaultRange(b));
              }}
            >
              <option value="hour">hour</option>
              <option value="day">day</option>
              <option value="week">week</option>
            </select>
          )}
        </Field>
        <Field label="From (UTC day)">{(id) => <input id={id} type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} required />}</Field>
        <Field label="To (UTC day, included)">{(id) => <input id={id} type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} required />}</Field>
        {kind === 'queues' ? (
          <Field label="Queue">
            {(id) => (
              <select id={id} value={queue} onChange={(e) => setQueue(e.target.value)}>
                <option value="">all queues</option>
                {queues.data?.items.map((q) => (
                  <option key={q.name}>{q.name}</option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <Field label="Agent">
            {(id) => (
              <select id={id} value={agentId} onChange={(e) => setAgentId(e.target.value)}>
                <option value="">all agents</option>
                {agents.data?.items.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <button type="button" onClick={() => void download.run()} disabled={download.busy}>
          Download CSV
        </button>
      </form>
      <ProblemMessage error={report.error ?? download.error} />
      {data && (kind === 'queues' ? <QueueReport report={data as Report<QueueReportRow>} /> : <AgentReport report={data as Report<AgentReportRow>} />)}
    </div>
  );
}

/** Every bucket start (seconds) of the report's range, and for each the rows of that bucket (none: no calls). */
function byBucket<T extends { bucket_start: string }>(report: Report<T>): { x: number[]; groups: T[][] } {
  const m = new Map<number, T[]>();
  for (const r of report.items) {
    const t = Date.parse(r.bucket_start) / 1000;
    m.set(t, [...(m.get(t) ?? []), r]);
  }
  const x = [...new Set([...bucketsOf(report.from, report.to, report.bucket), ...m.keys()])].sort((a, b) => a - b);
  return { x, groups: x.map((t) => m.get(t) ?? []) };
}

const sum = <T,>(rows: T[], f: (r: T) => number) => rows.reduce((s, r) => s + f(r), 0);

function QueueReport({ report }: { report: Report<QueueReportRow> }) {
  const chart = useMemo(() => {
    const { x, groups } = byBucket(report);
    const series: ChartSeries[] = [
      { label: 'Offered', values: groups.map((g) => sum(g, (r) => r.offered)) },
      { label: 'Answered', values: groups.map((g) => sum(g, (r) => r.answered)) },
      { label: 'Abandoned', values: groups.map((g) => sum(g, (r) => r.abandoned)) },
      {
        label: 'Service level %',
        right: true,
        values: groups.map((g) => {
          const base = sum(g, (r) => r.answered + r.abandoned);
          return base ? Math.round((sum(g, (r) => r.answered_in_sl) / base) * 1000) / 10 : null;
        }),
      },
    ];
    return { x, series };
  }, [report]);
  const columns: Column<QueueReportRow>[] = [
    { key: 'bucket', label: report.bucket === 'hour' ? 'Hour' : report.bucket === 'week' ? 'Week' : 'Day', render: (r) => bucketLabel(r.bucket_start, report.bucket) },
    { key: 'queue', label: 'Queue', render: (r) => r.queue },
    { key: 'offered', label: 'Offered', num: true, render: (r) => r.offered },
    { key: 'answered', label: 'Answered', num: true, render: (r) => r.answered },
    { key: 'abandoned', label: 'Abandoned', num: true, render: (r) => r.abandoned },
    { key: 'overflowed', label: 'Overflowed', num: true, render: (r) => r.overflowed },
    { key: 'callbacks', label: 'Callbacks', num: true, render: (r) => r.callbacks },
    { key: 'sl', label: 'Service level', num: true, render: (r) => percent(r.service_level) },
    { key: 'ab', label: 'Abandon rate', num: true, render: (r) => percent(r.abandon_rate) },
    { key: 'asa', label: 'ASA', num: true, render: (r) => seconds(r.asa_sec === null ? null : Math.round(r.asa_sec)) },
    { key: 'aht', label: 'AHT', num: true, render: (r) => seconds(r.aht_sec === null ? null : Math.round(r.aht_sec)) },
    { key: 'maxwait', label: 'Longest wait', num: true, render: (r) => seconds(r.max_wait_sec === null ? null : Math.round(r.max_wait_sec)) },
  ];
  return <ReportBody label="Queue calls per bucket: offered, answered, abandoned, and the service level" x={chart.x} series={chart.series} table={<DataTable caption="Queue report" columns={columns} rows={report.items} rowKey={(r) => `${r.bucket_start}:${r.queue}`} empty="No queue calls in this range." />} />;
}

function AgentReport({ report }: { report: Report<AgentReportRow> }) {
  const chart = useMemo(() => {
    const { x, groups } = byBucket(report);
    const series: ChartSeries[] = [
      { label: 'Calls answered', values: groups.map((g) => sum(g, (r) => r.calls_answered)) },
      { label: 'Offers missed', values: groups.map((g) => sum(g, (r) => r.offers_missed)) },
      {
        label: 'Occupancy %',
        right: true,
        values: groups.map((g) => {
          const logged = sum(g, (r) => r.logged_in_sec);
          return logged ? Math.round((sum(g, (r) => r.on_call_sec + r.wrap_up_sec) / logged) * 1000) / 10 : null;
        }),
      },
    ];
    return { x, series };
  }, [report]);
  const columns: Column<AgentReportRow>[] = [
    { key: 'bucket', label: report.bucket === 'hour' ? 'Hour' : report.bucket === 'week' ? 'Week' : 'Day', render: (r) => bucketLabel(r.bucket_start, report.bucket) },
    { key: 'agent', label: 'Agent', render: (r) => r.name ?? `#${r.agent_id}` },
    { key: 'offers', label: 'Offers', num: true, render: (r) => r.offers },
    { key: 'missed', label: 'Missed', num: true, render: (r) => r.offers_missed },
    { key: 'calls', label: 'Calls', num: true, render: (r) => r.calls_answered },
    { key: 'talk', label: 'Talk', num: true, render: (r) => seconds(Math.round(r.talk_sec)) },
    { key: 'wrap', label: 'Wrap-up', num: true, render: (r) => seconds(Math.round(r.wrap_up_sec)) },
    { key: 'aht', label: 'AHT', num: true, render: (r) => seconds(r.aht_sec === null ? null : Math.round(r.aht_sec)) },
    { key: 'logged', label: 'Logged in', num: true, render: (r) => seconds(Math.round(r.logged_in_sec)) },
    { key: 'nr', label: 'Not ready', num: true, render: (r) => seconds(Math.round(r.not_ready_sec)) },
    { key: 'occ', label: 'Occupancy', num: true, render: (r) => percent(r.occupancy) },
  ];
  return <ReportBody label="Agent calls per bucket: answered, missed offers, and the occupancy" x={chart.x} series={chart.series} table={<DataTable caption="Agent report" columns={columns} rows={report.items} rowKey={(r) => `${r.bucket_start}:${r.agent_id}`} empty="No agent activity in this range." />} />;
}

function ReportBody({ label, x, series, table }: { label: string; x: number[]; series: ChartSeries[]; table: ReactNode }) {
  return (
    <>
      <section className="panel" aria-label="Chart">
        {x.length > 0 ? <TimeChart x={x} series={series} label={label} rightRange={[0, 100]} /> : <p className="muted">Nothing to chart in this range.</p>}
        {x.length > 0 && <p className="muted small">Totals per bucket; {series.filter((s) => s.right).map((s) => s.label).join(', ')} on the right axis; the table below has the figures per row.</p>}
      </section>
      <section className="panel table-wrap" aria-live="polite">
        {table}
      </section>
    </>
  );
}
