import { z } from 'zod';
import { ServiceError } from '../../auth/errors';
import { dummyHash, verifyPassword } from '../../auth/password';
import { toPublicUser } from '../../auth/users';
import { ROLES } from '../../auth/roles';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, PUBLIC, roles, type AnyRoute } from '../registry';
import { newPasswordField, roleSchema, userOut } from '../schemas';

const loginBody = z.strictObject({
  username: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  password: z.string().min(1, 'must not be empty').max(1024, 'must be at most 1024 characters'),
});

const loginOut = z.object({
  token: z.string(),
  token_type: z.literal('Bearer'),
  expires_at: z.string().meta({ format: 'date-time' }),
  user: userOut,
});

const meOut = z.union([
  z.object({ type: z.literal('user'), id: z.number(), username: z.string(), role: roleSchema, display_name: z.string().nullable() }),
  z.object({ type: z.literal('api_key'), id: z.number(), name: z.string(), role: roleSchema }),
]);

const changePasswordBody = z.strictObject({
  current_password: z.string().min(1, 'must not be empty').max(1024),
  new_password: newPasswordField,
});

const INVALID_LOGIN = 'invalid username or password';

export function authRoutes(ctx: ApiContext): AnyRoute[] {
  const { users, tokens, loginLimiter } = ctx;
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/auth/login',
      operationId: 'login',
      summary: 'Exchange username and password for an access token',
      description: 'Repeated failures for one username from one address are refused with 429 for a while (Retry-After says how long).',
      tags: ['auth'],
      access: PUBLIC,
      body: loginBody,
      responses: { 200: { description: 'signed in', schema: loginOut } },
      handler: async ({ req, res, body }) => {
        const ip = req.ip ?? 'unknown';
        const gate = loginLimiter.check(body.username, ip);
        if (!gate.allowed)
          throw new HttpProblem(429, `too many failed logins; try again in ${gate.retryAfterSeconds} s`, {
            headers: { 'Retry-After': String(gate.retryAfterSeconds) },
          });
        const user = await users.findByUsername(body.username);
        // Unknown users cost the same bcrypt time as known ones.
        const ok = await verifyPassword(body.password, user ? user.password_hash : await dummyHash(users.bcryptCost));
        if (!user || !ok || user.disabled) {
          loginLimiter.recordFailure(body.username, ip);
          ctx.logger.info('login failed', { username: body.username.slice(0, 64), ip, reason: !user ? 'unknown user' : !ok ? 'bad password' : 'disabled' });
          throw new HttpProblem(401, INVALID_LOGIN);
        }
        loginLimiter.reset(body.username, ip);
        const issued = tokens.issue(user);
        ctx.logger.info('login', { username: user.username, ip });
        res.json({ token: issued.token, token_type: 'Bearer', expires_at: issued.expiresAt.toISOString(), user: toPublicUser(user) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/auth/me',
      operationId: 'whoAmI',
      summary: 'The signed-in user or API key',
      tags: ['auth'],
      access: roles(...ROLES),
      responses: { 200: { description: 'the caller', schema: meOut } },
      handler: async ({ res, principal }) => {
        const p = principal!;
        if (p.kind === 'api_key') return void res.json({ type: 'api_key', id: p.id, name: p.name, role: p.role });
        const user = await users.get(p.id);
        if (!user) throw new HttpProblem(401, 'token is no longer valid');
        res.json({ type: 'user', id: user.id, username: user.username, role: user.role, display_name: user.display_name });
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/auth/password',
      operationId: 'changeOwnPassword',
      summary: 'Change your own password',
      description: 'Ends your other sessions: tokens issued before the change stop working. Users only, not API keys.',
      tags: ['auth'],
      access: roles(...ROLES),
      body: changePasswordBody,
      responses: { 200: { description: 'password changed; a fresh token for this session', schema: loginOut } },
      handler: async ({ req, res, principal, body }) => {
        const p = principal!;
        if (p.kind !== 'user') throw new HttpProblem(403, 'API keys have no password');
        const row = await users.getRow(p.id);
        if (!row) throw new HttpProblem(401, 'token is no longer valid');
        const ip = req.ip ?? 'unknown';
        const gate = loginLimiter.check(row.username, ip);
        if (!gate.allowed)
          throw new HttpProblem(429, `too many failed attempts; try again in ${gate.retryAfterSeconds} s`, {
            headers: { 'Retry-After': String(gate.retryAfterSeconds) },
          });
        if (!(await verifyPassword(body.current_password, row.password_hash))) {
          loginLimiter.recordFailure(row.username, ip);
          throw new HttpProblem(400, 'current_password is wrong', {
            errors: [{ location: 'body', field: 'current_password', pointer: '#/current_password', detail: 'is wrong' }],
          });
        }
        if (body.new_password === body.current_password)
          throw new ServiceError('invalid', 'new_password must differ from current_password', 'new_password');
        const after = await users.setPassword(p.id, body.new_password);
        const fresh = await users.getRow(p.id);
        await ctx.audit(req, p, { action: 'user.password', target_type: 'user', target_id: p.id, before: null, after: { id: after.id, username: after.username, password_changed: true } });
        const issued = tokens.issue(fresh!);
        res.json({ token: issued.token, token_type: 'Bearer', expires_at: issued.expiresAt.toISOString(), user: after });
      },
    }),
  ];
}
