import type { ApiContext } from '../context';
import { defineRoute, PUBLIC, type Access, type AnyRoute } from '../registry';

export function metricsRoutes(ctx: ApiContext): AnyRoute[] {
  const access: Access = ctx.deps.config.metrics.public ? PUBLIC : { kind: 'roles', roles: ['admin', 'supervisor'], apiKeys: 'any' };
  const registry = ctx.deps.metrics.registry;
  return [
    defineRoute({
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      description: 'Needs an admin or supervisor, or any API key, unless METRICS_PUBLIC=true.',
      tags: ['system'],
      access,
      responses: { 200: { description: 'Prometheus text exposition format', contentType: 'text/plain' } },
      handler: async ({ res }) => {
        const body = await registry.metrics();
        res.status(200).type(registry.contentType).send(body);
      },
    }),
  ];
}
