import { createApiContext } from '../../src/api/app';
import { PASSWORDS, startTestApi, type TestApi } from './helpers';

const DIALPLAN_XML =
  '<include><extension name="echo"><condition field="destination_number" expression="^9196$"><action application="answer"/><action application="echo"/></condition></extension></include>';

type Who = 'anonymous' | 'agent' | 'supervisor' | 'admin' | 'keyAgent' | 'keySupervisor' | 'keyAdmin';
const WHO: Who[] = ['anonymous', 'agent', 'supervisor', 'admin', 'keyAgent', 'keySupervisor', 'keyAdmin'];

interface Case {
  method: string;
  /** Express pattern, to check every registered route has a case. */
  route: string;
  /** Concrete path for a caller (ids of throwaway rows may differ per caller). */
  path: (who: Who) => string | Promise<string>;
  body?: (who: Who) => unknown;
  /** A text/csv body instead of JSON. */
  csv?: string;
  expect: Record<Who, number>;
}

function same(anonymous: number, agent: number, supervisor: number, admin: number, keys?: Partial<Record<Who, number>>): Record<Who, number> {
  return { anonymous, agent, supervisor, admin, keyAgent: agent, keySupervisor: supervisor, keyAdmin: admin, ...keys };
}

describe('role access matrix: every route x every kind of caller', () => {
  let api: TestApi;
  const keys: Partial<Record<Who, string>> = {};
  let n = 0;

  const throwawayUser = async (): Promise<number> =>
    (await api.users.create({ username: `throwaway${++n}`, password: 'throwaway-pass-1', role: 'agent' })).id;
  const throwawayKey = async (): Promise<number> => {
    const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: `k${++n}`, role: 'agent' } });
    return ((await res.json()) as { api_key: { id: number } }).api_key.id;
  };

  let campaignId = 0;
  const matrixCampaign = async (): Promise<number> => {
    if (campaignId) return campaignId;
    const res = await api.fetch('/api/v1/dialer/campaigns', { method: 'POST', token: api.tokens.admin, json: { name: 'matrix', type: 'preview', queue: 'sales' } });
    campaignId = ((await res.json()) as { id: number }).id;
    return campaignId;
  };
  const throwawayCampaign = async (): Promise<number> => {
    const res = await api.fetch('/api/v1/dialer/campaigns', { method: 'POST', token: api.tokens.admin, json: { name: `tmp-${++n}`, type: 'preview', queue: 'sales' } });
    return ((await res.json()) as { id: number }).id;
  };

  const ivrFlowDoc = (name: string) => ({ name, timeZone: 'UTC', start: 'bye', nodes: { bye: { type: 'hangup' } } });
  let lastFlow = '';
  const throwawayFlow = async (): Promise<string> => {
    lastFlow = `f-${++n}`;
    const res = await api.fetch('/api/v1/ivr/flows', { method: 'POST', token: api.tokens.admin, json: { document: ivrFlowDoc(lastFlow) } });
    if (res.status !== 201) throw new Error(`throwaway flow: ${res.status}`);
    return lastFlow;
  };
  const throwawayDid = async (): Promise<string> => {
    const did = `1666000${++n}`;
    await api.fetch(`/api/v1/ivr/dids/${did}`, { method: 'PUT', token: api.tokens.admin, json: { flow: await throwawayFlow() } });
    return did;
  };

  const cases: Case[] = [
    { method: 'GET', route: '/healthz', path: () => '/healthz', expect: same(200, 200, 200, 200) },
    { method: 'GET', route: '/metrics', path: () => '/metrics', expect: same(401, 403, 200, 200, { keyAgent: 200 }) },
    { method: 'GET', route: '/api/v1/openapi.json', path: () => '/api/v1/openapi.json', expect: same(200, 200, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/auth/login',
      path: () => '/api/v1/auth/login',
      body: () => ({ username: 'admin1', password: PASSWORDS.admin }),
      expect: same(200, 200, 200, 200),
    },
    { method: 'GET', route: '/api/v1/auth/me', path: () => '/api/v1/auth/me', expect: same(401, 200, 200, 200) },
    {
      method: 'PUT',
      route: '/api/v1/auth/password',
      path: () => '/api/v1/auth/password',
      body: () => ({ current_password: 'not-the-password', new_password: 'another-pass-123' }),
      // Users reach the password check (400: wrong current password); API keys have no password (403).
      expect: same(401, 400, 400, 400, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
    },
    { method: 'GET', route: '/api/v1/users', path: () => '/api/v1/users', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/users',
      path: () => '/api/v1/users',
      body: (who) => ({ username: `new-${who}-${++n}`, password: 'new-user-pass-1', role: 'agent' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/users/:id', path: () => `/api/v1/users/${api.ids.agent}`, expect: same(401, 403, 403, 200) },
    {
      method: 'PATCH',
      route: '/api/v1/users/:id',
      path: () => `/api/v1/users/${api.ids.agent}`,
      body: (who) => ({ display_name: `set by ${who}` }),
      expect: same(401, 403, 403, 200),
    },
    {
      method: 'PUT',
      route: '/api/v1/users/:id/password',
      path: async () => `/api/v1/users/${await throwawayUser()}/password`,
      body: () => ({ password: 'reset-pass-1234' }),
      expect: same(401, 403, 403, 204),
    },
    { method: 'DELETE', route: '/api/v1/users/:id', path: async () => `/api/v1/users/${await throwawayUser()}`, expect: same(401, 403, 403, 204) },
    { method: 'GET', route: '/api/v1/api-keys', path: () => '/api/v1/api-keys', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/api-keys',
      path: () => '/api/v1/api-keys',
      body: (who) => ({ name: `key by ${who}`, role: 'agent' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'DELETE', route: '/api/v1/api-keys/:id', path: async () => `/api/v1/api-keys/${await throwawayKey()}`, expect: same(401, 403, 403, 200) },
    { method: 'GET', route: '/api/v1/cdrs', path: () => '/api/v1/cdrs', expect: same(401, 403, 200, 200) },
    {
      method: 'GET',
      route: '/api/v1/cdrs/:uuid',
      path: () => '/api/v1/cdrs/00000000-0000-0000-0000-000000000000',
      expect: same(401, 403, 404, 404),
    },
    // Supervisors see only their own entries (the filter is fixed to them); agents never.
    { method: 'GET', route: '/api/v1/audit', path: () => '/api/v1/audit', expect: same(401, 403, 200, 200) },
    // IVR (src/api/routes/ivr.ts)
    { method: 'GET', route: '/api/v1/ivr/flows', path: () => '/api/v1/ivr/flows', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/ivr/flows',
      path: () => '/api/v1/ivr/flows',
      body: (who) => ({ document: ivrFlowDoc(`m-${who.toLowerCase()}-${++n}`) }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/ivr/flows/:name', path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}`, expect: same(401, 403, 200, 200) },
    {
      method: 'PUT',
      route: '/api/v1/ivr/flows/:name',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}`,
      body: () => ({ document: ivrFlowDoc(lastFlow) }),
      expect: same(401, 403, 403, 200),
    },
    { method: 'DELETE', route: '/api/v1/ivr/flows/:name', path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}`, expect: same(401, 403, 403, 204) },
    {
      method: 'GET',
      route: '/api/v1/ivr/flows/:name/versions',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}/versions`,
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'GET',
      route: '/api/v1/ivr/flows/:name/versions/:version',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}/versions/1`,
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'GET',
      route: '/api/v1/ivr/flows/:name/diff',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}/diff`,
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'POST',
      route: '/api/v1/ivr/flows/:name/dry-run',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}/dry-run`,
      body: () => ({ digits: [] }),
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'POST',
      route: '/api/v1/ivr/flows/validate',
      path: () => '/api/v1/ivr/flows/validate',
      body: () => ({ document: ivrFlowDoc('validated') }),
      expect: same(401, 403, 403, 200),
    },
    {
      method: 'POST',
      route: '/api/v1/ivr/flows/:name/rollback',
      path: async () => `/api/v1/ivr/flows/${await throwawayFlow()}/rollback`,
      body: () => ({ version: 1 }),
      expect: same(401, 403, 403, 200),
    },
    { method: 'GET', route: '/api/v1/ivr/dids', path: () => '/api/v1/ivr/dids', expect: same(401, 403, 403, 200) },
    {
      method: 'PUT',
      route: '/api/v1/ivr/dids/:did',
      path: async () => {
        await throwawayFlow();
        return `/api/v1/ivr/dids/1555000${++n}`;
      },
      body: () => ({ flow: lastFlow }),
      expect: same(401, 403, 403, 200),
    },
    { method: 'DELETE', route: '/api/v1/ivr/dids/:did', path: async () => `/api/v1/ivr/dids/${await throwawayDid()}`, expect: same(401, 403, 403, 204) },
    { method: 'GET', route: '/api/v1/ivr/calls', path: () => '/api/v1/ivr/calls', expect: same(401, 403, 200, 200) },
    {
      method: 'GET',
      route: '/api/v1/ivr/calls/:uuid',
      path: () => '/api/v1/ivr/calls/00000000-0000-0000-0000-000000000000',
      expect: same(401, 403, 404, 404),
    },
    { method: 'GET', route: '/api/v1/ivr/voicemails', path: () => '/api/v1/ivr/voicemails', expect: same(401, 403, 200, 200) },
    // Dialplans (src/api/routes/dialplans.ts): admin only; per-context routes probe a context that does not exist.
    { method: 'GET', route: '/api/v1/dialplans', path: () => '/api/v1/dialplans', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/dialplans',
      path: () => '/api/v1/dialplans',
      body: (who) => ({ context: `ctx_${who.toLowerCase()}_${++n}`, xml: DIALPLAN_XML }),
      expect: same(401, 403, 403, 201),
    },
    {
      method: 'POST',
      route: '/api/v1/dialplans/validate',
      path: () => '/api/v1/dialplans/validate',
      body: () => ({ xml: DIALPLAN_XML }),
      expect: same(401, 403, 403, 200),
    },
    { method: 'POST', route: '/api/v1/dialplans/apply', path: () => '/api/v1/dialplans/apply', expect: same(401, 403, 403, 200) },
    { method: 'GET', route: '/api/v1/dialplans/:context', path: () => '/api/v1/dialplans/nosuch', expect: same(401, 403, 403, 404) },
    {
      method: 'PUT',
      route: '/api/v1/dialplans/:context',
      path: () => '/api/v1/dialplans/nosuch',
      body: () => ({ xml: DIALPLAN_XML }),
      expect: same(401, 403, 403, 404),
    },
    { method: 'DELETE', route: '/api/v1/dialplans/:context', path: () => '/api/v1/dialplans/nosuch', expect: same(401, 403, 403, 404) },
    { method: 'GET', route: '/api/v1/dialplans/:context/versions', path: () => '/api/v1/dialplans/nosuch/versions', expect: same(401, 403, 403, 404) },
    {
      method: 'GET',
      route: '/api/v1/dialplans/:context/versions/:version',
      path: () => '/api/v1/dialplans/nosuch/versions/1',
      expect: same(401, 403, 403, 404),
    },
    { method: 'GET', route: '/api/v1/dialplans/:context/diff', path: () => '/api/v1/dialplans/nosuch/diff?from=1&to=2', expect: same(401, 403, 403, 404) },
    {
      method: 'POST',
      route: '/api/v1/dialplans/:context/rollback',
      path: () => '/api/v1/dialplans/nosuch/rollback',
      body: () => ({ version: 1 }),
      expect: same(401, 403, 403, 404),
    },
    // SIP accounts (src/api/routes/sip-accounts.ts): admin only; per-account routes probe an id that does not exist.
    { method: 'GET', route: '/api/v1/sip-accounts', path: () => '/api/v1/sip-accounts', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/sip-accounts',
      path: () => '/api/v1/sip-accounts',
      body: () => ({ extension: `7${String(++n).padStart(3, '0')}`, domain: 'pbx.example.com' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/sip-accounts/:id', path: () => '/api/v1/sip-accounts/999999', expect: same(401, 403, 403, 404) },
    {
      method: 'PATCH',
      route: '/api/v1/sip-accounts/:id',
      path: () => '/api/v1/sip-accounts/999999',
      body: () => ({ display_name: 'Nobody' }),
      expect: same(401, 403, 403, 404),
    },
    {
      method: 'POST',
      route: '/api/v1/sip-accounts/:id/reset-password',
      path: () => '/api/v1/sip-accounts/999999/reset-password',
      expect: same(401, 403, 403, 404),
    },
    { method: 'DELETE', route: '/api/v1/sip-accounts/:id', path: () => '/api/v1/sip-accounts/999999', expect: same(401, 403, 403, 404) },
    // mod_xml_curl: only an admin API key (the answers carry A1 hashes); user tokens are not accepted there.
    {
      method: 'POST',
      route: '/freeswitch/xml-curl',
      path: () => '/freeswitch/xml-curl',
      body: () => ({ section: 'directory', key_name: 'name', key_value: 'nobody', user: 'nobody', domain: 'pbx.example.com' }),
      expect: same(401, 401, 401, 401, { keyAgent: 403, keySupervisor: 403, keyAdmin: 200 }),
    },
    // mod_xml_cdr: the same credentials; this API has no CDR writer, so the admin key gets 503 past the checks.
    {
      method: 'POST',
      route: '/freeswitch/xml-cdr',
      path: () => '/freeswitch/xml-cdr',
      body: () => ({ cdr: '<cdr/>' }),
      expect: same(401, 401, 401, 401, { keyAgent: 403, keySupervisor: 403, keyAdmin: 503 }),
    },
    // ACD configuration (src/api/routes/acd-admin.ts): admins write, supervisors read; probes of rows that do not exist.
    { method: 'GET', route: '/api/v1/acd/queues', path: () => '/api/v1/acd/queues', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/acd/queues',
      path: () => '/api/v1/acd/queues',
      body: (who) => ({ name: `q-${who.toLowerCase()}-${++n}` }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/acd/queues/:name', path: () => '/api/v1/acd/queues/nosuch', expect: same(401, 403, 404, 404) },
    {
      method: 'PATCH',
      route: '/api/v1/acd/queues/:name',
      path: () => '/api/v1/acd/queues/nosuch',
      body: () => ({ wrapUpSec: 5 }),
      expect: same(401, 403, 403, 404),
    },
    { method: 'DELETE', route: '/api/v1/acd/queues/:name', path: () => '/api/v1/acd/queues/nosuch', expect: same(401, 403, 403, 404) },
    { method: 'GET', route: '/api/v1/acd/agents', path: () => '/api/v1/acd/agents', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/acd/agents',
      path: () => '/api/v1/acd/agents',
      // An unknown user: admins reach the store's check (400 naming user_id).
      body: () => ({ user_id: 999999, extension: `9${String(++n).padStart(3, '0')}` }),
      expect: same(401, 403, 403, 400),
    },
    { method: 'GET', route: '/api/v1/acd/agents/:id', path: () => '/api/v1/acd/agents/999999', expect: same(401, 403, 404, 404) },
    {
      method: 'PATCH',
      route: '/api/v1/acd/agents/:id',
      path: () => '/api/v1/acd/agents/999999',
      body: () => ({ name: 'Nobody' }),
      expect: same(401, 403, 403, 404),
    },
    { method: 'DELETE', route: '/api/v1/acd/agents/:id', path: () => '/api/v1/acd/agents/999999', expect: same(401, 403, 403, 404) },
    // ACD agent operations (src/api/routes/acd-agent.ts): any user with an agent row acts on themselves; the seeded
    // users have none (404); API keys are never agents (403).
    ...(
      [
        ['GET', '/api/v1/acd/me', undefined],
        ['POST', '/api/v1/acd/me/login', undefined],
        ['POST', '/api/v1/acd/me/logout', undefined],
        ['POST', '/api/v1/acd/me/ready', undefined],
        ['POST', '/api/v1/acd/me/not-ready', { reason: 'break' }],
        ['POST', '/api/v1/acd/me/wrap-up/end', undefined],
        ['POST', '/api/v1/acd/me/disposition', { call_id: 'call-1', disposition: 'sale' }],
      ] as const
    ).map(
      ([method, route, body]): Case => ({
        method,
        route,
        path: () => route,
        ...(body ? { body: () => body } : {}),
        expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
      }),
    ),
    {
      method: 'POST',
      route: '/api/v1/acd/agents/:id/state',
      path: () => '/api/v1/acd/agents/999999/state',
      body: () => ({ action: 'login' }),
      // An agent acting on another agent: 403; supervisors and admins reach the lookup (404).
      expect: same(401, 403, 404, 404),
    },
    // ACD live figures and reports (src/api/routes/acd-live.ts): supervisors and admins; no ACD runs here (503).
    { method: 'GET', route: '/api/v1/acd/live/queues', path: () => '/api/v1/acd/live/queues', expect: same(401, 403, 503, 503) },
    { method: 'GET', route: '/api/v1/acd/live/agents', path: () => '/api/v1/acd/live/agents', expect: same(401, 403, 503, 503) },
    { method: 'GET', route: '/api/v1/acd/live/calls', path: () => '/api/v1/acd/live/calls', expect: same(401, 403, 503, 503) },
    {
      method: 'GET',
      route: '/api/v1/acd/reports/queues',
      path: () => '/api/v1/acd/reports/queues?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z',
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'GET',
      route: '/api/v1/acd/reports/agents',
      path: () => '/api/v1/acd/reports/agents?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z&bucket=hour',
      expect: same(401, 403, 200, 200),
    },
    {
      method: 'GET',
      route: '/api/v1/reports/:dimension',
      path: () => '/api/v1/reports/queue?from=2026-01-01&to=2026-02-01&bucket=week',
      expect: same(401, 403, 200, 200),
    },
    // ACD call control (src/api/routes/acd-calls.ts): the caller's own call; the seeded users have no agent row (404),
    // API keys are never agents (403).
    ...(
      [
        ['GET', '/api/v1/acd/me/call', undefined],
        ['POST', '/api/v1/acd/me/call/hangup', undefined],
        ['POST', '/api/v1/acd/me/call/hold', undefined],
        ['POST', '/api/v1/acd/me/call/unhold', undefined],
        ['POST', '/api/v1/acd/me/call/mute', undefined],
        ['POST', '/api/v1/acd/me/call/unmute', undefined],
        ['POST', '/api/v1/acd/me/call/transfer', { target: { agent: 2 }, mode: 'blind' }],
        ['POST', '/api/v1/acd/me/call/transfer/complete', undefined],
        ['POST', '/api/v1/acd/me/call/transfer/cancel', undefined],
        ['POST', '/api/v1/acd/me/call/three-way', { target: { number: '+15551230000' } }],
        ['POST', '/api/v1/acd/me/outbound', { number: '+15551230000' }],
      ] as const
    ).map(
      ([method, route, body]): Case => ({
        method,
        route,
        path: () => route,
        ...(body ? { body: () => body } : {}),
        expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
      }),
    ),
    {
      method: 'POST',
      route: '/api/v1/acd/agents/:id/call/hangup',
      path: () => '/api/v1/acd/agents/999999/call/hangup',
      // An agent acting on another agent's call: 403; supervisors and admins reach the lookup (404).
      expect: same(401, 403, 404, 404),
    },
    // Supervision (src/api/routes/supervision.ts): supervisors and admins; agents never. Unknown agents/sessions: 404.
    { method: 'GET', route: '/api/v1/supervision/supervisors', path: () => '/api/v1/supervision/supervisors', expect: same(401, 403, 403, 200) },
    {
      method: 'PUT',
      route: '/api/v1/supervision/supervisors/:userId/teams',
      path: () => `/api/v1/supervision/supervisors/${api.ids.supervisor}/teams`,
      body: () => ({ teams: ['blue'], extension: '1900' }),
      expect: same(401, 403, 403, 200),
    },
    { method: 'GET', route: '/api/v1/supervision/sessions', path: () => '/api/v1/supervision/sessions', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/supervision/sessions',
      path: () => '/api/v1/supervision/sessions',
      body: () => ({ agent_id: 999999, mode: 'listen' }),
      expect: same(401, 403, 404, 404),
    },
    ...(
      [
        ['GET', '/api/v1/supervision/sessions/:id', '/api/v1/supervision/sessions/999999', undefined],
        ['PATCH', '/api/v1/supervision/sessions/:id', '/api/v1/supervision/sessions/999999', { mode: 'whisper' }],
        ['DELETE', '/api/v1/supervision/sessions/:id', '/api/v1/supervision/sessions/999999', undefined],
        ['POST', '/api/v1/supervision/sessions/:id/take-over', '/api/v1/supervision/sessions/999999/take-over', undefined],
        ['POST', '/api/v1/supervision/agents/:id/hangup', '/api/v1/supervision/agents/999999/hangup', undefined],
        ['POST', '/api/v1/supervision/agents/:id/state', '/api/v1/supervision/agents/999999/state', { action: 'ready' }],
      ] as const
    ).map(
      ([method, route, path, body]): Case => ({ method, route, path: () => path, ...(body ? { body: () => body } : {}), expect: same(401, 403, 404, 404) }),
    ),
    // Recordings (src/api/routes/recordings.ts). No recording runtime in this API: call control answers 503; agents see
    // no recordings while RECORDINGS_AGENT_ACCESS is false (403); supervisor API keys have no teams (403).
    { method: 'GET', route: '/api/v1/recordings', path: () => '/api/v1/recordings', expect: same(401, 403, 200, 200, { keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/recordings/retention/run', path: () => '/api/v1/recordings/retention/run', expect: same(401, 403, 403, 503) },
    ...(['start', 'stop', 'pause', 'resume'] as const).map(
      (a): Case => ({
        method: 'POST',
        route: `/api/v1/recordings/calls/:uuid/${a}`,
        path: () => `/api/v1/recordings/calls/no-such-call/${a}`,
        expect: same(401, 403, 503, 503),
      }),
    ),
    {
      method: 'GET',
      route: '/api/v1/recordings/:id',
      path: () => '/api/v1/recordings/00000000-0000-4000-8000-000000000000',
      expect: same(401, 403, 404, 404, { keySupervisor: 403 }),
    },
    {
      method: 'PATCH',
      route: '/api/v1/recordings/:id',
      path: () => '/api/v1/recordings/00000000-0000-4000-8000-000000000000',
      body: () => ({ legal_hold: true }),
      expect: same(401, 403, 403, 404),
    },
    {
      method: 'GET',
      route: '/api/v1/recordings/:id/file',
      path: () => '/api/v1/recordings/00000000-0000-4000-8000-000000000000/file',
      expect: same(401, 403, 404, 404, { keySupervisor: 403 }),
    },
    {
      method: 'POST',
      route: '/api/v1/recordings/:id/play-url',
      path: () => '/api/v1/recordings/00000000-0000-4000-8000-000000000000/play-url',
      expect: same(401, 403, 404, 404, { keySupervisor: 403 }),
    },
    {
      method: 'POST',
      route: '/api/v1/recordings/:id/verify',
      path: () => '/api/v1/recordings/00000000-0000-4000-8000-000000000000/verify',
      expect: same(401, 403, 404, 404, { keySupervisor: 403 }),
    },
    ...(['start', 'stop', 'pause', 'resume'] as const).map(
      (a): Case => ({
        method: 'POST',
        route: `/api/v1/acd/me/call/recording/${a}`,
        path: () => `/api/v1/acd/me/call/recording/${a}`,
        // Users without an agent row: 404 (as the other /acd/me/call routes); API keys are never agents.
        expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
      }),
    ),
    { method: 'GET', route: '/api/v1/recording-policies', path: () => '/api/v1/recording-policies', expect: same(401, 403, 200, 200) },
    {
      method: 'PUT',
      route: '/api/v1/recording-policies/:scope/:name',
      path: () => '/api/v1/recording-policies/queue/sales',
      body: () => ({ mode: 'always' }),
      expect: same(401, 403, 403, 200),
    },
    {
      method: 'DELETE',
      route: '/api/v1/recording-policies/:scope/:name',
      path: () => '/api/v1/recording-policies/did/18005550199',
      expect: same(401, 403, 403, 404),
    },
    { method: 'GET', route: '/api/v1/recording-retention-classes', path: () => '/api/v1/recording-retention-classes', expect: same(401, 403, 200, 200) },
    {
      method: 'PUT',
      route: '/api/v1/recording-retention-classes/:name',
      path: () => '/api/v1/recording-retention-classes/short',
      body: () => ({ days: 30 }),
      expect: same(401, 403, 403, 200),
    },
    // Outbound campaigns, leads and DNC (src/api/routes/dialer-leads.ts): admin writes, supervisors read and import.
    { method: 'GET', route: '/api/v1/dialer/campaigns', path: () => '/api/v1/dialer/campaigns', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/dialer/campaigns',
      path: () => '/api/v1/dialer/campaigns',
      body: (who) => ({ name: `matrix-${who}-${++n}`, type: 'progressive', queue: 'sales' }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'GET', route: '/api/v1/dialer/campaigns/:id', path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}`, expect: same(401, 403, 200, 200) },
    {
      method: 'PATCH',
      route: '/api/v1/dialer/campaigns/:id',
      path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}`,
      body: () => ({ enabled: false }),
      expect: same(401, 403, 403, 200),
    },
    {
      method: 'DELETE',
      route: '/api/v1/dialer/campaigns/:id',
      path: async () => `/api/v1/dialer/campaigns/${await throwawayCampaign()}`,
      expect: same(401, 403, 403, 204),
    },
    {
      method: 'POST',
      route: '/api/v1/dialer/campaigns/:id/leads/import',
      path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}/leads/import?country=US`,
      csv: 'phone,name\n2125550123,Ann\n',
      expect: same(401, 403, 200, 200),
    },
    { method: 'GET', route: '/api/v1/dialer/dnc', path: () => '/api/v1/dialer/dnc?campaign_id=global', expect: same(401, 403, 403, 200) },
    {
      method: 'POST',
      route: '/api/v1/dialer/dnc',
      path: () => '/api/v1/dialer/dnc',
      body: () => ({ phone: `+1212555${String(1000 + ++n).slice(-4)}`, reason: 'matrix' }),
      expect: same(401, 403, 403, 201),
    },
    {
      method: 'DELETE',
      route: '/api/v1/dialer/dnc',
      path: async () => {
        const phone = `+1212555${String(2000 + ++n).slice(-4)}`;
        await api.fetch('/api/v1/dialer/dnc', { method: 'POST', token: api.tokens.admin, json: { phone } });
        return `/api/v1/dialer/dnc?phone=${encodeURIComponent(phone)}`;
      },
      expect: same(401, 403, 403, 204),
    },
    // The running dialer (src/api/routes/dialer.ts): this API has no dialer runtime, so routes that need it answer 503.
    ...(['start', 'stop'] as const).map(
      (a): Case => ({
        method: 'POST',
        route: `/api/v1/dialer/campaigns/:id/${a}`,
        path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}/${a}`,
        expect: same(401, 403, 503, 503),
      }),
    ),
    { method: 'GET', route: '/api/v1/dialer/live', path: () => '/api/v1/dialer/live', expect: same(401, 403, 503, 503) },
    { method: 'GET', route: '/api/v1/dialer/campaigns/:id/stats', path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}/stats`, expect: same(401, 403, 503, 503) },
    { method: 'GET', route: '/api/v1/dialer/campaigns/:id/leads', path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}/leads`, expect: same(401, 403, 200, 200) },
    { method: 'GET', route: '/api/v1/dialer/campaigns/:id/ledger', path: async () => `/api/v1/dialer/campaigns/${await matrixCampaign()}/ledger`, expect: same(401, 403, 200, 200) },
    // Users without an agent row: 404; API keys are never agents: 403.
    { method: 'GET', route: '/api/v1/dialer/me/preview', path: () => '/api/v1/dialer/me/preview', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }) },
    // Agent desktop (src/api/routes/acd-desktop.ts): the directory is for every caller; the rest is the caller's own
    // agent (the seeded users have none: 404; API keys are never agents: 403).
    { method: 'GET', route: '/api/v1/acd/directory', path: () => '/api/v1/acd/directory', expect: same(401, 200, 200, 200) },
    { method: 'GET', route: '/api/v1/acd/me/today', path: () => '/api/v1/acd/me/today', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }) },
    { method: 'GET', route: '/api/v1/dialer/me/callbacks', path: () => '/api/v1/dialer/me/callbacks', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }) },
    {
      method: 'POST',
      route: '/api/v1/dialer/me/preview/dial',
      path: () => '/api/v1/dialer/me/preview/dial',
      body: () => ({ lead_id: 1 }),
      expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
    },
    {
      method: 'POST',
      route: '/api/v1/dialer/me/preview/skip',
      path: () => '/api/v1/dialer/me/preview/skip',
      body: () => ({ lead_id: 1 }),
      expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403, keyAdmin: 403 }),
    },
    {
      method: 'POST',
      route: '/api/v1/dialer/leads/:id/callback',
      path: () => '/api/v1/dialer/leads/999999/callback',
      body: () => ({ at: '2099-01-01T10:00:00Z' }),
      expect: same(401, 404, 404, 404, { keyAgent: 403 }),
    },
    // Tickets (src/api/routes/tickets.ts): categories admin-managed, read by all; tickets for every role within the
    // ticket scope (a non-admin API key has none: 403). Unknown ids: 404; an unknown category on create: 400.
    { method: 'GET', route: '/api/v1/tickets/categories', path: () => '/api/v1/tickets/categories', expect: same(401, 200, 200, 200) },
    { method: 'POST', route: '/api/v1/tickets/categories', path: () => '/api/v1/tickets/categories', body: () => ({ name: `matrix-${++n}` }), expect: same(401, 403, 403, 201) },
    { method: 'PATCH', route: '/api/v1/tickets/categories/:id', path: () => '/api/v1/tickets/categories/999999', body: () => ({ name: 'x' }), expect: same(401, 403, 403, 404) },
    { method: 'DELETE', route: '/api/v1/tickets/categories/:id', path: () => '/api/v1/tickets/categories/999999', expect: same(401, 403, 403, 404) },
    { method: 'GET', route: '/api/v1/tickets/queues', path: () => '/api/v1/tickets/queues', expect: same(401, 200, 200, 200, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/tickets', path: () => '/api/v1/tickets', body: () => ({ category_id: 999999, subject: 'x' }), expect: same(401, 400, 400, 400) },
    { method: 'GET', route: '/api/v1/tickets', path: () => '/api/v1/tickets', expect: same(401, 200, 200, 200, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'GET', route: '/api/v1/tickets/:id', path: () => '/api/v1/tickets/999999', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'PATCH', route: '/api/v1/tickets/:id', path: () => '/api/v1/tickets/999999', body: () => ({ priority: 'high' }), expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/tickets/:id/comments', path: () => '/api/v1/tickets/999999/comments', body: () => ({ body: 'x' }), expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    // An agent user without an ACD agent has no answers of their own to see: 403.
    { method: 'GET', route: '/api/v1/csat', path: () => '/api/v1/csat', expect: same(401, 403, 200, 200) },
    { method: 'GET', route: '/api/v1/alerts/rules', path: () => '/api/v1/alerts/rules', expect: same(401, 403, 200, 200) },
    {
      method: 'POST',
      route: '/api/v1/alerts/rules',
      path: () => '/api/v1/alerts/rules',
      body: () => ({ name: `matrix ${++n}`, scope: { kind: 'global' }, metric: 'fs_nodes_down', direction: 'above', threshold: 0 }),
      expect: same(401, 403, 403, 201),
    },
    { method: 'PUT', route: '/api/v1/alerts/rules/:id', path: () => '/api/v1/alerts/rules/999999', body: () => ({ name: 'x', scope: { kind: 'global' }, metric: 'cdr_backlog', direction: 'above', threshold: 100 }), expect: same(401, 403, 403, 404) },
    { method: 'PATCH', route: '/api/v1/alerts/rules/:id', path: () => '/api/v1/alerts/rules/999999', body: () => ({ enabled: false }), expect: same(401, 403, 403, 404) },
    { method: 'DELETE', route: '/api/v1/alerts/rules/:id', path: () => '/api/v1/alerts/rules/999999', expect: same(401, 403, 403, 404) },
    { method: 'GET', route: '/api/v1/alerts', path: () => '/api/v1/alerts', expect: same(401, 403, 200, 200) },
    { method: 'GET', route: '/api/v1/alerts/:id', path: () => '/api/v1/alerts/999999', expect: same(401, 403, 404, 404) },
    { method: 'POST', route: '/api/v1/alerts/:id/ack', path: () => '/api/v1/alerts/999999/ack', expect: same(401, 403, 404, 404) },
    { method: 'GET', route: '/api/v1/tickets/:id/followups', path: () => '/api/v1/tickets/999999/followups', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/tickets/:id/followups', path: () => '/api/v1/tickets/999999/followups', body: () => ({ kind: 'survey', after_minutes: 5 }), expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/tickets/:id/followups/:fid/cancel', path: () => '/api/v1/tickets/999999/followups/1/cancel', expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    { method: 'POST', route: '/api/v1/tickets/:id/followups/:fid/disposition', path: () => '/api/v1/tickets/999999/followups/1/disposition', body: () => ({ disposition: 'ok' }), expect: same(401, 404, 404, 404, { keyAgent: 403, keySupervisor: 403 }) },
    // Webhooks (src/api/routes/webhooks.ts): admin only.
    { method: 'GET', route: '/api/v1/webhooks/endpoints', path: () => '/api/v1/webhooks/endpoints', expect: same(401, 403, 403, 200) },
    { method: 'POST', route: '/api/v1/webhooks/endpoints', path: () => '/api/v1/webhooks/endpoints', body: () => ({ url: 'http://127.0.0.1:9/hook', events: ['ticket.created'] }), expect: same(401, 403, 403, 201) },
    { method: 'GET', route: '/api/v1/webhooks/endpoints/:id', path: () => '/api/v1/webhooks/endpoints/999999', expect: same(401, 403, 403, 404) },
    { method: 'PATCH', route: '/api/v1/webhooks/endpoints/:id', path: () => '/api/v1/webhooks/endpoints/999999', body: () => ({ active: false }), expect: same(401, 403, 403, 404) },
    { method: 'DELETE', route: '/api/v1/webhooks/endpoints/:id', path: () => '/api/v1/webhooks/endpoints/999999', expect: same(401, 403, 403, 404) },
    { method: 'GET', route: '/api/v1/webhooks/deliveries', path: () => '/api/v1/webhooks/deliveries', expect: same(401, 403, 403, 200) },
    { method: 'GET', route: '/api/v1/webhooks/deliveries/:id', path: () => '/api/v1/webhooks/deliveries/999999', expect: same(401, 403, 403, 404) },
    // Caller profiles (src/api/routes/profiles.ts): admins and supervisors write, agents read.
    { method: 'GET', route: '/api/v1/profiles', path: () => '/api/v1/profiles', expect: same(401, 200, 200, 200) },
    { method: 'GET', route: '/api/v1/profiles/export', path: () => '/api/v1/profiles/export', expect: same(401, 403, 200, 200) },
    { method: 'POST', route: '/api/v1/profiles/import', path: () => '/api/v1/profiles/import', csv: 'phone\n+14155550123\n', expect: same(401, 403, 200, 200) },
    { method: 'GET', route: '/api/v1/profiles/by-number/:number', path: () => '/api/v1/profiles/by-number/%2B14155559999', expect: same(401, 404, 404, 404) },
    {
      method: 'POST',
      route: '/api/v1/profiles',
      path: () => '/api/v1/profiles',
      body: (who) => ({ phone: `+1415555${String(7000 + WHO.indexOf(who))}` }),
      expect: same(401, 403, 201, 201),
    },
    { method: 'GET', route: '/api/v1/profiles/:id', path: () => '/api/v1/profiles/999999', expect: same(401, 404, 404, 404) },
    { method: 'PATCH', route: '/api/v1/profiles/:id', path: () => '/api/v1/profiles/999999', body: () => ({ name: 'x' }), expect: same(401, 403, 404, 404) },
    { method: 'DELETE', route: '/api/v1/profiles/:id', path: () => '/api/v1/profiles/999999', expect: same(401, 403, 404, 404) },
    { method: 'GET', route: '/api/v1/profiles/:id/history', path: () => '/api/v1/profiles/999999/history', expect: same(401, 404, 404, 404) },
  ];

  beforeAll(async () => {
    api = await startTestApi();
    for (const [who, role] of [
      ['keyAgent', 'agent'],
      ['keySupervisor', 'supervisor'],
      ['keyAdmin', 'admin'],
    ] as const) {
      const res = await api.fetch('/api/v1/api-keys', { method: 'POST', token: api.tokens.admin, json: { name: who, role } });
      keys[who] = ((await res.json()) as { key: string }).key;
    }
  });
  afterAll(() => api.close());

  it('has a case for every registered route', () => {
    const { registry } = createApiContext(api.deps);
    const registered = registry.routes.map((r) => `${r.method.toUpperCase()} ${r.path}`).sort();
    const covered = cases.map((c) => `${c.method} ${c.route}`).sort();
    expect(covered).toEqual(registered);
  });


  it.each(cases.map((c) => [`${c.method} ${c.route}`, c] as const))('%s', async (_name, c) => {
    const got: Partial<Record<Who, number>> = {};
    for (const who of WHO) {
      const path = await c.path(who);
      const auth = who === 'anonymous' ? {} : who.startsWith('key') ? { apiKey: keys[who] } : { token: api.tokens[who as 'agent' | 'supervisor' | 'admin'] };
      const body = c.body?.(who);
      const raw = c.csv !== undefined ? { body: c.csv, headers: { 'content-type': 'text/csv' } } : {};
      const res = await api.fetch(path, { method: c.method, ...auth, ...raw, ...(body !== undefined ? { json: body } : {}) });
      got[who] = res.status;
      if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      await res.arrayBuffer();
    }
    expect(got).toEqual(c.expect);
  });
});
