import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * One version of one dialplan context. Every change (create, update, rollback, delete) appends a row; the current
 * state of a context is its row with the highest version. A delete appends a tombstone (`deleted`, empty xml).
 */
export interface DialplanVersionRow {
  id: number;
  /** The FreeSWITCH context name (case-sensitive on both engines). */
  context: string;
  /** 1, 2, 3... per context; unique with `context`. */
  version: number;
  /** The validated XML document (`<include>` or `<context>` with `<extension>`s); '' for a tombstone. */
  xml: string;
  deleted: boolean;
  /** users.id of the author when a user made the change (null for an API key or the system, or a deleted user). */
  author_user_id: number | null;
  /** Username, API key name, or `system`. */
  author_name: string;
  comment: string | null;
  /** SHA-256 (hex) of `xml`. */
  sha256: string;
  created_at: Date;
}

export const DIALPLAN_LIMITS = { context: 64, authorName: 128, comment: 500 } as const;

export const DialplanVersionSchema = new EntitySchema<DialplanVersionRow>({
  name: 'DialplanVersion',
  tableName: 'dialplan_versions',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    context: { type: 'varchar', length: DIALPLAN_LIMITS.context },
    version: { type: 'int' },
    xml: { type: 'text' },
    deleted: { type: 'boolean', default: false },
    author_user_id: { type: 'int', nullable: true },
    author_name: { type: 'varchar', length: DIALPLAN_LIMITS.authorName },
    comment: { type: 'varchar', length: DIALPLAN_LIMITS.comment, nullable: true },
    sha256: { type: 'varchar', length: 64 },
    created_at: timestamp(),
  },
  uniques: [{ name: 'uq_dialplan_versions_context_version', columns: ['context', 'version'] }],
});
