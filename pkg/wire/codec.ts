/**
 * The envelope codec: Envelope ⇄ bytes on every NATS subject (DESIGN §3).
 *
 * On the wire an envelope is ONE plain CBOR map with text keys named exactly like the Envelope fields;
 * absent optional fields are left out (never encoded as undefined/null); binary `data` is a CBOR byte
 * string. Any CBOR reader decodes it to the same map (proved against Python cbor2 in
 * codec.interop.test.ts). We deliberately do not use cbor-x record structures: they would save ~40% of
 * the bytes, but a foreign reader would see a tag, not the map.
 *
 * decodeEnvelope never trusts its input: size guard, well-formedness scan, decode, then a shape check
 * that names the offending field. It throws only RigErrors: WIRE_TOO_LARGE, WIRE_MALFORMED, WIRE_INVALID.
 * It returns a fresh object holding only the known fields (unknown keys are dropped, not smuggled along).
 */
import { RigError } from '../errors/index.ts';
import { type DecodeOptions, decodeCbor, describeType, encodeWireValue, toWireValue } from './cbor.ts';
import type { Envelope } from './envelope.ts';

export type { DecodeOptions } from './cbor.ts';
export { DEFAULT_MAX_BYTES } from './cbor.ts';

/** Optional string fields, in wire order. */
const OPTIONAL_STRINGS = ['subject', 'datacontenttype', 'scenario', 'gear', 'port', 'key', 'traceparent'] as const;

/**
 * Envelope ids travel as the JetStream `Nats-Msg-Id` header too, so they must be header-safe: printable
 * ASCII without spaces, at most 128 characters. Sonyflake decimal strings always are.
 */
const ID_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** WIRE_INVALID naming `field`; `value` (when given) is described in details.got. */
function invalid(field: string, message: string, ...value: [unknown?]): RigError {
  return new RigError('WIRE_INVALID', `envelope ${field} ${message}`, {
    where: `envelope.${field}`,
    hint: 'build envelopes with the gear context (context.envelope) or check the producer',
    exitCode: 2,
    details: value.length > 0 ? { field, got: describeType(value[0]) } : { field },
  });
}

function requireString(record: Record<string, unknown>, field: string): string {
  const value = record[field];
  if (value === undefined) throw invalid(field, 'is missing');
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describeType(value)}`, value);
  if (value.length === 0) throw invalid(field, 'must not be empty');
  return value;
}

function optionalString(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describeType(value)}`, value);
  return value;
}

function checkId(id: string): void {
  if (!ID_PATTERN.test(id)) throw invalid('id', 'must be 1-128 printable ASCII characters without spaces');
}

function checkAttempt(attempt: unknown): void {
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1) {
    throw invalid('attempt', `must be a positive integer, got ${String(attempt)}`, attempt);
  }
}

function checkHeaders(headers: unknown): void {
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || headers instanceof Uint8Array) {
    throw invalid('headers', `must be a map of strings, got ${describeType(headers)}`, headers);
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') {
      throw invalid(`headers.${name}`, `must be a string, got ${describeType(value)}`, value);
    }
  }
}

/** Checks an envelope about to be sent; throws WIRE_INVALID naming the first bad field. */
export function validateEnvelope(envelope: Envelope): void {
  const record = envelope as unknown as Record<string, unknown>;
  checkId(requireString(record, 'id'));
  requireString(record, 'type');
  requireString(record, 'source');
  requireString(record, 'time');
  for (const field of OPTIONAL_STRINGS) {
    const value = record[field];
    if (value !== undefined && typeof value !== 'string') {
      throw invalid(field, `must be a string, got ${describeType(value)}`, value);
    }
  }
  if (envelope.attempt !== undefined) checkAttempt(envelope.attempt);
  if (envelope.headers !== undefined) checkHeaders(envelope.headers);
}

/** Envelope → CBOR bytes. Throws WIRE_INVALID for a bad envelope or a `data` CBOR cannot carry. */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  validateEnvelope(envelope);
  // A fresh object in fixed field order: absent fields never reach the wire, and every envelope has
  // the same key order (stable bytes for equal envelopes, friendlier to compression and diffing).
  const wire: Record<string, unknown> = {
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
  };
  for (const field of OPTIONAL_STRINGS) {
    const value = envelope[field];
    if (value !== undefined) wire[field] = value;
  }
  if (envelope.attempt !== undefined) wire.attempt = envelope.attempt;
  if (envelope.headers !== undefined) wire.headers = envelope.headers;
  if (envelope.data !== undefined) wire.data = toWireValue(envelope.data, 'envelope.data');
  return encodeWireValue(wire);
}

/** CBOR bytes → Envelope, or a RigError (WIRE_TOO_LARGE, WIRE_MALFORMED, WIRE_INVALID). */
export function decodeEnvelope(bytes: Uint8Array, options: DecodeOptions = {}): Envelope {
  const decoded = decodeCbor(bytes, options);
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded) || decoded instanceof Uint8Array) {
    throw new RigError('WIRE_INVALID', `envelope must be a CBOR map, got ${describeType(decoded)}`, {
      where: 'envelope',
      exitCode: 2,
      details: { field: '', got: describeType(decoded) },
    });
  }
  const record = decoded as Record<string, unknown>;
  const id = requireString(record, 'id');
  checkId(id);
  const envelope: Envelope = {
    id,
    type: requireString(record, 'type'),
    source: requireString(record, 'source'),
    time: requireString(record, 'time'),
    data: record.data,
  };
  // Spelled out field by field (not a loop over names): named property loads and stores in a fixed
  // order keep this hot path monomorphic; it is measurably faster in bench/wire.
  const { subject, datacontenttype, scenario, gear, port, key, traceparent } = record;
  if (subject !== undefined) envelope.subject = optionalString('subject', subject);
  if (datacontenttype !== undefined) envelope.datacontenttype = optionalString('datacontenttype', datacontenttype);
  if (scenario !== undefined) envelope.scenario = optionalString('scenario', scenario);
  if (gear !== undefined) envelope.gear = optionalString('gear', gear);
  if (port !== undefined) envelope.port = optionalString('port', port);
  if (key !== undefined) envelope.key = optionalString('key', key);
  if (traceparent !== undefined) envelope.traceparent = optionalString('traceparent', traceparent);
  if (record.attempt !== undefined) {
    checkAttempt(record.attempt);
    envelope.attempt = record.attempt as number;
  }
  if (record.headers !== undefined) {
    checkHeaders(record.headers);
    envelope.headers = record.headers as Record<string, string>;
  }
  return envelope;
}
