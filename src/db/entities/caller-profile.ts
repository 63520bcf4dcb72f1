import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/** Caller profiles (src/profiles; migration 1768200000000). */

export interface CallerProfileRow {
  id: number;
  phone_e164: string;
  crm_id: string | null;
  name: string | null;
  /** 0 = not a VIP, 1-5 (a queue's vipPriority maps it to extra priority). */
  vip_level: number;
  /** BCP 47 tag, e.g. `en`, `zh-CN`. */
  language: string | null;
  /** JSON array text of short tags. */
  tags: string;
  blocked: boolean;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
  /** Who made the last change (user name, API key name, or `import`). */
  updated_by: string | null;
}

export const PROFILE_LIMITS = { phone: 20, crmId: 64, name: 128, language: 16, tag: 32, tags: 20, notes: 4000, updatedBy: 128, maxVip: 5 } as const;

export const CallerProfileSchema = new EntitySchema<CallerProfileRow>({
  name: 'CallerProfile',
  tableName: 'caller_profiles',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    phone_e164: { type: 'varchar', length: PROFILE_LIMITS.phone, unique: true },
    crm_id: { type: 'varchar', length: PROFILE_LIMITS.crmId, nullable: true, unique: true },
    name: { type: 'varchar', length: PROFILE_LIMITS.name, nullable: true },
    vip_level: { type: 'int', default: 0 },
    language: { type: 'varchar', length: PROFILE_LIMITS.language, nullable: true },
    tags: { type: 'text' },
    blocked: { type: 'boolean', default: false },
    notes: { type: 'text', nullable: true },
    created_at: timestamp(),
    updated_at: timestamp(),
    updated_by: { type: 'varchar', length: PROFILE_LIMITS.updatedBy, nullable: true },
  },
});
