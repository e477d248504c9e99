/**
 * Building blocks for config sections: field types that several sections share (ports, durations,
 * byte sizes, secrets) and the `secret` metadata flag that redaction and the docs read.
 * A section file composes these with plain zod; nothing here knows about any particular section.
 *
 * Defaults are given in the form a person writes in rig.toml ("5s", "10MB"): `prefault` runs them through
 * the same parsing as user input, so the typed config always holds the parsed value (milliseconds, bytes).
 */
import { z } from 'zod';

declare module 'zod' {
  interface GlobalMeta {
    /** Redact this value (`***`) wherever the config is printed or logged. */
    secret?: boolean;
    /** A text value parsed into a number: durations become milliseconds, sizes bytes. */
    textUnit?: 'duration' | 'size';
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const DURATION_UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_SIZE = /^(\d+)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/i;
const BYTE_UNIT: Record<string, number> = {
  b: 1,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
};

/** "250ms", "5s", "1.5m", "1h", "7d" → milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  return Math.round(Number(match[1]) * (DURATION_UNIT_MS[match[2] as string] as number));
}

/** "10MB", "512KiB", "0" → bytes; undefined when not a size. */
export function parseByteSize(text: string): number | undefined {
  const match = BYTE_SIZE.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (BYTE_UNIT[(match[2] ?? 'b').toLowerCase()] as number);
}

/** A duration written as text ("5s") and held as milliseconds. */
export function duration(defaultText: string, description: string) {
  return z
    .string()
    .refine((text) => parseDuration(text) !== undefined, {
      message: 'expected a duration such as "500ms", "5s", "1m", "1h" or "7d"',
    })
    .transform((text) => parseDuration(text) as number)
    .prefault(defaultText)
    .meta({ description, textUnit: 'duration' });
}

/** A size written as text ("10MB", "0") and held as bytes. */
export function byteSize(defaultText: string, description: string) {
  return z
    .string()
    .refine((text) => parseByteSize(text) !== undefined, {
      message: 'expected a size such as "0", "512KB", "10MB" or "1GiB"',
    })
    .transform((text) => parseByteSize(text) as number)
    .prefault(defaultText)
    .meta({ description, textUnit: 'size' });
}

/** A TCP port; 0 asks the OS for a free one where the consumer supports it. */
export function port(defaultPort: number, description: string) {
  return z.int().min(0).max(65535).default(defaultPort).meta({ description });
}

/** A secret string (token, password, key); empty means "not set". Redacted wherever printed. */
export function secret(description: string) {
  return z.string().default('').meta({ description, secret: true });
}

/** A plain string with a default. */
export function text(defaultText: string, description: string) {
  return z.string().default(defaultText).meta({ description });
}
