import { z } from 'zod';
import { diffText } from '../../dialplan/line-diff';
import { hunkOut } from './dialplans';
import { principalName, type Principal } from '../../auth/principal';
import { dryRun } from '../../ivr/dry-run';
import type { FlowResolver } from '../../ivr/interpreter';
import { parseFlowDocument } from '../../ivr/flow-schema';
import { DID_PATTERN, FLOW_NAME_PATTERN, IvrStoreError, ivrStoreFor, type FlowValidationError, type IvrStore } from '../../ivr/store';
import type { ApiContext } from '../context';
import { HttpProblem, type FieldError } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { isoDateQuery, limitQuery, offsetQuery } from '../validation';

const ADMIN = roles('admin');
const SUPERVISOR = roles('admin', 'supervisor');

const nameParams = z.strictObject({
  name: z.string().regex(FLOW_NAME_PATTERN, 'must be a flow name (letters, digits, _ . -; at most 64)'),
});
const versionParams = z.strictObject({
  name: nameParams.shape.name,
  version: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, 'must be a positive integer')
    .transform(Number),
});
const didParams = z.strictObject({ did: z.string().regex(DID_PATTERN, 'must be a DID: 3-15 digits, no + (as switchboard_did carries it)') });
const uuidParams = z.strictObject({
  uuid: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a call UUID (letters, digits and "-", at most 64)'),
});

const flowBody = z.strictObject({
  document: z.record(z.string(), z.unknown()).meta({ description: 'the flow document (see the IVR section of the README)' }),
  comment: z.string().max(512).optional().meta({ description: 'what changed, kept with the version' }),
});

const dryRunBody = z.strictObject({
  digits: z
    .array(z.string().regex(/^[0-9*#A-D]{0,128}$/, 'digits are 0-9 * # A-D; "" is a timeout'))
    .max(200)
    .default([])
    .meta({ description: 'one entry per menu/collect attempt; "" is a timeout' }),
  at: z.iso.datetime({ offset: true }).optional().meta({ description: 'when the call happens (default: now)' }),
  callerNumber: z.string().max(64).optional(),
  did: z.string().max(32).optional(),
  http: z
    .record(z.string().max(64), z.strictObject({ ok: z.boolean(), values: z.record(z.string().max(128), z.string().max(1024)).optional() }))
    .optional()
    .meta({ description: 'answers for http nodes, by node id' }),
  variables: z.record(z.string().max(128), z.string().max(1024)).optional(),
  document: z
    .record(z.string(), z.unknown())
    .optional()
    .meta({ description: 'a draft of this flow to walk instead of its live version (validated, not saved)' }),
});

const callsQuery = z
  .strictObject({
    from: isoDateQuery.optional(),
    to: isoDateQuery.optional(),
    did: z.string().regex(DID_PATTERN, 'must be a DID: 3-15 digits').optional(),
    outcome: z.string().regex(/^[a-z-]{1,32}$/, 'must be an outcome such as queue, voicemail, caller-hangup').optional(),
    limit: limitQuery(50, 500),
    offset: offsetQuery,
  })
  .refine((q) => !q.from || !q.to || q.from.getTime() <= q.to.getTime(), { message: 'must not be before "from"', path: ['to'] });

const voicemailQuery = z.strictObject({
  box: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'must be a voicemail box name').optional(),
  from: isoDateQuery.optional(),
  to: isoDateQuery.optional(),
  limit: limitQuery(50, 500),
  offset: offsetQuery,
});

const dateTime = z.string().meta({ format: 'date-time' });
const pathStepOut = z.looseObject({
  at: z.number(),
  flow: z.string(),
  flowVersion: z.number().int(),
  node: z.string(),
  nodeType: z.string(),
  event: z.string(),
  digits: z.string().optional(),
  detail: z.string().optional(),
});
const flowOut = z
  .object({
    id: z.number().int(),
    name: z.string(),
    version: z.number().int(),
    document: z.record(z.string(), z.unknown()),
    created_by: z.string(),
    created_at: dateTime,
    comment: z.string().nullable(),
  })
  .meta({ id: 'IvrFlow' });
const flowVersionOut = flowOut.omit({ document: true });
const flowSummaryOut = z.object({
  name: z.string(),
  version: z.number().int(),
  versions: z.number().int(),
  updated_at: dateTime,
  updated_by: z.string(),
  comment: z.string().nullable(),
  dids: z.array(z.string()),
});
const flowIssueOut = z
  .object({
    node: z.string().optional().meta({ description: 'the node the problem is in' }),
    path: z.string().meta({ description: 'dotted path in the document, e.g. nodes.menu.options.1' }),
    message: z.string(),
  })
  .meta({ id: 'IvrFlowIssue' });
const bindingOut = z.object({ did: z.string(), flow: z.string(), updated_by: z.string(), updated_at: dateTime }).meta({ id: 'IvrDidBinding' });
const callOut = z
  .object({
    id: z.number().int(),
    uuid: z.string(),
    fs_node: z.string(),
    did: z.string(),
    caller_number: z.string(),
    flow: z.string(),
    flow_version: z.number().int(),
    started_at: dateTime,
    ended_at: dateTime.nullable(),
    outcome: z.string().nullable().meta({ description: 'completed, caller-hangup, error, queue, transfer, voicemail, hangup' }),
    detail: z.string().nullable(),
    path: z.array(pathStepOut).nullable(),
  })
  .meta({ id: 'IvrCall' });
const voicemailOut = z
  .object({
    id: z.number().int(),
    call_uuid: z.string(),
    box: z.string(),
    file_path: z.string(),
    duration_ms: z.number().int(),
    bytes: z.number().int().nullable(),
    caller_number: z.string(),
    created_at: dateTime,
  })
  .meta({ id: 'Voicemail' });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(item) });

/** 422 naming each bad node/field of a flow document. */
function flowProblem(errors: FlowValidationError[], prefix = 'document'): HttpProblem {
  const fieldErrors = errors.map((e) => {
    const field = e.path ? `${prefix}.${e.path}` : prefix;
    const fe: FieldError & { node?: string } = {
      location: 'body',
      field,
      pointer: '#/' + field.split('.').map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/'),
      detail: e.message,
    };
    if (e.node !== undefined) fe.node = e.node;
    return fe;
  });
  const summary = errors
    .slice(0, 5)
    .map((e) => e.message)
    .join('; ');
  return new HttpProblem(422, `the flow is not valid: ${summary}${errors.length > 5 ? `; and ${errors.length - 5} more` : ''}`, {
    errors: fieldErrors,
    type: 'flow-validation',
    title: 'Invalid IVR flow',
  });
}

function storeProblem(err: unknown): never {
  if (err instanceof IvrStoreError) {
    throw new HttpProblem(err.kind === 'not_found' ? 404 : err.kind === 'conflict' ? 409 : 422, err.message);
  }
  throw err;
}

function who(principal: Principal | null): string {
  return principal ? principalName(principal) : 'system';
}

/** A flow document as the diff sees it: pretty JSON, so each field is a line. */
const prettyDocument = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

export function ivrRoutes(ctx: ApiContext): AnyRoute[] {
  const store = (): IvrStore => ivrStoreFor(ctx.deps.dataSource, { clock: ctx.deps.clock, logger: ctx.deps.logger });
  const loaded = async (): Promise<IvrStore> => {
    const s = store();
    await s.ensureLoaded();
    return s;
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/flows',
      operationId: 'listIvrFlows',
      summary: 'List IVR flows (live versions)',
      tags: ['ivr'],
      access: SUPERVISOR,
      responses: { 200: { description: 'every flow with its live version and bound DIDs', schema: z.object({ items: z.array(flowSummaryOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await (await loaded()).listFlows() });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/ivr/flows',
      operationId: 'createIvrFlow',
      summary: 'Create an IVR flow (version 1)',
      description: 'Validation errors are 422 problem details whose `errors` name the bad node and field. 409 when the name exists (use PUT).',
      tags: ['ivr'],
      access: ADMIN,
      body: flowBody,
      responses: { 201: { description: 'created', schema: flowOut } },
      handler: async ({ req, res, principal, body }) => {
        const s = await loaded();
        const name = (body.document as { name?: unknown }).name;
        if (typeof name === 'string' && s.liveFlow(name)) throw new HttpProblem(409, `flow "${name}" exists; PUT /api/v1/ivr/flows/${name} saves a new version`);
        const saved = await s.saveFlow(body.document, { by: who(principal), comment: body.comment });
        if (!saved.ok) throw flowProblem(saved.errors);
        await ctx.audit(req, principal, { action: 'ivr_flow.create', target_type: 'ivr_flow', target_id: saved.flow.name, before: null, after: saved.flow });
        res.status(201).location(`/api/v1/ivr/flows/${saved.flow.name}`).json(saved.flow);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/ivr/flows/validate',
      operationId: 'validateIvrFlow',
      summary: 'Validate a flow document without storing it',
      description:
        'The checks a save makes (schema, references, regexps, templates, flows a goto names). 200 with the verdict; each error and warning names its node (when it is in one) and its dotted path in the document. The console validates as the admin types.',
      tags: ['ivr'],
      access: ADMIN,
      body: z.strictObject({
        document: flowBody.shape.document,
        name: nameParams.shape.name.optional().meta({ description: 'the flow being edited: the document must carry this name' }),
      }),
      responses: {
        200: {
          description: 'valid, the errors (empty when valid) and the warnings (unreachable nodes)',
          schema: z.object({ valid: z.boolean(), errors: z.array(flowIssueOut), warnings: z.array(flowIssueOut) }),
        },
      },
      handler: async ({ res, body }) => {
        const checked = (await loaded()).checkFlow(body.document, { expectName: body.name });
        res.json(checked.ok ? { valid: true, errors: [], warnings: checked.warnings } : { valid: false, errors: checked.errors, warnings: [] });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/flows/:name',
      operationId: 'getIvrFlow',
      summary: 'The live version of a flow',
      tags: ['ivr'],
      access: SUPERVISOR,
      params: nameParams,
      responses: { 200: { description: 'the flow', schema: flowOut } },
      handler: async ({ res, params }) => {
        const flow = (await loaded()).liveFlow(params.name);
        if (!flow) throw new HttpProblem(404, `flow "${params.name}" does not exist`);
        res.json(flow);
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/ivr/flows/:name',
      operationId: 'updateIvrFlow',
      summary: 'Save a new version of a flow (it becomes live at once)',
      description: "The document's name must be :name. Creates the flow when it does not exist (201).",
      tags: ['ivr'],
      access: ADMIN,
      params: nameParams,
      body: flowBody,
      responses: { 200: { description: 'the new version', schema: flowOut }, 201: { description: 'created', schema: flowOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const s = await loaded();
        const saved = await s.saveFlow(body.document, { by: who(principal), comment: body.comment, expectName: params.name });
        if (!saved.ok) throw flowProblem(saved.errors);
        await ctx.audit(req, principal, {
          action: saved.previous ? 'ivr_flow.update' : 'ivr_flow.create',
          target_type: 'ivr_flow',
          target_id: saved.flow.name,
          before: saved.previous ?? null,
          after: saved.flow,
        });
        res.status(saved.previous ? 200 : 201).json(saved.flow);
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/ivr/flows/:name',
      operationId: 'deleteIvrFlow',
      summary: 'Delete a flow and all its versions',
      description: 'Refused (409) while a DID is bound to it or another flow goes to it.',
      tags: ['ivr'],
      access: ADMIN,
      params: nameParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await (await loaded()).deleteFlow(params.name).catch(storeProblem);
        await ctx.audit(req, principal, { action: 'ivr_flow.delete', target_type: 'ivr_flow', target_id: params.name, before, after: null });
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/flows/:name/versions',
      operationId: 'listIvrFlowVersions',
      summary: 'Every stored version of a flow, newest first',
      tags: ['ivr'],
      access: SUPERVISOR,
      params: nameParams,
      responses: { 200: { description: 'versions without their documents', schema: z.object({ items: z.array(flowVersionOut) }) } },
      handler: async ({ res, params }) => {
        const items = await (await loaded()).listVersions(params.name);
        if (!items.length) throw new HttpProblem(404, `flow "${params.name}" does not exist`);
        res.json({ items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/flows/:name/diff',
      operationId: 'diffIvrFlowVersions',
      summary: 'Line diff between two versions of a flow (documents as pretty-printed JSON, one field per line)',
      description: 'Defaults: to = the latest version, from = the one before it (or to itself for a single version).',
      tags: ['ivr'],
      access: SUPERVISOR,
      params: nameParams,
      query: z.strictObject({
        from: z.coerce.number().int().min(1).optional().meta({ description: 'older version (default: to - 1)' }),
        to: z.coerce.number().int().min(1).optional().meta({ description: 'newer version (default: the latest)' }),
      }),
      responses: {
        200: {
          description: 'unified diff text and structured hunks',
          schema: z.object({ name: z.string(), from: z.number().int(), to: z.number().int(), unified: z.string(), hunks: z.array(hunkOut), added: z.number().int(), removed: z.number().int() }),
        },
      },
      handler: async ({ res, params, query }) => {
        const s = await loaded();
        const versions = await s.listVersions(params.name);
        if (!versions.length) throw new HttpProblem(404, `flow "${params.name}" does not exist`);
        const to = query.to ?? versions[0]!.version;
        const from = query.from ?? Math.max(1, to - 1);
        const [a, b] = await Promise.all([s.getFlowVersion(params.name, from), s.getFlowVersion(params.name, to)]);
        if (!a) throw new HttpProblem(404, `flow "${params.name}" has no version ${from}`);
        if (!b) throw new HttpProblem(404, `flow "${params.name}" has no version ${to}`);
        const d = diffText(prettyDocument(a.document), prettyDocument(b.document), { oldLabel: `${params.name}@v${from}`, newLabel: `${params.name}@v${to}` });
        res.json({ name: params.name, from, to, ...d });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/flows/:name/versions/:version',
      operationId: 'getIvrFlowVersion',
      summary: 'One stored version of a flow',
      tags: ['ivr'],
      access: SUPERVISOR,
      params: versionParams,
      responses: { 200: { description: 'the version', schema: flowOut } },
      handler: async ({ res, params }) => {
        const flow = await (await loaded()).getFlowVersion(params.name, params.version);
        if (!flow) throw new HttpProblem(404, `flow "${params.name}" has no version ${params.version}`);
        res.json(flow);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/ivr/flows/:name/rollback',
      operationId: 'rollbackIvrFlow',
      summary: 'Make an old version live again (saved as a new version)',
      description: 'The old document is validated again (a flow its goto names may be gone: 422). 404 when the version does not exist.',
      tags: ['ivr'],
      access: ADMIN,
      params: nameParams,
      body: z.strictObject({ version: z.number().int().min(1), comment: flowBody.shape.comment }),
      responses: { 200: { description: 'the new live version', schema: flowOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const s = await loaded();
        const old = await s.getFlowVersion(params.name, body.version);
        if (!old) throw new HttpProblem(404, `flow "${params.name}" has no version ${body.version}`);
        const saved = await s.saveFlow(old.document, { by: who(principal), comment: body.comment ?? `rollback to version ${body.version}`, expectName: params.name });
        if (!saved.ok) throw flowProblem(saved.errors);
        await ctx.audit(req, principal, {
          action: 'ivr_flow.rollback',
          target_type: 'ivr_flow',
          target_id: saved.flow.name,
          before: saved.previous ?? null,
          after: { ...saved.flow, rolled_back_to: body.version },
        });
        res.json(saved.flow);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/ivr/flows/:name/dry-run',
      operationId: 'dryRunIvrFlow',
      summary: 'Walk a flow with given digits and time of day; returns the path and the actions',
      description: 'Nothing is performed: http nodes answer from `http` (by node id) or fail, recordings are pretended.',
      tags: ['ivr'],
      access: SUPERVISOR,
      params: nameParams,
      body: dryRunBody,
      responses: {
        200: {
          description: 'what the call would do',
          schema: z.object({
            actions: z.array(z.looseObject({ kind: z.string() })),
            path: z.array(pathStepOut),
            result: z.looseObject({ outcome: z.string() }).optional(),
            variables: z.record(z.string(), z.string()),
          }),
        },
      },
      handler: async ({ res, params, body }) => {
        const s = await loaded();
        let flows: FlowResolver = s.resolver;
        if (body.document) {
          const parsed = parseFlowDocument(body.document);
          if (!parsed.ok) throw flowProblem(parsed.errors);
          if (parsed.flow.name !== params.name) throw flowProblem([{ path: 'name', message: `the draft is named "${parsed.flow.name}", not "${params.name}"` }]);
          const draft = parsed.flow;
          const base = s.resolver;
          flows = (n) => (n === draft.name ? { name: draft.name, version: (base(n)?.version ?? 0) + 1, document: draft } : base(n));
        } else if (!s.liveFlow(params.name)) {
          throw new HttpProblem(404, `flow "${params.name}" does not exist`);
        }
        const out = dryRun({
          flows,
          flow: params.name,
          at: body.at ? new Date(body.at) : new Date(ctx.deps.clock.now()),
          callerNumber: body.callerNumber,
          did: body.did,
          digits: body.digits,
          http: body.http,
          variables: body.variables,
        });
        res.json(out);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/dids',
      operationId: 'listIvrDidBindings',
      summary: 'DIDs and the flows they run',
      tags: ['ivr'],
      access: ADMIN,
      responses: { 200: { description: 'every binding', schema: z.object({ items: z.array(bindingOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: (await loaded()).listBindings() });
      },
    }),

    defineRoute({
      method: 'put',
      path: '/api/v1/ivr/dids/:did',
      operationId: 'putIvrDidBinding',
      summary: 'Bind a DID to a flow (the next call to it runs the flow)',
      tags: ['ivr'],
      access: ADMIN,
      params: didParams,
      body: z.strictObject({ flow: nameParams.shape.name }),
      responses: { 200: { description: 'the binding', schema: bindingOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const { before, after } = await (await loaded()).putBinding(params.did, body.flow, who(principal)).catch(storeProblem);
        await ctx.audit(req, principal, { action: 'ivr_did.bind', target_type: 'ivr_did', target_id: params.did, before: before ?? null, after });
        res.json(after);
      },
    }),

    defineRoute({
      method: 'delete',
      path: '/api/v1/ivr/dids/:did',
      operationId: 'deleteIvrDidBinding',
      summary: 'Unbind a DID (its calls are then refused with UNALLOCATED_NUMBER)',
      tags: ['ivr'],
      access: ADMIN,
      params: didParams,
      responses: { 204: { description: 'unbound' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await (await loaded()).deleteBinding(params.did).catch(storeProblem);
        await ctx.audit(req, principal, { action: 'ivr_did.unbind', target_type: 'ivr_did', target_id: params.did, before, after: null });
        res.status(204).end();
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/calls',
      operationId: 'searchIvrCalls',
      summary: 'Calls that ran a flow, newest first, with their paths',
      tags: ['ivr'],
      access: SUPERVISOR,
      query: callsQuery,
      responses: { 200: { description: 'one page', schema: page(callOut) } },
      handler: async ({ res, query }) => {
        const r = await store().searchCalls(query);
        res.json({ total: r.total, limit: query.limit, offset: query.offset, items: r.items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/calls/:uuid',
      operationId: 'getIvrCall',
      summary: "One call's IVR record: outcome and the stored path (nodes, digits, times)",
      tags: ['ivr'],
      access: SUPERVISOR,
      params: uuidParams,
      responses: { 200: { description: 'the record', schema: callOut } },
      handler: async ({ res, params }) => {
        const call = await store().getCall(params.uuid);
        if (!call) throw new HttpProblem(404, `no IVR call with uuid ${params.uuid}`);
        res.json(call);
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/ivr/voicemails',
      operationId: 'listVoicemails',
      summary: 'Voicemails left in flows, newest first',
      tags: ['ivr'],
      access: SUPERVISOR,
      query: voicemailQuery,
      responses: { 200: { description: 'one page', schema: page(voicemailOut) } },
      handler: async ({ res, query }) => {
        const r = await store().listVoicemails(query);
        res.json({ total: r.total, limit: query.limit, offset: query.offset, items: r.items });
      },
    }),
  ];
}
