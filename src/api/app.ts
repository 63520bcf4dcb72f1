import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { ApiKeyService } from '../auth/api-keys';
import { consoleRouter } from './console';
import { standbyGate } from './standby-gate';
import { ServiceError } from '../auth/errors';
import { PasswordPolicyError } from '../auth/password';
import { LoginRateLimiter } from '../auth/rate-limit';
import { resolveJwtSecret, TokenService } from '../auth/tokens';
import { UserService } from '../auth/users';
import { recordingStoreFor } from '../recording/store';
import { AgentAccessGuard } from './agent-access';
import { makeAudit, type ApiContext, type ApiDeps } from './context';
import { HttpProblem, sendProblem } from './problem';
import { RouteRegistry } from './registry';
import { apiKeyRoutes } from './routes/api-keys';
import { auditRoutes } from './routes/audit';
import { authRoutes } from './routes/auth';
import { cdrRoutes } from './routes/cdrs';
import { ivrRoutes } from './routes/ivr';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { openApiRoutes } from './routes/openapi';
import { userRoutes } from './routes/users';
import { dialplanRoutes } from './routes/dialplans';
import { sipAccountRoutes } from './routes/sip-accounts';
import { xmlCurlRoutes } from '../dialplan/xml-curl';
import { xmlCdrRoutes } from '../cdr/xml-cdr-route';
import { acdAdminRoutes, acdStore } from './routes/acd-admin';
import { acdAgentRoutes } from './routes/acd-agent';
import { acdLiveRoutes } from './routes/acd-live';
import { profileRoutes } from './routes/profiles';
import { acdCallRoutes } from './routes/acd-calls';
import { recordingRoutes } from './routes/recordings';
import { dialerLeadRoutes } from './routes/dialer-leads';
import { dialerRoutes } from './routes/dialer';
import { acdDesktopRoutes } from './routes/acd-desktop';
import { supervisionRoutes } from './routes/supervision';
import { ticketRoutes } from './routes/tickets';
import { ticketFollowupRoutes } from './routes/ticket-followups';
import { csatRoutes } from './routes/csat';
import { alertRoutes } from './routes/alerts';
import { webhookRoutes } from './routes/webhooks';
import { reportRoutes } from './routes/reports';

export type { ApiDeps } from './context';
export type { HealthReport } from './health';

const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Builds the services and the route registry; exported so tests can compare the routes with the OpenAPI document. */
export function createApiContext(deps: ApiDeps): { ctx: ApiContext; registry: RouteRegistry } {
  const logger = deps.logger.child({ module: 'api' });
  const opts = deps.options ?? {};
  const ctx: ApiContext = {
    deps,
    logger,
    users: new UserService(deps.dataSource, { clock: deps.clock, bcryptCost: opts.bcryptCost }),
    apiKeys: new ApiKeyService(deps.dataSource, { clock: deps.clock, logger }),
    tokens: new TokenService(resolveJwtSecret(deps.config, logger), deps.config.auth.tokenTtlSeconds, deps.clock),
    loginLimiter: new LoginRateLimiter(deps.clock, { maxFailures: opts.loginMaxFailures, windowMs: opts.loginWindowMs }),
    audit: makeAudit(deps.dataSource, deps.clock),
    agentAccess: new AgentAccessGuard({
      agents: () => acdStore(ctx),
      supervisorTeams: (userId) => recordingStoreFor(deps.dataSource).supervisorTeams(userId),
    }),
  };
  const registry = new RouteRegistry();
  registry.add(
    ...healthRoutes(ctx),
    ...metricsRoutes(ctx),
    ...openApiRoutes(ctx, registry),
    ...authRoutes(ctx),
    ...userRoutes(ctx),
    ...apiKeyRoutes(ctx),
    ...cdrRoutes(ctx),
    ...auditRoutes(ctx),
    ...ivrRoutes(ctx),
    ...dialplanRoutes(ctx),
    ...sipAccountRoutes(ctx),
    ...xmlCurlRoutes(ctx),
    ...xmlCdrRoutes(ctx),
    ...acdAdminRoutes(ctx),
    ...acdAgentRoutes(ctx),
    ...acdLiveRoutes(ctx),
    ...acdCallRoutes(ctx),
    ...supervisionRoutes(ctx),
    ...recordingRoutes(ctx),
    ...dialerLeadRoutes(ctx),
    ...dialerRoutes(ctx),
    ...acdDesktopRoutes(ctx),
    ...ticketRoutes(ctx),
    ...ticketFollowupRoutes(ctx),
    ...webhookRoutes(ctx),
    ...profileRoutes(ctx),
    ...csatRoutes(ctx),
    ...alertRoutes(ctx),
    ...reportRoutes(ctx),
  );
  return { ctx, registry };
}

/**
 * The HTTP API: `/api/v1/...`, `/healthz` and `/metrics`, and the web console at `/` (./console.ts). Every route is authenticated and role-checked except
 * POST /api/v1/auth/login, /healthz (details only when authenticated), /api/v1/openapi.json, and /metrics when
 * config.metrics.public. Errors are RFC 9457 problem details.
 */
export function createApp(deps: ApiDeps): express.Express {
  const { ctx, registry } = createApiContext(deps);
  const { clock, metrics } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use((req: Request, res: Response, next: NextFunction) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const started = clock.now();
    res.on('finish', () => {
      const route = typeof res.locals.route === 'string' ? res.locals.route : 'unmatched';
      const seconds = Math.max(0, clock.now() - started) / 1000;
      metrics.httpRequestDuration.observe({ route, method: req.method, status: String(res.statusCode) }, seconds);
      ctx.logger.http('request', { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1000) });
    });
    next();
  });

  if (deps.haRole) app.use(standbyGate(deps.haRole));
  registry.mount(app, { auth: ctx, bodyLimit: deps.options?.bodyLimit ?? '1mb', agentAccess: ctx.agentAccess });
  if (deps.config.console) app.use(consoleRouter(deps.config.console.dir, ctx.logger));

  app.use((req: Request) => {
    const allowed = registry.methodsFor(req.path);
    if (allowed.length > 0)
      throw new HttpProblem(405, `${req.method} is not allowed here; use ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } });
    throw new HttpProblem(404, `no route for ${req.method} ${req.path}`);
  });

  const errorHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
    if (res.headersSent) return next(err);
    sendProblem(req, res, toProblem(err, ctx));
  };
  app.use(errorHandler);
  return app;
}

function toProblem(err: unknown, ctx: ApiContext): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof ServiceError) {
    const status = err.kind === 'not_found' ? 404 : err.kind === 'conflict' ? 409 : 400;
    const errors =
      status === 400 && err.field ? [{ location: 'body' as const, field: err.field, pointer: `#/${err.field}`, detail: err.message }] : undefined;
    return new HttpProblem(status, err.message, { errors });
  }
  if (err instanceof PasswordPolicyError) {
    return new HttpProblem(400, err.message, { errors: [{ location: 'body', field: 'password', pointer: '#/password', detail: err.message }] });
  }
  // body-parser errors carry a `type` and an HTTP status.
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; limit?: number } | null;
  switch (e?.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, `request body is not valid JSON: ${e.message ?? ''}`.trim(), {
        errors: [{ location: 'body', field: '', pointer: '#', detail: 'malformed JSON' }],
      });
    case 'entity.too.large':
      return new HttpProblem(413, `request body is larger than the limit of ${e.limit ?? '?'} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, e.message ?? 'unsupported body encoding');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem(400, e.message ?? 'bad request body');
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new HttpProblem(status, e?.message ?? 'bad request');
  ctx.logger.error('unhandled error in request', { error: err instanceof Error ? err.stack : String(err) });
  return new HttpProblem(500, 'internal error; see the service log');
}
