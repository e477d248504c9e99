/**
 * Envelope ⇄ CloudEvents 1.0 JSON event format (structured mode), for http-in/http-out gears and
 * anything outside the bus that speaks CloudEvents.
 *
 * Mapping (CloudEvents extension names must be lowercase alphanumerics, ≤ 20 characters):
 *   id, type, source, subject, time, datacontenttype   → the same context attributes
 *   data: Uint8Array                                   → data_base64 (standard base64)
 *   data: anything else                                → data
 *   key                                                → partitionkey   (Partitioning extension)
 *   traceparent                                        → traceparent    (Distributed Tracing extension)
 *   scenario, gear, port, attempt                      → fluxrigscenario, fluxriggear, fluxrigport, fluxrigattempt
 *   headers (map of strings)                           → fluxrigheaders, a JSON string (extension values are scalars)
 *
 * fromCloudEvent validates like decodeEnvelope and throws WIRE_INVALID naming the attribute.
 */
import { RigError } from '../errors/index.ts';
import { describeType } from './cbor.ts';
import { validateEnvelope } from './codec.ts';
import type { Envelope } from './envelope.ts';

export const CLOUDEVENTS_SPEC_VERSION = '1.0';

/** A CloudEvents JSON object: context attributes, extensions and data or data_base64. */
export type CloudEvent = Record<string, unknown> & {
  specversion: string;
  id: string;
  type: string;
  source: string;
};

/** Envelope fields that map 1:1 onto CloudEvents attributes or extensions of another name. */
const STRING_ATTRIBUTES = [
  ['subject', 'subject'],
  ['datacontenttype', 'datacontenttype'],
  ['key', 'partitionkey'],
  ['traceparent', 'traceparent'],
  ['scenario', 'fluxrigscenario'],
  ['gear', 'fluxriggear'],
  ['port', 'fluxrigport'],
] as const;

/** Envelope → CloudEvents JSON object (ready for JSON.stringify). */
export function toCloudEvent(envelope: Envelope): CloudEvent {
  validateEnvelope(envelope);
  const event: CloudEvent = {
    specversion: CLOUDEVENTS_SPEC_VERSION,
    id: envelope.id,
    type: envelope.type,
    source: envelope.source,
    time: envelope.time,
  };
  for (const [field, attribute] of STRING_ATTRIBUTES) {
    const value = envelope[field];
    if (value !== undefined) event[attribute] = value;
  }
  if (envelope.attempt !== undefined) event.fluxrigattempt = envelope.attempt;
  if (envelope.headers !== undefined) event.fluxrigheaders = JSON.stringify(envelope.headers);
  if (envelope.data instanceof Uint8Array) {
    event.data_base64 = Buffer.from(envelope.data.buffer, envelope.data.byteOffset, envelope.data.length).toString(
      'base64',
    );
    if (event.datacontenttype === undefined) event.datacontenttype = 'application/octet-stream';
  } else if (envelope.data !== undefined) {
    event.data = envelope.data;
  }
  return event;
}

function invalid(attribute: string, message: string): RigError {
  return new RigError('WIRE_INVALID', `CloudEvent ${attribute} ${message}`, {
    where: `cloudevent.${attribute}`,
    hint: 'see https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md',
    exitCode: 2,
    details: { field: attribute },
  });
}

function optionalString(event: Record<string, unknown>, attribute: string): string | undefined {
  const value = event[attribute];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(attribute, `must be a string, got ${describeType(value)}`);
  return value;
}

const BASE64_PATTERN = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * CloudEvents JSON object → Envelope. `time` is optional in CloudEvents but required on an envelope:
 * when absent, `now()` (the time of arrival) fills it.
 */
export function fromCloudEvent(value: unknown, now: () => Date = () => new Date()): Envelope {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('', `must be a JSON object, got ${describeType(value)}`);
  }
  const event = value as Record<string, unknown>;
  if (event.specversion !== CLOUDEVENTS_SPEC_VERSION) {
    throw invalid('specversion', `must be "${CLOUDEVENTS_SPEC_VERSION}", got ${JSON.stringify(event.specversion)}`);
  }
  for (const required of ['id', 'type', 'source']) {
    const attribute = event[required];
    if (typeof attribute !== 'string' || attribute.length === 0) throw invalid(required, 'must be a non-empty string');
  }
  const envelope: Envelope = {
    id: event.id as string,
    type: event.type as string,
    source: event.source as string,
    time: optionalString(event, 'time') ?? now().toISOString(),
    data: undefined,
  };
  for (const [field, attribute] of STRING_ATTRIBUTES) {
    const attributeValue = optionalString(event, attribute);
    if (attributeValue !== undefined) envelope[field] = attributeValue;
  }
  const attempt = event.fluxrigattempt;
  if (attempt !== undefined) {
    // Extension values may arrive as strings from transports that stringify every attribute.
    const number = typeof attempt === 'string' ? Number(attempt) : attempt;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1) {
      throw invalid('fluxrigattempt', 'must be a positive integer');
    }
    envelope.attempt = number;
  }
  const headers = optionalString(event, 'fluxrigheaders');
  if (headers !== undefined) {
    try {
      envelope.headers = JSON.parse(headers) as Record<string, string>;
    } catch (cause) {
      throw new RigError('WIRE_INVALID', 'CloudEvent fluxrigheaders is not valid JSON', {
        where: 'cloudevent.fluxrigheaders',
        exitCode: 2,
        cause,
        details: { field: 'fluxrigheaders' },
      });
    }
  }
  if (event.data_base64 !== undefined) {
    if (event.data !== undefined) throw invalid('data_base64', 'must not be combined with data');
    if (typeof event.data_base64 !== 'string' || !BASE64_PATTERN.test(event.data_base64)) {
      throw invalid('data_base64', 'must be a base64 string');
    }
    const buffer = Buffer.from(event.data_base64, 'base64');
    envelope.data = new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
  } else {
    envelope.data = event.data;
  }
  // Same rules as the wire (id header-safe, headers all strings, …), errors named by envelope field.
  validateEnvelope(envelope);
  return envelope;
}
