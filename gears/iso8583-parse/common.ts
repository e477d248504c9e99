/**
 * What the iso8583-* gears share: the config pieces every one of them takes (spec, framing, correlation),
 * the spec lookup (builtin name or file path), the envelope header names they agree on, and the one way
 * they shape an error-port message. Lives with iso8583-parse, the family's simplest gear; the CLI uses the
 * same spec lookup. No I/O here except reading a spec file once at gear creation.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { isRigError, RigError } from '../../pkg/errors/index.ts';
import type { FramingOptions } from '../../pkg/iso8583/framing.ts';
import { builtinSpec, type IsoFieldValue, type IsoMessage, type IsoSpec, loadSpec } from '../../pkg/iso8583/index.ts';
import { type CorrelationOptions, DEFAULT_CORRELATION_FIELDS } from '../../pkg/iso8583/match.ts';

/** Envelope header names the ISO gears read and write. Downstream gears must carry headers through. */
export const ISO_HEADERS = {
  /** Server connection a request came in on; `reply` writes the response there. */
  connection: 'iso8583-connection',
  /** Correlation key of the exchange (also set as the envelope `subject`). */
  correlation: 'iso8583-correlation',
  /** Fixed frame header (e.g. TPDU) of the request, upper-case hex. */
  frameHeader: 'iso8583-frame-header',
  /** Remote address of the server connection, `host:port`. */
  remote: 'iso8583-remote',
  /** Short machine reason on error-port messages: `timeout`, `invalid-message`, `unknown-connection`… */
  reason: 'reason',
  /** The RigError code behind an error-port message, when there is one. */
  code: 'error-code',
  /** Human description of the error (never card data). */
  error: 'error',
} as const;

/** Envelope `type`s the family emits. */
export const ISO_TYPES = {
  message: 'fluxrig.iso8583.message',
  bytes: 'fluxrig.iso8583.bytes',
  error: 'fluxrig.iso8583.error',
} as const;

/** Port kinds (PortSpec.carries) of the family. */
export const CARRIES = { bytes: 'iso8583/bytes', message: 'iso8583/message' } as const;

export const specConfig = z
  .string()
  .min(1)
  .default('iso87ascii')
  .describe('builtin spec name (rig iso8583 specs) or path of a YAML/JSON spec file');

export const framingConfig = z
  .strictObject({
    kind: z.enum(['binary2', 'ascii4', 'none']).default('binary2').describe('length prefix: 2-byte binary, 4 ASCII digits, or none'),
    length_includes_prefix: z.boolean().default(false).describe('the length value counts the prefix bytes'),
    header_length: z.number().int().min(0).max(64).default(0).describe('fixed header after the prefix, e.g. 5 for a TPDU'),
    max_length: z.number().int().min(1).max(65535).default(8192).describe('largest accepted frame; bigger closes the connection'),
  })
  .prefault({});
export type FramingConfig = z.infer<typeof framingConfig>;

export const correlationConfig = z
  .strictObject({
    fields: z
      .array(z.number().int().min(2).max(192))
      .min(1)
      .default([...DEFAULT_CORRELATION_FIELDS])
      .describe('data elements forming the request/response key; the peer must echo them'),
    include_mti: z.boolean().default(true).describe('prefix the key with the exchange MTI (0210 for 0200/0210)'),
  })
  .prefault({});
export type CorrelationConfig = z.infer<typeof correlationConfig>;

export function framingOptions(config: FramingConfig): FramingOptions {
  return {
    kind: config.kind,
    lengthIncludesPrefix: config.length_includes_prefix,
    headerLength: config.header_length,
    maxLength: config.max_length,
  };
}

export function correlationOptions(config: CorrelationConfig): CorrelationOptions {
  return { fields: config.fields, includeMti: config.include_mti };
}

/** A spec given as a builtin name or as a path to a YAML/JSON spec file. */
export function resolveSpec(reference: string): IsoSpec {
  const looksLikePath = /[/\\]|\.(ya?ml|json)$/i.test(reference);
  if (!looksLikePath && !existsSync(reference)) return builtinSpec(reference);
  if (!existsSync(reference)) {
    throw new RigError('ISO_SPEC_NOT_FOUND', `spec file ${reference} does not exist`, {
      hint: 'give a builtin spec name (rig iso8583 specs) or the path of a YAML/JSON spec file',
      exitCode: 2,
    });
  }
  return loadSpec(reference);
}

/** Headers of an error-port message: reason plus, for RigErrors, code and `where: message`. */
export function errorHeaders(reason: string, error?: unknown): Record<string, string> {
  const headers: Record<string, string> = { [ISO_HEADERS.reason]: reason };
  if (error === undefined) return headers;
  if (isRigError(error)) {
    headers[ISO_HEADERS.code] = error.code;
    headers[ISO_HEADERS.error] = error.where ? `${error.where}: ${error.message}` : error.message;
  } else {
    headers[ISO_HEADERS.error] = error instanceof Error ? error.message : String(error);
  }
  return headers;
}

/** Bytes from an envelope payload: Uint8Array (Buffer) as is; anything else is the sender's mistake. */
export function payloadBytes(data: unknown, gear: string): Buffer {
  if (data instanceof Uint8Array) return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new RigError('ISO_GEAR_INPUT', `${gear} expects bytes (an ISO 8583 message), got ${data === null ? 'null' : typeof data}`, {
    hint: 'wire it after a gear that emits iso8583/bytes (iso8583-build, a TCP or file source)',
  });
}

/**
 * An IsoMessage from an envelope payload. Accepts the codec's own shape and its JSON/CBOR form, where
 * field keys arrive as strings ("2") — numeric keys of a JS object are strings anyway, so only the
 * shape is checked here; the codec checks every value.
 */
export function payloadMessage(data: unknown, gear: string): IsoMessage {
  if (typeof data === 'object' && data !== null && !(data instanceof Uint8Array) && !Array.isArray(data)) {
    const { mti, fields } = data as { mti?: unknown; fields?: unknown };
    if (typeof mti === 'string' && typeof fields === 'object' && fields !== null && !Array.isArray(fields)) {
      return { mti, fields: fields as Record<number, IsoFieldValue> };
    }
  }
  throw new RigError('ISO_GEAR_INPUT', `${gear} expects an ISO 8583 message {mti, fields}`, {
    hint: 'wire it after a gear that emits iso8583/message (iso8583-parse, iso8583-server, iso8583-client)',
  });
}
