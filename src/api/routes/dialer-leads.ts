import { z } from 'zod';
import { DIALER_LIMITS, type CampaignRow, type CampaignType } from '../../db/entities/dialer';
import { isUniqueViolation } from '../../auth/errors';
import { importLeadsCsv, ImportHeaderError, ImportTooLargeError } from '../../dialer/leads/csv-import';
import { campaignSettingsSchema, parseCampaignSettings } from '../../dialer/campaign-settings';
import { parseHhmm } from '../../dialer/leads/calling-window';
import { DncConflictError, DncStore } from '../../dialer/leads/dnc';
import { isKnownCountry, normalisePhone } from '../../dialer/leads/normalise';
import { LeadStore } from '../../dialer/leads/store';
import { isValidTimeZone } from '../../dialer/leads/time-zones';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';

/** Outbound campaigns (admin; supervisors read), their lead imports (admin/supervisor) and DNC lists (admin). */

const ADMIN = roles('admin');
const ADMIN_OR_SUPERVISOR = roles('admin', 'supervisor');
/** Largest CSV import body (streamed, never buffered whole). */
export const LEAD_IMPORT_MAX_BYTES = 200 * 1024 * 1024;

const idParams = z.strictObject({ id: idParam });
const hhmm = z.string().refine((s) => parseHhmm(s) !== null, 'must be HH:MM (00:00-23:59)');
const zone = z.string().max(DIALER_LIMITS.timezone).refine(isValidTimeZone, 'must be an IANA time zone, e.g. America/New_York');
const campaignFields = {
  name: z.string().trim().min(1).max(DIALER_LIMITS.name),
  type: z.enum(['preview', 'progressive', 'predictive', 'agentless'] satisfies readonly CampaignType[]),
  queue: z.string().trim().min(1).max(DIALER_LIMITS.queue),
  timezone: zone,
  window_start: hhmm,
  window_end: hhmm,
  enabled: z.boolean(),
  settings: campaignSettingsSchema.meta({ description: 'dialing settings (AMD, messages, ring time, pacing, retries, schedule); every field has a default' }),
};
const createCampaignBody = z
  .strictObject({
    ...campaignFields,
    timezone: zone.default('UTC'),
    window_start: hhmm.default('09:00'),
    window_end: hhmm.default('21:00'),
    enabled: z.boolean().optional(),
    settings: campaignFields.settings.optional(),
  })
  .refine((b) => b.window_start !== b.window_end, { message: 'window_start and window_end must differ', path: ['window_end'] });
const updateCampaignBody = z
  .strictObject({
    name: campaignFields.name.optional(),
    type: campaignFields.type.optional(),
    queue: campaignFields.queue.optional(),
    timezone: zone.optional(),
    window_start: hhmm.optional(),
    window_end: hhmm.optional(),
    enabled: z.boolean().optional(),
    settings: campaignFields.settings.optional().meta({ description: 'replaces the whole settings object' }),
  })
  .refine((b) => Object.keys(b).length > 0, 'must set at least one field');

const campaignOut = z.object({
  id: z.number(),
  name: z.string(),
  type: z.string(),
  queue: z.string(),
  timezone: z.string(),
  window_start: z.string(),
  window_end: z.string(),
  enabled: z.boolean(),
  settings: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  updated_at: z.string(),
});

/** A campaign as the API shows it: settings parsed, defaults filled (the messages in PROMPTS_DIR). */
export function campaignView(row: CampaignRow, promptsDir?: string) {
  return { ...row, settings: parseCampaignSettings(row.settings, promptsDir).settings };
}

const importQuery = z.strictObject({
  country: z
    .string()
    .transform((s) => s.toUpperCase())
    .refine(isKnownCountry, 'must be a two-letter country code, e.g. US')
    .default('US'),
});
const importOut = z.object({
  rows: z.number(),
  imported: z.number(),
  merged: z.number(),
  rejected: z.number(),
  blank_lines: z.number(),
  errors: z.array(z.object({ line: z.number(), reason: z.string(), value: z.string() })),
  errors_truncated: z.boolean(),
});

const phoneField = z.string().trim().min(1).max(64);
const dncBody = z.strictObject({
  phone: phoneField,
  campaign_id: z.number().int().positive().nullable().default(null),
  reason: z.string().trim().min(1).max(DIALER_LIMITS.reason).default('requested'),
  country: z.string().length(2).default('US'),
});
const dncDeleteQuery = z.strictObject({
  phone: phoneField,
  campaign_id: idParam.optional(),
  country: z.string().length(2).default('US'),
});
const dncListQuery = z.strictObject({
  campaign_id: z.union([z.literal('global'), idParam]).optional(),
  after_id: z.string().regex(/^\d{1,15}$/).transform(Number).default(0),
  limit: z.string().regex(/^\d{1,4}$/).transform(Number).refine((n) => n >= 1 && n <= 1000, 'must be 1-1000').default(100),
});
const dncOut = z.object({ id: z.number(), phone_e164: z.string(), campaign_id: z.number().nullable(), reason: z.string(), created_at: z.string() });

function toE164(raw: string, country: string, location: 'body' | 'query'): string {
  const p = normalisePhone(raw, country.toUpperCase());
  if (!p.ok) throw new HttpProblem(400, `phone: ${p.reason}`, { errors: [{ location, field: 'phone', pointer: '/phone', detail: p.reason }] });
  return p.e164;
}

function dncView(row: { id: number; phone_e164: string; campaign_id: number | null; reason: string; created_at: Date }) {
  return { id: row.id, phone_e164: row.phone_e164, campaign_id: row.campaign_id, reason: row.reason, created_at: row.created_at };
}

export function dialerLeadRoutes(ctx: ApiContext): AnyRoute[] {
  const now = () => new Date(ctx.deps.clock.now());
  const store = new LeadStore(ctx.deps.dataSource, now);
  const dnc = new DncStore(ctx.deps.dataSource, now);
  const mustGet = async (id: number): Promise<CampaignRow> => {
    const c = await store.getCampaign(id);
    if (!c) throw new HttpProblem(404, `campaign ${id} does not exist`);
    return c;
  };
  const nameTaken = (err: unknown, name: string | undefined): never => {
    if (isUniqueViolation(err)) throw new HttpProblem(409, `campaign name "${name}" is taken`);
    throw err;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/campaigns',
      operationId: 'listCampaigns',
      summary: 'List outbound campaigns',
      tags: ['dialer'],
      access: ADMIN_OR_SUPERVISOR,
      responses: { 200: { description: 'all campaigns', schema: z.object({ items: z.array(campaignOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: (await store.listCampaigns()).map((c) => campaignView(c, ctx.deps.config.prompts.dir)) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/campaigns',
      operationId: 'createCampaign',
      summary: 'Create an outbound campaign',
      description: 'Names are unique (409). The calling window is HH:MM local to each lead (default 09:00-21:00).',
      tags: ['dialer'],
      access: ADMIN,
      body: createCampaignBody,
      responses: { 201: { description: 'created', schema: campaignOut } },
      handler: async ({ req, res, principal, body }) => {
        const { settings, ...fields } = body;
        const c = await store.createCampaign({ ...fields, settings: JSON.stringify(settings ?? {}) }).catch((e: unknown) => nameTaken(e, body.name));
        await ctx.audit(req, principal, { action: 'campaign.create', target_type: 'campaign', target_id: c.id, before: null, after: c });
        await ctx.deps.dialer?.reload(c.id);
        res.status(201).location(`/api/v1/dialer/campaigns/${c.id}`).json(campaignView(c, ctx.deps.config.prompts.dir));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/campaigns/:id',
      operationId: 'getCampaign',
      summary: 'Get an outbound campaign',
      tags: ['dialer'],
      access: ADMIN_OR_SUPERVISOR,
      params: idParams,
      responses: { 200: { description: 'the campaign', schema: campaignOut } },
      handler: async ({ res, params }) => {
        res.json(campaignView(await mustGet(params.id), ctx.deps.config.prompts.dir));
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/dialer/campaigns/:id',
      operationId: 'updateCampaign',
      summary: 'Change an outbound campaign',
      tags: ['dialer'],
      access: ADMIN,
      params: idParams,
      body: updateCampaignBody,
      responses: { 200: { description: 'the updated campaign', schema: campaignOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const current = await mustGet(params.id);
        const start = body.window_start ?? current.window_start;
        const end = body.window_end ?? current.window_end;
        if (start === end) throw new HttpProblem(400, 'window_start and window_end must differ');
        const { settings, ...fields } = body;
        const patch = settings === undefined ? fields : { ...fields, settings: JSON.stringify(settings) };
        const changed = await store.updateCampaign(params.id, patch).catch((e: unknown) => nameTaken(e, body.name));
        if (!changed) throw new HttpProblem(404, `campaign ${params.id} does not exist`);
        await ctx.audit(req, principal, { action: 'campaign.update', target_type: 'campaign', target_id: params.id, before: changed.before, after: changed.after });
        await ctx.deps.dialer?.reload(params.id);
        res.json(campaignView(changed.after, ctx.deps.config.prompts.dir));
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/dialer/campaigns/:id',
      operationId: 'deleteCampaign',
      summary: 'Delete an outbound campaign with its leads and its DNC list',
      tags: ['dialer'],
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await store.deleteCampaign(params.id);
        if (!before) throw new HttpProblem(404, `campaign ${params.id} does not exist`);
        await ctx.audit(req, principal, { action: 'campaign.delete', target_type: 'campaign', target_id: params.id, before, after: null });
        await ctx.deps.dialer?.reload(params.id);
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/campaigns/:id/leads/import',
      operationId: 'importCampaignLeads',
      summary: "Import leads from CSV into a campaign (streamed)",
      description:
        'The body is CSV (text/csv), streamed: a header row with a `phone` column (any case), optional `name`, other ' +
        'columns kept as fields. Numbers without + are read in ?country (default US). Duplicates merge into one lead. ' +
        'Every data row is counted: imported + merged + rejected = rows; rejected rows are listed (first 100) with ' +
        `line, reason and value. Header problems: 422 (nothing imported). Bodies over ${LEAD_IMPORT_MAX_BYTES} bytes (configurable): 413 ` +
        '(batches before the limit stay imported).',
      tags: ['dialer'],
      access: ADMIN_OR_SUPERVISOR,
      params: idParams,
      query: importQuery,
      rawBody: { contentType: 'text/csv', description: 'the lead list, UTF-8 CSV' },
      responses: { 200: { description: 'the import report', schema: importOut }, 422: { description: 'the header row is unusable' } },
      handler: async ({ req, res, principal, params, query }) => {
        await mustGet(params.id);
        let result;
        try {
          result = await importLeadsCsv(req, store.sinkFor(params.id), { defaultCountry: query.country, maxBytes: ctx.deps.options?.leadImportMaxBytes ?? LEAD_IMPORT_MAX_BYTES });
        } catch (err) {
          if (err instanceof ImportHeaderError) throw new HttpProblem(422, err.message);
          if (err instanceof ImportTooLargeError) throw new HttpProblem(413, err.message, { headers: { Connection: 'close' } });
          throw err;
        }
        const { errors: _listed, ...counts } = result;
        await ctx.audit(req, principal, { action: 'campaign.leads.import', target_type: 'campaign', target_id: params.id, before: null, after: { country: query.country, ...counts } });
        res.json(result);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/dnc',
      operationId: 'listDnc',
      summary: 'List do-not-call numbers',
      description: '?campaign_id=global for the global list, =<id> for one campaign, absent for every list; paged by after_id.',
      tags: ['dialer'],
      access: ADMIN,
      query: dncListQuery,
      responses: { 200: { description: 'DNC rows', schema: z.object({ items: z.array(dncOut) }) } },
      handler: async ({ res, query }) => {
        const scope = query.campaign_id === undefined ? undefined : query.campaign_id === 'global' ? null : query.campaign_id;
        res.json({ items: (await dnc.list(scope, query.after_id, query.limit)).map(dncView) });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/dnc',
      operationId: 'addDnc',
      summary: 'Add a number to the global or a campaign do-not-call list',
      tags: ['dialer'],
      access: ADMIN,
      body: dncBody,
      responses: { 201: { description: 'added', schema: dncOut } },
      handler: async ({ req, res, principal, body }) => {
        const phone = toE164(body.phone, body.country, 'body');
        if (body.campaign_id !== null) await mustGet(body.campaign_id);
        let row;
        try {
          row = await dnc.add(phone, body.campaign_id, body.reason);
        } catch (err) {
          if (err instanceof DncConflictError) throw new HttpProblem(409, err.message);
          throw err;
        }
        await ctx.audit(req, principal, { action: 'dnc.add', target_type: 'dnc', target_id: row.id, before: null, after: dncView(row) });
        res.status(201).json(dncView(row));
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/dialer/dnc',
      operationId: 'removeDnc',
      summary: 'Remove a number from the global (no campaign_id) or a campaign do-not-call list',
      tags: ['dialer'],
      access: ADMIN,
      query: dncDeleteQuery,
      responses: { 204: { description: 'removed' } },
      handler: async ({ req, res, principal, query }) => {
        const phone = toE164(query.phone, query.country, 'query');
        const row = await dnc.remove(phone, query.campaign_id ?? null);
        if (!row) throw new HttpProblem(404, `${phone} is not on that do-not-call list`);
        await ctx.audit(req, principal, { action: 'dnc.remove', target_type: 'dnc', target_id: row.id, before: dncView(row), after: null });
        res.status(204).end();
      },
    }),
  ];
}
