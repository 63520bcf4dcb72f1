import fs from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { isUniqueViolation } from '../auth/errors';
import { systemClock, type Clock } from '../clock/clock';
import { recordAudit } from '../db/audit';
import { DialplanVersionSchema, type DialplanVersionRow } from '../db/entities/dialplan-version';
import { silentLogger, type Logger } from '../log/logger';
import { CONTEXT_NAME, DialplanService, SYSTEM_AUTHOR, auditView } from './dialplan-service';
import { validateDialplan, type DialplanIssue } from './validate';
import { buildOrdered, type OrderedNode } from './xml';

export interface ImportResult {
  /** Contexts stored as version 1. */
  imported: Array<{ context: string; files: string[] }>;
  /** Contexts not stored because a file is not a valid dialplan. */
  skipped: Array<{ context: string; files: string[]; errors: DialplanIssue[] }>;
  /** True when the table already held versions: nothing was read. */
  alreadySeeded: boolean;
}

/**
 * Seeds dialplan_versions from the dialplans the project ships (the repo's `dialplans/` folder), once: only while the
 * table is empty. Each sub-folder is a context (`dialplans/public/*.xml` -> context `public`): one file is stored as
 * written; several are merged, in file-name order, into one `<include>`. A top-level `*.xml` with a
 * `<context name="...">` root is that context. Files that fail validation are skipped and logged, never stored.
 */
export async function importShippedDialplans(
  ds: DataSource,
  dir: string,
  options: { clock?: Clock; logger?: Logger } = {},
): Promise<ImportResult> {
  const logger = (options.logger ?? silentLogger).child({ module: 'dialplan' });
  const clock = options.clock ?? systemClock;
  const result: ImportResult = { imported: [], skipped: [], alreadySeeded: false };
  const repo = ds.getRepository<DialplanVersionRow>(DialplanVersionSchema);
  if ((await repo.count()) > 0) return { ...result, alreadySeeded: true };
  if (!fs.existsSync(dir)) {
    logger.warn('no shipped dialplans to import', { dir });
    return result;
  }

  const sources = new Map<string, string[]>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!CONTEXT_NAME.test(entry.name)) continue;
      const files = fs
        .readdirSync(full)
        .filter((f) => f.endsWith('.xml'))
        .sort()
        .map((f) => path.join(full, f));
      if (files.length) sources.set(entry.name, [...(sources.get(entry.name) ?? []), ...files]);
    } else if (entry.isFile() && entry.name.endsWith('.xml')) {
      const v = validateDialplan(fs.readFileSync(full, 'utf8'));
      if (v.root === 'context' && v.context_name && CONTEXT_NAME.test(v.context_name))
        sources.set(v.context_name, [...(sources.get(v.context_name) ?? []), full]);
      else result.skipped.push({ context: entry.name, files: [full], errors: v.ok ? [{ message: 'a top-level file needs a <context name="..."> root' }] : v.errors });
    }
  }

  const service = new DialplanService(ds, { clock });
  for (const [context, files] of sources) {
    const texts = files.map((f) => fs.readFileSync(f, 'utf8'));
    let xml: string;
    if (texts.length === 1) xml = texts[0]!;
    else {
      const extensions: OrderedNode[] = [];
      const errors: DialplanIssue[] = [];
      texts.forEach((t, i) => {
        const v = validateDialplan(t, { context });
        if (!v.ok) errors.push(...v.errors.map((e) => ({ ...e, message: `${path.basename(files[i]!)}: ${e.message}` })));
        extensions.push(...v.nodes);
      });
      if (errors.length) {
        result.skipped.push({ context, files, errors });
        continue;
      }
      xml = `<!-- Imported by Switchboard from ${files.map((f) => path.basename(f)).join(', ')} -->\n` + buildOrdered([{ include: extensions }]);
    }
    const rel = files.map((f) => path.relative(path.dirname(dir), f));
    try {
      const { row } = await service.create({ context, xml, comment: `imported from ${rel.join(', ')}`.slice(0, 500) }, SYSTEM_AUTHOR);
      await recordAudit(
        ds,
        { actor_type: 'system', actor_id: null, actor_name: 'system', action: 'dialplan.import', target_type: 'dialplan', target_id: context, before: null, after: auditView(row) },
        { clock },
      );
      result.imported.push({ context, files: rel });
      logger.info('imported shipped dialplan', { context, files: rel });
    } catch (err) {
      const e = err as { issues?: DialplanIssue[]; kind?: string; message: string };
      if (e.issues) {
        result.skipped.push({ context, files: rel, errors: e.issues });
        logger.error('shipped dialplan is not valid; not imported', { context, files: rel, errors: e.issues.map((i) => i.message) });
      } else if (e.kind === 'conflict' || isUniqueViolation(err)) {
        // Another instance seeded it at the same moment.
        continue;
      } else throw err;
    }
  }
  return result;
}

