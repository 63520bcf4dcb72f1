import { z } from 'zod';
import { SipAccountService } from '../../directory/sip-accounts';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';

const ADMIN = roles('admin');
const TAGS = ['sip-accounts'];
const idParams = z.strictObject({ id: idParam });

const sipAccountOut = z
  .object({
    id: z.number().int(),
    user_id: z.number().int().nullable().meta({ description: 'the Switchboard user the phone belongs to' }),
    extension: z.string().meta({ description: 'SIP user name / directory user id' }),
    domain: z.string().meta({ description: 'the FreeSWITCH domain (digest realm)' }),
    display_name: z.string().nullable(),
    enabled: z.boolean(),
    created_at: z.string().meta({ format: 'date-time' }),
    updated_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'SipAccount' });

const withPassword = z.object({
  sip_account: sipAccountOut,
  password: z.string().meta({ description: 'the SIP password: shown only in this response; only its A1 hash is stored' }),
});

const displayName = z.string().max(80, 'must be at most 80 characters').nullable().meta({ description: 'caller id name; no "${" or backslash' });
const userId = z.number().int().min(1).nullable();

export function sipAccountRoutes(ctx: ApiContext): AnyRoute[] {
  const accounts = new SipAccountService(ctx.deps.dataSource, { clock: ctx.deps.clock });
  const audit = (action: string, id: number, before: unknown, after: unknown) => ({ action, target_type: 'sip_account', target_id: id, before, after });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/sip-accounts',
      operationId: 'listSipAccounts',
      summary: 'List SIP accounts (never passwords or hashes)',
      tags: TAGS,
      access: ADMIN,
      responses: { 200: { description: 'all accounts by extension', schema: z.object({ items: z.array(sipAccountOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await accounts.list() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/sip-accounts',
      operationId: 'createSipAccount',
      summary: 'Create a SIP account with a generated password',
      description:
        'The password (24 random characters) is in the response only: the database keeps md5("extension:domain:password"), served to FreeSWITCH as a1-hash. 409 when the extension has an account.',
      tags: TAGS,
      access: ADMIN,
      body: z.strictObject({
        extension: z.string().meta({ description: 'letters, digits, _ . -, starting with a letter or digit; 1-64' }),
        domain: z.string().meta({ description: 'the FreeSWITCH domain the phone registers to' }),
        display_name: displayName.optional(),
        user_id: userId.optional(),
        enabled: z.boolean().optional(),
      }),
      responses: { 201: { description: 'created; the password is shown this once', schema: withPassword }, 409: { description: 'extension taken' } },
      handler: async ({ req, res, principal, body }) => {
        const { account, password } = await accounts.create(body);
        await ctx.audit(req, principal, audit('sip_account.create', account.id, null, account));
        res.status(201).location(`/api/v1/sip-accounts/${account.id}`).json({ sip_account: account, password });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/sip-accounts/:id',
      operationId: 'getSipAccount',
      summary: 'Get a SIP account',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'the account', schema: sipAccountOut } },
      handler: async ({ res, params }) => {
        const account = await accounts.get(params.id);
        if (!account) throw new HttpProblem(404, `SIP account ${params.id} does not exist`);
        res.json(account);
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/sip-accounts/:id',
      operationId: 'updateSipAccount',
      summary: "Change a SIP account's display name, enabled flag or user link",
      description: 'Extension and domain cannot change (the A1 hash depends on them): delete and create instead.',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: z
        .strictObject({ display_name: displayName.optional(), enabled: z.boolean().optional(), user_id: userId.optional() })
        .refine((b) => Object.keys(b).length > 0, 'must set at least one of display_name, enabled, user_id'),
      responses: { 200: { description: 'the updated account', schema: sipAccountOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const { before, after } = await accounts.update(params.id, body);
        await ctx.audit(req, principal, audit('sip_account.update', params.id, before, after));
        res.json(after);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/sip-accounts/:id/reset-password',
      operationId: 'resetSipAccountPassword',
      summary: 'Generate a new SIP password (returned once)',
      description: 'The old password stops working at once for new registrations and calls.',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 200: { description: 'the new password, shown this once', schema: withPassword } },
      handler: async ({ req, res, principal, params }) => {
        const { account, password } = await accounts.resetPassword(params.id);
        // The audit says that the password changed, never what to.
        await ctx.audit(req, principal, audit('sip_account.password', params.id, null, { ...account, password_changed: true }));
        res.json({ sip_account: account, password });
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/sip-accounts/:id',
      operationId: 'deleteSipAccount',
      summary: 'Delete a SIP account',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await accounts.delete(params.id);
        await ctx.audit(req, principal, audit('sip_account.delete', params.id, before, null));
        res.status(204).end();
      },
    }),
  ];
}
