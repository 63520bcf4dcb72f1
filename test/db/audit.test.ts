import { VirtualClock } from '../../src/clock/clock';
import { recordAudit } from '../../src/db/audit';
import { AuditLogSchema, type AuditLogRow } from '../../src/db/entities';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('recordAudit', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  const all = () => db.ds.getRepository<AuditLogRow>(AuditLogSchema).find({ order: { id: 'ASC' } });

  it('stores who did what to which target, with before/after as JSON and the time from the clock', async () => {
    const clock = new VirtualClock(Date.UTC(2026, 2, 3, 4, 5, 6, 789));
    const before = { id: 7, role: 'agent', tags: ['a', 'b'], nested: { ok: true } };
    const after = { id: 7, role: 'supervisor', display_name: 'Zoë "Z" O\'Neil' };
    const saved = await recordAudit(
      db.ds,
      { actor_type: 'user', actor_id: 1, actor_name: 'admin1', action: 'user.update', target_type: 'user', target_id: 7, before, after, ip: '::1' },
      { clock },
    );
    expect(saved.id).toEqual(expect.any(Number));
    const [row] = await all();
    expect(row).toEqual({
      id: saved.id,
      at: new Date(Date.UTC(2026, 2, 3, 4, 5, 6, 789)),
      actor_type: 'user',
      actor_id: 1,
      actor_name: 'admin1',
      action: 'user.update',
      target_type: 'user',
      target_id: '7',
      before,
      after,
      ip: '::1',
    });
  });

  it('accepts system entries without target or values, and clips over-long text', async () => {
    await recordAudit(db.ds, { actor_type: 'system', actor_id: null, actor_name: 'x'.repeat(300), action: 'service.start' });
    const row = (await all()).at(-1)!;
    expect(row).toMatchObject({ actor_type: 'system', actor_id: null, target_type: null, target_id: null, before: null, after: null, ip: null });
    expect(row.actor_name).toHaveLength(128);
  });

  it('records inside a transaction, and rolls back with it', async () => {
    const count = (await all()).length;
    await expect(
      db.ds.transaction(async (m) => {
        await recordAudit(m, { actor_type: 'api_key', actor_id: 3, actor_name: 'crm', action: 'api_key.revoke', target_type: 'api_key', target_id: '3' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await all()).toHaveLength(count);
    await db.ds.transaction((m) => recordAudit(m, { actor_type: 'api_key', actor_id: 3, actor_name: 'crm', action: 'api_key.revoke' }));
    expect(await all()).toHaveLength(count + 1);
  });

  it('refuses an unknown actor type', async () => {
    await expect(recordAudit(db.ds, { actor_type: 'robot' as never, actor_id: null, actor_name: 'r', action: 'x' })).rejects.toThrow();
  });
});
