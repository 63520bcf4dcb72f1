/**
 * Dialplan administration through the API, on SQLite and MariaDB: the shipped dialplans as version 1, versioning,
 * validation before storing, diff, rollback, delete, audit rows, roles, and APPLY writing the files and running
 * reloadxml on a real simulator node (plus a node that is down).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { AuditLogRow } from '../../src/db/entities/audit-log';
import { AuditLogSchema } from '../../src/db/entities/audit-log';
import { DialplanVersionSchema } from '../../src/db/entities/dialplan-version';
import { DIALPLAN_FILE } from '../../src/dialplan/apply';
import { sha256 } from '../../src/dialplan/dialplan-service';
import { importShippedDialplans } from '../../src/dialplan/import';
import { validateDialplan } from '../../src/dialplan/validate';
import { FreeSwitchCluster } from '../../src/freeswitch/cluster';
import { silentLogger } from '../../src/log/logger';
import { startSimulator, type Simulator } from '../../src/simulator';
import { describeEachEngine } from '../helpers/databases';
import { closedPort, SHIPPED_DIALPLANS, startEngineApi, waitFor, type EngineApi } from './helpers';

const SHIPPED_PUBLIC = fs.readFileSync(path.join(SHIPPED_DIALPLANS, 'public', '00_switchboard.xml'), 'utf8');

const AGENTS_V1 = `<include>
  <extension name="agent_to_agent">
    <condition field="destination_number" expression="^(1\\d{3})$">
      <action application="bridge" data="user/$1@\${domain_name}"/>
    </condition>
  </extension>
</include>
`;
const AGENTS_V2 = AGENTS_V1.replace('^(1\\d{3})$', '^(1[0-9]{3})$').replace(
  '</include>',
  `  <extension name="echo">
    <condition field="destination_number" expression="^9196$">
      <action application="answer"/>
      <action application="echo"/>
    </condition>
  </extension>
</include>`,
);

interface VersionOut {
  context: string;
  version: number;
  deleted: boolean;
  sha256: string;
  author_name: string;
  author_user_id: number | null;
  comment: string | null;
  xml?: string;
}

describeEachEngine('dialplan administration API', (engine) => {
  let sim: Simulator;
  let cluster: FreeSwitchCluster;
  let api: EngineApi;

  beforeAll(async () => {
    sim = await startSimulator({ password: 'dp-secret', seed: 1, heartbeatMs: 0 });
    const downPort = await closedPort();
    cluster = new FreeSwitchCluster(
      [
        { name: 'sim1', host: '127.0.0.1', port: sim.port, password: 'dp-secret' },
        { name: 'down1', host: '127.0.0.1', port: downPort, password: 'dp-secret' },
      ],
      { logger: silentLogger, commandTimeoutMs: 3000, reconnectMaxMs: 1000, eventQueueMax: 1000 },
    );
    await cluster.start();
    await waitFor('sim1 connected', () => (cluster.client('sim1').status === 'ready' ? true : undefined));
    api = await startEngineApi(engine, { freeswitch: cluster });
  });

  afterAll(async () => {
    await api?.close();
    await cluster?.close();
    await sim?.close();
  });

  const admin = () => api.tokens.admin;
  const json = async <T>(res: Response, status: number): Promise<T> => {
    const body = await res.text();
    expect({ status: res.status, body: res.status === status ? '' : body }).toEqual({ status, body: '' });
    return JSON.parse(body) as T;
  };
  const audits = (action: string) =>
    api.ds.getRepository<AuditLogRow>(AuditLogSchema).find({ where: { action }, order: { id: 'ASC' } });

  it('imports the shipped dialplans once, as version 1 of their contexts', async () => {
    const first = await importShippedDialplans(api.ds, SHIPPED_DIALPLANS);
    expect(first.imported).toEqual([{ context: 'public', files: ['dialplans/public/00_switchboard.xml'] }]);
    expect(first.skipped).toEqual([]);
    const again = await importShippedDialplans(api.ds, SHIPPED_DIALPLANS);
    expect(again).toMatchObject({ alreadySeeded: true, imported: [] });

    const list = await json<{ items: Array<VersionOut & { extensions: number }> }>(await api.fetch('/api/v1/dialplans', { token: admin() }), 200);
    expect(list.items).toEqual([expect.objectContaining({ context: 'public', version: 1, deleted: false, extensions: 1, author_name: 'system' })]);

    const ctx = await json<VersionOut & { extensions: Array<{ name: string }> }>(await api.fetch('/api/v1/dialplans/public', { token: admin() }), 200);
    expect(ctx.xml).toBe(SHIPPED_PUBLIC);
    expect(ctx.sha256).toBe(sha256(SHIPPED_PUBLIC));
    expect(ctx.extensions.map((e) => e.name)).toEqual(['switchboard_inbound']);
    expect((await audits('dialplan.import')).map((a) => a.target_id)).toEqual(['public']);
  });

  it('creates a context, and refuses to create it twice', async () => {
    const res = await api.fetch('/api/v1/dialplans', { method: 'POST', token: admin(), json: { context: 'agents', xml: AGENTS_V1, comment: 'first cut' } });
    const created = await json<VersionOut>(res, 201);
    expect(res.headers.get('location')).toBe('/api/v1/dialplans/agents');
    expect(created).toMatchObject({ context: 'agents', version: 1, deleted: false, author_name: 'admin1', author_user_id: api.ids.admin, comment: 'first cut', xml: AGENTS_V1 });
    const again = await api.fetch('/api/v1/dialplans', { method: 'POST', token: admin(), json: { context: 'agents', xml: AGENTS_V1 } });
    expect(again.status).toBe(409);
    const reserved = await api.fetch('/api/v1/dialplans', { method: 'POST', token: admin(), json: { context: 'apply', xml: AGENTS_V1 } });
    expect(reserved.status).toBe(400);
    const [audit] = await audits('dialplan.create');
    expect(audit).toMatchObject({ actor_type: 'user', actor_id: api.ids.admin, actor_name: 'admin1', target_type: 'dialplan', target_id: 'agents', before: null });
    expect(audit!.after).toMatchObject({ context: 'agents', version: 1, xml: AGENTS_V1 });
  });

  it('refuses invalid dialplans with the errors listed, and stores nothing', async () => {
    const count = () => api.ds.getRepository(DialplanVersionSchema).countBy({ context: 'agents' });
    const before = await count();
    const cases: Array<[string, RegExp]> = [
      ['<include><extension name="x"></include>', /malformed XML/],
      [AGENTS_V1.replace('<action application="bridge"', '<action application="system"'), /application "system" is not allowed/],
      [AGENTS_V1.replace('user/$1@${domain_name}', '${system(touch /tmp/pwned)}'), /\$\{system\(/],
      [AGENTS_V1.replace('^(1\\d{3})$', '^(1\\d{3})++$'), /extension "agent_to_agent" \(#1\), condition 1 \(line 3\): .*possessive/],
      [AGENTS_V1.replace('<condition ', '<condition colour="red" '), /unknown attribute "colour"/],
      [AGENTS_V1.replace('<action ', '<goto '), /<goto> is not allowed/],
    ];
    for (const [xml, re] of cases) {
      const res = await api.fetch('/api/v1/dialplans/agents', { method: 'PUT', token: admin(), json: { xml } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { type: string; errors: Array<{ field: string; detail: string }> };
      expect(problem.type).toMatch(/invalid-dialplan$/);
      expect(problem.errors.map((e) => e.detail).join('\n')).toMatch(re);
      expect(problem.errors[0]!.field).toBe('xml');
    }
    const created = await api.fetch('/api/v1/dialplans', { method: 'POST', token: admin(), json: { context: 'broken', xml: cases[1]![0] } });
    expect(created.status).toBe(400);
    expect(await count()).toBe(before);
    expect(await api.ds.getRepository(DialplanVersionSchema).countBy({ context: 'broken' })).toBe(0);
  });

  it('validates without storing', async () => {
    const ok = await json<{ valid: boolean; errors: unknown[]; extensions: Array<{ name: string }> }>(
      await api.fetch('/api/v1/dialplans/validate', { method: 'POST', token: admin(), json: { xml: AGENTS_V2 } }),
      200,
    );
    expect(ok.valid).toBe(true);
    expect(ok.errors).toEqual([]);
    expect(ok.extensions.map((e) => e.name)).toEqual(['agent_to_agent', 'echo']);
    const bad = await json<{ valid: boolean; errors: Array<{ message: string; line?: number; extension?: string; condition?: string }> }>(
      await api.fetch('/api/v1/dialplans/validate', { method: 'POST', token: admin(), json: { xml: AGENTS_V1.replace('^(1\\d{3})$', '(?>1)') } }),
      200,
    );
    expect(bad.valid).toBe(false);
    expect(bad.errors).toEqual([expect.objectContaining({ extension: 'agent_to_agent', condition: '1', line: 3, message: expect.stringMatching(/atomic group/) })]);
  });

  it('stores each change as a new version, lists versions and serves any of them', async () => {
    const put = await json<VersionOut & { changed: boolean }>(
      await api.fetch('/api/v1/dialplans/agents', { method: 'PUT', token: admin(), json: { xml: AGENTS_V2, comment: 'echo test', base_version: 1 } }),
      200,
    );
    expect(put).toMatchObject({ version: 2, changed: true, comment: 'echo test', xml: AGENTS_V2 });
    // The same XML again adds no version; a stale base_version is a conflict.
    const same = await json<VersionOut & { changed: boolean }>(await api.fetch('/api/v1/dialplans/agents', { method: 'PUT', token: admin(), json: { xml: AGENTS_V2 } }), 200);
    expect(same).toMatchObject({ version: 2, changed: false });
    const stale = await api.fetch('/api/v1/dialplans/agents', { method: 'PUT', token: admin(), json: { xml: AGENTS_V1, base_version: 1 } });
    expect(stale.status).toBe(409);

    const versions = await json<{ items: VersionOut[] }>(await api.fetch('/api/v1/dialplans/agents/versions', { token: admin() }), 200);
    expect(versions.items.map((v) => [v.version, v.comment, v.deleted])).toEqual([
      [1, 'first cut', false],
      [2, 'echo test', false],
    ]);
    expect(versions.items[0]).not.toHaveProperty('xml');
    const v1 = await json<VersionOut>(await api.fetch('/api/v1/dialplans/agents/versions/1', { token: admin() }), 200);
    expect(v1.xml).toBe(AGENTS_V1);
    expect((await api.fetch('/api/v1/dialplans/agents/versions/9', { token: admin() })).status).toBe(404);
    expect((await api.fetch('/api/v1/dialplans/nope', { token: admin() })).status).toBe(404);
    const [upd] = await audits('dialplan.update');
    expect(upd).toMatchObject({ target_id: 'agents', before: expect.objectContaining({ version: 1, xml: AGENTS_V1 }), after: expect.objectContaining({ version: 2, xml: AGENTS_V2 }) });
  });

  it('diffs two versions as unified text and hunks', async () => {
    const d = await json<{ from: number; to: number; unified: string; hunks: Array<{ lines: Array<{ op: string; text: string }> }>; added: number; removed: number }>(
      await api.fetch('/api/v1/dialplans/agents/diff?from=1&to=2', { token: admin() }),
      200,
    );
    expect(d).toMatchObject({ from: 1, to: 2, added: 7, removed: 1 });
    expect(d.unified.split('\n').slice(0, 3)).toEqual(['--- agents@v1', '+++ agents@v2', '@@ -1,7 +1,13 @@']);
    expect(d.unified).toContain('-    <condition field="destination_number" expression="^(1\\d{3})$">');
    expect(d.unified).toContain('+    <condition field="destination_number" expression="^(1[0-9]{3})$">');
    expect(d.unified).toContain('+  <extension name="echo">');
    const removed = d.hunks.flatMap((h) => h.lines).filter((l) => l.op === '-');
    expect(removed).toHaveLength(1);
    // Defaults: the latest against the one before.
    const dflt = await json<{ from: number; to: number }>(await api.fetch('/api/v1/dialplans/agents/diff', { token: admin() }), 200);
    expect(dflt).toMatchObject({ from: 1, to: 2 });
    expect((await api.fetch('/api/v1/dialplans/agents/diff?from=0', { token: admin() })).status).toBe(400);
  });

  it('rolls back by storing the old XML as a new version', async () => {
    const rb = await json<VersionOut>(await api.fetch('/api/v1/dialplans/agents/rollback', { method: 'POST', token: admin(), json: { version: 1 } }), 200);
    expect(rb).toMatchObject({ version: 3, xml: AGENTS_V1, comment: 'rollback to version 1', sha256: sha256(AGENTS_V1) });
    const cur = await json<VersionOut>(await api.fetch('/api/v1/dialplans/agents', { token: admin() }), 200);
    expect(cur.version).toBe(3);
    const d = await json<{ hunks: unknown[] }>(await api.fetch('/api/v1/dialplans/agents/diff?from=1&to=3', { token: admin() }), 200);
    expect(d.hunks).toEqual([]);
    expect((await api.fetch('/api/v1/dialplans/agents/rollback', { method: 'POST', token: admin(), json: { version: 42 } })).status).toBe(404);
    const [audit] = await audits('dialplan.rollback');
    expect(audit!.after).toMatchObject({ version: 3, rolled_back_to: 1 });
  });

  it('applies: writes every live context atomically and runs reloadxml on every node', async () => {
    const res = await api.fetch('/api/v1/dialplans/apply', { method: 'POST', token: admin() });
    const out = await json<{
      dir: string;
      written: Array<{ context: string; version: number; path: string }>;
      nodes: Array<{ node: string; ok: boolean; reply: string }>;
    }>(res, 200);
    expect(out.dir).toBe(api.config.dialplan.dir);
    expect(out.written.map((w) => [w.context, w.version])).toEqual([
      ['agents', 3],
      ['public', 1],
    ]);
    for (const w of out.written) {
      expect(w.path).toBe(path.join(api.config.dialplan.dir, w.context, DIALPLAN_FILE));
      const text = fs.readFileSync(w.path, 'utf8');
      expect(text).toMatch(/^<!-- Written by Switchboard \(dialplan version \d+, sha256 [0-9a-f]{64}\)/);
      expect(validateDialplan(text).ok).toBe(true);
    }
    expect(fs.readFileSync(out.written[0]!.path, 'utf8')).toContain(AGENTS_V1);
    // No temp files are left behind.
    expect(fs.readdirSync(path.join(api.config.dialplan.dir, 'agents'))).toEqual([DIALPLAN_FILE]);
    expect(out.nodes.sort((a, b) => a.node.localeCompare(b.node))).toEqual([
      { node: 'down1', ok: false, reply: expect.stringMatching(/^not connected/) },
      { node: 'sim1', ok: true, reply: '+OK [Success]' },
    ]);
    const [audit] = await audits('dialplan.apply');
    expect(audit!.after).toMatchObject({ nodes: expect.arrayContaining([expect.objectContaining({ node: 'sim1', ok: true })]) });
  });

  it('deletes a context with a tombstone; apply removes its file; rollback restores it', async () => {
    const del = await json<VersionOut>(await api.fetch('/api/v1/dialplans/agents', { method: 'DELETE', token: admin() }), 200);
    expect(del).toMatchObject({ version: 4, deleted: true, sha256: sha256('') });
    expect((await api.fetch('/api/v1/dialplans/agents', { token: admin() })).status).toBe(404);
    expect((await api.fetch('/api/v1/dialplans/agents', { method: 'DELETE', token: admin() })).status).toBe(404);
    expect((await api.fetch('/api/v1/dialplans/agents', { method: 'PUT', token: admin(), json: { xml: AGENTS_V1 } })).status).toBe(404);
    const list = await json<{ items: VersionOut[] }>(await api.fetch('/api/v1/dialplans', { token: admin() }), 200);
    expect(list.items.map((i) => i.context)).toEqual(['public']);
    const versions = await json<{ items: VersionOut[] }>(await api.fetch('/api/v1/dialplans/agents/versions', { token: admin() }), 200);
    expect(versions.items.map((v) => v.deleted)).toEqual([false, false, false, true]);
    const d = await json<{ removed: number }>(await api.fetch('/api/v1/dialplans/agents/diff', { token: admin() }), 200);
    expect(d.removed).toBe(AGENTS_V1.trimEnd().split('\n').length);

    const applied = await json<{ removed: Array<{ context: string }>; written: Array<{ context: string }> }>(
      await api.fetch('/api/v1/dialplans/apply', { method: 'POST', token: admin() }),
      200,
    );
    expect(applied.removed.map((r) => r.context)).toEqual(['agents']);
    expect(applied.written.map((w) => w.context)).toEqual(['public']);
    expect(fs.existsSync(path.join(api.config.dialplan.dir, 'agents'))).toBe(false);

    const restored = await json<VersionOut>(await api.fetch('/api/v1/dialplans/agents/rollback', { method: 'POST', token: admin(), json: { version: 2 } }), 200);
    expect(restored).toMatchObject({ version: 5, deleted: false, xml: AGENTS_V2 });
    expect((await api.fetch('/api/v1/dialplans/agents/rollback', { method: 'POST', token: admin(), json: { version: 4 } })).status).toBe(400);
    const [audit] = await audits('dialplan.delete');
    expect(audit).toMatchObject({ before: expect.objectContaining({ version: 3 }), after: expect.objectContaining({ version: 4, deleted: true }) });
  });

  it('never writes when a stored context no longer validates', async () => {
    // A row put there behind the API's back (e.g. stored before a rule was added).
    const repo = api.ds.getRepository(DialplanVersionSchema);
    const bad = AGENTS_V1.replace('bridge', 'bg_system');
    await repo.save({ context: 'legacy', version: 1, xml: bad, deleted: false, author_user_id: null, author_name: 'system', comment: null, sha256: sha256(bad), created_at: new Date() });
    const publicFile = path.join(api.config.dialplan.dir, 'public', DIALPLAN_FILE);
    fs.writeFileSync(publicFile, 'sentinel');
    const res = await api.fetch('/api/v1/dialplans/apply', { method: 'POST', token: admin() });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/context "legacy" version 1: .*bg_system/);
    expect(fs.readFileSync(publicFile, 'utf8')).toBe('sentinel');
    expect(fs.existsSync(path.join(api.config.dialplan.dir, 'legacy'))).toBe(false);
    await repo.delete({ context: 'legacy' });
  });

  it('admits admins only', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/dialplans'],
      ['POST', '/api/v1/dialplans', { context: 'x1', xml: AGENTS_V1 }],
      ['POST', '/api/v1/dialplans/validate', { xml: AGENTS_V1 }],
      ['POST', '/api/v1/dialplans/apply'],
      ['GET', '/api/v1/dialplans/public'],
      ['PUT', '/api/v1/dialplans/public', { xml: SHIPPED_PUBLIC }],
      ['DELETE', '/api/v1/dialplans/public'],
      ['GET', '/api/v1/dialplans/public/versions'],
      ['GET', '/api/v1/dialplans/public/versions/1'],
      ['GET', '/api/v1/dialplans/public/diff'],
      ['POST', '/api/v1/dialplans/public/rollback', { version: 1 }],
    ];
    for (const [method, url, body] of routes) {
      const got: Record<string, number> = {};
      for (const who of ['anonymous', 'agent', 'supervisor', 'keyAgent', 'keySupervisor'] as const) {
        const headers: Record<string, string> = {};
        if (who === 'agent' || who === 'supervisor') headers.Authorization = `Bearer ${api.tokens[who]}`;
        if (who === 'keyAgent') headers['X-API-Key'] = api.apiKeys.agent;
        if (who === 'keySupervisor') headers['X-API-Key'] = api.apiKeys.supervisor;
        const res = await api.fetch(url, { method, headers, ...(body !== undefined ? { json: body } : {}) });
        got[who] = res.status;
        await res.arrayBuffer();
      }
      expect({ route: `${method} ${url}`, got }).toEqual({ route: `${method} ${url}`, got: { anonymous: 401, agent: 403, supervisor: 403, keyAgent: 403, keySupervisor: 403 } });
    }
    // An admin API key works like an admin user.
    const res = await api.fetch('/api/v1/dialplans/public', { headers: { 'X-API-Key': api.apiKeys.admin } });
    expect(res.status).toBe(200);
  });
});

describe('apply without FreeSWITCH', () => {
  it('reports an empty node list when no cluster is configured', async () => {
    const { engines } = await import('../helpers/databases');
    const api = await startEngineApi(engines.sqlite);
    try {
      await importShippedDialplans(api.ds, SHIPPED_DIALPLANS);
      const res = await api.fetch('/api/v1/dialplans/apply', { method: 'POST', token: api.tokens.admin });
      expect(res.status).toBe(200);
      const out = (await res.json()) as { nodes: unknown[]; written: unknown[] };
      expect(out.nodes).toEqual([]);
      expect(out.written).toHaveLength(1);
    } finally {
      await api.close();
    }
  });
});
