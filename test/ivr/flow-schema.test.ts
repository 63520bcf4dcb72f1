/** parseFlowDocument: what a flow editor gets back for good, broken and hostile documents. */
import { crossFlowReferences, parseFlowDocument } from '../../src/ivr/flow-schema';
import { regexpProblem } from '../../src/ivr/regexp-subset';
import { parseTemplate } from '../../src/ivr/template';
import { loadExampleFlows } from '../../src/ivr/examples';

const file = (p = '/sounds/hello.wav') => ({ kind: 'file', path: p });

/** A small valid flow; each bad case replaces parts of it. */
function base(): Record<string, any> {
  return {
    name: 'test-flow',
    timeZone: 'Europe/Paris',
    start: 'main_menu',
    nodes: {
      main_menu: { type: 'menu', greeting: [file()], options: { '1': 'sales', '2': 'ask', '#': 'bye' } },
      sales: { type: 'queue', queue: 'sales' },
      ask: {
        type: 'collect',
        prompt: [file()],
        minDigits: 4,
        maxDigits: 8,
        regexp: '^[0-9]+$',
        variable: 'account',
        next: 'set_it',
      },
      set_it: { type: 'set', variable: 'greeting', value: 'Hello {{caller.name}} from {{var.account}}', next: 'bye' },
      bye: { type: 'hangup' },
    },
  };
}

function withNode(id: string, node: unknown, mutate?: (d: Record<string, any>) => void) {
  const d = base();
  d.nodes[id] = node;
  mutate?.(d);
  return d;
}

function errorsOf(doc: unknown) {
  const r = parseFlowDocument(doc);
  if (r.ok) throw new Error('expected the flow to be rejected');
  return r.errors;
}

describe('parseFlowDocument accepts', () => {
  test('a valid flow, with defaults filled in and no warnings', () => {
    const r = parseFlowDocument(base());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([]);
    const menu = r.flow.nodes.main_menu;
    expect(menu).toMatchObject({ timeoutMs: 5000, interDigitMs: 2000, maxRetries: 3 });
    expect(r.flow.nodes.ask).toMatchObject({ terminators: '#', timeoutMs: 5000, interDigitMs: 2000, tries: 3 });
    expect(r.flow.nodes.bye).toEqual({ type: 'hangup', cause: 'NORMAL_CLEARING' });
  });

  test('every node type', () => {
    const d = base();
    Object.assign(d.nodes, {
      a: { type: 'answer', next: 'p' },
      p: { type: 'play', media: [file(), { kind: 'tone', spec: '%(500,500,440);loops=2' }, { kind: 'say', type: 'digits', value: '{{var.account}}', language: 'en' }], next: 'c' },
      c: {
        type: 'condition',
        branches: [
          {
            when: {
              any: [
                { all: [{ daysOfWeek: ['mon', 'fri'] }, { timeOfDay: { from: '22:00', to: '06:00' } }] },
                { not: { dateIn: ['2026-12-24', { month: 2, day: 29 }] } },
                { callerNumber: { prefix: '+33' } },
                { callerNumber: { pattern: '^\\+1(555|800)' } },
                { variable: { name: 'vip', equals: 'yes' } },
                { variable: { name: 'vip', exists: true } },
                { variable: { name: 'vip', matches: '^y' } },
              ],
            },
            next: 'h',
          },
        ],
        else: 'g',
      },
      h: { type: 'http', url: 'https://crm.example.com/lookup?x=1', params: { n: '{{caller.number}}' }, map: { 'customer.name': 'crm_name' }, next: 'g' },
      g: { type: 'goto', node: 'v' },
      v: { type: 'voicemail', box: 'general', greeting: [file()], next: 't' },
      t: { type: 'transfer', number: '+15551234567', gateway: 'carrier1' },
      gf: { type: 'goto', flow: 'other-flow', node: 'x' },
      b: { type: 'back' },
      tp: { type: 'top' },
      q: { type: 'queue', queue: 'billing', priority: '{{var.prio}}', skills: 'en,{{var.skill}}' },
    });
    d.nodes.main_menu.options = { ...d.nodes.main_menu.options, '3': 'a', '4': 'gf', '5': 'b', '6': 'tp', '7': 'q' };
    const r = parseFlowDocument(d);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.warnings).toEqual([]);
    expect(r.flow.nodes.h).toMatchObject({ method: 'GET', timeoutMs: 3000 });
    expect(r.flow.nodes.v).toMatchObject({ maxSeconds: 120, silenceSeconds: 5 });
  });

  test('unreachable nodes are warnings naming the node', () => {
    const r = parseFlowDocument(withNode('orphan', { type: 'hangup' }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.warnings).toEqual([{ node: 'orphan', path: 'nodes.orphan', message: 'node "orphan" is unreachable from start "main_menu"' }]);
  });

  test('an http url may start with a {{var.NAME}} base url', () => {
    const r = parseFlowDocument(withNode('ask', { type: 'http', url: '{{var.crm_url}}/lookup', next: 'bye' }));
    expect(r.ok).toBe(true);
  });

  test('the shipped examples', () => {
    const flows = loadExampleFlows();
    expect(flows.map((f) => f.name)).toEqual(['main-menu', 'csat-survey', 'support']);
    expect(crossFlowReferences(flows[0])).toEqual(['support']);
    expect(crossFlowReferences(flows[1])).toEqual([]);
    expect(crossFlowReferences(flows[2])).toEqual([]);
    for (const f of flows) {
      const r = parseFlowDocument(f);
      expect(r.ok && r.warnings).toEqual([]);
    }
  });
});

describe('parseFlowDocument rejects, naming the node', () => {
  const cases: Array<[string, unknown, string]> = [
    ['menu option to a missing node', withNode('main_menu', { type: 'menu', greeting: [file()], options: { '7': 'nowhere', '1': 'sales', '2': 'ask', '#': 'bye' } }), 'node "main_menu": options.7 points to missing node "nowhere"'],
    ['missing start', { ...base(), start: 'nope' }, 'start points to missing node "nope"'],
    ['next to a missing node', withNode('ask', { ...base().nodes.ask, next: 'ghost' }), 'node "ask": next points to missing node "ghost"'],
    ['condition else to a missing node', withNode('ask', { type: 'condition', branches: [{ when: { daysOfWeek: ['mon'] }, next: 'bye' }], else: 'x' }), 'node "ask": else points to missing node "x"'],
    ['branch to a missing node', withNode('ask', { type: 'condition', branches: [{ when: { daysOfWeek: ['mon'] }, next: 'x' }], else: 'bye' }), 'node "ask": branches.0.next points to missing node "x"'],
    ['same-flow goto to a missing node', withNode('ask', { type: 'goto', node: 'x' }), 'node "ask": node points to missing node "x"'],
    ['unknown node type', withNode('ask', { type: 'dance' }), 'node "ask": type: unknown node type "dance"'],
    ['unknown field', withNode('bye', { type: 'hangup', cuase: 'USER_BUSY' }), 'node "bye"'],
    ['bad hangup cause', withNode('bye', { type: 'hangup', cause: 'NORMAL_CLEARIN' }), 'node "bye": cause: not a known hangup cause name'],
    ['numeric hangup cause', withNode('bye', { type: 'hangup', cause: '16' }), 'node "bye": cause: not a known hangup cause name'],
    ['menu key', withNode('main_menu', { type: 'menu', greeting: [file()], options: { '12': 'sales' } }), 'node "main_menu": options.12: menu keys are one of 0-9 * #'],
    ['empty menu', withNode('main_menu', { type: 'menu', greeting: [file()], options: {} }), 'node "main_menu": options: a menu needs at least one option'],
    ['min > max', withNode('ask', { ...base().nodes.ask, minDigits: 9 }), 'node "ask": minDigits: minDigits is larger than maxDigits'],
    ['regexp that does not compile', withNode('ask', { ...base().nodes.ask, regexp: '^[0-9' }), 'node "ask": regexp'],
    ['lookbehind', withNode('ask', { ...base().nodes.ask, regexp: '(?<=1)2' }), 'node "ask": regexp: lookbehind'],
    ['named group', withNode('ask', { ...base().nodes.ask, regexp: '(?<acct>[0-9]+)' }), 'node "ask": regexp: named groups'],
    ['named backreference in a condition', withNode('ask', { type: 'condition', branches: [{ when: { callerNumber: { pattern: '(1)\\k<x>' } }, next: 'bye' }], else: 'bye' }), 'node "ask": branches.0.when.callerNumber.pattern: named backreferences'],
    ['unicode property escape', withNode('ask', { type: 'condition', branches: [{ when: { variable: { name: 'x', matches: '\\p{L}' } }, next: 'bye' }], else: 'bye' }), 'node "ask": branches.0.when.variable.matches: Unicode property escapes'],
    ['regexp with a space (unsafe for play_and_get_digits)', withNode('ask', { ...base().nodes.ask, regexp: '^1 2$' }), 'node "ask": regexp: not a valid digit regexp'],
    ['bad terminators', withNode('ask', { ...base().nodes.ask, terminators: '#x' }), 'node "ask": terminators: not a valid terminator set'],
    ['bad variable name', withNode('ask', { ...base().nodes.ask, variable: 'my-var' }), 'node "ask": variable: not a valid channel variable name'],
    ['hook variable name', withNode('ask', { ...base().nodes.ask, variable: 'execute_on_answer' }), 'node "ask": variable: this variable makes FreeSWITCH run commands'],
    ['unknown placeholder', withNode('set_it', { type: 'set', variable: 'x', value: 'hi {{caller.secret}}', next: 'bye' }), 'node "set_it": value: unknown placeholder "{{caller.secret}}"'],
    ['unbalanced placeholder', withNode('set_it', { type: 'set', variable: 'x', value: 'hi {{var.x', next: 'bye' }), 'node "set_it": value: unbalanced placeholder braces'],
    ['ftp url', withNode('ask', { type: 'http', url: 'ftp://crm/x', next: 'bye' }), 'node "ask": url: only http:// and https:// urls are accepted'],
    ['url with credentials', withNode('ask', { type: 'http', url: 'http://u:p@crm/x', next: 'bye' }), 'node "ask": url: credentials in the url are not accepted'],
    ['caller data in the url', withNode('ask', { type: 'http', url: 'http://crm/x/{{caller.number}}', next: 'bye' }), 'node "ask": url: only one {{var.NAME}} placeholder'],
    ['http timeout too long', withNode('ask', { type: 'http', url: 'http://crm/x', timeoutMs: 20000, next: 'bye' }), 'node "ask": timeoutMs'],
    ['http method', withNode('ask', { type: 'http', url: 'http://crm/x', method: 'DELETE', next: 'bye' }), 'node "ask": method'],
    ['voicemail too long', withNode('ask', { type: 'voicemail', box: 'general', maxSeconds: 601 }), 'node "ask": maxSeconds'],
    ['transfer with both targets', withNode('ask', { type: 'transfer', extension: '1000', number: '+1555' }), 'node "ask": give exactly one of extension or number'],
    ['gateway without number', withNode('ask', { type: 'transfer', extension: '1000', gateway: 'gw' }), 'node "ask": gateway: gateway goes with number'],
    ['goto flow name syntax', withNode('ask', { type: 'goto', flow: 'Other Flow' }), 'node "ask": flow: not a valid flow name'],
    ['empty goto', withNode('ask', { type: 'goto' }), 'node "ask": give flow, node or both'],
    ['time of day syntax', withNode('ask', { type: 'condition', branches: [{ when: { timeOfDay: { from: '8:00', to: '18:00' } }, next: 'bye' }], else: 'bye' }), 'node "ask": branches.0.when.timeOfDay.from: not a valid time'],
    ['unknown day', withNode('ask', { type: 'condition', branches: [{ when: { daysOfWeek: ['monday'] }, next: 'bye' }], else: 'bye' }), 'node "ask": branches.0.when.daysOfWeek.0'],
    ['impossible date', withNode('ask', { type: 'condition', branches: [{ when: { dateIn: ['2026-02-30'] }, next: 'bye' }], else: 'bye' }), 'node "ask": branches.0.when.dateIn.0'],
    ['unknown condition', withNode('ask', { type: 'condition', branches: [{ when: { moonPhase: 'full' } }], else: 'bye' }), 'node "ask": branches.0.when: a condition is an object with exactly one of'],
    ['variable condition with two tests', withNode('ask', { type: 'condition', branches: [{ when: { variable: { name: 'x', equals: 'a', exists: true } }, next: 'bye' }], else: 'bye' }), 'give exactly one of equals, matches or exists'],
    ['bad flow name', { ...base(), name: 'Main Menu' }, 'name: not a valid flow name'],
    ['bad time zone', { ...base(), timeZone: 'Mars/Olympus' }, 'timeZone: not an IANA time zone'],
    ['bad node id', withNode('bad id', { type: 'hangup' }), 'node id "bad id" is not valid'],
    ['queue name', withNode('sales', { type: 'queue', queue: 'sales queue' }), 'node "sales": queue: not a valid queue name'],
    ['skill name', withNode('sales', { type: 'queue', queue: 'sales', skills: ['ok', 'not ok'] }), 'node "sales": skills'],
    ['http param name', withNode('ask', { type: 'http', url: 'http://crm/x', params: { 'a b': 'x' }, next: 'bye' }), 'node "ask": params.a b: not a valid parameter name'],
    ['http map path', withNode('ask', { type: 'http', url: 'http://crm/x', map: { 'a..b': 'x' }, next: 'bye' }), 'node "ask": map.a..b: not a valid response path'],
    ['http map variable', withNode('ask', { type: 'http', url: 'http://crm/x', map: { a: 'api_hangup_hook' }, next: 'bye' }), 'node "ask": map.a: this variable makes FreeSWITCH run commands'],
    ['priority out of range', withNode('sales', { type: 'queue', queue: 'sales', priority: 5000 }), 'node "sales": priority'],
  ];

  test.each(cases)('%s', (_name, doc, message) => {
    const errors = errorsOf(doc);
    expect(errors.map((e) => e.message).join('\n')).toContain(message);
    for (const e of errors) if (e.node !== undefined) expect(e.message).toContain(`node "${e.node}"`);
  });

  test('errors carry the node and the path', () => {
    const errors = errorsOf(withNode('main_menu', { type: 'menu', greeting: [file()], options: { '7': 'sales2', '1': 'sales', '2': 'ask', '#': 'bye' } }));
    expect(errors).toEqual([{ node: 'main_menu', path: 'nodes.main_menu.options.7', message: 'node "main_menu": options.7 points to missing node "sales2"' }]);
  });

  test('not an object', () => {
    expect(errorsOf(null)[0].message).toMatch(/flow/);
    expect(errorsOf([])[0].message).toMatch(/flow/);
  });
});

describe('hostile values are refused at save time', () => {
  const hostile: Array<[string, unknown, string]> = [
    ['CRLF in a file path', withNode('bye', { type: 'play', media: [file('/sounds/a.wav\r\nevent: x')] }), 'node "bye": media.0.path'],
    ['comma in a file path', withNode('bye', { type: 'play', media: [file('/sounds/a.wav,/etc/passwd')] }), 'node "bye": media.0.path'],
    ['relative file path', withNode('bye', { type: 'play', media: [file('sounds/a.wav')] }), 'node "bye": media.0.path'],
    ['.. in a file path', withNode('bye', { type: 'play', media: [file('/sounds/../../etc/passwd')] }), 'node "bye": media.0.path'],
    ['app call in a file path', withNode('bye', { type: 'play', media: [file('/x/system::rm -rf')] }), 'node "bye": media.0.path'],
    ['${system()} in a set value', withNode('set_it', { type: 'set', variable: 'x', value: '${system(rm -rf /)}', next: 'bye' }), 'node "set_it": value: `${` would be expanded'],
    ['${...} hiding next to a placeholder', withNode('set_it', { type: 'set', variable: 'x', value: 'a$${x}', next: 'bye' }), 'node "set_it": value'],
    ['CRLF in a set value', withNode('set_it', { type: 'set', variable: 'x', value: 'a\r\nb', next: 'bye' }), 'node "set_it": value: control characters'],
    ['backslash in a set value', withNode('set_it', { type: 'set', variable: 'x', value: 'a\\nb', next: 'bye' }), 'node "set_it": value: backslash'],
    ['${...} in an http param', withNode('ask', { type: 'http', url: 'http://crm/x', params: { a: '${api(x)}' }, next: 'bye' }), 'node "ask": params.a'],
    ['tone spec with an app call', withNode('bye', { type: 'play', media: [{ kind: 'tone', spec: '%(1,1,1)::system' }] }), 'node "bye": media.0.spec'],
    ['say value with spaces', withNode('bye', { type: 'play', media: [{ kind: 'say', type: 'number', value: '1 2' }] }), 'node "bye": media.0.value'],
    ['transfer extension with a dialplan', withNode('ask', { type: 'transfer', extension: '1000 XML default' }), 'node "ask": extension'],
    ['transfer number with letters', withNode('ask', { type: 'transfer', number: '+1555;x' }), 'node "ask": number'],
    ['cause with CRLF', withNode('bye', { type: 'hangup', cause: 'NORMAL_CLEARING\r\n' }), 'node "bye": cause'],
    ['regexp with ${', withNode('ask', { ...base().nodes.ask, regexp: '${x}' }), 'node "ask": regexp'],
    ['voicemail box with a slash', withNode('ask', { type: 'voicemail', box: '../box' }), 'node "ask": box'],
    ['menu target with CRLF', withNode('main_menu', { type: 'menu', greeting: [file()], options: { '1': 'sales\r\n' } }), 'node "main_menu": options.1'],
  ];

  test.each(hostile)('%s', (_name, doc, message) => {
    expect(errorsOf(doc).map((e) => e.message).join('\n')).toContain(message);
  });

  test('messages never carry raw control characters from the document', () => {
    const errors = errorsOf(withNode('x\r\ny', { type: 'hangup' }));
    for (const e of errors) expect(e.message).not.toMatch(/[\r\n]/);
  });
});

describe('crossFlowReferences', () => {
  test('names other flows once, sorted, not itself', () => {
    const d = base();
    Object.assign(d.nodes, { g1: { type: 'goto', flow: 'zeta' }, g2: { type: 'goto', flow: 'alpha', node: 'x' }, g3: { type: 'goto', flow: 'zeta' }, g4: { type: 'goto', flow: 'test-flow' } });
    const r = parseFlowDocument(d);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(crossFlowReferences(r.flow)).toEqual(['alpha', 'zeta']);
  });
});

describe('regexp subset and templates', () => {
  test.each([
    ['^[0-9]{4}$', undefined],
    ['^(?:12|34)(?=5)', undefined],
    ['[(?<]', undefined],
    ['(?<=a)b', 'lookbehind'],
    ['(?<!a)b', 'lookbehind'],
    ['(?<n>a)', 'named groups'],
    ['\\k<n>', 'named backreferences'],
    ['\\u{41}', '\\u escapes'],
    ['\\x41', '\\x escapes'],
    ['(?i:a)', /does not compile|group modifier/],
    ['[]a]', 'class starting with'],
    ['(', 'does not compile'],
    ['', 'empty'],
  ] as Array<[string, string | RegExp | undefined]>)('%s', (pattern, problem) => {
    const p = regexpProblem(pattern);
    if (problem === undefined) expect(p).toBeUndefined();
    else if (typeof problem === 'string') expect(p).toContain(problem);
    else expect(p).toMatch(problem);
  });

  test('templates', () => {
    expect(parseTemplate('a {{ caller.number }} b {{var.x_1}}{{did}}')).toEqual({
      ok: true,
      parts: [{ literal: 'a ' }, { ref: { kind: 'caller.number' } }, { literal: ' b ' }, { ref: { kind: 'var', name: 'x_1' } }, { ref: { kind: 'did' } }],
    });
    expect(parseTemplate('{{var.1x}}').ok).toBe(false);
    expect(parseTemplate('{{caller}}').ok).toBe(false);
  });
});
