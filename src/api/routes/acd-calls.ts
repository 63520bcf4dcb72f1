/**
 * Agent call control over HTTP: an agent acts on their own current call (/api/v1/acd/me/call/*), and may place a
 * manual outbound call; supervisors and admins may force the hangup of any agent's call. The agent is the one linked
 * to the caller's user (the ACD config store); API keys are never agents. Every action is audited.
 */
import { z } from 'zod';
import { queueNameField, type StoredAgent } from '../../acd/config-store';
import { AcdStateError } from '../../acd/errors';
import { CallControlError, type CallControlApi, type TransferTarget } from '../../acd/runtime/call-control';
import type { Principal } from '../../auth/principal';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, roles, type AnyRoute } from '../registry';
import { idParam } from '../validation';
import { acdProblem, loadedAcdStore, requireAcd } from './acd-admin';

const ANYONE = roles('admin', 'supervisor', 'agent');
const TAGS = ['acd-calls'];

const callOut = z
  .object({
    agent_id: z.number().int(),
    node: z.string(),
    caller_uuid: z.string().meta({ description: "the customer's channel (the queue call id for ACD calls)" }),
    agent_uuid: z.string().meta({ description: "the agent's softphone channel" }),
    queue: z.string().nullable(),
    source: z.enum(['acd', 'transfer', 'outbound']),
    mode: z.enum(['talking', 'consulting', 'conference']),
    held: z.boolean(),
    muted: z.boolean().meta({ description: "the agent's microphone is muted: the other parties do not hear the agent, who still hears them" }),
    consult_uuid: z.string().nullable().meta({ description: 'the transfer target leg during an attended transfer' }),
    conference: z.string().nullable(),
    third_party_uuid: z.string().nullable(),
  })
  .meta({ id: 'AcdAgentCall' });

const target = z
  .union([
    z.strictObject({ agent: z.number().int().min(1).meta({ description: 'an agent id (must be available)' }) }),
    z.strictObject({ queue: queueNameField.meta({ description: 'a queue (blind transfer only)' }) }),
    z.strictObject({ number: z.string().regex(/^\+?[0-9*#]{1,32}$/, 'must be a phone number: optional +, then digits, * or #') }),
  ])
  .meta({ id: 'AcdTransferTarget', description: 'exactly one of agent, queue, number' });

const conflict = { 409: { description: 'no current call, the call is not in a state that allows it, or the target did not answer' } };

/**
 * The running ACD's agent call control. It is built below the API (src/acd/runtime/agent-call-control.ts, once per
 * service) and shared with supervision and the dialer; the API only uses it.
 */
export function callControlFor(ctx: Pick<ApiContext, 'deps'>): CallControlApi {
  requireAcd(ctx);
  const cc = ctx.deps.acdCallControl;
  if (!cc) throw new HttpProblem(503, 'agent call control is not running (no FreeSWITCH connection)', { headers: { 'Retry-After': '5' } });
  return cc;
}

/** The caller's agent row; API keys are never agents. */
export async function agentOfPrincipal(ctx: ApiContext, principal: Principal | null): Promise<StoredAgent> {
  if (!principal || principal.kind !== 'user') throw new HttpProblem(403, 'an API key is not an agent; log in as the agent');
  const agent = (await loadedAcdStore(ctx)).agentByUserId(principal.id);
  if (!agent) throw new HttpProblem(404, `no ACD agent is linked to user ${principal.username}`);
  return agent;
}

export function acdCallRoutes(ctx: ApiContext): AnyRoute[] {
  const control = (): CallControlApi => callControlFor(ctx);
  const me = (principal: Principal | null): Promise<StoredAgent> => agentOfPrincipal(ctx, principal);

  /** Runs one operation on the agent's call, maps its refusals to problems, and audits it. */
  const run = async <T>(
    c: { req: Parameters<ApiContext['audit']>[0]; principal: Principal | null },
    agent: StoredAgent,
    action: string,
    detail: Record<string, unknown>,
    op: (cc: CallControlApi) => Promise<T>,
  ): Promise<T> => {
    requireAcd(ctx);
    const cc = control();
    const before = cc.current(agent.id) ?? null;
    let result: T;
    try {
      result = await op(cc);
    } catch (err) {
      callProblem(err);
    }
    await ctx.audit(c.req, c.principal, { action: `acd_call.${action}`, target_type: 'acd_agent', target_id: agent.id, before, after: { ...detail, result } });
    return result;
  };

  const simple = (path: string, operationId: string, summary: string, action: string, op: (cc: CallControlApi, agentId: number) => Promise<unknown>, ok: z.ZodType) =>
    defineRoute({
      method: 'post',
      path,
      operationId,
      summary,
      description: "Acts on the current call of the agent linked to the caller's user. 503 when the ACD is not running; 409 when there is no call or its state does not allow it.",
      tags: TAGS,
      access: ANYONE,
      responses: { 200: { description: 'done', schema: ok }, ...conflict },
      handler: async ({ req, res, principal }) => {
        const agent = await me(principal);
        res.json(await run({ req, principal }, agent, action, {}, (cc) => op(cc, agent.id)));
      },
    });

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/acd/me/call',
      operationId: 'getAcdMyCall',
      summary: "The caller's current call as call control sees it (null when none)",
      tags: TAGS,
      access: ANYONE,
      responses: { 200: { description: 'the call', schema: z.object({ call: callOut.nullable() }) } },
      handler: async ({ res, principal }) => {
        const agent = await me(principal);
        requireAcd(ctx);
        res.json({ call: control().current(agent.id) ?? null });
      },
    }),

    simple('/api/v1/acd/me/call/hangup', 'acdMyCallHangup', 'Hang up your call (in a 3-way conference: leave it)', 'hangup', (cc, id) => cc.hangup(id), z.object({ killed: z.array(z.string()) })),
    simple('/api/v1/acd/me/call/hold', 'acdMyCallHold', 'Put your call on hold (the caller hears music)', 'hold', (cc, id) => cc.hold(id), callOut),
    simple('/api/v1/acd/me/call/unhold', 'acdMyCallUnhold', 'Take your call off hold', 'unhold', (cc, id) => cc.unhold(id), callOut),
    simple('/api/v1/acd/me/call/mute', 'acdMyCallMute', 'Mute your microphone (the others stop hearing you; you still hear them)', 'mute', (cc, id) => cc.mute(id), callOut),
    simple('/api/v1/acd/me/call/unmute', 'acdMyCallUnmute', 'Unmute your microphone', 'unmute', (cc, id) => cc.unmute(id), callOut),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/me/call/transfer',
      operationId: 'acdMyCallTransfer',
      summary: 'Transfer your call to an agent, a queue or a number (blind or attended)',
      description:
        'blind: the caller hears music while the target rings, is connected on answer, and you are released into wrap-up (a queue: the caller waits in it again with its data). attended: the caller hears music while you talk to the target; then transfer/complete or transfer/cancel. A target agent must be available.',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ target, mode: z.enum(['blind', 'attended']).default('blind') }),
      responses: {
        200: {
          description: 'blind: done; attended: consultation started',
          schema: z.object({ target_uuid: z.string().nullable(), queue: z.string().nullable(), consult_uuid: z.string().nullable() }),
        },
        ...conflict,
      },
      handler: async ({ req, res, principal, body }) => {
        const agent = await me(principal);
        const t = body.target as TransferTarget;
        if (body.mode === 'attended' && 'queue' in t) throw new HttpProblem(400, 'an attended transfer needs an agent or a number, not a queue');
        const out = await run({ req, principal }, agent, `transfer_${body.mode}`, { target: t }, async (cc) => {
          if (body.mode === 'attended') {
            const r = await cc.attendedTransfer(agent.id, t);
            return { target_uuid: null, queue: null, consult_uuid: r.consultUuid };
          }
          const r = await cc.blindTransfer(agent.id, t);
          return { target_uuid: r.targetUuid ?? null, queue: r.queue ?? null, consult_uuid: null };
        });
        res.json(out);
      },
    }),

    simple(
      '/api/v1/acd/me/call/transfer/complete',
      'acdMyCallTransferComplete',
      'Complete an attended transfer: the caller is connected to the target, you are released',
      'transfer_complete',
      async (cc, id) => ({ target_uuid: (await cc.completeTransfer(id)).targetUuid }),
      z.object({ target_uuid: z.string() }),
    ),
    simple('/api/v1/acd/me/call/transfer/cancel', 'acdMyCallTransferCancel', 'Cancel an attended transfer: the target is hung up, the caller is back with you', 'transfer_cancel', (cc, id) => cc.cancelTransfer(id), callOut),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/me/call/three-way',
      operationId: 'acdMyCallThreeWay',
      summary: 'Add a third party (an agent or a number): caller, you and them in one conference',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ target }),
      responses: { 200: { description: 'the third party answered', schema: z.object({ conference: z.string(), third_party_uuid: z.string() }) }, ...conflict },
      handler: async ({ req, res, principal, body }) => {
        const agent = await me(principal);
        const t = body.target as TransferTarget;
        if ('queue' in t) throw new HttpProblem(400, 'a 3-way call needs an agent or a number, not a queue');
        const r = await run({ req, principal }, agent, 'three_way', { target: t }, (cc) => cc.threeWay(agent.id, t));
        res.json({ conference: r.conference, third_party_uuid: r.thirdUuid });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/me/outbound',
      operationId: 'acdMyOutboundCall',
      summary: 'Place a manual outbound call: your phone rings first, then the customer',
      description: 'You must be logged in and available or not ready, without a call; you are not offered queue calls during it.',
      tags: TAGS,
      access: ANYONE,
      body: z.strictObject({ number: z.string().regex(/^\+?[0-9*#]{1,32}$/, 'must be a phone number: optional +, then digits, * or #') }),
      responses: { 200: { description: 'your phone answered; the customer is being called', schema: z.object({ agent_uuid: z.string(), customer_uuid: z.string() }) }, ...conflict },
      handler: async ({ req, res, principal, body }) => {
        const agent = await me(principal);
        const r = await run({ req, principal }, agent, 'outbound', { number: body.number }, (cc) => cc.manualOutbound(agent.id, body.number));
        res.json({ agent_uuid: r.agentUuid, customer_uuid: r.customerUuid });
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/acd/agents/:id/call/hangup',
      operationId: 'acdAgentCallHangup',
      summary: "Force the hangup of an agent's call (admins: any agent; supervisors: agents of their teams; agents: only themselves)",
      description: 'Ends every leg of the call, including a conference and a consultation. Outside the caller\'s scope: 403.',
      tags: TAGS,
      access: ANYONE,
      params: z.strictObject({ id: idParam }),
      agent: { in: 'params', field: 'id' },
      responses: { 200: { description: 'hung up', schema: z.object({ killed: z.array(z.string()) }) }, 403: { description: 'an agent outside your teams, or another agent\'s call' }, ...conflict },
      handler: async ({ req, res, principal, agent: scoped }) => {
        const agent = scoped!;
        res.json(await run({ req, principal }, agent, 'force_hangup', {}, (cc) => cc.hangup(agent.id, { force: true })));
      },
    }),
  ];
}

/** CallControl and engine refusals as problems. */
export function callProblem(err: unknown): never {
  if (err instanceof CallControlError) {
    const status = err.code === 'invalid_input' ? 400 : err.code === 'not_found' ? 404 : 409;
    throw new HttpProblem(status, err.message, { type: `acd-call-${err.code.replace(/_/g, '-')}` });
  }
  if (err instanceof AcdStateError) acdProblem(err);
  throw err;
}
