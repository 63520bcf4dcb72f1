/** IvrSession: one action at a time, inputs scripted, time from a VirtualClock. */
import { VirtualClock } from '../../src/clock/clock';
import type { IvrAction } from '../../src/ivr/protocol';
import { F, digits, done, drive, flow, hangup, kinds, session, timeout } from './helpers';

const menuFlow = () =>
  flow({
    name: 'main',
    start: 'answer',
    nodes: {
      answer: { type: 'answer', next: 'hello' },
      hello: { type: 'play', media: [F('hello')], next: 'menu' },
      menu: {
        type: 'menu',
        greeting: [F('menu')],
        options: { '1': 'sales', '2': 'sub', '0': 'operator', '#': 'bye' },
        maxRetries: 2,
        invalidPrompt: [F('invalid')],
        timeoutPrompt: [F('noinput')],
        onTimeout: 'operator',
      },
      sales: { type: 'queue', queue: 'sales', priority: 5, skills: ['en'] },
      operator: { type: 'transfer', extension: '1000' },
      sub: { type: 'menu', greeting: [F('sub')], options: { '1': 'support', '9': 'back', '*': 'top' } },
      support: { type: 'queue', queue: 'support' },
      back: { type: 'back' },
      top: { type: 'top' },
      bye: { type: 'hangup', cause: 'USER_BUSY' },
    },
  });

const collectOf = (a: IvrAction) => {
  if (a.kind !== 'collect') throw new Error(`expected collect, got ${a.kind}`);
  return a;
};

describe('menu', () => {
  test('happy path: answer, greeting, key 1, queue, end', () => {
    const { s, clock } = session([menuFlow()]);
    expect(s.next()).toEqual({ kind: 'answer' });
    clock.advance(100);
    expect(s.next(done)).toEqual({ kind: 'play', media: [F('hello')] });
    clock.advance(2000);
    const menu = collectOf(s.next(done));
    expect(menu).toEqual({ kind: 'collect', prompt: [F('menu')], minDigits: 1, maxDigits: 1, timeoutMs: 5000, interDigitMs: 2000, terminators: 'none', regexp: '^[#012]$' });
    clock.advance(1500);
    expect(s.next(digits('1'))).toEqual({ kind: 'queue', queue: 'sales', priority: 5, skills: ['en'] });
    expect(s.result).toEqual({ outcome: 'queue', detail: 'sales' });
    expect(s.ended).toBe(false);
    expect(s.next(done)).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.ended).toBe(true);
    expect(s.result).toEqual({ outcome: 'queue', detail: 'sales' });
    const t0 = Date.UTC(2026, 2, 10, 15, 0);
    expect(s.path.map((p) => [p.at - t0, p.node, p.event, p.digits])).toEqual([
      [0, 'answer', 'entered', undefined],
      [100, 'answer', 'answered', undefined],
      [100, 'hello', 'entered', undefined],
      [2100, 'hello', 'played', undefined],
      [2100, 'menu', 'entered', undefined],
      [3600, 'menu', 'digits', '1'],
      [3600, 'sales', 'entered', undefined],
      [3600, 'sales', 'routed', undefined],
    ]);
    expect(s.path[0]).toMatchObject({ flow: 'main', flowVersion: 3, nodeType: 'answer' });
    // After the end, next() keeps answering end and records nothing.
    const n = s.path.length;
    expect(s.next(done)).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.path.length).toBe(n);
  });

  test('an invalid key plays the invalid prompt before the greeting, then a valid key works', () => {
    const { s } = session([menuFlow()]);
    const actions = drive(s, [done, done, digits('7')]);
    expect(collectOf(actions[3]).prompt).toEqual([F('invalid'), F('menu')]);
    expect(s.next(digits('0'))).toEqual({ kind: 'transfer', target: { type: 'extension', extension: '1000' } });
    expect(s.path.filter((p) => p.node === 'menu').map((p) => [p.event, p.digits])).toEqual([
      ['entered', undefined],
      ['invalid', '7'],
      ['digits', '0'],
    ]);
  });

  test('timeouts play the timeout prompt, then go to onTimeout when the retries run out', () => {
    const { s } = session([menuFlow()]);
    const actions = drive(s, [done, done, timeout, timeout, timeout]);
    expect(collectOf(actions[3]).prompt).toEqual([F('noinput'), F('menu')]);
    expect(collectOf(actions[4]).prompt).toEqual([F('noinput'), F('menu')]);
    expect(actions[5]).toEqual({ kind: 'transfer', target: { type: 'extension', extension: '1000' } });
    expect(s.path.filter((p) => p.node === 'menu').map((p) => p.event)).toEqual(['entered', 'timeout', 'timeout', 'timeout', 'exhausted']);
    expect(s.next(done)).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.result).toEqual({ outcome: 'transfer', detail: 'extension 1000' });
  });

  test('invalid keys until the retries run out, without onInvalid: hang up', () => {
    const { s } = session([menuFlow()]);
    const actions = drive(s, [done, done, digits('5'), timeout, digits('6')]);
    expect(actions[5]).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING' });
    expect(s.result).toEqual({ outcome: 'hangup', detail: 'menu retries exhausted' });
    expect(s.next(done)).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.path.filter((p) => p.event === 'exhausted')[0].detail).toBe('3 attempts, last invalid');
  });

  test('maxRetries 0 means a single attempt', () => {
    const doc = flow({ name: 'one', start: 'm', nodes: { m: { type: 'menu', greeting: [F('m')], options: { '1': 'x' }, maxRetries: 0, onInvalid: 'x' }, x: { type: 'hangup' } } });
    const { s } = session([doc]);
    expect(kinds(drive(s, [digits('2')]))).toEqual(['collect', 'hangup']);
  });

  test('a nested submenu in the same flow: back returns to the previous menu, top restarts the flow', () => {
    const { s } = session([menuFlow()]);
    drive(s, [done, done]);
    expect(collectOf(s.next(digits('2'))).prompt).toEqual([F('sub')]);
    expect(collectOf(s.next(digits('9'))).prompt).toEqual([F('menu')]);
    expect(collectOf(s.next(digits('2'))).prompt).toEqual([F('sub')]);
    expect(s.next(digits('*'))).toEqual({ kind: 'answer' });
    expect(s.path.filter((p) => p.event === 'back' || p.event === 'top').map((p) => [p.node, p.event, p.detail])).toEqual([
      ['back', 'back', 'menu menu'],
      ['top', 'top', undefined],
    ]);
  });

  test('a menu failure ends with error', () => {
    const { s } = session([menuFlow()]);
    drive(s, [done, done]);
    expect(s.next({ kind: 'failed', error: 'channel gone' })).toEqual({ kind: 'end', reason: 'error', detail: 'menu failed: channel gone' });
    expect(s.result).toEqual({ outcome: 'error', detail: 'menu failed: channel gone' });
  });
});

describe('goto, back and top across flows', () => {
  const main = flow({
    name: 'main',
    start: 'hello',
    nodes: {
      hello: { type: 'play', media: [F('hello')], next: 'menu' },
      menu: { type: 'menu', greeting: [F('menu')], options: { '2': 'to_sub', '3': 'to_missing', '4': 'to_sub_node' } },
      to_sub: { type: 'goto', flow: 'sub' },
      to_sub_node: { type: 'goto', flow: 'sub', node: 'inner' },
      to_missing: { type: 'goto', flow: 'ghost' },
    },
  });
  const sub = flow({
    name: 'sub',
    start: 'sub_menu',
    nodes: {
      sub_menu: { type: 'menu', greeting: [F('sub')], options: { '1': 'inner', '9': 'back', '*': 'top' } },
      inner: { type: 'menu', greeting: [F('inner')], options: { '9': 'back', '8': 'deeper' } },
      deeper: { type: 'goto', flow: 'sub' },
      back: { type: 'back' },
      top: { type: 'top' },
    },
  });

  test('into a sub-flow and back to the calling menu', () => {
    const { s } = session([main, sub]);
    drive(s, [done]);
    expect(collectOf(s.next(digits('2'))).prompt).toEqual([F('sub')]);
    expect(s.path[s.path.length - 1]).toMatchObject({ flow: 'sub', flowVersion: 3, node: 'sub_menu', event: 'entered' });
    // Two menus deep in the sub-flow: back goes to the sub-flow's first menu, then out to main's menu.
    expect(collectOf(s.next(digits('1'))).prompt).toEqual([F('inner')]);
    expect(collectOf(s.next(digits('9'))).prompt).toEqual([F('sub')]);
    expect(collectOf(s.next(digits('9'))).prompt).toEqual([F('menu')]);
    expect(s.path[s.path.length - 1]).toMatchObject({ flow: 'main', node: 'menu', event: 'entered' });
    expect(s.path.filter((p) => p.event === 'back').map((p) => p.detail)).toEqual(['menu sub_menu', 'flow main node menu']);
  });

  test('goto a node of another flow; top from a nested flow restarts the first flow', () => {
    const { s } = session([main, sub]);
    drive(s, [done]);
    expect(collectOf(s.next(digits('4'))).prompt).toEqual([F('inner')]);
    // inner 8 -> goto sub again (a third frame), then * -> top.
    expect(collectOf(s.next(digits('8'))).prompt).toEqual([F('sub')]);
    expect(s.next(digits('*'))).toEqual({ kind: 'play', media: [F('hello')] });
    expect(s.path[s.path.length - 1]).toMatchObject({ flow: 'main', node: 'hello' });
    // The call stack is gone: the first flow's menu is the only frame's menu again.
    expect(collectOf(s.next(done)).prompt).toEqual([F('menu')]);
  });

  test('a missing flow ends with error and a path step at the goto', () => {
    const { s } = session([main, sub]);
    drive(s, [done]);
    expect(s.next(digits('3'))).toEqual({ kind: 'end', reason: 'error', detail: 'goto: flow "ghost" not found' });
    expect(s.path[s.path.length - 1]).toMatchObject({ flow: 'main', node: 'to_missing', nodeType: 'goto', event: 'error', detail: 'goto: flow "ghost" not found' });
    expect(s.result).toEqual({ outcome: 'error', detail: 'goto: flow "ghost" not found' });
  });

  test('a missing first flow ends with error at once', () => {
    const { s } = session([main], { flow: 'nope' });
    expect(s.next()).toEqual({ kind: 'end', reason: 'error', detail: 'flow "nope" not found' });
    expect(s.path).toHaveLength(1);
    expect(s.path[0]).toMatchObject({ flow: 'nope', flowVersion: 0, event: 'error' });
  });
});

describe('collect', () => {
  const doc = () =>
    flow({
      name: 'acct',
      start: 'ask',
      nodes: {
        ask: {
          type: 'collect',
          prompt: [F('enter')],
          invalidPrompt: [F('bad')],
          minDigits: 6,
          maxDigits: 10,
          regexp: '^[1-9][0-9]+$',
          variable: 'account',
          tries: 3,
          next: 'say',
          onFailure: 'agent',
        },
        say: { type: 'play', media: [{ kind: 'say', type: 'digits', value: '{{var.account}}' }], next: 'agent' },
        agent: { type: 'queue', queue: 'billing' },
      },
    });

  test('the action carries the node settings; a matching entry is stored and said back', () => {
    const { s } = session([doc()]);
    expect(s.next()).toEqual({ kind: 'collect', prompt: [F('enter')], minDigits: 6, maxDigits: 10, timeoutMs: 5000, interDigitMs: 2000, terminators: '#', regexp: '^[1-9][0-9]+$' });
    expect(s.next(digits('1234567'))).toEqual({ kind: 'play', media: [{ kind: 'say', type: 'digits', value: '1234567' }] });
    expect(s.variables.account).toBe('1234567');
  });

  test('the interpreter checks length and regexp itself, whatever the runtime says', () => {
    const { s } = session([doc()]);
    s.next();
    // Too short (the runtime claims valid), then matching length but a leading 0 (regexp), then good.
    expect(collectOf(s.next({ kind: 'digits', digits: '12345', valid: true })).prompt).toEqual([F('bad'), F('enter')]);
    expect(collectOf(s.next({ kind: 'digits', digits: '0123456', valid: true })).prompt).toEqual([F('bad'), F('enter')]);
    expect(s.next({ kind: 'digits', digits: '7654321', valid: false }).kind).toBe('play');
    expect(s.path.filter((p) => p.node === 'ask').map((p) => [p.event, p.detail])).toEqual([
      ['entered', undefined],
      ['invalid', 'fewer than 6 digits'],
      ['invalid', 'does not match the regexp'],
      ['digits', 'stored in account'],
    ]);
  });

  test('tries exhausted goes to onFailure without storing anything; a timeout replays the prompt alone', () => {
    const { s } = session([doc()]);
    const actions = drive(s, [timeout, digits('12'), digits('abc')]);
    expect(collectOf(actions[1]).prompt).toEqual([F('enter')]);
    expect(collectOf(actions[2]).prompt).toEqual([F('bad'), F('enter')]);
    expect(actions[3]).toEqual({ kind: 'queue', queue: 'billing', priority: 0, skills: [] });
    expect(s.variables.account).toBeUndefined();
  });

  test('caller hangup mid-collect', () => {
    const { s } = session([doc()]);
    s.next();
    s.next(digits('1'));
    expect(s.next(hangup)).toEqual({ kind: 'end', reason: 'caller-hangup' });
    expect(s.result).toEqual({ outcome: 'caller-hangup' });
    expect(s.path[s.path.length - 1]).toMatchObject({ node: 'ask', event: 'caller-hangup' });
  });
});

describe('caller hangup', () => {
  test('mid-menu', () => {
    const { s } = session([(() => menuFlow())()]);
    drive(s, [done, done, digits('5')]);
    expect(s.next(hangup)).toEqual({ kind: 'end', reason: 'caller-hangup' });
    expect(s.ended).toBe(true);
    expect(s.path[s.path.length - 1]).toMatchObject({ node: 'menu', nodeType: 'menu', event: 'caller-hangup' });
  });

  test('before the first action, and while being queued', () => {
    const a = session([menuFlow()]).s;
    expect(a.next(hangup)).toEqual({ kind: 'end', reason: 'caller-hangup' });
    const b = session([menuFlow()]).s;
    drive(b, [done, done, digits('1')]);
    expect(b.next(hangup)).toEqual({ kind: 'end', reason: 'caller-hangup' });
    expect(b.result).toEqual({ outcome: 'caller-hangup' });
  });
});

describe('http (the CRM dip)', () => {
  const doc = (extra: Record<string, unknown> = {}) =>
    flow({
      name: 'crm',
      start: 'lookup',
      nodes: {
        lookup: {
          type: 'http',
          url: '{{var.crm_url}}/lookup',
          method: 'POST',
          params: { caller: '{{caller.number}}', name: '{{caller.name}}', did: '{{did}}' },
          map: { 'customer.name': 'crm_name', 'customer.vip': 'crm_vip', 'customer.id': 'crm_id' },
          next: 'vip',
          ...extra,
        },
        vip: { type: 'condition', branches: [{ when: { variable: { name: 'crm_vip', equals: 'true' } }, next: 'q_vip' }], else: 'q' },
        q_vip: { type: 'queue', queue: 'billing', priority: '{{var.crm_prio}}' },
        q: { type: 'queue', queue: 'billing' },
        oops: { type: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE' },
      },
    });

  test('success: params rendered, mapped values cleaned and truncated, unmapped and non-string values ignored', () => {
    const { s } = session([doc()], { callerName: 'Eve ${system(rm)}', variables: { crm_url: 'http://127.0.0.1:8099', crm_prio: '7' } });
    expect(s.next()).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:8099/lookup',
      method: 'POST',
      timeoutMs: 3000,
      params: { caller: '+15551230000', name: 'Eve {system(rm)}', did: '+15559990000' },
      map: { 'customer.name': 'crm_name', 'customer.vip': 'crm_vip', 'customer.id': 'crm_id' },
    });
    const values = { crm_name: 'Ann\r\nSmith' + 'x'.repeat(300), 'customer.vip': 'true', crm_id: 42, injected: 'yes' } as unknown as Record<string, string>;
    expect(s.next({ kind: 'http', ok: true, status: 200, values })).toEqual({ kind: 'queue', queue: 'billing', priority: 7, skills: [] });
    const v = s.variables;
    expect(v.crm_name).toHaveLength(256);
    expect(v.crm_name.startsWith('AnnSmithxxx')).toBe(true);
    expect(v.crm_vip).toBe('true');
    expect(v.crm_id).toBeUndefined();
    expect(v.injected).toBeUndefined();
    expect(s.path.find((p) => p.event === 'lookup')?.detail).toBe('status 200, set crm_name,crm_vip');
  });

  test('failure goes to next when there is no onFailure, records the error, sets nothing', () => {
    const { s } = session([doc()], { variables: { crm_url: 'http://crm' } });
    s.next();
    expect(s.next({ kind: 'http', ok: false, status: 503, values: { crm_vip: 'true' } })).toEqual({ kind: 'queue', queue: 'billing', priority: 0, skills: [] });
    expect(s.variables.crm_vip).toBeUndefined();
    expect(s.path.find((p) => p.event === 'failed')).toMatchObject({ node: 'lookup', detail: 'status 503' });
  });

  test('failure goes to onFailure when set; `failed` input counts as failure', () => {
    const { s } = session([doc({ onFailure: 'oops' })], { variables: { crm_url: 'https://crm' } });
    s.next();
    expect(s.next({ kind: 'failed', error: 'timeout after 3000 ms' })).toEqual({ kind: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE' });
    expect(s.path.find((p) => p.event === 'failed')?.detail).toBe('timeout after 3000 ms');
  });

  test('a base url variable that is unset or not http(s) fails without a request', () => {
    for (const variables of [{}, { crm_url: 'file:///etc' }] as Array<Record<string, string>>) {
      const { s } = session([doc({ onFailure: 'oops' })], { variables });
      expect(s.next()).toEqual({ kind: 'hangup', cause: 'NORMAL_TEMPORARY_FAILURE' });
      expect(s.path.find((p) => p.event === 'failed')?.detail).toMatch(/^url: /);
    }
  });
});

describe('set, voicemail, templates', () => {
  test('set renders templates, cleans interpolated values, and asks the runtime to set the channel variable', () => {
    const doc = flow({
      name: 'set',
      start: 's',
      nodes: { s: { type: 'set', variable: 'greeting', value: 'Hi {{caller.name}} on {{did}} ({{var.missing}})', next: 'h' }, h: { type: 'hangup' } },
    });
    const { s } = session([doc], { callerName: 'Mal\r\n${api(x)}\\' });
    expect(s.next()).toEqual({ kind: 'set', name: 'greeting', value: 'Hi Mal{api(x)} on +15559990000 ()' });
    expect(s.variables.greeting).toBe('Hi Mal{api(x)} on +15559990000 ()');
    expect(s.next(done)).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING' });
  });

  test('initial variables are cleaned; bad names dropped', () => {
    const doc = flow({ name: 'v', start: 'h', nodes: { h: { type: 'hangup' } } });
    const { s } = session([doc], { variables: { ok: 'a${b}', 'bad-name': 'x' } });
    expect(s.variables).toEqual({ ok: 'a{b}' });
  });

  test('voicemail: recorded stores the variables, then hangs up; the outcome is voicemail', () => {
    const doc = flow({ name: 'vm', start: 'vm', nodes: { vm: { type: 'voicemail', box: 'general', greeting: [F('leave')] } } });
    const { s } = session([doc]);
    expect(s.next()).toEqual({ kind: 'voicemail', box: 'general', greeting: [F('leave')], maxSeconds: 120, silenceSeconds: 5 });
    expect(s.next({ kind: 'recorded', path: '/var/vm/general/1.wav', durationMs: 4321.6 })).toEqual({ kind: 'hangup', cause: 'NORMAL_CLEARING' });
    expect(s.variables).toEqual({ voicemail_path: '/var/vm/general/1.wav', voicemail_duration_ms: '4322' });
    expect(s.result).toEqual({ outcome: 'voicemail', detail: 'general' });
    expect(s.next(hangup)).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.result).toEqual({ outcome: 'voicemail', detail: 'general' });
  });

  test('voicemail then next; a caller hanging up after recording keeps the voicemail outcome', () => {
    const doc = flow({
      name: 'vm',
      start: 'vm',
      nodes: { vm: { type: 'voicemail', box: 'sales', next: 'thanks' }, thanks: { type: 'play', media: [F('thanks')] } },
    });
    const { s } = session([doc]);
    s.next();
    expect(s.next({ kind: 'recorded', path: '/r.wav', durationMs: 0 })).toEqual({ kind: 'play', media: [F('thanks')] });
    expect(s.next(hangup)).toEqual({ kind: 'end', reason: 'caller-hangup' });
    expect(s.result).toEqual({ outcome: 'voicemail', detail: 'sales' });
  });

  test('a flow running off its end completes', () => {
    const doc = flow({ name: 'p', start: 'p', nodes: { p: { type: 'play', media: [F('x')] } } });
    const { s } = session([doc]);
    s.next();
    expect(s.next({ kind: 'failed', error: 'file not found' })).toEqual({ kind: 'end', reason: 'completed' });
    expect(s.result).toEqual({ outcome: 'completed' });
    expect(s.path.map((p) => p.event)).toEqual(['entered', 'failed']);
  });

  test('say values that cannot be said are left out and recorded', () => {
    const doc = flow({ name: 'p', start: 'p', nodes: { p: { type: 'play', media: [{ kind: 'say', type: 'number', value: '{{var.n}}' }, F('x')] } } });
    const { s } = session([doc], { variables: { n: 'twelve' } });
    expect(s.next()).toEqual({ kind: 'play', media: [F('x')] });
    expect(s.path.map((p) => p.event)).toContain('skipped');
  });

  test('queue priority from a template: non-numbers become 0, numbers are clamped; skills from a template', () => {
    const doc = flow({ name: 'q', start: 'q', nodes: { q: { type: 'queue', queue: 'billing', priority: '{{var.p}}', skills: '{{var.s}}' } } });
    expect(session([doc], { variables: { p: 'true', s: 'en, fr ,bad skill,${x}' } }).s.next()).toEqual({ kind: 'queue', queue: 'billing', priority: 0, skills: ['en', 'fr'] });
    expect(session([doc], { variables: { p: '99999' } }).s.next()).toMatchObject({ priority: 1000 });
  });
});

describe('guards and protocol errors', () => {
  test('a loop without actions ends with error instead of spinning', () => {
    const doc = flow({ name: 'loop', start: 'a', nodes: { a: { type: 'goto', node: 'b' }, b: { type: 'goto', node: 'a' } } });
    const { s } = session([doc], { maxSteps: 50 });
    expect(s.next()).toEqual({ kind: 'end', reason: 'error', detail: 'loop guard: more than 50 steps' });
    expect(s.result?.outcome).toBe('error');
  });

  test('a loop with actions is stopped by the same guard (default 500)', () => {
    const doc = flow({ name: 'loop', start: 'a', nodes: { a: { type: 'play', media: [F('x')], next: 'a' } } });
    const { s } = session([doc]);
    let a = s.next();
    let n = 1;
    while (a.kind !== 'end') {
      a = s.next(done);
      n++;
    }
    expect(a).toEqual({ kind: 'end', reason: 'error', detail: 'loop guard: more than 500 steps' });
    expect(n).toBeLessThanOrEqual(501);
  });

  test('goto into itself nests frames up to a limit', () => {
    const doc = flow({ name: 'rec', start: 'g', nodes: { g: { type: 'goto', flow: 'rec' } } });
    const { s } = session([doc]);
    expect(s.next()).toMatchObject({ kind: 'end', reason: 'error', detail: 'goto: flows nested deeper than 16' });
  });

  test('next() without input, or with the wrong input, ends with error', () => {
    const a = session([menuFlow()]).s;
    a.next();
    expect(a.next()).toEqual({ kind: 'end', reason: 'error', detail: 'next() called without an input while "answer" was running' });
    const b = session([menuFlow()]).s;
    b.next();
    expect(b.next(digits('1'))).toEqual({ kind: 'end', reason: 'error', detail: 'unexpected input "digits" while waiting for answer' });
  });

  test('a failed transfer ends with error', () => {
    const { s } = session([menuFlow()]);
    drive(s, [done, done, digits('0')]);
    expect(s.next({ kind: 'failed', error: 'no route' })).toEqual({ kind: 'end', reason: 'error', detail: 'transfer failed: no route' });
    expect(s.result).toEqual({ outcome: 'error', detail: 'transfer failed: no route' });
  });

  test('timestamps come from the injected clock only', () => {
    const clock = new VirtualClock(1_000);
    const { s } = session([menuFlow()], { clock });
    s.next();
    clock.advance(5);
    s.next(done);
    expect(s.path.map((p) => p.at)).toEqual([1000, 1005, 1005]);
  });
});
