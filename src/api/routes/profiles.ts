import { z } from 'zod';
import { principalName, type Principal } from '../../auth/principal';
import { callerHistory } from '../../acd/live';
import { ImportHeaderError, ImportTooLargeError } from '../../dialer/leads/csv-rows';
import { isKnownCountry } from '../../dialer/leads/normalise';
import { PROFILE_LIMITS } from '../../db/entities/caller-profile';
import { callerProfilesFor, ProfileConflictError, ProfileStore, type CallerProfile } from '../../profiles';
import { importProfilesCsv, PROFILE_EXPORT_COLUMNS } from '../../profiles/profile-csv';
import { profilePatchSchema, TAG_PATTERN } from '../../profiles/profile-fields';
import type { ApiContext } from '../context';
import { toCsv } from '../csv';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam, limitQuery, offsetQuery } from '../validation';

/** Caller profiles (src/profiles): admins and supervisors write, agents read (they see them in the screen pop). */

const WRITERS = roles('admin', 'supervisor');
const READERS = roles('admin', 'supervisor', 'agent');
/** Largest CSV import body (streamed, never buffered whole). */
export const PROFILE_IMPORT_MAX_BYTES = 100 * 1024 * 1024;

const idParams = z.strictObject({ id: idParam });
const country = z
  .string()
  .transform((s) => s.toUpperCase())
  .refine(isKnownCountry, 'must be a two-letter country code, e.g. US')
  .optional()
  .meta({ description: 'country of numbers written without + (without it only international numbers are accepted)' });
const phone = z.string().trim().min(1).max(64).meta({ description: 'the number in any form; stored as E.164' });

const createBody = z.strictObject({ phone, country, ...profilePatchSchema.shape });
const patchBody = z
  .strictObject({ phone: phone.optional(), country, ...profilePatchSchema.shape })
  .refine((b) => Object.keys(b).some((k) => k !== 'country'), 'must set at least one field');

const searchQuery = z.strictObject({
  q: z.string().max(128).optional().meta({ description: 'substring of the name, CRM id or number' }),
  tag: z.string().max(PROFILE_LIMITS.tag).regex(TAG_PATTERN, 'must be a tag').optional(),
  vip_level: z
    .string()
    .regex(/^[0-5]$/, 'must be 0-5')
    .transform(Number)
    .optional(),
  blocked: z
    .enum(['true', 'false'])
    .transform((s) => s === 'true')
    .optional(),
  limit: limitQuery(50, 500),
  offset: offsetQuery,
});
const byNumberParams = z.strictObject({ number: z.string().min(1).max(64) });
const historyQuery = z.strictObject({ limit: limitQuery(20, 200), offset: offsetQuery });

const profileOut = z.object({
  id: z.number(),
  phone_e164: z.string(),
  crm_id: z.string().nullable(),
  name: z.string().nullable(),
  vip_level: z.number(),
  language: z.string().nullable(),
  tags: z.array(z.string()),
  blocked: z.boolean(),
  notes: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  updated_by: z.string().nullable(),
});
const importOut = z.object({
  rows: z.number(),
  imported: z.number(),
  updated: z.number(),
  rejected: z.number(),
  blank_lines: z.number(),
  errors: z.array(z.object({ line: z.number(), reason: z.string(), value: z.string() })),
  errors_truncated: z.boolean(),
});
const historyOut = z.object({
  profile_id: z.number(),
  phone_e164: z.string(),
  calls: z.array(z.looseObject({ uuid: z.string(), start_at: z.string().nullable(), billsec: z.number() })),
  queue_calls: z.array(z.looseObject({ id: z.string(), queue: z.string(), agent_name: z.string().nullable(), disposition: z.string().nullable(), notes: z.string().nullable() })),
});

function toE164(raw: string, countryCode: string | undefined): string {
  const p = ProfileStore.normalise(raw, countryCode);
  if (!p.ok) throw new HttpProblem(400, `phone: ${p.reason}`, { errors: [{ location: 'body', field: 'phone', pointer: '/phone', detail: p.reason }] });
  return p.e164;
}

const actorOf = (p: Principal | null): string | null => (p ? principalName(p).slice(0, PROFILE_LIMITS.updatedBy) : null);

export function profileRoutes(ctx: ApiContext): AnyRoute[] {
  const profiles = callerProfilesFor(ctx.deps.dataSource, { clock: ctx.deps.clock, logger: ctx.logger });
  const { store } = profiles;
  const mustGet = async (id: number): Promise<CallerProfile> => {
    const p = await store.get(id);
    if (!p) throw new HttpProblem(404, `profile ${id} does not exist`);
    return p;
  };
  const conflict = (err: unknown): never => {
    if (err instanceof ProfileConflictError) throw new HttpProblem(409, err.message);
    throw err;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/profiles',
      operationId: 'searchProfiles',
      summary: 'Search caller profiles',
      description: 'Every filter given must match; by id, paged by offset/limit; `total` counts all matches.',
      tags: ['profiles'],
      access: READERS,
      query: searchQuery,
      responses: { 200: { description: 'matching profiles', schema: z.object({ items: z.array(profileOut), total: z.number() }) } },
      handler: async ({ res, query }) => {
        res.json(await store.search(query));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/profiles/export',
      operationId: 'exportProfiles',
      summary: 'Download every caller profile as CSV',
      description: 'The columns the import reads (plus id, updated_at, updated_by); cells a spreadsheet would run as a formula get a leading apostrophe, which the import drops.',
      tags: ['profiles'],
      access: WRITERS,
      responses: { 200: { description: 'the profiles, text/csv', contentType: 'text/csv' } },
      handler: async ({ res }) => {
        res.status(200).type('text/csv; charset=utf-8').setHeader('Content-Disposition', 'attachment; filename="caller-profiles.csv"');
        let first = true;
        for await (const batch of store.all()) {
          res.write(toCsv(PROFILE_EXPORT_COLUMNS, batch, { header: first }));
          first = false;
        }
        if (first) res.write(toCsv(PROFILE_EXPORT_COLUMNS, []));
        res.end();
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/profiles/import',
      operationId: 'importProfiles',
      summary: 'Import caller profiles from CSV (streamed, upserted by number)',
      description:
        'A header with `phone` and any of crm_id, name, vip_level, language, tags (`;`-separated), blocked, notes (id, created_at, updated_at, ' +
        'updated_by are ignored; other columns: 422). A column present sets the field (empty cell: cleared), an absent one keeps it. Every data ' +
        'row is counted: imported + updated + rejected = rows; rejected rows are listed (first 100) with line, reason and value. ' +
        `Bodies over ${PROFILE_IMPORT_MAX_BYTES} bytes: 413 (batches before the limit stay imported).`,
      tags: ['profiles'],
      access: WRITERS,
      query: z.strictObject({ country }),
      rawBody: { contentType: 'text/csv', description: 'the profiles, UTF-8 CSV' },
      responses: { 200: { description: 'the import report', schema: importOut }, 422: { description: 'the header row is unusable' } },
      handler: async ({ req, res, principal, query }) => {
        const actor = actorOf(principal);
        let result;
        try {
          result = await importProfilesCsv(
            req,
            async (rows) => {
              const counts = await store.upsertBatch(rows, actor);
              profiles.changed(counts.phones);
              return counts;
            },
            { country: query.country, actor, maxBytes: PROFILE_IMPORT_MAX_BYTES },
          );
        } catch (err) {
          if (err instanceof ImportHeaderError) throw new HttpProblem(422, err.message);
          if (err instanceof ImportTooLargeError) throw new HttpProblem(413, err.message, { headers: { Connection: 'close' } });
          throw err;
        }
        const { errors: _listed, ...counts } = result;
        await ctx.audit(req, principal, { action: 'profile.import', target_type: 'profile', target_id: null, before: null, after: { country: query.country ?? null, ...counts } });
        res.json(result);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/profiles/by-number/:number',
      operationId: 'getProfileByNumber',
      summary: "Get a caller's profile by number (any form: E.164, or national with ?country)",
      tags: ['profiles'],
      access: READERS,
      params: byNumberParams,
      query: z.strictObject({ country }),
      responses: { 200: { description: 'the profile', schema: profileOut } },
      handler: async ({ res, params, query }) => {
        const e164 = toE164(params.number, query.country);
        const p = await store.byPhone(e164);
        if (!p) throw new HttpProblem(404, `${e164} has no profile`);
        res.json(p);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/profiles',
      operationId: 'createProfile',
      summary: 'Create a caller profile',
      description: 'One profile per number and per CRM id (409).',
      tags: ['profiles'],
      access: WRITERS,
      body: createBody,
      responses: { 201: { description: 'created', schema: profileOut } },
      handler: async ({ req, res, principal, body }) => {
        const { phone: raw, country: cc, ...fields } = body;
        const e164 = toE164(raw, cc);
        const p = await store.create(e164, fields, actorOf(principal)).catch(conflict);
        profiles.changed([e164]);
        await ctx.audit(req, principal, { action: 'profile.create', target_type: 'profile', target_id: p.id, before: null, after: p });
        res.status(201).location(`/api/v1/profiles/${p.id}`).json(p);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/profiles/:id',
      operationId: 'getProfile',
      summary: 'Get a caller profile',
      tags: ['profiles'],
      access: READERS,
      params: idParams,
      responses: { 200: { description: 'the profile', schema: profileOut } },
      handler: async ({ res, params }) => {
        res.json(await mustGet(params.id));
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/profiles/:id',
      operationId: 'updateProfile',
      summary: 'Change a caller profile',
      tags: ['profiles'],
      access: WRITERS,
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'the updated profile', schema: profileOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const { phone: raw, country: cc, ...fields } = body;
        const e164 = raw === undefined ? undefined : toE164(raw, cc);
        const changed = await store.update(params.id, { ...fields, ...(e164 ? { phone_e164: e164 } : {}) }, actorOf(principal)).catch(conflict);
        if (!changed) throw new HttpProblem(404, `profile ${params.id} does not exist`);
        profiles.changed([changed.before.phone_e164, changed.after.phone_e164]);
        await ctx.audit(req, principal, { action: 'profile.update', target_type: 'profile', target_id: params.id, before: changed.before, after: changed.after });
        res.json(changed.after);
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/profiles/:id',
      operationId: 'deleteProfile',
      summary: 'Delete a caller profile (the calls stay)',
      tags: ['profiles'],
      access: WRITERS,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await store.delete(params.id);
        if (!before) throw new HttpProblem(404, `profile ${params.id} does not exist`);
        profiles.changed([before.phone_e164]);
        await ctx.audit(req, principal, { action: 'profile.delete', target_type: 'profile', target_id: params.id, before, after: null });
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/profiles/:id/history',
      operationId: 'getProfileHistory',
      summary: "The caller's calls, newest first: call legs (CDRs) and queue calls with queue, agent, disposition, notes",
      description: 'The same query as the screen pop\'s previous calls (src/acd/live.ts callerHistory), matched on the E.164 number with and without its +; both lists paged by limit/offset.',
      tags: ['profiles'],
      access: READERS,
      params: idParams,
      query: historyQuery,
      responses: { 200: { description: 'the calls', schema: historyOut } },
      handler: async ({ res, params, query }) => {
        const p = await mustGet(params.id);
        const numbers = [p.phone_e164, p.phone_e164.slice(1)];
        const h = await callerHistory({ ds: ctx.deps.dataSource, logger: ctx.logger }, numbers, { limit: query.limit, offset: query.offset });
        res.json({ profile_id: p.id, phone_e164: p.phone_e164, calls: h.previous_calls, queue_calls: h.previous_queue_calls });
      },
    }),
  ];
}

