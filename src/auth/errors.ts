/**
 * Errors the auth services throw for the caller to map (the API turns them into problem details:
 * invalid -> 400, not_found -> 404, conflict -> 409).
 */
export type ServiceErrorKind = 'invalid' | 'not_found' | 'conflict';

export class ServiceError extends Error {
  constructor(
    readonly kind: ServiceErrorKind,
    message: string,
    /** For 'invalid': the input field at fault. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

/** True for a unique-constraint violation from SQLite or MySQL/MariaDB. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; driverError?: { code?: string }; message?: string } | null;
  const code = e?.driverError?.code ?? e?.code ?? '';
  if (code === 'ER_DUP_ENTRY' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return true;
  return /UNIQUE constraint failed|Duplicate entry/i.test(e?.message ?? '');
}
