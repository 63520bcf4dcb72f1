/**
 * FreeSWITCH nodes as the service sees them (GET /healthz, signed in): connection state and since when, the last
 * heartbeat with its channel count, reconnects; the database, dialing and prompt checks beside them. Health has no
 * live event, so the page re-reads it every 5 s.
 */
import { ProblemMessage } from '../../components/problem';
import { ApiError, get } from '../../lib/api';
import { dateTime, duration, fixed, since } from '../../lib/format';
import { useNow, useResource } from '../../lib/hooks';
import type { HealthReport, NodeHealth } from './types';

/** /healthz answers 503 with the same report when the service is down: that is data for this page, not a failure. */
async function readHealth(signal: AbortSignal): Promise<HealthReport> {
  try {
    return await get<HealthReport>('/healthz', undefined, signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 503 && Array.isArray((err.problem as unknown as HealthReport).freeswitch)) return err.problem as unknown as HealthReport;
    throw err;
  }
}

const STATUS_PILL: Record<string, string> = { connected: 'connected', ok: 'ok', degraded: 'degraded', failing: 'bad', down: 'down' };

export function NodesPage() {
  const health = useResource(readHealth, [], { intervalMs: 5000 });
  const now = useNow(1000);
  const h = health.data;
  return (
    <div>
      <div className="row">
        <h1>FreeSWITCH nodes</h1>
        {h && (
          <span className={`pill ${STATUS_PILL[h.status] ?? 'warn'}`} aria-label={`Service ${h.status}`}>
            service {h.status}
          </span>
        )}
        <button type="button" onClick={health.reload} disabled={health.loading}>
          Refresh
        </button>
      </div>
      <ProblemMessage error={health.error} />
      {h && (
        <>
          <section className="panel table-wrap" aria-labelledby="nodes-h">
            <h2 id="nodes-h">Nodes</h2>
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">Node</th>
                  <th scope="col">Connection</th>
                  <th scope="col">Connected since</th>
                  <th scope="col">Last heartbeat</th>
                  <th scope="col" className="num">
                    Channels
                  </th>
                  <th scope="col" className="num">
                    Max
                  </th>
                  <th scope="col" className="num">
                    Idle CPU
                  </th>
                  <th scope="col">Uptime</th>
                  <th scope="col" className="num">
                    Reconnects
                  </th>
                  <th scope="col" className="num">
                    Events (dropped)
                  </th>
                </tr>
              </thead>
              <tbody>
                {h.freeswitch.length === 0 && (
                  <tr>
                    <td colSpan={10} className="empty">
                      No FreeSWITCH node is configured (FREESWITCH_NODES).
                    </td>
                  </tr>
                )}
                {h.freeswitch.map((n) => (
                  <NodeRow key={n.node} n={n} now={now} />
                ))}
              </tbody>
            </table>
            <p className="muted">Reconnects count connection attempts after the first one since the service started; a heartbeat older than a minute means the node is silent.</p>
          </section>
          <div className="grid">
            <section className="panel" aria-labelledby="db-h">
              <h2 id="db-h">Database</h2>
              <span className={`pill ${h.database.status === 'ok' ? 'ok' : 'down'}`}>{h.database.status}</span> {h.database.error}
            </section>
            {h.dialing && (
              <section className="panel" aria-labelledby="dial-h">
                <h2 id="dial-h">Dialing</h2>
                <span className={`pill ${STATUS_PILL[h.dialing.status] ?? 'warn'}`}>{h.dialing.status}</span> {h.dialing.failures} failures since the last call that reached a phone
                {h.dialing.last_error && (
                  <p className="muted">
                    Last: {h.dialing.last_error} ({dateTime(h.dialing.last_error_at)})
                  </p>
                )}
              </section>
            )}
            {h.prompts && (
              <section className="panel" aria-labelledby="prompts-h">
                <h2 id="prompts-h">Prompt files</h2>
                <p>{h.prompts.missing ? `${h.prompts.missing} missing` : 'none missing'}</p>
                <ul>
                  {h.prompts.nodes.map((p) => (
                    <li key={p.node}>
                      {p.node}: {p.checked} checked, {p.missing.length} missing{p.error ? ` (${p.error})` : ''}
                      {p.missing.length > 0 && <span className="muted"> — {p.missing.slice(0, 5).join(', ')}{p.missing.length > 5 ? '…' : ''}</span>}
                    </li>
                  ))}
                </ul>
              </section>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function NodeRow({ n, now }: { n: NodeHealth; now: number }) {
  const hb = n.last_heartbeat;
  const hbAge = hb ? now - Date.parse(hb.received_at) : null;
  return (
    <tr data-testid={`node-${n.node}`}>
      <th scope="row">{n.node}</th>
      <td>
        <span className={`pill ${n.status === 'connected' ? 'connected' : n.status === 'reconnecting' || n.status === 'connecting' ? 'warn' : 'disconnected'}`}>{n.status}</span>
      </td>
      <td>{n.connected_since ? `${dateTime(n.connected_since)} (${since(n.connected_since, now)})` : '–'}</td>
      <td className={hbAge !== null && hbAge > 60_000 ? 'error' : undefined}>{hb ? `${since(hb.received_at, now)} ago` : 'none yet'}</td>
      <td className="num">{hb?.session_count ?? '–'}</td>
      <td className="num">{hb?.max_sessions ?? '–'}</td>
      <td className="num">{hb?.idle_cpu !== undefined ? `${fixed(hb.idle_cpu, 0)}%` : '–'}</td>
      <td>{hb?.uptime_seconds !== undefined ? duration(hb.uptime_seconds * 1000) : '–'}</td>
      <td className="num">{n.reconnects ?? '–'}</td>
      <td className="num">
        {n.events_received ?? '–'}
        {n.events_dropped ? ` (${n.events_dropped})` : ''}
      </td>
    </tr>
  );
}
