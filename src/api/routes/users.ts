import { z } from 'zod';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { revalidateLiveConnections } from '../../acd/live';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { displayNameField, newPasswordField, roleSchema, userOut, usernameField } from '../schemas';
import { idParam } from '../validation';

const idParams = z.strictObject({ id: idParam });

const createBody = z.strictObject({
  username: usernameField,
  password: newPasswordField,
  role: roleSchema,
  display_name: displayNameField.optional(),
  disabled: z.boolean().optional(),
});

const updateBody = z
  .strictObject({
    role: roleSchema.optional(),
    display_name: displayNameField.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((b) => Object.keys(b).length > 0, 'must set at least one of role, display_name, disabled');

const passwordBody = z.strictObject({ password: newPasswordField });

const ADMIN = roles('admin');

export function userRoutes(ctx: ApiContext): AnyRoute[] {
  const { users } = ctx;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/users',
      operationId: 'listUsers',
      summary: 'List users',
      tags: ['users'],
      access: ADMIN,
      responses: { 200: { description: 'all users', schema: z.object({ items: z.array(userOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await users.list() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/users',
      operationId: 'createUser',
      summary: 'Create a user',
      description: 'Usernames are stored lower-case and must be unique (409 otherwise).',
      tags: ['users'],
      access: ADMIN,
      body: createBody,
      responses: { 201: { description: 'created', schema: userOut } },
      handler: async ({ req, res, principal, body }) => {
        const user = await users.create(body);
        await ctx.audit(req, principal, { action: 'user.create', target_type: 'user', target_id: user.id, before: null, after: user });
        res.status(201).location(`/api/v1/users/${user.id}`).json(user);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/users/:id',
      operationId: 'getUser',
      summary: 'Get a user',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'the user', schema: userOut } },
      handler: async ({ res, params }) => {
        const user = await users.get(params.id);
        if (!user) throw new HttpProblem(404, `user ${params.id} does not exist`);
        res.json(user);
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/users/:id',
      operationId: 'updateUser',
      summary: "Change a user's role, display name or disabled flag",
      description: 'The last enabled admin cannot be demoted or disabled (409).',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      body: updateBody,
      responses: { 200: { description: 'the updated user', schema: userOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const { before, after } = await users.update(params.id, body);
        await ctx.audit(req, principal, { action: 'user.update', target_type: 'user', target_id: params.id, before, after });
        revalidateLiveConnections();
        res.json(after);
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/users/:id/password',
      operationId: 'setUserPassword',
      summary: "Set a user's password",
      description: "Ends the user's sessions: tokens issued before the change stop working.",
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      body: passwordBody,
      responses: { 204: { description: 'password set' } },
      handler: async ({ req, res, principal, params, body }) => {
        const user = await users.setPassword(params.id, body.password);
        // The audit says that the password changed, never what to.
        await ctx.audit(req, principal, {
          action: 'user.password',
          target_type: 'user',
          target_id: params.id,
          before: null,
          after: { id: user.id, username: user.username, password_changed: true },
        });
        revalidateLiveConnections();
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/users/:id',
      operationId: 'deleteUser',
      summary: 'Delete a user',
      description: 'The last enabled admin cannot be deleted (409).',
      tags: ['users'],
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await users.delete(params.id);
        await ctx.audit(req, principal, { action: 'user.delete', target_type: 'user', target_id: params.id, before, after: null });
        revalidateLiveConnections();
        res.status(204).end();
      },
    }),
  ];
}
