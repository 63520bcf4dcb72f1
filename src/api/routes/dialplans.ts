import { z } from 'zod';
import { applyDialplans } from '../../dialplan/apply';
import { authorOf, auditView, CONTEXT_NAME, DialplanInvalidError, DialplanService, toFull, toInfo } from '../../dialplan/dialplan-service';
import { MAX_DIALPLAN_BYTES, validateDialplan } from '../../dialplan/validate';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';

const ADMIN = roles('admin');
const TAGS = ['dialplans'];

const contextField = z
  .string()
  .regex(CONTEXT_NAME, 'must be 1-64 letters, digits, "_", "." or "-", starting with a letter or digit')
  .meta({ description: 'FreeSWITCH dialplan context, e.g. public' });
const versionNumber = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer')
  .transform(Number);
const xmlField = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_DIALPLAN_BYTES, `must be at most ${MAX_DIALPLAN_BYTES} characters`)
  .meta({ description: 'the dialplan document: <include> (or <context name="...">) holding <extension>s' });
const commentField = z.string().max(500, 'must be at most 500 characters').optional().meta({ description: 'why the change was made' });

const contextParams = z.strictObject({ context: contextField });

const issueOut = z
  .object({
    message: z.string(),
    line: z.number().int().optional(),
    extension: z.string().optional(),
    extension_index: z.number().int().optional(),
    condition: z.string().optional().meta({ description: '1-based; nested conditions as 2.1' }),
  })
  .meta({ id: 'DialplanIssue' });

const actionOut = z.object({ application: z.string(), data: z.string().optional(), inline: z.boolean().optional() });

interface ConditionShape {
  field?: string;
  expression?: string;
  break?: string;
  require_nested?: boolean;
  regex?: 'any' | 'all' | 'xor';
  regexes?: Array<{ field: string; expression: string }>;
  time?: Record<string, string>;
  actions: Array<z.infer<typeof actionOut>>;
  anti_actions: Array<z.infer<typeof actionOut>>;
  conditions?: ConditionShape[];
  line?: number;
}

const conditionOut: z.ZodType<ConditionShape> = z
  .object({
    field: z.string().optional(),
    expression: z.string().optional(),
    break: z.string().optional(),
    require_nested: z.boolean().optional(),
    regex: z.enum(['any', 'all', 'xor']).optional(),
    regexes: z.array(z.object({ field: z.string(), expression: z.string() })).optional(),
    time: z.record(z.string(), z.string()).optional(),
    actions: z.array(actionOut),
    anti_actions: z.array(actionOut),
    get conditions() {
      return z.array(conditionOut).optional();
    },
    line: z.number().int().optional(),
  })
  .meta({ id: 'DialplanCondition' });

const extensionOut = z
  .object({ name: z.string(), continue: z.boolean(), conditions: z.array(conditionOut), line: z.number().int().optional() })
  .meta({ id: 'DialplanExtension' });

const versionInfoOut = z
  .object({
    context: z.string(),
    version: z.number().int(),
    deleted: z.boolean().meta({ description: 'true for the version that deleted the context' }),
    sha256: z.string(),
    author_user_id: z.number().int().nullable(),
    author_name: z.string(),
    comment: z.string().nullable(),
    created_at: z.string().meta({ format: 'date-time' }),
  })
  .meta({ id: 'DialplanVersion' });

const versionFullOut = versionInfoOut.extend({ xml: z.string() });
const contextOut = versionFullOut.extend({ extensions: z.array(extensionOut) }).meta({ id: 'DialplanContext' });

/** A unified-diff hunk of src/dialplan/line-diff.ts (dialplan and IVR flow version diffs). */
export const hunkOut = z.object({
  old_start: z.number().int(),
  old_lines: z.number().int(),
  new_start: z.number().int(),
  new_lines: z.number().int(),
  lines: z.array(z.object({ op: z.enum([' ', '-', '+']), text: z.string() })),
});

const nodeResultOut = z.object({ node: z.string(), ok: z.boolean(), reply: z.string() });

/** A dialplan that fails validation: 400 with one `errors[]` entry per problem (extension, condition, line). */
export function invalidDialplanProblem(err: DialplanInvalidError): HttpProblem {
  return new HttpProblem(400, err.message, {
    type: 'invalid-dialplan',
    title: 'Invalid dialplan',
    errors: err.issues.map((i) => ({ location: 'body' as const, field: 'xml', pointer: '#/xml', detail: i.message })),
  });
}

async function mapErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DialplanInvalidError) throw invalidDialplanProblem(err);
    throw err;
  }
}

export function dialplanRoutes(ctx: ApiContext): AnyRoute[] {
  const service = new DialplanService(ctx.deps.dataSource, { clock: ctx.deps.clock });
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/dialplans',
      operationId: 'listDialplans',
      summary: 'List dialplan contexts at their current version',
      tags: TAGS,
      access: ADMIN,
      responses: {
        200: { description: 'live contexts (deleted ones are left out)', schema: z.object({ items: z.array(versionInfoOut.extend({ extensions: z.number().int() })) }) },
      },
      handler: async ({ res }) => {
        res.json({ items: await service.listContexts() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialplans',
      operationId: 'createDialplan',
      summary: 'Create a dialplan context (version 1)',
      description:
        'The XML is validated first (structure, known attributes, regexes, no shell applications or command expansions); an invalid dialplan is refused with 400 and one errors[] entry per problem. 409 when the context exists; a deleted context can be created again (its versions continue).',
      tags: TAGS,
      access: ADMIN,
      body: z.strictObject({ context: contextField, xml: xmlField, comment: commentField }),
      responses: { 201: { description: 'created', schema: versionFullOut }, 409: { description: 'the context exists' } },
      handler: async ({ req, res, principal, body }) =>
        mapErrors(async () => {
          const { before, row } = await service.create(body, authorOf(principal));
          await ctx.audit(req, principal, { action: 'dialplan.create', target_type: 'dialplan', target_id: row.context, before: auditView(before), after: auditView(row) });
          res.status(201).location(`/api/v1/dialplans/${encodeURIComponent(row.context)}`).json(toFull(row));
        }),
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialplans/validate',
      operationId: 'validateDialplan',
      summary: 'Validate a dialplan without storing it',
      tags: TAGS,
      access: ADMIN,
      body: z.strictObject({ xml: z.string().max(MAX_DIALPLAN_BYTES), context: contextField.optional() }),
      responses: {
        200: {
          description: 'the verdict: valid, the errors (empty when valid) and the parsed extensions',
          schema: z.object({ valid: z.boolean(), errors: z.array(issueOut), extensions: z.array(extensionOut) }),
        },
      },
      handler: async ({ res, body }) => {
        const v = validateDialplan(body.xml, { context: body.context });
        res.json({ valid: v.ok, errors: v.errors, extensions: v.ok ? v.extensions : [] });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialplans/apply',
      operationId: 'applyDialplans',
      summary: 'Write every current context to the dialplan folder and reloadxml on every FreeSWITCH node',
      description:
        'Each live context is validated again and written atomically to `<DIALPLAN_DIR>/<context>/00_switchboard.xml`; files of deleted contexts are removed. Then `reloadxml` runs on every configured node; each node reports ok/reply (a node that is down reports ok=false with the reason). 400 (nothing written) when a stored context no longer validates.',
      tags: TAGS,
      access: ADMIN,
      responses: {
        200: {
          description: 'what was written and what each node answered',
          schema: z.object({
            dir: z.string(),
            written: z.array(z.object({ context: z.string(), version: z.number().int(), sha256: z.string(), path: z.string() })),
            removed: z.array(z.object({ context: z.string(), path: z.string() })),
            nodes: z.array(nodeResultOut),
          }),
        },
      },
      handler: async ({ req, res, principal }) =>
        mapErrors(async () => {
          const result = await applyDialplans(service, {
            dir: ctx.deps.config.dialplan.dir,
            cluster: ctx.deps.freeswitch,
            logger: ctx.logger,
          });
          await ctx.audit(req, principal, {
            action: 'dialplan.apply',
            target_type: 'dialplan',
            target_id: null,
            before: null,
            after: { written: result.written.map((w) => ({ context: w.context, version: w.version, sha256: w.sha256 })), removed: result.removed, nodes: result.nodes },
          });
          res.json(result);
        }),
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialplans/:context',
      operationId: 'getDialplan',
      summary: 'Get a context: the current XML and its parsed extensions',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      responses: { 200: { description: 'the current version', schema: contextOut } },
      handler: async ({ res, params }) => {
        res.json(await service.view(params.context));
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/dialplans/:context',
      operationId: 'updateDialplan',
      summary: 'Store a new version of a context',
      description:
        'Validated as on create. With `base_version`, 409 unless it is still the current version (no lost updates). The same XML as the current version adds no version (`changed: false`).',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      body: z.strictObject({
        xml: xmlField,
        comment: commentField,
        base_version: z.number().int().min(1).optional().meta({ description: 'the version this edit started from' }),
      }),
      responses: { 200: { description: 'the new current version', schema: versionFullOut.extend({ changed: z.boolean() }) }, 409: { description: 'base_version is not current' } },
      handler: async ({ req, res, principal, params, body }) =>
        mapErrors(async () => {
          const { before, row, changed } = await service.update(params.context, body, authorOf(principal));
          if (changed)
            await ctx.audit(req, principal, { action: 'dialplan.update', target_type: 'dialplan', target_id: row.context, before: auditView(before), after: auditView(row) });
          res.json({ ...toFull(row), changed });
        }),
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/dialplans/:context',
      operationId: 'deleteDialplan',
      summary: 'Delete a context (adds a tombstone version; the history stays and rollback restores it)',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      responses: { 200: { description: 'the tombstone version', schema: versionInfoOut } },
      handler: async ({ req, res, principal, params }) => {
        const { before, row } = await service.delete(params.context, {}, authorOf(principal));
        await ctx.audit(req, principal, { action: 'dialplan.delete', target_type: 'dialplan', target_id: row.context, before: auditView(before), after: auditView(row) });
        res.json(toInfo(row));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialplans/:context/versions',
      operationId: 'listDialplanVersions',
      summary: 'List the versions of a context, oldest first (without XML)',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      responses: { 200: { description: 'every version, deletions included', schema: z.object({ items: z.array(versionInfoOut) }) } },
      handler: async ({ res, params }) => {
        res.json({ items: await service.versions(params.context) });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialplans/:context/versions/:version',
      operationId: 'getDialplanVersion',
      summary: 'Get one version of a context, with its XML',
      tags: TAGS,
      access: ADMIN,
      params: z.strictObject({ context: contextField, version: versionNumber }),
      responses: { 200: { description: 'the version', schema: versionFullOut } },
      handler: async ({ res, params }) => {
        res.json(toFull(await service.version(params.context, params.version)));
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/dialplans/:context/diff',
      operationId: 'diffDialplanVersions',
      summary: 'Line diff between two versions of a context',
      description: 'Defaults: to = the latest version, from = the one before it. A deletion diffs as empty text.',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      query: z.strictObject({
        from: versionNumber.optional().meta({ description: 'older version (default: to - 1)' }),
        to: versionNumber.optional().meta({ description: 'newer version (default: the latest)' }),
      }),
      responses: {
        200: {
          description: 'unified diff text and structured hunks',
          schema: z.object({
            context: z.string(),
            from: z.number().int(),
            to: z.number().int(),
            unified: z.string(),
            hunks: z.array(hunkOut),
            added: z.number().int(),
            removed: z.number().int(),
          }),
        },
      },
      handler: async ({ res, params, query }) => {
        res.json(await service.diff(params.context, query.from, query.to));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/dialplans/:context/rollback',
      operationId: 'rollbackDialplan',
      summary: 'Make an old version current again (as a new version)',
      description: 'The old XML is validated again. Also restores a deleted context.',
      tags: TAGS,
      access: ADMIN,
      params: contextParams,
      body: z.strictObject({ version: z.number().int().min(1), comment: commentField }),
      responses: { 200: { description: 'the new current version', schema: versionFullOut } },
      handler: async ({ req, res, principal, params, body }) =>
        mapErrors(async () => {
          const { before, row } = await service.rollback(params.context, body.version, { comment: body.comment }, authorOf(principal));
          await ctx.audit(req, principal, {
            action: 'dialplan.rollback',
            target_type: 'dialplan',
            target_id: row.context,
            before: auditView(before),
            after: { ...(auditView(row) as object), rolled_back_to: body.version },
          });
          res.json(toFull(row));
        }),
    }),
  ];
}
