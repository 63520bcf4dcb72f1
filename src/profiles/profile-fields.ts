import { z } from 'zod';
import { PROFILE_LIMITS } from '../db/entities/caller-profile';

/**
 * The editable fields of a caller profile and their rules, shared by the API's zod schemas and the CSV import (so a
 * value the API refuses is refused by the import with the same reason).
 */

export interface ProfileFields {
  crm_id: string | null;
  name: string | null;
  /** 0 = none, 1-5. */
  vip_level: number;
  /** BCP 47, e.g. `en`, `zh-CN`. */
  language: string | null;
  tags: string[];
  blocked: boolean;
  notes: string | null;
}

export const EMPTY_PROFILE_FIELDS: Readonly<ProfileFields> = Object.freeze({ crm_id: null, name: null, vip_level: 0, language: null, tags: [], blocked: false, notes: null });

/** Tags: letters or digits first, then letters, digits, space _ . : - (no quotes, commas or %, so they search safely). */
export const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N} _.:-]*$/u;

function isLanguageTag(s: string): boolean {
  if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(s)) return false;
  try {
    return Intl.getCanonicalLocales(s).length === 1;
  } catch {
    return false;
  }
}

/** `zh-cn` -> `zh-CN` (the form a flow compares against). */
function canonicalLanguage(s: string): string {
  return Intl.getCanonicalLocales(s)[0] ?? s;
}

const nullableText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `must be at most ${max} characters`)
    .nullable()
    .transform((s) => (s === '' ? null : s));

export const profileFieldSchemas = {
  crm_id: nullableText(PROFILE_LIMITS.crmId),
  name: nullableText(PROFILE_LIMITS.name),
  vip_level: z.number().int('must be a whole number').min(0, 'must be 0-5').max(PROFILE_LIMITS.maxVip, 'must be 0-5'),
  language: z
    .string()
    .trim()
    .max(PROFILE_LIMITS.language)
    .refine((s) => s === '' || isLanguageTag(s), 'must be a BCP 47 language tag, e.g. en or zh-CN')
    .nullable()
    .transform((s) => (s === null || s === '' ? null : canonicalLanguage(s))),
  tags: z
    .array(z.string().trim().min(1).max(PROFILE_LIMITS.tag, `a tag is at most ${PROFILE_LIMITS.tag} characters`).regex(TAG_PATTERN, 'a tag is letters, digits, space _ . : - (starting with a letter or digit)'))
    .max(PROFILE_LIMITS.tags, `at most ${PROFILE_LIMITS.tags} tags`)
    .transform((tags) => [...new Set(tags)]),
  blocked: z.boolean(),
  notes: nullableText(PROFILE_LIMITS.notes),
};

/** Every editable field, optional (a PATCH, a CSV row's columns). */
export const profilePatchSchema = z.strictObject(profileFieldSchemas).partial();
export type ProfilePatch = z.output<typeof profilePatchSchema>;
