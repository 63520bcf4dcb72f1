/**
 * The CDR writer's local spool: a database outage moves CDRs to disk (fsync'd) instead of memory; they are replayed
 * in order, exactly once, when the database is back, and after a process killed during the outage; a full spool
 * drops loudly; a torn last line (a crash mid-write) costs only itself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { CdrSpool } from '../../src/cdr/cdr-spool';
import { CdrWriter, type CdrWriterOptions, type DropReason } from '../../src/cdr/cdr-writer';
import { insertCdrs, prepareCdr } from '../../src/cdr/cdr-sql';
import { VirtualClock } from '../../src/clock/clock';
import { CdrSchema } from '../../src/db/entities';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { captureLogger, sampleCdr, waitFor } from './helpers';

const uuids = async (ds: DataSource): Promise<string[]> =>
  (await ds.getRepository(CdrSchema).find({ select: { uuid: true }, order: { start_at: 'ASC' } })).map((r) => (r as { uuid: string }).uuid);

describeEachEngine('CdrWriter with a local spool', (engine) => {
  let db: TestDatabase;
  let dir: string;
  let n = 0;
  const uniq = () => sampleCdr(++n);
  const writers: CdrWriter[] = [];

  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());
  beforeEach(async () => {
    if (!db.ds.isInitialized) await db.ds.initialize();
    await db.ds.getRepository(CdrSchema).clear();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-cdr-spool-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const make = (spool: CdrSpool, clock = new VirtualClock(), options: Partial<CdrWriterOptions> = {}) => {
    const w = new CdrWriter(db.ds, { batchSize: 3, flushMs: 50, clock, logger: captureLogger().logger, retryInitialMs: 100, retryMaxMs: 400, spool, ...options });
    writers.push(w);
    return { w, clock };
  };

  it('moves CDRs to disk during an outage (none held in memory) and replays them in order, once, when the database is back', async () => {
    const spool = new CdrSpool(dir, 10 << 20).open();
    const { w, clock } = make(spool);
    await db.ds.destroy();
    const rows = Array.from({ length: 10 }, uniq);
    for (const r of rows.slice(0, 3)) w.enqueue(r);
    await waitFor(() => w.stats().spooled === 3, 5000, 'the first batch spooled');
    for (const r of rows.slice(3)) w.enqueue(r);
    clock.advance(60); // the flush interval: the rows reach the disk even while a retry waits
    await waitFor(() => w.stats().spooled === 10, 5000, 'every row spooled');
    expect(w.stats()).toMatchObject({ queued: 0, dropped: 0, written: 0 });
    expect(fs.readFileSync(path.join(dir, 'cdrs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(11); // header + rows

    await db.ds.initialize();
    clock.advance(500);
    await waitFor(async () => w.stats().spooled === 0 && w.stats().written === 10, 10_000, 'the spool replayed');
    expect(await uuids(db.ds)).toEqual(rows.map((r) => r.uuid));
    // Back to normal: the spool is empty (header only) and new rows go straight to the database.
    expect(fs.readFileSync(path.join(dir, 'cdrs.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
    const later = uniq();
    w.enqueue(later);
    await w.flush();
    expect(w.stats()).toMatchObject({ spooled: 0, written: 11, dropped: 0 });
    await w.close();
    spool.close();
  });

  it('persisted() resolves once the rows queued so far are in the database, or on disk while it is gone', async () => {
    const spool = new CdrSpool(dir, 10 << 20).open();
    const { w, clock } = make(spool);
    let done = false;
    w.enqueue(uniq());
    const first = w.persisted().then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false); // still waiting for its flush interval
    clock.advance(60);
    await first;
    expect(w.stats()).toMatchObject({ written: 1, queued: 0 });
    await expect(w.persisted()).resolves.toBeUndefined(); // nothing queued: at once

    await db.ds.destroy();
    for (let i = 0; i < 3; i++) w.enqueue(uniq()); // a full batch: written (and refused) at once
    const second = w.persisted();
    await waitFor(() => w.stats().spooled === 3, 5000, 'the batch spooled');
    await second;
    expect(w.stats()).toMatchObject({ queued: 0, dropped: 0 });
    await db.ds.initialize();
    clock.advance(500);
    await waitFor(() => w.stats().spooled === 0, 10_000, 'the spool replayed');
    await w.close();
    spool.close();
  });

  it('a process killed during the outage loses nothing: the next start replays the spool; rows already inserted are not doubled', async () => {
    const first = new CdrSpool(dir, 10 << 20).open();
    const { w } = make(first);
    await db.ds.destroy();
    const rows = Array.from({ length: 7 }, uniq);
    for (const r of rows) w.enqueue(r);
    await waitFor(() => w.stats().spooled === 7 || w.stats().queued === 0, 5000, 'spooled');
    (w as unknown as { clock: VirtualClock }).clock.advance(60);
    await waitFor(() => w.stats().spooled === 7, 5000, 'all spooled');
    // "kill -9": the writer is abandoned without close(); the OS closes its files.
    first.close();

    await db.ds.initialize();
    // The crash came after two rows reached the database but before the spool's offset moved past them.
    await insertCdrs(db.ds, rows.slice(0, 2).map((r) => prepareCdr(r, Date.now())));
    const second = new CdrSpool(dir, 10 << 20).open();
    expect(second.stats().rows).toBe(7);
    const { w: next, clock } = make(second);
    clock.advance(1);
    await waitFor(() => next.stats().spooled === 0, 10_000, 'replayed at start');
    expect(next.stats()).toMatchObject({ written: 5, duplicates: 2, dropped: 0 });
    expect((await uuids(db.ds)).sort()).toEqual(rows.map((r) => r.uuid).sort());
    await next.close();
    second.close();
  });

  it('close() during an outage keeps the unwritten CDRs in the spool instead of dropping them', async () => {
    const spool = new CdrSpool(dir, 10 << 20).open();
    const dropped: DropReason[] = [];
    const { w } = make(spool, new VirtualClock(), { batchSize: 100, onDropped: (_c, r) => dropped.push(r) });
    await db.ds.destroy();
    for (let i = 0; i < 4; i++) w.enqueue(uniq());
    await w.close();
    expect(dropped).toEqual([]);
    expect(spool.stats().rows).toBe(4);
    spool.close();
    await db.ds.initialize();
  });

  it('a full spool drops the CDRs that do not fit, counted as spool_full', async () => {
    const spool = new CdrSpool(dir, 1500).open();
    const drops: Array<[number, DropReason]> = [];
    const { w, clock } = make(spool, new VirtualClock(), { onDropped: (c, r) => drops.push([c, r]) });
    await db.ds.destroy();
    for (let i = 0; i < 12; i++) w.enqueue(uniq());
    clock.advance(60);
    await waitFor(() => w.stats().queued === 0 && drops.length > 0, 5000, 'spool full');
    const lost = drops.filter(([, r]) => r === 'spool_full').reduce((a, [c]) => a + c, 0);
    expect(lost).toBeGreaterThan(0);
    expect(w.stats().spooled + lost).toBe(12);
    expect(spool.stats().refused).toBe(lost);
    await w.close();
    spool.close();
    await db.ds.initialize();
  });

  it('a torn last line (a crash mid-append) is skipped; the rows around it are replayed', async () => {
    const spool = new CdrSpool(dir, 10 << 20).open();
    const a = prepareCdr(uniq(), Date.now());
    spool.append([a]);
    spool.close();
    fs.appendFileSync(path.join(dir, 'cdrs.jsonl'), '["torn-uuid","fs1","inb');
    const reopened = new CdrSpool(dir, 10 << 20).open();
    const b = prepareCdr(uniq(), Date.now());
    reopened.append([b]);
    const { rows, next } = reopened.peek(10);
    expect(rows.map((r) => r.uuid)).toEqual([a.uuid, b.uuid]);
    reopened.commit(next, rows.length);
    expect(reopened.stats()).toMatchObject({ rows: 0 });
    reopened.close();
  });
});
