/**
 * Period reports (GET /api/v1/reports/:dimension): calls by queue, agent, DID, ticket category, team or outbound
 * campaign per local hour,
 * day, week or month of the center's time zone. Two charts (offered / answered / abandoned, and the service level,
 * per period), the rows as a table, and the same rows as a CSV download (?format=csv, fetched with the token).
 */
import { useMemo, useState } from 'react';
import { TimeChart, type ChartSeries } from '../components/chart';
import { Field } from '../components/field';
import { ProblemMessage } from '../components/problem';
import { DataTable, type Column } from '../components/table';
import { get, getBlob, saveBlob } from '../lib/api';
import { percent, seconds } from '../lib/format';
import { useAction, useResource } from '../lib/hooks';

const DIMENSIONS = ['queue', 'agent', 'did', 'category', 'team', 'campaign'] as const;
const BUCKETS = ['hour', 'day', 'week', 'month'] as const;
type Dimension = (typeof DIMENSIONS)[number];
type Bucket = (typeof BUCKETS)[number];

/** One row of the API's answer (src/api/routes/reports.ts). */
export interface PeriodRow {
  bucket_start: string;
  bucket_end: string;
  bucket_label: string;
  key: string | null;
  name: string | null;
  offered: number;
  answered: number;
  abandoned: number;
  short_abandoned: number;
  overflowed: number;
  callbacks: number;
  callbacks_scheduled: number;
  failed: number;
  answered_in_sl: number;
  service_level: number | null;
  abandon_rate: number | null;
  asa_sec: number | null;
  aht_sec: number | null;
  aht_talk_sec: number | null;
  aht_hold_sec: number | null;
  aht_wrap_sec: number | null;
  holds: number;
  transfers: number;
  three_way: number;
  repeat_rate: number | null;
  fcr: number | null;
  csat_count: number;
  csat_mean: number | null;
  tickets_opened: number;
  tickets_resolved: number;
  tickets_overdue: number;
  occupancy: number | null;
}

interface PeriodReport {
  dimension: Dimension;
  from: string;
  to: string;
  bucket: Bucket;
  time_zone: string;
  items: PeriodRow[];
}

const DIMENSION_LABEL: Record<Dimension, string> = { queue: 'Queue', agent: 'Agent', did: 'DID', category: 'Category', team: 'Team', campaign: 'Campaign' };

/** YYYY-MM-DD `days` after `day` (calendar arithmetic on the date alone, no time zone involved). */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const today = () => new Date().toISOString().slice(0, 10);

const round = (n: number | null) => (n === null ? null : Math.round(n));

export function PeriodReportsPage() {
  const [dimension, setDimension] = useState<Dimension>('queue');
  const [bucket, setBucket] = useState<Bucket>('day');
  const [from, setFrom] = useState(() => addDays(today(), -6));
  const [last, setLast] = useState(today);
  // The API's `to` is exclusive; the page asks for the last day included, as a person reads a range.
  const query = { from, to: last ? addDays(last, 1) : '', bucket };
  const path = `/api/v1/reports/${dimension}`;
  const key = JSON.stringify([path, query]);
  const report = useResource((signal) => get<PeriodReport>(path, query, signal), [key]);
  const download = useAction(async () => saveBlob(await getBlob(path, { ...query, format: 'csv' }), `report-${dimension}-${bucket}-${from}-${last}.csv`));
  const data = report.data && report.data.dimension === dimension && report.data.bucket === bucket ? report.data : undefined;

  return (
    <div>
      <h1>Period reports</h1>
      <p className="muted">
        Periods are local to the center's time zone{data ? ` (${data.time_zone})` : ''}. The older UTC reports are on <a href="#/admin/reports">Reports</a>.
      </p>
      <form className="row align-end panel" onSubmit={(e) => e.preventDefault()} aria-label="Report range">
        <Field label="By">
          {(id) => (
            <select id={id} value={dimension} onChange={(e) => setDimension(e.target.value as Dimension)}>
              {DIMENSIONS.map((d) => (
                <option key={d} value={d}>
                  {DIMENSION_LABEL[d]}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Period">
          {(id) => (
            <select id={id} value={bucket} onChange={(e) => setBucket(e.target.value as Bucket)}>
              {BUCKETS.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From">{(id) => <input id={id} type="date" value={from} onChange={(e) => setFrom(e.target.value)} required />}</Field>
        <Field label="To (included)">{(id) => <input id={id} type="date" value={last} onChange={(e) => setLast(e.target.value)} required />}</Field>
        <button type="button" onClick={() => void download.run()} disabled={download.busy}>
          Download CSV
        </button>
      </form>
      <ProblemMessage error={report.error ?? download.error} />
      {data && <ReportView report={data} />}
    </div>
  );
}

function ReportView({ report }: { report: PeriodReport }) {
  const charts = useMemo(() => {
    const by = new Map<number, PeriodRow[]>();
    for (const r of report.items) {
      const t = Date.parse(r.bucket_start) / 1000;
      by.set(t, [...(by.get(t) ?? []), r]);
    }
    const x = [...by.keys()].sort((a, b) => a - b);
    const groups = x.map((t) => by.get(t)!);
    const sum = (g: PeriodRow[], f: (r: PeriodRow) => number) => g.reduce((s, r) => s + f(r), 0);
    const volume: ChartSeries[] = [
      { label: 'Offered', values: groups.map((g) => sum(g, (r) => r.offered)) },
      { label: 'Answered', values: groups.map((g) => sum(g, (r) => r.answered)) },
      { label: 'Abandoned', values: groups.map((g) => sum(g, (r) => r.abandoned)) },
    ];
    // The same definition as the rows': answered in SL over answered + abandoned (short abandons left out).
    const sl: ChartSeries[] = [
      {
        label: 'Service level %',
        values: groups.map((g) => {
          const base = sum(g, (r) => r.answered + r.abandoned - r.short_abandoned);
          return base > 0 ? Math.round((sum(g, (r) => r.answered_in_sl) / base) * 1000) / 10 : null;
        }),
      },
    ];
    return { x, volume, sl };
  }, [report]);

  const columns: Column<PeriodRow>[] = [
    { key: 'period', label: 'Period', render: (r) => r.bucket_label },
    { key: 'key', label: DIMENSION_LABEL[report.dimension], render: (r) => r.name ?? r.key ?? '(none)' },
    { key: 'offered', label: 'Offered', num: true, render: (r) => r.offered },
    { key: 'answered', label: 'Answered', num: true, render: (r) => r.answered },
    { key: 'abandoned', label: 'Abandoned', num: true, render: (r) => r.abandoned },
    { key: 'short', label: 'Short abandons', num: true, render: (r) => r.short_abandoned },
    { key: 'overflowed', label: 'Overflowed', num: true, render: (r) => r.overflowed },
    { key: 'callbacks', label: 'Callbacks', num: true, render: (r) => r.callbacks },
    { key: 'scheduled', label: 'Callbacks scheduled', num: true, render: (r) => r.callbacks_scheduled },
    { key: 'sl', label: 'Service level', num: true, render: (r) => percent(r.service_level, 1) },
    { key: 'ab', label: 'Abandon rate', num: true, render: (r) => percent(r.abandon_rate, 1) },
    { key: 'asa', label: 'ASA', num: true, render: (r) => seconds(round(r.asa_sec)) },
    { key: 'aht', label: 'AHT', num: true, render: (r) => seconds(round(r.aht_sec)) },
    { key: 'talk', label: 'Talk', num: true, render: (r) => seconds(round(r.aht_talk_sec)) },
    { key: 'hold', label: 'Hold', num: true, render: (r) => seconds(round(r.aht_hold_sec)) },
    { key: 'wrap', label: 'Wrap-up', num: true, render: (r) => seconds(round(r.aht_wrap_sec)) },
    { key: 'transfers', label: 'Transfers', num: true, render: (r) => r.transfers },
    { key: 'threeway', label: '3-way', num: true, render: (r) => r.three_way },
    { key: 'fcr', label: 'FCR', num: true, render: (r) => percent(r.fcr) },
    { key: 'csat', label: 'CSAT', num: true, render: (r) => (r.csat_mean === null ? '–' : `${r.csat_mean.toFixed(2)} (${r.csat_count})`) },
    { key: 'tickets', label: 'Tickets opened', num: true, render: (r) => r.tickets_opened },
    ...(report.dimension === 'agent' ? [{ key: 'occ', label: 'Occupancy', num: true, render: (r: PeriodRow) => percent(r.occupancy) }] : []),
  ];

  return (
    <>
      <section className="panel" aria-label="Charts">
        {charts.x.length > 0 ? (
          <>
            <h2>Calls per period</h2>
            <TimeChart x={charts.x} series={charts.volume} label="Offered, answered and abandoned calls per period" />
            <h2>Service level per period</h2>
            <TimeChart x={charts.x} series={charts.sl} label="Service level per period, percent" />
          </>
        ) : (
          <p className="muted">Nothing to chart in this range.</p>
        )}
      </section>
      <section className="panel table-wrap" aria-live="polite">
        <DataTable caption={`${DIMENSION_LABEL[report.dimension]} report by ${report.bucket}`} columns={columns} rows={report.items} rowKey={(r) => `${r.bucket_start}:${r.key ?? ''}`} empty="No calls in this range." />
      </section>
    </>
  );
}
