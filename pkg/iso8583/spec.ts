/**
 * Spec loading: read a YAML/JSON spec file (or take a document), validate it against
 * configs/specs/iso8583-spec.schema.json (errors name the file, line:col and field path), and compile it
 * into a MessagePlan. Builtin specs live in configs/specs/ and are compiled once per process.
 * Never compiles a spec that failed validation; never guesses a missing property silently beyond the
 * documented defaults.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { LineCounter, parseDocument } from 'yaml';
import { RigError } from '../errors/index.ts';
import { bitmapCodec, setBit } from './bitmap.ts';
import { bitmapSubfields, positionalSubfields } from './composite.ts';
import { LATIN1_TO_EBCDIC, EBCDIC_TO_LATIN1 } from './encoding/cp037.ts';
import { IsoErrorCode, isoError } from './errors.ts';
import { compileField, type FieldContext, specError } from './field.ts';
import type { Writer } from './io.ts';
import type { FieldCodec, MessagePlan, MtiCodec, SubfieldCodec } from './plan.ts';
import { tlvSubfields } from './tlv.ts';
import type { IsoSpec, SpecDocument, SubfieldsDoc } from './types.ts';
import { generateWalk } from './walk-generator.ts';

export const SPECS_DIR = fileURLToPath(new URL('../../configs/specs/', import.meta.url));
export const SCHEMA_PATH = `${SPECS_DIR}iso8583-spec.schema.json`;

/** The builtin specs: name -> file in configs/specs/. */
export const BUILTIN_SPEC_FILES: Readonly<Record<string, string>> = {
  iso87ascii: 'iso87ascii.yaml',
  iso87binary: 'iso87binary.yaml',
  iso93ascii: 'iso93ascii.yaml',
  iso87ebcdic: 'iso87ebcdic.yaml',
};

type Validator = ((data: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params?: Record<string, unknown> }[] | null;
};
let validator: Validator | undefined;

function schemaValidator(): Validator {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv2020({ allErrors: false, strict: true });
    validator = ajv.compile(schema) as Validator;
  }
  return validator;
}

/** Parse a spec file's text (YAML is a superset of JSON). Returns the data and a path -> line:col finder. */
function parseSpecText(text: string, source: string): { data: unknown; locate: (path: string[]) => string } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const at = lineCounter.linePos(first.pos[0]);
    throw new RigError(IsoErrorCode.BAD_SPEC, first.message.split('\n')[0] ?? 'YAML syntax error', {
      where: `${source}:${at.line}:${at.col}`,
      exitCode: 2,
    });
  }
  const locate = (path: string[]) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        const at = lineCounter.linePos(node.range[0]);
        return `${source}:${at.line}:${at.col}`;
      }
    }
    return source;
  };
  return { data: doc.toJS(), locate };
}

function validateDocument(data: unknown, locate: (path: string[]) => string): SpecDocument {
  const validate = schemaValidator();
  if (!validate(data)) {
    const err = validate.errors?.[0];
    const path = (err?.instancePath ?? '').split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const dotted = path.join('.') || '(root)';
    const extra = err?.params?.additionalProperty ? ` '${String(err.params.additionalProperty)}'` : '';
    const allowed = Array.isArray(err?.params?.allowedValues) ? ` (${(err.params.allowedValues as unknown[]).join(', ')})` : '';
    throw new RigError(IsoErrorCode.BAD_SPEC, `${dotted} ${err?.message ?? 'is invalid'}${extra}${allowed}`, {
      where: `${locate(path)} ${dotted}`,
      exitCode: 2,
      hint: 'see configs/specs/iso8583-spec.schema.json for the spec format',
    });
  }
  return data as SpecDocument;
}

function mtiCodec(encoding: SpecDocument['mti']['encoding']): MtiCodec {
  const bad = (pos: number) =>
    isoError(IsoErrorCode.BAD_MTI, 'mti', pos, 'the MTI is not 4 decimal digits');
  if (encoding === 'bcd') {
    return {
      bytes: 2,
      decode(buf, pos) {
        const a = buf[pos]!;
        const b = buf[pos + 1]!;
        if ((a >> 4) > 9 || (a & 15) > 9 || (b >> 4) > 9 || (b & 15) > 9) throw bad(pos);
        return String.fromCharCode(0x30 + (a >> 4), 0x30 + (a & 15), 0x30 + (b >> 4), 0x30 + (b & 15));
      },
      encode(mti, w: Writer) {
        checkMti(mti);
        w.buf[w.pos++] = ((mti.charCodeAt(0) - 0x30) << 4) | (mti.charCodeAt(1) - 0x30);
        w.buf[w.pos++] = ((mti.charCodeAt(2) - 0x30) << 4) | (mti.charCodeAt(3) - 0x30);
      },
    };
  }
  const ebcdic = encoding === 'ebcdic';
  return {
    bytes: 4,
    // The four characters are read, checked and then turned into one string (or written) together:
    // appending them one by one built a new string per character.
    decode(buf, pos) {
      let a = buf[pos]!;
      let b = buf[pos + 1]!;
      let c = buf[pos + 2]!;
      let d = buf[pos + 3]!;
      if (ebcdic) {
        a = EBCDIC_TO_LATIN1[a]!;
        b = EBCDIC_TO_LATIN1[b]!;
        c = EBCDIC_TO_LATIN1[c]!;
        d = EBCDIC_TO_LATIN1[d]!;
      }
      // (x - 0x30) >>> 0 is above 9 both for bytes below '0' (wrapped to large) and above '9'.
      if (((a - 0x30) >>> 0) > 9 || ((b - 0x30) >>> 0) > 9 || ((c - 0x30) >>> 0) > 9 || ((d - 0x30) >>> 0) > 9) throw bad(pos);
      return String.fromCharCode(a, b, c, d);
    },
    encode(mti, w: Writer) {
      checkMti(mti);
      const out = w.buf;
      const p = w.pos;
      const a = mti.charCodeAt(0);
      const b = mti.charCodeAt(1);
      const c = mti.charCodeAt(2);
      const d = mti.charCodeAt(3);
      if (ebcdic) {
        out[p] = LATIN1_TO_EBCDIC[a]!;
        out[p + 1] = LATIN1_TO_EBCDIC[b]!;
        out[p + 2] = LATIN1_TO_EBCDIC[c]!;
        out[p + 3] = LATIN1_TO_EBCDIC[d]!;
      } else {
        out[p] = a;
        out[p + 1] = b;
        out[p + 2] = c;
        out[p + 3] = d;
      }
      w.pos = p + 4;
    },
  };
}

function checkMti(mti: unknown): asserts mti is string {
  if (typeof mti !== 'string' || mti.length !== 4 || !isDigit(mti, 0) || !isDigit(mti, 1) || !isDigit(mti, 2) || !isDigit(mti, 3)) {
    throw isoError(IsoErrorCode.BAD_MTI, 'mti', undefined, 'the MTI must be a string of 4 decimal digits');
  }
}

function isDigit(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function compileSubfields(doc: SubfieldsDoc, parent: FieldContext): SubfieldCodec {
  switch (doc.kind) {
    case 'positional':
      return positionalSubfields(doc, parent);
    case 'bitmap':
      return bitmapSubfields(doc, parent);
    case 'tlv':
      return tlvSubfields(doc, parent);
  }
}

/** Compile a validated document into an IsoSpec. */
export function compileSpec(document: SpecDocument, source: string): IsoSpec {
  const tertiary = document.bitmap.tertiary === true;
  const defaults = {
    encoding: document.defaults?.encoding ?? 'ascii',
    prefixEncoding: document.defaults?.prefixEncoding ?? 'ascii',
  };
  const fields: (FieldCodec | undefined)[] = new Array(193).fill(undefined);
  const subs: (SubfieldCodec | undefined)[] = new Array(193).fill(undefined);
  const definedWords = new Uint32Array(6);
  setBit(definedWords, 1);
  if (tertiary) setBit(definedWords, 65);
  for (const [key, fieldDoc] of Object.entries(document.fields)) {
    const n = Number(key);
    const where = `${source} fields.${key}`;
    if (!Number.isInteger(n) || n < 2 || n > (tertiary ? 192 : 128) || String(n) !== key) {
      throw specError(where, `data elements are numbered 2..${tertiary ? 192 : 128}`);
    }
    if (tertiary && n === 65) throw specError(where, 'DE 65 is the tertiary bitmap in this spec (bitmap.tertiary: true)');
    const ctx: FieldContext = {
      label: `DE ${n}`,
      field: n,
      path: [],
      depth: 0,
      specWhere: where,
      defaults,
      compileSubfields: (d, p) => {
        const sub = compileSubfields(d, p);
        if (p.depth === 0) subs[n] = sub;
        return sub;
      },
    };
    fields[n] = compileField(fieldDoc, ctx);
    setBit(definedWords, n);
  }
  const plan: MessagePlan = {
    fields,
    walk: generateWalk(fields, tertiary),
    definedWords,
    tertiary,
    mti: mtiCodec(document.mti.encoding),
    bitmap: bitmapCodec(document.bitmap.encoding),
  };
  const fieldNumbers = fields.flatMap((f, n) => (f === undefined ? [] : [n]));
  return {
    name: document.name,
    title: document.title,
    source,
    document,
    fieldNumbers,
    plan,
    describe(field: number, ...path: string[]) {
      const codec = fields[field];
      if (codec === undefined) return undefined;
      if (path.length === 0) return codec.description;
      return subs[field]?.describe(path);
    },
  };
}

/** Load, validate and compile a spec from a file path or an in-memory document. */
export function loadSpecFrom(pathOrDocument: string | SpecDocument): IsoSpec {
  if (typeof pathOrDocument !== 'string') {
    const document = validateDocument(pathOrDocument, () => '<inline>');
    return compileSpec(document, '<inline>');
  }
  let text: string;
  try {
    text = readFileSync(pathOrDocument, 'utf8');
  } catch (err) {
    throw new RigError(IsoErrorCode.BAD_SPEC, `cannot read spec file: ${(err as Error).message}`, {
      where: pathOrDocument,
      exitCode: 2,
      cause: err,
    });
  }
  const { data, locate } = parseSpecText(text, pathOrDocument);
  return compileSpec(validateDocument(data, locate), pathOrDocument);
}

const builtinCache = new Map<string, IsoSpec>();

export function builtin(name: string): IsoSpec {
  const cached = builtinCache.get(name);
  if (cached !== undefined) return cached;
  const file = BUILTIN_SPEC_FILES[name];
  if (file === undefined) {
    throw new RigError(IsoErrorCode.UNKNOWN_SPEC, `no builtin ISO 8583 spec named '${name}'`, {
      where: name,
      exitCode: 2,
      hint: `builtin specs: ${Object.keys(BUILTIN_SPEC_FILES).join(', ')}; or pass a spec file path`,
    });
  }
  const spec = loadSpecFrom(`${SPECS_DIR}${file}`);
  builtinCache.set(name, spec);
  return spec;
}
