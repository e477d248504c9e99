/**
 * Expressions in gear configs (router conditions, filters, transforms) are JSONata, a well-kept
 * language, rather than a home-made one. An expression compiles once when the gear is created; a bad
 * one is a config error naming the gear field and the character position.
 *
 * The root `$` is the envelope's data; `$headers`, `$key`, `$subject`, `$type` and `$id` are bound from
 * the envelope, so `fields."2"` reads an ISO 8583 PAN and `$headers.channel` a header.
 */
import jsonata from 'jsonata';
import { RigError } from '../errors/index.ts';
import type { Envelope } from '../wire/envelope.ts';

export interface CompiledExpression {
  readonly source: string;
  evaluate(envelope: Envelope): Promise<unknown>;
}

export function compileExpression(source: string, where: string): CompiledExpression {
  let expression: jsonata.Expression;
  try {
    expression = jsonata(source);
  } catch (error) {
    const detail = error as { message?: string; position?: number };
    throw new RigError('GEAR_EXPRESSION', `invalid JSONata expression: ${detail.message ?? String(error)}`, {
      where: detail.position === undefined ? where : `${where} at character ${detail.position}`,
      hint: 'see https://docs.jsonata.org for the syntax; the root is the message data',
      exitCode: 2,
      cause: error,
    });
  }
  return {
    source,
    async evaluate(envelope) {
      try {
        return toPlain(await expression.evaluate(envelope.data, {
          headers: envelope.headers ?? {},
          key: envelope.key,
          subject: envelope.subject,
          type: envelope.type,
          id: envelope.id,
        }));
      } catch (error) {
        const detail = error as { message?: string; position?: number };
        throw new RigError('GEAR_EXPRESSION_FAILED', `expression failed: ${detail.message ?? String(error)}`, { where, cause: error });
      }
    },
  };
}

/** JSONata's notion of truth for conditions: undefined, null, false, 0, '' and [] are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/**
 * JSONata returns arrays tagged as sequences and objects without a prototype; gears hand plain data on
 * (CBOR, JSON and deep equality all expect it).
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = toPlain(item);
  return out;
}
