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
export const TAG_HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(0xff);
  for (let i = 0; i < 16; i++) {
    t['0123456789ABCDEF'.charCodeAt(i)] = i;
    t['0123456789abcdef'.charCodeAt(i)] = i;
  }
  return t;
})();

/**
 * Write `tag` at buf[pos] when it is the hex text of a well-formed one- or two-byte BER tag; returns the
 * bytes written, or 0 when it is anything else (then the general parser decides, and names the error).
 */
export function writeShortBerTag(tag: string, buf: Buffer, pos: number): number {
  const n = tag.length;
  if (n !== 2 && n !== 4) return 0;
  const c0 = tag.charCodeAt(0);
  const c1 = tag.charCodeAt(1);
  if (c0 > 0xff || c1 > 0xff) return 0;
  const h0 = TAG_HEX_VALUE[c0]!;
  const l0 = TAG_HEX_VALUE[c1]!;
  if ((h0 | l0) === 0xff) return 0;
  const first = (h0 << 4) | l0;
  const multiByte = (first & 0x1f) === 0x1f;
  if (n === 2) {
    if (multiByte) return 0;
    buf[pos] = first;
    return 1;
  }
  const c2 = tag.charCodeAt(2);
  const c3 = tag.charCodeAt(3);
  if (!multiByte || c2 > 0xff || c3 > 0xff) return 0;
  const h1 = TAG_HEX_VALUE[c2]!;
  const l1 = TAG_HEX_VALUE[c3]!;
  if ((h1 | l1) === 0xff) return 0;
  const second = (h1 << 4) | l1;
  if ((second & 0x80) !== 0) return 0;
  buf[pos] = first;
  buf[pos + 1] = second;
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
