import type { ApiContext } from '../context';
import { buildOpenApi } from '../openapi';
import { defineRoute, PUBLIC, type AnyRoute, type RouteRegistry } from '../registry';

export function openApiRoutes(_ctx: ApiContext, registry: RouteRegistry): AnyRoute[] {
  let doc: object | undefined;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'openapi',
      summary: 'This OpenAPI 3.1 document',
      tags: ['system'],
      access: PUBLIC,
      responses: { 200: { description: 'OpenAPI 3.1 document' } },
      handler: ({ res }) => {
        doc ??= buildOpenApi(registry);
        res.json(doc);
      },
    }),
  ];
}
