/** The dialplan API's shapes (src/api/routes/dialplans.ts). */

export interface DialplanVersion {
  context: string;
  version: number;
  deleted: boolean;
  sha256: string;
  author_user_id: number | null;
  author_name: string;
  comment: string | null;
  created_at: string;
}

export interface DialplanVersionFull extends DialplanVersion {
  xml: string;
}

export interface DialplanSummary extends DialplanVersion {
  /** How many extensions the context has. */
  extensions: number;
}

export interface DialplanContext extends DialplanVersionFull {
  extensions: Array<{ name: string; continue: boolean; line?: number }>;
}

export interface DialplanIssue {
  message: string;
  line?: number;
  extension?: string;
  extension_index?: number;
  condition?: string;
}

export interface DialplanValidation {
  valid: boolean;
  errors: DialplanIssue[];
  extensions: Array<{ name: string }>;
}


export interface ApplyResult {
  dir: string;
  written: Array<{ context: string; version: number; sha256: string; path: string }>;
  removed: Array<{ context: string; path: string }>;
  nodes: Array<{ node: string; ok: boolean; reply: string }>;
}

export interface Items<T> {
  items: T[];
}
