/**
 * Supervisor actions all go the same way: a confirmation dialog that says what will happen, the API call, then the
 * audit entry it made (or the API's problem). One instance per page keeps one dialog and one result in view.
 */
import { useState, type ReactNode } from 'react';
import { ConfirmDialog } from '../components/confirm';
import { ProblemMessage } from '../components/problem';
import { useAction } from '../lib/hooks';
import { AuditEntryView, latestAuditEntry } from './audit';
import type { AuditEntry } from './types';

export interface ConfirmedAction {
  title: string;
  body: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  run: () => Promise<unknown>;
  /** The audit entry to show afterwards. */
  audit: { action: string; targetType: string; targetId: string | number; targetLabel?: string };
  /** Called after it worked (e.g. reload a list). */
  done?: () => void;
}

export function useConfirmedActions() {
  const [pending, setPending] = useState<ConfirmedAction | null>(null);
  const [entry, setEntry] = useState<{ entry: AuditEntry; label?: string } | null>(null);
  const [auditMissing, setAuditMissing] = useState(false);
  const action = useAction(async (a: ConfirmedAction) => {
    await a.run();
    a.done?.();
    const e = await latestAuditEntry(a.audit.action, a.audit.targetType, a.audit.targetId);
    setEntry(e ? { entry: e, label: a.audit.targetLabel } : null);
    setAuditMissing(!e);
  });

  const ask = (a: ConfirmedAction) => {
    action.clear();
    setPending(a);
  };

  const confirm = async () => {
    const a = pending;
    if (!a) return;
    setEntry(null);
    setAuditMissing(false);
    setPending(null);
    await action.run(a);
  };

  const view = (
    <>
      <ConfirmDialog open={!!pending} title={pending?.title ?? ''} confirmLabel={pending?.confirmLabel ?? 'Confirm'} danger={pending?.danger} busy={action.busy} onConfirm={() => void confirm()} onCancel={() => setPending(null)}>
        {pending?.body}
      </ConfirmDialog>
      <div aria-live="polite" className="action-result">
        {action.busy && <p className="muted" role="status">Working…</p>}
        <ProblemMessage error={action.error} onDismiss={action.clear} />
        {entry && <AuditEntryView entry={entry.entry} targetLabel={entry.label} />}
        {auditMissing && <p className="muted">Done; no audit entry was found for it.</p>}
      </div>
    </>
  );
  return { ask, view, busy: action.busy };
}
