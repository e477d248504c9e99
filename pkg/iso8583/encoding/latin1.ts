/**
 * Fast Latin-1 string <-> bytes helpers. Node's Buffer has undocumented-but-stable `latin1Slice` /
 * `latin1Write` methods that skip the argument normalisation of `toString('latin1', …)`/`write(…)`; they
 * are used when present and the public methods otherwise. Callers validate characters first: these never
 * check anything.
 */

interface FastLatin1 {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  latin1Write(this: Uint8Array, text: string, offset: number, length: number): number;
}

const proto = Buffer.prototype as Partial<FastLatin1>;
const nativeSlice = proto.latin1Slice;
const nativeWrite = proto.latin1Write;

/** The native slice takes any Uint8Array as `this` (it checks for an ArrayBufferView, not a Buffer). */
const sliceLatin1: (buf: Uint8Array, start: number, end: number) => string =
  nativeSlice !== undefined
    ? (buf, start, end) => nativeSlice.call(buf, start, end)
    : (buf, start, end) => Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', start, end);

const chars = String.fromCharCode;

/**
 * buf[start, end) as a Latin-1 string (ASCII is a subset). Most ISO 8583 fields are a few characters long,
 * and for those one `String.fromCharCode` call with every byte as an argument costs a third of a call into
 * Buffer's native slice (which pays a fixed C++ binding overhead per call); longer text goes native.
 */
export function readLatin1(buf: Uint8Array, start: number, end: number): string {
  const b = buf;
  const s = start;
  switch (end - start) {
    case 0: return '';
    case 1: return chars(b[s]!);
    case 2: return chars(b[s]!, b[s + 1]!);
    case 3: return chars(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    case 8: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!);
    case 9: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!);
    case 10: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!);
    case 11: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!);
    case 12: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!);
    case 13: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!);
    case 14: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!);
    case 15: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!);
    case 16: return chars(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!, b[s + 7]!, b[s + 8]!, b[s + 9]!, b[s + 10]!, b[s + 11]!, b[s + 12]!, b[s + 13]!, b[s + 14]!, b[s + 15]!);
    default: return sliceLatin1(buf, start, end);
  }
}

/** Write `text` (code points <= 255) at `offset`; returns bytes written. */
export const writeLatin1: (buf: Buffer, text: string, offset: number) => number =
  nativeWrite !== undefined
    ? (buf, text, offset) => nativeWrite.call(buf, text, offset, text.length)
    : (buf, text, offset) => buf.write(text, offset, text.length, 'latin1');
