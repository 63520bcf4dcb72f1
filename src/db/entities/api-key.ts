import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';
import type { Role } from './user';

export interface ApiKeyRow {
  id: number;
  name: string;
  /** The key's first 8 characters, indexed: the lookup narrows to these rows before comparing hashes. */
  key_prefix: string;
  /** SHA-256 (hex) of the whole key; the key itself is never stored. */
  key_hash: string;
  role: Role;
  /** The user who created it (users.id), or null (created by the system, or the user was deleted). */
  created_by: number | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

export const ApiKeySchema = new EntitySchema<ApiKeyRow>({
  name: 'ApiKey',
  tableName: 'api_keys',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    name: { type: 'varchar', length: 100 },
    key_prefix: { type: 'varchar', length: 16 },
    key_hash: { type: 'varchar', length: 64 },
    role: { type: 'varchar', length: 16 },
    created_by: { type: 'int', nullable: true },
    created_at: timestamp(),
    last_used_at: timestamp({ nullable: true }),
    revoked_at: timestamp({ nullable: true }),
  },
  indices: [{ name: 'idx_api_keys_key_prefix', columns: ['key_prefix'] }],
});
