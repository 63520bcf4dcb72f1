import { problemOf, startTestApi, type TestApi } from './helpers';

describe('/healthz', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('shows anonymous callers only the status', async () => {
    const res = await api.fetch('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('shows authenticated callers the details', async () => {
    const res = await api.fetch('/healthz', { token: api.tokens.agent });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(api.health.report);
  });

  it('ignores bad credentials rather than leaking details or failing', async () => {
    const res = await api.fetch('/healthz', { token: 'bogus' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('is 200 when degraded and 503 when down', async () => {
    api.health.report = { ...api.health.report, status: 'degraded' };
    expect((await api.fetch('/healthz')).status).toBe(200);
    api.health.report = { status: 'down', freeswitch: [], database: { status: 'down', error: 'SQLITE_BUSY' } };
    const down = await api.fetch('/healthz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'down' });
  });

  it('is 503 down when the health function throws', async () => {
    const original = api.deps.health;
    api.deps.health = async () => {
      throw new Error('boom');
    };
    try {
      const res = await api.fetch('/healthz');
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'down' });
    } finally {
      api.deps.health = original;
    }
  });
});

describe('/metrics', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('needs admin/supervisor or an API key', async () => {
    expect((await api.fetch('/metrics')).status).toBe(401);
    const agent = await api.fetch('/metrics', { token: api.tokens.agent });
    expect(agent.status).toBe(403);
    await problemOf(agent);
    expect((await api.fetch('/metrics', { token: api.tokens.supervisor })).status).toBe(200);
  });

  it('exposes the service metrics and times HTTP requests by route pattern', async () => {
    api.metrics.eslConnectionUp.set({ node: 'fs1' }, 1);
    api.metrics.eslEventsTotal.inc({ node: 'fs1', event: 'CHANNEL_CREATE' });
    await api.fetch(`/api/v1/users/${api.ids.agent}`, { token: api.tokens.admin });
    await api.fetch('/no/such/route');
    const res = await api.fetch('/metrics', { token: api.tokens.admin });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      'switchboard_esl_connection_up{node="fs1"} 1',
      'switchboard_esl_events_total{node="fs1",event="CHANNEL_CREATE"} 1',
      'switchboard_esl_events_dropped_total',
      'switchboard_esl_reconnects_total',
      'switchboard_cdr_written_total',
      'switchboard_cdr_queue_depth',
    ])
      expect(text).toContain(name);
    expect(text).toMatch(/switchboard_http_request_duration_seconds_count\{route="\/api\/v1\/users\/:id",method="GET",status="200"\} 1/);
    expect(text).toMatch(/switchboard_http_request_duration_seconds_count\{route="unmatched",method="GET",status="404"\} 1/);
  });
});

describe('/metrics with METRICS_PUBLIC=true', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ env: { METRICS_PUBLIC: 'true' }, noSeed: true });
  });
  afterAll(() => api.close());

  it('is open to anonymous scrapers', async () => {
    const res = await api.fetch('/metrics');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('switchboard_cdr_queue_depth');
  });
});
