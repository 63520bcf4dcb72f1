/**
 * The IVR flow document: its schema (zod), and `parseFlowDocument`, which checks everything knowable at save time so a
 * flow that would produce an unsafe or broken FreeSWITCH command is refused with the node named:
 * - every field against the FreeSWITCH validators (file paths, tone specs, causes, extensions, numbers, variable
 *   names, digit regexps, terminators);
 * - templates (only known placeholders; literal text free of `${`, backslashes and control characters);
 * - references (start node, every `next`/option/fallback/branch, same-flow `goto`);
 * - regexps (compile, JavaScript/PCRE common subset);
 * - unreachable nodes (warnings, not errors).
 * A `goto` to another flow is checked for name syntax only; the store checks those names with `crossFlowReferences`.
 */
import { z } from 'zod';
import {
  UnsafeValueError,
  channelVarName,
  digitRegexp,
  extension,
  filePath,
  gatewayName,
  hangupCause,
  phoneNumber,
  terminators,
  toneStream,
} from '../freeswitch';
import { regexpProblem } from './regexp-subset';
import { parseTemplate } from './template';

// ---------------------------------------------------------------------------------------------------------------
// Limits and token syntaxes
// ---------------------------------------------------------------------------------------------------------------

export const FLOW_NAME = /^[a-z0-9_-]{1,64}$/;
export const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NODES = 500;
export const DTMF_KEYS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
export type DtmfKey = (typeof DTMF_KEYS)[number];
export const DAYS_OF_WEEK = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];
/** Queue names, voicemail boxes and skills: letters, digits, `_ . -`, starting with a letter or digit. */
const NAME_TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HTTP_PARAM = /^[A-Za-z0-9_.-]{1,64}$/;
const JSON_PATH = /^[A-Za-z0-9_-]{1,64}(?:\.[A-Za-z0-9_-]{1,64}){0,7}$/;
const SAY_VALUE_LITERAL = /^[A-Za-z0-9.,:+@_-]*$/;
// Characters allowed in the literal part of a url (RFC 3986 unreserved, reserved and `%`).
const URL_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
export const MAX_PRIORITY = 1000;

const q = (s: unknown): string => JSON.stringify(String(s));

// ---------------------------------------------------------------------------------------------------------------
// Field helpers
// ---------------------------------------------------------------------------------------------------------------

/** A string checked by one of the src/freeswitch validators; the validator's reason becomes the message. */
function fsString(validate: (value: unknown, field?: string) => unknown) {
  return z.string().superRefine((s, ctx) => {
    try {
      validate(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: e instanceof UnsafeValueError ? e.reason : String(e) });
    }
  });
}

function tokenString(re: RegExp, what: string) {
  return z.string().regex(re, { error: `not a valid ${what}` });
}

function problem(message: string | undefined, ctx: z.RefinementCtx): void {
  if (message) ctx.addIssue({ code: 'custom', message });
}

/** Literal text: what safeText refuses (control characters, backslash, `${`), bounded. */
function literalProblem(s: string, max: number): string | undefined {
  if (s.length > max) return `longer than ${max} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s)) return 'control characters are not accepted';
  if (s.includes('\\')) return 'backslash is not accepted (FreeSWITCH un-escapes it)';
  if (s.includes('${')) return '`${` would be expanded by FreeSWITCH';
  return undefined;
}

/** A template: known placeholders only; the literal text must be safe FreeSWITCH free text. */
function template(max = 1024) {
  return z.string().superRefine((s, ctx) => {
    const parsed = parseTemplate(s);
    if (!parsed.ok) return problem(parsed.error, ctx);
    for (const p of parsed.parts) if ('literal' in p) problem(literalProblem(p.literal, max), ctx);
  });
}

function pattern() {
  return z.string().superRefine((s, ctx) => problem(regexpProblem(s), ctx));
}

const nodeRef = tokenString(NODE_ID, 'node id ([A-Za-z0-9_-], 1-64 chars)');
const flowName = tokenString(FLOW_NAME, 'flow name ([a-z0-9_-], 1-64 chars)');
const varName = fsString(channelVarName);
const ms = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * Validates `value[key]` against `schemas[value[key]]`, with a clear message for a missing or unknown key. Used for
 * node types and media kinds (a zod union's error would only say "Invalid input").
 */
function dispatch<S extends Record<string, z.ZodType>>(key: string, what: string, schemas: S) {
  const names = Object.keys(schemas);
  return z.unknown().transform((value, ctx): z.output<S[keyof S]> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: `expected an object with a "${key}"` });
      return z.NEVER;
    }
    const tag = (value as Record<string, unknown>)[key];
    if (typeof tag !== 'string' || !Object.prototype.hasOwnProperty.call(schemas, tag)) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `unknown ${what} ${typeof tag === 'string' ? q(tag.slice(0, 40)) : String(tag)} (expected one of ${names.join(', ')})`,
      });
      return z.NEVER;
    }
    const r = (schemas[tag] as z.ZodType).safeParse(value);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: i.path as PropertyKey[], message: i.message });
      return z.NEVER;
    }
    return r.data as z.output<S[keyof S]>;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Media
// ---------------------------------------------------------------------------------------------------------------

const mediaSpecSchema = dispatch('kind', 'media kind', {
  file: z.strictObject({ kind: z.literal('file'), path: fsString(filePath) }),
  tone: z.strictObject({ kind: z.literal('tone'), spec: fsString(toneStream) }),
  say: z.strictObject({
    kind: z.literal('say'),
    type: z.enum(['number', 'digits']),
    /** Literal or template, e.g. `{{var.account}}`; the rendered value is checked again when played. */
    value: template(64).superRefine((s, ctx) => {
      const parsed = parseTemplate(s);
      if (!parsed.ok) return;
      if (!parsed.parts.length) return problem('empty value', ctx);
      for (const p of parsed.parts) {
        if ('literal' in p && !SAY_VALUE_LITERAL.test(p.literal)) problem('say values are letters, digits and . , : + @ _ -', ctx);
      }
    }),
    language: tokenString(/^[a-z]{2,3}$/, 'language code (e.g. en)').optional(),
  }),
});
export type FlowMediaSpec = z.output<typeof mediaSpecSchema>;
const mediaList = z.array(mediaSpecSchema).min(1, { error: 'at least one media item' }).max(32);

// ---------------------------------------------------------------------------------------------------------------
// Conditions
// ---------------------------------------------------------------------------------------------------------------

export type DateSpec = string | { month: number; day: number };
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { timeOfDay: { from: string; to: string } }
  | { daysOfWeek: DayOfWeek[] }
  | { dateIn: DateSpec[] }
  | { callerNumber: { pattern?: string; prefix?: string } }
  | { variable: { name: string; equals?: string; matches?: string; exists?: boolean } };

const HHMM = /^(?:[01][0-9]|2[0-3]):[0-5][0-9]$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

const exactlyOne = (obj: Record<string, unknown>, keys: string[]) => keys.filter((k) => obj[k] !== undefined).length === 1;

const conditionLeaves = {
  timeOfDay: z
    .strictObject({
      from: tokenString(HHMM, 'time (HH:MM, 00:00-23:59)'),
      to: z.string().regex(/^(?:(?:[01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, { error: 'not a valid time (HH:MM, 00:00-24:00)' }),
    })
    .refine((t) => t.from !== t.to && !(t.from === '00:00' && t.to === '24:00'), {
      error: 'from and to are the same time (leave the condition out for all day)',
    }),
  daysOfWeek: z
    .array(z.enum(DAYS_OF_WEEK))
    .min(1)
    .max(7)
    .refine((d) => new Set(d).size === d.length, { error: 'a day is listed twice' }),
  dateIn: z
    .array(
      z.union([
        z.string().refine(isRealDate, { error: 'not a real date (YYYY-MM-DD)' }),
        z
          .strictObject({ month: z.number().int().min(1).max(12), day: z.number().int().min(1).max(31) })
          .refine((d) => d.day <= DAYS_IN_MONTH[d.month - 1], { error: 'no such day in that month' }),
      ]),
    )
    .min(1)
    .max(366),
  callerNumber: z
    .strictObject({ pattern: pattern().optional(), prefix: tokenString(/^\+?[0-9*#]{1,32}$/, 'number prefix (+, digits, * #)').optional() })
    .refine((c) => exactlyOne(c, ['pattern', 'prefix']), { error: 'give exactly one of pattern or prefix' }),
  variable: z
    .strictObject({
      name: varName,
      equals: z.string().max(1024).optional(),
      matches: pattern().optional(),
      exists: z.boolean().optional(),
    })
    .refine((c) => exactlyOne(c, ['equals', 'matches', 'exists']), { error: 'give exactly one of equals, matches or exists' }),
};

const MAX_CONDITION_DEPTH = 8;

function conditionSchema(depth: number): z.ZodType<Condition> {
  return z.unknown().transform((value, ctx): Condition => {
    if (depth > MAX_CONDITION_DEPTH) {
      ctx.addIssue({ code: 'custom', message: `conditions nested deeper than ${MAX_CONDITION_DEPTH}` });
      return z.NEVER;
    }
    const keys = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
    const known = ['all', 'any', 'not', ...Object.keys(conditionLeaves)];
    if (keys.length !== 1 || !known.includes(keys[0])) {
      ctx.addIssue({ code: 'custom', message: `a condition is an object with exactly one of ${known.join(', ')}` });
      return z.NEVER;
    }
    const key = keys[0];
    const inner = (value as Record<string, unknown>)[key];
    const schema: z.ZodType =
      key === 'all' || key === 'any'
        ? z.array(conditionSchema(depth + 1)).min(1).max(32)
        : key === 'not'
          ? conditionSchema(depth + 1)
          : conditionLeaves[key as keyof typeof conditionLeaves];
    const r = schema.safeParse(inner);
    if (!r.success) {
      for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...(i.path as PropertyKey[])], message: i.message });
      return z.NEVER;
    }
    return { [key]: r.data } as Condition;
  }) as unknown as z.ZodType<Condition>;
}

// ---------------------------------------------------------------------------------------------------------------
// Nodes
// ---------------------------------------------------------------------------------------------------------------

const httpUrl = z
  .string()
  .max(2048)
  .superRefine((s, ctx) => {
    const parsed = parseTemplate(s);
    if (!parsed.ok) return problem(parsed.error, ctx);
    const refs = parsed.parts.filter((p) => 'ref' in p);
    const first = parsed.parts[0];
    if (refs.length > 1 || (refs.length === 1 && !(first && 'ref' in first && first.ref.kind === 'var'))) {
      return problem('only one {{var.NAME}} placeholder is allowed in url, at its start (the base url); pass call data in params', ctx);
    }
    const literal = parsed.parts.flatMap((p) => ('literal' in p ? [p.literal] : [])).join('');
    if (!URL_CHARS.test(literal)) return problem('url has characters that must be percent-encoded', ctx);
    if (refs.length === 0) problem(httpUrlProblem(s), ctx);
  });

/** Why a (rendered) url cannot be requested: not http(s), credentials in it, unparsable. */
export function httpUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a valid url';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'only http:// and https:// urls are accepted';
  if (u.username || u.password) return 'credentials in the url are not accepted';
  return undefined;
}

/** A record whose keys must match `keyRe`; a bad key is reported at its own path, with `what` in the message. */
function keyedRecord<V extends z.ZodType>(keyRe: RegExp, what: string, value: V, maxEntries: number) {
  return z.record(z.string(), value).superRefine((rec, ctx) => {
    const keys = Object.keys(rec);
    for (const k of keys) if (!keyRe.test(k)) ctx.addIssue({ code: 'custom', path: [k], message: what });
    if (keys.length > maxEntries) ctx.addIssue({ code: 'custom', message: `at most ${maxEntries} entries` });
  });
}

const skill = tokenString(NAME_TOKEN, 'skill name (letters, digits, _ . -)');

export const NODE_SCHEMAS = {
  answer: z.strictObject({ type: z.literal('answer'), next: nodeRef.optional() }),
  play: z.strictObject({ type: z.literal('play'), media: mediaList, next: nodeRef.optional() }),
  menu: z.strictObject({
    type: z.literal('menu'),
    greeting: mediaList,
    options: keyedRecord(/^[0-9*#]$/, 'menu keys are one of 0-9 * #', nodeRef, DTMF_KEYS.length)
      .refine((o) => Object.keys(o).length > 0, { error: 'a menu needs at least one option' }),
    timeoutMs: ms(100, 120_000).default(5000),
    interDigitMs: ms(100, 120_000).default(2000),
    maxRetries: z.number().int().min(0).max(10).default(3),
    invalidPrompt: mediaList.optional(),
    timeoutPrompt: mediaList.optional(),
    /** Where to go when the retries ran out and the last attempt timed out (default: hang up). */
    onTimeout: nodeRef.optional(),
    /** Where to go when the retries ran out and the last attempt was an invalid key (default: hang up). */
    onInvalid: nodeRef.optional(),
  }),
  collect: z
    .strictObject({
      type: z.literal('collect'),
      prompt: mediaList,
      minDigits: z.number().int().min(1).max(128),
      maxDigits: z.number().int().min(1).max(128),
      regexp: fsString(digitRegexp)
        .superRefine((s, ctx) => problem(regexpProblem(s), ctx))
        .optional(),
      terminators: fsString(terminators).default('#'),
      timeoutMs: ms(100, 120_000).default(5000),
      interDigitMs: ms(100, 120_000).default(2000),
      tries: z.number().int().min(1).max(10).default(3),
      variable: varName,
      invalidPrompt: mediaList.optional(),
      next: nodeRef,
      /** Where to go when every try failed (default: hang up). */
      onFailure: nodeRef.optional(),
      /** Card numbers and the like: a call recording running on the channel is paused (masked) while collecting. */
      sensitive: z.boolean().optional(),
    })
    .refine((c) => c.minDigits <= c.maxDigits, { error: 'minDigits is larger than maxDigits', path: ['minDigits'] }),
  condition: z.strictObject({
    type: z.literal('condition'),
    branches: z
      .array(z.strictObject({ when: conditionSchema(1), next: nodeRef }))
      .min(1)
      .max(32),
    else: nodeRef,
  }),
  set: z.strictObject({ type: z.literal('set'), variable: varName, value: template(), next: nodeRef.optional() }),
  http: z.strictObject({
    type: z.literal('http'),
    /** `http(s)://...`, or `{{var.NAME}}` followed by a literal path (the base url comes from a call variable). */
    url: httpUrl,
    method: z.enum(['GET', 'POST']).default('GET'),
    timeoutMs: ms(100, 10_000).default(3000),
    params: keyedRecord(HTTP_PARAM, 'not a valid parameter name (letters, digits, _ . -)', template(), 32).default({}),
    map: keyedRecord(JSON_PATH, 'not a valid response path (dotted field names)', varName, 32).default({}),
    next: nodeRef,
    /** Where to go when the request failed (default: `next`). */
    onFailure: nodeRef.optional(),
  }),
  goto: z
    .strictObject({ type: z.literal('goto'), flow: flowName.optional(), node: nodeRef.optional() })
    .refine((g) => g.flow !== undefined || g.node !== undefined, { error: 'give flow, node or both' }),
  back: z.strictObject({ type: z.literal('back') }),
  top: z.strictObject({ type: z.literal('top') }),
  queue: z.strictObject({
    type: z.literal('queue'),
    queue: tokenString(NAME_TOKEN, 'queue name (letters, digits, _ . -)'),
    /** A number, or a template rendering to an integer (anything else becomes 0). */
    priority: z.union([z.number().int().min(0).max(MAX_PRIORITY), template(64)]).optional(),
    /** A list, or a template rendering to a comma-separated list (invalid names are dropped). */
    skills: z.union([z.array(skill).max(32), template(1024)]).optional(),
  }),
  transfer: z
    .strictObject({
      type: z.literal('transfer'),
      extension: fsString(extension).optional(),
      number: fsString(phoneNumber).optional(),
      gateway: fsString(gatewayName).optional(),
    })
    .refine((t) => exactlyOne(t, ['extension', 'number']), { error: 'give exactly one of extension or number' })
    .refine((t) => t.gateway === undefined || t.number !== undefined, { error: 'gateway goes with number', path: ['gateway'] }),
  voicemail: z.strictObject({
    type: z.literal('voicemail'),
    box: tokenString(NAME_TOKEN, 'voicemail box (letters, digits, _ . -)'),
    greeting: mediaList.optional(),
    maxSeconds: z.number().int().min(1).max(600).default(120),
    silenceSeconds: z.number().int().min(1).max(60).default(5),
    next: nodeRef.optional(),
  }),
  hangup: z.strictObject({ type: z.literal('hangup'), cause: fsString(hangupCause).default('NORMAL_CLEARING') }),
  /**
   * Post-call satisfaction survey (src/ivr/nodes/survey.ts): the question, one key 1-5 (retried on an invalid key or
   * silence), the answer stored in csat_answers, then optionally "press 1 to leave a comment" and a recording.
   */
  survey: z.strictObject({
    type: z.literal('survey'),
    question: mediaList,
    invalidPrompt: mediaList.optional(),
    timeoutMs: ms(100, 120_000).default(5000),
    tries: z.number().int().min(1).max(10).default(3),
    comment: z
      .strictObject({
        /** "To leave a comment, press 1." */
        offer: mediaList,
        key: z.enum(DTMF_KEYS).default('1'),
        timeoutMs: ms(100, 120_000).default(4000),
        /** Played before the beep, e.g. "Please leave your comment after the tone." */
        greeting: mediaList.optional(),
        maxSeconds: z.number().int().min(1).max(300).default(60),
        silenceSeconds: z.number().int().min(1).max(60).default(5),
      })
      .optional(),
    /** Played once the answer is stored (and after the comment). */
    thanks: mediaList.optional(),
    /** After the survey (default: hang up). */
    next: nodeRef.optional(),
    /** When no valid score was entered in `tries` attempts (default: hang up). */
    onNoScore: nodeRef.optional(),
  }),
} as const;

export type NodeType = keyof typeof NODE_SCHEMAS;
export type NodeOf<T extends NodeType> = z.output<(typeof NODE_SCHEMAS)[T]>;
export type FlowNode = { [T in NodeType]: NodeOf<T> }[NodeType];
export const NODE_TYPES = Object.keys(NODE_SCHEMAS) as NodeType[];

const nodeSchema = dispatch('type', 'node type', NODE_SCHEMAS);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const flowDocumentSchema = z.strictObject({
  /** Document format version; only 1 exists. */
  formatVersion: z.literal(1).optional(),
  name: flowName,
  description: z.string().max(1024).optional(),
  timeZone: z
    .string()
    .max(64)
    .refine((tz) => isTimeZone(tz), { error: 'not an IANA time zone name known to this runtime' }),
  start: nodeRef,
  nodes: z
    .record(z.string(), nodeSchema)
    .refine((n) => Object.keys(n).length > 0, { error: 'a flow needs at least one node' })
    .refine((n) => Object.keys(n).length <= MAX_NODES, { error: `at most ${MAX_NODES} nodes` }),
});

export type FlowDocument = z.output<typeof flowDocumentSchema>;

// ---------------------------------------------------------------------------------------------------------------
// parseFlowDocument
// ---------------------------------------------------------------------------------------------------------------

export interface FlowProblem {
  /** The node the problem is in, when it is in one. */
  node?: string;
  /** Dotted path in the document, e.g. `nodes.main_menu.options.7`. */
  path: string;
  message: string;
}

export type ParseFlowResult = { ok: true; flow: FlowDocument; warnings: FlowProblem[] } | { ok: false; errors: FlowProblem[] };

/** Every node id a node can continue at in its own flow, with the field naming it. */
export function nodeEdges(node: FlowNode): Array<{ field: string; target: string }> {
  const out: Array<{ field: string; target: string }> = [];
  const add = (field: string, target: string | undefined) => {
    if (target !== undefined) out.push({ field, target });
  };
  switch (node.type) {
    case 'answer':
    case 'play':
    case 'set':
    case 'voicemail':
      add('next', node.next);
      break;
    case 'menu':
      for (const [k, v] of Object.entries(node.options)) add(`options.${k}`, v);
      add('onTimeout', node.onTimeout);
      add('onInvalid', node.onInvalid);
      break;
    case 'collect':
    case 'http':
      add('next', node.next);
      add('onFailure', node.onFailure);
      break;
    case 'survey':
      add('next', node.next);
      add('onNoScore', node.onNoScore);
      break;
    case 'condition':
      node.branches.forEach((b, i) => add(`branches.${i}.next`, b.next));
      add('else', node.else);
      break;
    case 'goto':
      if (node.flow === undefined) add('node', node.node);
      break;
    case 'back':
    case 'top':
    case 'queue':
    case 'transfer':
    case 'hangup':
      break;
  }
  return out;
}

function fromIssue(issue: z.core.$ZodIssue): FlowProblem {
  const path = issue.path.map(String);
  if (path[0] === 'nodes' && path.length >= 2) {
    const node = path[1];
    const rel = path.slice(2).join('.');
    return { node, path: path.join('.'), message: `node ${q(node)}: ${rel ? `${rel}: ` : ''}${issue.message}` };
  }
  const where = path.join('.');
  return { path: where, message: `${where || 'flow'}: ${issue.message}` };
}

/** Validates a flow document: schema, references, regexps, templates; unreachable nodes come back as warnings. */
export function parseFlowDocument(input: unknown): ParseFlowResult {
  const errors: FlowProblem[] = [];
  // Node ids are checked first, so every later message can quote them safely.
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const nodes = (input as Record<string, unknown>).nodes;
    if (typeof nodes === 'object' && nodes !== null && !Array.isArray(nodes)) {
      for (const id of Object.keys(nodes)) {
        if (!NODE_ID.test(id)) {
          errors.push({ path: `nodes.${id}`, message: `node id ${q(id.slice(0, 80))} is not valid ([A-Za-z0-9_-], 1-64 chars)` });
        }
      }
    }
  }
  if (errors.length) return { ok: false, errors };

  const parsed = flowDocumentSchema.safeParse(input);
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map(fromIssue) };
  const flow = parsed.data;

  if (!Object.prototype.hasOwnProperty.call(flow.nodes, flow.start)) {
    errors.push({ path: 'start', message: `start points to missing node ${q(flow.start)}` });
  }
  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const { field, target } of nodeEdges(node)) {
      if (!Object.prototype.hasOwnProperty.call(flow.nodes, target)) {
        errors.push({ node: id, path: `nodes.${id}.${field}`, message: `node ${q(id)}: ${field} points to missing node ${q(target)}` });
      }
    }
  }
  if (errors.length) return { ok: false, errors };

  const warnings: FlowProblem[] = [];
  const seen = new Set<string>([flow.start]);
  const todo = [flow.start];
  while (todo.length) {
    const id = todo.pop() as string;
    for (const { target } of nodeEdges(flow.nodes[id])) {
      if (!seen.has(target)) {
        seen.add(target);
        todo.push(target);
      }
    }
  }
  for (const id of Object.keys(flow.nodes)) {
    if (!seen.has(id)) warnings.push({ node: id, path: `nodes.${id}`, message: `node ${q(id)} is unreachable from start ${q(flow.start)}` });
  }
  return { ok: true, flow, warnings };
}

/** Names of the other flows this flow's `goto` nodes lead to (sorted, unique); the store checks they exist. */
export function crossFlowReferences(flow: FlowDocument): string[] {
  const names = new Set<string>();
  for (const node of Object.values(flow.nodes)) {
    if (node.type === 'goto' && node.flow !== undefined && node.flow !== flow.name) names.add(node.flow);
  }
  return [...names].sort();
}
