import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FreeSwitchCluster } from '../freeswitch/cluster';
import { reloadXml } from '../freeswitch/api';
import type { Logger } from '../log/logger';
import { silentLogger } from '../log/logger';
import { DialplanInvalidError, type DialplanService } from './dialplan-service';
import { asIncludeText, validateDialplan, type DialplanIssue } from './validate';

/** The file each context is written to: `<dir>/<context>/00_switchboard.xml`, as in the repo's dialplans/. */
export const DIALPLAN_FILE = '00_switchboard.xml';

export interface NodeReloadResult {
  node: string;
  ok: boolean;
  /** FreeSWITCH's reply (`+OK [Success]`), or why the node could not be asked. */
  reply: string;
}

export interface ApplyResult {
  dir: string;
  written: Array<{ context: string; version: number; sha256: string; path: string }>;
  /** Files of deleted contexts that were removed. */
  removed: Array<{ context: string; path: string }>;
  nodes: NodeReloadResult[];
}

export interface ApplyOptions {
  dir: string;
  cluster?: FreeSwitchCluster;
  logger?: Logger;
  /** Longest wait for each node's reloadxml reply (default 10 s). */
  reloadTimeoutMs?: number;
}

/** Writes `content` to `file` atomically: a temp file in the same folder, fsync, rename over the target. */
export function writeFileAtomic(file: string, content: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    fs.writeFileSync(fd, content, 'utf8');
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
    fs.closeSync(dfd);
  } catch {
    // Not every platform lets a directory be fsynced; the rename is still atomic.
  }
}

/** Puts a "written by Switchboard" comment after any XML declaration. */
function withHeader(xml: string, version: number, sha: string): string {
  const header = `<!-- Written by Switchboard (dialplan version ${version}, sha256 ${sha}). Change it through /api/v1/dialplans: edits here are overwritten. -->\n`;
  const decl = /^\s*<\?xml[^?]*\?>\s*/.exec(xml);
  const body = xml.endsWith('\n') ? xml : xml + '\n';
  return decl ? body.slice(0, decl[0].length) + header + body.slice(decl[0].length) : header + body;
}

/** Runs `reloadxml` on every node of the cluster at once; a node that is down or fails is reported, not thrown. */
export async function reloadXmlEverywhere(cluster: FreeSwitchCluster | undefined, timeoutMs = 10_000): Promise<NodeReloadResult[]> {
  if (!cluster) return [];
  return Promise.all(
    cluster.nodeNames().map(async (node): Promise<NodeReloadResult> => {
      try {
        const client = cluster.client(node);
        if (client.status !== 'ready') return { node, ok: false, reply: `not connected (status ${client.status})` };
        const reply = await client.api(reloadXml(), { timeoutMs });
        const text = reply.body.trim();
        return { node, ok: reply.ok && text.startsWith('+OK'), reply: text };
      } catch (err) {
        return { node, ok: false, reply: (err as Error).message };
      }
    }),
  );
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Writes every live context to `<dir>/<context>/00_switchboard.xml` (atomically), removes the files of deleted
 * contexts, then runs reloadxml on every FreeSWITCH node. Every context is validated again first: when one fails,
 * nothing is written and DialplanInvalidError is thrown. Applies run one at a time.
 */
export function applyDialplans(service: DialplanService, options: ApplyOptions): Promise<ApplyResult> {
  const run = queue.then(() => applyNow(service, options));
  queue = run.catch(() => undefined);
  return run;
}

async function applyNow(service: DialplanService, options: ApplyOptions): Promise<ApplyResult> {
  const logger = (options.logger ?? silentLogger).child({ module: 'dialplan' });
  const dir = path.resolve(options.dir);
  const rows = await service.latestAll();
  const live = rows.filter((r) => !r.deleted);

  const outputs: Array<{ context: string; version: number; sha256: string; path: string; content: string }> = [];
  const issues: DialplanIssue[] = [];
  for (const row of live) {
    const v = validateDialplan(row.xml, { context: row.context });
    if (!v.ok) {
      issues.push(...v.errors.map((e) => ({ ...e, message: `context "${row.context}" version ${row.version}: ${e.message}` })));
      continue;
    }
    const file = path.join(dir, row.context, DIALPLAN_FILE);
    if (path.dirname(path.dirname(file)) !== dir) throw new Error(`context "${row.context}" would be written outside ${dir}`);
    outputs.push({ context: row.context, version: Number(row.version), sha256: row.sha256, path: file, content: withHeader(asIncludeText(row.xml, v), Number(row.version), row.sha256) });
  }
  if (issues.length) throw new DialplanInvalidError(issues);

  const result: ApplyResult = { dir, written: [], removed: [], nodes: [] };
  for (const o of outputs) {
    writeFileAtomic(o.path, o.content);
    result.written.push({ context: o.context, version: o.version, sha256: o.sha256, path: o.path });
  }
  for (const row of rows.filter((r) => r.deleted)) {
    const file = path.join(dir, row.context, DIALPLAN_FILE);
    if (path.dirname(path.dirname(file)) !== dir || !fs.existsSync(file)) continue;
    fs.rmSync(file, { force: true });
    try {
      fs.rmdirSync(path.dirname(file));
    } catch {
      // The folder holds other files: leave it.
    }
    result.removed.push({ context: row.context, path: file });
  }
  result.nodes = await reloadXmlEverywhere(options.cluster, options.reloadTimeoutMs);
  logger.info('dialplans applied', {
    dir,
    written: result.written.map((w) => `${w.context}@v${w.version}`),
    removed: result.removed.map((r) => r.context),
    nodes: result.nodes.map((n) => `${n.node}:${n.ok ? 'ok' : 'failed'}`),
  });
  return result;
}
