/** dryRun over the shipped example flows, and a property: any digit script ends, in bounded steps, in time order. */
import fc from 'fast-check';
import { dryRun } from '../../src/ivr/dry-run';
import { exampleFlowResolver, loadExampleFlows } from '../../src/ivr/examples';

const flows = exampleFlowResolver(loadExampleFlows());
// Tuesday 2026-03-10 11:00 in New York (EDT), and 20:00 the same day.
const OPEN = Date.parse('2026-03-10T15:00:00Z');
const CLOSED = Date.parse('2026-03-11T00:00:00Z');
const CRM = { crm_url: 'http://127.0.0.1:8099/crm/lookup' };

const route = (r: ReturnType<typeof dryRun>) => r.actions[r.actions.length - 2];

describe('dry-run of the example flow', () => {
  test('in business hours: 1 -> sales queue', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: OPEN, digits: ['1'] });
    expect(r.actions.map((a) => a.kind)).toEqual(['answer', 'play', 'collect', 'set', 'queue', 'end']);
    expect(route(r)).toEqual({ kind: 'queue', queue: 'sales', priority: 0, skills: [] });
    expect(r.result).toEqual({ outcome: 'queue', detail: 'sales' });
    // Sales callers opt in to the post-call survey.
    expect(r.variables.csat_optin).toBe('1');
    expect(r.path.find((p) => p.node === 'business_hours' && p.event === 'matched')?.detail).toBe('branch 1');
  });

  test('2 -> support, 1 -> billing, account number, CRM says VIP -> billing queue with priority', () => {
    const r = dryRun({
      flows,
      flow: 'main-menu',
      at: new Date(OPEN),
      callerNumber: '+15551234567',
      did: '+18005550100',
      digits: ['2', '1', '12345678'],
      variables: CRM,
      http: { crm_lookup: { ok: true, values: { crm_name: 'Ada Lovelace', crm_vip: 'true', crm_customer_id: 'C-42' } } },
    });
    const http = r.actions.find((a) => a.kind === 'http');
    expect(http).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:8099/crm/lookup',
      method: 'GET',
      timeoutMs: 3000,
      params: { account: '12345678', caller: '+15551234567', did: '+18005550100' },
      map: { 'customer.name': 'crm_name', 'customer.vip': 'crm_vip', 'customer.id': 'crm_customer_id' },
    });
    expect(route(r)).toEqual({ kind: 'queue', queue: 'billing', priority: 10, skills: [] });
    expect(r.variables).toMatchObject({ account_number: '12345678', crm_name: 'Ada Lovelace', crm_vip: 'true', crm_customer_id: 'C-42' });
    expect(r.path.map((p) => p.flow)).toContain('support');
  });

  test('the CRM not answering (no mock) still queues to billing, at normal priority', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: OPEN, digits: ['2', '1', '12345678'], variables: CRM });
    expect(route(r)).toEqual({ kind: 'queue', queue: 'billing', priority: 0, skills: [] });
    expect(r.path.find((p) => p.event === 'failed')).toMatchObject({ node: 'crm_lookup', detail: 'not performed in dry-run' });
  });

  test('a bad account number three times goes straight to billing', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: OPEN, digits: ['2', '1', '123', '', 'abc'] });
    expect(route(r)).toMatchObject({ kind: 'queue', queue: 'billing', priority: 0 });
    expect(r.actions.some((a) => a.kind === 'http')).toBe(false);
  });

  test('9 in the support menu goes back to the main menu; 0 reaches the operator', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: OPEN, digits: ['2', '9', '0'] });
    expect(route(r)).toEqual({ kind: 'transfer', target: { type: 'extension', extension: '1000' } });
    expect(r.path.filter((p) => p.event === 'entered' && p.nodeType === 'menu').map((p) => `${p.flow}/${p.node}`)).toEqual([
      'main-menu/main_menu',
      'support/support_menu',
      'main-menu/main_menu',
    ]);
  });

  test('no input at all: the timeouts lead to the operator', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: OPEN, digits: [] });
    expect(route(r)).toEqual({ kind: 'transfer', target: { type: 'extension', extension: '1000' } });
    expect(r.actions.filter((a) => a.kind === 'collect')).toHaveLength(4);
    // Each timeout waits out timeoutMs on the virtual clock.
    expect(r.path[r.path.length - 1].at - OPEN).toBe(4 * 5000);
  });

  test('after hours: closed message, general voicemail, goodbye, hang up', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: CLOSED, digits: ['1'] });
    expect(r.actions.map((a) => a.kind)).toEqual(['answer', 'play', 'play', 'voicemail', 'play', 'hangup', 'end']);
    expect(r.actions[3]).toEqual({ kind: 'voicemail', box: 'general', maxSeconds: 120, silenceSeconds: 5 });
    expect(r.result).toEqual({ outcome: 'voicemail', detail: 'general' });
    expect(r.variables).toMatchObject({ voicemail_duration_ms: '0' });
  });

  test('a holiday in business hours is after hours', () => {
    const r = dryRun({ flows, flow: 'main-menu', at: Date.parse('2026-11-26T15:00:00Z'), digits: [] });
    expect(r.actions.map((a) => a.kind)).toContain('voicemail');
  });

  test('a missing flow', () => {
    const r = dryRun({ flows, flow: 'nope', at: OPEN, digits: [] });
    expect(r.actions).toEqual([{ kind: 'end', reason: 'error', detail: 'flow "nope" not found' }]);
  });
});

describe('property: every digit script ends', () => {
  const key = fc.constantFrom('', '0', '1', '2', '3', '9', '*', '#', '12345678', '123', 'x');
  test('within maxSteps, with non-decreasing timestamps', () => {
    fc.assert(
      fc.property(
        fc.array(key, { maxLength: 40 }),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') }),
        fc.option(fc.record({ ok: fc.boolean(), values: fc.dictionary(fc.constantFrom('crm_vip', 'crm_name', 'other'), fc.string()) }), { nil: undefined }),
        fc.integer({ min: 5, max: 200 }),
        (digits, at, crm, maxSteps) => {
          const r = dryRun({ flows, flow: 'main-menu', at, digits, maxSteps, variables: CRM, http: crm ? { crm_lookup: crm } : undefined });
          const last = r.actions[r.actions.length - 1];
          expect(last.kind).toBe('end');
          expect(r.actions.filter((a) => a.kind === 'end')).toHaveLength(1);
          expect(r.actions.length).toBeLessThanOrEqual(maxSteps + 1);
          expect(r.result).toBeDefined();
          for (let i = 1; i < r.path.length; i++) expect(r.path[i].at).toBeGreaterThanOrEqual(r.path[i - 1].at);
          for (const v of Object.values(r.variables)) expect(v).not.toMatch(/\$\{|[\r\n\\]/);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a flow that loops on purpose is always stopped by the guard', () => {
    const loop = exampleFlowResolver([
      {
        name: 'loop',
        timeZone: 'UTC',
        start: 'm',
        nodes: {
          m: { type: 'menu', greeting: [{ kind: 'file', path: '/m.wav' }], options: { '1': 'g', '2': 'b' }, timeoutMs: 100, interDigitMs: 100, maxRetries: 1, onTimeout: 'm', onInvalid: 'g' },
          g: { type: 'goto', node: 'm' },
          b: { type: 'back' },
        },
      },
    ]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom('', '1', '2', '5'), { maxLength: 600 }), fc.integer({ min: 1, max: 300 }), (digits, maxSteps) => {
        const r = dryRun({ flows: loop, flow: 'loop', at: 0, digits, maxSteps });
        expect(r.actions[r.actions.length - 1]).toMatchObject({ kind: 'end', reason: 'error' });
        expect(r.result?.detail).toBe(`loop guard: more than ${maxSteps} steps`);
      }),
      { numRuns: 100 },
    );
  });
});
