/**
 * Character sets of the ISO 8583 data types as 256-entry lookup tables over Latin-1 code points (which is
 * what ASCII and, after translation, EBCDIC text decode to). A table lookup per byte is the whole check, so
 * validation costs one load per character on the hot path. Never throws: callers turn a bad index into an
 * ISO_BAD_CHAR error with their own field label.
 */
import type { FieldType } from './types.ts';

function table(accept: (code: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = accept(c) ? 1 : 0;
  return t;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isPrintable = (c: number) => c >= 0x20 && c <= 0x7e;
const isSpecial = (c: number) => isPrintable(c) && !isDigit(c) && !isLetter(c);

/**
 * Allowed characters per type. `a`/`an` accept the space because fixed fields are space-padded; `z` is the
 * ISO 7813 track-2 set (0-9 : ; < = > ?) plus `D`, the separator some hosts use instead of `=`.
 */
export const CHARSETS: Readonly<Record<Exclude<FieldType, 'b'>, Uint8Array>> = {
  n: table(isDigit),
  a: table((c) => isLetter(c) || c === 0x20),
  an: table((c) => isLetter(c) || isDigit(c) || c === 0x20),
  anp: table((c) => isLetter(c) || isDigit(c) || c === 0x20),
  ans: table(isPrintable),
  as: table((c) => isLetter(c) || isSpecial(c)),
  ns: table((c) => isDigit(c) || isSpecial(c)),
  s: table(isSpecial),
  z: table((c) => (c >= 0x30 && c <= 0x3f) || c === 0x44),
  // x+n: the sign is checked separately; the table covers the digits and the sign letters.
  'x+n': table((c) => isDigit(c) || c === 0x43 || c === 0x44),
  any: table(() => true),
};

/** Human name of a type's character set, for error messages. */
export const CHARSET_NAMES: Readonly<Record<string, string>> = {
  n: 'digits 0-9',
  a: 'letters and space',
  an: 'letters, digits and space',
  anp: 'letters, digits and space',
  ans: 'printable ASCII (0x20-0x7E)',
  as: 'letters, space and specials',
  ns: 'digits and specials',
  s: 'special characters',
  z: 'track-2 characters (0-9 : ; < = > ? D)',
  'x+n': "'C' or 'D' followed by digits",
  any: 'any character',
};

/** Index of the first byte in buf[start, end) not allowed by `allowed`, or -1. */
export function firstBadByte(buf: Uint8Array, start: number, end: number, allowed: Uint8Array): number {
  for (let i = start; i < end; i++) if (allowed[buf[i]!] === 0) return i;
  return -1;
}

/** Index of the first character of `text` not allowed by `allowed` (code points > 255 never are), or -1. */
export function firstBadChar(text: string, allowed: Uint8Array): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || allowed[c] === 0) return i;
  }
  return -1;
}

/** `'A' (0x41)` — a character for an error message; never used for field values that may be card data. */
export function showByte(code: number): string {
  return code >= 0x20 && code <= 0x7e ? `'${String.fromCharCode(code)}' (0x${hex2(code)})` : `0x${hex2(code)}`;
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
