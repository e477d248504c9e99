/**
 * Message-level pack/unpack: MTI, bitmap(s), then each present data element through its compiled
 * FieldCodec, in bitmap order. This is the hot path: no per-field lookups by name, one reusable output
 * buffer, bitmaps as 32-bit words walked with clz32. Unpack must consume the input exactly.
 */
import { setBit } from './bitmap.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { MessagePlan } from './plan.ts';
import type { IsoFieldSpan, IsoFieldValue, IsoMessage } from './types.ts';
import { describeValue } from './encoding/text.ts';

/** Reused across pack calls (pack is synchronous, so never shared by two calls at once). */
const out: Writer = { buf: Buffer.allocUnsafe(8192), pos: 0 };
/** Bitmap words scratch for unpack and pack (both synchronous; neither calls the other). */
const unpackWords = new Uint32Array(6);
const packWords = new Uint32Array(6);
/** Data element numbers present in the message being packed, ascending (pack scratch). */
const packPresent = new Uint8Array(192);

export function unpackWith(plan: MessagePlan, bytes: Uint8Array, spans: IsoFieldSpan[] | null): IsoMessage {
  const buf = bytes;
  const end = buf.length;
  const r: Reader = { buf, pos: 0, spans };
  const mtiBytes = plan.mti.bytes;
  if (end < mtiBytes) throw isoError(IsoErrorCode.TRUNCATED, 'mti', 0, `message needs ${mtiBytes} MTI byte(s), has ${end}`);
  const mti = plan.mti.decode(buf, 0);
  spans?.push({ label: 'mti', field: undefined, path: [], start: 0, dataStart: 0, end: mtiBytes, depth: 0, description: 'Message type indicator' });

  const bitmap = plan.bitmap;
  const words = unpackWords;
  for (let i = 0; i < 6; i++) words[i] = 0;
  let pos = mtiBytes;
  let maps = 0;
  // Primary, then secondary when bit 1 is set, then tertiary when the spec has one and bit 65 is set.
  for (;;) {
    const label = maps === 0 ? 'bitmap' : maps === 1 ? 'secondary bitmap' : 'tertiary bitmap';
    if (pos + bitmap.bytes > end) {
      throw isoError(IsoErrorCode.TRUNCATED, label, pos, `${label} needs ${bitmap.bytes} byte(s), ${end - pos} left`);
    }
    bitmap.decode(buf, pos, words, maps * 2, label);
    if (maps > 0 && words[maps * 2] === 0 && words[maps * 2 + 1] === 0) {
      // pack never writes an empty continuation bitmap, so accepting one would break byte-exact round trips.
      throw isoError(IsoErrorCode.BAD_BITMAP, label, pos, `the ${label} is announced but has no bit set`);
    }
    spans?.push({ label, field: undefined, path: [], start: pos, dataStart: pos, end: pos + bitmap.bytes, depth: 0, description: label });
    pos += bitmap.bytes;
    maps++;
    const continues = (words[(maps - 1) * 2]! & 0x80000000) !== 0;
    if (!continues || maps === 3 || (maps === 2 && !plan.tertiary)) break;
  }
  const bitmapEnd = pos;
  // Every set bit must name a defined field (bit 1 / bit 65 are the bitmap continuation bits).
  for (let i = 0; i < maps * 2; i++) {
    const stray = words[i]! & ~plan.definedWords[i]!;
    if (stray !== 0) {
      const n = i * 32 + Math.clz32(stray) + 1;
      throw isoError(IsoErrorCode.UNDEFINED_FIELD, `DE ${n}`, mtiBytes, `bitmap bit ${n} is set but the spec defines no DE ${n}`);
    }
  }
  r.pos = bitmapEnd;
  const fields: Record<number, IsoFieldValue> = {};
  // Claim the highest data element's slot first, so the object's element storage is sized once instead of
  // growing (and being copied) several times as fields arrive in ascending order. Integer keys enumerate in
  // ascending order whatever the insertion order, and the placeholder is overwritten by that field's value.
  const highest = highestBit(words, maps * 2);
  if (highest > 0) (fields as Record<number, unknown>)[highest] = undefined;
  const codecs = plan.fields;
  for (let i = 0; i < maps * 2; i++) {
    let word = words[i]!;
    // Skip the continuation bits (1, and 65 with a tertiary bitmap).
    if ((i === 0 || (i === 2 && plan.tertiary)) && (word & 0x80000000) !== 0) word = (word & 0x7fffffff) >>> 0;
    while (word !== 0) {
      const lz = Math.clz32(word);
      word = (word & ~(0x80000000 >>> lz)) >>> 0;
      const n = i * 32 + lz + 1;
      fields[n] = codecs[n]!.decode(r, end);
    }
  }
  if (r.pos !== end) {
    throw isoError(IsoErrorCode.EXTRA_BYTES, 'message', r.pos, `${end - r.pos} byte(s) left after the last field`);
  }
  return { mti, fields };
}

/** Number (1-based) of the last set bit in words[0, count), or 0 when none is set. */
function highestBit(words: Uint32Array, count: number): number {
  for (let i = count - 1; i >= 0; i--) {
    const word = words[i]!;
    if (word !== 0) return i * 32 + Math.clz32(word & -word) + 1;
  }
  return 0;
}

export function packWith(plan: MessagePlan, message: IsoMessage): Uint8Array {
  if (typeof message !== 'object' || message === null) {
    throw isoError(IsoErrorCode.BAD_VALUE, 'message', undefined, `expected { mti, fields }, got ${describeValue(message)}`);
  }
  const fields = message.fields as Record<string, unknown>;
  if (typeof fields !== 'object' || fields === null) {
    throw isoError(IsoErrorCode.BAD_VALUE, 'fields', undefined, `expected an object of fields, got ${describeValue(fields)}`);
  }
  const words = packWords;
  for (let i = 0; i < 6; i++) words[i] = 0;
  const present = packPresent;
  let count = 0;
  // Scan every possible data element number rather than enumerating the object's keys: for-in over integer
  // keys costs about a microsecond per message, an indexed probe of all 192 numbers a fraction of that.
  // Keys that cannot be data element numbers (not an integer 1..192) are never looked at. The numbers found
  // come out ascending, which is the order they are packed in.
  const codecs = plan.fields;
  for (let n = 1; n <= 192; n++) {
    if (fields[n] === undefined) continue;
    if (codecs[n] === undefined) {
      const why =
        n === 1 || (n === 65 && plan.tertiary)
          ? `DE ${n} is a bitmap; bitmaps are derived from the fields present, leave it out`
          : 'the spec defines no such field';
      throw isoError(IsoErrorCode.UNDEFINED_FIELD, `DE ${n}`, undefined, why);
    }
    setBit(words, n);
    present[count++] = n;
  }
  const highest = count === 0 ? 0 : present[count - 1]!;
  if (highest > 64) words[0] = (words[0]! | 0x80000000) >>> 0;
  if (highest > 128) words[2] = (words[2]! | 0x80000000) >>> 0;
  const maps = highest > 128 ? 3 : highest > 64 ? 2 : 1;

  const w = out;
  w.pos = 0;
  ensure(w, plan.mti.bytes + maps * plan.bitmap.bytes);
  plan.mti.encode(message.mti, w);
  for (let m = 0; m < maps; m++) {
    plan.bitmap.encode(words, m * 2, w.buf, w.pos);
    w.pos += plan.bitmap.bytes;
  }
  for (let i = 0; i < count; i++) {
    const n = present[i]!;
    codecs[n]!.encode(fields[n], w);
  }
  const result = Buffer.allocUnsafe(w.pos);
  w.buf.copy(result, 0, 0, w.pos);
  return result;
}
