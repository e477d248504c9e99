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
      if (scratch.length < units) scratch = Buffer.allocUnsafe(Math.max(units, scratch.length * 2));
      let out = 0;
      let pos = start;
      if (signed && units > 0) {
        const sign = buf[pos]!;
        if (sign !== 0x43 && sign !== 0x44) {
          throw isoError(IsoErrorCode.BAD_CHAR, label, pos, `sign ${showByte(sign)} is not 'C' or 'D'`);
        }
        scratch[out++] = sign;
        pos++;
      }
      const digits = units - lead;
      const odd = (digits & 1) === 1;
      const end = start + wire;
      for (let nib = 0; pos < end; nib += 2, pos++) {
        const byte = buf[pos]!;
        const hi = byte >> 4;
        const lo = byte & 0x0f;
        const isFirst = nib === 0;
        const isLast = pos === end - 1;
        if (odd && padLeft && isFirst) {
          if (hi !== padNibble) throw badPad(label, pos, hi, padNibble);
        } else {
          scratch[out++] = digitChar(hi, track, label, pos);
        }
        if (odd && !padLeft && isLast) {
          if (lo !== padNibble) throw badPad(label, pos, lo, padNibble);
        } else {
          scratch[out++] = digitChar(lo, track, label, pos);
        }
      }
      return readLatin1(scratch, 0, out);
    },
    prepare(value, label) {
      if (typeof value !== 'string') {
        throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected a string, got ${describeValue(value)}`);
      }
      const bad = firstBadChar(value, allowed);
      if (bad >= 0) {
        throw isoError(
          IsoErrorCode.BAD_CHAR,
          label,
          undefined,
          `character ${showByte(value.charCodeAt(bad))} cannot be BCD-encoded for type ${kind}`,
        );
      }
      if (signed && value.length > 0) {
        const reason = checkSignedAmount(value);
        if (reason !== undefined) throw isoError(IsoErrorCode.BAD_CHAR, label, undefined, reason);
      }
      return value;
    },
    unitsOf: (value) => value.length,
    encode(value, units, w: Writer) {
      const text = value as string;
      const out = w.buf;
      let pos = w.pos;
      let i = 0;
      if (signed && units > 0) {
        out[pos++] = text.charCodeAt(0);
        i = 1;
      }
      const digits = units - lead;
      let pendingHigh = -1;
      if ((digits & 1) === 1 && padLeft) pendingHigh = padNibble;
      for (; i < text.length; i++) {
        const nibble = nibbleOf(text.charCodeAt(i), track);
        if (pendingHigh < 0) pendingHigh = nibble;
        else {
          out[pos++] = (pendingHigh << 4) | nibble;
          pendingHigh = -1;
        }
      }
      if (pendingHigh >= 0) out[pos++] = (pendingHigh << 4) | padNibble;
      w.pos = pos;
    },
  };
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
