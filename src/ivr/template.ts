/**
 * Templates in flow fields: literal text with `{{caller.number}}`, `{{caller.name}}`, `{{did}}` and `{{var.NAME}}`
 * placeholders. Parsed (and refused when unknown) at save time; rendered by the interpreter with every interpolated
 * value cleaned, so a hostile caller name or CRM answer can never carry `${...}` or a line break into FreeSWITCH.
 */

export type TemplateRef = { kind: 'caller.number' } | { kind: 'caller.name' } | { kind: 'did' } | { kind: 'var'; name: string };
export type TemplatePart = { literal: string } | { ref: TemplateRef };

/** What placeholders resolve against. */
export interface TemplateScope {
  callerNumber: string;
  callerName: string;
  did: string;
  variables: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Longest value the interpreter produces from a template (FreeSWITCH free-text limit). */
export const MAX_RENDERED_LENGTH = 1024;

function parseRef(inner: string): TemplateRef | undefined {
  const name = inner.trim();
  if (name === 'caller.number' || name === 'caller.name' || name === 'did') return { kind: name };
  if (name.startsWith('var.') && VAR_NAME.test(name.slice(4))) return { kind: 'var', name: name.slice(4) };
  return undefined;
}

/** Splits a template into parts, or says which placeholder is wrong. */
export function parseTemplate(template: string): { ok: true; parts: TemplatePart[] } | { ok: false; error: string } {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    const ref = parseRef(m[1]);
    if (!ref) {
      return {
        ok: false,
        error: `unknown placeholder ${JSON.stringify(m[0])} (expected {{caller.number}}, {{caller.name}}, {{did}} or {{var.NAME}})`,
      };
    }
    if (m.index > last) parts.push({ literal: template.slice(last, m.index) });
    parts.push({ ref });
    last = m.index + m[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  for (const p of parts) {
    if ('literal' in p && (p.literal.includes('{{') || p.literal.includes('}}'))) {
      return { ok: false, error: `unbalanced placeholder braces in ${JSON.stringify(template.slice(0, 80))}` };
    }
  }
  return { ok: true, parts };
}

/** Names of the call variables a template reads. */
export function templateVariables(template: string): string[] {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return [];
  return parsed.parts.flatMap((p) => ('ref' in p && p.ref.kind === 'var' ? [p.ref.name] : []));
}

// C0/C1 controls, DEL, line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL_G = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Makes data text safe to hand to FreeSWITCH as free text: control characters and backslashes removed, every `${`
 * (and `$${`) turned into `{`, lone surrogates removed, cut to `max` characters.
 */
export function cleanText(value: string, max = MAX_RENDERED_LENGTH): string {
  let s = value
    .replace(CONTROL_G, '')
    .replace(/\\/g, '')
    .replace(/\$+\{/g, '{')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '');
  if (s.length > max) {
    s = s.slice(0, max);
    if (/[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1);
  }
  return s;
}

function resolve(ref: TemplateRef, scope: TemplateScope): string {
  switch (ref.kind) {
    case 'caller.number':
      return scope.callerNumber;
    case 'caller.name':
      return scope.callerName;
    case 'did':
      return scope.did;
    case 'var':
      return Object.prototype.hasOwnProperty.call(scope.variables, ref.name) ? (scope.variables[ref.name] ?? '') : '';
  }
}

/**
 * Renders a template. Unknown placeholders (only possible for a document that skipped validation) render as ''.
 * The whole result is cleaned, so text joined across a literal and a value cannot form `${` either.
 */
export function renderTemplate(template: string, scope: TemplateScope, max = MAX_RENDERED_LENGTH): string {
  const parsed = parseTemplate(template);
  if (!parsed.ok) return '';
  const text = parsed.parts.map((p) => ('literal' in p ? p.literal : resolve(p.ref, scope))).join('');
  return cleanText(text, max);
}
