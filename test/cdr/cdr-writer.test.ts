import Database from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { CdrWriter, type CdrWriterOptions } from '../../src/cdr/cdr-writer';
import { getCdrByUuid } from '../../src/cdr/cdr-search';
import { VirtualClock } from '../../src/clock/clock';
import { createDataSource } from '../../src/db/data-source';
import { CdrSchema } from '../../src/db/entities';
import { describeEachEngine, type TestDatabase } from '../helpers/databases';
import { captureLogger, sampleCdr, settle, TcpProxy, waitFor, type LogEntry } from './helpers';

const count = (ds: DataSource) => ds.getRepository(CdrSchema).count();

describeEachEngine('CdrWriter', (engine) => {
  let db: TestDatabase;
  let clock: VirtualClock;
  let entries: LogEntry[];
  let writer: CdrWriter;
  let written: number[];
  let n = 0;
  const uniq = (over = {}) => sampleCdr(++n, over);

  beforeAll(async () => {
    db = await engine.open();
  });
  afterAll(() => db?.close());

  const make = (options: Partial<CdrWriterOptions> = {}, ds: DataSource = db.ds) => {
    clock = new VirtualClock();
    const cap = captureLogger();
    entries = cap.entries;
    written = [];
    writer = new CdrWriter(ds, {
      batchSize: 3,
      flushMs: 250,
      clock,
      logger: cap.logger,
      onWritten: (c) => written.push(c),
      ...options,
    });
    return writer;
  };

  beforeEach(async () => {
    if (!db.ds.isInitialized) await db.ds.initialize();
    await db.ds.getRepository(CdrSchema).clear();
  });

  it('writes a partial batch flushMs after its first row, not before', async () => {
    make();
    writer.enqueue(uniq());
    clock.advance(100);
    writer.enqueue(uniq());
    clock.advance(149);
    await settle();
    expect(await count(db.ds)).toBe(0);
    expect(writer.stats()).toMatchObject({ queued: 2, written: 0 });
    clock.advance(1);
    await waitFor(() => writer.stats().written === 2);
    expect(await count(db.ds)).toBe(2);
    expect(written).toEqual([2]);
    expect(clock.pending()).toBe(0);
  });

  it('writes full batches at once, one INSERT per batch, without waiting for the timer', async () => {
    make();
    for (let i = 0; i < 7; i++) writer.enqueue(uniq());
    await waitFor(() => writer.stats().written === 6);
    expect(written).toEqual([3, 3]);
    expect(writer.stats().queued).toBe(1);
    clock.advance(250);
    await waitFor(() => writer.stats().written === 7);
    expect(written).toEqual([3, 3, 1]);
    expect(await count(db.ds)).toBe(7);
  });

  it('stores what it was given (times with ms, nulls, variables JSON)', async () => {
    make();
    const input = uniq({ caller_name: "O'Brien \"Bob\" 😀", answer_at: null, variables: { sb_note: 'a,b;c' } });
    input.start_at = new Date(Date.UTC(2026, 4, 6, 7, 8, 9, 123));
    writer.enqueue(input);
    await writer.flush();
    const row = (await getCdrByUuid(db.ds, input.uuid))!;
    expect(row).toMatchObject({ ...input, id: expect.any(Number) });
    expect(row.start_at.toISOString()).toBe('2026-05-06T07:08:09.123Z');
    expect(row.created_at.getTime()).toBe(clock.now());
    expect(row.queue_call_id).toBeNull();
  });

  it('is idempotent: a replayed CDR (same uuid) never makes a second row, in one batch or across batches', async () => {
    make();
    const a = uniq();
    writer.enqueue(a);
    writer.enqueue({ ...a, hangup_cause: 'REPLAYED' });
    writer.enqueue(uniq());
    await waitFor(() => writer.stats().queued === 0);
    writer.enqueue({ ...a, caller_number: '999' });
    await writer.flush();
    expect(await count(db.ds)).toBe(2);
    expect(writer.stats()).toMatchObject({ written: 2, duplicates: 2, failedBatches: 0, dropped: 0 });
    expect((await getCdrByUuid(db.ds, a.uuid))!.hangup_cause).toBe(a.hangup_cause);
  });

  it('keeps the batch through a database outage, retries with doubling backoff, and recovers', async () => {
    make({ retryInitialMs: 500, retryMaxMs: 2000 });
    await db.ds.destroy();
    const rows = [uniq(), uniq()];
    rows.forEach((r) => writer.enqueue(r));
    expect(() => writer.enqueue(uniq())).not.toThrow(); // fills the batch: written now, fails now
    await waitFor(() => writer.stats().failedBatches === 1);
    expect(writer.stats()).toMatchObject({ queued: 3, written: 0, retrying: true, dropped: 0 });
    expect(writer.stats().lastError).toMatch(/not open|closed|not established|Pool/i);
    clock.advance(499);
    await settle();
    expect(writer.stats().failedBatches).toBe(1);
    clock.advance(1);
    await waitFor(() => writer.stats().failedBatches === 2);
    clock.advance(999); // second delay is 1000 ms
    await settle();
    expect(writer.stats().failedBatches).toBe(2);
    await db.ds.initialize();
    clock.advance(1);
    await waitFor(() => writer.stats().written === 3);
    expect(writer.stats()).toMatchObject({ queued: 0, retrying: false, lastError: null, dropped: 0 });
    expect(await count(db.ds)).toBe(3);
    expect(entries.filter((e) => e.level === 'warn' && /retrying/.test(e.message))).toHaveLength(2);
    expect(entries.some((e) => e.level === 'info' && /recovered/.test(e.message))).toBe(true);
  });

  it('bounds the backlog: beyond it CDRs are dropped, counted and logged at error level, never silently', async () => {
    const drops: number[] = [];
    make({ batchSize: 2, maxBacklog: 5, onDropped: (c) => drops.push(c) });
    await db.ds.destroy();
    const rows = Array.from({ length: 8 }, () => uniq());
    for (const r of rows) expect(() => writer.enqueue(r)).not.toThrow();
    expect(writer.stats()).toMatchObject({ queued: 5, dropped: 3 });
    expect(drops).toEqual([1, 1, 1]);
    const errors = () => entries.filter((e) => e.level === 'error' && /dropped/.test(e.message));
    expect(errors()).toHaveLength(1); // the first drop at once ...
    expect(errors()[0]).toMatchObject({ count: 1, uuids: [rows[5]!.uuid], reason: 'backlog_full' });
    clock.advance(10_000); // ... the rest summed up within 10 s
    expect(errors()).toHaveLength(2);
    expect(errors()[1]).toMatchObject({ count: 2, totalDropped: 3, uuids: [rows[6]!.uuid, rows[7]!.uuid] });
    await db.ds.initialize();
    await writer.flush();
    expect(await count(db.ds)).toBe(5);
    expect(writer.stats()).toMatchObject({ queued: 0, written: 5, dropped: 3 });
  });

  it('isolates a row the database refuses (bad data): the others are written, that one dropped and logged', async () => {
    make();
    const bad = uniq({ hangup_cause: null as never });
    const good = [uniq(), uniq()];
    writer.enqueue(good[0]!);
    writer.enqueue(bad);
    writer.enqueue(good[1]!);
    await waitFor(() => writer.stats().queued === 0);
    expect(writer.stats()).toMatchObject({ written: 2, rejected: 1, dropped: 1, failedBatches: 1 });
    expect(await count(db.ds)).toBe(2);
    expect(entries.find((e) => e.level === 'error' && e.uuid === bad.uuid)).toBeDefined();
  });

  it('flush() rejects while the database is down and keeps the rows; close() writes what is queued', async () => {
    make();
    writer.enqueue(uniq());
    await db.ds.destroy();
    await expect(writer.flush()).rejects.toThrow();
    expect(writer.stats().queued).toBe(1);
    await db.ds.initialize();
    writer.enqueue(uniq());
    await writer.close();
    expect(await count(db.ds)).toBe(2);
    expect(clock.pending()).toBe(0);
    writer.enqueue(uniq()); // after close: dropped, loudly
    expect(writer.stats().dropped).toBe(1);
    expect(entries.some((e) => e.level === 'error' && e.reason === 'closed')).toBe(true);
  });

  it('close() with the database down drops the unwritten CDRs and logs them in full', async () => {
    make();
    const rows = [uniq(), uniq()];
    rows.forEach((r) => writer.enqueue(r));
    await db.ds.destroy();
    await expect(writer.close()).resolves.toBeUndefined();
    expect(writer.stats()).toMatchObject({ queued: 0, dropped: 2 });
    const logged = entries.find((e) => e.level === 'error' && /closed with unwritten/.test(e.message))!;
    expect(logged.count).toBe(2);
    expect(JSON.stringify(logged.cdrs)).toContain(rows[1]!.uuid);
  });

  it('enqueue never throws, even for garbage', async () => {
    make();
    expect(() => writer.enqueue(null as never)).not.toThrow();
    expect(() => writer.enqueue({} as never)).not.toThrow();
    expect(() => writer.enqueue({ uuid: 'x', start_at: 'not a date' } as never)).not.toThrow();
    expect(writer.stats().dropped).toBeGreaterThanOrEqual(2);
    await writer.close();
  });

  it('writes a large backlog in batches after recovery, in order', async () => {
    make({ batchSize: 200, maxBacklog: 10_000 });
    const rows = Array.from({ length: 1_050 }, () => uniq());
    rows.forEach((r) => writer.enqueue(r));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 1_050, queued: 0 });
    expect(written).toEqual([200, 200, 200, 200, 200, 50]);
    const ids = await db.ds.getRepository(CdrSchema).find({ select: { id: true, uuid: true }, order: { id: 'ASC' } });
    expect(ids.map((r) => r.uuid)).toEqual(rows.map((r) => r.uuid));
  });

  if (engine.name === 'sqlite') {
    it('retries while another process holds the SQLite write lock (SQLITE_BUSY)', async () => {
      const other = await engine.open({ busyTimeoutMs: 20 });
      const locker = new Database((other.config as { file: string }).file);
      try {
        make({ retryInitialMs: 100 }, other.ds);
        locker.exec('BEGIN EXCLUSIVE');
        writer.enqueue(uniq());
        clock.advance(250);
        await waitFor(() => writer.stats().failedBatches === 1);
        expect(writer.stats().lastError).toMatch(/locked|busy/i);
        locker.exec('COMMIT');
        clock.advance(100);
        await waitFor(() => writer.stats().written === 1);
        expect(await count(other.ds)).toBe(1);
      } finally {
        locker.close();
        await other.close();
      }
    });
  }

  if (engine.name === 'mariadb') {
    it('survives the MariaDB connection being cut (proxy down) and reconnects', async () => {
      const url = new URL((db.config as { url: string }).url);
      const proxy = new TcpProxy(url.hostname, Number(url.port || 3306));
      await proxy.start();
      url.port = String(proxy.port);
      const proxied = createDataSource({ type: 'mysql', url: url.toString() }, { poolSize: 2 });
      await proxied.initialize();
      try {
        make({ retryInitialMs: 200 }, proxied);
        writer.enqueue(uniq());
        await writer.flush();
        await proxy.stop();
        writer.enqueue(uniq());
        clock.advance(250);
        await waitFor(() => writer.stats().failedBatches >= 1);
        expect(writer.stats()).toMatchObject({ queued: 1, retrying: true });
        await proxy.start();
        for (let i = 0; i < 10 && writer.stats().queued > 0; i++) {
          clock.advance(10_000);
          await waitFor(() => writer.stats().queued === 0 || writer.stats().retrying, 5000);
        }
        expect(writer.stats()).toMatchObject({ queued: 0, written: 2, dropped: 0 });
        expect(await count(db.ds)).toBe(2);
      } finally {
        await proxied.destroy().catch(() => undefined);
        await proxy.stop();
      }
    });
  }
});
