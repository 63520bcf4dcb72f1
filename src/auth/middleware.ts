import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { HttpProblem } from '../api/problem';
import type { ApiKeyService } from './api-keys';
import type { Principal } from './principal';
import type { Role } from './roles';
import { passwordVersion, TokenError, type TokenService } from './tokens';
import type { UserService } from './users';

export interface AuthServices {
  users: UserService;
  apiKeys: ApiKeyService;
  tokens: TokenService;
}

const REALM = 'Bearer realm="switchboard"';

function unauthorized(detail: string, tokenError = false): HttpProblem {
  return new HttpProblem(401, detail, {
    headers: { 'WWW-Authenticate': tokenError ? `${REALM}, error="invalid_token"` : REALM },
  });
}

/**
 * Reads `Authorization: Bearer <jwt>` or `X-API-Key: <key>`. Returns null when the request carries neither;
 * throws a 401 HttpProblem when it carries a credential that is not valid now (bad, expired, revoked, or the
 * user is gone, disabled or has changed password). A user's role is read from the database on each request, so
 * a role change applies at once.
 */
export async function resolvePrincipal(req: Request, services: AuthServices): Promise<Principal | null> {
  const authorization = req.headers.authorization;
  const apiKeyHeader = req.headers['x-api-key'];
  if (authorization !== undefined && apiKeyHeader !== undefined)
    throw unauthorized('send either an Authorization header or an X-API-Key header, not both');

  if (apiKeyHeader !== undefined) {
    const key = Array.isArray(apiKeyHeader) ? undefined : apiKeyHeader.trim();
    const row = key ? await services.apiKeys.authenticate(key) : null;
    if (!row) throw unauthorized('the API key is not valid or has been revoked');
    return { kind: 'api_key', id: row.id, name: row.name, role: row.role };
  }

  if (authorization !== undefined) {
    const m = /^Bearer[ ]+([A-Za-z0-9_\-.=]+)[ ]*$/i.exec(authorization);
    if (!m) throw unauthorized('the Authorization header must be "Bearer <token>"');
    let claims;
    try {
      claims = services.tokens.verify(m[1]!);
    } catch (err) {
      throw unauthorized(err instanceof TokenError ? err.message : 'token is invalid', true);
    }
    const user = await services.users.getRow(Number(claims.sub));
    if (!user || user.disabled || passwordVersion(user.password_hash) !== claims.pwv)
      throw unauthorized('token is no longer valid', true);
    return { kind: 'user', id: user.id, username: user.username, role: user.role };
  }
  return null;
}

/** Authenticates when credentials are present (see resolvePrincipal) and stores the principal in res.locals. */
export function authenticate(services: AuthServices, options: { optional?: boolean } = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      res.locals.principal = await resolvePrincipal(req, services);
    } catch (err) {
      if (options.optional && err instanceof HttpProblem && err.status === 401) res.locals.principal = null;
      else throw err;
    }
    next();
  };
}

export function getPrincipal(res: Response): Principal | null {
  return (res.locals.principal as Principal | null | undefined) ?? null;
}

/** 401 without a principal; 403 unless the principal's role is one of `roles`. Runs after authenticate(). */
export function requireRole(...roles: Role[]): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    const p = getPrincipal(res);
    if (!p) throw unauthorized('authentication required: send "Authorization: Bearer <token>" or "X-API-Key: <key>"');
    if (!roles.includes(p.role)) throw new HttpProblem(403, `this needs the role ${roles.join(' or ')}; you are ${p.role}`);
    next();
  };
}

/** Like requireRole, but any valid API key is also admitted (for scrapers such as /metrics). */
export function requireRoleOrApiKey(...roles: Role[]): RequestHandler {
  const byRole = requireRole(...roles);
  return (req, res, next) => {
    const p = getPrincipal(res);
    if (p?.kind === 'api_key') return next();
    return byRole(req, res, next);
  };
}

/** The API key in `Authorization: Basic base64(user:key)` or `X-API-Key`, or undefined. */
export function basicApiKeyFrom(req: Request): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header.trim()) return header.trim();
  const auth = req.headers.authorization;
  if (!auth) return undefined;
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)[ ]*$/i.exec(auth);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(colon + 1) : undefined;
}

/**
 * For FreeSWITCH modules that can only send HTTP Basic (mod_xml_curl, mod_xml_cdr): the password must be an API key
 * of one of `roles` (the user name is ignored); 401 with a Basic challenge for `realm` without one, 403 for another
 * role. Stores the key's principal like authenticate().
 */
export function requireBasicApiKey(services: AuthServices, roles: readonly Role[], realm: string, caller: string): RequestHandler {
  const challenge = `Basic realm="${realm}", charset="UTF-8"`;
  return (req: Request, res: Response, next: NextFunction) => {
    const key = basicApiKeyFrom(req);
    (key ? services.apiKeys.authenticate(key) : Promise.resolve(null)).then((row) => {
      if (!row)
        throw new HttpProblem(401, key ? 'the API key is not valid or has been revoked' : 'authentication required: HTTP Basic with an API key as the password', {
          headers: { 'WWW-Authenticate': challenge },
        });
      if (!roles.includes(row.role)) throw new HttpProblem(403, `${caller} needs an ${roles.join(' or ')} API key; this key is ${row.role}`);
      res.locals.principal = { kind: 'api_key', id: row.id, name: row.name, role: row.role } satisfies Principal;
      next();
    }, next).catch(next);
  };
}
