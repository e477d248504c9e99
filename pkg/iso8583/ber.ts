/**
 * BER tags as the TLV codec sees them: their upper-case hex text, read from bytes through tables (no string
 * building per item) and written back from text without a lookup. Shared by the general TLV walk (tlv.ts)
 * and its EMV fast path (tlv-emv.ts).
 */
/** Upper-case hex text of every one-byte tag. */
export const ONE_BYTE_TAGS: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).toUpperCase().padStart(2, '0'));

/**
 * Upper-case hex text of two-byte tags, one row of 256 per first byte, made when a first byte is first seen
 * (BER allows only the 8 first bytes whose low five bits are all set, so at most 2048 strings).
 */
const TWO_BYTE_TAGS: (readonly string[] | undefined)[] = new Array(256).fill(undefined);

export function twoByteTagText(first: number, second: number): string {
  let row = TWO_BYTE_TAGS[first];
  if (row === undefined) {
    const head = ONE_BYTE_TAGS[first]!;
    row = ONE_BYTE_TAGS.map((tail) => head + tail);
    TWO_BYTE_TAGS[first] = row;
  }
  return row[second]!;
}

/** Hex digit (either case) -> its value, 0xff for anything else; tags are parsed case-insensitively. */
const TAG_HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(0xff);
  for (let i = 0; i < 16; i++) {
    t['0123456789ABCDEF'.charCodeAt(i)] = i;
    t['0123456789abcdef'.charCodeAt(i)] = i;
  }
  return t;
})();

/** shortBerTag's mark of a two-byte tag (above any one-byte value). */
export const TWO_BYTE_TAG = 0x10000;

/**
 * The bytes of `tag` when it is the hex text (either case) of a well-formed one- or two-byte BER tag: the
 * byte itself (0..0xff), or TWO_BYTE_TAG | first << 8 | second; -1 for anything else (then the general
 * parser decides, and names the error).
 */
export function shortBerTag(tag: string): number {
  const n = tag.length;
  if (n !== 2 && n !== 4) return -1;
  const c0 = tag.charCodeAt(0);
  const c1 = tag.charCodeAt(1);
  if ((c0 | c1) > 0xff) return -1;
  const h0 = TAG_HEX_VALUE[c0]!;
  const l0 = TAG_HEX_VALUE[c1]!;
  if ((h0 | l0) === 0xff) return -1;
  const first = (h0 << 4) | l0;
  // Low five bits all set announce a second byte, which a one-byte tag must not and a two-byte tag must.
  const multiByte = (first & 0x1f) === 0x1f;
  if (n === 2) return multiByte ? -1 : first;
  const c2 = tag.charCodeAt(2);
  const c3 = tag.charCodeAt(3);
  if (!multiByte || (c2 | c3) > 0xff) return -1;
  const h1 = TAG_HEX_VALUE[c2]!;
  const l1 = TAG_HEX_VALUE[c3]!;
  if ((h1 | l1) === 0xff) return -1;
  const second = (h1 << 4) | l1;
  // Bit 8 set would announce a third tag byte.
  if ((second & 0x80) !== 0) return -1;
  return TWO_BYTE_TAG | (first << 8) | second;
}

/**
 * Write `tag` at buf[pos] when it is the hex text of a well-formed one- or two-byte BER tag; returns the
 * bytes written, or 0 when it is anything else (then the general parser decides, and names the error).
 */
export function writeShortBerTag(tag: string, buf: Buffer, pos: number): number {
  const bytes = shortBerTag(tag);
  if (bytes < 0) return 0;
  if (bytes < TWO_BYTE_TAG) {
    buf[pos] = bytes;
    return 1;
  }
  buf[pos] = (bytes >> 8) & 0xff;
  buf[pos + 1] = bytes & 0xff;
  return 2;
}

/** A BER tag: one byte, or a first byte with low bits 11111 then bytes with bit 8 set except the last. */
export function isBerTag(bytes: Uint8Array): boolean {
  if ((bytes[0]! & 0x1f) !== 0x1f) return bytes.length === 1;
  if (bytes.length < 2 || bytes.length > 4) return false;
  for (let i = 1; i < bytes.length; i++) {
    const last = i === bytes.length - 1;
    if (((bytes[i]! & 0x80) !== 0) === last) return false;
  }
  return true;
}
