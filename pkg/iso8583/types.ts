/**
 * The public data shapes of the ISO 8583 codec: a message (MTI + fields), a field value, a TLV item, the
 * spec file as written (SpecDocument) and the compiled spec (IsoSpec) the codec runs.
 * This module holds types only: no behaviour, no imports of runtime code.
 */

/**
 * One decoded ISO 8583 message. `fields` is keyed by data element number (2..128, 129..192 with a tertiary
 * bitmap). Bitmaps are derived from which fields are present: DE 1 (and DE 65 when the spec has a tertiary
 * bitmap) are never stored here.
 */
export interface IsoMessage {
  mti: string;
  fields: Record<number, IsoFieldValue>;
}

/**
 * A field's value:
 * - `string` for text types (n, a, an, ans, z, x+n, ns, …) in every encoding (ASCII, EBCDIC, BCD, …);
 * - `Uint8Array` for binary (`b`) fields (pack also accepts an even-length hex string for them);
 * - an object keyed by subfield id for composite fields (positional subfields or a nested bitmap, e.g. DE 127);
 * - an array of TLV items for TLV fields (DE 55 EMV data, DE 48 private TLVs).
 */
export type IsoFieldValue = string | Uint8Array | IsoComposite | TlvValue[];

export interface IsoComposite {
  [subfield: string]: IsoFieldValue;
}

/**
 * One TLV item. `tag` is the tag as text: upper-case hex for binary/BER tags (`9F02`), the characters
 * themselves for ASCII/EBCDIC tags (`01`). `value` is bytes for binary values, text for text values, and a
 * nested list for constructed BER tags (e.g. `70`, `77`).
 */
export interface TlvValue {
  tag: string;
  value: string | Uint8Array | TlvValue[];
}

/** Where one field (or subfield) sits in the bytes, for pretty printers and error reports. */
export interface IsoFieldSpan {
  /** `mti`, `bitmap`, `DE 2`, `DE 127.3`, `DE 55 tag 9F02`… */
  label: string;
  /** Field number for top-level data elements, undefined for MTI/bitmaps/subfields. */
  field: number | undefined;
  /** Path of subfield ids below the field (`['127', '3']`), `[]` for MTI/bitmap. */
  path: string[];
  /** Byte offset of the first byte of the length prefix (or of the data when fixed). */
  start: number;
  /** Byte offset of the first data byte (after the prefix). */
  dataStart: number;
  /** Byte offset one past the last byte. */
  end: number;
  /** Nesting depth: 0 for data elements, 1 for their subfields, … */
  depth: number;
  description: string;
}

export interface IsoUnpackDetailed {
  message: IsoMessage;
  spans: IsoFieldSpan[];
}

/* ----------------------------------------------------------------------------------------------------------
 * Spec file format (what a YAML/JSON spec file holds). The JSON Schema in
 * configs/specs/iso8583-spec.schema.json is the authority; these types mirror it.
 * -------------------------------------------------------------------------------------------------------- */

/** Character class of a field: ISO 8583 data type codes plus `z` (track 2) and `x+n` (C/D signed amount). */
export type FieldType =
  | 'n'
  | 'a'
  | 'an'
  | 'ans'
  | 'as'
  | 'ns'
  | 's'
  | 'anp'
  | 'z'
  | 'x+n'
  | 'b'
  | 'any';

/**
 * How a field's data is written on the wire:
 * ascii / ebcdic (cp037) text; bcd packed digits (two per byte); binary raw bytes; hex = binary data written
 * as ASCII hex digits (jPOS IFA_BINARY style).
 */
export type DataEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary' | 'hex';

/** How a length prefix's digits are written. */
export type PrefixEncoding = 'ascii' | 'ebcdic' | 'bcd' | 'binary';

/** `fixed` or as many L as the prefix has decimal digits (L..LLLLLL). */
export type PrefixKind = 'fixed' | 'L' | 'LL' | 'LLL' | 'LLLL' | 'LLLLL' | 'LLLLLL';

export interface PaddingDoc {
  side: 'left' | 'right';
  /** One character for text encodings (`'0'`, `' '`), or one hex nibble for BCD (`'0'`, `'F'`). */
  char: string;
}

export interface FieldDoc {
  description?: string;
  type: FieldType;
  /** Exact length for fixed fields, maximum for variable ones: characters, digits, or bytes for `b`. */
  length: number;
  /** Minimum length for variable fields (default 0). */
  minLength?: number;
  prefix?: PrefixKind;
  prefixEncoding?: PrefixEncoding;
  /** Bytes the prefix takes for bcd/binary prefixes (default ceil(digits / 2)). */
  prefixBytes?: number;
  /** What the prefix counts: `units` (characters, digits, bytes of `b`; default) or wire `bytes`. */
  prefixCounts?: 'units' | 'bytes';
  encoding?: DataEncoding;
  /** Pad for short fixed values and odd BCD digit counts; `none` = values must have the exact length. */
  padding?: PaddingDoc | 'none';
  /** Override the type's character set check (`any` turns it off). */
  charset?: FieldType;
  subfields?: SubfieldsDoc;
  /** Notes, e.g. deviations from another implementation. Not used by the codec. */
  note?: string;
  /**
   * Masking in pretty prints, logs and telemetry (pkg/iso8583/mask.ts): `pan` (first 6/last 4), `track1`,
   * `track2` (PAN masked, rest starred), `secret` or `true` (all starred), `false` (turn a default off).
   * Not used by the codec. Keep in the JSON Schema.
   */
  sensitive?: Sensitivity | boolean;
}

/** How mask.ts hides a value marked `sensitive`. */
export type Sensitivity = 'pan' | 'track1' | 'track2' | 'secret';

export type SubfieldsDoc = PositionalSubfieldsDoc | BitmapSubfieldsDoc | TlvSubfieldsDoc;

/** Subfields one after the other, each with its own length/prefix (e.g. DE 43 name/city/country). */
export interface PositionalSubfieldsDoc {
  kind: 'positional';
  fields: Record<string, FieldDoc>;
}

/** A nested bitmap followed by the subfields it announces (e.g. Base24/Postilion DE 127). */
export interface BitmapSubfieldsDoc {
  kind: 'bitmap';
  bitmap: { encoding: 'binary' | 'hex'; bytes: number };
  fields: Record<string, FieldDoc>;
}

/** Tag-length-value items (DE 55 EMV BER-TLV, DE 48 private TLVs). */
export interface TlvSubfieldsDoc {
  kind: 'tlv';
  /** `ber` = EMV/BER tags (1..4 bytes, continuation bits); otherwise fixed-size tags in an encoding. */
  tag: { format: 'ber' } | { format: 'fixed'; encoding: 'ascii' | 'ebcdic' | 'binary'; length: number };
  /** `ber` = BER definite lengths; otherwise a fixed number of digits/bytes. */
  length:
    | { format: 'ber' }
    | { format: 'fixed'; encoding: 'ascii' | 'ebcdic' | 'bcd' | 'binary'; digits: number };
  /** Encoding of values (default binary for ber, ascii otherwise). */
  value?: { encoding: 'ascii' | 'ebcdic' | 'binary' };
  /** Tag dictionary used to name tags in pretty prints (`emv`). */
  dictionary?: 'emv';
  /**
   * Per-tag notes keyed by tag text: `description` names the tag (pretty prints, describe()), `sensitive`
   * is read by mask.ts. `subfields` is reserved: the codec refuses it (ISO_BAD_SPEC) until it decodes them.
   */
  tags?: Record<string, { description?: string; subfields?: SubfieldsDoc; sensitive?: Sensitivity | boolean }>;
}

export interface SpecDocument {
  /** Stable short name, e.g. `iso87ascii`. */
  name: string;
  title: string;
  description?: string;
  /** Public references the spec follows (URLs, standards). */
  references?: string[];
  mti: { encoding: 'ascii' | 'ebcdic' | 'bcd' };
  bitmap: { encoding: 'binary' | 'hex' | 'ebcdic-hex'; tertiary?: boolean };
  /** Defaults for fields that leave these out. */
  defaults?: { encoding?: DataEncoding; prefixEncoding?: PrefixEncoding };
  fields: Record<string, FieldDoc>;
}

/**
 * A compiled spec: the document plus a ready-to-run plan. Obtain with loadSpec/builtinSpec; treat as opaque
 * (the plan's internals are not public API).
 */
export interface IsoSpec {
  readonly name: string;
  readonly title: string;
  /** The file the spec came from, or `<inline>`. */
  readonly source: string;
  readonly document: SpecDocument;
  /** Human description of a data element or subfield path, e.g. describe(2) → 'Primary account number'. */
  describe(field: number, ...subfieldPath: string[]): string | undefined;
  /** Field numbers the spec defines, ascending. */
  readonly fieldNumbers: readonly number[];
  /** @internal compiled plan used by pack/unpack. */
  readonly plan: unknown;
}
