/**
 * A specialised FieldCodec for BCD digit fields (types n and z written as packed BCD, fixed or with a
 * length prefix that counts digits, no subfields): the numerics of binary specs. It does exactly what the
 * generic composition in field.ts does for that shape (same checks in the same order, same errors, same
 * bytes) with the BCD encoder called directly, because these fields are most of a binary message. field.ts
 * decides when to use it; nothing else should call it.
 */
import { checkBcdText, checkBcdValue, decodeBcdDigits, encodeCheckedBcdDigits } from './encoding/bcd.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { Padder } from './padding.ts';
import type { FieldCodec } from './plan.ts';
import { type Prefixer, readPrefixedLength } from './prefix/index.ts';

export interface BcdDigitsShape {
  label: string;
  description: string;
  path: readonly string[];
  field: number;
  depth: number;
  kind: 'n' | 'z';
  allowed: Uint8Array;
  maxUnits: number;
  minUnits: number;
  prefixer: Prefixer | undefined;
  /** Pads short fixed values (only when its character belongs to the type). */
  padder: Padder | undefined;
  /** Where the pad nibble of an odd digit count goes, and its value. */
  padLeft: boolean;
  padNibble: number;
}

export function bcdDigitsField(shape: BcdDigitsShape): FieldCodec {
  const { label, description, path, field, depth, kind, allowed, maxUnits, minUnits, prefixer, padder, padLeft, padNibble } = shape;
  const prefixBytes = prefixer?.bytes ?? 0;
  const track = kind === 'z';

  const decode = (r: Reader, end: number): string => {
    const buf = r.buf;
    const start = r.pos;
    const units = prefixer === undefined ? maxUnits : readPrefixedLength(prefixer, buf, start, end, label, minUnits, maxUnits);
    const wire = (units + 1) >> 1;
    const dataStart = start + prefixBytes;
    const dataEnd = dataStart + wire;
    if (dataEnd > end) {
      throw isoError(IsoErrorCode.TRUNCATED, label, dataStart, `field needs ${wire} byte(s), ${end - dataStart} left`);
    }
    if (r.spans !== null) r.spans.push({ label, field, path: [...path], start, dataStart, end: dataEnd, depth, description });
    const value = decodeBcdDigits(buf, dataStart, dataEnd, units, track, padLeft, padNibble, label);
    r.pos = dataEnd;
    return value;
  };

  /** Why `units` digits do not fit this field, or undefined when they do (after padding). */
  const lengthProblem = (units: number): string | undefined => {
    if (prefixer === undefined) {
      return units === maxUnits || (padder !== undefined && units < maxUnits) ? undefined : `fixed length is ${maxUnits}, value has ${units}`;
    }
    if (units > maxUnits) return `value length ${units} exceeds the maximum ${maxUnits}`;
    if (units < minUnits) return `value length ${units} is below the minimum ${minUnits}`;
    return undefined;
  };

  const encode = (value: unknown, w: Writer): void => {
    checkBcdValue(value, label);
    const problem = lengthProblem(value.length);
    if (problem !== undefined) {
      // A bad character is reported before a bad length (the order the generic composition checks in).
      checkBcdText(value, allowed, kind, label);
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, problem);
    }
    const text = prefixer === undefined && value.length < maxUnits ? padder!.pad(value, maxUnits) : value;
    const units = text.length;
    ensure(w, prefixBytes + ((units + 1) >> 1));
    if (prefixer !== undefined) {
      prefixer.encode(units, w.buf, w.pos);
      w.pos += prefixBytes;
    }
    // Characters are checked while packing (the pad character belongs to the type).
    w.pos = encodeCheckedBcdDigits(text, w.buf, w.pos, allowed, kind, label, padLeft, padNibble);
  };

  const inline = { kind: 'bcd-digits', type: kind, allowed, maxUnits, minUnits, prefixer, padLeft, padNibble } as const;
  return { label, description, path, field, depth, decode, encode, inline };
}
