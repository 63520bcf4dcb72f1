/**
 * IVR storage: versioned flows, DID bindings, the calls that ran a flow, and voicemails.
 *
 * Flows are versioned documents: saving validates the document (parseFlowDocument, and every flow a `goto` names
 * must exist) and inserts version N+1; the highest version is the live one. The live flows and the DID bindings are
 * cached in memory (loaded once by `load()`, updated by every save/delete through this store), so a call resolves
 * its DID and its flows without waiting on the database.
 */
import type { DataSource } from 'typeorm';
import { Brackets } from 'typeorm';
import type { Clock } from '../clock/clock';
import {
  IVR_LIMITS,
  IvrCallSchema,
  IvrDidBindingSchema,
  IvrFlowSchema,
  VoicemailSchema,
  type IvrCallRow,
  type IvrDidBindingRow,
  type IvrFlowRow,
  type VoicemailRow,
} from '../db/entities/ivr';
import { sqlDateTime } from '../db/entities/columns';
import { upsertRows, type SqlValue } from '../db/upsert-sql';
import type { Logger } from '../log/logger';
import { crossFlowReferences, parseFlowDocument, type FlowDocument } from './flow-schema';
import type { FlowResolver } from './interpreter';

/** One stored version of a flow, with its document parsed. */
export interface StoredFlow {
  id: number;
  name: string;
  version: number;
  document: FlowDocument;
  created_by: string;
  created_at: Date;
  comment: string | null;
}

export interface FlowSummary {
  name: string;
  /** The live (latest) version. */
  version: number;
  versions: number;
  updated_at: Date;
  updated_by: string;
  comment: string | null;
  /** DIDs bound to this flow. */
  dids: string[];
}

export interface FlowValidationError {
  node?: string;
  path: string;
  message: string;
}

export type CheckFlowResult = { ok: true; flow: FlowDocument; warnings: FlowValidationError[] } | { ok: false; errors: FlowValidationError[] };

export type SaveFlowResult =
  | { ok: true; flow: StoredFlow; previous: StoredFlow | undefined; warnings?: unknown }
  | { ok: false; errors: FlowValidationError[] };

export class IvrStoreError extends Error {
  constructor(
    readonly kind: 'not_found' | 'conflict' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'IvrStoreError';
  }
}

/** FreeSWITCH's switchboard_did: digits only (the dialplan strips a leading +), 3-15 of them. */
export const DID_PATTERN = /^[0-9]{3,15}$/;
/** Flow names: what the flow schema accepts is checked there; this bounds what reaches SQL and URLs. */
export const FLOW_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export interface IvrCallSearch {
  from?: Date;
  to?: Date;
  did?: string;
  outcome?: string;
  limit: number;
  offset: number;
}

export interface NewIvrCall {
  uuid: string;
  fs_node: string;
  did: string;
  caller_number: string;
  flow: string;
  flow_version: number;
  started_at: Date;
  ended_at: Date | null;
  outcome: string | null;
  detail: string | null;
  path: unknown;
}

export type NewVoicemail = Omit<VoicemailRow, 'id'>;

/** The ivr_calls columns insertCall writes, in the order of its values (id is generated). */
const IVR_CALL_COLUMNS = ['uuid', 'fs_node', 'did', 'caller_number', 'flow', 'flow_version', 'started_at', 'ended_at', 'outcome', 'detail', 'path'] as const;
/** Call rows per statement at most (11 parameters each). */
const CALL_WRITE_CHUNK = 500;

function clip(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) : s;
}

function toStored(row: IvrFlowRow): StoredFlow {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    document: JSON.parse(row.document) as FlowDocument,
    created_by: row.created_by,
    created_at: row.created_at,
    comment: row.comment,
  };
}

function flowNameOf(doc: FlowDocument): string {
  return (doc as unknown as { name: string }).name;
}

export class IvrStore {
  private readonly live = new Map<string, StoredFlow>();
  private readonly bindings = new Map<string, IvrDidBindingRow>();
  private loaded = false;
  private loading: Promise<void> | undefined;
  private readonly log: Logger;
  /** Call records waiting for the next write (insertCall). */
  private readonly pendingCalls: Array<{ values: SqlValue[]; resolve: () => void; reject: (err: Error) => void }> = [];

  constructor(
    private readonly ds: DataSource,
    private readonly options: { clock: Clock; logger: Logger },
  ) {
    this.log = options.logger.child({ module: 'ivr-store' });
  }

  /** Loads every live flow and every binding into memory. Called once at start; later changes go through this store. */
  async load(): Promise<void> {
    const rows = await this.ds
      .getRepository<IvrFlowRow>(IvrFlowSchema)
      .createQueryBuilder('f')
      .where((qb) => {
        const sub = qb.subQuery().select('MAX(g.version)').from('ivr_flows', 'g').where('g.name = f.name').getQuery();
        return `f.version = ${sub}`;
      })
      .getMany();
    this.live.clear();
    for (const row of rows) {
      try {
        this.live.set(row.name, toStored(row));
      } catch (err) {
        this.log.error('stored flow is not valid JSON; skipped', { flow: row.name, version: row.version, error: (err as Error).message });
      }
    }
    this.bindings.clear();
    for (const b of await this.ds.getRepository<IvrDidBindingRow>(IvrDidBindingSchema).find()) this.bindings.set(b.did, b);
    this.loaded = true;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /** Loads once; concurrent callers share the load. */
  ensureLoaded(): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  // ---- flows ---------------------------------------------------------------------------------------------------

  /** The live version of a flow, from memory. */
  liveFlow(name: string): StoredFlow | undefined {
    return this.live.get(name);
  }

  /** The resolver the interpreter and the dry-run use: live flows, from memory. */
  readonly resolver: FlowResolver = (name: string) => {
    const f = this.live.get(name);
    return f ? { name: f.name, version: f.version, document: f.document } : undefined;
  };

  flowCount(): number {
    return this.live.size;
  }

  async listFlows(): Promise<FlowSummary[]> {
    const counts = (await this.ds
      .getRepository<IvrFlowRow>(IvrFlowSchema)
      .createQueryBuilder('f')
      .select('f.name', 'name')
      .addSelect('COUNT(*)', 'n')
      .groupBy('f.name')
      .getRawMany()) as Array<{ name: string; n: string | number }>;
    const n = new Map(counts.map((c) => [c.name, Number(c.n)]));
    const dids = new Map<string, string[]>();
    for (const b of this.bindings.values()) dids.set(b.flow, [...(dids.get(b.flow) ?? []), b.did]);
    return [...this.live.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((f) => ({
        name: f.name,
        version: f.version,
        versions: n.get(f.name) ?? 1,
        updated_at: f.created_at,
        updated_by: f.created_by,
        comment: f.comment,
        dids: (dids.get(f.name) ?? []).sort(),
      }));
  }

  async listVersions(name: string): Promise<Array<Omit<StoredFlow, 'document'>>> {
    const rows = await this.ds.getRepository<IvrFlowRow>(IvrFlowSchema).find({
      where: { name },
      order: { version: 'DESC' },
      select: { id: true, name: true, version: true, created_by: true, created_at: true, comment: true },
    });
    return rows.map((r) => ({ id: r.id, name: r.name, version: r.version, created_by: r.created_by, created_at: r.created_at, comment: r.comment }));
  }

  async getFlowVersion(name: string, version: number): Promise<StoredFlow | undefined> {
    const row = await this.ds.getRepository<IvrFlowRow>(IvrFlowSchema).findOne({ where: { name, version } });
    return row ? toStored(row) : undefined;
  }

  /**
   * Validates `input` as saving it would, without storing it: the document (parseFlowDocument), its name, and every
   * flow a `goto` names (named at the goto node). The console's live validation calls this through the API.
   */
  checkFlow(input: unknown, opts: { expectName?: string } = {}): CheckFlowResult {
    const parsed = parseFlowDocument(input);
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    const doc = parsed.flow;
    const name = flowNameOf(doc);
    if (typeof name !== 'string' || !FLOW_NAME_PATTERN.test(name)) {
      return { ok: false, errors: [{ path: 'name', message: 'flow name must be 1-64 letters, digits, _ . - (starting with a letter or digit)' }] };
    }
    if (opts.expectName !== undefined && name !== opts.expectName) {
      return { ok: false, errors: [{ path: 'name', message: `the document is named "${name}", not "${opts.expectName}"` }] };
    }
    const errors: FlowValidationError[] = [];
    for (const [id, node] of Object.entries(doc.nodes)) {
      if (node.type === 'goto' && node.flow !== undefined && node.flow !== name && !this.live.has(node.flow)) {
        errors.push({ node: id, path: `nodes.${id}.flow`, message: `node "${id}": goes to flow "${node.flow}", which does not exist` });
      }
    }
    if (errors.length) return { ok: false, errors };
    return { ok: true, flow: doc, warnings: parsed.warnings };
  }

  /**
   * Validates `input` and stores it as the next version of its flow. `expectName` (an update through
   * /flows/:name) must equal the document's name. Returns the validation errors instead of throwing for them.
   */
  async saveFlow(input: unknown, opts: { by: string; comment?: string | null; expectName?: string }): Promise<SaveFlowResult> {
    const checked = this.checkFlow(input, { expectName: opts.expectName });
    if (!checked.ok) return checked;
    const doc = checked.flow;
    const name = flowNameOf(doc);
    const text = JSON.stringify(doc);
    const previous = this.live.get(name);
    const repo = this.ds.getRepository<IvrFlowRow>(IvrFlowSchema);
    for (let attempt = 0; ; attempt++) {
      const latest = await repo.findOne({ where: { name }, order: { version: 'DESC' }, select: { id: true, version: true } });
      const version = (latest?.version ?? 0) + 1;
      try {
        const saved = await repo.save({
          name,
          version,
          document: text,
          created_by: clip(opts.by, IVR_LIMITS.by),
          created_at: new Date(this.options.clock.now()),
          comment: opts.comment ? clip(opts.comment, IVR_LIMITS.comment) : null,
        } as Partial<IvrFlowRow>);
        const stored: StoredFlow = toStored(saved as IvrFlowRow);
        // A concurrent save may have gone past us: the cache keeps the highest version.
        const cached = this.live.get(name);
        if (!cached || cached.version < stored.version) this.live.set(name, stored);
        return { ok: true, flow: stored, previous, warnings: checked.warnings };
      } catch (err) {
        // Unique (name, version): another save took this number; take the next one.
        if (attempt >= 3) throw err;
      }
    }
  }

  /**
   * Deletes every version of a flow. Refused (conflict) while a DID is bound to it or another live flow goes to it.
   */
  async deleteFlow(name: string): Promise<StoredFlow> {
    const current = this.live.get(name);
    if (!current) throw new IvrStoreError('not_found', `flow "${name}" does not exist`);
    const bound = [...this.bindings.values()].filter((b) => b.flow === name).map((b) => b.did);
    if (bound.length) throw new IvrStoreError('conflict', `flow "${name}" is bound to DID ${bound.join(', ')}; unbind it first`);
    const users = [...this.live.values()].filter((f) => f.name !== name && crossFlowReferences(f.document).includes(name)).map((f) => f.name);
    if (users.length) throw new IvrStoreError('conflict', `flow "${name}" is used by flow ${users.join(', ')}`);
    await this.ds.getRepository<IvrFlowRow>(IvrFlowSchema).delete({ name });
    this.live.delete(name);
    return current;
  }

  // ---- DID bindings --------------------------------------------------------------------------------------------

  /** The binding of a DID, from memory. */
  binding(did: string): IvrDidBindingRow | undefined {
    return this.bindings.get(did);
  }

  listBindings(): IvrDidBindingRow[] {
    return [...this.bindings.values()].sort((a, b) => a.did.localeCompare(b.did));
  }

  async putBinding(did: string, flow: string, by: string): Promise<{ before: IvrDidBindingRow | undefined; after: IvrDidBindingRow }> {
    if (!DID_PATTERN.test(did)) throw new IvrStoreError('invalid', 'a DID is 3-15 digits (no +), as the dialplan sets switchboard_did');
    if (!this.live.has(flow)) throw new IvrStoreError('invalid', `flow "${flow}" does not exist`);
    const before = this.bindings.get(did);
    const row: IvrDidBindingRow = { did, flow, updated_by: clip(by, IVR_LIMITS.by), updated_at: new Date(this.options.clock.now()) };
    await this.ds.getRepository<IvrDidBindingRow>(IvrDidBindingSchema).save(row);
    this.bindings.set(did, row);
    return { before, after: row };
  }

  async deleteBinding(did: string): Promise<IvrDidBindingRow> {
    const before = this.bindings.get(did);
    if (!before) throw new IvrStoreError('not_found', `DID ${did} is not bound`);
    await this.ds.getRepository<IvrDidBindingRow>(IvrDidBindingSchema).delete({ did });
    this.bindings.delete(did);
    return before;
  }

  // ---- calls and voicemails ------------------------------------------------------------------------------------

  /**
   * Stores the record of a call that left its flow. Idempotent on the uuid: a second write for the same call (never
   * expected) updates the first. Every call writes one, so the rows of one turn of the event loop go out as one
   * statement (an autocommit per call was a tenth of a routed call's CPU); resolves once this row is written.
   */
  insertCall(call: NewIvrCall): Promise<void> {
    const values: SqlValue[] = [
      clip(call.uuid, IVR_LIMITS.uuid),
      clip(call.fs_node, IVR_LIMITS.node),
      clip(call.did, IVR_LIMITS.did),
      clip(call.caller_number, IVR_LIMITS.number),
      clip(call.flow, IVR_LIMITS.name),
      call.flow_version,
      sqlDateTime(call.started_at),
      call.ended_at === null ? null : sqlDateTime(call.ended_at),
      call.outcome === null ? null : clip(call.outcome, IVR_LIMITS.outcome),
      call.detail === null ? null : clip(call.detail, IVR_LIMITS.detail),
      // simple-json, as the entity stores it (null stays NULL).
      call.path === null || call.path === undefined ? null : JSON.stringify(call.path),
    ];
    return new Promise((resolve, reject) => {
      this.pendingCalls.push({ values, resolve, reject });
      if (this.pendingCalls.length === 1) setImmediate(() => void this.writeCalls());
    });
  }

  private async writeCalls(): Promise<void> {
    const batch = this.pendingCalls.splice(0, CALL_WRITE_CHUNK);
    if (this.pendingCalls.length) setImmediate(() => void this.writeCalls());
    const errors = await upsertRows(this.ds, 'ivr_calls', IVR_CALL_COLUMNS, 'uuid', batch.map((p) => p.values)).catch((err: unknown) => batch.map(() => err as Error));
    batch.forEach((p, i) => {
      const err = errors[i];
      if (err) p.reject(err);
      else p.resolve();
    });
  }

  async searchCalls(q: IvrCallSearch): Promise<{ total: number; items: IvrCallRow[] }> {
    const qb = this.ds.getRepository<IvrCallRow>(IvrCallSchema).createQueryBuilder('c');
    qb.where(
      new Brackets((w) => {
        w.where('1 = 1');
        if (q.from) w.andWhere('c.started_at >= :from', { from: sqlDateTime(q.from) });
        if (q.to) w.andWhere('c.started_at < :to', { to: sqlDateTime(q.to) });
        if (q.did) w.andWhere('c.did = :did', { did: q.did });
        if (q.outcome) w.andWhere('c.outcome = :outcome', { outcome: q.outcome });
      }),
    );
    const [items, total] = await qb.orderBy('c.started_at', 'DESC').addOrderBy('c.id', 'DESC').skip(q.offset).take(q.limit).getManyAndCount();
    return { total, items };
  }

  async getCall(uuid: string): Promise<IvrCallRow | undefined> {
    return (await this.ds.getRepository<IvrCallRow>(IvrCallSchema).findOne({ where: { uuid } })) ?? undefined;
  }

  async countCalls(opts: { withPath?: boolean } = {}): Promise<number> {
    const qb = this.ds.getRepository<IvrCallRow>(IvrCallSchema).createQueryBuilder('c');
    if (opts.withPath) qb.where("c.path IS NOT NULL AND c.path <> '' AND c.path <> '[]' AND c.path <> 'null'");
    return qb.getCount();
  }

  async insertVoicemail(vm: NewVoicemail): Promise<VoicemailRow> {
    const row: Partial<VoicemailRow> = {
      call_uuid: clip(vm.call_uuid, IVR_LIMITS.uuid),
      box: clip(vm.box, IVR_LIMITS.box),
      file_path: clip(vm.file_path, IVR_LIMITS.path),
      duration_ms: Math.max(0, Math.min(2_147_483_647, Math.round(vm.duration_ms))),
      bytes: vm.bytes === null ? null : Math.max(0, Math.min(2_147_483_647, Math.round(vm.bytes))),
      caller_number: clip(vm.caller_number, IVR_LIMITS.number),
      created_at: vm.created_at,
    };
    return (await this.ds.getRepository<VoicemailRow>(VoicemailSchema).save(row)) as VoicemailRow;
  }

  async listVoicemails(q: { box?: string; from?: Date; to?: Date; limit: number; offset: number }): Promise<{ total: number; items: VoicemailRow[] }> {
    const qb = this.ds.getRepository<VoicemailRow>(VoicemailSchema).createQueryBuilder('v').where('1 = 1');
    if (q.box) qb.andWhere('v.box = :box', { box: q.box });
    if (q.from) qb.andWhere('v.created_at >= :from', { from: sqlDateTime(q.from) });
    if (q.to) qb.andWhere('v.created_at < :to', { to: sqlDateTime(q.to) });
    const [items, total] = await qb.orderBy('v.created_at', 'DESC').addOrderBy('v.id', 'DESC').skip(q.offset).take(q.limit).getManyAndCount();
    return { total, items };
  }
}

const STORES = new WeakMap<DataSource, IvrStore>();

/**
 * The one IvrStore of a database: the runtime and the API share it, so a flow saved through the API is live for the
 * next call at once (the cache is per store).
 */
export function ivrStoreFor(ds: DataSource, options: { clock: Clock; logger: Logger }): IvrStore {
  let store = STORES.get(ds);
  if (!store) {
    store = new IvrStore(ds, options);
    STORES.set(ds, store);
  }
  return store;
}
