/**
 * Plain CBOR in and out: the one cbor-x configuration the whole product uses (envelopes, KV values).
 *
 * Plain means any CBOR reader (Python cbor2, Go fxamacker/cbor, …) decodes our bytes to the same value:
 * objects become ordinary CBOR maps with text keys, Uint8Array a byte string, Date a tag-1 epoch. cbor-x's
 * own extensions stay off — record structures, packing, tag 259 for Maps, tag 64 for Uint8Array — because
 * a foreign reader would see opaque tags instead of the map (DESIGN §3; measured cost in bench/wire).
 *
 * Decoding never trusts its input: a size guard first, then a well-formedness scan (wellformed.ts), then
 * cbor-x. Every failure is a RigError (WIRE_TOO_LARGE / WIRE_MALFORMED); nothing else escapes.
 */
import { Decoder, Encoder } from 'cbor-x';
import { RigError } from '../errors/index.ts';
import { assertWellFormed, MAX_DEPTH } from './wellformed.ts';

/** Default inbound limit: NATS's default max_payload (1 MiB). */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface DecodeOptions {
  /** Reject inputs longer than this before looking inside them. Defaults to DEFAULT_MAX_BYTES. */
  maxBytes?: number;
}

// `useTag259ForMaps` is a runtime option cbor-x's typings omit; without it a JS Map would be tag 259.
const encoderOptions = {
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  useTag259ForMaps: false,
  // cbor-x tags Uint8Array with 64 by default under Node; a plain byte string is what readers expect.
  tagUint8Array: false,
};
const encoder = new Encoder(encoderOptions);

const decoder = new Decoder({
  useRecords: false,
  mapsAsObjects: true,
  // Byte strings are copied out: NATS hands us views into its socket buffers.
  copyBuffers: true,
});

/** Beyond this cbor-x writes integers as float64; we hand it a bigint so readers see an integer. */
const UINT32_MAX = 0xffffffff;
const NEGATIVE_UINT32_MIN = -0x100000000;

function notPlain(path: string, what: string): RigError {
  return new RigError('WIRE_INVALID', `${path} is ${what}, which has no plain CBOR form`, {
    where: path,
    hint: 'send plain values: objects, arrays, strings, numbers, booleans, null, Uint8Array, Date, bigint',
    details: { field: path },
  });
}

/**
 * Returns `value` ready for the wire: the same object when it already is (the common case, no
 * allocation), otherwise a copy in which
 *   - integers beyond 32 bits become bigint (cbor-x would write a float64 and Python would read 1.0e12),
 *   - undefined object properties are dropped and undefined array items become null (as JSON does),
 * and anything with no plain CBOR form (Map, Set, class instances, functions, other typed arrays) is a
 * WIRE_INVALID naming its path. Nesting is bounded like the decoder's, so what we send we can read.
 */
export function toWireValue(value: unknown, path = 'value', depth = 0): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return value;
    case 'number':
      if ((value > UINT32_MAX || value < NEGATIVE_UINT32_MIN) && Number.isSafeInteger(value)) return BigInt(value);
      return value;
    case 'object':
      break;
    default:
      throw notPlain(path, `a ${typeof value}`);
  }
  if (value === null || value instanceof Date) return value;
  if (ArrayBuffer.isView(value)) {
    if (value instanceof Uint8Array) return value;
    throw notPlain(path, `a ${value.constructor.name}`);
  }
  if (depth >= MAX_DEPTH) throw notPlain(path, `nested deeper than ${MAX_DEPTH}`);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const wire = item === undefined ? null : toWireValue(item, `${path}[${i}]`, depth + 1);
      if (wire !== item && copy === undefined) copy = value.slice(0, i);
      if (copy !== undefined) copy.push(wire);
    }
    return copy ?? value;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw notPlain(path, `a ${(value as object).constructor?.name ?? 'class instance'}`);
  }
  let copy: Record<string, unknown> | undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = (value as Record<string, unknown>)[key];
    const wire = item === undefined ? undefined : toWireValue(item, `${path}.${key}`, depth + 1);
    if ((item === undefined || wire !== item) && copy === undefined) {
      copy = {};
      for (let j = 0; j < i; j++) {
        const earlier = keys[j] as string;
        copy[earlier] = (value as Record<string, unknown>)[earlier];
      }
    }
    if (copy !== undefined && wire !== undefined) copy[key] = wire;
  }
  return copy ?? value;
}

const MIN_SAFE_BIGINT = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE_BIGINT = BigInt(Number.MAX_SAFE_INTEGER);

/** Undoes toWireValue's widening on decode: bigints that fit a double exactly become numbers again. */
function narrowIntegers(value: unknown, depth: number): unknown {
  if (typeof value === 'bigint') {
    return value >= MIN_SAFE_BIGINT && value <= MAX_SAFE_BIGINT ? Number(value) : value;
  }
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = narrowIntegers(value[i], depth + 1);
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = narrowIntegers(record[key], depth + 1);
  }
  return value;
}

/** Encodes a plain value (JSON-like, plus Uint8Array, Date, bigint) as standard CBOR. */
export function encodeCbor(value: unknown): Uint8Array {
  return encodeWireValue(toWireValue(value));
}

/** Encodes a value that already went through toWireValue. */
export function encodeWireValue(value: unknown): Uint8Array {
  try {
    return encoder.encode(value);
  } catch (cause) {
    throw new RigError('WIRE_INVALID', `value cannot be encoded as CBOR: ${(cause as Error).message}`, {
      hint: 'send plain values: objects, arrays, strings, numbers, booleans, null, Uint8Array, Date',
      cause,
    });
  }
}

/** Throws WIRE_TOO_LARGE when `bytes` exceeds the limit; cheap, runs before any parsing. */
export function assertSize(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.length > maxBytes) {
    throw new RigError('WIRE_TOO_LARGE', `message of ${bytes.length} bytes exceeds the ${maxBytes}-byte limit`, {
      hint: 'split the payload or raise the limit (and NATS max_payload) deliberately',
      details: { size: bytes.length, maxBytes },
    });
  }
}

/** Decodes one plain CBOR item, or throws a RigError saying why it cannot. */
export function decodeCbor(bytes: Uint8Array, options: DecodeOptions = {}): unknown {
  if (!(bytes instanceof Uint8Array)) {
    throw new RigError('WIRE_MALFORMED', `expected bytes, got ${describeType(bytes)}`);
  }
  assertSize(bytes, options.maxBytes ?? DEFAULT_MAX_BYTES);
  const scan = assertWellFormed(bytes);
  let value: unknown;
  try {
    value = decoder.decode(bytes);
  } catch (cause) {
    // The scan accepted it, so this is cbor-x refusing something subtler (e.g. a float where a bignum
    // byte string belongs). Still the sender's fault, still a typed error.
    throw new RigError('WIRE_MALFORMED', `malformed CBOR: ${(cause as Error).message}`, { cause });
  }
  return scan.wideIntegers ? narrowIntegers(value, 0) : value;
}

/** `null`, `array`, `Uint8Array`, or the typeof: for error messages naming what arrived. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Uint8Array) return 'bytes';
  return typeof value;
}
