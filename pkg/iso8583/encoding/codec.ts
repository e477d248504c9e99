/**
 * The encoder contract every data encoding implements (ASCII, EBCDIC, BCD, binary, hex), in the moov-io
 * sense: an encoding only turns a value into wire bytes and back and checks characters. It knows nothing
 * about length prefixes or padding, which are composed around it by the field plan (pkg/iso8583/field.ts).
 */
import type { Writer } from '../io.ts';

export interface DataCodec {
  /** Wire bytes that carry `units` units (characters, digits, or bytes of a `b` field). */
  wireBytes(units: number): number;
  /** Units carried by `wire` bytes, or -1 when no unit count fits (e.g. an odd number of hex digits). */
  unitsIn(wire: number): number;
  /** Decode buf[start, start + wire) holding `units` units; validates characters. */
  decode(buf: Uint8Array, start: number, wire: number, units: number, label: string): string | Uint8Array;
  /**
   * Check a message value's JS type (and shape, e.g. x+n's sign); return it normalised (hex text -> bytes
   * for `b`). Characters may instead be checked by encode, in the same pass that writes them.
   */
  prepare(value: unknown, label: string): string | Uint8Array;
  /** Units of a prepared value. */
  unitsOf(value: string | Uint8Array): number;
  /**
   * Write a prepared (and padded) value at w.pos (caller ensured room for wireBytes(units)), advance w.pos;
   * throws ISO_BAD_CHAR naming `label` for a character the type does not allow.
   */
  encode(value: string | Uint8Array, units: number, w: Writer, label: string): void;
}
