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
import { compileSync, GIVE_UP } from './expression-sync.ts';

/** What an expression reads: the data as `$`, and the envelope fields bound as variables (all optional but data). */
export type ExpressionInput = Pick<Envelope, 'data'> & Partial<Pick<Envelope, 'headers' | 'key' | 'subject' | 'type' | 'id'>>;

export interface CompiledExpression {
  readonly source: string;
  /**
   * The expression's value: a plain value when the synchronous subset answered (most gear configs),
   * else a promise of it. Failures are always rejections (GEAR_EXPRESSION_FAILED). `await` works on
   * both; a hot caller skips a promise and a microtask with `r instanceof Promise ? await r : r`.
   */
  evaluate(envelope: ExpressionInput): unknown | Promise<unknown>;
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
  // The plain subset runs synchronously (expression-sync.ts); jsonata evaluates the rest, and whatever
  // the subset gives up on at run time.
  const sync = compileSync(expression.ast());
  return {
    source,
    evaluate(envelope) {
      if (sync) {
        try {
          return toPlain(sync(envelope));
        } catch (error) {
          if (error !== GIVE_UP) return Promise.reject(failed(error, where));
        }
      }
      return evaluateWithJsonata(expression, envelope, where);
    },
  };
}

async function evaluateWithJsonata(expression: jsonata.Expression, envelope: ExpressionInput, where: string): Promise<unknown> {
  try {
    return toPlain(await expression.evaluate(envelope.data, {
      headers: envelope.headers ?? {},
      key: envelope.key,
      subject: envelope.subject,
      type: envelope.type,
      id: envelope.id,
    }));
  } catch (error) {
    throw failed(error, where);
  }
}

function failed(error: unknown, where: string): RigError {
  const detail = error as { message?: string; position?: number };
  return new RigError('GEAR_EXPRESSION_FAILED', `expression failed: ${detail.message ?? String(error)}`, { where, cause: error });
}

/** JSONata's notion of truth for conditions: undefined, null, false, 0, '' and [] are false. */
export function isTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  return Boolean(value);
}

/**
 * JSONata returns arrays tagged as sequences and objects without a prototype; gears hand plain data on
 * (CBOR, JSON and deep equality all expect it). Arrays are always copied (a sequence's tags are own
 * properties); an object is copied only when it or something in it is not plain, so a result that
 * selects parts of the input (`fields`) shares them instead of copying them per message. Pure gears
 * never mutate what they receive (GearDescriptor.pure), so sharing is safe.
 */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined = Object.getPrototypeOf(value) === Object.prototype ? undefined : {};
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const item = record[key];
    const plain = toPlain(item);
    if (plain !== item && copy === undefined) {
      copy = {};
      for (let j = 0; j < i; j++) copy[keys[j] as string] = record[keys[j] as string];
    }
    if (copy !== undefined) copy[key] = plain;
  }
  return copy ?? value;
}
