/**
 * Long ASCII text whose character set is one range of code points (type n: '0'-'9', ans: ' '-'~', or
 * type any: every byte): checked four bytes at a time on unpack (not at all for any), and written on pack
 * by Buffer's native Latin-1 copy then checked in place. Short fields are cheaper through the
 * per-character loops of the generated walk; these pay off from a few dozen characters (a 510-character
 * ans field: check 333 -> 180 ns, pack 1010 -> 283 ns on this machine's Node 20; bench/iso8583/README.md).
 * Only the generated walk (walk-generator.ts) calls them, on fields whose set textRangeOf() finds to be
 * one range.
 */
import { writeLatin1 } from './latin1.ts';

/**
 * The allowed bytes as one range [lo, hi]: within 0x00-0x7F, or every byte (0x00-0xFF, type `any`, which
 * needs no check at all); undefined when they are neither.
 */
export function textRangeOf(allowed: Uint8Array): { lo: number; hi: number } | undefined {
  const lo = allowed.indexOf(1);
  if (lo === -1) return undefined;
  let hi = lo;
  while (hi + 1 < 256 && allowed[hi + 1] === 1) hi++;
  if (allowed.indexOf(1, hi + 1) !== -1) return undefined;
  if (hi > 0x7f && !(lo === 0 && hi === 0xff)) return undefined;
  return { lo, hi };
}

let viewBuffer: ArrayBufferLike | undefined;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * 1 when every byte of b[s, e) lies in [lo, hi] (a range within ASCII: 0 <= lo <= hi <= 0x7f), else 0.
 * Per 32-bit word: no byte has its top bit set (all ASCII), none borrows when lo is taken from it (>= lo),
 * and none reaches the top bit when 0x7f - hi is added to it (<= hi). A borrow that crosses into the next
 * byte only happens after a byte already failed, so it cannot hide one. The DataView spans the whole
 * ArrayBuffer and is kept while buffers come from the same one (Node's pooled Buffers share theirs).
 */
export function bytesInRange(b: Uint8Array, s: number, e: number, lo: number, hi: number): number {
  if (viewBuffer !== b.buffer) {
    view = new DataView(b.buffer);
    viewBuffer = b.buffer;
  }
  const below = lo * 0x01010101;
  const above = (0x7f - hi) * 0x01010101;
  const base = b.byteOffset;
  let flags = 0;
  let i = s;
  for (; i + 3 < e; i += 4) {
    const w = view.getUint32(base + i, true);
    flags |= w | (w - below) | (w + above);
  }
  for (; i < e; i++) {
    const c = b[i]!;
    flags |= (c - lo) | (hi - c);
  }
  // The word flags live in each byte's top bit; a tail byte out of range made its flag negative.
  return (flags & 0x80808080) === 0 ? 1 : 0;
}

/**
 * Writes ASCII `text` at out[s] (room ensured by the caller) and returns 1 when every character lies in
 * [lo, hi] (a range of textRangeOf), else 0, in which case the bytes written are to be overwritten: the
 * caller's per-character loop then finds the character, or accepts it when the range is every byte. A
 * character above 0x7f is never copied here (the Latin-1 copy would truncate one above 0xff), so text
 * whose UTF-8 length differs from its length (it holds such a character) is left to that loop.
 */
export function writeAsciiInRange(out: Buffer, text: string, s: number, lo: number, hi: number): number {
  if (Buffer.byteLength(text, 'utf8') !== text.length) return 0;
  writeLatin1(out, text, s);
  return hi > 0x7f ? 1 : bytesInRange(out, s, s + text.length, lo, hi);
}
