/**
 * The IVR routes the console's flow editor needs: validation without saving (every problem naming its node and
 * path), and rollback to an old version (a new version, validated again, audited).
 */
import { startTestApi, type TestApi } from '../api/helpers';

const doc = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  timeZone: 'UTC',
  start: 'hello',
  nodes: { hello: { type: 'answer', next: 'bye' }, bye: { type: 'hangup', cause: 'NORMAL_CLEARING' } },
  ...extra,
});

interface Issue {
  node?: string;
  path: string;
  message: string;
}

describe('IVR console routes', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  const validate = async (body: unknown) => {
    const res = await api.fetch('/api/v1/ivr/flows/validate', { method: 'POST', token: api.tokens.admin, json: body });
    expect(res.status).toBe(200);
    return (await res.json()) as { valid: boolean; errors: Issue[]; warnings: Issue[] };
  };

  it('validates without storing: errors and warnings name the node and the path', async () => {
    const ok = await validate({ document: doc('checked', { nodes: { ...doc('x').nodes, lonely: { type: 'hangup' } } }) });
    expect(ok.valid).toBe(true);
    expect(ok.errors).toEqual([]);
    expect(ok.warnings).toEqual([expect.objectContaining({ node: 'lonely', path: 'nodes.lonely' })]);

    const missing = await validate({ document: doc('checked', { nodes: { hello: { type: 'answer', next: 'nowhere' }, bye: { type: 'hangup' } } }) });
    expect(missing.valid).toBe(false);
    expect(missing.errors).toEqual([expect.objectContaining({ node: 'hello', path: 'nodes.hello.next', message: expect.stringContaining('nowhere') })]);

    const badField = await validate({ document: doc('checked', { nodes: { hello: { type: 'answer', next: 'bye' }, bye: { type: 'hangup', cause: 'NOT A CAUSE' } } }) });
    expect(badField.errors).toEqual([expect.objectContaining({ node: 'bye', path: 'nodes.bye.cause' })]);

    // A goto to a flow that does not exist is named at the goto node.
    const dangling = await validate({ document: doc('checked', { start: 'g', nodes: { g: { type: 'goto', flow: 'no-such-flow' } } }) });
    expect(dangling.errors).toEqual([expect.objectContaining({ node: 'g', path: 'nodes.g.flow', message: expect.stringContaining('no-such-flow') })]);

    // The name must be the edited flow's.
    const renamed = await validate({ document: doc('other'), name: 'checked' });
    expect(renamed.errors).toEqual([expect.objectContaining({ path: 'name' })]);

    expect((await api.fetch('/api/v1/ivr/flows/checked', { token: api.tokens.admin })).status).toBe(404);
  });

  it('diffs two versions of a flow line by line (pretty JSON), defaulting to the last two', async () => {
    expect((await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc('diffed') } })).status).toBe(201);
    const v2 = doc('diffed', { description: 'changed' });
    expect((await api.fetch('/api/v1/ivr/flows/diffed', { method: 'PUT', token: api.tokens.admin, json: { document: v2 } })).status).toBe(200);
    const res = await api.fetch('/api/v1/ivr/flows/diffed/diff', { token: api.tokens.supervisor });
    expect(res.status).toBe(200);
    const d = (await res.json()) as { from: number; to: number; added: number; removed: number; unified: string; hunks: Array<{ lines: Array<{ op: string; text: string }> }> };
    expect(d).toMatchObject({ from: 1, to: 2, added: 1, removed: 0 });
    expect(d.hunks.flatMap((h) => h.lines).filter((l) => l.op === '+')).toEqual([{ op: '+', text: '  "description": "changed",' }]);
    expect(d.unified).toContain('--- diffed@v1');
    const same = (await (await api.fetch('/api/v1/ivr/flows/diffed/diff?from=2&to=2', { token: api.tokens.admin })).json()) as { hunks: unknown[] };
    expect(same.hunks).toEqual([]);
    expect((await api.fetch('/api/v1/ivr/flows/diffed/diff?from=7', { token: api.tokens.admin })).status).toBe(404);
    expect((await api.fetch('/api/v1/ivr/flows/nosuch/diff', { token: api.tokens.admin })).status).toBe(404);
    expect((await api.fetch('/api/v1/ivr/flows/diffed/diff?from=x', { token: api.tokens.admin })).status).toBe(400);
  });

  it('rolls back to an old version as a new version, and audits it', async () => {
    expect((await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc('rolled'), comment: 'v1' } })).status).toBe(201);
    const v2 = doc('rolled', { description: 'second' });
    expect((await api.fetch('/api/v1/ivr/flows/rolled', { method: 'PUT', token: api.tokens.admin, json: { document: v2, comment: 'v2' } })).status).toBe(200);

    const res = await api.fetch('/api/v1/ivr/flows/rolled/rollback', { method: 'POST', token: api.tokens.admin, json: { version: 1 } });
    expect(res.status).toBe(200);
    const back = (await res.json()) as { version: number; comment: string; document: { description?: string } };
    expect(back).toMatchObject({ version: 3, comment: 'rollback to version 1' });
    expect(back.document.description).toBeUndefined();
    const v1 = (await (await api.fetch('/api/v1/ivr/flows/rolled/versions/1', { token: api.tokens.admin })).json()) as { document: unknown };
    const live = (await (await api.fetch('/api/v1/ivr/flows/rolled', { token: api.tokens.admin })).json()) as { version: number; document: unknown };
    expect(live.version).toBe(3);
    expect(live.document).toEqual(v1.document);

    expect((await api.fetch('/api/v1/ivr/flows/rolled/rollback', { method: 'POST', token: api.tokens.admin, json: { version: 9 } })).status).toBe(404);
    expect((await api.fetch('/api/v1/ivr/flows/rolled/rollback', { method: 'POST', token: api.tokens.supervisor, json: { version: 1 } })).status).toBe(403);

    const audit = (await (await api.fetch('/api/v1/audit?limit=100', { token: api.tokens.admin })).json()) as {
      items: Array<{ action: string; target_id: string; before: { version?: number } | null; after: { version?: number; rolled_back_to?: number } | null }>;
    };
    const entry = audit.items.find((a) => a.action === 'ivr_flow.rollback' && a.target_id === 'rolled');
    expect(entry?.before?.version).toBe(2);
    expect(entry?.after).toMatchObject({ version: 3, rolled_back_to: 1 });
  });

  it('refuses a rollback whose old version no longer validates (its goto flow is gone)', async () => {
    await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc('target') } });
    await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: doc('caller', { start: 'g', nodes: { g: { type: 'goto', flow: 'target' } } }) } });
    await api.fetch('/api/v1/ivr/flows/caller', { method: 'PUT', token: api.tokens.admin, json: { document: doc('caller') } });
    expect((await api.fetch('/api/v1/ivr/flows/target', { method: 'DELETE', token: api.tokens.admin })).status).toBe(204);
    const res = await api.fetch('/api/v1/ivr/flows/caller/rollback', { method: 'POST', token: api.tokens.admin, json: { version: 1 } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { errors: Array<{ node?: string }> };
    expect(body.errors[0]?.node).toBe('g');
  });
});
