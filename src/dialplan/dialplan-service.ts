import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { ServiceError, isUniqueViolation } from '../auth/errors';
import type { Principal } from '../auth/principal';
import { systemClock, type Clock } from '../clock/clock';
import { DIALPLAN_LIMITS, DialplanVersionSchema, type DialplanVersionRow } from '../db/entities/dialplan-version';
import { diffText, type Hunk } from './line-diff';
import { validateDialplan, type DialplanExtension, type DialplanIssue, type DialplanValidation } from './validate';

/** A context name: as FreeSWITCH contexts and folder names allow; `apply` and `validate` are API actions. */
export const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const RESERVED_CONTEXTS = new Set(['apply', 'validate']);

/** SQLite refusing a write while another connection writes (a read transaction cannot be upgraded): retry. */
function isSqliteBusy(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string } | null;
  const code = e?.driverError?.code ?? e?.code ?? '';
  return code.startsWith('SQLITE_BUSY') || /database is locked/i.test(e?.message ?? '');
}

/** The tail of each database's chain of version writes (see DialplanService.append). */
const writeQueues = new WeakMap<DataSource, Promise<unknown>>();

/** Thrown when a dialplan fails validation: nothing was stored. */
export class DialplanInvalidError extends Error {
  constructor(
    readonly issues: DialplanIssue[],
    readonly context?: string,
  ) {
    super(`the dialplan${context ? ` of context "${context}"` : ''} is not valid: ${issues.slice(0, 3).map((i) => i.message).join('; ')}${issues.length > 3 ? `; and ${issues.length - 3} more` : ''}`);
    this.name = 'DialplanInvalidError';
  }
}

/** Who made a change. */
export interface DialplanAuthor {
  user_id: number | null;
  name: string;
}

export function authorOf(principal: Principal | null): DialplanAuthor {
  if (!principal) return { user_id: null, name: 'system' };
  if (principal.kind === 'user') return { user_id: principal.id, name: principal.username };
  return { user_id: null, name: `api-key:${principal.name}`.slice(0, DIALPLAN_LIMITS.authorName) };
}

export const SYSTEM_AUTHOR: DialplanAuthor = { user_id: null, name: 'system' };

/** A version as listed (no XML). */
export interface DialplanVersionInfo {
  context: string;
  version: number;
  deleted: boolean;
  sha256: string;
  author_user_id: number | null;
  author_name: string;
  comment: string | null;
  created_at: string;
}

export interface DialplanVersionFull extends DialplanVersionInfo {
  xml: string;
}

export interface DialplanContextView extends DialplanVersionFull {
  extensions: DialplanExtension[];
}

export interface DialplanDiff {
  context: string;
  from: number;
  to: number;
  unified: string;
  hunks: Hunk[];
  added: number;
  removed: number;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

function iso(d: Date | string): string {
  return (d instanceof Date ? d : new Date(d)).toISOString();
}

export function toInfo(row: DialplanVersionRow): DialplanVersionInfo {
  return {
    context: row.context,
    version: Number(row.version),
    deleted: Boolean(row.deleted),
    sha256: row.sha256,
    author_user_id: row.author_user_id ?? null,
    author_name: row.author_name,
    comment: row.comment ?? null,
    created_at: iso(row.created_at),
  };
}

export function toFull(row: DialplanVersionRow): DialplanVersionFull {
  return { ...toInfo(row), xml: row.xml };
}

/** For the audit log: what a version was, XML included (never secrets: dialplans hold none). */
export function auditView(row: DialplanVersionRow | null): unknown {
  return row ? { context: row.context, version: Number(row.version), deleted: Boolean(row.deleted), sha256: row.sha256, xml: row.xml } : null;
}

export function checkContextName(context: unknown, field = 'context'): string {
  if (typeof context !== 'string' || !CONTEXT_NAME.test(context))
    throw new ServiceError('invalid', `${field} must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit`, field);
  if (RESERVED_CONTEXTS.has(context)) throw new ServiceError('invalid', `"${context}" is reserved`, field);
  return context;
}

function checkComment(comment: unknown): string | null {
  if (comment === undefined || comment === null) return null;
  if (typeof comment !== 'string') throw new ServiceError('invalid', 'comment must be a string', 'comment');
  const c = comment.trim();
  if (c.length > DIALPLAN_LIMITS.comment) throw new ServiceError('invalid', `comment must be at most ${DIALPLAN_LIMITS.comment} characters`, 'comment');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(c)) throw new ServiceError('invalid', 'comment must not contain control characters', 'comment');
  return c || null;
}

/** Validates or throws DialplanInvalidError. */
export function requireValid(xml: unknown, context: string): DialplanValidation {
  const v = validateDialplan(xml, { context });
  if (!v.ok) throw new DialplanInvalidError(v.errors, context);
  return v;
}

/**
 * Dialplan contexts stored as versions (dialplan_versions). Every change appends a version; the current state of a
 * context is its latest version; a delete appends a tombstone. Every XML is validated before it is stored.
 */
export class DialplanService {
  private readonly clock: Clock;

  constructor(
    private readonly ds: DataSource,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  private repo(m: EntityManager = this.ds.manager) {
    return m.getRepository<DialplanVersionRow>(DialplanVersionSchema);
  }

  /** The latest version of a context (a tombstone included), or null when it never existed. */
  async latest(context: string, m?: EntityManager): Promise<DialplanVersionRow | null> {
    return this.repo(m).findOne({ where: { context }, order: { version: 'DESC' } });
  }

  /** The latest row of every context, tombstones included, ordered by context. */
  async latestAll(): Promise<DialplanVersionRow[]> {
    const raw = await this.repo()
      .createQueryBuilder('v')
      .select('v.context', 'context')
      .addSelect('MAX(v.version)', 'mv')
      .groupBy('v.context')
      .getRawMany<{ context: string; mv: number | string }>();
    const rows: DialplanVersionRow[] = [];
    for (const r of raw) {
      const row = await this.repo().findOneBy({ context: r.context, version: Number(r.mv) });
      if (row) rows.push(row);
    }
    return rows.sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
  }

  /** Every live (not deleted) context at its current version. */
  async listContexts(): Promise<Array<DialplanVersionInfo & { extensions: number }>> {
    const rows = (await this.latestAll()).filter((r) => !r.deleted);
    return rows.map((r) => ({ ...toInfo(r), extensions: validateDialplan(r.xml, { context: r.context }).extensions.length }));
  }

  /** The current version of a live context; 404 when it does not exist or was deleted. */
  async current(context: string): Promise<DialplanVersionRow> {
    const row = await this.latest(context);
    if (!row || row.deleted) throw new ServiceError('not_found', `dialplan context "${context}" does not exist`);
    return row;
  }

  async view(context: string): Promise<DialplanContextView> {
    const row = await this.current(context);
    return { ...toFull(row), extensions: validateDialplan(row.xml, { context }).extensions };
  }

  async versions(context: string): Promise<DialplanVersionInfo[]> {
    const rows = await this.repo().find({
      where: { context },
      order: { version: 'ASC' },
      select: { id: true, context: true, version: true, deleted: true, sha256: true, author_user_id: true, author_name: true, comment: true, created_at: true },
    });
    if (!rows.length) throw new ServiceError('not_found', `dialplan context "${context}" does not exist`);
    return rows.map(toInfo);
  }

  async version(context: string, version: number): Promise<DialplanVersionRow> {
    const row = await this.repo().findOneBy({ context, version });
    if (!row) throw new ServiceError('not_found', `dialplan context "${context}" has no version ${version}`);
    return row;
  }

  /** Creates a context (version 1, or the next version after a tombstone); 409 when it exists. */
  async create(input: { context: string; xml: unknown; comment?: unknown }, author: DialplanAuthor): Promise<{ before: DialplanVersionRow | null; row: DialplanVersionRow }> {
    const context = checkContextName(input.context);
    const comment = checkComment(input.comment);
    requireValid(input.xml, context);
    return this.append(context, async (latest) => {
      if (latest && !latest.deleted) throw new ServiceError('conflict', `dialplan context "${context}" already exists; PUT a new version instead`);
      return { xml: input.xml as string, deleted: false, comment };
    }, author);
  }

  /**
   * A new version of a live context. `base_version`, when given, must be the current version (409 otherwise: someone
   * else changed it). An identical XML adds no version (`changed: false`).
   */
  async update(
    context: string,
    input: { xml: unknown; comment?: unknown; base_version?: number },
    author: DialplanAuthor,
  ): Promise<{ before: DialplanVersionRow; row: DialplanVersionRow; changed: boolean }> {
    const comment = checkComment(input.comment);
    requireValid(input.xml, context);
    const xml = input.xml as string;
    const existing = await this.current(context);
    if (existing.xml === xml && (input.base_version === undefined || input.base_version === Number(existing.version)))
      return { before: existing, row: existing, changed: false };
    const r = await this.append(context, async (latest) => {
      if (!latest || latest.deleted) throw new ServiceError('not_found', `dialplan context "${context}" does not exist`);
      if (input.base_version !== undefined && input.base_version !== Number(latest.version))
        throw new ServiceError('conflict', `dialplan context "${context}" is at version ${latest.version}, not ${input.base_version}`);
      return { xml, deleted: false, comment };
    }, author);
    return { before: r.before!, row: r.row, changed: true };
  }

  /** Deletes a live context: appends a tombstone. */
  async delete(context: string, input: { comment?: unknown }, author: DialplanAuthor): Promise<{ before: DialplanVersionRow; row: DialplanVersionRow }> {
    const comment = checkComment(input.comment);
    const r = await this.append(context, async (latest) => {
      if (!latest || latest.deleted) throw new ServiceError('not_found', `dialplan context "${context}" does not exist`);
      return { xml: '', deleted: true, comment };
    }, author);
    return { before: r.before!, row: r.row };
  }

  /** A new version whose XML is that of `version` (validated again); also restores a deleted context. */
  async rollback(context: string, version: number, input: { comment?: unknown }, author: DialplanAuthor): Promise<{ before: DialplanVersionRow; row: DialplanVersionRow }> {
    const comment = checkComment(input.comment) ?? `rollback to version ${version}`;
    const target = await this.version(context, version);
    if (target.deleted) throw new ServiceError('invalid', `version ${version} is a deletion; choose a version with content`, 'version');
    requireValid(target.xml, context);
    const r = await this.append(context, async () => ({ xml: target.xml, deleted: false, comment }), author);
    return { before: r.before!, row: r.row };
  }

  /** Line diff between two versions (a deletion counts as empty text). */
  async diff(context: string, from?: number, to?: number): Promise<DialplanDiff> {
    const latest = await this.latest(context);
    if (!latest) throw new ServiceError('not_found', `dialplan context "${context}" does not exist`);
    const toV = to ?? Number(latest.version);
    const fromV = from ?? Math.max(1, toV - 1);
    const [a, b] = await Promise.all([this.version(context, fromV), this.version(context, toV)]);
    const d = diffText(a.xml, b.xml, { oldLabel: `${context}@v${fromV}`, newLabel: `${context}@v${toV}` });
    return { context, from: fromV, to: toV, unified: d.unified, hunks: d.hunks, added: d.added, removed: d.removed };
  }

  /**
   * Appends the next version in a transaction. Writers in this process queue up; two processes racing for the same
   * number: the loser's INSERT hits the unique (context, version) key and is retried against the new latest version.
   */
  private async append(
    context: string,
    decide: (latest: DialplanVersionRow | null) => Promise<{ xml: string; deleted: boolean; comment: string | null }>,
    author: DialplanAuthor,
  ): Promise<{ before: DialplanVersionRow | null; row: DialplanVersionRow }> {
    // One writer at a time per database in this process (SQLite has one connection: transactions cannot overlap);
    // other processes are handled by the unique key and the retry below.
    const previous = writeQueues.get(this.ds) ?? Promise.resolve();
    const run = previous.then(() => this.appendNow(context, decide, author));
    writeQueues.set(this.ds, run.catch(() => undefined));
    return run;
  }

  private async appendNow(
    context: string,
    decide: (latest: DialplanVersionRow | null) => Promise<{ xml: string; deleted: boolean; comment: string | null }>,
    author: DialplanAuthor,
  ): Promise<{ before: DialplanVersionRow | null; row: DialplanVersionRow }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.ds.transaction(async (m) => {
          const latest = await this.latest(context, m);
          const next = await decide(latest);
          const saved = await this.repo(m).save({
            context,
            version: latest ? Number(latest.version) + 1 : 1,
            xml: next.xml,
            deleted: next.deleted,
            author_user_id: author.user_id,
            author_name: author.name.slice(0, DIALPLAN_LIMITS.authorName),
            comment: next.comment,
            sha256: sha256(next.xml),
            created_at: new Date(this.clock.now()),
          } as Partial<DialplanVersionRow>);
          const row = await this.repo(m).findOneByOrFail({ id: (saved as DialplanVersionRow).id });
          return { before: latest, row };
        });
      } catch (err) {
        if (attempt < 10 && (isUniqueViolation(err) || isSqliteBusy(err))) {
          await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
          continue;
        }
        throw err;
      }
    }
  }
}
