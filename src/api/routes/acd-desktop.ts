/**
 * What the agent desktop needs beyond call control: a directory of agents and queues to transfer to (names,
 * extensions and states only, nothing private), the agent's own figures of today, and their own callbacks.
 */
import { z } from 'zod';
import { LeadSchema, CampaignSchema } from '../../db/entities/dialer';
import { agentReport, ReportError } from '../../acd/reports';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { loadedAcdStore } from './acd-admin';
import { agentOfPrincipal } from './acd-calls';

const ANYONE = roles('admin', 'supervisor', 'agent');

const agentStates = ['logged_out', 'available', 'not_ready', 'reserved', 'on_call', 'wrap_up'] as const;

const directoryOut = z
  .object({
    agents: z.array(
      z.object({
        id: z.number().int(),
        name: z.string(),
        extension: z.string(),
        state: z.enum(agentStates),
        queues: z.array(z.string()),
      }),
    ),
    queues: z.array(z.object({ name: z.string(), waiting: z.number().int().nullable(), agents_available: z.number().int().nullable() })),
  })
  .meta({ id: 'AcdDirectory' });

const todayOut = z
  .object({
    agent_id: z.number().int(),
    from: z.string().meta({ format: 'date-time' }),
    to: z.string().meta({ format: 'date-time' }),
    calls_answered: z.number().int(),
    offers: z.number().int(),
    offers_missed: z.number().int(),
    talk_sec: z.number(),
    wrap_up_sec: z.number(),
    aht_sec: z.number().nullable().meta({ description: '(talk + wrap-up) / calls answered' }),
    logged_in_sec: z.number(),
    occupancy: z.number().nullable().meta({ description: '(on call + wrap-up) / logged in, 0-1' }),
  })
  .meta({ id: 'AcdMyToday' });

const callbackOut = z.object({
  lead_id: z.number().int(),
  campaign_id: z.number().int(),
  campaign: z.string().nullable(),
  name: z.string().nullable(),
  phone_e164: z.string(),
  callback_at: z.string().meta({ format: 'date-time' }),
  status: z.string(),
});

const DAY = 86_400_000;

export function acdDesktopRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/directory',
      operationId: 'acdDirectory',
      summary: 'Who and where to transfer to: enabled agents (name, extension, state, queues) and queues (waiting calls)',
      description: 'For every signed-in user (the agent desktop\'s transfer search). No skills, teams or user data.',
      tags: ['acd-agent'],
      access: ANYONE,
      responses: { 200: { description: 'the directory, agents and queues by name', schema: directoryOut } },
      handler: async ({ res }) => {
        const store = await loadedAcdStore(ctx);
        const engine = ctx.deps.acd?.engine;
        const live = new Map((engine?.agents() ?? []).map((a) => [a.id, a.state]));
        const queueStats = new Map((engine?.queues() ?? []).map((q) => [q.queue, q]));
        const agents = store
          .listAgents()
          .filter((a) => a.enabled)
          .map((a) => ({ id: a.id, name: a.name, extension: a.extension, state: live.get(a.id) ?? 'logged_out', queues: a.queues.map((q) => q.queue) }))
          .sort((x, y) => x.name.localeCompare(y.name));
        const queues = store
          .listQueues()
          .map((q) => {
            const s = queueStats.get(q.name);
            return { name: q.name, waiting: s ? s.waiting : null, agents_available: s ? s.agents.available : null };
          })
          .sort((x, y) => x.name.localeCompare(y.name));
        res.json({ agents, queues });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/acd/me/today',
      operationId: 'acdMyToday',
      summary: "Your figures of today (since 00:00 UTC): calls answered, AHT, occupancy (the agent report's definitions)",
      tags: ['acd-agent'],
      access: ANYONE,
      responses: { 200: { description: 'the figures', schema: todayOut } },
      handler: async ({ res, principal }) => {
        const agent = await agentOfPrincipal(ctx, principal);
        const now = ctx.deps.clock.now();
        const from = new Date(Math.floor(now / DAY) * DAY);
        const to = new Date(Math.max(now, from.getTime() + 1000));
        let rows;
        try {
          rows = await agentReport(ctx.deps.dataSource, { from, to, bucket: 'day', agentId: agent.id }, now);
        } catch (err) {
          if (err instanceof ReportError) throw new HttpProblem(503, err.message);
          throw err;
        }
        const sum = (k: 'calls_answered' | 'offers' | 'offers_missed' | 'talk_sec' | 'wrap_up_sec' | 'logged_in_sec' | 'on_call_sec') =>
          rows.reduce((n, r) => n + (r[k] ?? 0), 0);
        const calls = sum('calls_answered');
        const loggedIn = sum('logged_in_sec');
        const busy = sum('on_call_sec') + sum('wrap_up_sec');
        res.json({
          agent_id: agent.id,
          from: from.toISOString(),
          to: to.toISOString(),
          calls_answered: calls,
          offers: sum('offers'),
          offers_missed: sum('offers_missed'),
          talk_sec: sum('talk_sec'),
          wrap_up_sec: sum('wrap_up_sec'),
          aht_sec: calls ? Math.round((sum('talk_sec') + sum('wrap_up_sec')) / calls) : null,
          logged_in_sec: loggedIn,
          occupancy: loggedIn > 0 ? Math.round((busy / loggedIn) * 10_000) / 10_000 : null,
        });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialer/me/callbacks',
      operationId: 'dialerMyCallbacks',
      summary: 'Your scheduled callbacks (campaign leads to be dialled for you), soonest first',
      tags: ['dialer'],
      access: ANYONE,
      responses: { 200: { description: 'the callbacks', schema: z.object({ items: z.array(callbackOut) }) } },
      handler: async ({ res, principal }) => {
        const agent = await agentOfPrincipal(ctx, principal);
        const leads = await ctx.deps.dataSource
          .getRepository(LeadSchema)
          .createQueryBuilder('l')
          .where('l.callback_agent_id = :id AND l.callback_at IS NOT NULL', { id: agent.id })
          .orderBy('l.callback_at', 'ASC')
          .limit(200)
          .getMany();
        const ids = [...new Set(leads.map((l) => l.campaign_id))];
        const campaigns = ids.length ? await ctx.deps.dataSource.getRepository(CampaignSchema).createQueryBuilder('c').where('c.id IN (:...ids)', { ids }).getMany() : [];
        const names = new Map(campaigns.map((c) => [c.id, c.name]));
        res.json({
          items: leads.map((l) => ({
            lead_id: l.id,
            campaign_id: l.campaign_id,
            campaign: names.get(l.campaign_id) ?? null,
            name: l.name,
            phone_e164: l.phone_e164,
            callback_at: new Date(l.callback_at as unknown as string | Date).toISOString(),
            status: l.status,
          })),
        });
      },
    }),
  ];
}
