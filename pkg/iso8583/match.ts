/**
 * Request/response matching for ISO 8583: which MTI answers which, and a correlation key that a request
 * and its response both produce, so a client can pair them and a server can route a reply.
 *
 * MTI digits are version, class, function, origin. A request has an even function digit (0 request,
 * 2 advice, 4 notification, 6 instruction); its response has the next odd one. Repeats (origin 1, 3, 5)
 * are answered like the original, so 0201 → 0210 and 0421 → 0430.
 *
 * The key is built from configured fields (default STAN, RRN, terminal id, acquirer id) plus the
 * response MTI, so a reversal (0400) and the purchase it reverses (0200) with the same STAN never
 * collide. Pure functions; this module never reads the clock or does I/O.
 */
import { RigError } from '../errors/index.ts';

/** The minimal message shape matching needs (structurally compatible with the codec's IsoMessage). */
export interface MatchableMessage {
  mti: string;
  fields: Readonly<Record<number, unknown>>;
}

/** STAN (DE 11), RRN (DE 37), card acceptor terminal id (DE 41), acquiring institution id (DE 32). */
export const DEFAULT_CORRELATION_FIELDS: readonly number[] = [11, 37, 41, 32];

const MTI_PATTERN = /^[0-9]{4}$/;

function checkMti(mti: string): void {
  if (!MTI_PATTERN.test(mti)) {
    throw new RigError('ISO_BAD_MTI', `MTI must be four decimal digits, got ${JSON.stringify(mti)}`, { where: 'MTI' });
  }
}

function functionDigit(mti: string): number {
  return mti.charCodeAt(2) - 0x30;
}

/** True for request, advice, notification and instruction MTIs (even function digit 0–6). */
export function isRequestMti(mti: string): boolean {
  checkMti(mti);
  const fn = functionDigit(mti);
  return fn % 2 === 0 && fn <= 6;
}

/** True for the answers to the above (odd function digit 1–7). */
export function isResponseMti(mti: string): boolean {
  checkMti(mti);
  const fn = functionDigit(mti);
  return fn % 2 === 1 && fn <= 7;
}

/** Origin digit with the repeat bit cleared: 1 → 0, 3 → 2, 5 → 4. */
function originalOrigin(mti: string): string {
  const origin = mti.charCodeAt(3) - 0x30;
  return String(origin <= 5 ? origin - (origin % 2) : origin);
}

/** The MTI that answers `requestMti`: 0100→0110, 0200→0210, 0201→0210, 0420→0430, 1804→1814… */
export function responseMti(requestMti: string): string {
  if (!isRequestMti(requestMti)) {
    throw new RigError('ISO_MTI_NOT_REQUEST', `MTI ${requestMti} is not a request, advice, notification or instruction`, {
      where: 'MTI',
      hint: 'only MTIs with an even function digit (third digit 0, 2, 4, 6) have a response',
    });
  }
  return `${requestMti.slice(0, 2)}${functionDigit(requestMti) + 1}${originalOrigin(requestMti)}`;
}

/** The MTI both sides of an exchange agree on: the response MTI (repeat origin cleared). */
export function exchangeMti(mti: string): string {
  if (isRequestMti(mti)) return responseMti(mti);
  if (isResponseMti(mti)) return `${mti.slice(0, 3)}${originalOrigin(mti)}`;
  throw new RigError('ISO_BAD_MTI', `MTI ${mti} is neither a request nor a response (function digit ${mti[2]})`, { where: 'MTI' });
}

export interface CorrelationOptions {
  /** Data elements whose values form the key, in order. Both sides must carry (echo) them. */
  fields?: readonly number[];
  /** Prefix the key with the exchange MTI (default true) so 0200 and 0400 with equal fields stay apart. */
  includeMti?: boolean;
}

/** The text a field contributes to a key: strings as they are, bytes as hex, composites as JSON. */
function fieldText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner instanceof Uint8Array ? Buffer.from(inner.buffer, inner.byteOffset, inner.byteLength).toString('hex') : inner,
  );
}

/**
 * Build a key function once (fields hoisted) and call it per message. A request and its response give
 * the same key when the peer echoes the configured fields. Missing fields count as empty, so a field
 * both sides omit does no harm; a field only one side carries makes the keys differ (say so in config).
 */
export function correlator(options: CorrelationOptions = {}): (message: MatchableMessage) => string {
  const fields = [...(options.fields ?? DEFAULT_CORRELATION_FIELDS)];
  if (fields.length === 0) {
    throw new RigError('ISO_MATCH_CONFIG', 'correlation needs at least one field', { hint: 'e.g. fields = [11, 37, 41]', exitCode: 2 });
  }
  for (const field of fields) {
    if (!Number.isInteger(field) || field < 2 || field > 192) {
      throw new RigError('ISO_MATCH_CONFIG', `correlation field ${field} is not a data element number (2–192)`, { exitCode: 2 });
    }
  }
  const includeMti = options.includeMti ?? true;
  return (message) => {
    let key = includeMti ? exchangeMti(message.mti) : '';
    for (const field of fields) key += `|${field}=${fieldText(message.fields[field])}`;
    return key;
  };
}

/** One-off key; prefer `correlator()` on hot paths. */
export function correlationKey(message: MatchableMessage, options?: CorrelationOptions): string {
  return correlator(options)(message);
}
