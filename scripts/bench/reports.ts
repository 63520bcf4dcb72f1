/**
 * Period reports (src/reports/period-report.ts) on a month of generated history in MariaDB: 1 M acd_queue_calls over
 * 100 agents in 10 teams and 20 queues (4 of them campaigns', with DIDs in their data, holds, transfers, wrap-ups), 100 k tickets in 10 categories and 50 k csat_answers. The
 * rollup (report_slots, src/reports/report-slots.ts) is then built from them, as `npm run reports:rollup` does, and
 * each month report (every dimension, buckets day, week, month and hour, America/New_York) runs 3 times through it.
 *
 *   npm run bench -- reports
 *
 * Prints {"bench":"reports-generate","ms":N} (loading the history, the rollup's triggers included),
 * {"bench":"reports-rollup-build","ms":N,"slot_rows":N}, {"bench":"reports-<dimension>-<bucket>","median_ms":N,...}
 * per report and {"bench":"reports","rows":1000000,"month_ms_max":N} (the slowest median; the target is 2,000).
 * MariaDB comes from BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/switchboard_bench); that database is
 * created, migrated and dropped here. BENCH_EXPLAIN=1: the plan and time of each statement on stderr. BENCH_KEEP=1:
 * the database stays; BENCH_REUSE=1: runs on the database a BENCH_KEEP=1 run left (migrated, not generated again; the
 * generation takes about 20 minutes on a busy 2-core machine).
 */
import { performance } from 'node:perf_hooks';
import type { DataSource } from 'typeorm';
import { sqlDateTime } from '../../src/db/entities/columns';
import { openDatabase } from '../../src/db/data-source';
import { zonedInstant } from '../../src/clock/wall-clock';
import { periodReport, periodReportStatements, REPORT_DIMENSIONS, type PeriodReportSettings } from '../../src/reports/period-report';
import { rebuildReportSlots } from '../../src/reports/report-slots';

const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306/switchboard_bench';
const ROWS = Number(process.env.BENCH_REPORT_ROWS || 1_000_000);
const ROUNDS = 3;
const BATCH = 5_000;
const AGENTS = 100;
const QUEUES = 20;
const CALLERS = 300_000;
const CATEGORIES = 10;
const TIME_ZONE = 'America/New_York';
const BUCKETS = ['day', 'week', 'month', 'hour'] as const;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function mysqlAdmin(sql: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mysql = require('mysql2/promise') as typeof import('mysql2/promise');
  const u = new URL(MYSQL_URL);
  const conn = await mysql.createConnection({ host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), connectTimeout: 5000 });
  try {
    await conn.query(sql);
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** A deterministic pseudo-random sequence (so runs are comparable). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function insertRows(ds: DataSource, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  await ds.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${rows.map(() => tuple).join(', ')}`, rows.flat());
}

async function generate(ds: DataSource, from: number, to: number): Promise<void> {
  const rnd = lcg(42);
  const span = to - from;
  const now = sqlDateTime(from);
  await insertRows(
    ds,
    'ticket_categories',
    ['parent_id', 'name', 'sla', 'active', 'created_at', 'updated_at'],
    Array.from({ length: CATEGORIES }, (_, i) => [null, `category ${i + 1}`, '{}', 1, now, now]),
  );
  const callCols = [
    'id', 'fs_node', 'queue', 'priority', 'caller_number', 'caller_name', 'entered_at', 'offered_count', 'answered_at', 'ended_at', 'agent_id', 'wait_ms', 'talk_ms',
    'outcome', 'overflow_target', 'disposition', 'notes', 'data', 'hold_ms', 'hold_count', 'transfers', 'three_way', 'wrap_ms', 'team', 'campaign_id',
  ];
  const ticketCols = ['category_id', 'priority', 'status', 'subject', 'description', 'caller_number', 'call_uuid', 'due_at', 'created_by_name', 'created_at', 'updated_at', 'resolved_at'];
  const csatCols = ['source', 'call_uuid', 'queue_call_id', 'queue', 'agent_id', 'score', 'answered_at'];
  const callbackCols = ['lead_id', 'campaign_id', 'queue', 'agent_id', 'team', 'requested_at', 'callback_at'];
  let tickets: unknown[][] = [];
  let csat: unknown[][] = [];
  let callbacks: unknown[][] = [];
  const started = performance.now();
  for (let base = 0; base < ROWS; base += BATCH) {
    const calls: unknown[][] = [];
    for (let i = base; i < Math.min(ROWS, base + BATCH); i++) {
      // Calls spread evenly over the month (in time order, as the runtime writes them).
      const entered = from + Math.floor((i / ROWS) * span);
      const id = `bench-${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
      const queue = `queue-${1 + Math.floor(rnd() * QUEUES)}`;
      const caller = `+1555${String(Math.floor(rnd() * CALLERS)).padStart(7, '0')}`;
      const r = rnd();
      const outcome = r < 0.8 ? 'answered' : r < 0.92 ? 'abandoned' : r < 0.95 ? 'overflowed' : r < 0.98 ? 'callback_requested' : 'failed';
      const wait = Math.floor(rnd() * (outcome === 'answered' ? 60_000 : 120_000));
      const talk = outcome === 'answered' ? 20_000 + Math.floor(rnd() * 600_000) : null;
      const agent = outcome === 'answered' ? 1 + Math.floor(rnd() * AGENTS) : null;
      const answeredAt = outcome === 'answered' ? sqlDateTime(entered + wait) : null;
      const did = `+1800555${String(1000 + (i % 10))}`;
      // Handling: a third of the answered calls held, 8% transferred, 2% 3-ways, wrap-ups up to a minute; teams of
      // 10 agents (the team follows the agent); the last 4 queues are campaigns' (one campaign each).
      const holds = talk !== null && rnd() < 0.3 ? 1 + Math.floor(rnd() * 2) : 0;
      const handling = [
        holds ? Math.floor(rnd() * 120_000) : 0,
        holds,
        talk !== null && rnd() < 0.08 ? 1 : 0,
        talk !== null && rnd() < 0.02 ? 1 : 0,
        talk !== null ? Math.floor(rnd() * 60_000) : null,
        agent !== null ? `team-${1 + Math.floor((agent - 1) / 10)}` : null,
        Number(queue.slice(6)) > QUEUES - 4 ? Number(queue.slice(6)) - (QUEUES - 4) : null,
      ];
      calls.push([
        id, 'fs1', queue, 0, caller, null, sqlDateTime(entered), agent ? 1 : 0, answeredAt, sqlDateTime(entered + wait + (talk ?? 0)), agent, wait, talk, outcome, null, null, null,
        JSON.stringify({ did, lang: 'en' }), ...handling,
      ]);
      if (outcome === 'answered' && i % 8 === 0) {
        const created = entered + wait + (talk ?? 0);
        const resolved = rnd() < 0.7 ? sqlDateTime(created + Math.floor(rnd() * 3 * 86_400_000)) : null;
        tickets.push([1 + Math.floor(rnd() * CATEGORIES), 'normal', resolved ? 'resolved' : 'open', 'bench', '', caller, id, sqlDateTime(created + 86_400_000), 'bench', sqlDateTime(created), sqlDateTime(created), resolved]);
      }
      // A callback scheduled after about 1 answered campaign call in 25 (6 k a month), for the agent who took it.
      if (handling[6] !== null && agent !== null && i % 25 === 2) {
        callbacks.push([1 + (i % 5000), handling[6], queue, agent, handling[5], sqlDateTime(entered + wait + (talk ?? 0)), sqlDateTime(entered + 86_400_000)]);
      }
      if (outcome === 'answered' && i % 16 === 1) csat.push(['post_call', id, id, queue, agent, 1 + Math.floor(rnd() * 5), sqlDateTime(entered + wait + (talk ?? 0) + 30_000)]);
    }
    await insertRows(ds, 'acd_queue_calls', callCols, calls);
    if (tickets.length >= BATCH) {
      await insertRows(ds, 'tickets', ticketCols, tickets);
      tickets = [];
    }
    if (csat.length >= BATCH) {
      await insertRows(ds, 'csat_answers', csatCols, csat);
      csat = [];
    }
    if (callbacks.length >= BATCH) {
      await insertRows(ds, 'callback_requests', callbackCols, callbacks);
      callbacks = [];
    }
    if ((base / BATCH) % 20 === 0) process.stderr.write(`  ${base} rows, ${Math.round((performance.now() - started) / 1000)} s\n`);
  }
  if (tickets.length) await insertRows(ds, 'tickets', ticketCols, tickets);
  if (csat.length) await insertRows(ds, 'csat_answers', csatCols, csat);
  if (callbacks.length) await insertRows(ds, 'callback_requests', callbackCols, callbacks);
  await ds.query('ANALYZE TABLE acd_queue_calls, tickets, csat_answers, callback_requests');
}

export async function runReportsBench(): Promise<object[]> {
  const dbName = decodeURIComponent(new URL(MYSQL_URL).pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(dbName)) throw new Error(`bench database name "${dbName}" must be [A-Za-z0-9_]+`);
  const reuse = !!process.env.BENCH_REUSE;
  if (!reuse) {
    await mysqlAdmin(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await mysqlAdmin(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  }
  const results: object[] = [];
  let ds: DataSource | undefined;
  try {
    ds = await openDatabase({ type: 'mysql', url: MYSQL_URL });
    // January 2026 in the center's zone.
    const from = zonedInstant(2026, 1, 1, 0, TIME_ZONE);
    const to = zonedInstant(2026, 2, 1, 0, TIME_ZONE);
    if (!reuse) {
      process.stderr.write(`  generating ${ROWS} queue calls...\n`);
      const t0 = performance.now();
      await generate(ds, from, to);
      const generatedMs = Math.round(performance.now() - t0);
      process.stderr.write(`  generated in ${Math.round(generatedMs / 1000)} s\n`);
      // The rollup's triggers run on every insert: the cost of loading history shows here.
      results.push({ bench: 'reports-generate', rows: ROWS, ms: generatedMs, engine: 'mariadb' });
    }
    const settings: PeriodReportSettings = {
      timeZone: TIME_ZONE,
      shortAbandonSec: 5,
      fcrDays: 7,
      serviceLevelSec: new Map(Array.from({ length: QUEUES }, (_, i) => [`queue-${i + 1}`, i % 2 ? 20 : 30] as [string, number])),
      defaultServiceLevelSec: 20,
      now: to + 86_400_000,
    };
    process.stderr.write('  building the rollup (report_slots)...\n');
    const tr = performance.now();
    await rebuildReportSlots(ds, settings);
    const rollupMs = Math.round(performance.now() - tr);
    const [slotRows] = (await ds.query('SELECT COUNT(*) AS n FROM report_slots')) as Array<{ n: unknown }>;
    results.push({ bench: 'reports-rollup-build', ms: rollupMs, slot_rows: Number(slotRows?.n), engine: 'mariadb' });
    let max = 0;
    for (const bucket of BUCKETS) {
      for (const dimension of REPORT_DIMENSIONS) {
        const req = { dimension, from: new Date(from), to: new Date(to), bucket };
        if (process.env.BENCH_EXPLAIN) {
          const { statements } = periodReportStatements(req, settings, 'mysql');
          for (const [name, { sql, params }] of Object.entries(statements)) {
            const plan = (await ds.query(`EXPLAIN ${sql}`, params)) as Array<Record<string, unknown>>;
            const t = performance.now();
            await ds.query(sql, params);
            process.stderr.write(`EXPLAIN ${dimension}/${bucket}/${name} (${Math.round(performance.now() - t)} ms):\n${plan.map((p) => `  ${p.table} type=${p.type} key=${p.key} rows=${p.rows} ${p.Extra ?? ''}`).join('\n')}\n`);
          }
        }
        const times: number[] = [];
        let rows = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const t = performance.now();
          rows = (await periodReport(ds, req, settings)).length;
          times.push(performance.now() - t);
        }
        const m = Math.round(median(times));
        max = Math.max(max, m);
        results.push({ bench: `reports-${dimension}-${bucket}`, median_ms: m, runs_ms: times.map(Math.round), report_rows: rows, bucket, engine: 'mariadb' });
      }
    }
    results.push({ bench: 'reports', rows: ROWS, month_ms_max: max, engine: 'mariadb' });
  } finally {
    if (ds?.isInitialized) await ds.destroy();
    // BENCH_KEEP=1 leaves the database for EXPLAIN by hand.
    if (!process.env.BENCH_KEEP) await mysqlAdmin(`DROP DATABASE IF EXISTS \`${dbName}\``).catch(() => undefined);
  }
  return results;
}
