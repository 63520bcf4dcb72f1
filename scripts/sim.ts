/**
 * Runs the FreeSWITCH simulator on its own, for the demo and manual testing:
 *   npx tsx scripts/sim.ts [--port 8021] [--host 127.0.0.1] [--password ClueCon] [--control-port 8099] [--seed 1]
 *                          [--heartbeat-ms 20000] [--softphones 1000-1019] [--acl 127.0.0.1,10.0.0.0/8] [--api-expansion true]
 * Prints its URLs as one JSON line on stdout; logs go to stderr. Ctrl-C stops it.
 */
import { createLogger } from '../src/log/logger';
import { startSimulator } from '../src/simulator';

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) out.set(a.slice(2), argv[++i]!);
    else out.set(a.slice(2), 'true');
  }
  return out;
}

function parseRange(spec: string): string[] {
  const out: string[] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(\d+)-(\d+)$/.exec(part);
    if (m) for (let n = Number(m[1]); n <= Number(m[2]); n++) out.push(String(n));
    else out.push(part);
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.has('help')) {
    process.stderr.write(
      'usage: npx tsx scripts/sim.ts [--port 8021] [--host 127.0.0.1] [--password ClueCon] [--control-port 8099] ' +
        '[--seed N] [--heartbeat-ms 20000] [--softphones 1000-1019] [--acl list] [--api-expansion true]\n',
    );
    return;
  }
  const logger = createLogger({ level: args.get('log-level') ?? 'info' });
  const softphones: Record<string, object> = {};
  for (const ext of parseRange(args.get('softphones') ?? '')) softphones[ext] = {};
  const sim = await startSimulator({
    port: Number(args.get('port') ?? 8021),
    host: args.get('host') ?? '127.0.0.1',
    password: args.get('password') ?? 'ClueCon',
    controlHttpPort: Number(args.get('control-port') ?? 8099),
    seed: Number(args.get('seed') ?? Date.now() % 2 ** 31),
    heartbeatMs: Number(args.get('heartbeat-ms') ?? 20000),
    acl: args.get('acl')?.split(',').map((s) => s.trim()),
    // --api-expansion true: FreeSWITCH's default; the README's hardening (and this default) is off.
    apiExpansion: args.get('api-expansion') === 'true',
    softphones,
    logger,
  });
  process.stdout.write(
    JSON.stringify({ esl: `${sim.host}:${sim.port}`, password: sim.password, controlUrl: sim.controlUrl }) + '\n',
  );
  const stop = (): void => {
    void sim.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`simulator failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
