/**
 * The IVR API: flows (validation naming the node, versions, dry-run), DID bindings, audit of every admin change,
 * and who may do what.
 */
import { loadExampleFlows } from '../../src/ivr/examples';
import { startTestApi, type TestApi } from '../api/helpers';

const minimal = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  timeZone: 'UTC',
  start: 'bye',
  nodes: { bye: { type: 'hangup', cause: 'NORMAL_CLEARING' } },
  ...extra,
});

describe('IVR API', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
    // The shipped examples, as an admin would post them (support first: main-menu goes to it).
    const examples = loadExampleFlows();
    for (const doc of [...examples].reverse()) {
      const res = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc } });
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => api.close());

  it('names the bad node in a 422 problem', async () => {
    const doc = {
      name: 'broken',
      timeZone: 'UTC',
      start: 'menu',
      nodes: {
        menu: { type: 'menu', greeting: [{ kind: 'file', path: '/x.wav' }], options: { '1': 'nowhere' } },
        vm: { type: 'voicemail', box: 'a b', maxSeconds: 5000 },
      },
    };
    const res = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc } });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { detail: string; errors: Array<{ node?: string; field: string; detail: string }> };
    const nodes = body.errors.map((e) => e.node);
    expect(nodes).toEqual(expect.arrayContaining(['vm']));
    expect(body.errors.every((e) => e.field.startsWith('document'))).toBe(true);
    expect(body.detail).toMatch(/vm/);
  });

  it('refuses a goto to a flow that does not exist', async () => {
    const doc = { name: 'dangling', timeZone: 'UTC', start: 'g', nodes: { g: { type: 'goto', flow: 'no-such-flow' } } };
    const res = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc } });
    expect(res.status).toBe(422);
    expect(((await res.json()) as { detail: string }).detail).toContain('no-such-flow');
  });

  it('keeps versions: PUT makes version 2 live, version 1 stays readable, and both changes are audited', async () => {
    const create = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: minimal('versioned'), comment: 'first' } });
    expect(create.status).toBe(201);
    expect(((await create.json()) as { version: number }).version).toBe(1);
    const again = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: minimal('versioned') } });
    expect(again.status).toBe(409);
    const v2doc = minimal('versioned', { description: 'second' });
    const put = await api.fetch('/api/v1/ivr/flows/versioned', { method: 'PUT', token: api.tokens.admin, json: { document: v2doc, comment: 'second' } });
    expect(put.status).toBe(200);
    expect(((await put.json()) as { version: number }).version).toBe(2);
    const wrongName = await api.fetch('/api/v1/ivr/flows/versioned', { method: 'PUT', token: api.tokens.admin, json: { document: minimal('other') } });
    expect(wrongName.status).toBe(422);

    const live = (await (await api.fetch('/api/v1/ivr/flows/versioned', { token: api.tokens.supervisor })).json()) as { version: number; document: { description?: string } };
    expect(live).toMatchObject({ version: 2, document: { description: 'second' } });
    const versions = (await (await api.fetch('/api/v1/ivr/flows/versioned/versions', { token: api.tokens.admin })).json()) as { items: Array<{ version: number; comment: string }> };
    expect(versions.items.map((v) => [v.version, v.comment])).toEqual([
      [2, 'second'],
      [1, 'first'],
    ]);
    const v1 = (await (await api.fetch('/api/v1/ivr/flows/versioned/versions/1', { token: api.tokens.admin })).json()) as { document: { description?: string } };
    expect(v1.document.description).toBeUndefined();
    expect((await api.fetch('/api/v1/ivr/flows/versioned/versions/9', { token: api.tokens.admin })).status).toBe(404);

    const audit = (await (await api.fetch('/api/v1/audit?limit=100', { token: api.tokens.admin })).json()) as {
      items: Array<{ action: string; target_id: string; before: { version?: number } | null; after: { version?: number } | null }>;
    };
    const mine = audit.items.filter((a) => a.target_id === 'versioned');
    expect(mine.map((a) => a.action).sort()).toEqual(['ivr_flow.create', 'ivr_flow.update']);
    const update = mine.find((a) => a.action === 'ivr_flow.update')!;
    expect(update.before?.version).toBe(1);
    expect(update.after?.version).toBe(2);
  });

  it('dry-runs the example flow with digits and a time of day', async () => {
    const inHours = await api.fetch('/api/v1/ivr/flows/main-menu/dry-run', {
      method: 'POST',
      token: api.tokens.supervisor,
      json: { at: '2026-01-07T15:00:00Z', digits: ['2', '1', '123456'], variables: { crm_url: 'http://crm.example/lookup' }, http: { crm_lookup: { ok: true, values: { crm_vip: 'true' } } } },
    });
    expect(inHours.status).toBe(200);
    const run = (await inHours.json()) as { result: { outcome: string }; path: Array<{ node: string }>; actions: Array<{ kind: string; queue?: string; priority?: number }> };
    expect(run.result.outcome).toBe('queue');
    expect(run.actions.find((a) => a.kind === 'queue')).toMatchObject({ queue: 'billing', priority: 10 });
    expect(run.path.map((s) => s.node)).toEqual(expect.arrayContaining(['main_menu', 'support_menu', 'billing_account', 'crm_lookup']));

    const night = await api.fetch('/api/v1/ivr/flows/main-menu/dry-run', { method: 'POST', token: api.tokens.admin, json: { at: '2026-01-07T03:00:00Z' } });
    const nightRun = (await night.json()) as { result: { outcome: string }; path: Array<{ node: string }> };
    expect(nightRun.path.map((s) => s.node)).toContain('general_voicemail');

    const draft = await api.fetch('/api/v1/ivr/flows/versioned/dry-run', {
      method: 'POST',
      token: api.tokens.admin,
      json: { document: minimal('versioned', { nodes: { bye: { type: 'hangup', cause: 'USER_BUSY' } } }) },
    });
    expect(((await draft.json()) as { actions: Array<{ kind: string; cause?: string }> }).actions[0]).toMatchObject({ kind: 'hangup', cause: 'USER_BUSY' });
    expect((await api.fetch('/api/v1/ivr/flows/nope/dry-run', { method: 'POST', token: api.tokens.admin, json: {} })).status).toBe(404);
  });

  it('binds DIDs to flows; a bound flow cannot be deleted; unbinding and deleting are audited', async () => {
    await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: minimal('bound') } });
    expect((await api.fetch('/api/v1/ivr/dids/+15551234', { method: 'PUT', token: api.tokens.admin, json: { flow: 'bound' } })).status).toBe(400);
    expect((await api.fetch('/api/v1/ivr/dids/15551234', { method: 'PUT', token: api.tokens.admin, json: { flow: 'missing' } })).status).toBe(422);
    const put = await api.fetch('/api/v1/ivr/dids/15551234', { method: 'PUT', token: api.tokens.admin, json: { flow: 'bound' } });
    expect(put.status).toBe(200);
    const list = (await (await api.fetch('/api/v1/ivr/dids', { token: api.tokens.admin })).json()) as { items: Array<{ did: string; flow: string }> };
    expect(list.items).toEqual([expect.objectContaining({ did: '15551234', flow: 'bound' })]);
    expect((await api.fetch('/api/v1/ivr/flows/bound', { method: 'DELETE', token: api.tokens.admin })).status).toBe(409);
    expect((await api.fetch('/api/v1/ivr/dids/15551234', { method: 'DELETE', token: api.tokens.admin })).status).toBe(204);
    expect((await api.fetch('/api/v1/ivr/flows/bound', { method: 'DELETE', token: api.tokens.admin })).status).toBe(204);
    expect((await api.fetch('/api/v1/ivr/flows/bound', { token: api.tokens.admin })).status).toBe(404);
    // support is used by main-menu.
    expect((await api.fetch('/api/v1/ivr/flows/support', { method: 'DELETE', token: api.tokens.admin })).status).toBe(409);
    const audit = (await (await api.fetch('/api/v1/audit?limit=100', { token: api.tokens.admin })).json()) as { items: Array<{ action: string }> };
    expect(audit.items.map((a) => a.action)).toEqual(expect.arrayContaining(['ivr_did.bind', 'ivr_did.unbind', 'ivr_flow.delete']));
  });

  it('agents get 403 everywhere; supervisors read but do not change', async () => {
    const reads = ['/api/v1/ivr/flows', '/api/v1/ivr/flows/main-menu', '/api/v1/ivr/flows/main-menu/versions', '/api/v1/ivr/calls', '/api/v1/ivr/voicemails'];
    for (const p of reads) {
      expect([p, (await api.fetch(p, { token: api.tokens.agent })).status]).toEqual([p, 403]);
      expect([p, (await api.fetch(p, { token: api.tokens.supervisor })).status]).toEqual([p, 200]);
    }
    expect((await api.fetch('/api/v1/ivr/dids', { token: api.tokens.supervisor })).status).toBe(403);
    const doc = { document: minimal('by-supervisor') };
    expect((await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.supervisor, json: doc })).status).toBe(403);
    expect((await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.agent, json: doc })).status).toBe(403);
    expect((await api.fetch('/api/v1/ivr/flows/main-menu/dry-run', { method: 'POST', token: api.tokens.agent, json: {} })).status).toBe(403);
  });
});
