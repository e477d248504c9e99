/**
 * Composite fields: positional subfields (one after the other, each a full field definition with its own
 * length and prefix) and nested-bitmap subfields (a bitmap, then the subfields it announces; e.g. the
 * Base24/Postilion DE 127). Values are objects keyed by subfield id. A composite must consume its region
 * exactly: leftovers are ISO_EXTRA_BYTES. Positional subfields may be left off only at the end.
 */
import { bitmapCodec, setBit } from './bitmap.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import type { FieldContext } from './field.ts';
import { compileField, specError } from './field.ts';
import { ensure, type Reader, type Writer } from './io.ts';
import type { FieldCodec, SubfieldCodec } from './plan.ts';
import { describeValue } from './encoding/text.ts';
import type { BitmapSubfieldsDoc, FieldDoc, IsoComposite, PositionalSubfieldsDoc } from './types.ts';

function childContext(parent: FieldContext, id: string): FieldContext {
  return {
    ...parent,
    label: `${parent.label}.${id}`,
    path: [...parent.path, id],
    depth: parent.depth + 1,
    specWhere: `${parent.specWhere}.subfields.fields.${id}`,
  };
}

function asObject(value: unknown, label: string): IsoComposite {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw isoError(IsoErrorCode.BAD_VALUE, label, undefined, `expected an object of subfields, got ${describeValue(value)}`);
  }
  return value as IsoComposite;
}

function describeIn(codecs: ReadonlyMap<string, { codec: FieldCodec; sub?: SubfieldCodec }>, path: readonly string[]) {
  const [head, ...rest] = path;
  if (head === undefined) return undefined;
  const entry = codecs.get(head);
  if (entry === undefined) return undefined;
  if (rest.length === 0) return entry.codec.description;
  return entry.sub?.describe(rest);
}

function compileChildren(fields: Record<string, FieldDoc>, parent: FieldContext) {
  const byId = new Map<string, { codec: FieldCodec; sub?: SubfieldCodec }>();
  for (const [id, doc] of Object.entries(fields)) {
    const ctx = childContext(parent, id);
    let sub: SubfieldCodec | undefined;
    const withSpy: FieldContext = {
      ...ctx,
      compileSubfields: (d, p) => {
        sub = parent.compileSubfields(d, p);
        return sub;
      },
    };
    const codec = compileField(doc, withSpy);
    byId.set(id, sub === undefined ? { codec } : { codec, sub });
  }
  return byId;
}

export function positionalSubfields(doc: PositionalSubfieldsDoc, parent: FieldContext): SubfieldCodec {
  const byId = compileChildren(doc.fields, parent);
  const ids = [...byId.keys()];
  const codecs = ids.map((id) => byId.get(id)!.codec);
  const known = new Set(ids);
  return {
    decodeRegion(r: Reader, start: number, end: number) {
      const out: IsoComposite = {};
      r.pos = start;
      for (let i = 0; i < codecs.length && r.pos < end; i++) out[ids[i]!] = codecs[i]!.decode(r, end);
      if (r.pos !== end) {
        throw isoError(IsoErrorCode.EXTRA_BYTES, parent.label, r.pos, `${end - r.pos} byte(s) left after the last subfield`);
      }
      return out;
    },
    encode(value: unknown, w: Writer) {
      const obj = asObject(value, parent.label);
      for (const key in obj) {
        if (!known.has(key)) {
          throw isoError(IsoErrorCode.UNDEFINED_FIELD, `${parent.label}.${key}`, undefined, 'the spec defines no such subfield');
        }
      }
      let gap: string | undefined;
      for (let i = 0; i < codecs.length; i++) {
        const v = obj[ids[i]!];
        if (v === undefined) {
          gap ??= ids[i];
          continue;
        }
        if (gap !== undefined) {
          throw isoError(IsoErrorCode.BAD_VALUE, `${parent.label}.${gap}`, undefined, `positional subfield missing before ${ids[i]}`);
        }
        codecs[i]!.encode(v, w);
      }
    },
    describe: (path) => describeIn(byId, path),
  };
}

export function bitmapSubfields(doc: BitmapSubfieldsDoc, parent: FieldContext): SubfieldCodec {
  const bitmap = bitmapCodec(doc.bitmap.encoding === 'hex' ? 'hex' : 'binary');
  const maps = doc.bitmap.bytes / 8;
  if (!Number.isInteger(maps) || maps < 1) {
    throw specError(`${parent.specWhere}.subfields.bitmap.bytes`, 'a nested bitmap is 8, 16, … bytes');
  }
  const bits = maps * 64;
  const byId = compileChildren(doc.fields, parent);
  const slots: (FieldCodec | undefined)[] = new Array(bits + 1).fill(undefined);
  for (const [id, { codec }] of byId) {
    const n = Number(id);
    if (!Number.isInteger(n) || n < 1 || n > bits) {
      throw specError(`${parent.specWhere}.subfields.fields.${id}`, `bitmap subfields are numbered 1..${bits}`);
    }
    slots[n] = codec;
  }
  const wire = bitmap.bytes * maps;
  const bitmapLabel = `${parent.label} bitmap`;
  return {
    decodeRegion(r: Reader, start: number, end: number) {
      if (start + wire > end) {
        throw isoError(IsoErrorCode.TRUNCATED, bitmapLabel, start, `nested bitmap needs ${wire} byte(s), ${end - start} left`);
      }
      const words = new Uint32Array(maps * 2);
      for (let m = 0; m < maps; m++) bitmap.decode(r.buf, start + m * bitmap.bytes, words, m * 2, bitmapLabel);
      r.spans?.push({
        label: bitmapLabel,
        field: parent.field,
        path: [...parent.path, 'bitmap'],
        start,
        dataStart: start,
        end: start + wire,
        depth: parent.depth + 1,
        description: 'Bitmap',
      });
      r.pos = start + wire;
      const out: IsoComposite = {};
      for (let wi = 0; wi < words.length; wi++) {
        let word = words[wi]!;
        while (word !== 0) {
          const lz = Math.clz32(word);
          word = (word & ~(0x80000000 >>> lz)) >>> 0;
          const n = wi * 32 + lz + 1;
          const codec = slots[n];
          if (codec === undefined) {
            throw isoError(IsoErrorCode.UNDEFINED_FIELD, `${parent.label}.${n}`, start, 'nested bitmap bit set for a subfield the spec does not define');
          }
          out[n] = codec.decode(r, end);
        }
      }
      if (r.pos !== end) {
        throw isoError(IsoErrorCode.EXTRA_BYTES, parent.label, r.pos, `${end - r.pos} byte(s) left after the last subfield`);
      }
      return out;
    },
    encode(value: unknown, w: Writer) {
      const obj = asObject(value, parent.label);
      const words = new Uint32Array(maps * 2);
      for (const key in obj) {
        const n = Number(key);
        if (obj[key] === undefined) continue;
        if (!Number.isInteger(n) || n < 1 || n > bits || slots[n] === undefined) {
          throw isoError(IsoErrorCode.UNDEFINED_FIELD, `${parent.label}.${key}`, undefined, 'the spec defines no such subfield');
        }
        setBit(words, n);
      }
      ensure(w, wire);
      for (let m = 0; m < maps; m++) bitmap.encode(words, m * 2, w.buf, w.pos + m * bitmap.bytes);
      w.pos += wire;
      for (let n = 1; n <= bits; n++) {
        const v = obj[n];
        if (v !== undefined) slots[n]!.encode(v, w);
      }
    },
    describe: (path) => describeIn(byId, path),
  };
}
