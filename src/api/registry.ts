import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { authenticate, getPrincipal, requireBasicApiKey, requireRole, requireRoleOrApiKey, type AuthServices } from '../auth/middleware';
import type { StoredAgent } from '../acd/config-store';
import type { Principal } from '../auth/principal';
import type { Role } from '../auth/roles';
import type { AgentAccessGuard } from './agent-access';
import { HttpProblem } from './problem';
import { validate } from './validation';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route:
 * - public: anyone; no credentials read.
 * - optional: anyone; credentials are read when sent (invalid ones are ignored) so the handler can show more.
 * - roles: a user or API key whose role is listed; `apiKeys: 'any'` also admits an API key of any role.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'optional' }
  | { kind: 'roles'; roles: Role[]; apiKeys?: 'any' }
  /**
   * For machine callers that cannot send our headers (mod_xml_curl, mod_xml_cdr): HTTP Basic whose password is an API
   * key of one of `roles` (requireBasicApiKey: `realm` for the challenge, `caller` named in the 403); OpenAPI
   * security `basicApiKey`.
   */
  | { kind: 'basic-api-key'; roles: Role[]; realm: string; caller: string };

export const PUBLIC: Access = { kind: 'public' };
export const OPTIONAL_AUTH: Access = { kind: 'optional' };
export function roles(...r: Role[]): Access {
  return { kind: 'roles', roles: r };
}

export interface ResponseSpec {
  description: string;
  /** Body schema (application/json unless contentType says otherwise). */
  schema?: z.ZodType;
  contentType?: string;
}

type Schema = z.ZodType | undefined;
type Out<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  /** The caller; null only on public/optional routes. */
  principal: Principal | null;
  params: P;
  query: Q;
  body: B;
  /** The agent the route acts on (routes with `agent`), once the team scope has admitted the caller. */
  agent?: StoredAgent;
}

/**
 * Where a route's ACD agent id is: a path parameter or a body field (a body field that is absent or null names no
 * agent, e.g. a callback for whoever is free). The registry checks the caller's scope on that agent
 * (src/api/agent-access.ts) before the handler runs.
 */
export interface AgentRef {
  in: 'params' | 'body';
  field: string;
}

export interface RouteDef<PS extends Schema = undefined, QS extends Schema = undefined, BS extends Schema = undefined> {
  method: HttpMethod;
  /** Express path pattern, e.g. `/api/v1/users/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  access: Access;
  params?: PS;
  query?: QS;
  body?: BS;
  /**
   * A streamed, unparsed body of this media type (e.g. text/csv): the handler reads `req` itself and must enforce its
   * own size limit. Other media types get 415. Exclusive with `body`.
   */
  rawBody?: { contentType: string; description: string };
  /** The route acts on an ACD agent: admins any, supervisors their teams' agents, agents themselves. */
  agent?: AgentRef;
  responses: Record<number, ResponseSpec>;
  handler: (ctx: RouteContext<Out<PS>, Out<QS>, Out<BS>>) => unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteDef<any, any, any>;

/** Declares a route with the types of its handler's params/query/body inferred from its zod schemas. */
export function defineRoute<PS extends Schema = undefined, QS extends Schema = undefined, BS extends Schema = undefined>(
  def: RouteDef<PS, QS, BS>,
): AnyRoute {
  return def as AnyRoute;
}

const JSON_TYPES = ['application/json', 'application/*+json'];

export interface MountOptions {
  auth: AuthServices;
  /** Largest accepted request body, as for body-parser (e.g. '1mb'). */
  bodyLimit: string;
  /** The team scope of routes that act on an agent. */
  agentAccess: AgentAccessGuard;
}

/**
 * The routes of the API: each is mounted on express with authentication, role check, body parsing and
 * validation, in that order, and the same list generates the OpenAPI document.
 */
export class RouteRegistry {
  private readonly list: AnyRoute[] = [];

  add(...routes: AnyRoute[]): this {
    for (const r of routes) {
      if (this.list.some((x) => x.method === r.method && x.path === r.path)) throw new Error(`route ${r.method} ${r.path} defined twice`);
      if (this.list.some((x) => x.operationId === r.operationId)) throw new Error(`operationId ${r.operationId} used twice`);
      this.list.push(r);
    }
    return this;
  }

  get routes(): readonly AnyRoute[] {
    return this.list;
  }

  mount(app: Express, options: MountOptions): void {
    const jsonParser = express.json({ limit: options.bodyLimit, type: JSON_TYPES, strict: true });
    for (const r of this.list) {
      const chain: RequestHandler[] = [
        (_req, res, next) => {
          res.locals.route = r.path;
          next();
        },
      ];
      if (r.access.kind === 'optional') chain.push(authenticate(options.auth, { optional: true }));
      if (r.access.kind === 'basic-api-key') chain.push(requireBasicApiKey(options.auth, r.access.roles, r.access.realm, r.access.caller));
      if (r.access.kind === 'roles') {
        chain.push(authenticate(options.auth));
        chain.push(r.access.apiKeys === 'any' ? requireRoleOrApiKey(...r.access.roles) : requireRole(...r.access.roles));
      }
      if (r.body) {
        chain.push(requireJsonBody, jsonParser);
      } else if (r.rawBody) {
        chain.push(requireRawBody(r.rawBody.contentType));
      }
      chain.push(async (req: Request, res: Response) => {
        const params = r.params ? validate(r.params, { ...req.params }, 'params') : undefined;
        const query = r.query ? validate(r.query, { ...(req.query as object) }, 'query') : undefined;
        const body = r.body ? validate(r.body, req.body, 'body') : undefined;
        const principal = getPrincipal(res);
        const agent = r.agent ? await scopedAgent(options.agentAccess, principal, r.agent, { params, body }) : undefined;
        await r.handler({ req, res, principal, params, query, body, agent });
      });
      app[r.method](r.path, ...chain);
    }
  }

  /** Methods registered for a concrete request path (for 405 answers), or [] when no route pattern matches it. */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.list) if (patternToRegExp(r.path).test(path)) methods.add(r.method.toUpperCase());
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods];
  }
}

/** The agent named by `ref`, if the caller may act on it (else the guard's 401/403/404). */
async function scopedAgent(
  guard: AgentAccessGuard,
  principal: Principal | null,
  ref: AgentRef,
  input: { params: unknown; body: unknown },
): Promise<StoredAgent | undefined> {
  const from = (ref.in === 'params' ? input.params : input.body) as Record<string, unknown> | undefined;
  const id = from?.[ref.field];
  if (id === undefined || id === null) return undefined;
  if (typeof id !== 'number') throw new Error(`route agent field ${ref.in}.${ref.field} must be validated as a number`);
  return guard.require(principal, id);
}

function patternToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${parts.join('/')}/?$`);
}

function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  // No body at all: validation then reports "body is required".
  if (hasBody && !req.is(JSON_TYPES)) {
    const got = req.headers['content-type'];
    throw new HttpProblem(415, got ? `Content-Type must be application/json, not ${got.split(';')[0]}` : 'Content-Type must be application/json');
  }
  next();
}

/** For rawBody routes: the body must be there and of the route's media type; it is left unread for the handler. */
function requireRawBody(contentType: string): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const got = req.headers['content-type'];
    if (!req.is(contentType)) throw new HttpProblem(415, got ? `Content-Type must be ${contentType}, not ${got.split(';')[0]}` : `Content-Type must be ${contentType}`);
    next();
  };
}
