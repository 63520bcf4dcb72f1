import { z } from 'zod';
import { ROLES } from '../auth/roles';

/** Response and shared schemas, used for the OpenAPI document. */

export const roleSchema = z.enum(ROLES).meta({ description: 'admin > supervisor > agent' });

export const userOut = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: roleSchema,
    display_name: z.string().nullable(),
    disabled: z.boolean(),
    created_at: z.string().meta({ format: 'date-time' }),
    updated_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'User' });

export const apiKeyOut = z
  .object({
    id: z.number().int(),
    name: z.string(),
    key_prefix: z.string().meta({ description: 'first 8 characters of the key, to recognise it' }),
    role: roleSchema,
    created_by: z.number().int().nullable(),
    created_at: z.string().meta({ format: 'date-time' }),
    last_used_at: z.string().nullable().meta({ description: 'updated at most once a minute' }),
    revoked_at: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

export const problemOut = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(
        z.object({
          location: z.enum(['body', 'query', 'params', 'header']),
          field: z.string(),
          pointer: z.string(),
          detail: z.string(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' });

/** Username as accepted on create (the service re-checks and lower-cases it). */
export const usernameField = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$/, 'must be 3-64 characters of letters, digits, ".", "_", "-" or "@", starting with a letter or digit');

export const newPasswordField = z
  .string()
  .min(12, 'must be at least 12 characters')
  .refine((s) => Buffer.byteLength(s, 'utf8') <= 72, 'must be at most 72 bytes')
  .refine((s) => s.trim().length > 0, 'must not be blank');

export const displayNameField = z.string().max(128, 'must be at most 128 characters').nullable();
