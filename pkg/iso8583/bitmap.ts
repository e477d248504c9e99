/**
 * Bitmaps: 64 presence bits written as 8 raw bytes, 16 ASCII hex digits or 16 EBCDIC hex digits. A bitmap
 * is held as two 32-bit words (bit 1 = most significant bit of the first word) so presence tests and the
 * walk over set bits are integer operations. Used for the message bitmaps and for nested ones (DE 127).
 * Hex digits on the wire must be upper case (what every packer writes), so a round trip stays byte-exact.
 */
import { IsoErrorCode, isoError } from './errors.ts';
import type { BitmapCodec } from './plan.ts';

const ASCII_HEX = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
const EBCDIC_HEX = Uint8Array.from([0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6]);

function reverse(digits: Uint8Array): Uint8Array {
  const t = new Uint8Array(256).fill(0xff);
  digits.forEach((code, value) => {
    t[code] = value;
  });
  return t;
}

export const binaryBitmap: BitmapCodec = {
  bytes: 8,
  decode(buf, pos, words, at) {
    words[at] = ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
    words[at + 1] = ((buf[pos + 4]! << 24) | (buf[pos + 5]! << 16) | (buf[pos + 6]! << 8) | buf[pos + 7]!) >>> 0;
  },
  encode(words, at, buf, pos) {
    buf.writeUInt32BE(words[at]!, pos);
    buf.writeUInt32BE(words[at + 1]!, pos + 4);
  },
};

function hexBitmap(digits: Uint8Array, name: string): BitmapCodec {
  const values = reverse(digits);
  const refuse = (buf: Uint8Array, from: number, label: string): never => {
    let p = from;
    while (values[buf[p]!] !== 0xff) p++;
    throw isoError(
      IsoErrorCode.BAD_BITMAP,
      label,
      p,
      `byte 0x${buf[p]!.toString(16).toUpperCase().padStart(2, '0')} is not an upper-case ${name} hex digit`,
    );
  };
  // Eight digits per word written out, checked together (a bad digit maps to 0xff, so the OR of the eight
  // goes above 15) instead of a branch per digit; the first bad one is looked for only to name it.
  const word = (buf: Uint8Array, p: number, label: string): number => {
    const d0 = values[buf[p]!]!;
    const d1 = values[buf[p + 1]!]!;
    const d2 = values[buf[p + 2]!]!;
    const d3 = values[buf[p + 3]!]!;
    const d4 = values[buf[p + 4]!]!;
    const d5 = values[buf[p + 5]!]!;
    const d6 = values[buf[p + 6]!]!;
    const d7 = values[buf[p + 7]!]!;
    if ((d0 | d1 | d2 | d3 | d4 | d5 | d6 | d7) > 15) refuse(buf, p, label);
    return ((d0 << 28) | (d1 << 24) | (d2 << 20) | (d3 << 16) | (d4 << 12) | (d5 << 8) | (d6 << 4) | d7) >>> 0;
  };
  const put = (x: number, buf: Buffer, p: number): void => {
    buf[p] = digits[x >>> 28]!;
    buf[p + 1] = digits[(x >>> 24) & 15]!;
    buf[p + 2] = digits[(x >>> 20) & 15]!;
    buf[p + 3] = digits[(x >>> 16) & 15]!;
    buf[p + 4] = digits[(x >>> 12) & 15]!;
    buf[p + 5] = digits[(x >>> 8) & 15]!;
    buf[p + 6] = digits[(x >>> 4) & 15]!;
    buf[p + 7] = digits[x & 15]!;
  };
  return {
    bytes: 16,
    decode(buf, pos, words, at, label) {
      words[at] = word(buf, pos, label);
      words[at + 1] = word(buf, pos + 8, label);
    },
    encode(words, at, buf, pos) {
      put(words[at]!, buf, pos);
      put(words[at + 1]!, buf, pos + 8);
    },
  };
}

export const asciiHexBitmap = hexBitmap(ASCII_HEX, 'ASCII');
export const ebcdicHexBitmap = hexBitmap(EBCDIC_HEX, 'EBCDIC');

/** Bitmap codec for a spec's `bitmap.encoding`. */
export function bitmapCodec(encoding: 'binary' | 'hex' | 'ebcdic-hex'): BitmapCodec {
  if (encoding === 'binary') return binaryBitmap;
  return encoding === 'hex' ? asciiHexBitmap : ebcdicHexBitmap;
}

/** Set bit `n` (1-based within the whole word array). */
export function setBit(words: Uint32Array, n: number): void {
  const i = (n - 1) >>> 5;
  words[i] = (words[i]! | (0x80000000 >>> ((n - 1) & 31))) >>> 0;
}
