/**
 * BCD (packed decimal) encoding: two digits per byte. Odd digit counts carry one pad nibble on the left
 * (right-justified numbers, jPOS IFB_NUMERIC) or on the right (jPOS IFB_LLNUM pad=false, track 2 with F).
 * `z` (track 2) maps nibble n to the character 0x30+n, so `=` is 0xD as on the magnetic stripe; `D` is
 * accepted on pack as the same separator. `x+n` writes its C/D sign as one ASCII byte before the digits
 * (jPOS IFB_AMOUNT). Rejects a pad nibble other than the spec's so every accepted input re-packs byte-exact.
 */
import { CHARSETS, firstBadChar, showByte } from '../charset.ts';
import { IsoErrorCode, isoError } from '../errors.ts';
import type { Writer } from '../io.ts';
import type { DataCodec } from './codec.ts';
import { readLatin1 } from './latin1.ts';
import { checkSignedAmount, describeValue } from './text.ts';

export type BcdKind = 'n' | 'z' | 'x+n';

let scratch = Buffer.allocUnsafe(1024);

export function bcdCodec(kind: BcdKind, padLeft: boolean, padNibble: number): DataCodec {
  const signed = kind === 'x+n';
  const track = kind === 'z';
  const allowed = CHARSETS[kind];
  /** Bytes the sign takes before the packed digits. */
  const lead = signed ? 1 : 0;

  return {
    wireBytes: (units) => (units <= lead ? units : lead + ((units - lead + 1) >> 1)),
    unitsIn: (wire) => (wire <= lead ? wire : lead + 2 * (wire - lead)),
    decode(buf, start, wire, units, label) {
      if (!signed || units === 0) return decodeBcdDigits(buf, start, start + wire, units, track, padLeft, padNibble, label);
      const sign = buf[start]!;
      if (sign !== 0x43 && sign !== 0x44) {
        throw isoError(IsoErrorCode.BAD_CHAR, label, start, `sign ${showByte(sign)} is not 'C' or 'D'`);
      }
      return String.fromCharCode(sign) + decodeBcdDigits(buf, start + 1, start + wire, units - 1, track, padLeft, padNibble, label);
    },
    prepare(value, label) {
      checkBcdText(value, allowed, kind, label);
      if (signed && (value as string).length > 0) {
        const reason = checkSignedAmount(value as string);
        if (reason !== undefined) throw isoError(IsoErrorCode.BAD_CHAR, label, undefined, reason);
      }
      return value as string;
    },
    unitsOf: (value) => value.length,
    encode(value, units, w: Writer) {
      const text = value as string;
      if (signed && units > 0) {
        w.buf[w.pos] = text.charCodeAt(0);
        w.pos = encodeBcdDigits(text, 1, w.buf, w.pos + 1, track, padLeft, padNibble);
      } else {
        w.pos = encodeBcdDigits(text, 0, w.buf, w.pos, track, padLeft, padNibble);
      }
    },
  };
}

/** Checks a value before BCD packing: a string whose characters all belong to `allowed`. */
export function checkBcdText(value: unknown, allowed: Uint8Array, kind: BcdKind, label: string): asserts value is string {
  checkBcdValue(value, label);
  const bad = firstBadChar(value, allowed);
  if (bad >= 0) notBcd(value.charCodeAt(bad), kind, label);
}

/** Only the JS type: the characters are checked by checkBcdText, or while packing by encodeCheckedBcdDigits. */
export function checkBcdValue(value: unknown, label: string): asserts value is string {
  if (typeof value !== 'string') {
    throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected a string, got ${describeValue(value)}`);
  }
}

function notBcd(code: number, kind: BcdKind, label: string): never {
  throw isoError(IsoErrorCode.BAD_CHAR, label, undefined, `character ${showByte(code)} cannot be BCD-encoded for type ${kind}`);
}

/**
 * The `digits` characters packed in buf[start, end) (end = start + ceil(digits / 2)). An odd count has one
 * pad nibble, first (padLeft) or last, which must be `padNibble`; for `n` every other nibble must be 0-9
 * (`track` maps any nibble n to the character 0x30 + n).
 */
export function decodeBcdDigits(
  buf: Uint8Array,
  start: number,
  end: number,
  digits: number,
  track: boolean,
  padLeft: boolean,
  padNibble: number,
  label: string,
): string {
  if (scratch.length < digits) scratch = Buffer.allocUnsafe(Math.max(digits, scratch.length * 2));
  const odd = (digits & 1) === 1;
  let out = 0;
  let pos = start;
  let last = end;
  if (odd && padLeft && pos < end) {
    const byte = buf[pos]!;
    if (byte >> 4 !== padNibble) throw badPad(label, pos, byte >> 4, padNibble);
    scratch[out++] = digitChar(byte & 0x0f, track, label, pos);
    pos++;
  }
  if (odd && !padLeft && pos < end) last = end - 1;
  for (; pos < last; pos++) {
    const byte = buf[pos]!;
    const hi = byte >> 4;
    const lo = byte & 0x0f;
    if (!track && (hi > 9 || lo > 9)) digitChar(hi > 9 ? hi : lo, track, label, pos);
    scratch[out++] = 0x30 + hi;
    scratch[out++] = 0x30 + lo;
  }
  if (last < end) {
    const byte = buf[last]!;
    scratch[out++] = digitChar(byte >> 4, track, label, last);
    if ((byte & 0x0f) !== padNibble) throw badPad(label, last, byte & 0x0f, padNibble);
  }
  return readLatin1(scratch, 0, out);
}

/**
 * encodeBcdDigits for unchecked text: refuses (as checkBcdText would) the first character `allowed` does
 * not hold, in the same pass that packs the digits.
 */
export function encodeCheckedBcdDigits(
  text: string,
  out: Uint8Array,
  pos: number,
  allowed: Uint8Array,
  kind: BcdKind,
  label: string,
  padLeft: boolean,
  padNibble: number,
): number {
  const track = kind === 'z';
  let pendingHigh = (text.length & 1) === 1 && padLeft ? padNibble : -1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 255 || allowed[code] === 0) notBcd(code, kind, label);
    const nibble = nibbleOf(code, track);
    if (pendingHigh < 0) pendingHigh = nibble;
    else {
      out[pos++] = (pendingHigh << 4) | nibble;
      pendingHigh = -1;
    }
  }
  if (pendingHigh >= 0) out[pos++] = (pendingHigh << 4) | padNibble;
  return pos;
}

/**
 * Packs text[from…] (checked: digits, or track-2 characters for `track`) as BCD at out[pos], with the pad
 * nibble first (padLeft) or last when the digit count is odd; returns the position after the last byte.
 */
export function encodeBcdDigits(
  text: string,
  from: number,
  out: Uint8Array,
  pos: number,
  track: boolean,
  padLeft: boolean,
  padNibble: number,
): number {
  let pendingHigh = -1;
  if (((text.length - from) & 1) === 1 && padLeft) pendingHigh = padNibble;
  for (let i = from; i < text.length; i++) {
    const nibble = nibbleOf(text.charCodeAt(i), track);
    if (pendingHigh < 0) pendingHigh = nibble;
    else {
      out[pos++] = (pendingHigh << 4) | nibble;
      pendingHigh = -1;
    }
  }
  if (pendingHigh >= 0) out[pos++] = (pendingHigh << 4) | padNibble;
  return pos;
}

function digitChar(nibble: number, track: boolean, label: string, offset: number): number {
  if (track) return 0x30 + nibble;
  if (nibble > 9) {
    throw isoError(IsoErrorCode.BAD_CHAR, label, offset, `BCD nibble 0x${nibble.toString(16).toUpperCase()} is not a digit`);
  }
  return 0x30 + nibble;
}

function nibbleOf(code: number, track: boolean): number {
  if (track && (code === 0x44 || code === 0x64)) return 0x0d;
  return code - 0x30;
}

function badPad(label: string, offset: number, got: number, want: number) {
  return isoError(
    IsoErrorCode.BAD_CHAR,
    label,
    offset,
    `BCD pad nibble is 0x${got.toString(16).toUpperCase()}, the spec pads with 0x${want.toString(16).toUpperCase()}`,
    'set the field padding char in the spec to the pad nibble your peer sends',
  );
}
