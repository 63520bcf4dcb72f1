import { ProfileConflictError, ProfileStore } from '../../src/profiles';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

describeEachEngine('caller profile store', (engine) => {
  let db: TestDatabase;
  let store: ProfileStore;
  beforeAll(async () => {
    db = await engine.open();
    store = new ProfileStore(db.ds, () => new Date(Date.UTC(2026, 0, 5, 10, 0, 0)));
  });
  afterAll(() => db?.close());

  it('creates a profile with defaults and finds it by any form of its number', async () => {
    const p = await store.create('+14155550101', { name: 'Ann Lee', tags: ['driver', 'fleet'] }, 'admin1');
    expect(p).toMatchObject({ phone_e164: '+14155550101', name: 'Ann Lee', vip_level: 0, language: null, tags: ['driver', 'fleet'], blocked: false, crm_id: null, updated_by: 'admin1' });
    expect(p.created_at.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect((await store.byNumber('+1 (415) 555-0101'))?.id).toBe(p.id);
    expect((await store.byNumber('415 555 0101', 'US'))?.id).toBe(p.id);
    // Without a country a national number cannot be read: no profile, rather than a guess.
    expect(await store.byNumber('4155550101')).toBeNull();
    expect(await store.byNumber('not a number')).toBeNull();
  });

  it('refuses a second profile for a number or a CRM id', async () => {
    await store.create('+14155550102', { crm_id: 'CRM-2' }, null);
    await expect(store.create('+14155550102', {}, null)).rejects.toBeInstanceOf(ProfileConflictError);
    await expect(store.create('+14155550103', { crm_id: 'CRM-2' }, null)).rejects.toBeInstanceOf(ProfileConflictError);
    // Several profiles without a CRM id are fine (NULLs never collide).
    await store.create('+14155550104', {}, null);
  });

  it('updates (returning before and after), moves a profile to another number, and deletes', async () => {
    const p = await store.create('+14155550105', { name: 'Bo' }, null);
    const changed = await store.update(p.id, { vip_level: 3, blocked: true, phone_e164: '+14155550106' }, 'supervisor1');
    expect(changed?.before).toMatchObject({ vip_level: 0, blocked: false, phone_e164: '+14155550105' });
    expect(changed?.after).toMatchObject({ vip_level: 3, blocked: true, phone_e164: '+14155550106', name: 'Bo', updated_by: 'supervisor1' });
    expect(await store.byPhone('+14155550105')).toBeNull();
    await expect(store.update(p.id, { phone_e164: '+14155550101' }, null)).rejects.toBeInstanceOf(ProfileConflictError);
    expect(await store.update(999_999, { name: 'x' }, null)).toBeNull();
    expect((await store.delete(p.id))?.phone_e164).toBe('+14155550106');
    expect(await store.get(p.id)).toBeNull();
    expect(await store.delete(p.id)).toBeNull();
  });

  it('searches by name, CRM id, number digits, tag, VIP level and blocked, with paging and a total', async () => {
    await store.create('+442071230001', { name: 'Zed 100%_sure', crm_id: 'ACME-77', tags: ['vip_lounge'], vip_level: 5, blocked: true }, null);
    await store.create('+442071230002', { name: 'Zara', tags: ['vip'], vip_level: 5 }, null);
    const names = async (f: Parameters<ProfileStore['search']>[0]) => (await store.search(f)).items.map((p) => p.phone_e164);
    expect(await names({ q: 'zed' })).toEqual(['+442071230001']);
    expect(await names({ q: 'acme-7' })).toEqual(['+442071230001']);
    expect(await names({ q: '207 123 000' })).toEqual(['+442071230001', '+442071230002']);
    // LIKE wildcards in the query are literal.
    expect(await names({ q: '100%_' })).toEqual(['+442071230001']);
    expect(await names({ q: '%' })).toEqual(['+442071230001']);
    // A tag matches whole tags only: "vip" is not "vip_lounge".
    expect(await names({ tag: 'vip' })).toEqual(['+442071230002']);
    expect(await names({ tag: 'vip_lounge' })).toEqual(['+442071230001']);
    expect(await names({ vip_level: 5, blocked: false })).toEqual(['+442071230002']);
    expect(await names({ blocked: true })).toEqual(['+442071230001']);
    const page = await store.search({ limit: 2, offset: 1 });
    expect(page.items).toHaveLength(2);
    expect(page.total).toBe((await store.search({ limit: 500 })).items.length);
  });

  it('upserts a batch by number and reports the rows whose CRM id belongs to another number', async () => {
    await store.create('+33142000001', { crm_id: 'FR-1', name: 'Old' }, null);
    const counts = await store.upsertBatch(
      [
        { phone_e164: '+33142000001', patch: { name: 'New' }, ref: 2 },
        { phone_e164: '+33142000002', patch: { crm_id: 'FR-1' }, ref: 3 },
        { phone_e164: '+33142000003', patch: { crm_id: 'FR-3', vip_level: 2 }, ref: 4 },
        { phone_e164: '+33142000004', patch: { crm_id: 'FR-3' }, ref: 5 },
        { phone_e164: '+33142000003', patch: { language: 'fr' }, ref: 6 },
      ],
      'import',
    );
    expect(counts).toMatchObject({ inserted: 1, updated: 2 });
    expect(counts.conflicts.map((c) => c.ref)).toEqual([3, 5]);
    expect(counts.conflicts[0]!.reason).toMatch(/FR-1.*\+33142000001/);
    expect(await store.byPhone('+33142000001')).toMatchObject({ name: 'New', crm_id: 'FR-1', updated_by: 'import' });
    expect(await store.byPhone('+33142000003')).toMatchObject({ crm_id: 'FR-3', vip_level: 2, language: 'fr' });
    expect(await store.byPhone('+33142000002')).toBeNull();
  });

  it('applies a batch in file order even when CRM ids move between profiles inside it', async () => {
    await store.create('+33142000011', { crm_id: 'MOVE-A', name: 'X' }, null);
    await store.create('+33142000012', { name: 'Y' }, null);
    // Y changes first, then X gives MOVE-A up, then Y takes it: written in one pass, Y's single UPDATE would take
    // MOVE-A before X let it go; the store notices and writes the batch row by row.
    const counts = await store.upsertBatch(
      [
        { phone_e164: '+33142000012', patch: { name: 'Y2' }, ref: 2 },
        { phone_e164: '+33142000011', patch: { crm_id: 'MOVE-B' }, ref: 3 },
        { phone_e164: '+33142000012', patch: { crm_id: 'MOVE-A' }, ref: 4 },
        { phone_e164: '+33142000013', patch: { name: 'New' }, ref: 5 },
        { phone_e164: '+33142000013', patch: { vip_level: 1 }, ref: 6 },
      ],
      'import',
    );
    expect(counts).toMatchObject({ inserted: 1, updated: 4, conflicts: [] });
    expect(await store.byPhone('+33142000011')).toMatchObject({ crm_id: 'MOVE-B', name: 'X' });
    expect(await store.byPhone('+33142000012')).toMatchObject({ crm_id: 'MOVE-A', name: 'Y2' });
    expect(await store.byPhone('+33142000013')).toMatchObject({ name: 'New', vip_level: 1 });
  });

  it('lists every profile in id order, batch by batch', async () => {
    const seen: number[] = [];
    for await (const batch of store.all(3)) {
      expect(batch.length).toBeLessThanOrEqual(3);
      seen.push(...batch.map((p) => p.id));
    }
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen).toHaveLength((await store.search({ limit: 500 })).total);
  });
});
