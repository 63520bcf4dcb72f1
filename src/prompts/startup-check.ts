/**
 * Start-up check of the prompt files: each time a FreeSWITCH node connects, ask it `file_exists <path>` for every
 * file the service's flows, queues, ACD announcements and campaigns play, and warn once per missing file. On a real
 * switch a missing prompt does not fail loudly: playback answers `FILE NOT FOUND` and play_and_get_digits returns at
 * once without digits, so a menu burns its retries in under a second and hangs up. The result per node is kept for
 * /healthz (`prompts`) and the `switchboard_prompt_files_missing{node}` gauge.
 */
import { Gauge, type Registry } from 'prom-client';
import type { FsCommand } from '../freeswitch';
import { fileExists } from '../freeswitch';
import type { Logger } from '../log/logger';

/** The part of an ESL client the check needs. */
export interface PromptCheckClient {
  api(cmd: FsCommand, opts?: { timeoutMs?: number }): Promise<{ ok: boolean; body: string }>;
}

export interface NodePromptReport {
  node: string;
  /** ISO 8601 time of the check. */
  checked_at: string;
  checked: number;
  missing: string[];
  /** The check could not finish (connection lost, refused command): what is known so far is kept. */
  error?: string;
}

export interface PromptCheckOptions {
  /** The files to check, read at each check (flows and queues change). */
  files(): Promise<string[]> | string[];
  client(node: string): PromptCheckClient;
  logger: Logger;
  now(): number;
  /** Where `switchboard_prompt_files_missing{node}` is registered. */
  registry?: Registry;
  commandTimeoutMs?: number;
}

/** Absolute file paths among media references (streams and file_string parts are left out or split). */
export function playableFiles(refs: Iterable<string | null | undefined>): string[] {
  const out = new Set<string>();
  for (const r of refs) {
    if (typeof r !== 'string') continue;
    if (r.startsWith('file_string://')) for (const p of r.slice('file_string://'.length).split('!')) if (p.startsWith('/')) out.add(p);
    if (r.startsWith('/')) out.add(r);
  }
  return [...out].sort();
}

/** Every `{ kind: 'file', path }` in a flow document (play, menu, collect and voicemail media alike). */
export function flowFiles(document: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.kind === 'file' && typeof o.path === 'string') out.push(o.path);
      else Object.values(o).forEach(walk);
    }
  };
  walk(document);
  return out;
}

export class PromptFileCheck {
  private readonly reports = new Map<string, NodePromptReport>();
  private readonly running = new Map<string, Promise<NodePromptReport>>();
  private readonly log: Logger;
  private readonly gauge?: Gauge<'node'>;

  constructor(private readonly o: PromptCheckOptions) {
    this.log = o.logger.child({ module: 'prompt-check' });
    if (o.registry) {
      this.gauge = new Gauge({
        name: 'switchboard_prompt_files_missing',
        help: 'Prompt files the service plays that the FreeSWITCH node does not have (file_exists at connect)',
        labelNames: ['node'] as const,
        registers: [o.registry],
      });
    }
  }

  /** The last report of every node checked. */
  report(): NodePromptReport[] {
    return [...this.reports.values()].sort((a, b) => a.node.localeCompare(b.node));
  }

  /** Missing files over all nodes (a file missing on two nodes counts twice). */
  missingCount(): number {
    return this.report().reduce((n, r) => n + r.missing.length, 0);
  }

  /** Checks one node (a check already running for it is shared). Never rejects. */
  check(node: string): Promise<NodePromptReport> {
    let p = this.running.get(node);
    if (!p) {
      p = this.run(node).finally(() => this.running.delete(node));
      this.running.set(node, p);
    }
    return p;
  }

  private async run(node: string): Promise<NodePromptReport> {
    const report: NodePromptReport = { node, checked_at: new Date(this.o.now()).toISOString(), checked: 0, missing: [] };
    try {
      const files = playableFiles(await this.o.files());
      const client = this.o.client(node);
      for (const file of files) {
        let cmd: FsCommand;
        try {
          cmd = fileExists(file);
        } catch (err) {
          this.log.warn('prompt path cannot be checked', { node, file, error: (err as Error).message });
          continue;
        }
        const reply = await client.api(cmd, { timeoutMs: this.o.commandTimeoutMs ?? 10_000 });
        if (!reply.ok) throw new Error(`file_exists refused: ${reply.body.trim()}`);
        report.checked++;
        if (reply.body.trim() !== 'true') {
          report.missing.push(file);
          this.log.warn('prompt file missing on FreeSWITCH: callers will hear nothing (npm run prompts -- --dir PROMPTS_DIR)', { node, file });
        }
      }
      if (report.missing.length === 0) this.log.info('prompt files present on FreeSWITCH', { node, checked: report.checked });
    } catch (err) {
      report.error = (err as Error).message;
      this.log.warn('prompt file check did not finish', { node, checked: report.checked, error: report.error });
    }
    this.reports.set(node, report);
    this.gauge?.set({ node }, report.missing.length);
    return report;
  }
}
