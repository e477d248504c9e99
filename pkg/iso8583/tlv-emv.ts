/**
 * The ordinary case of EMV data (DE 55), decoded and encoded in one tight loop each: BER tags of one or two
 * bytes, short-form lengths (values under 128 bytes), binary values, constructed templates (decode only)
 * nested within MAX_TLV_DEPTH; carried as raw bytes (binary specs) or as upper-case hex text (ASCII specs,
 * `hex`: read and written in the same pass, without a scratch copy of the decoded bytes).
 * The general walk in tlv.ts (behind the field's hex decoding in field.ts) stays the reference: these
 * functions give up (undefined / false) at the first thing outside that case (a longer tag, a long-form
 * length, a value running past the end, a hex-string value, a character that is not a hex digit, anything
 * malformed), and the caller then runs the general walk over the whole region, which handles it or names
 * the error. So they never decide anything the general walk would decide differently; tlv-emv.test.ts
 * checks that on random and broken items.
 *
 * Why a separate loop: the general walk serves every TLV flavour (fixed tags, text values, spans for pretty
 * printers) and reaches its options, the reader and the writer through closures and objects on every item;
 * here the position and the output buffer stay in locals (measured in bench/iso8583/README.md).
 */
import * as ber from './ber.ts';
import { HEX_TABLES } from './encoding/binary.ts';
import { allocBytes } from './encoding/bytes.ts';
import { ensure, type Writer } from './io.ts';
import type { TlvValue } from './types.ts';

// Module-level copies of what the loops below read on every item or byte: an imported binding is read
// through a cell on every use (see HEX_TABLES in encoding/binary.ts).
const ONE_BYTE_TAGS = ber.ONE_BYTE_TAGS;
const twoByteTagText = ber.twoByteTagText;
const shortBerTag = ber.shortBerTag;
const TWO_BYTE_TAG = ber.TWO_BYTE_TAG;
const HEX_VALUE = HEX_TABLES.value;
const HEX_DIGIT_PAIR = HEX_TABLES.digitPair;

/** Upper-case hex digit -> its value shifted to the high nibble; 0x1000 for anything else. */
const HEX_HIGH = Uint16Array.from(HEX_VALUE, (v) => (v === 0xff ? 0x1000 : v << 4));
/** Upper-case hex digit -> its value; 0x100 for anything else. So HEX_HIGH | HEX_LOW > 0xff flags a bad pair. */
const HEX_LOW = Uint16Array.from(HEX_VALUE, (v) => (v === 0xff ? 0x100 : v));

/**
 * Items of buf[start, end) at nesting level `depth` (1 = the field itself), or undefined when the region is
 * not entirely the ordinary case. With `hex`, the region is hex text (two characters a byte, offsets count
 * characters). Values are new arrays, as in the general walk.
 */
export function decodeEmvItems(buf: Uint8Array, start: number, end: number, depth: number, maxDepth: number, hex: boolean): TlvValue[] | undefined {
  const unit = hex ? 2 : 1;
  const items: TlvValue[] = [];
  let p = start;
  while (p < end) {
    // Bytes read below may be > 0xff: a bad hex pair, which every range check below turns away.
    const first = hex ? HEX_HIGH[buf[p]!]! | HEX_LOW[buf[p + 1]!]! : buf[p]!;
    if (first > 0xff) return undefined;
    let tag: string;
    if ((first & 0x1f) !== 0x1f) {
      tag = ONE_BYTE_TAGS[first]!;
      p += unit;
    } else {
      if (p + unit >= end) return undefined;
      const second = hex ? HEX_HIGH[buf[p + 2]!]! | HEX_LOW[buf[p + 3]!]! : buf[p + 1]!;
      // Bit 8 set would announce a third tag byte.
      if (second > 0x7f) return undefined;
      tag = twoByteTagText(first, second);
      p += 2 * unit;
    }
    if (p >= end) return undefined;
    const length = hex ? HEX_HIGH[buf[p]!]! | HEX_LOW[buf[p + 1]!]! : buf[p]!;
    if (length > 0x7f) return undefined;
    const valueStart = p + unit;
    const valueEnd = valueStart + length * unit;
    if (valueEnd > end) return undefined;
    let value: TlvValue['value'];
    if ((first & 0x20) !== 0) {
      // A constructed template: its items one level down (the general walk refuses level maxDepth + 1).
      if (depth >= maxDepth) return undefined;
      const inner = decodeEmvItems(buf, valueStart, valueEnd, depth + 1, maxDepth, hex);
      if (inner === undefined) return undefined;
      value = inner;
    } else {
      const bytes = length > 64 ? allocBytes(length) : new Uint8Array(length);
      if (hex) {
        let pair = 0;
        for (let k = 0, q = valueStart; k < length; k++, q += 2) {
          const byte = HEX_HIGH[buf[q]!]! | HEX_LOW[buf[q + 1]!]!;
          pair |= byte;
          bytes[k] = byte;
        }
        if (pair > 0xff) return undefined;
      } else {
        for (let k = 0; k < length; k++) bytes[k] = buf[valueStart + k]!;
      }
      value = bytes;
    }
    items.push({ tag, value });
    p = valueEnd;
  }
  return items;
}

/**
 * Write `items` at w.pos (as hex text with `hex`) when every one is a primitive item with a one- or
 * two-byte tag (hex text, either case) and a Uint8Array value under 128 bytes; returns false as soon as one
 * is not, with w.pos wherever it got to (the caller rewinds and runs the general encoder). Constructed
 * templates go to the general encoder, which needs their encoded length before their content.
 */
export function encodeEmvItems(items: unknown, w: Writer, hex: boolean): boolean {
  if (!Array.isArray(items)) return false;
  const unit = hex ? 2 : 1;
  let buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null) return false;
    const { tag, value } = item as { tag: unknown; value: unknown };
    if (typeof tag !== 'string' || !(value instanceof Uint8Array)) return false;
    const n = value.length;
    if (n >= 0x80) return false;
    const tagBytes = shortBerTag(tag);
    if (tagBytes < 0) return false;
    const first = tagBytes < TWO_BYTE_TAG ? tagBytes : (tagBytes >> 8) & 0xff;
    const second = tagBytes < TWO_BYTE_TAG ? -1 : tagBytes & 0xff;
    // Constructed (bit 6): the general encoder nests it.
    if ((first & 0x20) !== 0) return false;
    const room = (3 + n) * unit;
    if (p + room > buf.length) {
      w.pos = p;
      ensure(w, room);
      buf = w.buf;
    }
    if (hex) {
      p = writeHexByte(buf, p, first);
      if (second >= 0) p = writeHexByte(buf, p, second);
      p = writeHexByte(buf, p, n);
      for (let k = 0; k < n; k++) p = writeHexByte(buf, p, value[k]!);
    } else {
      buf[p++] = first;
      if (second >= 0) buf[p++] = second;
      buf[p++] = n;
      for (let k = 0; k < n; k++) buf[p + k] = value[k]!;
      p += n;
    }
  }
  w.pos = p;
  return true;
}

/** Write `byte` as two upper-case hex digits at buf[p]; returns the offset after them. */
function writeHexByte(buf: Uint8Array, p: number, byte: number): number {
  const pair = HEX_DIGIT_PAIR[byte]!;
  buf[p] = pair >> 8;
  buf[p + 1] = pair & 0xff;
  return p + 2;
}
