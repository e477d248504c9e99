/**
 * The two cursors the codec threads through a message: a Reader over the input bytes and a Writer that
 * grows one reusable buffer. Both are plain mutable objects so field codecs advance a position without
 * allocating result tuples. A Reader never reads past its `end`; a Writer never hands out its scratch
 * buffer (pack copies the result out).
 */
import type { IsoFieldSpan } from './types.ts';

export interface Reader {
  /** A plain Uint8Array is enough: the codec reads bytes and never needs Buffer's methods. */
  buf: Uint8Array;
  pos: number;
  /** When non-null, codecs record where each field sits (unpackDetailed); null on the fast path. */
  spans: IsoFieldSpan[] | null;
}

export interface Writer {
  buf: Buffer;
  pos: number;
}

/** Make room for `n` more bytes at w.pos. */
export function ensure(w: Writer, n: number): void {
  const need = w.pos + n;
  if (need <= w.buf.length) return;
  let size = Math.max(256, w.buf.length * 2);
  while (size < need) size *= 2;
  const bigger = Buffer.allocUnsafe(size);
  w.buf.copy(bigger, 0, 0, w.pos);
  w.buf = bigger;
}
