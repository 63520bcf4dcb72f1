import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The service's Prometheus metrics, in their own registry (not prom-client's global one, so tests and several
 * instances do not collide). Default process metrics keep their standard names (process_*, nodejs_*).
 */
export interface MetricsRegistry {
  registry: Registry;
  /** 1 while the ESL connection to a FreeSWITCH node is up, else 0. Labels: node. */
  eslConnectionUp: Gauge<'node'>;
  /** ESL events received. Labels: node, event (event name). */
  eslEventsTotal: Counter<'node' | 'event'>;
  /** ESL events dropped because the queue was full. Labels: node. */
  eslEventsDropped: Counter<'node'>;
  /** ESL reconnect attempts. Labels: node. */
  eslReconnectsTotal: Counter<'node'>;
  /** CDR rows written to the database (batches mix nodes, so no node label). */
  cdrWrittenTotal: Counter;
  /** CDRs lost (backlog full, refused by the database, unwritten at shutdown). Labels: reason. */
  cdrDroppedTotal: Counter<'reason'>;
  /** CDRs waiting to be written. */
  cdrQueueDepth: Gauge;
  cdrSpooled: Gauge;
  cdrSpoolBytes: Gauge;
  /** High availability (set at scrape): 1 while this instance is the active one; its term; the lease's age. */
  haActive: Gauge;
  haTerm: Gauge;
  haLeaseAgeSeconds: Gauge;
  /** HTTP request durations in seconds. Labels: route (the route pattern, or "unmatched"), method, status. */
  httpRequestDuration: Histogram<'route' | 'method' | 'status'>;
  /** ACD, per queue (set at scrape from the engine): calls waiting, longest wait, service level, agents by state. */
  acdCallsWaiting: Gauge<'queue'>;
  acdLongestWaitSeconds: Gauge<'queue'>;
  acdServiceLevel: Gauge<'queue'>;
  acdAgents: Gauge<'queue' | 'state'>;
  /** ACD queue calls ended, by queue and outcome (answered, abandoned, overflowed, callback_requested, failed). */
  acdCallsTotal: Counter<'queue' | 'outcome'>;
  /** Outbound campaigns (set at scrape from the dialer): lines ringing, dial level, answer and rolling abandon rates. */
  dialerLinesInFlight: Gauge<'campaign'>;
  dialerDialLevel: Gauge<'campaign'>;
  dialerLiveAnswerRate: Gauge<'campaign'>;
  dialerAbandonRate: Gauge<'campaign'>;
  dialerAgentOccupancy: Gauge<'campaign'>;
  /** Dials resolved, by campaign and outcome (human, machine, busy, no_answer, abandoned, ...). */
  dialerDialsTotal: Counter<'campaign' | 'outcome'>;
  /** Calls FreeSWITCH could not place (configuration faults, never the agent's), by who dialled and the cause. */
  dialConfigErrorsTotal: Counter<'source' | 'cause'>;
  /**
   * Registers a function run at every scrape, before the ESL figures are exported: sources that keep their own
   * counters (the ESL clients count dropped events) copy them into the metrics there instead of on a timer.
   */
  onScrape(hook: () => void): void;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): MetricsRegistry {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const scrapeHooks: Array<() => void> = [];
  return {
    onScrape: (hook) => {
      scrapeHooks.push(hook);
    },
    registry,
    eslConnectionUp: new Gauge({
      name: 'switchboard_esl_connection_up',
      help: '1 while the ESL connection to the FreeSWITCH node is up, else 0',
      labelNames: ['node'] as const,
      registers,
    }),
    eslEventsTotal: new Counter({
      name: 'switchboard_esl_events_total',
      help: 'ESL events received, by node and event name',
      labelNames: ['node', 'event'] as const,
      registers,
    }),
    eslEventsDropped: new Counter({
      name: 'switchboard_esl_events_dropped_total',
      help: 'ESL events dropped because the event queue was full',
      labelNames: ['node'] as const,
      registers,
      collect() {
        for (const hook of scrapeHooks) hook();
      },
    }),
    eslReconnectsTotal: new Counter({
      name: 'switchboard_esl_reconnects_total',
      help: 'ESL reconnect attempts',
      labelNames: ['node'] as const,
      registers,
    }),
    cdrWrittenTotal: new Counter({
      name: 'switchboard_cdr_written_total',
      help: 'CDR rows written to the database',
      registers,
    }),
    cdrDroppedTotal: new Counter({
      name: 'switchboard_cdr_dropped_total',
      help: 'CDRs lost: backlog full, refused by the database, or unwritten at shutdown',
      labelNames: ['reason'] as const,
      registers,
    }),
    cdrQueueDepth: new Gauge({
      name: 'switchboard_cdr_queue_depth',
      help: 'CDRs waiting to be written to the database',
      registers,
    }),
    cdrSpooled: new Gauge({
      name: 'switchboard_cdr_spooled',
      help: 'CDRs in the local spool, waiting for the database (non-zero: the database refused writes)',
      registers,
    }),
    cdrSpoolBytes: new Gauge({
      name: 'switchboard_cdr_spool_bytes',
      help: 'Bytes of CDRs in the local spool (bounded by CDR_SPOOL_MAX_MB)',
      registers,
    }),
    haActive: new Gauge({ name: 'switchboard_ha_active', help: '1 while this instance is the active one (runs the ACD, IVR, dialer over ESL), 0 on a standby', registers }),
    haTerm: new Gauge({ name: 'switchboard_ha_term', help: 'The leadership term this instance holds or last saw (0 in HA_MODE=single)', registers }),
    haLeaseAgeSeconds: new Gauge({ name: 'switchboard_ha_lease_age_seconds', help: 'Seconds since the leadership lease was last renewed (by this instance when active, by the holder as seen when standby)', registers }),
    httpRequestDuration: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route pattern, method and status',
      labelNames: ['route', 'method', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    // Registered after eslEventsDropped, whose collect() runs the scrape hooks that fill these.
    acdCallsWaiting: new Gauge({ name: 'switchboard_acd_calls_waiting', help: 'Calls waiting in the ACD queue', labelNames: ['queue'] as const, registers }),
    acdLongestWaitSeconds: new Gauge({
      name: 'switchboard_acd_longest_wait_seconds',
      help: 'Wait of the longest-waiting call of the ACD queue, in seconds',
      labelNames: ['queue'] as const,
      registers,
    }),
    acdServiceLevel: new Gauge({
      name: 'switchboard_acd_service_level',
      help: "Fraction of the queue's recent calls answered within its service-level threshold",
      labelNames: ['queue'] as const,
      registers,
    }),
    acdAgents: new Gauge({ name: 'switchboard_acd_agents', help: 'Agents serving the ACD queue, by state', labelNames: ['queue', 'state'] as const, registers }),
    dialerLinesInFlight: new Gauge({ name: 'switchboard_dialer_lines_in_flight', help: 'Outbound calls ringing or in AMD, per campaign', labelNames: ['campaign'] as const, registers }),
    dialerDialLevel: new Gauge({ name: 'switchboard_dialer_dial_level', help: 'Lines in flight per logged-in agent, per campaign', labelNames: ['campaign'] as const, registers }),
    dialerLiveAnswerRate: new Gauge({ name: 'switchboard_dialer_live_answer_rate', help: 'Measured share of dials answered by a person', labelNames: ['campaign'] as const, registers }),
    dialerAbandonRate: new Gauge({
      name: 'switchboard_dialer_abandon_rate',
      help: "Abandoned / live answers over the campaign's rolling compliance window",
      labelNames: ['campaign'] as const,
      registers,
    }),
    dialerAgentOccupancy: new Gauge({ name: 'switchboard_dialer_agent_occupancy', help: "Share of the campaign queue's logged-in agents busy now", labelNames: ['campaign'] as const, registers }),
    dialerDialsTotal: new Counter({ name: 'switchboard_dialer_dials_total', help: 'Outbound dials resolved, by campaign and outcome', labelNames: ['campaign', 'outcome'] as const, registers }),
    dialConfigErrorsTotal: new Counter({
      name: 'switchboard_dial_config_errors_total',
      help: 'Calls FreeSWITCH could not place (CHAN_NOT_IMPLEMENTED, INVALID_GATEWAY, permission, bad dial string), by source and cause',
      labelNames: ['source', 'cause'] as const,
      registers,
    }),
    acdCallsTotal: new Counter({
      name: 'switchboard_acd_calls_total',
      help: 'ACD queue calls ended, by queue and outcome',
      labelNames: ['queue', 'outcome'] as const,
      registers,
    }),
  };
}
