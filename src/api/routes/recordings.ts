/**
 * Call recording over HTTP.
 * - Recordings: search, get one, download/stream the file (HTTP Range), verify its sha256, legal hold and retention
 *   class (admin, audited), run the retention job now (admin). Who sees what: src/recording/access.ts.
 * - Call control: an agent on their own current call (/api/v1/acd/me/call/recording/*), supervisors (agents of their
 *   teams) and admins on any call (/api/v1/recordings/calls/:uuid/*). Audited.
 * - Configuration (admin): recording policies per DID / queue / campaign, retention classes. (Supervisors' teams: src/api/routes/supervision.ts.)
 * Files are read only from the path in the row, and only inside RECORDINGS_DIR after realpath; a missing file is a 404
 * `recording file missing`, a hash mismatch a 409 `recording file tampered (sha256 mismatch)` (and the row is marked).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Request } from 'express';
import { z } from 'zod';
import { acdConfigStoreFor, type AcdConfigStoreImpl } from '../../acd/config-store';
import type { Principal } from '../../auth/principal';
import { principalName } from '../../auth/principal';
import { passwordVersion } from '../../auth/tokens';
import { UnsafeValueError } from '../../freeswitch';
import {
  recordingScope,
  recordingStoreFor,
  RecordingError,
  RecordingVerifier,
  scopeAllows,
  viewOf,
  type RecordingAction,
  type Recordings,
  type RecordingScope,
  type RecordingStore,
  type RecordingView,
} from '../../recording';
import type { RecordingRow } from '../../db/entities/recording';
import type { ApiContext } from '../context';
import { HttpProblem } from '../problem';
import { defineRoute, OPTIONAL_AUTH, roles, type AnyRoute } from '../registry';
import { idParam, isoDateQuery, limitQuery, offsetQuery } from '../validation';
import { requireAcd } from './acd-admin';

const ANYONE_ROLES: readonly string[] = ['admin', 'supervisor', 'agent'];
const ANYONE = roles('admin', 'supervisor', 'agent');
const SUPERVISOR = roles('admin', 'supervisor');
const ADMIN = roles('admin');
const TAGS = ['recordings'];
const ACTIONS: readonly RecordingAction[] = ['start', 'stop', 'pause', 'resume'];

const dateTime = z.string().meta({ format: 'date-time' });
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const nameField = (what: string) => z.string().regex(NAME, `must be a ${what}: letters, digits, _ . - (at most 64), starting with a letter or digit`);

const segmentOut = z.object({
  from_ms: z.number().int().meta({ description: 'offset of the pause from the start of the recording' }),
  to_ms: z.number().int().nullable(),
  paused_at: dateTime,
  resumed_at: dateTime.nullable(),
  by: z.string().meta({ description: "a user id, 'ivr' or 'policy'" }),
});

const recordingOut = z
  .object({
    id: z.string(),
    fs_node: z.string(),
    call_uuid: z.string(),
    cdr_uuid: z.string().meta({ description: 'the CDR of the recorded (caller) leg' }),
    queue_call_id: z.string().nullable(),
    agent_id: z.number().int().nullable(),
    queue: z.string().nullable(),
    campaign: z.string().nullable(),
    did: z.string().nullable(),
    caller_number: z.string().nullable(),
    file_path: z.string(),
    started_at: dateTime,
    ended_at: dateTime.nullable(),
    duration_ms: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    sha256: z.string().nullable(),
    format: z.string(),
    channels: z.number().int(),
    pause_segments: z.array(segmentOut),
    started_by: z.string(),
    stopped_by: z.string().nullable(),
    retention_class: z.string(),
    legal_hold: z.boolean(),
    purged_at: dateTime.nullable(),
    status: z.enum(['recording', 'finished', 'missing', 'purged', 'failed']),
    integrity: z.enum(['unverified', 'ok', 'tampered']),
    verified_at: dateTime.nullable(),
  })
  .meta({ id: 'Recording' });

const policyOut = z
  .object({
    scope: z.enum(['did', 'queue', 'campaign']),
    name: z.string(),
    mode: z.enum(['never', 'always', 'on_demand']),
    stereo: z.boolean(),
    format: z.string(),
    retention_class: z.string(),
    updated_at: dateTime,
    updated_by: z.string(),
  })
  .meta({ id: 'RecordingPolicy' });

const retentionClassOut = z.object({ name: z.string(), days: z.number().int(), updated_at: dateTime }).meta({ id: 'RecordingRetentionClass' });

const idParams = z.strictObject({
  id: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a recording id (a UUID)'),
});
const callParams = z.strictObject({ uuid: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/, 'must be a call UUID (letters, digits and "-", at most 64)') });
const policyParams = z.strictObject({
  scope: z.enum(['did', 'queue', 'campaign']),
  name: z.string().regex(/^[A-Za-z0-9+][A-Za-z0-9_.-]{0,63}$/, 'must be a DID, queue or campaign name: letters, digits, _ . - (at most 64)'),
});

const searchQuery = z
  .strictObject({
    from: isoDateQuery.optional().meta({ description: 'recordings that started at or after this time (ISO 8601)' }),
    to: isoDateQuery.optional().meta({ description: 'recordings that started before this time (ISO 8601)' }),
    agent_id: idParam.optional().meta({ description: 'the agent on the call' }),
    queue: nameField('queue name').optional(),
    number: z
      .string()
      .regex(/^\+?[0-9*#]{1,32}\*?$/, 'must be a phone number, optionally ending in * for a prefix match')
      .optional()
      .meta({ description: 'caller number or DID; a trailing * makes it a prefix match' }),
    call_uuid: callParams.shape.uuid.optional().meta({ description: 'the recorded call (caller leg) or queue call' }),
    status: z.enum(['recording', 'finished', 'missing', 'purged', 'failed']).optional(),
    limit: limitQuery(50, 500),
    offset: offsetQuery,
  })
  .refine((q) => !q.from || !q.to || q.from.getTime() <= q.to.getTime(), { message: 'must not be before "from"', path: ['to'] });

const patchBody = z
  .strictObject({
    legal_hold: z.boolean().meta({ description: 'true: never purged by retention while set' }),
    retention_class: nameField('retention class'),
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'must set at least one field');

const policyBody = z.strictObject({
  mode: z.enum(['never', 'always', 'on_demand']),
  stereo: z.boolean().default(true).meta({ description: 'caller and agent on separate channels (default true)' }),
  format: z.enum(['wav']).default('wav'),
  retention_class: nameField('retention class').default('standard'),
});

const fileMissing = { 404: { description: '`recording file missing` (or no such recording / purged)' } };

/** The stores and checks of the API: from the running recording subsystem, or built on the database alone. */
interface RecordingApi {
  store: RecordingStore;
  verifier: RecordingVerifier;
  acd: AcdConfigStoreImpl;
  agentAccess: boolean;
  running?: Recordings;
}

const BUILT = new WeakMap<object, RecordingApi>();

function recordingApi(ctx: ApiContext): RecordingApi {
  const r = ctx.deps.recordings;
  const key: object = r ?? ctx.deps.dataSource;
  let api = BUILT.get(key);
  if (!api) {
    const acd = ctx.deps.acdConfig ?? acdConfigStoreFor(ctx.deps.dataSource, { clock: ctx.deps.clock, logger: ctx.deps.logger });
    api = r
      ? { store: r.store, verifier: r.verifier, acd, agentAccess: r.agentAccess, running: r }
      : (() => {
          const store = recordingStoreFor(ctx.deps.dataSource);
          return {
            store,
            verifier: new RecordingVerifier(store, ctx.deps.config.recordings.dir, ctx.deps.clock, ctx.logger),
            acd,
            agentAccess: ctx.deps.config.recordings.agentAccess,
          };
        })();
    BUILT.set(key, api);
  }
  return api;
}

function toJson(v: RecordingView): Record<string, unknown> {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const { created_at: _c, updated_at: _u, ...rest } = v;
  return { ...rest, started_at: iso(v.started_at), ended_at: iso(v.ended_at), purged_at: iso(v.purged_at), verified_at: iso(v.verified_at) };
}

function recordingProblem(err: unknown): never {
  if (err instanceof RecordingError) {
    if (err.kind === 'not_found') throw new HttpProblem(404, err.message);
    if (err.kind === 'unavailable') throw new HttpProblem(503, err.message, { headers: { 'Retry-After': '5' } });
    throw new HttpProblem(409, err.message);
  }
  if (err instanceof UnsafeValueError) throw new HttpProblem(400, err.message);
  throw err;
}

/** Parses a single-range `Range: bytes=...` header; undefined = serve the whole file; 'unsatisfiable' = 416. */
export function parseRange(value: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (!value) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // not a single byte range: ignored, as RFC 9110 allows
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (!Number.isSafeInteger(suffix) || suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  let end = m[2] === '' ? Number.MAX_SAFE_INTEGER : Number(m[2]);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || end < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  end = Math.min(end, size - 1);
  return { start, end };
}

/** How long a play URL works (an <audio> element re-requests ranges while it plays, so a few minutes). */
export const PLAY_URL_TTL_SEC = 300;

/**
 * Single-recording play tokens: an <audio> element cannot send the Authorization header, so the console asks for a
 * short-lived URL carrying `?token=` that opens only this recording, for this caller, until it expires. The token is
 * an HMAC over the recording id, the caller and the expiry with a per-process key (a restart voids them all, which is
 * fine for a few minutes' URLs). On every use the caller is looked up again as for a bearer token (a disabled user,
 * a changed password or a revoked key stops it at once; the role is the current one) and the scope is re-checked.
 */
export class PlayTokens {
  private readonly key = randomBytes(32);
  /** `pwv`: the user's password version (src/auth/tokens.ts), so a password change voids the token. */
  sign(recordingId: string, p: Principal, expSec: number, pwv: string | null): string {
    const body = Buffer.from(JSON.stringify({ r: recordingId, k: p.kind, i: p.id, v: pwv, e: expSec })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }
  /** Who the token was issued to, when it is genuine, unexpired and for `recordingId`. */
  verify(token: string, recordingId: string, nowSec: number): { kind: 'user' | 'api_key'; id: number; pwv: string | null } | null {
    const [body, mac] = token.split('.');
    if (!body || !mac) return null;
    const want = Buffer.from(this.mac(body));
    const got = Buffer.from(mac);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    let c: { r?: unknown; k?: unknown; i?: unknown; v?: unknown; e?: unknown };
    try {
      c = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof c;
    } catch {
      return null;
    }
    if (c.r !== recordingId || typeof c.e !== 'number' || c.e < nowSec || typeof c.i !== 'number') return null;
    if (c.k !== 'user' && c.k !== 'api_key') return null;
    return { kind: c.k, id: c.i, pwv: typeof c.v === 'string' ? c.v : null };
  }
  private mac(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

export function recordingRoutes(ctx: ApiContext): AnyRoute[] {
  const playTokens = new PlayTokens();
  /** The caller behind a play token, as they are now (null: forged, expired, or the credentials are no longer valid). */
  const playPrincipal = async (token: string, recordingId: string): Promise<Principal | null> => {
    const who = playTokens.verify(token, recordingId, Math.floor(ctx.deps.clock.now() / 1000));
    if (!who) return null;
    if (who.kind === 'user') {
      const u = await ctx.users.getRow(who.id);
      if (!u || u.disabled || passwordVersion(u.password_hash) !== who.pwv) return null;
      return { kind: 'user', id: u.id, username: u.username, role: u.role };
    }
    const k = await ctx.apiKeys.get(who.id);
    if (!k || k.revoked_at) return null;
    return { kind: 'api_key', id: k.id, name: k.name, role: k.role };
  };
  const scopeOf = async (principal: Principal | null): Promise<RecordingScope> => {
    if (!principal) throw new HttpProblem(401, 'authentication required');
    const api = recordingApi(ctx);
    return recordingScope(principal, { store: api.store, acd: api.acd, agentAccess: api.agentAccess });
  };

  /** The row, if the caller may see it (403 otherwise; 404 when there is no such row). */
  const visibleRow = async (principal: Principal | null, id: string): Promise<RecordingRow> => {
    const scope = await scopeOf(principal);
    if (scope.kind === 'none') throw new HttpProblem(403, scope.reason);
    const row = await recordingApi(ctx).store.get(id.toLowerCase());
    if (!row) throw new HttpProblem(404, `no recording ${id}`);
    if (!scopeAllows(scope, row.agent_id === null ? null : Number(row.agent_id))) throw new HttpProblem(403, 'this recording is not of an agent you may see');
    return row;
  };

  const running = (): Recordings => {
    const r = recordingApi(ctx).running;
    if (!r) throw new HttpProblem(503, 'call recording is not running', { headers: { 'Retry-After': '5' } });
    return r;
  };

  const actorOf = (p: Principal, role?: 'agent'): { kind: 'user'; id: number; role: 'admin' | 'supervisor' | 'agent' } => ({
    kind: 'user',
    id: p.id,
    role: role ?? p.role,
  });

  const audit = (req: Request, principal: Principal | null, action: string, id: string | null, before: unknown, after: unknown) =>
    ctx.audit(req, principal, { action, target_type: 'recording', target_id: id, before, after });

  const callRoutes = ACTIONS.map((action) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/recordings/calls/:uuid/${action}`,
      operationId: `recordingCall${action[0]!.toUpperCase()}${action.slice(1)}`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} the recording of a live call (supervisor of the agent's team, or admin)`,
      description:
        'The uuid is the caller leg (the queue call id) or the agent leg of the call. Supervisors may act only on calls of agents of their teams; calls without an agent are for admins. Pause and resume are uuid_record mask/unmask: the paused time stays in the file as silence and is listed in pause_segments.',
      tags: TAGS,
      access: SUPERVISOR,
      params: callParams,
      responses: {
        200: { description: 'the recording after the action', schema: recordingOut },
        403: { description: 'the call is not of an agent of your teams' },
        404: { description: 'no such live call' },
        409: { description: 'not recorded / already recorded / already paused / policy never' },
        503: { description: 'call recording is not running' },
      },
      handler: async ({ req, res, principal, params }) => {
        const r = running();
        const p = principal!;
        const callCtx = r.service.contextOf(params.uuid);
        if (!callCtx) throw new HttpProblem(404, `no live call ${params.uuid}`);
        // The call's agent decides, through the API's one team scope.
        if (callCtx.agentId !== undefined) await ctx.agentAccess.require(p, callCtx.agentId);
        else if (p.role !== 'admin') throw new HttpProblem(403, 'only admins may control the recording of a call without an agent');
        let view: RecordingView;
        try {
          view = await r.service.run(action, params.uuid, actorOf(p));
        } catch (err) {
          recordingProblem(err);
        }
        await audit(req, principal, `recording.${action}`, view.id, null, { call_uuid: view.call_uuid, agent_id: view.agent_id, status: view.status, pause_segments: view.pause_segments });
        res.json(toJson(view));
      },
    }),
  );

  const meRoutes = ACTIONS.map((action) =>
    defineRoute({
      method: 'post',
      path: `/api/v1/acd/me/call/recording/${action}`,
      operationId: `acdMeRecording${action[0]!.toUpperCase()}${action.slice(1)}`,
      summary: `${action[0]!.toUpperCase()}${action.slice(1)} the recording of my current call`,
      description:
        "Acts on the current call of the agent linked to the caller's user. An agent may not stop a recording that the policy makes mandatory (pause it instead, e.g. for a card number).",
      tags: TAGS,
      access: ANYONE,
      responses: {
        200: { description: 'the recording after the action', schema: recordingOut },
        404: { description: 'no ACD agent is linked to this user' },
        409: { description: 'no current call, not recorded, already recorded, policy never or mandatory' },
        503: { description: 'the ACD or call recording is not running' },
      },
      handler: async ({ req, res, principal }) => {
        if (!principal || principal.kind !== 'user') throw new HttpProblem(403, 'an API key is not an agent; log in as the agent');
        const acdStore = recordingApi(ctx).acd;
        await acdStore.ensureLoaded();
        const agent = acdStore.agentByUserId(principal.id);
        if (!agent) throw new HttpProblem(404, `no ACD agent is linked to user ${principal.username}`);
        const acd = requireAcd(ctx);
        const r = running();
        const legs = acd.legsOfAgent(agent.id);
        if (!legs) throw new HttpProblem(409, 'you have no current call');
        let view: RecordingView;
        try {
          view = await r.service.run(action, legs.callerUuid, actorOf(principal, 'agent'));
        } catch (err) {
          recordingProblem(err);
        }
        await audit(req, principal, `recording.${action}`, view.id, null, { call_uuid: view.call_uuid, agent_id: agent.id, status: view.status, pause_segments: view.pause_segments });
        res.json(toJson(view));
      },
    }),
  );

  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/recordings',
      operationId: 'searchRecordings',
      summary: 'Search recordings, newest first',
      description:
        'Admins see all; supervisors the recordings of the agents of their teams; agents their own, only when RECORDINGS_AGENT_ACCESS=true.',
      tags: TAGS,
      access: ANYONE,
      query: searchQuery,
      responses: {
        200: {
          description: 'one page of matches and the total count',
          schema: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int(), items: z.array(recordingOut) }),
        },
        403: { description: 'agents, when RECORDINGS_AGENT_ACCESS is false; API keys other than admin' },
      },
      handler: async ({ res, principal, query }) => {
        const scope = await scopeOf(principal);
        if (scope.kind === 'none') throw new HttpProblem(403, scope.reason);
        const result = await recordingApi(ctx).store.search({
          from: query.from,
          to: query.to,
          agentId: query.agent_id,
          agentIds: scope.kind === 'agents' ? scope.agentIds : undefined,
          queue: query.queue,
          number: query.number,
          callUuid: query.call_uuid,
          status: query.status,
          limit: query.limit,
          offset: query.offset,
        });
        res.json({ total: result.total, limit: query.limit, offset: query.offset, items: result.items.map((r) => toJson(viewOf(r))) });
      },
    }),

    // Before /api/v1/recordings/:id... so that these literal paths are never read as ids.
    defineRoute({
      method: 'post',
      path: '/api/v1/recordings/retention/run',
      operationId: 'runRecordingRetention',
      summary: 'Run the retention job now: purge recordings whose retention class expired (never those on legal hold)',
      tags: TAGS,
      access: ADMIN,
      responses: {
        200: {
          description: 'what was purged',
          schema: z.object({ purged: z.array(z.string()), errors: z.array(z.object({ id: z.string(), error: z.string() })), classes: z.record(z.string(), z.number().int()) }),
        },
        503: { description: 'call recording is not running' },
      },
      handler: async ({ res }) => {
        res.json(await running().retention.runNow());
      },
    }),
    ...callRoutes,

    defineRoute({
      method: 'get',
      path: '/api/v1/recordings/:id',
      operationId: 'getRecording',
      summary: 'One recording',
      tags: TAGS,
      access: ANYONE,
      params: idParams,
      responses: { 200: { description: 'the recording', schema: recordingOut }, 403: { description: 'not a recording you may see' }, 404: { description: 'no such recording' } },
      handler: async ({ res, principal, params }) => {
        res.json(toJson(viewOf(await visibleRow(principal, params.id))));
      },
    }),

    defineRoute({
      method: 'patch',
      path: '/api/v1/recordings/:id',
      operationId: 'updateRecording',
      summary: 'Set the legal hold or the retention class of a recording (audited)',
      tags: TAGS,
      access: ADMIN,
      params: idParams,
      body: patchBody,
      responses: { 200: { description: 'the recording', schema: recordingOut }, 404: { description: 'no such recording' }, 409: { description: 'the recording was purged' } },
      handler: async ({ req, res, principal, params, body }) => {
        const api = recordingApi(ctx);
        const row = await api.store.get(params.id.toLowerCase());
        if (!row) throw new HttpProblem(404, `no recording ${params.id}`);
        if (row.status === 'purged') throw new HttpProblem(409, 'the recording was purged; nothing to hold');
        if (body.retention_class !== undefined && !(await api.store.retentionClass(body.retention_class))) {
          throw new HttpProblem(400, `unknown retention class "${body.retention_class}"`, {
            errors: [{ location: 'body', field: 'retention_class', pointer: '#/retention_class', detail: 'no such retention class' }],
          });
        }
        const before = viewOf(row);
        await api.store.update(row.id, { ...body, updated_at: new Date(ctx.deps.clock.now()) });
        const after = viewOf((await api.store.get(row.id))!);
        await audit(req, principal, 'recording.update', row.id, { legal_hold: before.legal_hold, retention_class: before.retention_class }, { legal_hold: after.legal_hold, retention_class: after.retention_class });
        res.json(toJson(after));
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/recordings/:id/play-url',
      operationId: 'recordingPlayUrl',
      summary: 'A short-lived URL that plays this recording without the Authorization header (for <audio>)',
      description: `The URL is GET /api/v1/recordings/:id/file?token=..., valid ${PLAY_URL_TTL_SEC} s, for this recording and this caller only; the caller's scope is checked again when it is used.`,
      tags: TAGS,
      access: ANYONE,
      params: idParams,
      responses: {
        200: { description: 'the URL', schema: z.object({ url: z.string(), expires_at: dateTime }) },
        403: { description: 'not a recording you may see' },
        404: { description: 'no such recording' },
      },
      handler: async ({ res, principal, params }) => {
        const row = await visibleRow(principal, params.id);
        const exp = Math.floor(ctx.deps.clock.now() / 1000) + PLAY_URL_TTL_SEC;
        const p = principal!;
        const pwv = p.kind === 'user' ? await ctx.users.getRow(p.id).then((u) => (u ? passwordVersion(u.password_hash) : null)) : null;
        const token = playTokens.sign(row.id, p, exp, pwv);
        res.json({ url: `/api/v1/recordings/${row.id}/file?token=${encodeURIComponent(token)}`, expires_at: new Date(exp * 1000).toISOString() });
      },
    }),

    defineRoute({
      method: 'get',
      path: '/api/v1/recordings/:id/file',
      operationId: 'downloadRecording',
      summary: 'Download or stream the recording file (HTTP Range: 206 / 416)',
      description:
        'The file is re-hashed before it is served (unless unchanged since its last verification): a mismatch is a 409 `recording file tampered (sha256 mismatch)` and marks the row; a missing file is a 404 `recording file missing`. Authenticate as usual, or with `?token=` from POST /api/v1/recordings/:id/play-url (for an <audio> element).',
      tags: TAGS,
      access: OPTIONAL_AUTH,
      params: idParams,
      query: z.strictObject({ token: z.string().min(1).max(2048).optional().meta({ description: 'a play token (POST .../play-url)' }) }),
      responses: {
        200: { description: 'the whole file', contentType: 'audio/wav' },
        206: { description: 'the requested byte range', contentType: 'audio/wav' },
        401: { description: 'neither credentials nor a valid play token' },
        403: { description: 'not a recording you may see' },
        ...fileMissing,
        409: { description: '`recording file tampered (sha256 mismatch)`, or still recording' },
        416: { description: 'range not satisfiable (Content-Range: bytes */size)' },
      },
      handler: async ({ req, res, principal: caller, params, query }) => {
        let principal = caller;
        if (!principal && query.token) {
          principal = await playPrincipal(query.token, params.id.toLowerCase());
          if (!principal) throw new HttpProblem(401, 'the play token is invalid or expired; ask for a new play URL');
        }
        if (!principal) throw new HttpProblem(401, 'authentication required');
        if (!ANYONE_ROLES.includes(principal.role)) throw new HttpProblem(403, 'not allowed');
        const row = await visibleRow(principal, params.id);
        const v = await recordingApi(ctx).verifier.check(row);
        if (v.state === 'purged') throw new HttpProblem(404, `recording purged${row.purged_at ? ` on ${new Date(row.purged_at).toISOString()}` : ''}`);
        if (v.state === 'recording') throw new HttpProblem(409, 'recording still in progress');
        if (v.state === 'missing') throw new HttpProblem(404, 'recording file missing');
        if (v.state === 'tampered') throw new HttpProblem(409, 'recording file tampered (sha256 mismatch)');
        const range = parseRange(req.headers.range, v.size);
        if (range === 'unsatisfiable') throw new HttpProblem(416, `range not satisfiable: the file has ${v.size} bytes`, { headers: { 'Content-Range': `bytes */${v.size}` } });
        res.setHeader('Accept-Ranges', 'bytes');
        res.setHeader('Content-Type', row.format === 'wav' ? 'audio/wav' : 'application/octet-stream');
        res.setHeader('Content-Disposition', `attachment; filename="${row.id}.${row.format === 'wav' ? 'wav' : 'bin'}"`);
        res.setHeader('ETag', `"${v.sha256}"`);
        res.setHeader('Digest', `sha-256=${Buffer.from(v.sha256, 'hex').toString('base64')}`);
        const start = range?.start ?? 0;
        const end = range?.end ?? v.size - 1;
        if (range) {
          res.status(206);
          res.setHeader('Content-Range', `bytes ${start}-${end}/${v.size}`);
        } else res.status(200);
        res.setHeader('Content-Length', String(Math.max(0, end - start + 1)));
        if (req.method === 'HEAD' || v.size === 0) {
          res.end();
          return;
        }
        await pipeline(fs.createReadStream(v.real, { start, end }), res);
      },
    }),

    defineRoute({
      method: 'post',
      path: '/api/v1/recordings/:id/verify',
      operationId: 'verifyRecording',
      summary: 'Re-hash the recording file and compare with its stored sha256 (marks the row)',
      tags: TAGS,
      access: SUPERVISOR,
      params: idParams,
      responses: {
        200: {
          description: 'the result (integrity ok) and the recording',
          schema: z.object({ result: z.enum(['ok', 'tampered', 'missing', 'purged', 'recording']), sha256: z.string().nullable(), recording: recordingOut }),
        },
        403: { description: 'not a recording you may see' },
        404: { description: 'no such recording' },
      },
      handler: async ({ req, res, principal, params }) => {
        const row = await visibleRow(principal, params.id);
        const api = recordingApi(ctx);
        const v = await api.verifier.check(row, { force: true });
        const after = viewOf((await api.store.get(row.id))!);
        const sha256 = v.state === 'ok' ? v.sha256 : v.state === 'tampered' ? v.actual : null;
        await audit(req, principal, 'recording.verify', row.id, { integrity: row.integrity, status: row.status }, { result: v.state, integrity: after.integrity, sha256 });
        res.json({ result: v.state, sha256, recording: toJson(after) });
      },
    }),

    ...meRoutes,

    // ---- configuration ----
    defineRoute({
      method: 'get',
      path: '/api/v1/recording-policies',
      operationId: 'listRecordingPolicies',
      summary: 'Recording policies per DID, queue and campaign (a queue without one uses its recordingPolicy)',
      tags: TAGS,
      access: SUPERVISOR,
      responses: { 200: { description: 'every policy', schema: z.object({ items: z.array(policyOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await recordingApi(ctx).store.policies() });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/recording-policies/:scope/:name',
      operationId: 'putRecordingPolicy',
      summary: 'Create or replace the recording policy of a DID, queue or campaign (audited)',
      description:
        'Resolution at connect: the strictest mode among the campaign, DID and queue policies wins (always > on_demand > never); with equal modes the most specific (campaign, queue, DID) gives stereo and retention class.',
      tags: TAGS,
      access: ADMIN,
      params: policyParams,
      body: policyBody,
      responses: { 200: { description: 'the policy', schema: policyOut }, 400: { description: 'unknown retention class' } },
      handler: async ({ req, res, principal, params, body }) => {
        const api = recordingApi(ctx);
        if (!(await api.store.retentionClass(body.retention_class))) {
          throw new HttpProblem(400, `unknown retention class "${body.retention_class}"`, {
            errors: [{ location: 'body', field: 'retention_class', pointer: '#/retention_class', detail: 'no such retention class' }],
          });
        }
        const before = (await api.store.getPolicy(params.scope, params.name)) ?? null;
        const row = { scope: params.scope, name: params.name, ...body, updated_at: new Date(ctx.deps.clock.now()), updated_by: principalName(principal!).slice(0, 128) };
        await api.store.putPolicy(row);
        await ctx.audit(req, principal, { action: 'recording_policy.put', target_type: 'recording_policy', target_id: `${params.scope}:${params.name}`, before, after: row });
        res.json(row);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/recording-policies/:scope/:name',
      operationId: 'deleteRecordingPolicy',
      summary: 'Delete a recording policy (audited)',
      tags: TAGS,
      access: ADMIN,
      params: policyParams,
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such policy' } },
      handler: async ({ req, res, principal, params }) => {
        const api = recordingApi(ctx);
        const before = await api.store.getPolicy(params.scope, params.name);
        if (!before || !(await api.store.deletePolicy(params.scope, params.name))) throw new HttpProblem(404, `no ${params.scope} policy ${params.name}`);
        await ctx.audit(req, principal, { action: 'recording_policy.delete', target_type: 'recording_policy', target_id: `${params.scope}:${params.name}`, before, after: null });
        res.status(204).end();
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/recording-retention-classes',
      operationId: 'listRecordingRetentionClasses',
      summary: 'Retention classes and how many days each keeps its files',
      tags: TAGS,
      access: SUPERVISOR,
      responses: { 200: { description: 'every class', schema: z.object({ items: z.array(retentionClassOut) }) } },
      handler: async ({ res }) => {
        res.json({ items: await recordingApi(ctx).store.retentionClasses() });
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/recording-retention-classes/:name',
      operationId: 'putRecordingRetentionClass',
      summary: 'Create or change a retention class (audited)',
      tags: TAGS,
      access: ADMIN,
      params: z.strictObject({ name: nameField('retention class') }),
      body: z.strictObject({ days: z.number().int().min(1).max(36_500) }),
      responses: { 200: { description: 'the class', schema: retentionClassOut } },
      handler: async ({ req, res, principal, params, body }) => {
        const api = recordingApi(ctx);
        const before = (await api.store.retentionClass(params.name)) ?? null;
        const row = { name: params.name, days: body.days, updated_at: new Date(ctx.deps.clock.now()) };
        await api.store.putRetentionClass(row);
        await ctx.audit(req, principal, { action: 'recording_retention.put', target_type: 'recording_retention', target_id: params.name, before, after: row });
        res.json(row);
      },
    }),
  ];
}
