import type { ApiError } from '../lib/api';

/** The API's problem message for a failed request or action, with its field errors; 403 says why it was refused. */
export function ProblemMessage({ error, onDismiss }: { error: ApiError | null | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  const title = error.status === 403 ? 'Not allowed' : error.status === 0 ? 'Connection problem' : (error.problem.title ?? 'Error');
  const fields = error.fieldErrors();
  return (
    <div className="problem" role="alert">
      <strong>{title}:</strong> <span className="problem-detail">{error.message}</span>
      {fields.length > 0 && (
        <ul>
          {fields.map((f, i) => (
            <li key={i}>
              {f.field ? <code>{f.field}</code> : null} {f.detail}
            </li>
          ))}
        </ul>
      )}
      {onDismiss && (
        <button type="button" className="link" onClick={onDismiss} aria-label="Dismiss the message">
          Dismiss
        </button>
      )}
    </div>
  );
}
