/** The IVR API's shapes the flow pages use (src/api/routes/ivr.ts). */

export interface FlowSummary {
  name: string;
  version: number;
  versions: number;
  updated_at: string;
  updated_by: string;
  comment: string | null;
  dids: string[];
}

export interface StoredFlow {
  id: number;
  name: string;
  version: number;
  document: Record<string, unknown>;
  created_by: string;
  created_at: string;
  comment: string | null;
}

export type FlowVersion = Omit<StoredFlow, 'document'>;

/** One validation problem: its node (when it is in one) and dotted path in the document. */
export interface FlowIssue {
  node?: string;
  path: string;
  message: string;
}

export interface FlowValidation {
  valid: boolean;
  errors: FlowIssue[];
  warnings: FlowIssue[];
}

export interface DidBinding {
  did: string;
  flow: string;
  updated_by: string;
  updated_at: string;
}

export interface PathStep {
  at: number;
  flow: string;
  flowVersion: number;
  node: string;
  nodeType: string;
  event: string;
  digits?: string;
  detail?: string;
}

export interface DryRunResult {
  actions: Array<{ kind: string; [k: string]: unknown }>;
  path: PathStep[];
  result?: { outcome: string; [k: string]: unknown };
  variables: Record<string, string>;
}

export interface Items<T> {
  items: T[];
}
