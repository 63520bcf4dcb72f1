import { get } from '../lib/api';
import { dateTime } from '../lib/format';
import type { AuditEntry, AuditPage } from './types';

/**
 * The audit entry an action just made: the caller's newest entry of that action on that target (a supervisor sees
 * only their own entries, so it is theirs). Returns null when none is found.
 */
export async function latestAuditEntry(action: string, targetType: string, targetId: string | number): Promise<AuditEntry | null> {
  const page = await get<AuditPage>('/api/v1/audit', { action, target_type: targetType, target_id: String(targetId), limit: 1 });
  return page.items[0] ?? null;
}

/** One audit entry, as a supervisor needs to see it: what, on what, when, by whom, and the recorded change. */
export function AuditEntryView({ entry, targetLabel }: { entry: AuditEntry; targetLabel?: string }) {
  return (
    <div className="success audit-entry" role="status" aria-live="polite" data-testid="audit-entry">
      <strong>Audit entry #{entry.id}</strong>: <code>{entry.action}</code> on {targetLabel ? `${targetLabel} (${entry.target_type} ${entry.target_id})` : `${entry.target_type} ${entry.target_id}`} by {entry.actor_name} at {dateTime(entry.at)}
      {entry.after !== null && entry.after !== undefined && (
        <details>
          <summary>Recorded change</summary>
          <pre className="audit-json">{JSON.stringify({ before: entry.before, after: entry.after }, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}
