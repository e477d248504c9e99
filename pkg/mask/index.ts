/**
 * Generic masking of cardholder data and secrets, for logs, pretty-printers and telemetry export.
 *
 * - PANs: 13–19 digit Luhn-valid numbers (contiguous, or in 4-digit groups split by one space or dash)
 *   keep their first 6 and last 4 digits: `4111111111111111` → `411111******1111`.
 * - Track 1 (`%B<pan>^<name>^<yymm>…?`) and track 2 (`;<pan>=<yymm>…?`, also the `D` separator of
 *   ISO 8583 DE 35) keep only the masked PAN.
 * - Secrets: values under secret-ish keys (password, token, secret, key, pin, cvv, authorization…) become
 *   `***`, in objects, in `key=value` / `key: value` text, in JSON text, in `Bearer …` and URL user-info.
 *
 * Values under the id keys fluxrig uses for Sonyflake ids (`id`, `msg_id`, …) are left alone: they are
 * 18–19 digit decimals and one in ten would pass the Luhn check. Everything else errs on the side of
 * masking too much. This module must never throw on odd input and never mutate what it is given.
 * Field-aware ISO 8583 masking builds on top of these helpers (pkg/iso8583).
 */

export const SECRET_MASK = '***';

/** Luhn (mod 10) check over a string of ASCII digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** `4111111111111111` → `411111******1111`. Separators inside the PAN are dropped. Short input → all `*`. */
export function maskPan(pan: string): string {
  const digits = pan.replace(/[\s-]/g, '');
  if (digits.length < 11) return '*'.repeat(digits.length);
  return digits.slice(0, 6) + '*'.repeat(digits.length - 10) + digits.slice(-4);
}

// --- patterns, compiled once -------------------------------------------------------------------------

/** Words that make a key (or a `word=value` in text) secret. Matched against the key's words. */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'token',
  'secret',
  'key',
  'apikey',
  'pin',
  'pinblock',
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'cav',
  'authorization',
  'cookie',
  'credential',
  'credentials',
  'creds',
  'seed',
  'nkey',
  'jwt',
]);

/** Keys whose values are fluxrig ids (Sonyflake decimals), never PANs by construction. */
const ID_KEYS = new Set([
  'id',
  'msg_id',
  'msgId',
  'envelope_id',
  'envelopeId',
  'request_id',
  'requestId',
  'correlation_id',
  'correlationId',
  'causation_id',
  'causationId',
  'trace_id',
  'traceId',
  'span_id',
  'spanId',
  'parent_id',
  'parentId',
  'workflow_id',
  'workflowId',
  'run_id',
  'runId',
]);

// One pass over the text finds, in order of preference:
//  1. track 1: optional %, format code B, PAN, ^NAME^, YYMM and the rest up to the end sentinel;
//  2. track 2: optional ;, PAN, separator = (or D in the hex form of DE 35), YYMM and the rest;
//  3. a PAN candidate: 13–19 contiguous digits, or card-style groups (4-4-4-4, 4-6-5, 4-4-4-4-3) split
//     by one space or dash; never part of a longer digit run.
const CARD_DATA = new RegExp(
  [
    String.raw`%?B(\d{12,19})\^[^^\n]{0,26}\^\d{4}[^?\s"]*\??`,
    String.raw`;?(?<![\d*])(\d{12,19})[=D]\d{4}[\dA-F]*\??`,
    String.raw`(?<![\d*])(?:\d{13,19}|\d{4}[ -]\d{4,6}[ -]\d{4,5}(?:[ -]\d{1,7})?)(?![\d*])`,
  ].join('|'),
  'g',
);
// Cheap pre-test: any run of 12+ digits (optionally grouped) at all?
const HAS_LONG_DIGITS = /\d{4}[ -]?\d{4,6}[ -]?\d{4}/;
// Cheap pre-test for secrets in text.
const HAS_SECRET_HINT =
  /pass|pwd|token|secret|key|pin|cvv|cvc|cav|auth|bearer|cookie|cred|seed|jwt|:\/\/[^\s/@]+@/i;
// `"password":"…"` / `"token": 123` inside JSON text.
const JSON_SECRET = /"([A-Za-z0-9_.-]*)"(\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false)/g;
// `password=…`, `token: …`, `api_key="…"` inside free text.
const TEXT_SECRET =
  /\b([A-Za-z0-9_.-]*(?:pass(?:word|wd|phrase)?|pwd|token|secret|key|pin(?:block)?|cvv2?|cvc2?|authorization|cookie|cred(?:ential)?s?|seed|jwt))(\s*[=:]\s*)(?!\*\*\*)((?:Bearer|Basic)\s+[^\s,;&"'}\]]+|"[^"]*"|'[^']*'|[^\s,;&"'}\]]+)/gi;
const BEARER = /\b(Bearer|Basic)\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]+/g;
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^\s/:@]*):([^\s/@]+)@/gi;
// Before a PAN candidate: `"id":"` or `"msg_id": ` — the id-key exemption for JSON lines.
const JSON_ID_KEY_BEFORE = /"([A-Za-z_]+)"\s*:\s*"?$/;

// Numbers under these keys are clock readings or durations (13-digit epoch milliseconds), not PANs.
const TIME_KEY = /(?:^|_)(?:time|ts|timestamp)$|(?:_at|At|_ms|Ms|_us|Us|_ns|Ns)$/;

const secretKeyCache = new Map<string, boolean>();

/** Whether a key names a secret: one of its words (split on _ - . and camelCase) is a secret word. */
export function isSecretKey(key: string): boolean {
  const cached = secretKeyCache.get(key);
  if (cached !== undefined) return cached;
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s_.-]+/);
  let secret = SECRET_WORDS.has(key.toLowerCase().replace(/[_.-]/g, ''));
  for (const word of words) if (SECRET_WORDS.has(word)) secret = true;
  if (secretKeyCache.size < 10_000) secretKeyCache.set(key, secret);
  return secret;
}

function maskCardData(
  match: string,
  track1Pan: string | undefined,
  track2Pan: string | undefined,
  offset: number,
  text: string,
): string {
  if (track1Pan !== undefined) return `B${maskPan(track1Pan)}^***`;
  if (track2Pan !== undefined) return `${maskPan(track2Pan)}=***`;
  return maskPanCandidate(match, offset, text);
}

function maskPanCandidate(candidate: string, offset: number, text: string): string {
  const digits = candidate.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return candidate;
  // Spare fluxrig ids in JSON lines: `"id":"5839…"`.
  const before = JSON_ID_KEY_BEFORE.exec(text.slice(Math.max(0, offset - 40), offset));
  if (before && ID_KEYS.has(before[1] as string)) return candidate;
  return maskPan(digits);
}

/** Masks PANs, track data and secrets in free text or a serialized JSON line. */
export function maskText(text: string): string {
  let out = text;
  if (HAS_LONG_DIGITS.test(out)) {
    out = out.replace(CARD_DATA, maskCardData);
  }
  if (HAS_SECRET_HINT.test(out)) {
    out = out.replace(JSON_SECRET, (match, key: string, sep: string, value: string) =>
      isSecretKey(key) && value !== `"${SECRET_MASK}"` ? `"${key}"${sep}"${SECRET_MASK}"` : match,
    );
    out = out.replace(TEXT_SECRET, (match, key: string, sep: string) =>
      isSecretKey(key) ? `${key}${sep}${SECRET_MASK}` : match,
    );
    out = out.replace(BEARER, `$1 ${SECRET_MASK}`);
    out = out.replace(URL_USERINFO, `$1$2:${SECRET_MASK}@`);
  }
  return out;
}

/** A 13–19 digit integer that passes Luhn is treated as a PAN held in a number. */
function maskInteger<T extends number | bigint>(value: T): T | string {
  if (value < 1_000_000_000_000 || (typeof value === 'number' && !Number.isInteger(value))) return value;
  const digits = String(value);
  return digits.length <= 19 && luhnValid(digits) ? maskPan(digits) : value;
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Masks one value found under `key` (undefined at the top). Returns the same reference when unchanged. */
function maskValue(value: unknown, key: string | undefined, depth: number): unknown {
  if (key !== undefined) {
    if (ID_KEYS.has(key)) return value;
    if (isSecretKey(key)) return value === undefined || value === null || value === '' ? value : SECRET_MASK;
  }
  switch (typeof value) {
    case 'string':
      return value.length < 12 ? value : maskText(value);
    case 'number':
    case 'bigint':
      return key !== undefined && TIME_KEY.test(key) ? value : maskInteger(value);
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null || depth > 16) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const masked = maskValue(item, undefined, depth + 1);
      if (masked !== item) {
        copy ??= value.slice();
        copy[i] = masked;
      }
    }
    return copy ?? value;
  }
  // Errors, buffers, dates, class instances: left to their serializers; the line pass (maskText) covers them.
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const k in value) {
    const item = value[k];
    const masked = maskValue(item, k, depth + 1);
    if (masked !== item) {
      copy ??= { ...value };
      copy[k] = masked;
    }
  }
  return copy ?? value;
}

/**
 * Masks an object tree (plain objects and arrays; other instances untouched): secret keys → `***`,
 * PANs and track data in strings and numbers masked. Copy-on-write: the input is never mutated and an
 * object with nothing to mask comes back as the same reference.
 */
export function maskObject<T>(value: T): T {
  return maskValue(value, undefined, 0) as T;
}
