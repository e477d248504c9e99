/**
 * A specialised FieldCodec for the most common field shape: text (not x+n) written in ASCII, fixed or with
 * a length prefix, no subfields. It does exactly what the generic composition in field.ts does for that
 * shape (same checks, same errors, same bytes) with the encoder inlined, because these fields are most of
 * every message. field.ts decides when to use it; nothing else should call it.
 */
import { firstBadByte } from './charset.ts';
import { readLatin1 } from './encoding/latin1.ts';
import { badChar, describeValue, writeCheckedLatin1 } from './encoding/text.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { Padder } from './padding.ts';
import type { FieldCodec } from './plan.ts';
import { type Prefixer, readPrefixedLength } from './prefix/index.ts';

export interface AsciiTextShape {
  label: string;
  description: string;
  path: readonly string[];
  field: number;
  depth: number;
  allowed: Uint8Array;
  typeName: string;
  maxUnits: number;
  minUnits: number;
  prefixer: Prefixer | undefined;
  padder: Padder | undefined;
}

export function asciiTextField(shape: AsciiTextShape): FieldCodec {
  const { label, description, path, field, depth, allowed, typeName, maxUnits, minUnits, prefixer, padder } = shape;
  const prefixBytes = prefixer?.bytes ?? 0;

  const decode = (r: Reader, end: number): string => {
    const buf = r.buf;
    const start = r.pos;
    const units = prefixer === undefined ? maxUnits : readPrefixedLength(prefixer, buf, start, end, label, minUnits, maxUnits);
    const dataStart = start + prefixBytes;
    const dataEnd = dataStart + units;
    if (dataEnd > end) {
      throw isoError(IsoErrorCode.TRUNCATED, label, dataStart, `field needs ${units} byte(s), ${end - dataStart} left`);
    }
    // One pass without branches (a table lookup per byte), then a second only to name a bad byte.
    let ok = 1;
    for (let i = dataStart; i < dataEnd; i++) ok &= allowed[buf[i]!]!;
    if (ok === 0) {
      const bad = firstBadByte(buf, dataStart, dataEnd, allowed);
      badChar(label, bad, buf[bad]!, typeName);
    }
    r.pos = dataEnd;
    if (r.spans !== null) r.spans.push({ label, field, path: [...path], start, dataStart, end: dataEnd, depth, description });
    return readLatin1(buf, dataStart, dataEnd);
  };

  const encode = (value: unknown, w: Writer): void => {
    if (typeof value !== 'string') {
      throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected a string, got ${describeValue(value)}`);
    }
    let text = value;
    let n = text.length;
    if (prefixer === undefined) {
      if (n !== maxUnits) {
        if (padder === undefined || n > maxUnits) {
          throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `fixed length is ${maxUnits}, value has ${n}`);
        }
        text = padder.pad(text, maxUnits);
        n = maxUnits;
      }
    } else if (n > maxUnits) {
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `value length ${n} exceeds the maximum ${maxUnits}`);
    } else if (n < minUnits) {
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `value length ${n} is below the minimum ${minUnits}`);
    }
    ensure(w, prefixBytes + n);
    if (prefixer !== undefined) {
      prefixer.encode(n, w.buf, w.pos);
      w.pos += prefixBytes;
    }
    writeCheckedLatin1(w, text, allowed, label, typeName);
  };

  const inline = { kind: 'ascii-text', allowed, maxUnits, minUnits, prefixer } as const;
  return { label, description, path, field, depth, decode, encode, inline };
}
