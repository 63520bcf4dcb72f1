/**
 * Campaign view: the dialer's live figures per campaign (lines in flight, waiting for an agent, agents, dial level,
 * abandon rate over its window), the chosen campaign's per-day chart, and start / stop (confirmed, audited).
 * The dialer publishes no WebSocket event, so the figures are re-read every 5 s while the page is open.
 */
import { useMemo, useState } from 'react';
import { TimeChart, type ChartSeries } from '../components/chart';
import { ProblemMessage } from '../components/problem';
import { get, post } from '../lib/api';
import { fixed, percent } from '../lib/format';
import { useResource } from '../lib/hooks';
import { useConfirmedActions } from './confirmed-action';
import type { Campaign, CampaignFigures, CampaignStats, Items } from './types';

export function CampaignsPage() {
  const campaigns = useResource((s) => get<Items<Campaign>>('/api/v1/dialer/campaigns', undefined, s), []);
  const live = useResource((s) => get<Items<CampaignFigures>>('/api/v1/dialer/live', undefined, s), [], { intervalMs: 5000 });
  const [selected, setSelected] = useState<number | null>(null);
  const actions = useConfirmedActions();
  const list = campaigns.data?.items;
  const current = selected ?? list?.[0]?.id ?? null;
  const figuresOf = (id: number) => live.data?.items.find((f) => f.id === id);

  const toggle = (c: Campaign, start: boolean) =>
    actions.ask({
      title: `${start ? 'Start' : 'Stop'} the campaign ${c.name}?`,
      body: <p>{start ? `The dialer starts calling the leads of ${c.name} for queue ${c.queue}, within the calling window.` : 'No new call is dialed; calls in flight finish.'}</p>,
      confirmLabel: start ? 'Start dialing' : 'Stop dialing',
      danger: !start,
      run: () => post(`/api/v1/dialer/campaigns/${c.id}/${start ? 'start' : 'stop'}`),
      audit: { action: start ? 'campaign.start' : 'campaign.stop', targetType: 'campaign', targetId: c.id, targetLabel: c.name },
      done: () => (campaigns.reload(), live.reload()),
    });

  return (
    <div>
      <h1>Campaigns</h1>
      <ProblemMessage error={campaigns.error} />
      {live.error && live.error.status === 503 ? <p className="notice">The dialer is not running: live figures are unavailable ({live.error.message}).</p> : <ProblemMessage error={live.error} />}
      <section className="panel" aria-labelledby="campaigns-live-title">
        <h2 id="campaigns-live-title">Live</h2>
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Campaign</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Lines</th>
                <th scope="col" className="num">Waiting for agent</th>
                <th scope="col" className="num">Agents (ready / in)</th>
                <th scope="col" className="num">Dial level</th>
                <th scope="col" className="num">Abandon rate</th>
                <th scope="col" className="num">Calls / h</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {!list ? (
                <tr>
                  <td colSpan={9} className="empty">Loading…</td>
                </tr>
              ) : list.length === 0 ? (
                <tr>
                  <td colSpan={9} className="empty">No campaigns.</td>
                </tr>
              ) : (
                list.map((c) => {
                  const f = figuresOf(c.id);
                  return (
                    <tr key={c.id} className={c.id === current ? 'selected' : undefined} data-testid={`campaign-${c.id}`}>
                      <th scope="row">
                        <button type="button" className="link" aria-current={c.id === current ? 'true' : undefined} onClick={() => setSelected(c.id)}>
                          {c.name}
                        </button>{' '}
                        <span className="muted">{c.type} · {c.queue}</span>
                      </th>
                      <td>
                        <span className={`pill ${c.enabled ? 'ok' : 'logged_out'}`}>{c.enabled ? (f?.running ? 'dialing' : 'enabled') : 'stopped'}</span>
                        {f?.settings_error && <span className="error"> {f.settings_error}</span>}
                      </td>
                      <td className="num">{f?.lines_in_flight ?? '–'}</td>
                      <td className="num">{f?.waiting_for_agent ?? '–'}</td>
                      <td className="num">{f ? `${f.agents_available} / ${f.agents_logged_in}` : '–'}</td>
                      <td className="num">{f ? fixed(f.dial_level, 2) : '–'}</td>
                      <td className="num" title={f ? `over ${f.abandon_window}` : undefined}>
                        {f ? `${percent(f.abandon_rate_rolling, 1)} (${f.abandon_window})` : '–'}
                      </td>
                      <td className="num">{f ? fixed(f.calls_per_hour, 0) : '–'}</td>
                      <td>
                        {c.enabled ? (
                          <button type="button" onClick={() => toggle(c, false)} disabled={actions.busy}>
                            Stop {c.name}
                          </button>
                        ) : (
                          <button type="button" className="primary" onClick={() => toggle(c, true)} disabled={actions.busy}>
                            Start {c.name}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })
              )}
            </tbody>
          </table>
        </div>
        {actions.view}
      </section>
      {current !== null && <CampaignDays id={current} name={list?.find((c) => c.id === current)?.name ?? String(current)} />}
    </div>
  );
}

function CampaignDays({ id, name }: { id: number; name: string }) {
  const stats = useResource((s) => get<CampaignStats>(`/api/v1/dialer/campaigns/${id}/stats`, undefined, s), [id]);
  const days = stats.data?.per_day;
  const { x, series } = useMemo(() => {
    const rows = [...(days ?? [])].sort((a, b) => a.day.localeCompare(b.day));
    return {
      x: rows.map((d) => Date.parse(`${d.day}T00:00:00Z`) / 1000),
      series: [
        { label: 'Dials', values: rows.map((d) => d.dials) },
        { label: 'Live answers', values: rows.map((d) => d.live) },
        { label: 'Abandoned', values: rows.map((d) => d.abandoned) },
        { label: 'Abandon rate %', values: rows.map((d) => Math.round(d.abandon_rate * 1000) / 10), right: true },
      ] satisfies ChartSeries[],
    };
  }, [days]);
  return (
    <section className="panel" aria-labelledby="campaign-days-title">
      <h2 id="campaign-days-title">{name}: per day (last 30 days)</h2>
      {stats.error && stats.error.status !== 503 && <ProblemMessage error={stats.error} />}
      {stats.error?.status === 503 && <p className="muted">Per-day figures need the dialer running ({stats.error.message}).</p>}
      {days && (
        <>
          <TimeChart x={x} series={series} label={`Dials, live answers, abandoned calls and abandon rate per day for ${name}`} />
          {days.length === 0 && <p className="muted">No dial in the last 30 days.</p>}
          <details>
            <summary>Figures as a table</summary>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Day</th>
                  <th scope="col" className="num">Dials</th>
                  <th scope="col" className="num">Live</th>
                  <th scope="col" className="num">Abandoned</th>
                  <th scope="col" className="num">Abandon rate</th>
                </tr>
              </thead>
              <tbody>
                {days.map((d) => (
                  <tr key={d.day}>
                    <td>{d.day}</td>
                    <td className="num">{d.dials}</td>
                    <td className="num">{d.live}</td>
                    <td className="num">{d.abandoned}</td>
                    <td className="num">{percent(d.abandon_rate, 1)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </section>
  );
}
