/**
 * `npm run drill -- failover [--kills 10] [--agents 10] [--queued 20] [--talk-ms 6000] [SWITCH]`
 * `npm run drill -- db-outage [--seconds 60] [--cps 20] [SWITCH]`
 * `npm run drill -- esl-drop [--when talk|ring] [--cuts 1] [--how reload|restart] [--agents 10] [--queued 20] [SWITCH]`
 *   (`--how restart`: a full FreeSWITCH restart, `fsctl shutdown restart`, instead of `reload mod_event_socket`)
 *
 * The fault drills of issue 11, against MariaDB (DRILL_DATABASE_URL, default mysql://root@127.0.0.1:3306; a
 * throwaway database switchboard_drill_<pid> is created and dropped), on a simulator of their own or, with SWITCH,
 * on a real FreeSWITCH test box reached over its event socket only (src/faults/drill-switch.ts; README "Fault
 * drills on a real FreeSWITCH"):
 *   --switch host:port:password   the event socket
 *   --caller-context public       where callers enter (00_switchboard.xml's context)
 *   --phone-context switchboard_drill   the drill context the agents' loopback phones are dialled into
 *   --xml-cdr-key sb_...          the admin API key in that switch's xml_cdr.conf.xml `cred` (failover)
 *   --ports 8081,8082             the instances' HTTP ports (xml_cdr.conf.xml's urls; esl-drop uses the first)
 * Progress goes to stderr; one JSON line of figures to stdout, e.g. {"drill":"failover","failover_ms_p50":...}.
 * Exits 1 when a figure that must be zero is not (lost or duplicated CDRs, dropped callers, stuck agents) or a
 * failover took more than 5 s.
 */
import mysql from 'mysql2/promise';
import { runDbOutage } from '../src/faults/db-outage';
import { runEslDrop } from '../src/faults/esl-drop';
import { runFailover } from '../src/faults/failover';
import type { DrillTarget } from '../src/faults/drill-switch';
import { numberOption, textOption } from './cli-options';

/** The --switch ... options: a real FreeSWITCH to drill on, or undefined (the drill's own simulator). */
function switchTarget(): DrillTarget | undefined {
  const spec = textOption('--switch');
  if (spec === undefined) return undefined;
  const m = /^([^:]+):(\d+):(.+)$/.exec(spec);
  if (!m) throw new Error('--switch needs host:port:password');
  const ports = textOption('--ports')?.split(',').map(Number);
  if (ports && (ports.length !== 2 || ports.some((p) => !Number.isInteger(p) || p <= 0 || p > 65535))) throw new Error('--ports needs two ports, e.g. 8081,8082');
  return {
    esl: { host: m[1]!, port: Number(m[2]), password: m[3]! },
    callerContext: textOption('--caller-context'),
    phoneContext: textOption('--phone-context'),
    xmlCdrKey: textOption('--xml-cdr-key'),
    ports,
  };
}

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
        target: switchTarget(),
        progress,
      }),
    );
    process.stdout.write(`${JSON.stringify({ drill: 'failover', ...figures })}\n`);
    const bad = figures.dropped + figures.cdrs_lost + figures.cdrs_duplicated + figures.stuck_agents > 0 || figures.failover_ms_max > 5000;
    process.exitCode = bad ? 1 : 0;
    return;
  }
  if (scenario === 'db-outage') {
    const figures = await withDatabase((databaseUrl) => runDbOutage({ databaseUrl, seconds: numberOption('--seconds', 60), cps: numberOption('--cps', 20), target: switchTarget(), progress }));
    process.stdout.write(`${JSON.stringify({ drill: 'db-outage', ...figures })}\n`);
    process.exitCode = figures.cdrs_lost + figures.cdrs_duplicated + figures.dropped > 0 || figures.health_during !== 'degraded' ? 1 : 0;
    return;
  }
  if (scenario === 'esl-drop') {
    const when = textOption('--when') ?? 'talk';
    if (when !== 'talk' && when !== 'ring') throw new Error('--when is talk or ring');
    const how = textOption('--how') ?? 'reload';
    if (how !== 'reload' && how !== 'restart') throw new Error('--how is reload or restart');
    const figures = await withDatabase((databaseUrl) =>
      runEslDrop({ databaseUrl, when, how, cuts: numberOption('--cuts', 1), agents: numberOption('--agents', 10), queued: numberOption('--queued', 20), target: switchTarget(), progress }),
    );
    process.stdout.write(`${JSON.stringify({ drill: 'esl-drop', ...figures })}\n`);
    const common = figures.cdrs_lost + figures.cdrs_duplicated + figures.stuck_agents + figures.open_queue_calls > 0;
    // A restart ends every call by design: what must hold is that nothing is lost or stuck and the next callers get agents.
    const bad =
      how === 'restart'
        ? common || figures.after_restart_answered !== figures.after_restart_callers
        : common || figures.talks_broken + figures.waiting_lost > 0 || figures.answered !== figures.callers;
    process.exitCode = bad ? 1 : 0;
    return;
  }
  process.stderr.write('usage: npm run drill -- failover [--kills N] [--agents N] [--queued N] [--talk-ms MS] | db-outage [--seconds S] [--cps N] | esl-drop [--when talk|ring] [--cuts N] [--how reload|restart]\n' +
      '  on a real FreeSWITCH: --switch host:port:password [--caller-context public] [--phone-context switchboard_drill] [--xml-cdr-key sb_...] [--ports A,B]\n');
  process.exitCode = 2;
}

main().catch((err: unknown) => {
  process.stderr.write(`drill failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
