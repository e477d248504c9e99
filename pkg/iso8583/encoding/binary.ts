/**
 * Binary field encodings for type `b`: raw bytes, or the same bytes written as upper-case ASCII hex digits
 * (jPOS IFA_BINARY, pyiso8583's hex-string ASCII fields). Values are Uint8Array; pack also takes an
 * even-length hex string. Lower-case hex on the wire is rejected because it could not re-pack byte-exact.
 */
import { IsoErrorCode, isoError } from '../errors.ts';
import type { Writer } from '../io.ts';
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
/** Two ASCII bytes (first << 8 | second) -> the byte they spell, or 0xffff: one lookup per decoded byte. */
const HEX_PAIR = (() => {
  const t = new Uint16Array(65536).fill(0xffff);
  for (let hi = 0; hi < 256; hi++) {
    const h = HEX_VALUE[hi]!;
    if (h === 0xff) continue;
    for (let lo = 0; lo < 256; lo++) {
      const l = HEX_VALUE[lo]!;
      if (l !== 0xff) t[(hi << 8) | lo] = (h << 4) | l;
    }
  }
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

function copyOut(buf: Buffer, start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start);
  out.set(buf.subarray(start, end));
  return out;
}

export const binaryCodec: DataCodec = {
  wireBytes: (units) => units,
  unitsIn: (wire) => wire,
  decode: (buf, start, wire) => copyOut(buf, start, start + wire),
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
 */
export function decodeHexInto(buf: Uint8Array, start: number, count: number, into: Uint8Array): number {
  for (let i = 0, p = start; i < count; i++, p += 2) {
    const v = HEX_PAIR[(buf[p]! << 8) | buf[p + 1]!]!;
    if (v === 0xffff) return HEX_VALUE[buf[p]!] === 0xff ? p : p + 1;
    into[i] = v;
  }
  return -1;
}

export const hexCodec: DataCodec = {
  wireBytes: (units) => units * 2,
  unitsIn: (wire) => ((wire & 1) === 0 ? wire >> 1 : -1),
  decode(buf, start, _wire, units, label) {
    const out = new Uint8Array(units);
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

/** Write the first `count` bytes of `bytes` as upper-case hex at w.pos (room ensured by the caller). */
export function encodeHexFrom(bytes: Uint8Array, count: number, w: Writer): void {
  const out = w.buf;
  let pos = w.pos;
  for (let i = 0; i < count; i++) {
    const b = bytes[i]!;
    out[pos++] = HEX_DIGIT[b >> 4]!;
    out[pos++] = HEX_DIGIT[b & 0x0f]!;
  }
  w.pos = pos;
}
