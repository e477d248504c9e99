/**
 * Compiles one field definition (FieldDoc) into a FieldCodec: encoder × prefixer × padder, or a subfield
 * codec (positional, nested bitmap, TLV) wrapped in the same prefix/length handling. Every decision that
 * depends on the spec is taken here, once, at load time; the closures returned do arithmetic and table
 * lookups only. Spec mistakes are ISO_BAD_SPEC errors naming the spec file and the field path.
 */
import { RigError, isRigError } from '../errors/index.ts';
import { asciiTextField } from './ascii-field.ts';
import { bcdDigitsField } from './bcd-field.ts';
import { CHARSETS } from './charset.ts';
import { bcdCodec } from './encoding/bcd.ts';
import { binaryCodec, decodeHexInto, encodeHexFrom, hexCodec } from './encoding/binary.ts';
import type { DataCodec } from './encoding/codec.ts';
import { asciiCodec, checkSignedAmount, ebcdicCodec } from './encoding/text.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import { makePadder, type Padder } from './padding.ts';
import type { FieldCodec, SubfieldCodec } from './plan.ts';
import { makePrefixer, type Prefixer } from './prefix/index.ts';
import type { DataEncoding, FieldDoc, IsoFieldSpan, PaddingDoc, PrefixEncoding, SubfieldsDoc } from './types.ts';

export interface FieldContext {
  /** `DE 35`, `DE 127.3`. */
  label: string;
  field: number;
  path: readonly string[];
  depth: number;
  /** `configs/specs/x.yaml fields.35` for spec errors. */
  specWhere: string;
  defaults: { encoding: DataEncoding; prefixEncoding: PrefixEncoding };
  compileSubfields(doc: SubfieldsDoc, parent: FieldContext): SubfieldCodec;
}

export function specError(where: string, message: string, hint?: string): RigError {
  return new RigError(IsoErrorCode.BAD_SPEC, message, { where, exitCode: 2, ...(hint ? { hint } : {}) });
}

const TEXT_TYPES = new Set(['n', 'a', 'an', 'ans', 'as', 'ns', 's', 'anp', 'z', 'x+n', 'any']);

function pickDataCodec(doc: FieldDoc, encoding: DataEncoding, padder: Padder | undefined, where: string): DataCodec {
  const type = doc.type;
  if (type === 'b') {
    if (encoding === 'binary') return binaryCodec;
    if (encoding === 'hex') return hexCodec;
    throw specError(`${where}.encoding`, `type b is written as binary or hex, not ${encoding}`);
  }
  if (!TEXT_TYPES.has(type)) throw specError(`${where}.type`, `unknown type ${type}`);
  const charsetName = doc.charset ?? type;
  if (charsetName === 'b') throw specError(`${where}.charset`, 'charset b is not a character set');
  const allowed = CHARSETS[charsetName];
  const shape = type === 'x+n' ? checkSignedAmount : undefined;
  switch (encoding) {
    case 'ascii':
      return asciiCodec(allowed, charsetName, shape);
    case 'ebcdic':
      return ebcdicCodec(allowed, charsetName, shape);
    case 'bcd': {
      if (type !== 'n' && type !== 'z' && type !== 'x+n') {
        throw specError(`${where}.encoding`, `BCD carries digits: type ${type} cannot be BCD`, 'use n, z or x+n, or ascii/ebcdic');
      }
      const side = padder?.side ?? 'left';
      const nibble = Number.parseInt(padder?.char ?? '0', 16);
      if (Number.isNaN(nibble) || (padder !== undefined && padder.char.length !== 1)) {
        throw specError(`${where}.padding.char`, 'a BCD pad must be one hex digit (0 or F)');
      }
      return bcdCodec(type, side === 'left', nibble);
    }
    default:
      throw specError(`${where}.encoding`, `type ${type} cannot be written as ${encoding}`, 'text types use ascii, ebcdic or bcd');
  }
}

/** The padding a field gets when its doc says nothing: numbers left '0', text right ' ', else none. */
function defaultPadding(doc: FieldDoc, encoding: DataEncoding): PaddingDoc | undefined {
  if (doc.type === 'b' || doc.type === 'x+n') return undefined;
  if (doc.type === 'n') return { side: 'left', char: '0' };
  if (doc.type === 'z') return encoding === 'bcd' ? { side: 'right', char: 'F' } : undefined;
  return { side: 'right', char: ' ' };
}

export function compileField(doc: FieldDoc, ctx: FieldContext): FieldCodec {
  const where = ctx.specWhere;
  const { label, path, field, depth } = ctx;
  const description = doc.description ?? '';
  const encoding: DataEncoding = doc.encoding ?? (doc.type === 'b' ? 'binary' : ctx.defaults.encoding);
  const paddingDoc = doc.padding === undefined ? defaultPadding(doc, encoding) : doc.padding === 'none' ? undefined : doc.padding;
  const padder = paddingDoc === undefined ? undefined : makePadder(paddingDoc);
  const codec = pickDataCodec(doc, encoding, padder, where);
  const maxUnits = doc.length;
  const minUnits = doc.minLength ?? 0;
  const prefixKind = doc.prefix ?? 'fixed';
  const fixed = prefixKind === 'fixed';
  const prefixer: Prefixer | undefined = fixed
    ? undefined
    : makePrefixer(prefixKind.length, doc.prefixEncoding ?? ctx.defaults.prefixEncoding, doc.prefixBytes);
  const countsBytes = doc.prefixCounts === 'bytes';
  const prefixBytes = prefixer?.bytes ?? 0;

  if (!Number.isInteger(maxUnits) || maxUnits < 0) throw specError(`${where}.length`, 'length must be a whole number >= 0');
  if (prefixer !== undefined) {
    const largest = countsBytes ? codec.wireBytes(maxUnits) : maxUnits;
    if (largest > prefixer.maxValue) {
      throw specError(`${where}.length`, `length ${largest} does not fit a ${prefixer.name} prefix (max ${prefixer.maxValue})`);
    }
  }
  // A string-level padder is only usable when its character belongs to the type (BCD 'F' pads a nibble only).
  const textCharset = doc.type === 'b' || doc.charset === 'b' ? undefined : CHARSETS[doc.charset ?? doc.type];
  const textPadder = padder !== undefined && textCharset?.[padder.char.charCodeAt(0)] === 1 ? padder : undefined;

  const fixedWire = codec.wireBytes(maxUnits);
  if (doc.subfields === undefined && encoding === 'ascii' && doc.type !== 'x+n' && textCharset !== undefined && !countsBytes) {
    // The common shape gets a specialised codec with the encoder inlined (same behaviour, fewer calls).
    return asciiTextField({
      label,
      description,
      path,
      field,
      depth,
      allowed: textCharset,
      typeName: doc.charset ?? doc.type,
      maxUnits,
      minUnits,
      prefixer,
      padder: textPadder,
    });
  }
  if (doc.subfields === undefined && encoding === 'bcd' && (doc.type === 'n' || doc.type === 'z') && doc.charset === undefined && !countsBytes) {
    // BCD digits (the numerics of binary specs) get the same treatment, with the BCD encoder called directly.
    return bcdDigitsField({
      label,
      description,
      path,
      field,
      depth,
      kind: doc.type,
      allowed: CHARSETS[doc.type],
      maxUnits,
      minUnits,
      prefixer,
      padder: textPadder,
      padLeft: (padder?.side ?? 'left') === 'left',
      padNibble: Number.parseInt(padder?.char ?? '0', 16),
    });
  }
  const sub = doc.subfields === undefined ? undefined : ctx.compileSubfields(doc.subfields, ctx);
  if (sub !== undefined && encoding !== 'binary' && encoding !== 'hex' && encoding !== 'ascii' && encoding !== 'ebcdic') {
    throw specError(`${where}.encoding`, `a field with subfields is carried as binary, hex, ascii or ebcdic bytes, not ${encoding}`);
  }
  const hexCarrier = sub !== undefined && encoding === 'hex';
  /** Decoded bytes of a hex-carried field, reused per message (this codec is never re-entered). */
  let hexScratch = Buffer.allocUnsafe(hexCarrier ? 256 : 0);
  /** Subfields of a hex-carried field are packed here first, then written as hex (reused, never re-entered). */
  const hexWriter: Writer = { buf: Buffer.allocUnsafe(hexCarrier ? 256 : 0), pos: 0 };

  /** Read the prefix (or take the fixed length); returns the wire size and stores units in lastUnits. */
  let lastUnits = 0;
  function readLength(r: Reader, start: number, end: number): number {
    if (prefixer === undefined) {
      lastUnits = maxUnits;
      return fixedWire;
    }
    if (start + prefixBytes > end) {
      throw isoError(IsoErrorCode.TRUNCATED, label, start, `length prefix needs ${prefixBytes} byte(s), ${end - start} left`);
    }
    const n = prefixer.decode(r.buf, start, label);
    let units: number;
    let wire: number;
    if (countsBytes) {
      wire = n;
      units = codec.unitsIn(n);
      if (units < 0) throw isoError(IsoErrorCode.BAD_LENGTH, label, start, `length ${n} is not a whole number of ${encoding} units`);
    } else {
      units = n;
      wire = codec.wireBytes(n);
    }
    if (units > maxUnits) throw isoError(IsoErrorCode.BAD_LENGTH, label, start, `length ${units} exceeds the maximum ${maxUnits}`);
    if (units < minUnits) throw isoError(IsoErrorCode.BAD_LENGTH, label, start, `length ${units} is below the minimum ${minUnits}`);
    lastUnits = units;
    return wire;
  }

  function recordSpan(r: Reader, start: number, dataStart: number, end: number): void {
    r.spans?.push({ label, field, path: [...path], start, dataStart, end, depth, description });
  }

  function decodeSubfields(r: Reader, dataStart: number, dataEnd: number, units: number) {
    if (sub === undefined) throw new Error('unreachable: decodeSubfields without subfields');
    if (!hexCarrier) {
      const value = sub.decodeRegion(r, dataStart, dataEnd);
      r.pos = dataEnd;
      return value;
    }
    // Hex-carried subfields (e.g. DE 55 in an ASCII spec): the subfield codec's own hex shortcut first
    // (EMV data read straight from the hex text), when it has one and takes this region.
    if (r.spans === null && sub.decodeHexRegion !== undefined) {
      const value = sub.decodeHexRegion(r.buf, dataStart, dataEnd);
      if (value !== undefined) {
        r.pos = dataEnd;
        return value;
      }
    }
    // Otherwise decode the hex first, then the items; map
    // offsets in errors and spans back to the message (each inner byte is two wire bytes).
    // The decoded bytes go to this field's own scratch buffer (no allocation; the subfield codecs copy
    // whatever they return out of it).
    if (hexScratch.length < units) hexScratch = Buffer.allocUnsafe(Math.max(units, 2 * hexScratch.length));
    const bad = decodeHexInto(r.buf, dataStart, units, hexScratch);
    if (bad >= 0) {
      throw isoError(IsoErrorCode.BAD_CHAR, label, bad, `byte 0x${r.buf[bad]!.toString(16).toUpperCase().padStart(2, '0')} is not an upper-case hex digit`);
    }
    const innerSpans: IsoFieldSpan[] | null = r.spans === null ? null : [];
    const innerReader: Reader = { buf: hexScratch, pos: 0, spans: innerSpans };
    try {
      const value = sub.decodeRegion(innerReader, 0, units);
      if (innerSpans !== null) {
        for (const span of innerSpans) {
          r.spans?.push({
            ...span,
            start: dataStart + 2 * span.start,
            dataStart: dataStart + 2 * span.dataStart,
            end: dataStart + 2 * span.end,
          });
        }
      }
      return value;
    } catch (err) {
      throw remapOffset(err, dataStart);
    } finally {
      r.pos = dataEnd;
    }
  }

  const decode = (r: Reader, end: number) => {
    const start = r.pos;
    const wire = readLength(r, start, end);
    const dataStart = start + prefixBytes;
    const dataEnd = dataStart + wire;
    if (dataEnd > end) {
      throw isoError(IsoErrorCode.TRUNCATED, label, dataStart, `field needs ${wire} byte(s), ${end - dataStart} left`);
    }
    if (r.spans !== null) recordSpan(r, start, dataStart, dataEnd);
    if (sub !== undefined) return decodeSubfields(r, dataStart, dataEnd, lastUnits);
    const value = codec.decode(r.buf, dataStart, wire, lastUnits, label);
    r.pos = dataEnd;
    return value;
  };

  const encodePlain = (value: unknown, w: Writer) => {
    let v = codec.prepare(value, label);
    let units = codec.unitsOf(v);
    if (fixed) {
      if (units !== maxUnits) {
        if (textPadder !== undefined && units < maxUnits && typeof v === 'string') {
          v = textPadder.pad(v, maxUnits);
          units = maxUnits;
        } else {
          throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `fixed length is ${maxUnits}, value has ${units}`);
        }
      }
    } else if (units > maxUnits) {
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `value length ${units} exceeds the maximum ${maxUnits}`);
    } else if (units < minUnits) {
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `value length ${units} is below the minimum ${minUnits}`);
    }
    const wire = codec.wireBytes(units);
    ensure(w, prefixBytes + wire);
    if (prefixer !== undefined) {
      prefixer.encode(countsBytes ? wire : units, w.buf, w.pos);
      w.pos += prefixBytes;
    }
    codec.encode(v, units, w, label);
  };

  const encodeComposite = (value: unknown, w: Writer) => {
    if (sub === undefined) throw new Error('unreachable: encodeComposite without subfields');
    const start = w.pos;
    ensure(w, prefixBytes);
    w.pos += prefixBytes;
    const dataStart = w.pos;
    if (hexCarrier) {
      // The subfield codec's shortcut writes the hex text in one pass when it takes the value; otherwise
      // encode into the scratch writer, then write that as hex.
      if (sub.encodeHex?.(value, w) !== true) {
        w.pos = dataStart;
        const inner = hexWriter;
        inner.pos = 0;
        sub.encode(value, inner);
        ensure(w, inner.pos * 2);
        encodeHexFrom(inner.buf, inner.pos, w);
      }
    } else {
      sub.encode(value, w);
    }
    const wire = w.pos - dataStart;
    const units = codec.unitsIn(wire);
    if (fixed ? units !== maxUnits : units > maxUnits) {
      const rule = fixed ? `fixed length is ${maxUnits}` : `maximum is ${maxUnits}`;
      throw isoError(IsoErrorCode.BAD_LENGTH, label, undefined, `subfields encode to length ${units}; ${rule}`);
    }
    if (prefixer !== undefined) prefixer.encode(countsBytes ? wire : units, w.buf, start);
  };

  if (sub === undefined && doc.type === 'b' && (encoding === 'binary' || encoding === 'hex')) {
    // Plain bytes (DE 52, DE 64, an opaque DE 55): the walk generator writes their ordinary case inline.
    const inline = { kind: 'binary-bytes', hex: encoding === 'hex', maxUnits, minUnits, prefixer, countsBytes } as const;
    return { label, description, path, field, depth, decode, encode: encodePlain, inline };
  }
  return { label, description, path, field, depth, decode, encode: sub === undefined ? encodePlain : encodeComposite };
}

/** Re-throw a RigError from inside a hex-carried region with its offset mapped to the message. */
function remapOffset(err: unknown, dataStart: number): unknown {
  if (!isRigError(err) || typeof err.details?.offset !== 'number') return err;
  const offset = dataStart + 2 * err.details.offset;
  const label = String(err.details.field ?? '');
  return new RigError(err.code, err.message, {
    where: `${label} @ byte ${offset}`,
    exitCode: err.exitCode,
    ...(err.hint === undefined ? {} : { hint: err.hint }),
    details: { ...err.details, offset },
  });
}
