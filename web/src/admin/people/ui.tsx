/** Pieces the admin pages share: field errors from a problem, a form's footer, a secret shown once with a copy button. */
import { useState } from 'react';
import { ProblemMessage } from '../../components/problem';
import type { ApiError } from '../../lib/api';

/**
 * The API's error for one form field (its `field` is the body path, e.g. `serviceLevelSec` or
 * `settings.retry.busy.delay_min`); `prefix` also matches errors inside it (`skills` matches `skills.sales`).
 */
export function fieldError(error: ApiError | null | undefined, field: string, opts: { prefix?: boolean } = {}): string | undefined {
  if (!error) return undefined;
  const hit = error.fieldErrors().find((f) => f.field === field || (opts.prefix && f.field?.startsWith(`${field}.`)));
  return hit?.detail;
}

/** Problems of `error` that no field of the form shows (so they are not lost). */
export function otherErrors(error: ApiError | null | undefined, shown: readonly string[]): string[] {
  if (!error) return [];
  return error
    .fieldErrors()
    .filter((f) => !f.field || !shown.some((s) => f.field === s || f.field!.startsWith(`${s}.`)))
    .map((f) => (f.field ? `${f.field}: ${f.detail}` : f.detail));
}

/**
 * A secret the API returns once (an API key, a SIP password): shown in a read-only field with a copy button, until
 * the admin closes it. It is never stored anywhere but this component's props.
 */
export function SecretOnce({ label, value, note, onClose }: { label: string; value: string; note: string; onClose: () => void }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="secret-once success" aria-label={label}>
      <strong>{label}</strong> <span className="muted">{note}</span>
      <div className="row">
        {/* Focused when shown, so keyboard and screen-reader users land on the secret they must copy now. */}
        <input readOnly autoFocus value={value} aria-label={label} className="secret-value" onFocus={(e) => e.currentTarget.select()} size={Math.min(60, value.length + 2)} />
        <button type="button" onClick={copy}>
          Copy
        </button>
        <button type="button" onClick={onClose}>
          Done
        </button>
        <span aria-live="polite" className="muted">
          {copied === 'yes' ? 'Copied.' : copied === 'failed' ? 'Copying was refused; select the text and copy it.' : ''}
        </span>
      </div>
    </section>
  );
}

/** "a, b ,c" -> ['a', 'b', 'c'] (empty items dropped). */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A number input's value, or undefined when blank (so the API's default applies). */
export function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : NaN;
}

/**
 * The foot of an admin form: the problems no field shows (`rest`), the API's message (a problem without field
 * errors in full; with them, its summary, the details being at their fields), the submit button and the saved note.
 */
export function FormFooter({ error, rest, busy, submitLabel, saved }: { error: ApiError | null; rest: string[]; busy: boolean; submitLabel: string; saved: string | null }) {
  return (
    <>
      {rest.length > 0 && (
        <ul className="problem">
          {rest.map((r, i) => (
            <li key={i}>{r}</li>
          ))}
        </ul>
      )}
      <ProblemMessage error={error && error.fieldErrors().length === 0 ? error : null} />
      {error && error.fieldErrors().length > 0 && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      <div className="row">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
        <span role="status" aria-live="polite">
          {saved}
        </span>
      </div>
    </>
  );
}
