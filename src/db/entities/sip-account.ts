import { EntitySchema } from 'typeorm';
import { timestamp } from './columns';

/**
 * A SIP account (directory user) for an agent's phone, served to FreeSWITCH through mod_xml_curl. The password is
 * never stored: only `a1_hash` = md5("<extension>:<domain>:<password>"), which FreeSWITCH's directory accepts as
 * `<param name="a1-hash">`. Changing the domain or extension would invalidate the hash, so neither can change.
 */
export interface SipAccountRow {
  id: number;
  /** The Switchboard user the phone belongs to (null: not linked, or the user was deleted). */
  user_id: number | null;
  /** The directory user id / SIP username; unique. */
  extension: string;
  domain: string;
  display_name: string | null;
  /** md5 hex of `${extension}:${domain}:${password}`. */
  a1_hash: string;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export const SIP_ACCOUNT_LIMITS = { extension: 64, domain: 253, displayName: 80 } as const;

export const SipAccountSchema = new EntitySchema<SipAccountRow>({
  name: 'SipAccount',
  tableName: 'sip_accounts',
  columns: {
    id: { type: 'int', primary: true, generated: 'increment' },
    user_id: { type: 'int', nullable: true },
    extension: { type: 'varchar', length: SIP_ACCOUNT_LIMITS.extension, unique: true },
    domain: { type: 'varchar', length: SIP_ACCOUNT_LIMITS.domain },
    display_name: { type: 'varchar', length: SIP_ACCOUNT_LIMITS.displayName, nullable: true },
    a1_hash: { type: 'varchar', length: 32 },
    enabled: { type: 'boolean', default: true },
    created_at: timestamp(),
    updated_at: timestamp(),
  },
  indices: [{ name: 'idx_sip_accounts_user_id', columns: ['user_id'] }],
});
