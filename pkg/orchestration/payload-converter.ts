/**
 * How flow values cross into Temporal: JSON as Temporal's default converter writes it (same
 * `json/plain` encoding, byte-identical output for values without bytes, so recorded histories stay
 * readable), except that byte arrays anywhere inside a value survive the trip. Envelopes carry raw
 * ISO 8583 frames and binary fields (PIN blocks, EMV data) as Uint8Array; the default converter would
 * turn them into `{ "0": 2, "1": 0, … }` objects. Here they travel as `{ "$bytes": "<base64>" }` and come
 * back as Uint8Array.
 *
 * Loaded by the worker, the client AND inside the workflow sandbox (bundled through
 * payloadConverterPath): it must stay pure — no Node built-ins (no Buffer), no I/O, no clocks.
 * A plain object whose only key is `$bytes` with a string value is reserved by this encoding.
 */
import {
  BinaryPayloadConverter,
  CompositePayloadConverter,
  METADATA_ENCODING_KEY,
  UndefinedPayloadConverter,
  ValueError,
  encodingKeys,
} from '@temporalio/common';
import type { Payload, PayloadConverterWithEncoding } from '@temporalio/common';
import { decode, encode } from '@temporalio/common/lib/encoding.js';

const BYTES_TAG = '$bytes';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Map([...ALPHABET].map((c, i) => [c, i]));

export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] ?? 0) << 16;
    out += `${ALPHABET[(n >> 18) & 63]!}${ALPHABET[(n >> 12) & 63]!}==`;
  } else if (rest === 2) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8);
    out += `${ALPHABET[(n >> 18) & 63]!}${ALPHABET[(n >> 12) & 63]!}${ALPHABET[(n >> 6) & 63]!}=`;
  }
  return out;
}

export function base64ToBytes(text: string): Uint8Array {
  const clean = text.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let at = 0;
  for (const c of clean) {
    const digit = LOOKUP.get(c);
    if (digit === undefined) throw new ValueError(`invalid base64 character ${JSON.stringify(c)} in a $bytes value`);
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

const BYTES_MARK = `"${BYTES_TAG}"`;
/** Deeper than this, assume bytes may hide and let the replacer handle it (no recursion limit issues). */
const MAX_SCAN_DEPTH = 32;

function containsBytes(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Uint8Array) return true;
  if (depth > MAX_SCAN_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (containsBytes(item, depth + 1)) return true;
    return false;
  }
  for (const key in value) {
    if (containsBytes((value as Record<string, unknown>)[key], depth + 1)) return true;
  }
  return false;
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify applies toJSON (Buffer has one) before the replacer: read the holder's raw value.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return { [BYTES_TAG]: bytesToBase64(raw) };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const tagged = record[BYTES_TAG];
    if (typeof tagged === 'string' && Object.keys(record).length === 1) return base64ToBytes(tagged);
  }
  return value;
}

/** JSON that keeps nested byte arrays; encoding `json/plain` like Temporal's own JSON converter. */
export class BytesAwareJsonPayloadConverter implements PayloadConverterWithEncoding {
  readonly encodingType = 'json/plain' as const;

  toPayload(value: unknown): Payload | undefined {
    if (value === undefined) return undefined;
    let json: string;
    try {
      // JSON.stringify with a replacer function is several times slower: use it only when needed.
      json = containsBytes(value, 0) ? JSON.stringify(value, replacer) : JSON.stringify(value);
    } catch (err) {
      // Not JSON-serialisable (cycles, BigInt): let the composite try the next converter / report it.
      void err;
      return undefined;
    }
    return { metadata: { [METADATA_ENCODING_KEY]: encodingKeys.METADATA_ENCODING_JSON }, data: encode(json) };
  }

  fromPayload<T>(content: Payload): T {
    if (content.data === undefined || content.data === null) throw new ValueError('Got payload with no data');
    const text = decode(content.data);
    // Same for the reviver: only texts that carry a tagged byte array need it.
    return (text.includes(BYTES_MARK) ? JSON.parse(text, reviver) : JSON.parse(text)) as T;
  }
}

/** The converter every fluxrig worker, client and workflow bundle uses (same order as Temporal's default). */
export const payloadConverter = new CompositePayloadConverter(
  new UndefinedPayloadConverter(),
  new BinaryPayloadConverter(),
  new BytesAwareJsonPayloadConverter(),
);
