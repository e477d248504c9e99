/**
 * pkg/iso8583 public entry: the spec-driven ISO 8583 codec. Everything other modules (framing, masking,
 * matching, CLI, gears) use is exported from here; import nothing else from this folder's internals.
 *
 *   const spec = builtinSpec('iso87ascii');          // or loadSpec('configs/specs/my.yaml')
 *   const msg = unpack(bytes, spec);                  // { mti: '0200', fields: { 2: '4111…', 3: '000000' } }
 *   const bytes2 = pack(msg, spec);                   // byte-exact with `bytes`
 *
 * Errors are RigErrors with codes from IsoErrorCode (ISO_TRUNCATED, ISO_BAD_LENGTH, ISO_BAD_CHAR,
 * ISO_UNDEFINED_FIELD, ISO_BAD_BITMAP, ISO_EXTRA_BYTES, …); `where` is `DE 35 @ byte 57`.
 */
import { RigError } from '../errors/index.ts';
import type { IsoMessage, IsoSpec, IsoUnpackDetailed, SpecDocument } from './types.ts';

export type {
  DataEncoding,
  FieldDoc,
  FieldType,
  IsoComposite,
  IsoFieldSpan,
  IsoFieldValue,
  IsoMessage,
  IsoSpec,
  IsoUnpackDetailed,
  PrefixEncoding,
  PrefixKind,
  SpecDocument,
  SubfieldsDoc,
  TlvValue,
} from './types.ts';
export { IsoErrorCode, isoError } from './errors.ts';
export type { EmvTagInfo } from './emv-tags.ts';
export { emvTagInfo, emvTags } from './emv-tags.ts';

export type BuiltinSpecName = 'iso87ascii' | 'iso87binary' | 'iso93ascii' | 'iso87ebcdic';

function notYet(what: string): never {
  throw new RigError('NOT_IMPLEMENTED', `${what} is not implemented yet`, {
    hint: 'pkg/iso8583 is being built; this API is fixed, the body lands shortly',
  });
}

/** Load a spec from a YAML/JSON file path or an in-memory document; validates against the JSON Schema. */
export function loadSpec(pathOrDocument: string | SpecDocument): IsoSpec {
  return notYet(`loadSpec(${typeof pathOrDocument === 'string' ? pathOrDocument : 'document'})`);
}

/** One of the specs shipped in configs/specs/. */
export function builtinSpec(name: BuiltinSpecName | string): IsoSpec {
  return notYet(`builtinSpec(${name})`);
}

/** The shipped specs: name, title and file path. */
export function listBuiltinSpecs(): { name: string; title: string; path: string }[] {
  return notYet('listBuiltinSpecs');
}

/** Decode one message (exactly: extra bytes are an error). */
export function unpack(bytes: Uint8Array, spec: IsoSpec): IsoMessage {
  void bytes;
  return notYet(`unpack(${spec.name})`);
}

/** Decode one message and report where every field sits (for pretty printers). Slower than unpack. */
export function unpackDetailed(bytes: Uint8Array, spec: IsoSpec): IsoUnpackDetailed {
  void bytes;
  return notYet(`unpackDetailed(${spec.name})`);
}

/** Encode one message; the bitmap(s) follow from which fields are present. */
export function pack(message: IsoMessage, spec: IsoSpec): Uint8Array {
  void message;
  return notYet(`pack(${spec.name})`);
}
