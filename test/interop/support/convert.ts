/**
 * Representation rules between fluxrig messages, the shared vectors and the oracles' JSON.
 *
 * The three codecs agree on bytes but not on how a value is held in memory: fluxrig gives `b` fields as
 * Uint8Array (TLV fields as TlvValue[]); jPOS gives ISOBinaryField values as bytes and everything else as
 * text (so ISO87A's DE 55, an IFA_LLLCHAR, is the hex text itself, and ISO87B's DE 55, an IFB_LLLCHAR, is
 * the raw bytes as Latin-1 text); pyiso8583 gives `data_enc: b` fields as hex and the rest as text.
 * This module maps every value to one canonical form so a comparison is about content, not about
 * representation: text stays text, bytes become `hex:` + upper-case hex of the bytes the field carries.
 * Which side holds bytes is read from the specs (fluxrig's spec document, the oracle's binary field set),
 * never guessed from a value. What it must never do: make two different contents compare equal.
 */
import type { IsoFieldValue, IsoMessage, IsoSpec, TlvValue } from '../../../pkg/iso8583/index.ts';
import type { Oracle, OracleMessage } from './oracles.ts';

/** One shared test message from test/interop/vectors.json. */
export interface Vector {
  name: string;
  source: string;
  specs: string[];
  mti: string;
  fields: Record<string, string>;
  binary: Record<string, string>;
  expect?: Record<string, string>;
  bench?: boolean;
}

export interface VectorFile {
  about: string;
  sources: Record<string, string>;
  vectors: Vector[];
}

/**
 * How fluxrig's spec holds a data element: text, or bytes written raw or as hex digits on the wire; bytes
 * of a BER-TLV field (DE 55) are held as TlvValue[] items.
 */
type FluxKind = { bytes: false } | { bytes: true; hexOnWire: boolean; berTlv: boolean };

function fluxKind(spec: IsoSpec, field: number): FluxKind | undefined {
  const doc = spec.document.fields[String(field)];
  if (doc === undefined) return undefined;
  if (doc.type !== 'b') return { bytes: false };
  const encoding = doc.encoding ?? spec.document.defaults?.encoding;
  const sub = doc.subfields;
  const berTlv = sub?.kind === 'tlv' && sub.tag.format === 'ber';
  return { bytes: true, hexOnWire: encoding === 'hex', berTlv };
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function fromHex(hex: string): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`not an even-length hex string: ${hex}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** BER-TLV encoding of decoded TLV items (EMV tags are hex; definite lengths, short or long form). */
export function encodeTlv(items: readonly TlvValue[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const item of items) {
    const value =
      typeof item.value === 'string'
        ? Buffer.from(item.value, 'latin1')
        : Array.isArray(item.value)
          ? Buffer.from(encodeTlv(item.value))
          : Buffer.from(item.value);
    const n = value.length;
    const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
    parts.push(Buffer.from(item.tag, 'hex'), Buffer.from(length), value);
  }
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * BER-TLV items as fluxrig holds them (tag as upper-case hex; primitive values as bytes, constructed ones
 * as nested items). Definite lengths only, as EMV requires.
 */
export function decodeTlv(bytes: Uint8Array): TlvValue[] {
  const items: TlvValue[] = [];
  let pos = 0;
  const take = (): number => {
    const byte = bytes[pos++];
    if (byte === undefined) throw new Error(`BER-TLV truncated at byte ${pos - 1}`);
    return byte;
  };
  while (pos < bytes.length) {
    const tagStart = pos;
    const first = take();
    if ((first & 0x1f) === 0x1f) while ((take() & 0x80) !== 0);
    const tag = toHex(bytes.subarray(tagStart, pos));
    let length = take();
    if (length & 0x80) {
      const count = length & 0x7f;
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + take();
    }
    if (pos + length > bytes.length) throw new Error(`BER-TLV tag ${tag} wants ${length} bytes, ${bytes.length - pos} left`);
    const value = bytes.slice(pos, pos + length);
    pos += length;
    items.push({ tag, value: (first & 0x20) !== 0 ? decodeTlv(value) : value });
  }
  return items;
}

/** The bytes a fluxrig byte-valued field carries, whatever its in-memory form. */
function fluxBytes(value: IsoFieldValue, where: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return encodeTlv(value);
  throw new Error(`${where}: expected bytes or TLV items, got ${typeof value === 'string' ? 'text' : 'a composite'}`);
}

function sortedByField<T>(entries: [string, T][]): Record<string, T> {
  return Object.fromEntries(entries.sort((a, b) => Number(a[0]) - Number(b[0])));
}

/** Canonical fields of a fluxrig message (text as is, bytes as `hex:…`). */
export function canonicalFromFlux(message: IsoMessage): Record<string, string> {
  return sortedByField(
    Object.entries(message.fields).map(([n, value]): [string, string] =>
      typeof value === 'string' ? [n, value] : [n, `hex:${toHex(fluxBytes(value, `DE ${n}`))}`],
    ),
  );
}

/** Canonical fields of an oracle's message, read through the oracle's and fluxrig's field definitions. */
export function canonicalFromOracle(message: OracleMessage, oracle: Oracle, spec: IsoSpec): Record<string, string> {
  return sortedByField(
    Object.entries(message.fields).map(([n, value]): [string, string] => {
      if (oracle.binaryFields.has(Number(n))) return [n, `hex:${value.toUpperCase()}`];
      const kind = fluxKind(spec, Number(n));
      if (kind?.bytes !== true) return [n, value];
      // A text field in the oracle that fluxrig holds as bytes: hex text on the wire, or raw bytes as Latin-1.
      return [n, `hex:${kind.hexOnWire ? value.toUpperCase() : toHex(Buffer.from(value, 'latin1'))}`];
    }),
  );
}

/** Canonical fields of a vector (text fields as is, its `binary` fields as `hex:…`). */
export function canonicalFromVector(vector: Vector): Record<string, string> {
  return sortedByField([
    ...Object.entries(vector.fields),
    ...Object.entries(vector.binary).map(([n, hex]): [string, string] => [n, `hex:${hex.toUpperCase()}`]),
  ]);
}

/** A vector as a fluxrig message for `spec`: byte fields as Uint8Array where fluxrig holds bytes. */
export function fluxFromVector(vector: Vector, spec: IsoSpec): IsoMessage {
  const fields: Record<number, IsoFieldValue> = {};
  for (const [n, text] of Object.entries(vector.fields)) fields[Number(n)] = text;
  for (const [n, hex] of Object.entries(vector.binary)) {
    const kind = fluxKind(spec, Number(n));
    // A spec that holds these bytes as text carries them as hex digits (the 1987 ASCII convention).
    fields[Number(n)] = kind?.bytes !== true ? hex.toUpperCase() : kind.berTlv ? decodeTlv(fromHex(hex)) : fromHex(hex);
  }
  return { mti: vector.mti, fields };
}

/** A fluxrig message in an oracle's JSON form (what the oracle's `pack` takes). */
export function oracleFromFlux(message: IsoMessage, oracle: Oracle, spec: IsoSpec): OracleMessage {
  const fields: Record<string, string> = {};
  for (const [n, value] of Object.entries(message.fields)) {
    if (typeof value === 'string') {
      fields[n] = value;
      continue;
    }
    const bytes = fluxBytes(value, `DE ${n}`);
    if (oracle.binaryFields.has(Number(n))) {
      fields[n] = toHex(bytes);
    } else {
      const kind = fluxKind(spec, Number(n));
      fields[n] = kind?.bytes === true && !kind.hexOnWire ? Buffer.from(bytes).toString('latin1') : toHex(bytes);
    }
  }
  return { mti: message.mti, fields };
}
