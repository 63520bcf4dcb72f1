/**
 * Decoding of FreeSWITCH's switch_url_encode (plain and xml event header values).
 *
 * FreeSWITCH encodes bytes, not characters, and passes an existing `%XX` through unencoded, so a value can hold
 * escapes that are not valid UTF-8 (`%E9` from a Latin-1 caller name) or a `%` that starts no escape at all.
 * `decodeURIComponent` throws on both (a popular client crashes the process there). This never throws: valid
 * escapes are decoded (UTF-8, upper or lower case hex; `+` stays `+`, FreeSWITCH encodes a space as `%20`), and
 * anything that does not decode is kept literally, byte for byte as it arrived.
 */
export function urlDecodeLenient(s: string): string {
  if (s.indexOf('%') < 0) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return slowDecode(s);
  }
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The byte an escape at `i` stands for, or -1 when `s[i..i+2]` is not `%XX`. */
function escapeAt(s: string, i: number): number {
  if (i + 2 >= s.length || s.charCodeAt(i) !== 0x25) return -1;
  const hi = hexVal(s.charCodeAt(i + 1));
  const lo = hexVal(s.charCodeAt(i + 2));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

/** Length of the UTF-8 sequence a lead byte announces (0 = not a lead byte). */
function utf8Length(b: number): number {
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return 2;
  if (b >= 0xe0 && b <= 0xef) return 3;
  if (b >= 0xf0 && b <= 0xf4) return 4;
  return 0;
}

function slowDecode(s: string): string {
  let out = '';
  let i = 0;
  const n = s.length;
  while (i < n) {
    const b = escapeAt(s, i);
    if (b < 0) {
      // Not an escape: copy up to the next '%'.
      let next = s.indexOf('%', i + 1);
      if (next < 0) next = n;
      out += s.slice(i, next);
      i = next;
      continue;
    }
    const want = utf8Length(b);
    if (want === 1) {
      out += String.fromCharCode(b);
      i += 3;
      continue;
    }
    // A multi-byte character needs `want` consecutive escapes; decodeURIComponent then rejects overlongs and
    // surrogates for us. Anything short of a valid sequence keeps its first escape literally.
    let ok = want > 0;
    for (let k = 1; ok && k < want; k++) {
      const c = escapeAt(s, i + 3 * k);
      ok = c >= 0x80 && c <= 0xbf;
    }
    if (ok) {
      try {
        out += decodeURIComponent(s.slice(i, i + 3 * want));
        i += 3 * want;
        continue;
      } catch {
        // fall through: keep literally
      }
    }
    out += s.slice(i, i + 3);
    i += 3;
  }
  return out;
}
