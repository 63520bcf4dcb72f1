/** The dialplan store and the seed import, on SQLite and MariaDB. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DialplanInvalidError, DialplanService, SYSTEM_AUTHOR } from '../../src/dialplan/dialplan-service';
import { importShippedDialplans } from '../../src/dialplan/import';
import { validateDialplan } from '../../src/dialplan/validate';
import { createDataSource } from '../../src/db/data-source';
import { silentLogger } from '../../src/log/logger';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';

const ext = (name: string, expr = '^1$') =>
  `<include>\n  <extension name="${name}">\n    <condition field="destination_number" expression="${expr}">\n      <action application="answer"/>\n    </condition>\n  </extension>\n</include>\n`;

describeEachEngine('dialplan store', (engine) => {
  let db: TestDatabase;
  let service: DialplanService;
  let dir: string;
  beforeEach(async () => {
    db = await engine.open();
    service = new DialplanService(db.ds);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-dp-import-'));
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('numbers concurrent updates without gaps or duplicates', async () => {
    await service.create({ context: 'busy', xml: ext('v1') }, SYSTEM_AUTHOR);
    await Promise.all(Array.from({ length: 6 }, (_, i) => service.update('busy', { xml: ext(`w${i}`) }, { user_id: null, name: `writer${i}` })));
    const versions = await service.versions('busy');
    expect(versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(versions.slice(1).map((v) => v.author_name)).size).toBe(6);
  });

  it('numbers versions from two connections (two service instances) without duplicates', async () => {
    const other = createDataSource(db.config, { logger: silentLogger });
    await other.initialize();
    try {
      const second = new DialplanService(other);
      await service.create({ context: 'shared', xml: ext('v1') }, SYSTEM_AUTHOR);
      await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? service : second).update('shared', { xml: ext(`w${i}`) }, { user_id: null, name: `writer${i}` })),
      );
      expect((await service.versions('shared')).map((v) => v.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await other.destroy();
    }
  });

  it('keeps contexts apart and case-sensitive', async () => {
    await service.create({ context: 'Sales', xml: ext('a') }, SYSTEM_AUTHOR);
    await service.create({ context: 'sales', xml: ext('b') }, SYSTEM_AUTHOR);
    expect((await service.listContexts()).map((c) => [c.context, c.version])).toEqual([
      ['Sales', 1],
      ['sales', 1],
    ]);
    await expect(service.create({ context: 'bad/name', xml: ext('a') }, SYSTEM_AUTHOR)).rejects.toMatchObject({ kind: 'invalid' });
    await expect(service.create({ context: 'x', xml: '<include/>' }, SYSTEM_AUTHOR)).rejects.toBeInstanceOf(DialplanInvalidError);
  });

  it('imports sub-folders as contexts (several files merged in name order), top-level <context> files, and skips broken ones', async () => {
    fs.mkdirSync(path.join(dir, 'public'));
    fs.writeFileSync(path.join(dir, 'public', '10_b.xml'), ext('second'));
    fs.writeFileSync(path.join(dir, 'public', '00_a.xml'), ext('first'));
    fs.mkdirSync(path.join(dir, 'evil'));
    fs.writeFileSync(path.join(dir, 'evil', '00.xml'), ext('x').replace('answer', 'system'));
    fs.writeFileSync(path.join(dir, 'default.xml'), '<context name="default">\n  <extension name="d"><condition/></extension>\n</context>\n');
    const r = await importShippedDialplans(db.ds, dir);
    expect(r.imported.map((i) => i.context).sort()).toEqual(['default', 'public']);
    expect(r.skipped.map((s) => s.context)).toEqual(['evil']);
    expect(r.skipped[0]!.errors[0]!.message).toMatch(/application "system" is not allowed/);
    const pub = await service.view('public');
    expect(pub.extensions.map((e) => e.name)).toEqual(['first', 'second']);
    expect(validateDialplan(pub.xml, { context: 'public' }).ok).toBe(true);
    expect((await service.view('default')).extensions.map((e) => e.name)).toEqual(['d']);
    await expect(service.current('evil')).rejects.toMatchObject({ kind: 'not_found' });
  });
});
