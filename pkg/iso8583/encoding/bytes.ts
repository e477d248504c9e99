/**
 * Private copies of byte ranges, for binary field values and TLV values (values never alias the input).
 * V8 keeps typed arrays of up to 64 bytes on the JS heap, where allocating one is cheap; a larger one gets
 * its own off-heap ArrayBuffer, which costs several times more. Larger copies are therefore carved out of
 * shared 8 KiB chunks, as Buffer.allocUnsafe does for small Buffers: such a value's `.buffer` is the chunk,
 * so readers must honour byteOffset/byteLength (as for any Buffer).
 */

const ON_HEAP_MAX = 64;
const CHUNK_BYTES = 8192;
/** Copies larger than this get an ArrayBuffer of their own (a chunk would be mostly wasted). */
const POOLED_MAX = CHUNK_BYTES >>> 1;

let chunk = new ArrayBuffer(CHUNK_BYTES);
let chunkUsed = 0;

/** A new, zero-filled or about-to-be-filled Uint8Array of `n` bytes that nothing else refers to. */
export function allocBytes(n: number): Uint8Array {
  if (n <= ON_HEAP_MAX || n > POOLED_MAX) return new Uint8Array(n);
  if (chunkUsed + n > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    chunkUsed = 0;
  }
  const bytes = new Uint8Array(chunk, chunkUsed, n);
  // Keep the next copy 8-byte aligned, as Buffer's pool does.
  chunkUsed = (chunkUsed + n + 7) & ~7;
  return bytes;
}

/** buf[start, end) copied into a Uint8Array of its own. */
export function copyBytes(buf: Uint8Array, start: number, end: number): Uint8Array {
  const n = end - start;
  const out = allocBytes(n);
  if (n > ON_HEAP_MAX) out.set(buf.subarray(start, end));
  else for (let i = 0; i < n; i++) out[i] = buf[start + i]!;
  return out;
}
