import { z } from 'zod';
import { QUEUE_NAME_PATTERN } from '../../acd/config-store';
import { CSAT_SOURCES, type CsatAnswerRow } from '../../db/entities/csat';
import { csatStoreFor } from '../../csat/store';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam, isoDateQuery, limitQuery, offsetQuery } from '../validation';
import { loadedAcdStore } from './acd-admin';

/**
 * CSAT answers (README "Post-call CSAT survey"): what callers pressed in the post-call survey or on a follow-up call.
 * Supervisors and admins read every answer; an agent reads only the answers about their own calls.
 */

const TAGS = ['csat'];

const listQuery = z
  .strictObject({
    queue: z.string().regex(QUEUE_NAME_PATTERN, 'must be a queue name').optional(),
    agent_id: idParam.optional().meta({ description: 'the agent the rated call was with' }),
    source: z.enum(CSAT_SOURCES).optional(),
    queue_call_id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be a queue call id').optional(),
    from: isoDateQuery.optional().meta({ description: 'answered at or after (ISO 8601)' }),
    to: isoDateQuery.optional().meta({ description: 'answered before (ISO 8601)' }),
    limit: limitQuery(50, 500),
    offset: offsetQuery,
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['from'] });

export const csatAnswerOut = z.object({
  id: z.number(),
  source: z.enum(CSAT_SOURCES),
  call_uuid: z.string().nullable(),
  queue_call_id: z.string().nullable(),
  queue: z.string().nullable(),
  agent_id: z.number().nullable(),
  caller_number: z.string().nullable(),
  ticket_id: z.number().nullable(),
  followup_id: z.number().nullable(),
  score: z.number().meta({ description: '1 (very poor) to 5 (excellent)' }),
  comment_recording: z.string().nullable().meta({ description: 'path of the recorded comment on the FreeSWITCH host' }),
  answered_at: z.string(),
});

export function csatView(r: CsatAnswerRow): z.infer<typeof csatAnswerOut> {
  return {
    id: r.id,
    source: r.source,
    call_uuid: r.call_uuid,
    queue_call_id: r.queue_call_id,
    queue: r.queue,
    agent_id: r.agent_id,
    caller_number: r.caller_number,
    ticket_id: r.ticket_id,
    followup_id: r.followup_id,
    score: r.score,
    comment_recording: r.comment_recording,
    answered_at: new Date(r.answered_at).toISOString(),
  };
}

export function csatRoutes(ctx: ApiContext): AnyRoute[] {
  const store = csatStoreFor(ctx.deps.dataSource, ctx.logger);
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/csat',
      operationId: 'listCsatAnswers',
      summary: 'List CSAT survey answers (newest first), by queue, agent, source, queue call and time',
      description: 'Agents see only the answers about their own calls (agent_id is theirs, whatever is asked).',
      tags: TAGS,
      access: roles('admin', 'supervisor', 'agent'),
      query: listQuery,
      responses: { 200: { description: 'a page of answers', schema: z.object({ total: z.number(), limit: z.number(), offset: z.number(), items: z.array(csatAnswerOut) }) } },
      handler: async ({ res, principal, query }) => {
        let agentId = query.agent_id;
        if (principal?.role === 'agent') {
          const me = principal.kind === 'user' ? (await loadedAcdStore(ctx)).agentByUserId(principal.id) : undefined;
          if (!me) throw new HttpProblem(403, 'this user is not an agent: it has no answers of its own');
          if (agentId !== undefined && agentId !== me.id) throw new HttpProblem(403, 'agents read only the answers about their own calls');
          agentId = me.id;
        }
        const r = await store.list({
          queue: query.queue,
          agentId,
          source: query.source,
          queueCallId: query.queue_call_id,
          from: query.from,
          to: query.to,
          limit: query.limit,
          offset: query.offset,
        });
        res.json({ total: r.total, limit: query.limit, offset: query.offset, items: r.items.map(csatView) });
      },
    }),
  ];
}
