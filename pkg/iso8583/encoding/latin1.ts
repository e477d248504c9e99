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

/** buf[start, end) as a Latin-1 string (ASCII is a subset). */
export const readLatin1: (buf: Buffer, start: number, end: number) => string = hasFast
  ? (buf, start, end) => (buf as FastLatin1Buffer).latin1Slice(start, end)
  : (buf, start, end) => buf.toString('latin1', start, end);

/** Write `text` (code points <= 255) at `offset`; returns bytes written. */
export const writeLatin1: (buf: Buffer, text: string, offset: number) => number = hasFast
  ? (buf, text, offset) => (buf as FastLatin1Buffer).latin1Write(text, offset, text.length)
  : (buf, text, offset) => buf.write(text, offset, text.length, 'latin1');
