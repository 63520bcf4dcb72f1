/**
 * The dialplan validator: nothing is stored, written or served to FreeSWITCH unless it passes.
 *
 * Accepted document (FreeSWITCH's XML dialplan, mod_dialplan_xml):
 *
 *   <include> | <context name="...">                              (no attributes on include; name on context)
 *     <extension name="..." [continue="true|false"]>              (1 or more; names unique in the document)
 *       <condition ...>                                           (1 or more; may nest)
 *         <action application="..." [data="..."] [inline="true|false"]/>
 *         <anti-action application="..." [data="..."] [inline="true|false"]/>
 *         <regex field="..." expression="..."/>                   (only with regex="any|all|xor")
 *         <condition ...>...</condition>                          (nested)
 *
 * condition attributes: field + expression (a regex), break="on-false|on-true|always|never", require-nested, or
 * regex="any|all|xor" with <regex> children, and the time attributes (TIME_ATTRIBUTES). Comments are allowed; text,
 * CDATA, a DOCTYPE and `<X-PRE-PROCESS>` (even inside a comment: FreeSWITCH's pre-processor reads those too, and
 * `cmd="exec"` runs a shell) are refused.
 *
 * Safety rules: application names match `^[a-z0-9_]+$` and are not in DENIED_APPLICATIONS (shell access); no
 * attribute value may contain a `${fn(` expansion of a DENIED_EXPANSIONS function (these run commands when FreeSWITCH
 * expands the value) or set a hook variable (api_on_*, execute_on_*, api_hangup_hook...) to a shell command.
 * Expressions compile as JavaScript RegExps with no PCRE-only constructs (see pcre.ts).
 *
 * Every error names the extension (name and position), the condition (1-based; nested conditions as `2.1`) and the
 * line, as far as they apply.
 */
import { XMLValidator } from 'fast-xml-parser';
import { pcreProblem } from './pcre';
import { attrsOf, childrenOf, createParser, lineAt, lineIndex, startIndexOf, tagOf, TEXT, type OrderedNode } from './xml';

export const MAX_DIALPLAN_BYTES = 512 * 1024;
export const MAX_EXTENSIONS = 2000;

/** Dialplan applications that reach a shell; never accepted. */
export const DENIED_APPLICATIONS: readonly string[] = ['system', 'bg_system', 'spawn', 'bg_spawn', 'spawn_stream'];

/** `${fn(...)}` expansions that run commands or scripts; never accepted in any attribute. */
export const DENIED_EXPANSIONS: readonly string[] = [
  'system',
  'bg_system',
  'spawn',
  'bg_spawn',
  'spawn_stream',
  'api',
  'bgapi',
  'bg_api',
  'expand',
  'lua',
  'luarun',
  'perl',
  'perlrun',
  'python',
  'pyrun',
  'js',
  'jsrun',
];

/** Channel variables whose value FreeSWITCH runs as an API command or application. */
const HOOK_ASSIGNMENT =
  /(?:^|[\s,{;'"^:[])(api_on_[a-z_]+|api_hangup_hook|api_reporting_hook|api_after_bridge|session_in_hangup_hook|execute_on_[a-z_]+|exec_after_bridge_app|bridge_pre_execute_[ab]leg_app|sip_exec_on_[a-z_]+)\s*=\s*['"]?\s*([A-Za-z0-9_]+)/gi;

/** Commands a hook variable may not name. */
const DENIED_HOOK_COMMANDS = new Set([...DENIED_APPLICATIONS, 'bgapi', 'expand', 'luarun', 'perlrun', 'pyrun', 'jsrun']);

const EXPANSION = new RegExp(`\\$\\{\\s*(${DENIED_EXPANSIONS.join('|')})\\s*\\(`, 'i');

export const ELEMENT_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  include: [],
  context: ['name'],
  extension: ['name', 'continue'],
  condition: [], // see CONDITION_ATTRIBUTES
  regex: ['field', 'expression'],
  action: ['application', 'data', 'inline'],
  'anti-action': ['application', 'data', 'inline'],
};

/** Time-of-call conditions (switch_xml_std_datetime_check). */
export const TIME_ATTRIBUTES: readonly string[] = [
  'year',
  'yday',
  'mon',
  'mday',
  'week',
  'mweek',
  'wday',
  'hour',
  'minute',
  'minute-of-day',
  'time-of-day',
  'date-time',
  'tz-offset',
  'dst',
];

export const CONDITION_ATTRIBUTES: readonly string[] = ['field', 'expression', 'break', 'require-nested', 'regex', ...TIME_ATTRIBUTES];

const NUM_LIST = /^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$/;
const WDAY_ITEM = '(?:[1-7]|sun|mon|tue|wed|thu|fri|sat)';
const WDAY_LIST = new RegExp(`^${WDAY_ITEM}(-${WDAY_ITEM})?(,${WDAY_ITEM}(-${WDAY_ITEM})?)*$`, 'i');
const HMS = '\\d{1,2}:\\d{2}(?::\\d{2})?';
const TIME_OF_DAY = new RegExp(`^${HMS}-${HMS}(,${HMS}-${HMS})*$`);
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?~\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/;

const TIME_FORMATS: Record<string, { re: RegExp; what: string }> = {
  year: { re: NUM_LIST, what: 'numbers or ranges, e.g. 2026 or 2026-2027' },
  yday: { re: NUM_LIST, what: 'numbers or ranges 1-366' },
  mon: { re: NUM_LIST, what: 'numbers or ranges 1-12' },
  mday: { re: NUM_LIST, what: 'numbers or ranges 1-31' },
  week: { re: NUM_LIST, what: 'numbers or ranges 1-53' },
  mweek: { re: NUM_LIST, what: 'numbers or ranges 1-6' },
  wday: { re: WDAY_LIST, what: 'days 1-7 or sun-sat, e.g. mon-fri' },
  hour: { re: NUM_LIST, what: 'numbers or ranges 0-23' },
  minute: { re: NUM_LIST, what: 'numbers or ranges 0-59' },
  'minute-of-day': { re: NUM_LIST, what: 'numbers or ranges 1-1440' },
  'time-of-day': { re: TIME_OF_DAY, what: 'HH:MM[:SS]-HH:MM[:SS], e.g. 08:00-17:30' },
  'date-time': { re: DATE_TIME, what: 'YYYY-MM-DD HH:MM[:SS]~YYYY-MM-DD HH:MM[:SS]' },
  'tz-offset': { re: /^[+-]?\d{1,2}$/, what: 'an hour offset such as -5' },
  dst: { re: /^(true|false)$/, what: 'true or false' },
};

const BOOL = ['true', 'false'];
const BREAK_VALUES = ['on-false', 'on-true', 'always', 'never'];
const REGEX_MODES = ['any', 'all', 'xor'];
const APP_NAME = /^[a-z0-9_]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export interface DialplanIssue {
  /** The whole message, location included. */
  message: string;
  line?: number;
  /** Name and 1-based position of the extension at fault. */
  extension?: string;
  extension_index?: number;
  /** 1-based index of the condition in its extension; nested conditions as `2.1`. */
  condition?: string;
}

export interface DialplanAction {
  application: string;
  data?: string;
  inline?: boolean;
}

export interface DialplanCondition {
  field?: string;
  expression?: string;
  break?: string;
  require_nested?: boolean;
  regex?: 'any' | 'all' | 'xor';
  regexes?: Array<{ field: string; expression: string }>;
  /** Time attributes as written (wday, time-of-day...). */
  time?: Record<string, string>;
  actions: DialplanAction[];
  anti_actions: DialplanAction[];
  conditions?: DialplanCondition[];
  line?: number;
}

export interface DialplanExtension {
  name: string;
  continue: boolean;
  conditions: DialplanCondition[];
  line?: number;
}

export interface DialplanValidation {
  ok: boolean;
  errors: DialplanIssue[];
  /** The root element: `include`, or `context` with its name. */
  root?: 'include' | 'context';
  context_name?: string;
  extensions: DialplanExtension[];
  /** The parsed root's children as ordered nodes (the extensions), for re-serialisation. */
  nodes: OrderedNode[];
}

interface Where {
  extension?: string;
  extension_index?: number;
  condition?: string;
  line?: number;
}

function describe(w: Where): string {
  const parts: string[] = [];
  if (w.extension_index !== undefined) parts.push(w.extension ? `extension "${w.extension}" (#${w.extension_index})` : `extension #${w.extension_index}`);
  if (w.condition !== undefined) parts.push(`condition ${w.condition}`);
  const head = parts.join(', ');
  const line = w.line !== undefined ? `line ${w.line}` : '';
  if (head && line) return `${head} (${line}): `;
  if (head || line) return `${head || line}: `;
  return '';
}

/** Validates a dialplan document; `context` (when given) must match a `<context name=...>` root. */
export function validateDialplan(xml: unknown, options: { context?: string } = {}): DialplanValidation {
  const errors: DialplanIssue[] = [];
  const fail = (message: string, w: Where = {}): DialplanValidation => ({
    ok: false,
    errors: [...errors, { message: describe(w) + message, ...w }],
    extensions: [],
    nodes: [],
  });
  if (typeof xml !== 'string') return fail('the dialplan must be a string of XML');
  if (!xml.trim()) return fail('the dialplan is empty');
  if (Buffer.byteLength(xml, 'utf8') > MAX_DIALPLAN_BYTES) return fail(`the dialplan is larger than ${MAX_DIALPLAN_BYTES} bytes`);
  const ctl = CONTROL.exec(xml);
  if (ctl) return fail(`control character U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0')} is not allowed`, { line: lineAt(xml, ctl.index) });

  const pre = /<\s*X-PRE-PROCESS/i.exec(xml);
  if (pre) return fail('<X-PRE-PROCESS> is not allowed (not even in a comment: FreeSWITCH pre-processes comments too)', { line: lineAt(xml, pre.index) });
  const doctype = /<!DOCTYPE/i.exec(xml);
  if (doctype) return fail('a DOCTYPE is not allowed', { line: lineAt(xml, doctype.index) });

  const wellFormed = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (wellFormed !== true) {
    return fail(`malformed XML: ${wellFormed.err.msg}`, { line: wellFormed.err.line });
  }
  // The validator lets `<` through inside attribute values; XML (and FreeSWITCH's parser) does not.
  const blanked = xml.replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ' '));
  for (const m of blanked.matchAll(/=\s*("[^"]*"|'[^']*')/g)) {
    if (m[1]!.includes('<')) return fail('malformed XML: `<` inside an attribute value must be written &lt;', { line: lineAt(xml, m.index!) });
    if (/&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});)/.test(m[1]!))
      return fail('malformed XML: a bare `&` inside an attribute value must be written &amp;', { line: lineAt(xml, m.index!) });
  }
  if (/<!\[CDATA\[/.test(blanked)) return fail('CDATA sections are not allowed in a dialplan', { line: lineAt(xml, blanked.indexOf('<![CDATA[')) });

  let parsed: OrderedNode[];
  try {
    parsed = createParser().parse(xml) as OrderedNode[];
  } catch (err) {
    return fail(`malformed XML: ${(err as Error).message}`);
  }
  const lineOf = lineIndex(xml);
  const line = (node: OrderedNode): number | undefined => {
    const i = startIndexOf(node);
    return i === undefined ? undefined : lineOf(i);
  };

  const roots = parsed.filter((n) => tagOf(n) !== null);
  if (roots.length !== 1) return fail('the document must have exactly one root element, <include> or <context>');
  const root = roots[0]!;
  const rootTag = tagOf(root)!;
  if (rootTag !== 'include' && rootTag !== 'context') {
    return fail(`the root element must be <include> or <context name="...">, not <${rootTag}>`, { line: line(root) });
  }
  const rootAttrs = attrsOf(root);
  checkKnownAttributes(rootTag, rootAttrs, ELEMENT_ATTRIBUTES[rootTag]!, { line: line(root) }, errors);
  let contextName: string | undefined;
  if (rootTag === 'context') {
    contextName = rootAttrs.name;
    if (!contextName) errors.push(issue('<context> needs a name attribute', { line: line(root) }));
    else if (options.context !== undefined && contextName !== options.context)
      errors.push(issue(`<context name="${contextName}"> does not match the context "${options.context}"`, { line: line(root) }));
  }

  const extensions: DialplanExtension[] = [];
  const seen = new Map<string, number>();
  const nodes = childrenOf(root);
  let index = 0;
  for (const node of nodes) {
    const tag = tagOf(node);
    if (tag === null) {
      errors.push(issue(`unexpected text inside <${rootTag}>: ${JSON.stringify(String(node[TEXT]).slice(0, 40))}`, { line: line(root) }));
      continue;
    }
    if (tag !== 'extension') {
      errors.push(issue(`<${tag}> is not allowed inside <${rootTag}>; only <extension>`, { line: line(node) }));
      continue;
    }
    index++;
    if (index > MAX_EXTENSIONS) {
      errors.push(issue(`more than ${MAX_EXTENSIONS} extensions`, { line: line(node) }));
      break;
    }
    const ext = checkExtension(node, index, line, errors);
    if (ext.name) {
      const prev = seen.get(ext.name);
      if (prev !== undefined)
        errors.push(issue(`the name is already used by extension #${prev}`, { extension: ext.name, extension_index: index, line: ext.line }));
      else seen.set(ext.name, index);
    }
    extensions.push(ext);
  }
  if (index === 0 && errors.length === 0) errors.push(issue(`<${rootTag}> has no <extension>`, { line: line(root) }));

  return {
    ok: errors.length === 0,
    errors,
    root: rootTag,
    context_name: contextName,
    extensions,
    nodes: nodes.filter((n) => tagOf(n) === 'extension'),
  };
}

function issue(message: string, w: Where): DialplanIssue {
  const out: DialplanIssue = { message: describe(w) + message };
  if (w.line !== undefined) out.line = w.line;
  if (w.extension !== undefined) out.extension = w.extension;
  if (w.extension_index !== undefined) out.extension_index = w.extension_index;
  if (w.condition !== undefined) out.condition = w.condition;
  return out;
}

function checkKnownAttributes(tag: string, attrs: Record<string, string>, allowed: readonly string[], w: Where, errors: DialplanIssue[]): void {
  for (const name of Object.keys(attrs)) {
    if (!allowed.includes(name)) {
      const known = allowed.length ? `known: ${allowed.join(', ')}` : 'it takes none';
      errors.push(issue(`unknown attribute "${name}" on <${tag}> (${known})`, w));
    }
  }
  for (const [name, value] of Object.entries(attrs)) checkValueSafety(tag, name, value, w, errors);
}

/** The rules every attribute value passes: no command-running expansions, no hook variable set to a shell command. */
function checkValueSafety(tag: string, name: string, value: string, w: Where, errors: DialplanIssue[]): void {
  const exp = EXPANSION.exec(value);
  if (exp) {
    errors.push(issue(`${name} on <${tag}> contains "\${${exp[1]}(", which runs commands when FreeSWITCH expands it`, w));
  }
  for (const m of value.matchAll(HOOK_ASSIGNMENT)) {
    if (DENIED_HOOK_COMMANDS.has(m[2]!.toLowerCase())) {
      errors.push(issue(`${name} on <${tag}> sets ${m[1]} to run "${m[2]}", which reaches a shell`, w));
    }
  }
}

function checkExtension(
  node: OrderedNode,
  index: number,
  line: (n: OrderedNode) => number | undefined,
  errors: DialplanIssue[],
): DialplanExtension {
  const attrs = attrsOf(node);
  const name = attrs.name ?? '';
  const w: Where = { extension: name || undefined, extension_index: index, line: line(node) };
  checkKnownAttributes('extension', attrs, ELEMENT_ATTRIBUTES.extension!, w, errors);
  if (!name.trim()) errors.push(issue('<extension> needs a non-empty name attribute', w));
  else if (name.length > 128) errors.push(issue('the extension name is longer than 128 characters', w));
  if (attrs.continue !== undefined && !BOOL.includes(attrs.continue)) errors.push(issue(`continue must be true or false, not "${attrs.continue}"`, w));

  const conditions: DialplanCondition[] = [];
  let n = 0;
  for (const child of childrenOf(node)) {
    const tag = tagOf(child);
    if (tag === null) {
      errors.push(issue('unexpected text inside <extension>', w));
      continue;
    }
    if (tag !== 'condition') {
      errors.push(issue(`<${tag}> is not allowed inside <extension>; only <condition>`, { ...w, line: line(child) }));
      continue;
    }
    n++;
    conditions.push(checkCondition(child, { ...w, condition: String(n), line: line(child) }, line, errors));
  }
  if (n === 0) errors.push(issue('<extension> has no <condition>', w));
  const ext: DialplanExtension = { name, continue: attrs.continue === 'true', conditions };
  if (w.line !== undefined) ext.line = w.line;
  return ext;
}

function checkCondition(
  node: OrderedNode,
  w: Where,
  line: (n: OrderedNode) => number | undefined,
  errors: DialplanIssue[],
): DialplanCondition {
  const attrs = attrsOf(node);
  checkKnownAttributes('condition', attrs, CONDITION_ATTRIBUTES, w, errors);
  const cond: DialplanCondition = { actions: [], anti_actions: [] };
  if (w.line !== undefined) cond.line = w.line;

  const { field, expression } = attrs;
  if (field !== undefined) cond.field = field;
  if (expression !== undefined) cond.expression = expression;
  if (attrs.regex !== undefined) {
    if (!REGEX_MODES.includes(attrs.regex)) errors.push(issue(`regex must be any, all or xor, not "${attrs.regex}"`, w));
    else cond.regex = attrs.regex as DialplanCondition['regex'];
    if (field !== undefined || expression !== undefined)
      errors.push(issue('a condition with regex="..." takes its field/expression pairs from <regex> children, not from attributes', w));
  } else {
    if (field !== undefined && expression === undefined) errors.push(issue(`field="${field}" needs an expression`, w));
    if (expression !== undefined && field === undefined) errors.push(issue('expression needs a field', w));
    if (field !== undefined && !field.trim()) errors.push(issue('field must not be empty', w));
  }
  if (expression !== undefined) checkExpression(expression, w, errors);
  if (attrs.break !== undefined) {
    if (!BREAK_VALUES.includes(attrs.break)) errors.push(issue(`break must be on-false, on-true, always or never, not "${attrs.break}"`, w));
    else cond.break = attrs.break;
  }
  if (attrs['require-nested'] !== undefined) {
    if (!BOOL.includes(attrs['require-nested'])) errors.push(issue(`require-nested must be true or false, not "${attrs['require-nested']}"`, w));
    else cond.require_nested = attrs['require-nested'] === 'true';
  }
  for (const t of TIME_ATTRIBUTES) {
    const v = attrs[t];
    if (v === undefined) continue;
    const fmt = TIME_FORMATS[t]!;
    if (!fmt.re.test(v.trim())) errors.push(issue(`${t}="${v}" is not valid: expected ${fmt.what}`, w));
    (cond.time ??= {})[t] = v;
  }

  let nested = 0;
  for (const child of childrenOf(node)) {
    const tag = tagOf(child);
    const cw = { ...w, line: line(child) ?? w.line };
    if (tag === null) {
      errors.push(issue('unexpected text inside <condition>', w));
      continue;
    }
    if (tag === 'action' || tag === 'anti-action') {
      const act = checkAction(tag, child, cw, errors);
      (tag === 'action' ? cond.actions : cond.anti_actions).push(act);
    } else if (tag === 'regex') {
      const ra = attrsOf(child);
      checkKnownAttributes('regex', ra, ELEMENT_ATTRIBUTES.regex!, cw, errors);
      if (attrs.regex === undefined) errors.push(issue('<regex> is only allowed in a condition with regex="any|all|xor"', cw));
      if (!ra.field || ra.expression === undefined) errors.push(issue('<regex> needs field and expression', cw));
      if (ra.expression !== undefined) checkExpression(ra.expression, cw, errors);
      if (childrenOf(child).length) errors.push(issue('<regex> takes no children', cw));
      (cond.regexes ??= []).push({ field: ra.field ?? '', expression: ra.expression ?? '' });
    } else if (tag === 'condition') {
      nested++;
      (cond.conditions ??= []).push(checkCondition(child, { ...cw, condition: `${w.condition}.${nested}` }, line, errors));
    } else {
      errors.push(issue(`<${tag}> is not allowed inside <condition>; only <action>, <anti-action>, <regex> and <condition>`, cw));
    }
  }
  if (attrs.regex !== undefined && !cond.regexes?.length) errors.push(issue(`regex="${attrs.regex}" needs at least one <regex> child`, w));
  return cond;
}

function checkExpression(expression: string, w: Where, errors: DialplanIssue[]): void {
  const problem = pcreProblem(expression);
  if (problem) errors.push(issue(`expression "${expression.length > 80 ? expression.slice(0, 80) + '...' : expression}" ${problem}`, w));
}

function checkAction(tag: string, node: OrderedNode, w: Where, errors: DialplanIssue[]): DialplanAction {
  const attrs = attrsOf(node);
  checkKnownAttributes(tag, attrs, ELEMENT_ATTRIBUTES[tag]!, w, errors);
  const app = attrs.application;
  if (!app) errors.push(issue(`<${tag}> needs an application attribute`, w));
  else if (!APP_NAME.test(app)) errors.push(issue(`application "${app}" is not a valid application name ([a-z0-9_]+)`, w));
  else if (DENIED_APPLICATIONS.includes(app)) errors.push(issue(`application "${app}" is not allowed: it runs shell commands`, w));
  if (attrs.inline !== undefined && !BOOL.includes(attrs.inline)) errors.push(issue(`inline must be true or false, not "${attrs.inline}"`, w));
  if (childrenOf(node).length) errors.push(issue(`<${tag}> takes no children`, w));
  const act: DialplanAction = { application: app ?? '' };
  if (attrs.data !== undefined) act.data = attrs.data;
  if (attrs.inline !== undefined) act.inline = attrs.inline === 'true';
  return act;
}

/** The document as an `<include>` (what a file in a context folder holds): a `<context>` root becomes `<include>`. */
export function asIncludeText(xml: string, validation: DialplanValidation): string {
  if (validation.root !== 'context') return xml;
  const open = /<context\b(?:"[^"]*"|'[^']*'|[^'">])*>/.exec(xml.replace(/<!--[\s\S]*?-->/g, (m) => m.replace(/[^\n]/g, ' ')));
  const close = xml.lastIndexOf('</context');
  if (!open || close < 0) return xml;
  const closeEnd = xml.indexOf('>', close);
  return xml.slice(0, open.index) + '<include>' + xml.slice(open.index + open[0].length, close) + '</include>' + xml.slice(closeEnd + 1);
}
