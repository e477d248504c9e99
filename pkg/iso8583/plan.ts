/**
 * The compiled form of a spec: one FieldCodec per data element, each a closure composed at load time from
 * an encoder (encoding/), a prefixer (prefix/) and a padder (padding.ts), or a subfield codec
 * (composite.ts, tlv.ts). The codec (codec.ts) only walks the bitmap and calls these; it never looks a
 * field property up by name while a message is being packed or unpacked.
 */
import type { Reader, Writer } from './io.ts';
import type { Prefixer } from './prefix/index.ts';
import type { IsoFieldValue } from './types.ts';

export interface FieldCodec {
  /** `DE 35`, `DE 127.3`, … */
  readonly label: string;
  readonly description: string;
  /** Subfield path below the data element (`['127', '3']`). */
  readonly path: readonly string[];
  /** Top-level data element number this codec belongs to. */
  readonly field: number;
  readonly depth: number;
  /** Decode the field at r.pos, never reading at or beyond `end`; leaves r.pos after the field. */
  decode(r: Reader, end: number): IsoFieldValue;
  /** Encode `value` at w.pos, growing w as needed; leaves w.pos after the field. */
  encode(value: unknown, w: Writer): void;
  /**
   * For the common shapes, what the message walk generator (walk-generator.ts) needs to write this field's
   * ordinary case into the generated walk; decode/encode stay the reference it falls back to.
   */
  readonly inline?: InlineShape;
}

/** A field shape whose ordinary case the walk generator writes out inline. */
export type InlineShape = AsciiTextInline | BcdDigitsInline | BinaryBytesInline;

/** Text (not x+n) written in ASCII, fixed or prefixed by units, no subfields (ascii-field.ts). */
export interface AsciiTextInline {
  readonly kind: 'ascii-text';
  /** Allowed Latin-1 codes (charset.ts table). */
  readonly allowed: Uint8Array;
  readonly maxUnits: number;
  readonly minUnits: number;
  /** undefined for a fixed field (length maxUnits). */
  readonly prefixer: Prefixer | undefined;
}

/** n or z digits packed as BCD, fixed or prefixed by digits, no subfields (bcd-field.ts). */
export interface BcdDigitsInline {
  readonly kind: 'bcd-digits';
  readonly type: 'n' | 'z';
  readonly allowed: Uint8Array;
  readonly maxUnits: number;
  readonly minUnits: number;
  readonly prefixer: Prefixer | undefined;
  readonly padLeft: boolean;
  readonly padNibble: number;
}

/**
 * b (bytes) written raw or as upper-case hex digits, fixed or prefixed, no subfields (field.ts's generic
 * codec): DE 52, DE 64, an opaque DE 55. Values are Uint8Array; the generic codec also packs hex strings.
 */
export interface BinaryBytesInline {
  readonly kind: 'binary-bytes';
  /** Two hex digits on the wire per byte (else the bytes themselves). */
  readonly hex: boolean;
  /** In bytes of the value. */
  readonly maxUnits: number;
  readonly minUnits: number;
  readonly prefixer: Prefixer | undefined;
  /** The prefix counts wire bytes (hex digits) instead of value bytes (spec `prefixCounts: bytes`). */
  readonly countsBytes: boolean;
}

/** Decodes/encodes the inside of a field (positional subfields, a nested bitmap, TLV items). */
export interface SubfieldCodec {
  /**
   * Decode r.buf[start, end) completely (bytes left over are ISO_EXTRA_BYTES). r.buf may be a scratch
   * buffer reused later: values must never alias it.
   */
  decodeRegion(r: Reader, start: number, end: number): IsoFieldValue;
  encode(value: unknown, w: Writer): void;
  /**
   * Optional shortcuts for a field carried as hex text (field.ts), taken before the field decodes the hex
   * into a scratch buffer for decodeRegion / encodes into one for `encode`. They may decline (undefined /
   * false; then the field rewinds and takes the ordinary way), never differ from it.
   */
  decodeHexRegion?(buf: Uint8Array, start: number, end: number): IsoFieldValue | undefined;
  encodeHex?(value: unknown, w: Writer): boolean;
  /** Description of a subfield by id (for IsoSpec.describe). */
  describe(path: readonly string[]): string | undefined;
}

export interface MessagePlan {
  /** Field codecs indexed by data element number (0..192); undefined where the spec defines none. */
  readonly fields: readonly (FieldCodec | undefined)[];
  /** The walk over the data elements, generated from `fields` (walk-generator.ts). */
  readonly walk: GeneratedWalk;
  /** For each 32-bit bitmap word (bits 1-32, 33-64, …, 161-192), the bits the spec defines. */
  readonly definedWords: Uint32Array;
  readonly tertiary: boolean;
  readonly mti: MtiCodec;
  readonly bitmap: BitmapCodec;
}

export interface MtiCodec {
  readonly bytes: number;
  decode(buf: Uint8Array, pos: number): string;
  encode(mti: string, w: Writer): void;
}

export interface BitmapCodec {
  /** Wire bytes of one 64-bit bitmap. */
  readonly bytes: number;
  /** Read one bitmap at buf[pos] into words[at], words[at + 1]. */
  decode(buf: Uint8Array, pos: number, words: Uint32Array, at: number, label: string): void;
  /** Write words[at], words[at + 1] as one bitmap at buf[pos]. */
  encode(words: Uint32Array, at: number, buf: Buffer, pos: number): void;
}

/** The message walk generated for one spec (walk-generator.ts); see there for the contracts. */
export interface GeneratedWalk {
  /** Decode the data elements the bitmap words announce, from buf[pos]; returns the offset after the last. */
  unpackFields(buf: Uint8Array, pos: number, end: number, words: Uint32Array, fields: Record<number, IsoFieldValue>, r: Reader): number;
  /**
   * Set words[] from the fields present (keys 1..192 not undefined); throws for a key the spec does not
   * define. For packWithFieldCodecs, the reference pack.
   */
  presence(fields: Record<number, unknown>, words: Uint32Array): void;
  /** Throw for a key 1..192 holding a value where the spec defines no data element (or a bitmap). */
  checkKeys(fields: Record<number, unknown>): void;
  /**
   * Encode the data elements present in `fields` (keys defined by the spec, value not undefined) at w.pos,
   * in order, and set words[] to the bits of those written (continuation bits not included).
   */
  packFields(fields: Record<number, unknown>, words: Uint32Array, w: Writer): void;
}
