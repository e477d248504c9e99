/**
 * A strict well-formedness check of one CBOR data item (RFC 8949 §5.3.1), run on every inbound byte
 * string before cbor-x sees it. It allocates nothing and reads each header once, so it costs a fraction
 * of the decode itself.
 *
 * Why it exists: cbor-x happily decodes its own JS-only extensions (record structures, packed values,
 * shared references that can build cycles, Error/RegExp construction, Sets, tagged Maps). None of that is
 * part of the fluxrig wire (DESIGN §3: any CBOR reader must decode an envelope), so it is refused here
 * with the byte offset, together with truncation, trailing bytes, reserved headers and absurd nesting.
 *
 * It must never throw anything but a RigError, and never recurse deeper than MAX_DEPTH.
 */
import { RigError } from '../errors/index.ts';

/** Deepest nesting of arrays/maps/tags accepted; envelopes are shallow, this only stops abuse. */
export const MAX_DEPTH = 64;

/**
 * Tags a plain CBOR reader and cbor-x both map to the same plain value: 0/1 date-time (Date), 2/3 bignum
 * (bigint). Everything else is either unknown to other readers or a cbor-x extension.
 */
const ALLOWED_TAGS = new Set([0, 1, 2, 3]);

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const MAJOR_SIMPLE = 7;
const INDEFINITE = 31;
const BREAK = 0xff;

/** Thrown on any violation; `offset` is where the offending header starts. */
function malformed(reason: string, offset: number, truncated = false): RigError {
  return new RigError('WIRE_MALFORMED', `malformed CBOR: ${reason}`, {
    where: `byte ${offset}`,
    hint: 'the producer must send one plain CBOR item (see pkg/wire/codec.ts)',
    exitCode: 2,
    details: { offset, truncated },
  });
}

class Scanner {
  /** Set when an 8-byte integer was seen: cbor-x decodes those as bigint, decodeCbor narrows them. */
  wideIntegers = false;

  constructor(private readonly bytes: Uint8Array) {}

  /** The argument of the last header read by `argument` (a field, not a tuple: no allocation per item). */
  private value = 0;

  /** Reads the argument of the header at `at` (additional info `info`) into `this.value`; returns the next offset. */
  private argument(info: number, at: number): number {
    const bytes = this.bytes;
    const start = at + 1;
    if (info < 24) {
      this.value = info;
      return start;
    }
    const width = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    if (width === 0) throw malformed(`reserved additional information ${info}`, at);
    if (start + width > bytes.length) throw malformed('truncated header', at, true);
    let value = 0;
    // Multiplication instead of shifts keeps values above 2^31 positive; 8-byte lengths beyond 2^53 lose
    // precision but are rejected by the bounds checks anyway (no input is that long).
    for (let i = 0; i < width; i++) value = value * 256 + (bytes[start + i] as number);
    this.value = value;
    return start + width;
  }

  /** Skips one complete data item starting at `at`; returns the offset just past it. */
  item(at: number, depth: number): number {
    const bytes = this.bytes;
    if (at >= bytes.length) throw malformed('truncated: item expected', at, true);
    if (depth > MAX_DEPTH) throw malformed(`nesting deeper than ${MAX_DEPTH}`, at);
    const initial = bytes[at] as number;
    const major = initial >> 5;
    const info = initial & 0x1f;

    if (info === INDEFINITE) return this.indefinite(major, at, depth);

    const next = this.argument(info, at);
    const value = this.value;
    switch (major) {
      case MAJOR_UNSIGNED:
      case MAJOR_NEGATIVE:
        if (info === 27) this.wideIntegers = true;
        return next;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (value > bytes.length - next) throw malformed('truncated string', at, true);
        return next + value;
      case MAJOR_ARRAY:
      case MAJOR_MAP: {
        const items = major === MAJOR_MAP ? value * 2 : value;
        // Every item takes at least one byte: a count beyond what is left is a truncation, caught
        // before any loop runs for the claimed length.
        if (items > bytes.length - next) throw malformed('truncated container', at, true);
        let position = next;
        for (let i = 0; i < items; i++) position = this.item(position, depth + 1);
        return position;
      }
      case MAJOR_TAG:
        if (!ALLOWED_TAGS.has(value)) throw malformed(`tag ${value} is not allowed on the fluxrig wire`, at);
        return this.item(next, depth + 1);
      default: // MAJOR_SIMPLE
        if (info < 20) throw malformed(`unassigned simple value ${info}`, at);
        if (info === 24) throw malformed(`unassigned simple value ${value}`, at);
        return next; // false, true, null, undefined, half/single/double floats
    }
  }

  /** Indefinite-length arrays and maps, closed by a break byte. */
  private indefinite(major: number, at: number, depth: number): number {
    const bytes = this.bytes;
    if (major === MAJOR_SIMPLE) throw malformed('break outside an indefinite-length item', at);
    if (major === MAJOR_BYTES || major === MAJOR_TEXT) {
      // Valid CBOR, but cbor-x cannot decode chunked strings; say so rather than fail obscurely later.
      throw malformed('indefinite-length strings are not supported', at);
    }
    if (major !== MAJOR_ARRAY && major !== MAJOR_MAP) throw malformed(`major type ${major} cannot be indefinite`, at);
    let position = at + 1;
    let count = 0;
    for (;;) {
      if (position >= bytes.length) throw malformed('truncated: break expected', position, true);
      if (bytes[position] === BREAK) break;
      position = this.item(position, depth + 1);
      count++;
    }
    if (major === MAJOR_MAP && count % 2 !== 0) throw malformed('indefinite map with a key but no value', position);
    return position + 1;
  }
}

export interface ScanResult {
  /** The item holds at least one 8-byte integer (cbor-x turns those into bigint). */
  wideIntegers: boolean;
}

/** Throws WIRE_MALFORMED unless `bytes` holds exactly one well-formed, plain CBOR item. */
export function assertWellFormed(bytes: Uint8Array): ScanResult {
  const scanner = new Scanner(bytes);
  const end = scanner.item(0, 0);
  if (end !== bytes.length) throw malformed(`${bytes.length - end} trailing bytes after the item`, end);
  return { wideIntegers: scanner.wideIntegers };
}
