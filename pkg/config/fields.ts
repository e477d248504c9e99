/**
 * The schema read as a list of fields: each leaf key with its path, env variable, default (as written
 * in rig.toml), human type name, description and secret flag. Env parsing, unknown-key hints, redaction,
 * `rig inspect config` and the configs/rig.toml coverage test all read this one list, so a key added
 * to a section file is known everywhere at once. Introspects zod v4 internals (`_zod.def`) in this
 * module only.
 */
import { z } from 'zod';
import { configSchema } from './schema.ts';

export interface ConfigField {
  /** `nats.url` */
  path: string;
  segments: string[];
  /** `FLUXRIG_NATS_URL` */
  envVar: string;
  /** The default in input form ("5s", not 5000); undefined when the field has none. */
  defaultValue: unknown;
  /** `string`, `integer 0..65535`, `one of "a" | "b"`, `duration`, `table of string`… */
  typeName: string;
  description: string;
  secret: boolean;
  /** The innermost input schema (after defaults and transforms are peeled off). */
  input: z.ZodType;
}

export interface ConfigSectionInfo {
  name: string;
  description: string;
  fields: ConfigField[];
}

interface Peeled {
  input: z.ZodType;
  defaultValue: unknown;
  description: string;
  secret: boolean;
  textUnit: 'duration' | 'size' | undefined;
}

// zod v4 keeps a schema's definition on `_zod.def`; the public types do not expose its variants.
interface ZodDefView {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  defaultValue?: unknown;
  options?: z.ZodType[];
  values?: unknown[];
  valueType?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): ZodDefView {
  return (schema as unknown as { _zod: { def: ZodDefView } })._zod.def;
}

/** Peels default/prefault/optional/pipe wrappers, collecting the default and metadata on the way. */
function peel(schema: z.ZodType): Peeled {
  const peeled: Peeled = { input: schema, defaultValue: undefined, description: '', secret: false, textUnit: undefined };
  let current: z.ZodType | undefined = schema;
  while (current) {
    const meta = z.globalRegistry.get(current);
    if (meta?.description && !peeled.description) peeled.description = meta.description;
    if (meta?.secret) peeled.secret = true;
    if (meta?.textUnit) peeled.textUnit = meta.textUnit;
    const def = defOf(current);
    peeled.input = current;
    if (def.type === 'default' || def.type === 'prefault') {
      if (peeled.defaultValue === undefined) peeled.defaultValue = def.defaultValue;
      current = def.innerType;
    } else if (def.type === 'optional' || def.type === 'nullable') {
      current = def.innerType;
    } else if (def.type === 'pipe') {
      current = def.in;
    } else {
      current = undefined;
    }
  }
  return peeled;
}

/** A short human name of the type a value must have; used in docs and error messages. */
export function typeNameOf(schema: z.ZodType, textUnit?: 'duration' | 'size'): string {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      if (textUnit === 'duration') return 'duration ("500ms", "5s", "1m", "1h", "7d")';
      if (textUnit === 'size') return 'size ("0", "512KB", "10MB", "1GiB")';
      return 'string';
    case 'number': {
      const number = schema as z.ZodNumber;
      const range =
        number.minValue !== null && number.maxValue !== null && Number.isFinite(number.minValue) && Number.isFinite(number.maxValue)
          ? ` ${number.minValue}..${number.maxValue}`
          : '';
      return `${number.isInt ? 'integer' : 'number'}${range}`;
    }
    case 'boolean':
      return 'boolean';
    case 'enum':
      return `one of ${(schema as z.ZodEnum).options.map((option) => JSON.stringify(option)).join(' | ')}`;
    case 'literal':
      return (def.values ?? []).map((value) => JSON.stringify(value)).join(' | ');
    case 'union':
      return (def.options ?? []).map((option) => typeNameOf(peel(option).input)).join(' or ');
    case 'record':
      return `table of ${typeNameOf(peel(def.valueType as z.ZodType).input)}`;
    case 'array':
      return `array of ${typeNameOf(peel(def.element as z.ZodType).input)}`;
    default:
      return def.type;
  }
}

function isObjectSchema(schema: z.ZodType): schema is z.ZodObject {
  return defOf(schema).type === 'object';
}

function collectFields(schema: z.ZodObject, prefix: string[], out: ConfigField[]): void {
  for (const [key, child] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    const segments = [...prefix, key];
    const peeled = peel(child);
    if (isObjectSchema(peeled.input)) {
      collectFields(peeled.input, segments, out);
      continue;
    }
    out.push({
      path: segments.join('.'),
      segments,
      envVar: `FLUXRIG_${segments.join('_').toUpperCase()}`,
      defaultValue: peeled.defaultValue,
      typeName: typeNameOf(peeled.input, peeled.textUnit),
      description: peeled.description,
      secret: peeled.secret,
      input: peeled.input,
    });
  }
}

function buildSections(): ConfigSectionInfo[] {
  const sections: ConfigSectionInfo[] = [];
  for (const [name, child] of Object.entries(configSchema.shape as Record<string, z.ZodType>)) {
    const peeled = peel(child);
    const fields: ConfigField[] = [];
    if (isObjectSchema(peeled.input)) collectFields(peeled.input, [name], fields);
    sections.push({ name, description: peeled.description, fields });
  }
  return sections;
}

/** Sections in schema order, each with its leaf fields. Computed once. */
export const configSections: readonly ConfigSectionInfo[] = buildSections();
/** Every leaf field in schema order. */
export const configFields: readonly ConfigField[] = configSections.flatMap((section) => section.fields);
/** Leaf fields by path (`nats.url`). */
export const fieldsByPath: ReadonlyMap<string, ConfigField> = new Map(configFields.map((field) => [field.path, field]));
/** Leaf fields by env variable (`FLUXRIG_NATS_URL`). */
export const fieldsByEnvVar: ReadonlyMap<string, ConfigField> = new Map(configFields.map((field) => [field.envVar, field]));
