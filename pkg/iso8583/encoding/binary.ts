/**
 * Binary field encodings for type `b`: raw bytes, or the same bytes written as upper-case ASCII hex digits
 * (jPOS IFA_BINARY, pyiso8583's hex-string ASCII fields). Values are Uint8Array; pack also takes an
 * even-length hex string. Lower-case hex on the wire is rejected because it could not re-pack byte-exact.
 */
import { IsoErrorCode, isoError } from '../errors.ts';
import type { Writer } from '../io.ts';
import { allocBytes, copyBytes } from './bytes.ts';
import type { DataCodec } from './codec.ts';
import { describeValue } from './text.ts';

/** ASCII code -> nibble for 0-9 A-F, 0xff otherwise (lower case deliberately invalid). */
const HEX_VALUE = (() => {
  const t = new Uint8Array(256).fill(0xff);
  for (let i = 0; i < 10; i++) t[0x30 + i] = i;
  for (let i = 0; i < 6; i++) t[0x41 + i] = 10 + i;
  return t;
})();
const HEX_DIGIT = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
/**
 * Two hex digit bytes (first << 8 | second) -> the byte they spell, 0x100 when either is not an upper-case
 * hex digit. 128 KiB, but a valid pair touches only 16 rows x 23 entries (~2 KiB of cache), and the index
 * of two byte reads is known to be in range, so the load needs no bounds check.
 */
const HEX_PAIR_VALUE = (() => {
  const t = new Uint16Array(65536).fill(0x100);
  const digits = '0123456789ABCDEF';
  for (let h = 0; h < 16; h++) for (let l = 0; l < 16; l++) t[(digits.charCodeAt(h) << 8) | digits.charCodeAt(l)] = (h << 4) | l;
  return t;
})();

/** Parse a hex string (either case) into bytes, or undefined if it is not one. */
export function parseHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function prepareBytes(value: unknown, label: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') {
    const bytes = parseHex(value);
    if (bytes !== undefined) return bytes;
    throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, 'a binary field takes bytes or an even-length hex string');
  }
  throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected bytes, got ${describeValue(value)}`);
}

export const binaryCodec: DataCodec = {
  wireBytes: (units) => units,
  unitsIn: (wire) => wire,
  decode: (buf, start, wire) => copyBytes(buf, start, start + wire),
  prepare: prepareBytes,
  unitsOf: (value) => value.length,
  encode(value, _units, w: Writer) {
    w.buf.set(value as Uint8Array, w.pos);
    w.pos += (value as Uint8Array).length;
  },
};

/**
 * Decode `count` bytes written as upper-case hex at buf[start] into `into`; returns the offset of the first
 * bad digit, or -1.
 *
 * One HEX_PAIR_VALUE load per byte, four bytes per iteration: V8 re-checks a typed array (map, detached,
 * bounds) on nearly every access inside these loops, so fewer loads and fewer iterations is what counts.
 * With one lookup per digit and a byte per iteration, DE 52 + DE 55 of the bench message (132 bytes) took
 * about a quarter of its unpack (bench/iso8583/README.md, 2026-12-01 12:20).
 */
export function decodeHexInto(buf: Uint8Array, start: number, count: number, into: Uint8Array): number {
  let bad = 0;
  let i = 0;
  let p = start;
  for (; i + 3 < count; i += 4, p += 8) {
    const a = HEX_PAIR_VALUE[(buf[p]! << 8) | buf[p + 1]!]!;
    const b = HEX_PAIR_VALUE[(buf[p + 2]! << 8) | buf[p + 3]!]!;
    const c = HEX_PAIR_VALUE[(buf[p + 4]! << 8) | buf[p + 5]!]!;
    const d = HEX_PAIR_VALUE[(buf[p + 6]! << 8) | buf[p + 7]!]!;
    bad |= a | b | c | d;
    into[i] = a;
    into[i + 1] = b;
    into[i + 2] = c;
    into[i + 3] = d;
  }
  for (; i < count; i++, p += 2) {
    const a = HEX_PAIR_VALUE[(buf[p]! << 8) | buf[p + 1]!]!;
    bad |= a;
    into[i] = a;
  }
  if (bad < 0x100) return -1;
  for (p = start; p < start + 2 * count; p++) if (HEX_VALUE[buf[p]!] === 0xff) return p;
  return -1;
}

export const hexCodec: DataCodec = {
  wireBytes: (units) => units * 2,
  unitsIn: (wire) => ((wire & 1) === 0 ? wire >> 1 : -1),
  decode(buf, start, _wire, units, label) {
    const out = allocBytes(units);
    const bad = decodeHexInto(buf, start, units, out);
    if (bad >= 0) {
      throw isoError(IsoErrorCode.BAD_CHAR, label, bad, `byte 0x${buf[bad]!.toString(16).toUpperCase().padStart(2, '0')} is not an upper-case hex digit`);
    }
    return out;
  },
  prepare: prepareBytes,
  unitsOf: (value) => value.length,
  encode(value, _units, w: Writer) {
    encodeHexFrom(value as Uint8Array, (value as Uint8Array).length, w);
  },
};

/** Byte -> its two upper-case hex digits as one big-endian 16-bit value ('A' << 8 | 'F' for 0xAF). */
const HEX_DIGIT_PAIR = Uint16Array.from({ length: 256 }, (_, b) => (HEX_DIGIT[b >> 4]! << 8) | HEX_DIGIT[b & 0x0f]!);

let viewTarget: Uint8Array | undefined;
let view: DataView = new DataView(new ArrayBuffer(0));

/** Write the first `count` bytes of `bytes` as upper-case hex at w.pos (room ensured by the caller). */
export function encodeHexFrom(bytes: Uint8Array, count: number, w: Writer): void {
  const out = w.buf;
  let pos = w.pos;
  if (count >= 16) {
    // Long runs (DE 55): four hex digits per 32-bit store, through a DataView (any alignment). Writers
    // keep their buffer across messages, so the view is made once per buffer.
    if (viewTarget !== out) {
      view = new DataView(out.buffer, out.byteOffset, out.byteLength);
      viewTarget = out;
    }
    let i = 0;
    for (; i + 1 < count; i += 2, pos += 4) view.setUint32(pos, (HEX_DIGIT_PAIR[bytes[i]!]! << 16) | HEX_DIGIT_PAIR[bytes[i + 1]!]!);
    if (i < count) {
      view.setUint16(pos, HEX_DIGIT_PAIR[bytes[i]!]!);
      pos += 2;
    }
    w.pos = pos;
    return;
  }
  for (let i = 0; i < count; i++) {
    const b = bytes[i]!;
    out[pos++] = HEX_DIGIT[b >> 4]!;
    out[pos++] = HEX_DIGIT[b & 0x0f]!;
  }
  w.pos = pos;
}

/**
 * The hex tables above, for other modules' hex loops (tlv-emv.ts). Copy them into module-level constants
 * of your own before looping over them: V8 reads an imported or exported binding through a cell on every
 * use, and with this module's own loops reading exported tables the ASCII bench line with DE 55 opaque
 * measured 6 % slower.
 */
export const HEX_TABLES = { value: HEX_VALUE, digitPair: HEX_DIGIT_PAIR } as const;
