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
import { packWith, unpackWith } from './codec.ts';
import type { MessagePlan } from './plan.ts';
import { BUILTIN_SPEC_FILES, builtin, loadSpecFrom, SPECS_DIR } from './spec.ts';
import type { IsoFieldSpan, IsoMessage, IsoSpec, IsoUnpackDetailed, SpecDocument } from './types.ts';

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
export { MAX_TLV_DEPTH } from './tlv.ts';

export type BuiltinSpecName = 'iso87ascii' | 'iso87binary' | 'iso93ascii' | 'iso87ebcdic';

/** Load a spec from a YAML/JSON file path or an in-memory document; validates against the JSON Schema. */
export function loadSpec(pathOrDocument: string | SpecDocument): IsoSpec {
  return loadSpecFrom(pathOrDocument);
}

/** One of the specs shipped in configs/specs/ (compiled once, then cached). */
export function builtinSpec(name: BuiltinSpecName | string): IsoSpec {
  return builtin(name);
}

/** The shipped specs: name, title and file path. */
export function listBuiltinSpecs(): { name: string; title: string; path: string }[] {
  return Object.entries(BUILTIN_SPEC_FILES).map(([name, file]) => ({
    name,
    title: builtin(name).title,
    path: `${SPECS_DIR}${file}`,
  }));
}

/**
 * Decode one message, which must fill `bytes` exactly (leftovers are ISO_EXTRA_BYTES). Values never alias
 * `bytes`; binary values over 64 bytes may share an 8 KiB ArrayBuffer with other values (as small Buffers
 * do), so read them through byteOffset/byteLength. Whatever unpack accepts, pack turns back into the same
 * bytes.
 */
export function unpack(bytes: Uint8Array, spec: IsoSpec): IsoMessage {
  return unpackWith(spec.plan as MessagePlan, bytes, null);
}

/** Decode one message and report where every field sits (for pretty printers). Slower than unpack. */
export function unpackDetailed(bytes: Uint8Array, spec: IsoSpec): IsoUnpackDetailed {
  const spans: IsoFieldSpan[] = [];
  const message = unpackWith(spec.plan as MessagePlan, bytes, spans);
  return { message, spans };
}

/**
 * Encode one message; the bitmap(s) follow from which fields are present (keys 1..192 whose value is not
 * undefined; other keys cannot be data elements and are not looked at). Short fixed text/numeric values are
 * padded as the spec says. Returns new bytes owned by the caller: a plain Uint8Array (not a Buffer) that,
 * like a pooled Buffer, may share an 8 KiB ArrayBuffer with other pack results, so read it through
 * byteOffset/byteLength.
 */
export function pack(message: IsoMessage, spec: IsoSpec): Uint8Array {
  return packWith(spec.plan as MessagePlan, message);
}
