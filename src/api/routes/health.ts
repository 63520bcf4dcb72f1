import { z } from 'zod';
import type { ApiContext } from '../context';
import { healthHttpStatus, type HealthReport } from '../health';
import { defineRoute, OPTIONAL_AUTH, type AnyRoute } from '../registry';

const statusSchema = z.enum(['ok', 'degraded', 'down']);

const healthOut = z.object({
  status: statusSchema,
  freeswitch: z
    .array(
      z.object({
        node: z.string(),
        status: z.string(),
        connected_since: z.string().optional(),
        reconnects: z.number().int().optional().meta({ description: 'connection attempts after the first one since start (after a loss, a failure or an auth refusal)' }),
        connections: z.number().int().optional().meta({ description: 'successful connections since start (1 = never lost)' }),
        events_received: z.number().int().optional(),
        events_dropped: z.number().int().optional(),
        last_heartbeat: z.record(z.string(), z.unknown()).optional(),
      }),
    )
    .optional()
    .meta({ description: 'only for authenticated callers' }),
  database: z
    .object({ status: z.enum(['ok', 'down']), error: z.string().optional() })
    .optional()
    .meta({ description: 'only for authenticated callers' }),
  cdr: z
    .object({
      status: z.enum(['ok', 'spooling', 'losing']),
      queued: z.number().int(),
      spooled: z.number().int(),
      spool_bytes: z.number().int(),
      spool_max_bytes: z.number().int(),
      spool_refused: z.number().int(),
    })
    .optional()
    .meta({ description: 'only for authenticated callers: CDRs waiting in memory and in the local spool (spooling: the database refused writes; losing: the spool refused CDRs)' }),
  role: z.enum(['active', 'standby']).optional().meta({ description: "this instance's HA role, shown to anyone (a load balancer sends writes to the active one)" }),
  ha: z
    .object({
      mode: z.enum(['single', 'lease']),
      instance_id: z.string(),
      role: z.enum(['active', 'standby']),
      term: z.number().int().nullable(),
      holder: z.string().nullable(),
      holder_url: z.string().nullable(),
      lease_age_ms: z.number().nullable(),
    })
    .optional()
    .meta({ description: 'only for authenticated callers: the leadership lease as this instance sees it (term: the fencing number of the current leadership)' }),
  prompts: z
    .object({
      missing: z.number(),
      nodes: z.array(
        z.object({ node: z.string(), checked_at: z.string(), checked: z.number(), missing: z.array(z.string()), error: z.string().optional() }),
      ),
    })
    .optional()
    .meta({ description: 'only for authenticated callers: the prompt files each node was asked for at connect (file_exists), and the missing ones' }),
});

export function healthRoutes(ctx: ApiContext): AnyRoute[] {
  return [
    defineRoute({
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Service health',
      description:
        'Anyone gets `status`; an authenticated caller (any role or API key) also gets FreeSWITCH node and database details. 200 when ok or degraded, 503 when down.',
      tags: ['system'],
      access: OPTIONAL_AUTH,
      responses: {
        200: { description: 'ok or degraded', schema: healthOut },
        503: { description: 'down', schema: healthOut },
      },
      handler: async ({ res, principal }) => {
        let report: HealthReport;
        try {
          report = await ctx.deps.health();
        } catch (err) {
          ctx.logger.error('health check failed', { error: (err as Error).message });
          report = { status: 'down', freeswitch: [], database: { status: 'down', error: 'health check failed' } };
        }
        const role = report.ha?.role;
        res.status(healthHttpStatus(report.status)).json(principal ? { ...report, ...(role ? { role } : {}) } : { status: report.status, ...(role ? { role } : {}) });
      },
    }),
  ];
}
