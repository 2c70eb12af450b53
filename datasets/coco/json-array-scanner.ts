/**
 * Walk a top-level JSON object held in a Buffer and hand each element of selected array members to
 * a callback, parsed on its own. The 450 MB instances_train2017.json never becomes one JS string or
 * one object tree: only one element (an image, an annotation) is a JS object at any time, and callers
 * keep what they need in compact typed arrays.
 */
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

export class JsonScanError extends Error {}

export function scanJsonObjectArrays(buf: Buffer, onElement: Record<string, (value: unknown) => void>): void {
  let pos = skipWs(buf, 0);
  expect(buf, pos, LBRACE);
  pos = skipWs(buf, pos + 1);
  if (buf[pos] === RBRACE) return;
  for (;;) {
    expect(buf, pos, QUOTE);
    const keyEnd = stringEnd(buf, pos);
    const key = JSON.parse(buf.toString('utf8', pos, keyEnd)) as string;
    pos = skipWs(buf, keyEnd);
    expect(buf, pos, COLON);
    pos = skipWs(buf, pos + 1);
    const handler = onElement[key];
    if (handler && buf[pos] === LBRACKET) {
      pos = skipWs(buf, pos + 1);
      if (buf[pos] === RBRACKET) pos++;
      else {
        for (let index = 0; ; index++) {
          const end = valueEnd(buf, pos);
          handler(parseElement(buf, pos, end, key, index));
          pos = skipWs(buf, end);
          if (buf[pos] === COMMA) {
            pos = skipWs(buf, pos + 1);
            continue;
          }
          expect(buf, pos, RBRACKET);
          pos++;
          break;
        }
      }
    } else {
      pos = valueEnd(buf, pos);
    }
    pos = skipWs(buf, pos);
    if (buf[pos] === COMMA) {
      pos = skipWs(buf, pos + 1);
      continue;
    }
    expect(buf, pos, RBRACE);
    return;
  }
}

/** One array element; a syntax error names the array, the element (and its "id" when one can be seen). */
function parseElement(buf: Buffer, start: number, end: number, key: string, index: number): unknown {
  const text = buf.toString('utf8', start, end);
  try {
    return JSON.parse(text);
  } catch (err) {
    const id = /"id"\s*:\s*(-?\d+)/.exec(text)?.[1];
    // Python's json module writes NaN and Infinity, which JSON (and so this reader) does not have.
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (NaN and Infinity are not JSON numbers)' : '';
    throw new JsonScanError(`${key}[${index}]${id !== undefined ? ` (id ${id})` : ''} at byte ${start}: invalid JSON: ${(err as Error).message}${hint}`);
  }
}

function skipWs(buf: Buffer, pos: number): number {
  while (pos < buf.length) {
    const c = buf[pos]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    pos++;
  }
  return pos;
}

function expect(buf: Buffer, pos: number, ch: number): void {
  if (buf[pos] !== ch) {
    const got = pos < buf.length ? `'${String.fromCharCode(buf[pos]!)}'` : 'end of file';
    throw new JsonScanError(`invalid JSON at byte ${pos}: expected '${String.fromCharCode(ch)}', found ${got}`);
  }
}

/** Index just past the string starting at `pos` (which holds the opening quote). */
function stringEnd(buf: Buffer, pos: number): number {
  let i = pos + 1;
  const n = buf.length;
  while (i < n) {
    const c = buf[i]!;
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  throw new JsonScanError(`invalid JSON: unterminated string starting at byte ${pos}`);
}

/** Index just past the JSON value starting at `pos`. */
function valueEnd(buf: Buffer, pos: number): number {
  const c = buf[pos];
  if (c === QUOTE) return stringEnd(buf, pos);
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    let i = pos;
    const n = buf.length;
    while (i < n) {
      const ch = buf[i]!;
      if (ch === QUOTE) {
        i = stringEnd(buf, i);
        continue;
      }
      if (ch === LBRACE || ch === LBRACKET) depth++;
      else if (ch === RBRACE || ch === RBRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    throw new JsonScanError(`invalid JSON: unterminated value starting at byte ${pos}`);
  }
  // number, true, false, null
  let i = pos;
  while (i < buf.length) {
    const ch = buf[i]!;
    if (ch === COMMA || ch === RBRACE || ch === RBRACKET || ch === 0x20 || ch === 0x0a || ch === 0x0d || ch === 0x09) break;
    i++;
  }
  if (i === pos) throw new JsonScanError(`invalid JSON at byte ${pos}: expected a value`);
  return i;
}
