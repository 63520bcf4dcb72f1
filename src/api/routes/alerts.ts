import { In, Like, MoreThanOrEqual, Not, type FindOptionsWhere } from 'typeorm';
import { z } from 'zod';
import { principalName, type Principal } from '../../auth/principal';
import { AlertEventSchema, AlertRuleSchema, AlertSchema, type AlertEventRow, type AlertRow, type AlertRuleRow } from '../../db/entities/alerts';
import { AlertAckError, AlertService, alertView, parseRule } from '../../alerts/service';
import { alertRuleSchema, scopeKey } from '../../alerts/rules';
import { alertVisibility, outOfScopeReason, seesScope, type AlertVisibility } from '../../alerts/visibility';
import { recordingStoreFor } from '../../recording/store';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam, isoDateQuery, limitQuery, offsetQuery } from '../validation';

/**
 * KPI alerts (README "KPI alerts"): rules (admins write, supervisors read), alerts with their timeline, acknowledgement.
 * A team-scoped alert or rule is visible to admins and to the supervisors of that team (src/alerts/visibility.ts).
 */

const ADMIN = roles('admin');
const STAFF = roles('admin', 'supervisor');
const TAGS = ['alerts'];
const idParams = z.strictObject({ id: idParam });

const ruleOut = z.object({ id: z.number(), name: z.string(), enabled: z.boolean(), rule: z.unknown(), valid: z.boolean(), created_at: z.string(), updated_at: z.string() });
const alertOut = z.object({
  id: z.number(),
  rule_id: z.number(),
  rule_name: z.string(),
  scope: z.string(),
  metric: z.string(),
  state: z.enum(['open', 'closed']),
  opened_at: z.string(),
  closed_at: z.string().nullable(),
  worst_value: z.number(),
  last_value: z.number().nullable(),
  acknowledged_by: z.number().nullable(),
  acknowledged_by_name: z.string().nullable(),
  acknowledged_at: z.string().nullable(),
});
const eventOut = z.object({ at: z.string(), kind: z.string(), value: z.number().nullable(), actor_name: z.string().nullable() });
const enabledBody = z.strictObject({ enabled: z.boolean().meta({ description: 'false: the rule is not judged (its open alert closes at the next tick)' }) });
const listQuery = z.strictObject({
  state: z.enum(['open', 'closed']).optional(),
  since: isoDateQuery.optional().meta({ description: 'alerts opened at or after this time' }),
  limit: limitQuery(50, 500),
  offset: offsetQuery,
});

function ruleView(row: AlertRuleRow) {
  const rule = parseRule(row);
  return { id: row.id, name: row.name, enabled: row.enabled, rule: rule ?? JSON.parse(row.definition), valid: rule !== undefined, created_at: row.created_at.toISOString(), updated_at: row.updated_at.toISOString() };
}

export function alertRoutes(ctx: ApiContext): AnyRoute[] {
  const ds = ctx.deps.dataSource;
  const rules = () => ds.getRepository<AlertRuleRow>(AlertRuleSchema);
  const now = () => new Date(ctx.deps.clock.now());
  const mustRule = async (id: number) => {
    const row = await rules().findOneBy({ id });
    if (!row) throw new HttpProblem(404, `alert rule ${id} does not exist`);
    return row;
  };
  const reload = async () => ctx.deps.alerts?.reloadRules();
  const visibility = async (principal: Principal | null): Promise<AlertVisibility> => {
    if (!principal) throw new HttpProblem(401, 'authentication required');
    const teams = principal.role === 'supervisor' && principal.kind === 'user' ? await recordingStoreFor(ds).supervisorTeams(principal.id) : [];
    return alertVisibility(principal, teams);
  };
  /** A rule's visibility: by its scope; a stored rule that no longer parses is shown to admins only. */
  const seesRule = (v: AlertVisibility, row: AlertRuleRow): boolean => {
    const rule = parseRule(row);
    return rule ? seesScope(v, scopeKey(rule.scope)) : v.teams === null;
  };
  const mustSeeAlert = async (principal: Principal | null, a: AlertRow): Promise<void> => {
    if (!seesScope(await visibility(principal), a.scope)) throw new HttpProblem(403, outOfScopeReason(principal!, a.scope), { type: 'alert-out-of-scope' });
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts/rules',
      operationId: 'listAlertRules',
      summary: 'KPI alert rules',
      tags: TAGS,
      access: STAFF,
      responses: { 200: { description: "every rule the caller may see (a supervisor: not other teams' rules)", schema: z.object({ items: z.array(ruleOut) }) } },
      handler: async ({ res, principal }) => {
        const v = await visibility(principal);
        res.json({ items: (await rules().find({ order: { id: 'ASC' } })).filter((r) => seesRule(v, r)).map(ruleView) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/rules',
      operationId: 'createAlertRule',
      summary: 'Add a KPI alert rule',
      tags: TAGS,
      access: ADMIN,
      body: alertRuleSchema,
      responses: { 201: { description: 'created', schema: ruleOut } },
      handler: async ({ req, res, principal, body }) => {
        const at = now();
        const row = await rules().save({ name: body.name, enabled: body.enabled, definition: JSON.stringify(body), created_at: at, updated_at: at } as AlertRuleRow);
        await ctx.audit(req, principal, { action: 'alert_rule.create', target_type: 'alert_rule', target_id: row.id, before: null, after: ruleView(row) });
        await reload();
        res.status(201).location(`/api/v1/alerts/rules/${row.id}`).json(ruleView(row));
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/alerts/rules/:id',
      operationId: 'replaceAlertRule',
      summary: 'Replace a KPI alert rule (its open alert is judged by the new rule from the next tick)',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: alertRuleSchema,
      responses: { 200: { description: 'the rule', schema: ruleOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const before = await mustRule(params.id);
        const after: AlertRuleRow = { ...before, name: body.name, enabled: body.enabled, definition: JSON.stringify(body), updated_at: now() };
        await rules().save(after);
        await ctx.audit(req, principal, { action: 'alert_rule.update', target_type: 'alert_rule', target_id: params.id, before: ruleView(before), after: ruleView(after) });
        await reload();
        res.json(ruleView(after));
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/alerts/rules/:id',
      operationId: 'setAlertRuleEnabled',
      summary: 'Enable or disable a KPI alert rule (audited; a disabled rule is not judged and its open alert closes at the next tick)',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: enabledBody,
      responses: { 200: { description: 'the rule', schema: ruleOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const before = await mustRule(params.id);
        // The flag is kept in both places (the row for listing, the definition that PUT round-trips).
        let definition = before.definition;
        try {
          const d = JSON.parse(before.definition) as unknown;
          if (d && typeof d === 'object' && !Array.isArray(d)) definition = JSON.stringify({ ...(d as Record<string, unknown>), enabled: body.enabled });
        } catch {
          // A definition that is not JSON stays as it is (the rule is listed as invalid either way).
        }
        const after: AlertRuleRow = { ...before, enabled: body.enabled, definition, updated_at: now() };
        await rules().save(after);
        await ctx.audit(req, principal, { action: body.enabled ? 'alert_rule.enable' : 'alert_rule.disable', target_type: 'alert_rule', target_id: params.id, before: ruleView(before), after: ruleView(after) });
        await reload();
        res.json(ruleView(after));
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/alerts/rules/:id',
      operationId: 'deleteAlertRule',
      summary: 'Delete a KPI alert rule (its open alert closes at the next tick; past alerts stay)',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      responses: { 204: { description: 'deleted' } },
      handler: async ({ req, res, principal, params }) => {
        const before = await mustRule(params.id);
        await rules().delete({ id: params.id });
        await ctx.audit(req, principal, { action: 'alert_rule.delete', target_type: 'alert_rule', target_id: params.id, before: ruleView(before), after: null });
        await reload();
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts',
      operationId: 'listAlerts',
      summary: "KPI alerts, newest first (a supervisor: not other teams' alerts)",
      tags: TAGS,
      access: STAFF,
      query: listQuery,
      responses: { 200: { description: 'one page', schema: z.object({ items: z.array(alertOut), total: z.number() }) } },
      handler: async ({ res, query, principal }) => {
        const v = await visibility(principal);
        const base: FindOptionsWhere<AlertRow> = { ...(query.state ? { state: query.state } : {}), ...(query.since ? { opened_at: MoreThanOrEqual(query.since) } : {}) };
        // Either not a team's alert, or one of the caller's teams (OR of the two; admins: no condition).
        const where: FindOptionsWhere<AlertRow> | Array<FindOptionsWhere<AlertRow>> =
          v.teams === null ? base : [{ ...base, scope: Not(Like('team:%')) }, ...(v.teams.size ? [{ ...base, scope: In([...v.teams].map((t) => `team:${t}`)) }] : [])];
        const [rows, total] = await ds.getRepository<AlertRow>(AlertSchema).findAndCount({ where, order: { id: 'DESC' }, skip: query.offset, take: query.limit });
        res.json({ items: rows.map(alertView), total });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/alerts/:id',
      operationId: 'getAlert',
      summary: 'One alert with its timeline (opened, worse values, acknowledged, closed)',
      tags: TAGS,
      access: STAFF,
      params: idParams,
      responses: { 200: { description: 'the alert', schema: alertOut.extend({ events: z.array(eventOut) }) } },
      handler: async ({ res, params, principal }) => {
        const a = await ds.getRepository<AlertRow>(AlertSchema).findOneBy({ id: params.id });
        if (!a) throw new HttpProblem(404, `alert ${params.id} does not exist`);
        await mustSeeAlert(principal, a);
        const events = await ds.getRepository<AlertEventRow>(AlertEventSchema).find({ where: { alert_id: a.id }, order: { id: 'ASC' } });
        res.json({ ...alertView(a), events: events.map((e) => ({ at: e.at.toISOString(), kind: e.kind, value: e.value, actor_name: e.actor_name })) });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/alerts/:id/ack',
      operationId: 'acknowledgeAlert',
      summary: "Acknowledge an alert (once; audited, pushed to supervisors, webhook alert.acknowledged); a supervisor only their teams' team alerts",
      tags: TAGS,
      access: STAFF,
      params: idParams,
      responses: { 200: { description: 'the alert', schema: alertOut } },
      handler: async ({ req, res, principal, params }) => {
        const service = ctx.deps.alerts ?? AlertService.forAcknowledgements(ds, ctx.deps.clock, ctx.logger);
        if (!principal) throw new HttpProblem(401, 'authentication required');
        const existing = await ds.getRepository<AlertRow>(AlertSchema).findOneBy({ id: params.id });
        if (existing) await mustSeeAlert(principal, existing);
        try {
          const a = await service.acknowledge(params.id, { userId: principal.kind === 'user' ? principal.id : null, name: principalName(principal).slice(0, 128) });
          await ctx.audit(req, principal, { action: 'alert.acknowledge', target_type: 'alert', target_id: a.id, before: null, after: alertView(a) });
          res.json(alertView(a));
        } catch (err) {
          if (err instanceof AlertAckError) throw new HttpProblem(err.kind === 'not_found' ? 404 : 409, err.message);
          throw err;
        }
      },
    }),
  ];
}
