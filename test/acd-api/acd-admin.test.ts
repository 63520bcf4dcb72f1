import { acdConfigStoreFor, DEFAULT_QUEUE_CONFIG, seedDemoConfig } from '../../src/acd/config-store';
import { silentLogger } from '../../src/log/logger';
import { problemOf } from '../api/helpers';
import { describeEachEngine } from '../helpers/databases';
import { startAcdTestApi, type AcdTestApi } from './helpers';

interface AuditRow {
  action: string;
  target_type: string;
  target_id: string;
  before: unknown;
  after: unknown;
  actor_name: string;
}

describeEachEngine('ACD configuration API', (engine) => {
  let api: AcdTestApi;
  beforeAll(async () => {
    api = await startAcdTestApi(engine);
  });
  afterAll(() => api?.close());

  const audits = async (action: string): Promise<AuditRow[]> => {
    const res = await api.fetch(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=100`, { token: api.tokens.admin1 });
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: AuditRow[] }).items.filter((r) => r.action === action);
  };

  describe('queues', () => {
    it('creates a queue with defaults, reads it, and audits it', async () => {
      const res = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales', requiredSkills: ['sales'] } });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe('/api/v1/acd/queues/sales');
      const q = (await res.json()) as { name: string; config: Record<string, unknown>; updated_by: string };
      expect(q.name).toBe('sales');
      expect(q.updated_by).toBe('admin1');
      expect(q.config).toEqual({ ...DEFAULT_QUEUE_CONFIG, name: 'sales', requiredSkills: ['sales'] });
      expect(q.config).toMatchObject({ strategy: 'longest_idle', serviceLevelSec: 20, wrapUpSec: 10, offerTimeoutSec: 20, maxNoAnswer: 3, mohSound: 'local_stream://moh', announceIntervalSec: 30 });

      const got = await api.fetch('/api/v1/acd/queues/sales', { token: api.tokens.supervisor1 });
      expect(got.status).toBe(200);
      expect(((await got.json()) as { config: unknown }).config).toEqual(q.config);
      const list = (await (await api.fetch('/api/v1/acd/queues', { token: api.tokens.supervisor1 })).json()) as { items: Array<{ name: string }> };
      expect(list.items.map((i) => i.name)).toContain('sales');

      const [entry] = await audits('acd_queue.create');
      expect(entry).toMatchObject({ target_type: 'acd_queue', target_id: 'sales', before: null, actor_name: 'admin1' });
      expect((entry!.after as { config: { name: string } }).config.name).toBe('sales');
    });

    it('refuses a duplicate name (409) and supervisors and agents may not write (403)', async () => {
      expect((await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'sales' } })).status).toBe(409);
      expect((await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.supervisor1, json: { name: 'x1' } })).status).toBe(403);
      expect((await api.fetch('/api/v1/acd/queues', { token: api.tokens.agent1 })).status).toBe(403);
      expect((await api.fetch('/api/v1/acd/queues/sales', { method: 'PATCH', token: api.tokens.supervisor1, json: { wrapUpSec: 1 } })).status).toBe(403);
    });

    it.each([
      [{ name: 'bad', strategy: 'fastest' }, 'strategy'],
      [{ name: 'bad', serviceLevelSec: 0 }, 'serviceLevelSec'],
      [{ name: 'bad', requiredSkills: ['ok', 'not ok!'] }, 'requiredSkills.1'],
      [{ name: 'bad', relaxation: [{ afterSec: 60, minProficiency: 5 }, { afterSec: 30, minProficiency: null }] }, 'relaxation'],
      [{ name: 'bad', mohSound: 'relative/file.wav' }, 'mohSound'],
      [{ name: 'bad', callbackKey: '12' }, 'callbackKey'],
      [{ name: 'bad', overflow: { kind: 'hangup', cause: 'NOT_A_CAUSE' } }, 'overflow.cause'],
      [{ name: 'bad', bogus: 1 }, 'bogus'],
      [{ name: 'bad name!' }, 'name'],
    ])('validation names the field: %j -> %s', async (body, field) => {
      const res = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: body });
      expect(res.status).toBe(400);
      const p = await problemOf(res);
      expect(p.errors?.map((e) => e.field)).toContain(field);
    });

    it('checks overflow targets against the other queues (field overflow.queue)', async () => {
      let res = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'ovf', overflow: { kind: 'queue', queue: 'nosuch' } } });
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors).toEqual([expect.objectContaining({ field: 'overflow.queue', pointer: '#/overflow/queue' })]);
      res = await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'ovf', overflow: { kind: 'queue', queue: 'ovf' } } });
      expect(res.status).toBe(400);
      res = await api.fetch('/api/v1/acd/queues', {
        method: 'POST',
        token: api.tokens.admin1,
        json: { name: 'ovf', maxWaitSec: 120, overflow: { kind: 'queue', queue: 'sales' }, noAgents: { kind: 'voicemail', box: 'sales-vm' } },
      });
      expect(res.status).toBe(201);
    });

    it('patches fields, keeps the rest, audits before/after; refuses an empty patch', async () => {
      const res = await api.fetch('/api/v1/acd/queues/sales', {
        method: 'PATCH',
        token: api.tokens.admin1,
        json: { strategy: 'best_skill', wrapUpSec: 30, relaxation: [{ afterSec: 30, minProficiency: 5 }, { afterSec: 60, minProficiency: null }] },
      });
      expect(res.status).toBe(200);
      const q = (await res.json()) as { config: Record<string, unknown> };
      expect(q.config).toMatchObject({ strategy: 'best_skill', wrapUpSec: 30, requiredSkills: ['sales'], serviceLevelSec: 20 });
      const [entry] = await audits('acd_queue.update');
      expect((entry!.before as { config: { wrapUpSec: number } }).config.wrapUpSec).toBe(10);
      expect((entry!.after as { config: { wrapUpSec: number } }).config.wrapUpSec).toBe(30);
      expect((await api.fetch('/api/v1/acd/queues/sales', { method: 'PATCH', token: api.tokens.admin1, json: {} })).status).toBe(400);
      expect((await api.fetch('/api/v1/acd/queues/nosuch', { method: 'PATCH', token: api.tokens.admin1, json: { wrapUpSec: 1 } })).status).toBe(404);
      const bad = await api.fetch('/api/v1/acd/queues/sales', { method: 'PATCH', token: api.tokens.admin1, json: { offerTimeoutSec: 1 } });
      expect((await problemOf(bad)).errors?.[0]?.field).toBe('offerTimeoutSec');
    });

    it('deletes a queue only when nothing refers to it', async () => {
      // ovf overflows to sales: sales cannot go first.
      expect((await api.fetch('/api/v1/acd/queues/sales', { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(409);
      expect((await api.fetch('/api/v1/acd/queues/ovf', { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(204);
      expect((await api.fetch('/api/v1/acd/queues/ovf', { token: api.tokens.admin1 })).status).toBe(404);
      const [entry] = await audits('acd_queue.delete');
      expect(entry).toMatchObject({ target_id: 'ovf', after: null });
    });
  });

  describe('agents', () => {
    let agentId = 0;

    it('makes a user an agent with skills, teams and queues + tiers; audits it', async () => {
      await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'support' } });
      const res = await api.fetch('/api/v1/acd/agents', {
        method: 'POST',
        token: api.tokens.admin1,
        json: { user_id: api.userIds.agent1, extension: '1001', skills: { sales: 8, english: 10 }, teams: ['red'], queues: [{ queue: 'sales', tier: 1 }, { queue: 'support' }] },
      });
      expect(res.status).toBe(201);
      const a = (await res.json()) as { id: number; name: string; queues: unknown; enabled: boolean };
      agentId = a.id;
      expect(a).toMatchObject({ user_id: api.userIds.agent1, name: 'AGENT1', extension: '1001', skills: { sales: 8, english: 10 }, teams: ['red'], enabled: true });
      expect(a.queues).toEqual([{ queue: 'sales', tier: 1 }, { queue: 'support', tier: 1 }]);
      const [entry] = await audits('acd_agent.create');
      expect(entry).toMatchObject({ target_type: 'acd_agent', target_id: String(a.id), before: null });

      const list = (await (await api.fetch('/api/v1/acd/agents?queue=support', { token: api.tokens.supervisor1 })).json()) as { items: Array<{ id: number }> };
      expect(list.items.map((i) => i.id)).toEqual([a.id]);
      const none = (await (await api.fetch('/api/v1/acd/agents?team=blue', { token: api.tokens.supervisor1 })).json()) as { items: unknown[] };
      expect(none.items).toEqual([]);
      expect((await api.fetch(`/api/v1/acd/agents/${a.id}`, { token: api.tokens.supervisor1 })).status).toBe(200);
    });

    it.each([
      [{ extension: 'bad ext' }, 'extension'],
      [{ extension: '2001', skills: { sales: 11 } }, 'skills.sales'],
      [{ extension: '2001', skills: { sales: 0 } }, 'skills.sales'],
      [{ extension: '2001', queues: [{ queue: 'nosuch', tier: 1 }] }, 'queues.0.queue'],
      [{ extension: '2001', queues: [{ queue: 'sales', tier: 0 }] }, 'queues.0.tier'],
      [{ extension: '2001', teams: ['a', 'a'] }, 'teams'],
    ])('validation names the field: %j -> %s', async (extra, field) => {
      const res = await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: api.userIds.agent2, ...extra } });
      expect(res.status).toBe(400);
      expect((await problemOf(res)).errors?.map((e) => e.field)).toContain(field);
    });

    it('refuses an unknown user (400 user_id), a second agent for a user or an extension (409)', async () => {
      const unknown = await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: 99999, extension: '2001' } });
      expect(unknown.status).toBe(400);
      expect((await problemOf(unknown)).errors?.[0]?.field).toBe('user_id');
      expect((await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: api.userIds.agent1, extension: '2001' } })).status).toBe(409);
      expect((await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: api.userIds.agent2, extension: '1001' } })).status).toBe(409);
      expect((await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.supervisor1, json: { user_id: api.userIds.agent2, extension: '2001' } })).status).toBe(403);
    });

    it('patches an agent (lists replaced whole) with an audited before/after', async () => {
      const res = await api.fetch(`/api/v1/acd/agents/${agentId}`, { method: 'PATCH', token: api.tokens.admin1, json: { skills: { support: 4 }, queues: [{ queue: 'support', tier: 2 }] } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ skills: { support: 4 }, queues: [{ queue: 'support', tier: 2 }], teams: ['red'] });
      const [entry] = await audits('acd_agent.update');
      expect((entry!.before as { skills: unknown }).skills).toEqual({ sales: 8, english: 10 });
      expect((entry!.after as { skills: unknown }).skills).toEqual({ support: 4 });
      expect((await api.fetch('/api/v1/acd/agents/99999', { method: 'PATCH', token: api.tokens.admin1, json: { name: 'x' } })).status).toBe(404);
    });

    it('a queue served by an agent cannot be deleted; deleting the agent is audited', async () => {
      expect((await api.fetch('/api/v1/acd/queues/support', { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(409);
      const created = await api.fetch('/api/v1/acd/agents', { method: 'POST', token: api.tokens.admin1, json: { user_id: api.userIds.agent3, extension: '1003' } });
      const id = ((await created.json()) as { id: number }).id;
      expect((await api.fetch(`/api/v1/acd/agents/${id}`, { method: 'DELETE', token: api.tokens.admin1 })).status).toBe(204);
      expect((await api.fetch(`/api/v1/acd/agents/${id}`, { token: api.tokens.admin1 })).status).toBe(404);
      const [entry] = await audits('acd_agent.delete');
      expect(entry).toMatchObject({ target_id: String(id), after: null });
    });
  });

  describe('the store', () => {
    it('is one instance per DataSource, cached, and tells listeners the full configuration after every save', async () => {
      const store = acdConfigStoreFor(api.db.ds, { clock: api.clock, logger: silentLogger });
      expect(store).toBe(api.store);
      const seen: Array<{ queues: string[]; agents: number[] }> = [];
      const off = store.onChange((c) => seen.push({ queues: c.queues.map((q) => q.name), agents: c.agents.map((a) => a.id) }));
      await api.fetch('/api/v1/acd/queues', { method: 'POST', token: api.tokens.admin1, json: { name: 'billing' } });
      off();
      expect(seen).toHaveLength(1);
      expect(seen[0]!.queues).toEqual(['billing', 'sales', 'support']);
      expect(seen[0]!.agents.length).toBeGreaterThanOrEqual(1);
      // A fresh store over the same database reads the same configuration back.
      const { AcdConfigStoreImpl } = await import('../../src/acd/config-store');
      const fresh = new AcdConfigStoreImpl(api.db.ds, { clock: api.clock, logger: silentLogger });
      expect(await fresh.load()).toEqual(await store.load());
    });

    it('disabled agents are left out of the engine configuration', async () => {
      const a = api.store.agentByUserId(api.userIds.agent1)!;
      await api.fetch(`/api/v1/acd/agents/${a.id}`, { method: 'PATCH', token: api.tokens.admin1, json: { enabled: false } });
      expect((await api.store.load()).agents.map((x) => x.id)).not.toContain(a.id);
      await api.fetch(`/api/v1/acd/agents/${a.id}`, { method: 'PATCH', token: api.tokens.admin1, json: { enabled: true } });
      expect((await api.store.load()).agents.map((x) => x.id)).toContain(a.id);
    });

    it('seedDemoConfig creates the demo queues (overflow targets first) and agents, once', async () => {
      const extra = await api.users.create({ username: 'demo-agent', password: 'demo-agent-pass-1', role: 'agent' });
      const first = await seedDemoConfig(api.store, { agents: [{ userId: extra.id, extension: '3001', skills: { sales: 5 }, queues: [{ queue: 'sales' }] }] });
      expect(first.queues).toEqual([]); // sales, support and billing exist already
      expect(first.agents).toHaveLength(1);
      const again = await seedDemoConfig(api.store, { agents: [{ userId: extra.id, extension: '3001' }] });
      expect(again).toEqual({ queues: [], agents: [] });
    });
  });
});
