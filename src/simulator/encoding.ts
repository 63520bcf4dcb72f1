/**
 * Byte-level encodings FreeSWITCH applies when it serialises events. Kept separate so the serialisers stay small
 * and so tests can pin these rules on their own.
 */

const HEX = '0123456789ABCDEF';
// switch_url_encode's "unsafe" set (switch_utils.c). '/', ',' and '\'' are NOT in it: FS leaves them alone.
const URL_UNSAFE = new Set(Array.from('\r\n "#%&+:;<=>?@[\\]^`{|}').map((c) => c.charCodeAt(0)));
const isUpperHex = (b: number | undefined): boolean =>
  b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46));

/**
 * FreeSWITCH's switch_url_encode (the plain-event header encoding): bytes < 0x20 or > 0x7E and the unsafe set become
 * uppercase %XX, except that a '%' already followed by two UPPERCASE hex digits passes through (FS does not
 * double-encode). Works on UTF-8 bytes, like FS does on its char*.
 */
export function fsUrlEncode(value: string): string {
  // Fast path: most header values (uuids, numbers, names) need no encoding at all.
  let clean = true;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || URL_UNSAFE.has(c)) {
      clean = false;
      break;
    }
  }
  if (clean) return value;
  const bytes = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25 && i + 2 < bytes.length && isUpperHex(bytes[i + 1]) && isUpperHex(bytes[i + 2])) {
      out += '%';
      continue;
    }
    if (b < 0x20 || b > 0x7e || URL_UNSAFE.has(b)) {
      out += '%' + HEX[(b >> 4) & 0x0f] + HEX[b & 0x0f];
    } else {
      out += String.fromCharCode(b);
    }
  }
  return out;
}

/**
 * cJSON's string printer: escapes '"', '\\' and control characters (\b \f \n \r \t by name, the rest as \u00XX);
 * everything else, including '/' and non-ASCII UTF-8, is written raw. JSON.stringify differs (it escapes U+2028/9
 * and lone surrogates), so FS's rule is implemented by hand.
 */
export function cjsonString(value: string): string {
  return '"' + cjsonEscape(value) + '"';
}

/** cjsonString without the quotes: the value itself when nothing needs escaping (the common case, no copy). */
export function cjsonEscape(value: string): string {
  // The stretches between escapes are copied whole: a value with escapes is often long (an SDP of ~600 characters
  // with a newline per line), and one string per character was most of what the serialiser allocated. A loop, not a
  // regular expression: cheaper on the short values most headers have.
  let out = '';
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    if (i > from) out += value.slice(from, i);
    out += cjsonEscapeChar(c);
    from = i + 1;
  }
  if (from === 0) return value;
  return from < value.length ? out + value.slice(from) : out;
}

/** The escape cJSON writes for a character that needs one. */
function cjsonEscapeChar(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      return '\\u00' + HEX[c >> 4] + HEX[c & 0x0f];
  }
}

/** XML text escaping as switch_xml_ampencode does for element text. */
export function xmlText(value: string): string {
  return value.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}
