/**
 * `npm run drill -- failover [--kills 10] [--agents 10] [--queued 20] [--talk-ms 6000]`
 * `npm run drill -- db-outage [--seconds 60] [--cps 20]`
 *
 * The fault drills of issue 11 on the simulator, against MariaDB (DRILL_DATABASE_URL, default
 * mysql://root@127.0.0.1:3306; a throwaway database switchboard_drill_<pid> is created and dropped). Progress goes
 * to stderr; one JSON line of figures to stdout, e.g. {"drill":"failover","failover_p50_ms":...}. Exits 1 when a
 * figure that must be zero is not (lost or duplicated CDRs, dropped callers, stuck agents) or a failover took more
 * than 5 s.
 */
import mysql from 'mysql2/promise';
import { runDbOutage } from '../src/faults/db-outage';
import { runFailover } from '../src/faults/failover';
import { numberOption } from './cli-options';

async function withDatabase<T>(body: (url: string) => Promise<T>): Promise<T> {
  const base = new URL(process.env.DRILL_DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/');
  const name = `switchboard_drill_${process.pid}`;
  const conn = await mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
  await conn.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  try {
    base.pathname = `/${name}`;
    return await body(base.toString());
  } finally {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => undefined);
    await conn.end();
  }
}

async function main(): Promise<void> {
  const scenario = process.argv[2];
  const progress = (line: string): void => void process.stderr.write(`${line}\n`);
  if (scenario === 'failover') {
    const figures = await withDatabase((databaseUrl) =>
      runFailover({
        databaseUrl,
        kills: numberOption('--kills', 10),
        agents: numberOption('--agents', 10),
        queued: numberOption('--queued', 20),
        talkMs: numberOption('--talk-ms', 6000),
        progress,
      }),
    );
    process.stdout.write(`${JSON.stringify({ drill: 'failover', ...figures })}\n`);
    const bad = figures.dropped + figures.cdrs_lost + figures.cdrs_duplicated + figures.stuck_agents > 0 || figures.failover_max_ms > 5000;
    process.exitCode = bad ? 1 : 0;
    return;
  }
  if (scenario === 'db-outage') {
    const figures = await withDatabase((databaseUrl) => runDbOutage({ databaseUrl, seconds: numberOption('--seconds', 60), cps: numberOption('--cps', 20), progress }));
    process.stdout.write(`${JSON.stringify({ drill: 'db-outage', ...figures })}\n`);
    process.exitCode = figures.cdrs_lost + figures.cdrs_duplicated + figures.dropped > 0 || figures.health_during !== 'degraded' ? 1 : 0;
    return;
  }
  process.stderr.write('usage: npm run drill -- failover [--kills N] [--agents N] [--queued N] [--talk-ms MS] | db-outage [--seconds S] [--cps N]\n');
  process.exitCode = 2;
}

main().catch((err: unknown) => {
  process.stderr.write(`drill failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
