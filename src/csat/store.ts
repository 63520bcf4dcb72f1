/**
 * CSAT answers (csat_answers, src/db/entities/csat.ts): the survey node's score stored as soon as it is pressed, the
 * recorded comment added to it later, and the list the API and the console read. `onAnswer` tells listeners (the
 * follow-up calls, which write the outcome back to a ticket) of every answer once it is stored, and again when its
 * comment is added.
 */
import type { DataSource } from 'typeorm';
import { sqlDateTime } from '../db/entities/columns';
import { CSAT_LIMITS, CSAT_MAX_SCORE, CSAT_MIN_SCORE, CsatAnswerSchema, type CsatAnswerRow, type CsatSource } from '../db/entities/csat';
import type { Logger } from '../log/logger';

/** A row to store: the table's fields but its id; the comment comes later (addComment) or with it. */
export type NewCsatAnswer = Omit<CsatAnswerRow, 'id' | 'comment_recording'> & { comment_recording?: string | null };

export interface CsatQuery {
  queue?: string;
  agentId?: number;
  source?: CsatSource;
  queueCallId?: string;
  from?: Date;
  to?: Date;
  limit: number;
  offset: number;
}

/** Why the answer was reported: it was just stored, or its comment was just added. */
export type CsatAnswerEvent = { kind: 'answered' | 'commented'; answer: CsatAnswerRow };
export type CsatAnswerListener = (event: CsatAnswerEvent) => void | Promise<void>;

const clip = (s: string | null | undefined, max: number): string | null => (s === null || s === undefined || s === '' ? null : s.slice(0, max));
const intOrNull = (n: number | null | undefined): number | null => (typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= 2_147_483_647 ? n : null);

export class CsatStore {
  private readonly listeners = new Set<CsatAnswerListener>();

  constructor(
    private readonly ds: DataSource,
    private readonly logger?: Logger,
  ) {}

  /** Calls `listener` after every stored answer and every added comment; returns the unsubscribe function. */
  onAnswer(listener: CsatAnswerListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async insert(a: NewCsatAnswer): Promise<CsatAnswerRow> {
    if (!Number.isInteger(a.score) || a.score < CSAT_MIN_SCORE || a.score > CSAT_MAX_SCORE) {
      throw new RangeError(`a CSAT score is ${CSAT_MIN_SCORE}-${CSAT_MAX_SCORE}, not ${a.score}`);
    }
    const row: Partial<CsatAnswerRow> = {
      source: a.source,
      call_uuid: clip(a.call_uuid, CSAT_LIMITS.uuid),
      queue_call_id: clip(a.queue_call_id, CSAT_LIMITS.uuid),
      queue: clip(a.queue, CSAT_LIMITS.queue),
      agent_id: intOrNull(a.agent_id),
      caller_number: clip(a.caller_number, CSAT_LIMITS.number),
      ticket_id: intOrNull(a.ticket_id),
      followup_id: intOrNull(a.followup_id),
      score: a.score,
      comment_recording: clip(a.comment_recording, CSAT_LIMITS.comment),
      answered_at: a.answered_at,
    };
    const saved = (await this.ds.getRepository<CsatAnswerRow>(CsatAnswerSchema).save(row)) as CsatAnswerRow;
    this.emit({ kind: 'answered', answer: saved });
    return saved;
  }

  /** Adds the recorded comment to a stored answer. */
  async setComment(id: number, recording: string): Promise<CsatAnswerRow | undefined> {
    const repo = this.ds.getRepository<CsatAnswerRow>(CsatAnswerSchema);
    await repo.update({ id }, { comment_recording: clip(recording, CSAT_LIMITS.comment) });
    const row = (await repo.findOneBy({ id })) ?? undefined;
    if (row) this.emit({ kind: 'commented', answer: row });
    return row;
  }

  get(id: number): Promise<CsatAnswerRow | null> {
    return this.ds.getRepository<CsatAnswerRow>(CsatAnswerSchema).findOneBy({ id });
  }

  /** The answers rating these queue calls (the CDR / call views show them). */
  async forQueueCalls(ids: readonly string[]): Promise<CsatAnswerRow[]> {
    if (!ids.length) return [];
    return this.ds
      .getRepository<CsatAnswerRow>(CsatAnswerSchema)
      .createQueryBuilder('a')
      .where('a.queue_call_id IN (:...ids)', { ids: [...ids] })
      .orderBy('a.id', 'ASC')
      .getMany();
  }

  /** Newest first. */
  async list(q: CsatQuery): Promise<{ total: number; items: CsatAnswerRow[] }> {
    const qb = this.ds.getRepository<CsatAnswerRow>(CsatAnswerSchema).createQueryBuilder('a').where('1 = 1');
    if (q.queue !== undefined) qb.andWhere('a.queue = :queue', { queue: q.queue });
    if (q.agentId !== undefined) qb.andWhere('a.agent_id = :agent', { agent: q.agentId });
    if (q.source !== undefined) qb.andWhere('a.source = :source', { source: q.source });
    if (q.queueCallId !== undefined) qb.andWhere('a.queue_call_id = :qc', { qc: q.queueCallId });
    if (q.from) qb.andWhere('a.answered_at >= :from', { from: sqlDateTime(q.from) });
    if (q.to) qb.andWhere('a.answered_at < :to', { to: sqlDateTime(q.to) });
    const [items, total] = await qb.orderBy('a.answered_at', 'DESC').addOrderBy('a.id', 'DESC').skip(q.offset).take(q.limit).getManyAndCount();
    return { total, items };
  }

  count(): Promise<number> {
    return this.ds.getRepository<CsatAnswerRow>(CsatAnswerSchema).count();
  }

  private emit(event: CsatAnswerEvent): void {
    for (const l of this.listeners) {
      try {
        void Promise.resolve(l(event)).catch((err: unknown) => this.logger?.warn('CSAT answer listener failed', { error: (err as Error).message }));
      } catch (err) {
        this.logger?.warn('CSAT answer listener failed', { error: (err as Error).message });
      }
    }
  }
}

const STORES = new WeakMap<DataSource, CsatStore>();

/** The one CsatStore of a database: the IVR runtime stores through it, the follow-ups listen on it, the API reads it. */
export function csatStoreFor(ds: DataSource, logger?: Logger): CsatStore {
  let store = STORES.get(ds);
  if (!store) {
    store = new CsatStore(ds, logger);
    STORES.set(ds, store);
  }
  return store;
}
