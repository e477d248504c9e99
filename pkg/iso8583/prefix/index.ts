/**
 * Length prefixers: how a variable field's length is written before its data (L..LLLLLL digits in ASCII,
 * EBCDIC, BCD or binary). A prefixer only reads and writes the number; the field plan decides what it
 * counts and checks it against the field's maximum. Fixed-length fields have no prefixer at all.
 * Never reads outside buf[pos, pos + bytes): the caller checks that range first.
 */
import { IsoErrorCode, isoError } from '../errors.ts';
import type { PrefixEncoding } from '../types.ts';

export interface Prefixer {
  /** Bytes the prefix takes on the wire. */
  readonly bytes: number;
  /** Largest length the prefix can express. */
  readonly maxValue: number;
  /** `LL ascii` etc., for error messages. */
  readonly name: string;
  /** How the digits are written (the message walk generator inlines the decode/encode per encoding). */
  readonly encoding: PrefixEncoding;
  /** Read the length at buf[pos]; throws ISO_BAD_LENGTH when the prefix is not a number. */
  decode(buf: Uint8Array, pos: number, label: string): number;
  /** Write `length` (<= maxValue) at buf[pos]. */
  encode(length: number, buf: Uint8Array, pos: number): void;
}

/**
 * The length a prefixed field declares at buf[start], checked: the prefix fits before `end` and the
 * length lies within [minUnits, maxUnits]. Errors name the field and the prefix's offset.
 */
export function readPrefixedLength(prefixer: Prefixer, buf: Uint8Array, start: number, end: number, label: string, minUnits: number, maxUnits: number): number {
  if (start + prefixer.bytes > end) {
    throw isoError(IsoErrorCode.TRUNCATED, label, start, `length prefix needs ${prefixer.bytes} byte(s), ${end - start} left`);
  }
  const units = prefixer.decode(buf, start, label);
  if (units > maxUnits) throw isoError(IsoErrorCode.BAD_LENGTH, label, start, `length ${units} exceeds the maximum ${maxUnits}`);
  if (units < minUnits) throw isoError(IsoErrorCode.BAD_LENGTH, label, start, `length ${units} is below the minimum ${minUnits}`);
  return units;
}

function notANumber(label: string, pos: number, name: string): never {
  throw isoError(IsoErrorCode.BAD_LENGTH, label, pos, `length prefix (${name}) is not a number`);
}

/** Decimal digits as characters: ASCII ('0' = 0x30) or EBCDIC ('0' = 0xF0). */
function charDigitsPrefixer(digits: number, encoding: 'ascii' | 'ebcdic', name: string): Prefixer {
  const zero = encoding === 'ascii' ? 0x30 : 0xf0;
  return {
    encoding,
    bytes: digits,
    maxValue: 10 ** digits - 1,
    name,
    decode(buf, pos, label) {
      let n = 0;
      for (let i = 0; i < digits; i++) {
        const d = buf[pos + i]! - zero;
        if (d < 0 || d > 9) notANumber(label, pos, name);
        n = n * 10 + d;
      }
      return n;
    },
    encode(length, buf, pos) {
      for (let i = digits - 1; i >= 0; i--) {
        buf[pos + i] = zero + (length % 10);
        length = Math.floor(length / 10);
      }
    },
  };
}

/** Packed decimal, right-justified in `bytes` bytes (LL = 1 byte, LLL/LLLL = 2 bytes by default). */
function bcdPrefixer(digits: number, bytes: number, name: string): Prefixer {
  return {
    encoding: 'bcd',
    bytes,
    maxValue: Math.min(10 ** digits, 10 ** (bytes * 2)) - 1,
    name,
    decode(buf, pos, label) {
      let n = 0;
      for (let i = 0; i < bytes; i++) {
        const b = buf[pos + i]!;
        const hi = b >> 4;
        const lo = b & 0x0f;
        if (hi > 9 || lo > 9) notANumber(label, pos, name);
        n = n * 100 + hi * 10 + lo;
      }
      return n;
    },
    encode(length, buf, pos) {
      for (let i = bytes - 1; i >= 0; i--) {
        const two = length % 100;
        buf[pos + i] = ((Math.floor(two / 10) << 4) | two % 10) & 0xff;
        length = Math.floor(length / 100);
      }
    },
  };
}

/** Unsigned big-endian integer in `bytes` bytes. */
function binaryPrefixer(digits: number, bytes: number, name: string): Prefixer {
  return {
    encoding: 'binary',
    bytes,
    maxValue: Math.min(10 ** digits - 1, 2 ** (8 * bytes) - 1),
    name,
    decode(buf, pos) {
      let n = 0;
      for (let i = 0; i < bytes; i++) n = n * 256 + buf[pos + i]!;
      return n;
    },
    encode(length, buf, pos) {
      for (let i = bytes - 1; i >= 0; i--) {
        buf[pos + i] = length & 0xff;
        length = Math.floor(length / 256);
      }
    },
  };
}

/**
 * The prefixer for `digits` L's in `encoding`; `bytes` overrides the wire size of bcd/binary prefixes
 * (default ceil(digits / 2), e.g. LL bcd = 1 byte, LLL bcd = 2 bytes).
 */
export function makePrefixer(digits: number, encoding: PrefixEncoding, bytes?: number): Prefixer {
  const name = `${'L'.repeat(digits)} ${encoding}`;
  switch (encoding) {
    case 'ascii':
    case 'ebcdic':
      return charDigitsPrefixer(digits, encoding, name);
    case 'bcd':
      return bcdPrefixer(digits, bytes ?? Math.ceil(digits / 2), name);
    case 'binary':
      return binaryPrefixer(digits, bytes ?? Math.ceil(digits / 2), name);
  }
}
