import { z } from 'zod';
import { AuditLogSchema, type AuditLogRow } from '../../db/entities/audit-log';
import { sqlDateTime } from '../../db/entities/columns';
import type { ApiContext } from '../context';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { isoDateQuery, limitQuery, offsetQuery } from '../validation';

const text = (max: number, description: string) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).meta({ description });

const auditQuery = z
  .strictObject({
    action: text(64, 'e.g. user.create, user.update, user.password, user.delete, api_key.create, api_key.revoke'),
    actor_type: z.enum(['user', 'api_key', 'system']),
    actor_name: text(128, 'username or API key name'),
    target_type: text(32, 'user or api_key'),
    target_id: text(64, 'id of the changed row'),
    from: isoDateQuery.meta({ description: 'entries at or after this time (ISO 8601)' }),
    to: isoDateQuery.meta({ description: 'entries before this time (ISO 8601)' }),
    limit: limitQuery(50, 500),
    offset: offsetQuery,
  })
  .partial({ action: true, actor_type: true, actor_name: true, target_type: true, target_id: true, from: true, to: true });

const auditOut = z
  .object({
    id: z.number().int(),
    at: z.string().meta({ format: 'date-time' }),
    actor_type: z.enum(['user', 'api_key', 'system']),
    actor_id: z.number().int().nullable(),
    actor_name: z.string(),
    action: z.string(),
    target_type: z.string().nullable(),
    target_id: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
    ip: z.string().nullable(),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(ctx: ApiContext): AnyRoute[] {
  const ds = ctx.deps.dataSource;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit',
      operationId: 'listAudit',
      summary: 'Audit log of admin changes, newest first',
      description:
        'Admins see every entry. Supervisors see only the entries they made themselves (their supervision actions, forced states, campaign starts...): the actor filters are then fixed to them.',
      tags: ['audit'],
      access: roles('admin', 'supervisor'),
      query: auditQuery,
      responses: {
        200: {
          description: 'one page of entries and the total count',
          schema: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(auditOut) }),
        },
      },
      handler: async ({ res, query, principal }) => {
        const qb = ds.getRepository<AuditLogRow>(AuditLogSchema).createQueryBuilder('a');
        if (principal?.role !== 'admin') {
          // Not an admin: only what this caller did (a user's own actions, or an API key's).
          qb.andWhere('a.actor_type = :ownType AND a.actor_id = :ownId', { ownType: principal?.kind === 'api_key' ? 'api_key' : 'user', ownId: principal?.id ?? -1 });
        }
        if (query.action) qb.andWhere('a.action = :action', { action: query.action });
        if (query.actor_type) qb.andWhere('a.actor_type = :actorType', { actorType: query.actor_type });
        if (query.actor_name) qb.andWhere('a.actor_name = :actorName', { actorName: query.actor_name });
        if (query.target_type) qb.andWhere('a.target_type = :targetType', { targetType: query.target_type });
        if (query.target_id) qb.andWhere('a.target_id = :targetId', { targetId: query.target_id });
        if (query.from) qb.andWhere('a.at >= :from', { from: sqlDateTime(query.from) });
        if (query.to) qb.andWhere('a.at < :to', { to: sqlDateTime(query.to) });
        qb.orderBy('a.id', 'DESC').take(query.limit).skip(query.offset);
        const [items, total] = await qb.getManyAndCount();
        res.json({ total, limit: query.limit, offset: query.offset, items });
      },
    }),
  ];
}
