/**
 * CDR insert rate through CdrWriter (batched, idempotent multi-row INSERTs), on MariaDB and on embedded SQLite,
 * compared with writing the same rows one INSERT at a time.
 *
 *   npx tsx scripts/bench/cdr-insert.ts
 *
 * Prints one JSON line per engine: {"bench":"cdr-insert-mariadb","value":N,"unit":"rows/s",...}. MariaDB comes from
 * BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/switchboard_bench); that database is created and dropped here.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import type { CdrInput } from '../../src/cdr/cdr-from-event';
import { insertCdrs, prepareCdr } from '../../src/cdr/cdr-sql';
import { CdrWriter } from '../../src/cdr/cdr-writer';
import { systemClock } from '../../src/clock/clock';
import type { Config } from '../../src/config/config';
import { openDatabase } from '../../src/db/data-source';

const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306/switchboard_bench';
const ROWS = Number(process.env.BENCH_CDR_ROWS || 20_000);
const PEER_ROWS = Number(process.env.BENCH_CDR_PEER_ROWS || 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
/** The service defaults (CDR_BATCH_SIZE, CDR_FLUSH_MS). */
const BATCH_SIZE = 200;
const FLUSH_MS = 250;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const CAUSES = ['NORMAL_CLEARING', 'NORMAL_CLEARING', 'NORMAL_CLEARING', 'NO_ANSWER', 'USER_BUSY', 'ORIGINATOR_CANCEL'];

/** Rows shaped like production CDRs: an inbound leg from a carrier to a queue, variables included. */
function realisticRows(count: number, round: number, tag: string): CdrInput[] {
  const t0 = Date.UTC(2026, 0, 1) + round * 86_400_000;
  return Array.from({ length: count }, (_, i) => {
    const start = t0 + i * 137;
    const cause = CAUSES[i % CAUSES.length]!;
    const answered = cause === 'NORMAL_CLEARING';
    const talk = 30 + (i % 600);
    const uuid = `${tag}${round.toString(16).padStart(2, '0')}${i.toString(16).padStart(6, '0')}-7d2c-4f3e-9a1b-8c6d5e4f3a2b`;
    return {
      uuid,
      fs_node: `fs-${(i % 3) + 1}.callcenter.example`,
      direction: 'inbound',
      caller_number: `+1${String(2_000_000_000 + ((i * 7919) % 999_999_999))}`,
      caller_name: i % 4 ? `WIRELESS CALLER` : `ACME CORP ${i % 100}`,
      destination_number: `+1800555${String(1000 + (i % 20))}`,
      callee_number: answered ? `1${String(100 + (i % 300))}` : null,
      callee_name: answered ? `Agent ${i % 300}` : null,
      context: 'public',
      channel_name: `sofia/external/+1${2_000_000_000 + i}@198.51.100.${i % 250}:5060`,
      start_at: new Date(start),
      answer_at: answered ? new Date(start + 8_000) : null,
      end_at: new Date(start + 8_000 + (answered ? talk * 1000 : 0)),
      duration_s: 8 + (answered ? talk : 0),
      billsec: answered ? talk : 0,
      wait_s: 8,
      progress_s: 1,
      answer_s: answered ? 8 : null,
      hangup_cause: cause,
      hangup_cause_q850: answered ? 16 : 19,
      sip_hangup_disposition: answered ? 'send_bye' : 'recv_cancel',
      bridged_uuid: answered ? `b${uuid.slice(1)}` : null,
      call_uuid: uuid,
      variables: {
        sip_call_id: `${i}-${round}-a3f2c1d0e9b8@198.51.100.${i % 250}`,
        sip_user_agent: 'Carrier-SBC/5.1.2',
        sip_from_host: `198.51.100.${i % 250}`,
        read_codec: 'PCMU',
        write_codec: 'PCMU',
        last_app: answered ? 'bridge' : 'playback',
        billmsec: String(talk * 1000 + (i % 1000)),
        rtp_audio_in_mos: '4.42',
        sb_queue: `support-${i % 5}`,
      },
    };
  });
}

async function clear(ds: DataSource): Promise<void> {
  await ds.query(ds.options.type === 'better-sqlite3' ? 'DELETE FROM "cdrs"' : 'TRUNCATE TABLE cdrs');
}

async function benchEngine(name: 'mariadb' | 'sqlite', db: Config['database']): Promise<Record<string, unknown>> {
  const ds = await openDatabase(db);
  try {
    const version =
      name === 'sqlite'
        ? ((await ds.query('SELECT sqlite_version() AS v')) as Array<{ v: string }>)[0]!.v
        : ((await ds.query('SELECT VERSION() AS v')) as Array<{ v: string }>)[0]!.v;
    const batched: number[] = [];
    const single: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await clear(ds);
      const rows = realisticRows(ROWS, round, 'a');
      const writer = new CdrWriter(ds, { batchSize: BATCH_SIZE, flushMs: FLUSH_MS, clock: systemClock, maxBacklog: ROWS });
      const t0 = performance.now();
      for (const r of rows) writer.enqueue(r);
      await writer.flush();
      const secs = (performance.now() - t0) / 1000;
      await writer.close();
      const stats = writer.stats();
      if (stats.written !== ROWS || stats.dropped !== 0) throw new Error(`writer wrote ${stats.written}/${ROWS}, dropped ${stats.dropped}`);
      batched.push(ROWS / secs);

      const peerRows = realisticRows(PEER_ROWS, round, 'b');
      const p0 = performance.now();
      for (const r of peerRows) await insertCdrs(ds, [prepareCdr(r, Date.now())]);
      single.push(PEER_ROWS / ((performance.now() - p0) / 1000));
    }
    const value = Math.round(median(batched));
    const peerValue = Math.round(median(single));
    return {
      bench: `cdr-insert-${name}`,
      value,
      unit: 'rows/s',
      rounds: batched.map(Math.round),
      rows: ROWS,
      batch_size: BATCH_SIZE,
      peer: 'row-at-a-time',
      peer_value: peerValue,
      peer_rounds: single.map(Math.round),
      peer_rows: PEER_ROWS,
      speedup: Math.round((value / peerValue) * 10) / 10,
      engine_version: version,
      node: process.version,
    };
  } finally {
    await ds.destroy();
  }
}

async function mysqlAdmin(sql: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const u = new URL(MYSQL_URL);
  const conn = await mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    connectTimeout: 5000,
  });
  try {
    await conn.query(sql);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

export async function runCdrInsertBench(): Promise<object[]> {
  const results: object[] = [];
  const dbName = decodeURIComponent(new URL(MYSQL_URL).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(dbName)) throw new Error(`bench database name "${dbName}" must be [A-Za-z0-9_]+`);
  try {
    await mysqlAdmin(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await mysqlAdmin(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    results.push(await benchEngine('mariadb', { type: 'mysql', url: MYSQL_URL }));
  } catch (err) {
    results.push({ bench: 'cdr-insert-mariadb', error: err instanceof Error ? err.message : String(err), unit: 'rows/s' });
  } finally {
    await mysqlAdmin(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-bench-'));
  try {
    results.push(await benchEngine('sqlite', { type: 'sqlite', file: path.join(dir, 'bench.sqlite') }));
  } catch (err) {
    results.push({ bench: 'cdr-insert-sqlite', error: err instanceof Error ? err.message : String(err), unit: 'rows/s' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  runCdrInsertBench()
    .then((results) => {
      for (const r of results) process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(results.some((r) => 'error' in r) ? 1 : 0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`cdr-insert bench: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    });
}
