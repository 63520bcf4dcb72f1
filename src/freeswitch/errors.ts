/** Thrown by every builder in src/freeswitch when a value cannot be sent to FreeSWITCH exactly and safely. */
export class UnsafeValueError extends Error {
  override readonly name = 'UnsafeValueError';
  /** Which input was refused (e.g. `uuid`, `vars.origination_caller_id_name`), with control characters escaped. */
  readonly field: string;
  /** Why, in words a log reader understands. */
  readonly reason: string;

  constructor(field: string, reason: string, value?: unknown) {
    const f = printable(String(field));
    const r = printable(String(reason));
    // The value is shown escaped and cut short: a hostile value must not forge log lines either.
    super(`unsafe value for ${f}: ${r}${value === undefined ? '' : ` (got ${preview(value)})`}`);
    this.field = f;
    this.reason = r;
  }
}

/** Escapes every control character (C0, DEL, C1) and line/paragraph separator as \uXXXX. */
function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\ud800-\udbff][\udc00-\udfff]|[\u0000-\u001f\u007f-\u009f\u2028\u2029\ud800-\udfff]/g, (c) =>
    // Well-formed surrogate pairs (emoji...) stay as they are.
    c.length === 2 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function preview(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  const cut = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `${printable(JSON.stringify(cut))}, ${value.length} chars`;
}
