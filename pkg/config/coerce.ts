/**
 * Turns the text of an env variable or a CLI flag into the value a field expects, guided by the field's
 * schema: numbers, booleans (true/false/1/0/yes/no/on/off), tables (`zone=eu,tier=gold`), arrays
 * (`a,b,c`). Returns either a value or a message naming the expected type; never throws and never
 * validates ranges or formats (the schema does that next, with the same messages as for the file).
 */
import type { z } from 'zod';

type Coerced = { ok: true; value: unknown } | { ok: false; message: string };

interface DefView {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  values?: unknown[];
  valueType?: z.ZodType;
  element?: z.ZodType;
}

function defOf(schema: z.ZodType): DefView {
  return (schema as unknown as { _zod: { def: DefView } })._zod.def;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType && ['default', 'prefault', 'optional', 'nullable'].includes(def.type)) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function splitList(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((item) => item.trim());
}

export function coerceText(text: string, schema: z.ZodType): Coerced {
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case 'number': {
      const value = Number(text.trim());
      return text.trim() !== '' && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, message: `expected a number, got ${JSON.stringify(text)}` };
    }
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) return { ok: true, value: true };
      if (FALSE.has(lower)) return { ok: true, value: false };
      return { ok: false, message: `expected a boolean (true/false, 1/0, yes/no, on/off), got ${JSON.stringify(text)}` };
    }
    case 'literal': {
      const match = (def.values ?? []).find((value) => String(value) === text);
      return match === undefined
        ? { ok: false, message: `expected ${(def.values ?? []).map((v) => JSON.stringify(v)).join(' | ')}` }
        : { ok: true, value: match };
    }
    case 'union': {
      // The first member that accepts the coerced text wins; otherwise the schema reports on the raw text.
      for (const option of def.options ?? []) {
        const attempt = coerceText(text, option);
        if (attempt.ok && option.safeParse(attempt.value).success) return attempt;
      }
      return { ok: true, value: text };
    }
    case 'record': {
      const table: Record<string, unknown> = {};
      for (const item of splitList(text)) {
        const equals = item.indexOf('=');
        if (equals <= 0) return { ok: false, message: `expected key=value pairs separated by commas, got ${JSON.stringify(item)}` };
        const value = coerceText(item.slice(equals + 1).trim(), def.valueType as z.ZodType);
        if (!value.ok) return value;
        table[item.slice(0, equals).trim()] = value.value;
      }
      return { ok: true, value: table };
    }
    case 'array': {
      const items: unknown[] = [];
      for (const item of splitList(text)) {
        const value = coerceText(item, def.element as z.ZodType);
        if (!value.ok) return value;
        items.push(value.value);
      }
      return { ok: true, value: items };
    }
    default:
      // strings, enums and anything else: the schema checks the text as it is.
      return { ok: true, value: text };
  }
}
