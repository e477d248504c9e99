/**
 * loadConfig: the effective configuration from four layers, each overriding the one before:
 * schema defaults < rig.toml < `FLUXRIG_<SECTION>_<KEY>` env variables < CLI flags; then the two
 * process switches FLUXRIG_TRACE (log.level = trace) and FLUXRIG_DISABLE_TELEMETRY (telemetry.enabled =
 * false) win over everything. Every problem is reported at once, each naming where it came from:
 * `rig.toml:12:3 nats.url: …`, `env FLUXRIG_NATS_EMBEDDED_PORT (nats.embedded_port): …`.
 * Never prints or logs: the caller decides what to do with the result, warnings and errors.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { RigError } from '../errors/index.ts';
import { telemetryDisabled, traceForced } from '../log/env.ts';
import { closestMatch } from '../text/suggest.ts';
import { coerceText } from './coerce.ts';
import { type ConfigField, configFields, configSections, fieldsByEnvVar, fieldsByPath } from './fields.ts';
import { type KeyLocation, locateKeys } from './locate.ts';
import { configSchema, type RigConfig } from './schema.ts';

export type ConfigLayer = 'default' | 'file' | 'env' | 'flag';

export interface ConfigSource {
  layer: ConfigLayer;
  /** `rig.toml:3:1`, `FLUXRIG_NATS_URL` or `--log-level`; absent for defaults. */
  where?: string;
}

/** One CLI flag feeding the flags layer: `{ key: 'log.level', value: 'debug', flag: '--log-level' }`. */
export interface ConfigFlag {
  key: string;
  /** Text is coerced like an env value; other values are taken as they are. */
  value: unknown;
  flag: string;
}

export interface LoadConfigOptions {
  /** Config file; must exist when given. Default: `<cwd>/rig.toml` if present, else defaults only. */
  file?: string;
  /** TOML text to use instead of reading `file` (`file` then only names it in messages). */
  text?: string;
  /** Where ./rig.toml is looked for and paths are shown relative to (default process.cwd()). */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  flags?: ConfigFlag[];
}

export interface LoadedConfig {
  config: RigConfig;
  /** Every leaf key path → the layer its value came from. */
  sources: Record<string, ConfigSource>;
  /** Every leaf key path → the effective value as written in TOML ("5s", not 5000). */
  values: Record<string, unknown>;
  /** The file read, as shown in messages; undefined when only defaults, env and flags apply. */
  file: string | undefined;
  /** Non-fatal findings, e.g. an env variable that looks like a misspelt config variable. */
  warnings: string[];
}

export interface ConfigIssue {
  path: string;
  where: string;
  message: string;
}

const DEFAULT_FILE = 'rig.toml';
const PROCESS_SWITCHES = new Set(['FLUXRIG_TRACE', 'FLUXRIG_DISABLE_TELEMETRY']);

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describeValue(value: unknown, secret: boolean): string {
  if (Array.isArray(value)) return 'array';
  if (isTable(value)) return 'table';
  if (value instanceof Date) return 'date';
  if (secret) return typeof value;
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Paths that are sections or nested tables (every proper prefix of a field path) → their child keys. */
const childrenOf: ReadonlyMap<string, Set<string>> = (() => {
  const map = new Map<string, Set<string>>([['', new Set()]]);
  for (const field of configFields) {
    for (let i = 0; i < field.segments.length; i++) {
      const parent = field.segments.slice(0, i).join('.');
      const children = map.get(parent) ?? new Set<string>();
      map.set(parent, children);
      children.add(field.segments[i] as string);
    }
  }
  return map;
})();

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function readConfigText(options: LoadConfigOptions, cwd: string): { text: string; label: string } | undefined {
  if (options.text !== undefined) return { text: options.text, label: options.file ?? DEFAULT_FILE };
  const explicit = options.file !== undefined;
  const path = resolve(cwd, options.file ?? DEFAULT_FILE);
  if (!explicit && !existsSync(path)) return undefined;
  const label = displayPath(path, cwd);
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    return { text: readFileSync(path, 'utf8'), label };
  } catch (cause) {
    throw new RigError('CONFIG_NOT_FOUND', `cannot read config file: ${(cause as Error).message}`, {
      where: label,
      hint: 'check the --config path, or leave it out to use ./rig.toml or the built-in defaults',
      exitCode: 2,
      cause,
    });
  }
}

function parseText(text: string, label: string): Table {
  try {
    return parseToml(text) as Table;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const [headline, ...frame] = error.message.split('\n');
    const reason = (headline ?? 'invalid TOML').replace(/^Invalid TOML document:\s*/, '');
    throw new RigError('CONFIG_PARSE', `invalid TOML: ${reason}`, {
      where: `${label}:${error.line}:${error.column}`,
      exitCode: 2,
      cause: error,
      details: { file: label, line: error.line, column: error.column, frame: frame.join('\n').trim() },
    });
  }
}

/** Unknown keys and sections that are not tables, with "did you mean" hints. */
function checkFileKeys(table: Table, prefix: string[], issues: ConfigIssue[], whereOf: (path: string) => string): void {
  const parent = prefix.join('.');
  const known = childrenOf.get(parent) ?? new Set<string>();
  for (const [key, value] of Object.entries(table)) {
    const path = [...prefix, key].join('.');
    if (fieldsByPath.has(path)) continue;
    if (childrenOf.has(path)) {
      if (isTable(value)) checkFileKeys(value, [...prefix, key], issues, whereOf);
      else issues.push({ path, where: whereOf(path), message: `expected a table ([${path}]), got ${describeValue(value, false)}` });
      continue;
    }
    let hint = closestMatch(key, known);
    if (hint !== undefined && parent !== '') hint = `${parent}.${hint}`;
    // A known key in the wrong section: `[node] url = …` → nats.url.
    hint ??= configFields.find((field) => field.segments.at(-1) === key)?.path;
    const what = prefix.length === 0 ? 'section' : 'key';
    issues.push({
      path,
      where: whereOf(path),
      message: `unknown ${what} "${key}"${hint === undefined ? '' : `; did you mean "${hint}"?`}`,
    });
  }
}

function getIn(table: Table, segments: string[]): unknown {
  let current: unknown = table;
  for (const segment of segments) {
    if (!isTable(current)) return undefined;
    current = current[segment];
  }
  return current;
}

function setIn(table: Table, segments: string[], value: unknown): void {
  let current = table;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (isTable(next)) {
      current = next;
    } else {
      const created: Table = {};
      current[segment] = created;
      current = created;
    }
  }
  current[segments.at(-1) as string] = value;
}

function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = [];
  const sectionPrefixes = configSections.map((section) => `FLUXRIG_${section.name.toUpperCase()}_`);
  for (const name of Object.keys(env)) {
    if (!name.startsWith('FLUXRIG_') || fieldsByEnvVar.has(name) || PROCESS_SWITCHES.has(name)) continue;
    if (!sectionPrefixes.some((prefix) => name.startsWith(prefix))) continue;
    const hint = closestMatch(name, fieldsByEnvVar.keys());
    warnings.push(`${name} is not a config variable and is ignored${hint ? `; did you mean ${hint}?` : ''}`);
  }
  return warnings;
}

interface Provided {
  value: unknown;
  source: ConfigSource;
  /** Where an error about this value points (`rig.toml:3:1 nats.url`, `env FLUXRIG_… (nats.url)`). */
  where: string;
}

function fieldForIssuePath(path: PropertyKey[]): ConfigField | undefined {
  for (let i = path.length; i > 0; i--) {
    const field = fieldsByPath.get(path.slice(0, i).map(String).join('.'));
    if (field) return field;
  }
  return undefined;
}

function issueMessage(issue: z.core.$ZodIssue, field: ConfigField | undefined, input: Table): string {
  const received = getIn(input, issue.path.map(String));
  const secret = field?.secret ?? false;
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && field && issue.path.length === field.segments.length) {
    return `expected ${field.typeName}, got ${describeValue(received, secret)}`;
  }
  if (issue.code === 'invalid_value' && field) {
    return `expected ${field.typeName}, got ${describeValue(received, secret)}`;
  }
  return issue.message;
}

/** Layer 1: the file's values, with unknown keys reported at their line and column. */
function fileLayer(source: { text: string; label: string }, provided: Map<string, Provided>, issues: ConfigIssue[]): void {
  const table = parseText(source.text, source.label);
  let locations: Map<string, KeyLocation>;
  try {
    locations = locateKeys(source.text);
  } catch (error) {
    // smol-toml accepted the text, so this is a disagreement between the two parsers: report it.
    throw new RigError('CONFIG_PARSE', `TOML accepted but its keys could not be located: ${(error as Error).message}`, {
      where: source.label,
      exitCode: 2,
      cause: error,
    });
  }
  const position = (path: string) => {
    const at = locations.get(path);
    return at ? `${source.label}:${at.line}:${at.column}` : source.label;
  };
  checkFileKeys(table, [], issues, (path) => `${position(path)} ${path}`);
  for (const field of configFields) {
    const value = getIn(table, field.segments);
    if (value === undefined) continue;
    const where = position(field.path);
    provided.set(field.path, { value, source: { layer: 'file', where }, where: `${where} ${field.path}` });
  }
}

/** Layer 2: FLUXRIG_<SECTION>_<KEY> env variables, coerced to their field's type. */
function envLayer(env: NodeJS.ProcessEnv, provided: Map<string, Provided>, issues: ConfigIssue[]): void {
  for (const field of configFields) {
    const text = env[field.envVar];
    if (text === undefined) continue;
    const where = `env ${field.envVar} (${field.path})`;
    const coerced = coerceText(text, field.input);
    if (!coerced.ok) issues.push({ path: field.path, where, message: coerced.message });
    else provided.set(field.path, { value: coerced.value, source: { layer: 'env', where: field.envVar }, where });
  }
}

/** Layer 3: CLI flags; text values are coerced like env values. */
function flagLayer(flags: ConfigFlag[], provided: Map<string, Provided>, issues: ConfigIssue[]): void {
  for (const flag of flags) {
    const field = fieldsByPath.get(flag.key);
    if (!field) {
      throw new RigError('CONFIG_UNKNOWN_FLAG_KEY', `flag ${flag.flag} maps to unknown config key "${flag.key}"`, { exitCode: 2 });
    }
    if (flag.value === undefined) continue;
    const where = `flag ${flag.flag} (${field.path})`;
    const coerced = typeof flag.value === 'string' ? coerceText(flag.value, field.input) : { ok: true as const, value: flag.value };
    if (!coerced.ok) issues.push({ path: field.path, where, message: coerced.message });
    else provided.set(field.path, { value: coerced.value, source: { layer: 'flag', where: flag.flag }, where });
  }
}

/** FLUXRIG_TRACE and FLUXRIG_DISABLE_TELEMETRY win over every layer. */
function processSwitches(env: NodeJS.ProcessEnv, provided: Map<string, Provided>): void {
  if (traceForced(env)) {
    provided.set('log.level', { value: 'trace', source: { layer: 'env', where: 'FLUXRIG_TRACE' }, where: 'env FLUXRIG_TRACE (log.level)' });
  }
  if (telemetryDisabled(env)) {
    provided.set('telemetry.enabled', {
      value: false,
      source: { layer: 'env', where: 'FLUXRIG_DISABLE_TELEMETRY' },
      where: 'env FLUXRIG_DISABLE_TELEMETRY (telemetry.enabled)',
    });
  }
}

/** Loads, layers and validates the configuration. Throws RigError CONFIG_PARSE / CONFIG_INVALID (exit 2). */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const issues: ConfigIssue[] = [];
  // The winning value of each leaf key path, later layers overwriting earlier ones.
  const provided = new Map<string, Provided>();

  const source = readConfigText(options, cwd);
  if (source) fileLayer(source, provided, issues);
  envLayer(env, provided, issues);
  flagLayer(options.flags ?? [], provided, issues);
  processSwitches(env, provided);

  const input: Table = {};
  for (const [path, { value }] of provided) setIn(input, (fieldsByPath.get(path) as ConfigField).segments, value);

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldForIssuePath(issue.path);
      const path = issue.path.map(String).join('.');
      const where = field ? (provided.get(field.path)?.where ?? `default ${path}`) : path;
      issues.push({ path, where, message: issueMessage(issue, field, input) });
    }
  }
  if (issues.length > 0) throw invalidConfig(issues);

  const sources: Record<string, ConfigSource> = {};
  const values: Record<string, unknown> = {};
  for (const field of configFields) {
    const given = provided.get(field.path);
    sources[field.path] = given?.source ?? { layer: 'default' };
    values[field.path] = given ? given.value : field.defaultValue;
  }
  return { config: parsed.data as RigConfig, sources, values, file: source?.label, warnings: unknownEnvWarnings(env) };
}

/** File problems first in file order (line, column), then env and flag problems as found. */
function inReadingOrder(issues: ConfigIssue[]): ConfigIssue[] {
  const position = (issue: ConfigIssue) => {
    const match = /:(\d+):(\d+) /.exec(issue.where);
    return match ? Number(match[1]) * 100_000 + Number(match[2]) : Number.MAX_SAFE_INTEGER;
  };
  return issues
    .map((issue, index) => ({ issue, index, at: position(issue) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ issue }) => issue);
}

function invalidConfig(found: ConfigIssue[]): RigError {
  const issues = inReadingOrder(found);
  const [first, ...rest] = issues as [ConfigIssue, ...ConfigIssue[]];
  const more = rest.map((issue) => `\n${issue.where}: ${issue.message}`).join('');
  return new RigError('CONFIG_INVALID', `${first.message}${more}`, {
    where: first.where,
    hint: rest.length > 0 ? `${issues.length} problems; see configs/rig.toml for every key` : 'see configs/rig.toml for every key',
    exitCode: 2,
    details: { issues },
  });
}
