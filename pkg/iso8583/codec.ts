/**
 * Message-level pack/unpack: MTI, bitmap(s), then each present data element in bitmap order. This is the hot
 * path: the data elements go through the walk generated for the spec (walk-generator.ts), which falls back
 * to each field's compiled FieldCodec for anything but the ordinary case; unpackDetailed (spans wanted) walks
 * the FieldCodecs themselves, as packWithFieldCodecs does for pack: the references the generated walk is
 * tested against. One reusable output buffer; bitmaps as 32-bit words. Unpack must consume the input exactly.
 */
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { MessagePlan } from './plan.ts';
import type { IsoFieldSpan, IsoFieldValue, IsoMessage } from './types.ts';
import { describeValue } from './encoding/text.ts';

/**
 * pack writes each message straight into a shared chunk and hands out a view of the bytes it wrote, the way
 * Buffer.allocUnsafe hands out slices of its pool: no copy out of a scratch buffer and no Buffer object per
 * message (together about 250 ns of a ~4 us round trip, bench/iso8583/README.md). Results never overlap:
 * each message starts where the previous one ended. A result's `.buffer` is the chunk, so readers honour
 * byteOffset/byteLength, as for any pooled Buffer; a retained result keeps its 8 KiB chunk alive, as a
 * pooled Buffer keeps Node's pool.
 */
const OUT_CHUNK = 8192;
/** A message starts on a fresh chunk when less than this is left (a message that outgrows it is copied out). */
const OUT_MIN_ROOM = 2048;
let outChunk = Buffer.allocUnsafeSlow(OUT_CHUNK);
let outUsed = 0;
/** pack's writer (pack is synchronous, so never shared by two calls at once); starts each call on outChunk. */
const out: Writer = { buf: outChunk, pos: 0 };
/** Bitmap words scratch for unpack and pack (both synchronous; neither calls the other). */
const unpackWords = new Uint32Array(6);
const packWords = new Uint32Array(6);

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
  // The fields object starts as a copy of one holding only the highest data element's key (its value is
  // overwritten when that field is decoded): its element storage is then sized once, instead of growing
  // (and being copied) as fields arrive in ascending order. Copying a template with object spread measured
  // about a third of the cost of storing that key into a new empty object. Integer keys enumerate in
  // ascending order whatever the insertion order.
  const highest = highestBit(words, maps * 2);
  const fields: Record<number, IsoFieldValue> = highest > 0 ? { ...presized(highest) } : {};
  if (spans === null) {
    // The fast path: the walk generated for this spec (walk-generator.ts).
    r.pos = plan.walk.unpackFields(buf, bitmapEnd, end, words, fields, r);
  } else {
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
  }
  if (r.pos !== end) {
    throw isoError(IsoErrorCode.EXTRA_BYTES, 'message', r.pos, `${end - r.pos} byte(s) left after the last field`);
  }
  return { mti, fields };
}

/** Per highest data element number n, an object whose only key is n (undefined): never handed out. */
const presizedFields: (Record<number, IsoFieldValue> | undefined)[] = new Array(193).fill(undefined);

function presized(n: number): Record<number, IsoFieldValue> {
  let template = presizedFields[n];
  if (template === undefined) {
    template = {};
    (template as Record<number, unknown>)[n] = undefined;
    presizedFields[n] = template;
  }
  return template;
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
  return packThrough(plan, message, plan.walk.checkKeys, plan.walk.packFields);
}

/**
 * pack through the field codecs one by one, without the generated walk: the reference the generated code
 * must agree with, byte for byte and error for error (walk-generator.test.ts). Which fields are present is
 * settled first (presence), then each is encoded.
 */
export function packWithFieldCodecs(plan: MessagePlan, message: IsoMessage): Uint8Array {
  return packThrough(
    plan,
    message,
    (fields) => plan.walk.presence(fields, packWords),
    (fields, words, w) => {
      for (let n = 1; n <= 192; n++) {
        const isBitmap = n === 1 || (n === 65 && plan.tertiary);
        if (!isBitmap && (words[(n - 1) >>> 5]! & (0x80000000 >>> ((n - 1) & 31))) !== 0) plan.fields[n]!.encode(fields[n], w);
      }
    },
  );
}

/** Throws for keys that cannot be data elements of the spec (before anything is written). */
type CheckKeys = (fields: Record<number, unknown>) => void;
/** Writes the fields present at w.pos and leaves their bits in words[] (continuation bits excluded). */
type WriteFields = (fields: Record<number, unknown>, words: Uint32Array, w: Writer) => void;

function packThrough(plan: MessagePlan, message: IsoMessage, checkKeys: CheckKeys, writeFields: WriteFields): Uint8Array {
  if (typeof message !== 'object' || message === null) {
    throw isoError(IsoErrorCode.BAD_VALUE, 'message', undefined, `expected { mti, fields }, got ${describeValue(message)}`);
  }
  const fields = message.fields as Record<string, unknown>;
  if (typeof fields !== 'object' || fields === null) {
    throw isoError(IsoErrorCode.BAD_VALUE, 'fields', undefined, `expected an object of fields, got ${describeValue(fields)}`);
  }
  checkKeys(fields);

  if (OUT_CHUNK - outUsed < OUT_MIN_ROOM) {
    outChunk = Buffer.allocUnsafeSlow(OUT_CHUNK);
    outUsed = 0;
  }
  // Layout: the MTI, room for as many bitmaps as the spec can have, then the fields. Which bitmaps are
  // needed is known once the fields are written; the bitmaps then go right before the fields and the MTI
  // right before them, so the message starts later in the room by the bitmaps left out (nothing is moved
  // but the MTI's few bytes).
  const mtiBytes = plan.mti.bytes;
  const bitmapBytes = plan.bitmap.bytes;
  const defined = plan.definedWords;
  const maxMaps = plan.tertiary ? 3 : (defined[2]! | defined[3]!) !== 0 ? 2 : 1;
  const w = out;
  w.buf = outChunk;
  const start = outUsed;
  w.pos = start;
  ensure(w, mtiBytes + maxMaps * bitmapBytes);
  plan.mti.encode(message.mti, w);
  w.pos = start + mtiBytes + maxMaps * bitmapBytes;
  const words = packWords;
  writeFields(fields, words, w);

  const highest = highestBit(words, 6);
  if (highest > 64) words[0] = (words[0]! | 0x80000000) >>> 0;
  if (highest > 128) words[2] = (words[2]! | 0x80000000) >>> 0;
  const maps = highest > 128 ? 3 : highest > 64 ? 2 : 1;
  const buf = w.buf;
  const messageStart = start + (maxMaps - maps) * bitmapBytes;
  // Backwards, in case a spec's MTI is longer than the shift.
  if (messageStart !== start) for (let i = mtiBytes - 1; i >= 0; i--) buf[messageStart + i] = buf[start + i]!;
  for (let m = 0; m < maps; m++) plan.bitmap.encode(words, m * 2, buf, messageStart + mtiBytes + m * bitmapBytes);

  const length = w.pos - messageStart;
  if (buf === outChunk) {
    // Keep the next message 8-byte aligned, as Buffer's pool does.
    outUsed = (w.pos + 7) & ~7;
    return new Uint8Array(outChunk.buffer, outChunk.byteOffset + messageStart, length);
  }
  // The message outgrew the chunk's room (ensure moved it to a bigger buffer): copy it out, and let the
  // next message start on a fresh chunk.
  outUsed = OUT_CHUNK;
  const result = new Uint8Array(length);
  result.set(buf.subarray(messageStart, w.pos));
  return result;
}
