/**
 * Applies pending database migrations (`npm run migrate`), or reverts the last one (`npm run migrate -- --revert`).
 * `--status` lists applied and pending migrations without changing anything.
 *
 * The database comes from the usual environment: DATABASE_URL (mysql://, mariadb://, sqlite:) or, when unset, the
 * embedded SQLite file in DATA_DIR. The service also applies pending migrations at start-up; this script is for
 * operators (e.g. run before a rolling upgrade, or to roll a schema change back).
 */
import { loadConfig } from '../src/config/config';
import { createDataSource, describeDatabase } from '../src/db/data-source';
import { createLogger } from '../src/log/logger';

type Mode = 'up' | 'revert' | 'status';

function parseArgs(argv: string[]): Mode {
  let mode: Mode = 'up';
  for (const a of argv) {
    if (a === '--revert' || a === '--down') mode = 'revert';
    else if (a === '--status' || a === '--show') mode = 'status';
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npm run migrate [-- --revert | --status]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (expected --revert or --status)`);
  }
  return mode;
}

async function main(): Promise<void> {
  const mode = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, format: config.log.format });
  const ds = createDataSource(config.database, { logger });
  await ds.initialize();
  const where = describeDatabase(config.database);
  try {
    if (mode === 'status') {
      const executed = new Set(
        ((await ds.query(`SELECT name FROM ${ds.driver.escape('migrations')}`).catch(() => [])) as Array<{ name: string }>).map((r) => r.name),
      );
      for (const m of ds.migrations) {
        const name = m.name ?? m.constructor.name;
        process.stdout.write(`${executed.has(name) ? 'applied' : 'pending'}  ${name}\n`);
      }
    } else if (mode === 'revert') {
      const before = await appliedNames(ds);
      await ds.undoLastMigration({ transaction: 'each' });
      const after = await appliedNames(ds);
      const reverted = before.filter((n) => !after.includes(n));
      process.stdout.write(reverted.length ? `reverted ${reverted.join(', ')} on ${where}\n` : `nothing to revert on ${where}\n`);
    } else {
      const applied = await ds.runMigrations({ transaction: 'each' });
      process.stdout.write(
        applied.length
          ? `applied ${applied.length} migration(s) on ${where}: ${applied.map((m) => m.name).join(', ')}\n`
          : `no pending migrations on ${where}\n`,
      );
    }
  } finally {
    await ds.destroy();
  }
}

async function appliedNames(ds: import('typeorm').DataSource): Promise<string[]> {
  try {
    const rows = (await ds.query(`SELECT name FROM ${ds.driver.escape('migrations')}`)) as Array<{ name: string }>;
    return rows.map((r) => r.name);
  } catch {
    return [];
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
