/**
 * The ordinary case of EMV data (DE 55), decoded and encoded in one tight loop each: BER tags of one or two
 * bytes, short-form lengths (values under 128 bytes), binary values, constructed templates (decode only)
 * nested within MAX_TLV_DEPTH. The general walk in tlv.ts stays the reference: these functions give up
 * (undefined / false) at the first thing outside that case (a longer tag, a long-form length, a value running
 * past the end, a hex-string value, anything malformed), and the caller then runs the general walk over the
 * whole region, which handles it or names the error. So they never decide anything the general walk would
 * decide differently; tlv-emv.test.ts checks that on random and broken items.
 *
 * Why a separate loop: the general walk serves every TLV flavour (fixed tags, text values, spans for pretty
 * printers) and reaches its options, the reader and the writer through closures and objects on every item;
 * here the position and the output buffer stay in locals (measured in bench/iso8583/README.md).
 */
import { ONE_BYTE_TAGS, TAG_HEX_VALUE, twoByteTagText } from './ber.ts';
import { copyBytes } from './encoding/bytes.ts';
import { ensure, type Writer } from './io.ts';
import type { TlvValue } from './types.ts';

/**
 * Items of buf[start, end) at nesting level `depth` (1 = the field itself), or undefined when the region is
 * not entirely the ordinary case. Values are copies, as in the general walk.
 */
export function decodeEmvItems(buf: Uint8Array, start: number, end: number, depth: number, maxDepth: number): TlvValue[] | undefined {
  const items: TlvValue[] = [];
  let p = start;
  while (p < end) {
    const first = buf[p]!;
    let tag: string;
    if ((first & 0x1f) !== 0x1f) {
      tag = ONE_BYTE_TAGS[first]!;
      p += 1;
    } else {
      if (p + 1 >= end) return undefined;
      const second = buf[p + 1]!;
      if ((second & 0x80) !== 0) return undefined;
      tag = twoByteTagText(first, second);
      p += 2;
    }
    if (p >= end) return undefined;
    const length = buf[p]!;
    if (length >= 0x80) return undefined;
    const valueStart = p + 1;
    const valueEnd = valueStart + length;
    if (valueEnd > end) return undefined;
    let value: TlvValue['value'];
    if ((first & 0x20) !== 0) {
      // A constructed template: its items one level down (the general walk refuses level maxDepth + 1).
      if (depth >= maxDepth) return undefined;
      const inner = decodeEmvItems(buf, valueStart, valueEnd, depth + 1, maxDepth);
      if (inner === undefined) return undefined;
      value = inner;
    } else {
      if (length > 64) value = copyBytes(buf, valueStart, valueEnd);
      else {
        const bytes = new Uint8Array(length);
        for (let k = 0; k < length; k++) bytes[k] = buf[valueStart + k]!;
        value = bytes;
      }
    }
    items.push({ tag, value });
    p = valueEnd;
  }
  return items;
}

/**
 * Write `items` at w.pos when every one is a primitive item with a one- or two-byte tag (hex text, either
 * case) and a Uint8Array value under 128 bytes; returns false as soon as one is not, with w.pos wherever it
 * got to (the caller rewinds and runs the general encoder). Constructed templates go to the general encoder,
 * which needs their encoded length before their content.
 */
export function encodeEmvItems(items: unknown, w: Writer): boolean {
  if (!Array.isArray(items)) return false;
  let buf = w.buf;
  let p = w.pos;
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item !== 'object' || item === null) return false;
    const { tag, value } = item as { tag: unknown; value: unknown };
    if (typeof tag !== 'string' || !(value instanceof Uint8Array)) return false;
    const n = value.length;
    const tagChars = tag.length;
    if (n >= 0x80 || (tagChars !== 2 && tagChars !== 4)) return false;
    const c0 = tag.charCodeAt(0);
    const c1 = tag.charCodeAt(1);
    if ((c0 | c1) > 0xff) return false;
    const h0 = TAG_HEX_VALUE[c0]!;
    const l0 = TAG_HEX_VALUE[c1]!;
    if ((h0 | l0) === 0xff) return false;
    const first = (h0 << 4) | l0;
    // Constructed (bit 6): the general encoder nests it.
    if ((first & 0x20) !== 0) return false;
    if (p + 3 + n > buf.length) {
      w.pos = p;
      ensure(w, 3 + n);
      buf = w.buf;
    }
    if (tagChars === 2) {
      // A one-byte tag must not announce more bytes (low five bits all set).
      if ((first & 0x1f) === 0x1f) return false;
      buf[p++] = first;
    } else {
      const c2 = tag.charCodeAt(2);
      const c3 = tag.charCodeAt(3);
      if ((first & 0x1f) !== 0x1f || (c2 | c3) > 0xff) return false;
      const h1 = TAG_HEX_VALUE[c2]!;
      const l1 = TAG_HEX_VALUE[c3]!;
      if ((h1 | l1) === 0xff) return false;
      const second = (h1 << 4) | l1;
      // A second byte with bit 8 set would announce a third.
      if ((second & 0x80) !== 0) return false;
      buf[p++] = first;
      buf[p++] = second;
    }
    buf[p++] = n;
    for (let k = 0; k < n; k++) buf[p + k] = value[k]!;
    p += n;
  }
  w.pos = p;
  return true;
}
