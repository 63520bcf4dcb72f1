import { z } from 'zod';
import { HttpProblem, type FieldError } from './problem';

type Location = FieldError['location'];

const LOCATION_NAMES: Record<Location, string> = { body: 'body', query: 'query parameter', params: 'path parameter', header: 'header' };

function pointerOf(path: PropertyKey[]): string {
  return '#/' + path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/** Turns zod issues into field errors that name the field: unknown keys get one entry each. */
export function issuesToFieldErrors(location: Location, issues: z.core.$ZodIssue[]): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        out.push({ location, field: path.join('.'), pointer: pointerOf(path), detail: `unknown field "${key}" is not allowed` });
      }
      continue;
    }
    out.push({ location, field: issue.path.join('.'), pointer: pointerOf(issue.path), detail: issue.message });
  }
  return out;
}

/** Parse-time error messages: say "is required" for a missing field. */
const errorMap: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === 'invalid_type' && iss.input === undefined) return 'is required';
  return undefined;
};

/** Validates `value` with `schema`; throws a 400 HttpProblem naming each bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown, location: Location): z.output<S> {
  const r = schema.safeParse(value, { error: errorMap });
  if (r.success) return r.data;
  const errors = issuesToFieldErrors(location, r.error.issues);
  const summary = errors
    .slice(0, 5)
    .map((e) => (e.field ? `${LOCATION_NAMES[location]} "${e.field}": ${e.detail}` : `${LOCATION_NAMES[location]} ${e.detail}`))
    .join('; ');
  throw new HttpProblem(400, `Invalid request: ${summary}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`, {
    errors,
    type: 'validation-error',
    title: 'Validation failed',
  });
}

// ---- Reusable schema pieces ----

/** A positive integer id in a path segment, e.g. `/users/12`. */
export const idParam = z
  .string()
  .regex(/^[1-9][0-9]{0,14}$/, 'must be a positive integer')
  .transform((s) => Number(s));

/** An ISO 8601 timestamp with a zone, e.g. 2026-01-31T08:00:00Z, as a query parameter. */
export const isoDateQuery = z.iso
  .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T08:00:00Z' })
  .transform((s) => new Date(s));

export function limitQuery(defaultLimit: number, max: number) {
  return z
    .string()
    .regex(/^[0-9]{1,6}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1, `must be at least 1`).max(max, `must be at most ${max}`))
    .optional()
    .transform((v) => v ?? defaultLimit)
    .meta({ description: `page size, 1-${max} (default ${defaultLimit})` });
}

export const offsetQuery = z
  .string()
  .regex(/^[0-9]{1,9}$/, 'must be a whole number')
  .transform(Number)
  .optional()
  .transform((v) => v ?? 0)
  .meta({ description: 'rows to skip (default 0)' });
