import { z } from 'zod';
import { getCdrByUuid, NUMBER_MATCHES, searchCdrs } from '../../cdr/cdr-search';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { isoDateQuery, limitQuery, offsetQuery } from '../validation';
import { csatStoreFor } from '../../csat/store';
import { csatAnswerOut, csatView } from './csat';

const text = (max: number, description: string) =>
  z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`).meta({ description });

const searchQuery = z
  .strictObject({
    from: isoDateQuery.optional().meta({ description: 'calls that started at or after this time (ISO 8601)' }),
    to: isoDateQuery.optional().meta({ description: 'calls that started before this time (ISO 8601)' }),
    number: text(
      65,
      'caller, destination or callee number: exact (+14155550100), prefix with a trailing * (+1415*), suffix with a leading * (*0100). Bare digits also match after a +. Send + as %2B (an unescaped + arrives as a space, which is read as +).',
    ),
    number_match: z.enum(NUMBER_MATCHES).meta({ description: 'how number matches, overriding the * shorthand (then * is literal, e.g. exact *97)' }),
    cause: text(64, 'hangup cause, e.g. NORMAL_CLEARING'),
    direction: z.enum(['inbound', 'outbound']).meta({ description: 'call direction' }),
    node: text(128, 'FreeSWITCH node name'),
    uuid: text(64, 'channel (leg) UUID'),
    call_uuid: text(64, 'call UUID grouping the legs of one call'),
    limit: limitQuery(50, 500),
    offset: offsetQuery,
  })
  .partial({ number: true, number_match: true, cause: true, direction: true, node: true, uuid: true, call_uuid: true })
  .refine((q) => !q.from || !q.to || q.from.getTime() <= q.to.getTime(), { message: 'must not be before "from"', path: ['to'] });

const uuidParams = z.strictObject({
  uuid: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a call UUID (letters, digits and "-", at most 64)'),
});

const dateTime = z.string().meta({ format: 'date-time' });
/** The main columns of a CDR; later features add more (all returned). */
const cdrOut = z
  .looseObject({
    id: z.number().int(),
    uuid: z.string(),
    fs_node: z.string(),
    direction: z.string().meta({ description: 'inbound or outbound' }),
    caller_number: z.string(),
    caller_name: z.string().nullable(),
    destination_number: z.string(),
    callee_number: z.string().nullable(),
    callee_name: z.string().nullable(),
    start_at: dateTime,
    answer_at: dateTime.nullable(),
    end_at: dateTime,
    duration_s: z.number().int(),
    billsec: z.number().int(),
    hangup_cause: z.string(),
    hangup_cause_q850: z.number().int().nullable(),
    bridged_uuid: z.string().nullable(),
    call_uuid: z.string().nullable(),
  })
  .meta({ id: 'Cdr', description: 'one call detail record (one channel leg)' });

const SUPERVISOR = roles('admin', 'supervisor');

export function cdrRoutes(ctx: ApiContext): AnyRoute[] {
  const ds = ctx.deps.dataSource;
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/cdrs',
      operationId: 'searchCdrs',
      summary: 'Search call detail records, newest first',
      tags: ['cdrs'],
      access: SUPERVISOR,
      query: searchQuery,
      responses: {
        200: {
          description: 'one page of matches and the total count',
          schema: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(cdrOut) }),
        },
      },
      handler: async ({ res, query }) => {
        const result = await searchCdrs(ds, {
          from: query.from,
          to: query.to,
          number: query.number,
          numberMatch: query.number_match,
          cause: query.cause,
          direction: query.direction,
          fs_node: query.node,
          uuid: query.uuid,
          call_uuid: query.call_uuid,
          limit: query.limit,
          offset: query.offset,
        });
        res.json({ total: result.total, limit: query.limit, offset: query.offset, items: result.items });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/cdrs/:uuid',
      operationId: 'getCdr',
      summary: 'One call detail record by call UUID',
      tags: ['cdrs'],
      access: SUPERVISOR,
      params: uuidParams,
      responses: {
        200: {
          description: 'the record, with the CSAT survey answers about its queue call (README "Post-call CSAT survey")',
          schema: cdrOut.extend({ csat: z.array(csatAnswerOut) }),
        },
      },
      handler: async ({ res, params }) => {
        const cdr = await getCdrByUuid(ds, params.uuid);
        if (!cdr) throw new HttpProblem(404, `no CDR with uuid ${params.uuid}`);
        const queueCall = (cdr as { queue_call_id?: unknown }).queue_call_id;
        const csat = typeof queueCall === 'string' && queueCall ? await csatStoreFor(ds).forQueueCalls([queueCall]) : [];
        res.json({ ...cdr, csat: csat.map(csatView) });
      },
    }),
  ];
}
