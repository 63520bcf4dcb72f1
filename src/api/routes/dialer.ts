import { z } from 'zod';
import { DialerError, type DialerRuntime } from '../../dialer/runtime/dialer-runtime';
import { LeadStore } from '../../dialer/leads/store';
import { DialerStore } from '../../dialer/runtime/dialer-store';
import { CampaignSchema, type LeadRow, type LedgerRow } from '../../db/entities/dialer';
import { normalisePhone } from '../../dialer/leads/normalise';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';
import { agentOfPrincipal, callControlFor, callProblem } from './acd-calls';

/**
 * The running dialer: start/stop, live figures and per-day abandonment, the lead list and the ledger (admins and
 * supervisors); preview dialing and callbacks for agents.
 */

const MANAGERS = roles('admin', 'supervisor');
const ANYONE = roles('admin', 'supervisor', 'agent');
const TAGS = ['dialer'];

const idParams = z.strictObject({ id: idParam });
const pageQuery = {
  after_id: z.string().regex(/^\d{1,15}$/).transform(Number).default(0),
  limit: z.string().regex(/^\d{1,4}$/).transform(Number).refine((n) => n >= 1 && n <= 1000, 'must be 1-1000').default(100),
};
const ledgerQuery = z.strictObject({
  phone: z.string().trim().min(1).max(64).optional(),
  lead_id: idParam.optional(),
  before_id: z.string().regex(/^\d{1,15}$/).transform(Number).optional(),
  limit: pageQuery.limit,
});

const leadOut = z.object({
  id: z.number(),
  campaign_id: z.number(),
  phone_e164: z.string(),
  phone_raw: z.string(),
  name: z.string().nullable(),
  fields: z.record(z.string(), z.string()),
  time_zones: z.array(z.string()),
  status: z.string(),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  callback_at: z.string().nullable(),
  callback_agent_id: z.number().nullable(),
  last_outcome: z.string().nullable(),
  last_called_at: z.string().nullable(),
});
const ledgerOut = z.object({
  id: z.number(),
  campaign_id: z.number(),
  lead_id: z.number().nullable(),
  phone_e164: z.string(),
  at: z.string(),
  action: z.enum(['dial', 'skip']),
  reason: z.string(),
  detail: z.string(),
  attempt: z.number(),
  call_uuid: z.string().nullable(),
  agent_id: z.number().nullable(),
  outcome: z.string().nullable(),
  resolved_at: z.string().nullable(),
});
const figuresOut = z.record(z.string(), z.unknown());

function json<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function leadView(l: LeadRow) {
  return { ...l, fields: json<Record<string, string>>(l.fields, {}), time_zones: json<string[]>(l.time_zones, []) };
}

function ledgerView(r: LedgerRow) {
  return r;
}

function dialerProblem(err: unknown): never {
  if (err instanceof DialerError) {
    const status = err.code === 'not_found' ? 404 : err.code === 'not_configured' ? 503 : 409;
    throw new HttpProblem(status, err.message, { type: `dialer-${err.code.replace(/_/g, '-')}` });
  }
  return callProblem(err);
}

export function dialerRoutes(ctx: ApiContext): AnyRoute[] {
  const leads = new LeadStore(ctx.deps.dataSource);
  const ledgerStore = new DialerStore(ctx.deps.dataSource);
  const dialer = (): DialerRuntime => {
    const d = ctx.deps.dialer;
    if (!d) throw new HttpProblem(503, 'the dialer is not running', { headers: { 'Retry-After': '5' } });
    return d;
  };
  const mustCampaign = async (id: number) => {
    const c = await ctx.deps.dataSource.getRepository(CampaignSchema).findOneBy({ id });
    if (!c) throw new HttpProblem(404, `campaign ${id} does not exist`);
    return c;
  };
  const setEnabled = (enabled: boolean) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/dialer/campaigns/:id/${enabled ? 'start' : 'stop'}`,
      operationId: enabled ? 'startCampaign' : 'stopCampaign',
      summary: enabled ? 'Start dialing a campaign (enabled = true)' : 'Stop dialing a campaign (calls in flight finish)',
      tags: TAGS,
      access: MANAGERS,
      params: idParams,
      responses: { 200: { description: 'the campaign figures', schema: figuresOut } },
      handler: async ({ req, res, principal, params }) => {
        const before = await mustCampaign(params.id);
        const d = dialer();
        await ctx.deps.dataSource.getRepository(CampaignSchema).update({ id: params.id }, { enabled, updated_at: new Date(ctx.deps.clock.now()) });
        await ctx.audit(req, principal, { action: enabled ? 'campaign.start' : 'campaign.stop', target_type: 'campaign', target_id: params.id, before: { enabled: before.enabled }, after: { enabled } });
        await d.reload(params.id);
        res.json(d.figures(params.id)[0] ?? {});
      },
    });

  return [
    setEnabled(true),
    setEnabled(false),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/live',
      operationId: 'dialerLive',
      summary: 'Live figures of every campaign',
      description:
        'Per campaign: running, mode, lines in flight, calls waiting for an agent, agents logged in / available, dial level, ' +
        'measured live-answer rate, rolling abandonment over its window, dials, outcomes, calls per hour, agent occupancy, ' +
        "and the pacer's last decision. The same figures go to supervisors on the ACD WebSocket as campaign_stats.",
      tags: TAGS,
      access: MANAGERS,
      responses: { 200: { description: 'figures', schema: z.object({ items: z.array(figuresOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: dialer().figures() });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/campaigns/:id/stats',
      operationId: 'campaignStats',
      summary: 'Live figures of a campaign and its abandonment per day (last 30 days, from the ledger)',
      tags: TAGS,
      access: MANAGERS,
      params: idParams,
      responses: {
        200: {
          description: 'figures',
          schema: z.object({
            live: figuresOut.nullable(),
            per_day: z.array(z.object({ day: z.string(), dials: z.number(), live: z.number(), abandoned: z.number(), abandon_rate: z.number() })),
          }),
        },
      },
      handler: async ({ res, params }) => {
        await mustCampaign(params.id);
        const d = dialer();
        res.json({ live: d.figures(params.id)[0] ?? null, per_day: await d.perDay(params.id) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/campaigns/:id/leads',
      operationId: 'listCampaignLeads',
      summary: 'List the leads of a campaign (status, attempts, next attempt, last outcome, callback)',
      tags: TAGS,
      access: MANAGERS,
      params: idParams,
      query: z.strictObject(pageQuery),
      responses: { 200: { description: 'leads, oldest first', schema: z.object({ items: z.array(leadOut) }) } },
      handler: async ({ res, params, query }) => {
        await mustCampaign(params.id);
        res.json({ items: (await leads.listLeads(params.id, query.after_id, query.limit)).map(leadView) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/campaigns/:id/ledger',
      operationId: 'campaignLedger',
      summary: 'Why a number was called, or not: every dial and skip with its reason and outcome, newest first',
      description: '?phone (any format, read as US when without +) or ?lead_id narrows it; page with before_id.',
      tags: TAGS,
      access: MANAGERS,
      params: idParams,
      query: ledgerQuery,
      responses: { 200: { description: 'ledger rows', schema: z.object({ items: z.array(ledgerOut) }) } },
      handler: async ({ res, params, query }) => {
        await mustCampaign(params.id);
        let phone: string | undefined;
        if (query.phone !== undefined) {
          const p = normalisePhone(query.phone, 'US');
          if (!p.ok) throw new HttpProblem(400, `phone: ${p.reason}`);
          phone = p.e164;
        }
        const rows = await ledgerStore.ledger({ campaignId: params.id, phone, leadId: query.lead_id, beforeId: query.before_id, limit: query.limit });
        res.json({ items: rows.map(ledgerView) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/me/preview',
      operationId: 'dialerPreviewNext',
      summary: 'The next lead of a preview campaign for you (held for you until you dial or skip it)',
      description: 'Only enabled preview campaigns whose queue you serve; the lead is callable now (window, DNC, attempts). null when none.',
      tags: TAGS,
      access: ANYONE,
      responses: { 200: { description: 'the lead and its campaign, or null', schema: z.object({ lead: leadOut.nullable(), campaign: z.object({ id: z.number(), name: z.string() }).nullable() }) } },
      handler: async ({ res, principal }) => {
        const agent = await agentOfPrincipal(ctx, principal);
        const next = await dialer().previewNext(agent.id);
        res.json(next ? { lead: leadView(next.lead), campaign: { id: next.campaign.id, name: next.campaign.name } } : { lead: null, campaign: null });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/me/preview/dial',
      operationId: 'dialerPreviewDial',
      summary: 'Dial the previewed lead: your phone rings first, then the lead',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ lead_id: z.number().int().positive() }),
      responses: { 200: { description: 'your phone answered; the lead is being called', schema: z.object({ agent_uuid: z.string(), customer_uuid: z.string(), ledger_id: z.number() }) } },
      handler: async ({ req, res, principal, body }) => {
        const agent = await agentOfPrincipal(ctx, principal);
        let r;
        try {
          r = await dialer().previewDial(agent.id, body.lead_id, (agentId, number) => callControlFor(ctx).manualOutbound(agentId, number));
        } catch (err) {
          dialerProblem(err);
        }
        await ctx.audit(req, principal, { action: 'dialer.preview_dial', target_type: 'lead', target_id: body.lead_id, before: null, after: { agent_id: agent.id, customer_uuid: r.customerUuid } });
        res.json({ agent_uuid: r.agentUuid, customer_uuid: r.customerUuid, ledger_id: r.ledgerId });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/me/preview/skip',
      operationId: 'dialerPreviewSkip',
      summary: 'Skip the previewed lead (it comes back in 15 minutes; the ledger records who skipped and why)',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ lead_id: z.number().int().positive(), reason: z.string().trim().min(1).max(200).default('skipped') }),
      responses: { 204: { description: 'skipped' } },
      handler: async ({ res, principal, body }) => {
        const agent = await agentOfPrincipal(ctx, principal);
        try {
          await dialer().previewSkip(agent.id, body.lead_id, body.reason);
        } catch (err) {
          dialerProblem(err);
        }
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialer/leads/:id/callback',
      operationId: 'scheduleLeadCallback',
      summary: 'Schedule a callback of a lead (agents: for themselves; supervisors: for an agent of their teams or none; admins: any agent or none)',
      description: 'The lead is dialled at `at` ahead of new leads (ledger reason callback), inside its calling window.',
      tags: TAGS,
      access: ANYONE,
      params: idParams,
      body: z.strictObject({ at: z.iso.datetime({ offset: true }), agent_id: z.number().int().positive().nullable().optional() }),
      agent: { in: 'body', field: 'agent_id' },
      responses: { 200: { description: 'the lead', schema: leadOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const at = new Date(body.at);
        if (at.getTime() < ctx.deps.clock.now() - 60_000) throw new HttpProblem(400, 'at: must not be in the past');
        let agentId: number | null = body.agent_id ?? null;
        // A named agent passed the team scope already; an agent who names nobody schedules for themselves.
        if (principal?.role === 'agent') agentId = (await agentOfPrincipal(ctx, principal)).id;
        const before = await leads.getLead(params.id);
        if (!before) throw new HttpProblem(404, `lead ${params.id} does not exist`);
        let lead;
        try {
          lead = await dialer().scheduleCallback(params.id, at, agentId);
        } catch (err) {
          dialerProblem(err);
        }
        await ctx.audit(req, principal, { action: 'dialer.callback', target_type: 'lead', target_id: params.id, before: { next_attempt_at: before.next_attempt_at }, after: { callback_at: at, agent_id: agentId } });
        res.json(leadView(lead));
      },
    }),
  ];
}
