/**
 * `npm run cdr:import -- DIR [--move DONE_DIR]`: loads the CDR files mod_xml_cdr kept in its err-log-dir (posts that
 * failed while no service instance answered: `<uuid>.cdr.xml`, `a_<uuid>.cdr.xml`) into the database of this
 * environment's config (DATABASE_URL / DATA_DIR), through the same mapping as the service. Idempotent: a leg that
 * already has a row is skipped, so it can run again, or while the service runs. Prints one JSON summary line.
 *   FREESWITCH node names: `--node NAME` (default: each document's switchname).
 */
import fs from 'node:fs';
import path from 'node:path';
import { cdrFromHangupComplete } from '../src/cdr/cdr-from-event';
import { insertCdrs, prepareCdr } from '../src/cdr/cdr-sql';
import { parseXmlCdr, XmlCdrError } from '../src/cdr/xml-cdr';
import { loadConfig } from '../src/config/config';
import { openDatabase } from '../src/db/data-source';
import { silentLogger } from '../src/log/logger';

export interface CdrImportSummary {
  files: number;
  inserted: number;
  duplicates: number;
  invalid: number;
  invalid_files: string[];
}

export async function importCdrFiles(ds: Parameters<typeof insertCdrs>[0], dir: string, opts: { node?: string; moveTo?: string } = {}): Promise<CdrImportSummary> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cdr.xml')).sort();
  const summary: CdrImportSummary = { files: files.length, inserted: 0, duplicates: 0, invalid: 0, invalid_files: [] };
  for (const f of files) {
    const file = path.join(dir, f);
    let row;
    try {
      const { event, switchName } = parseXmlCdr(fs.readFileSync(file, 'utf8'));
      const cdr = cdrFromHangupComplete(event, opts.node ?? switchName ?? 'unknown');
      if (!cdr) throw new XmlCdrError('no usable leg data');
      row = prepareCdr(cdr, Date.now());
    } catch (err) {
      if (!(err instanceof XmlCdrError)) throw err;
      summary.invalid++;
      summary.invalid_files.push(f);
      continue;
    }
    const n = await insertCdrs(ds, [row]);
    summary.inserted += n;
    summary.duplicates += 1 - n;
    if (opts.moveTo) {
      fs.mkdirSync(opts.moveTo, { recursive: true });
      fs.renameSync(file, path.join(opts.moveTo, f));
    }
  }
  return summary;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--move' && args[args.indexOf(a) - 1] !== '--node');
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  if (!dir || !fs.existsSync(dir)) {
    process.stderr.write('usage: npm run cdr:import -- DIR [--move DONE_DIR] [--node NAME]\n');
    process.exit(2);
  }
  const config = loadConfig(process.env);
  const ds = await openDatabase(config.database, { logger: silentLogger });
  try {
    const summary = await importCdrFiles(ds, dir, { node: value('--node'), moveTo: value('--move') });
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    if (summary.invalid) process.exitCode = 1;
  } finally {
    await ds.destroy();
  }
}

if (require.main === module) void main();
