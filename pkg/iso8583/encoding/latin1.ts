/**
 * Fast Latin-1 string <-> bytes helpers. Node's Buffer has undocumented-but-stable `latin1Slice` /
 * `latin1Write` methods that skip the argument normalisation of `toString('latin1', …)`/`write(…)`; they
 * are used when present and the public methods otherwise. Callers validate characters first: these never
 * check anything.
 */

interface FastLatin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(text: string, offset: number, length: number): number;
}

const proto = Buffer.prototype as Partial<FastLatin1Buffer>;
const hasFast = typeof proto.latin1Slice === 'function' && typeof proto.latin1Write === 'function';

const sliceLatin1: (buf: Buffer, start: number, end: number) => string = hasFast
  ? (buf, start, end) => (buf as FastLatin1Buffer).latin1Slice(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);

const chars = String.fromCharCode;

/**
 * buf[start, end) as a Latin-1 string (ASCII is a subset). Most ISO 8583 fields are a few characters long,
 * and for those one `String.fromCharCode` call with every byte as an argument costs a third of a call into
 * Buffer's native slice (which pays a fixed C++ binding overhead per call); longer text goes native.
 */
export function readLatin1(buf: Buffer, start: number, end: number): string {
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
export const writeLatin1: (buf: Buffer, text: string, offset: number) => number = hasFast
  ? (buf, text, offset) => (buf as FastLatin1Buffer).latin1Write(text, offset, text.length)
  : (buf, text, offset) => buf.write(text, offset, text.length, 'latin1');
