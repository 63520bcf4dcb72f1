import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

export type Role = 'admin' | 'supervisor' | 'agent';

export interface UserRow {
  id: number;
  /** Unique, stored lower-case (the auth service normalises it). */
  username: string;
  password_hash: string;
  role: Role;
  display_name: string | null;
  disabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export const UserSchema = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    username: { type: 'varchar', length: 64, unique: true },
    password_hash: { type: 'varchar', length: 255 },
    role: { type: 'varchar', length: 16 },
    display_name: { type: 'varchar', length: 128, nullable: true },
    disabled: { type: 'boolean', default: false },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
});
