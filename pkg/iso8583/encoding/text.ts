/**
 * Text encodings: ASCII and EBCDIC (cp037). A character is one byte either way; EBCDIC bytes are translated
 * through the cp037 table to Latin-1 before the character-set check, so both share one validation path.
 * Never accepts a character outside the field type's set, in either direction.
 */
import { CHARSET_NAMES, firstBadByte, firstBadChar, showByte } from '../charset.ts';
import { IsoErrorCode, isoError } from '../errors.ts';
import type { Writer } from '../io.ts';
import type { DataCodec } from './codec.ts';
import { EBCDIC_TO_LATIN1, LATIN1_TO_EBCDIC } from './cp037.ts';
import { readLatin1, writeLatin1 } from './latin1.ts';

/** Extra structural check after the per-character one (used by `x+n`: sign then digits). */
export type TextShapeCheck = (text: string) => string | undefined;

/** `x+n`: 'C' (credit) or 'D' (debit) then digits only. Returns a reason or undefined. */
export const checkSignedAmount: TextShapeCheck = (text) => {
  const sign = text.charCodeAt(0);
  if (sign !== 0x43 && sign !== 0x44) return "an x+n amount starts with 'C' or 'D'";
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return 'an x+n amount has digits after its sign';
  }
  return undefined;
};

export function badChar(label: string, offset: number | undefined, code: number, typeName: string): never {
  throw isoError(
    IsoErrorCode.BAD_CHAR,
    label,
    offset,
    `character ${showByte(code)} is not allowed: type ${typeName} takes ${CHARSET_NAMES[typeName] ?? typeName}`,
  );
}

/**
 * Type and shape checks of a text value before padding; the per-character check happens while encoding
 * (one pass over the text), see encodeChecked.
 */
function prepareText(value: unknown, label: string, shape: TextShapeCheck | undefined): string {
  if (typeof value !== 'string') {
    throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected a string, got ${describeValue(value)}`);
  }
  if (shape !== undefined && value.length > 0) {
    const reason = shape(value);
    if (reason !== undefined) throw isoError(IsoErrorCode.BAD_CHAR, label, undefined, reason);
  }
  return value;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}

export function asciiCodec(allowed: Uint8Array, typeName: string, shape?: TextShapeCheck): DataCodec {
  return {
    wireBytes: (units) => units,
    unitsIn: (wire) => wire,
    decode(buf, start, wire, _units, label) {
      const end = start + wire;
      const bad = firstBadByte(buf, start, end, allowed);
      if (bad >= 0) badChar(label, bad, buf[bad]!, typeName);
      const text = readLatin1(buf, start, end);
      if (shape !== undefined && wire > 0) {
        const reason = shape(text);
        if (reason !== undefined) throw isoError(IsoErrorCode.BAD_CHAR, label, start, reason);
      }
      return text;
    },
    prepare: (value, label) => prepareText(value, label, shape),
    unitsOf: (value) => value.length,
    encode(value, _units, w: Writer, label) {
      writeCheckedLatin1(w, value as string, allowed, label, typeName);
    },
  };
}

/**
 * Writes `text` as Latin-1 at `w.pos` (the caller has reserved the room), refusing any character the
 * type does not allow. Shared by the generic ASCII codec and the ASCII fast-path field.
 */
export function writeCheckedLatin1(w: Writer, text: string, allowed: Uint8Array, label: string, typeName: string): void {
  const n = text.length;
  if (n > 128) {
    // Long text: check first, then one native write (below ~150 characters the call into C++ costs more
    // than the JS stores it saves, since every character is read for the check anyway).
    const bad = firstBadChar(text, allowed);
    if (bad >= 0) badChar(label, undefined, text.charCodeAt(bad), typeName);
    w.pos += writeLatin1(w.buf, text, w.pos);
    return;
  }
  // Most fields: check and write in one loop.
  const out = w.buf;
  const pos = w.pos;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 255 || allowed[c] === 0) badChar(label, undefined, c, typeName);
    out[pos + i] = c;
  }
  w.pos = pos + n;
}

/** Scratch for EBCDIC -> Latin-1 translation; grown on demand, never returned to callers. */
let scratch = Buffer.allocUnsafe(1024);

export function ebcdicCodec(allowed: Uint8Array, typeName: string, shape?: TextShapeCheck): DataCodec {
  return {
    wireBytes: (units) => units,
    unitsIn: (wire) => wire,
    decode(buf, start, wire, _units, label) {
      if (scratch.length < wire) scratch = Buffer.allocUnsafe(Math.max(wire, scratch.length * 2));
      for (let i = 0; i < wire; i++) {
        const c = EBCDIC_TO_LATIN1[buf[start + i]!]!;
        if (allowed[c] === 0) badChar(label, start + i, c, typeName);
        scratch[i] = c;
      }
      const text = readLatin1(scratch, 0, wire);
      if (shape !== undefined && wire > 0) {
        const reason = shape(text);
        if (reason !== undefined) throw isoError(IsoErrorCode.BAD_CHAR, label, start, reason);
      }
      return text;
    },
    prepare: (value, label) => prepareText(value, label, shape),
    unitsOf: (value) => value.length,
    encode(value, _units, w: Writer, label) {
      const text = value as string;
      const out = w.buf;
      let pos = w.pos;
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        if (c > 255 || allowed[c] === 0) badChar(label, undefined, c, typeName);
        out[pos++] = LATIN1_TO_EBCDIC[c]!;
      }
      w.pos = pos;
    },
  };
}
