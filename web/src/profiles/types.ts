/** The API responses the caller profile pages read (src/api/routes/profiles.ts). */

export interface CallerProfile {
  id: number;
  phone_e164: string;
  crm_id: string | null;
  name: string | null;
  /** 0 = none, 1-5. */
  vip_level: number;
  language: string | null;
  tags: string[];
  blocked: boolean;
  notes: string | null;
  created_at: string;
  updated_at: string;
  updated_by: string | null;
}

export interface ProfilePage {
  items: CallerProfile[];
  total: number;
}

export interface ProfileImportResult {
  rows: number;
  imported: number;
  updated: number;
  rejected: number;
  blank_lines: number;
  errors: Array<{ line: number; reason: string; value: string }>;
  errors_truncated: boolean;
}

export interface ProfileHistory {
  profile_id: number;
  phone_e164: string;
  calls: Array<{ uuid: string; start_at: string | null; billsec: number; destination_number?: string | null; hangup_cause?: string | null; direction?: string }>;
  queue_calls: Array<{ id: string; queue: string; entered_at?: string | null; outcome?: string | null; agent_name: string | null; disposition: string | null; notes: string | null }>;
}
