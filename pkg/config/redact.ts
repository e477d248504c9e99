/**
 * The printable form of a loaded config: every key with its value and source, secrets as `***`.
 * Secret-marked fields are redacted when set; every other string also passes `maskText`, which hides
 * passwords in URL user-info (`nats://app:***@host`) and anything that looks like a PAN. Nothing that
 * leaves this module carries a secret.
 */
import { maskText, SECRET_MASK } from '../mask/index.ts';
import { configFields } from './fields.ts';
import type { ConfigLayer, LoadedConfig } from './load.ts';

export interface ConfigEntry {
  key: string;
  value: unknown;
  source: ConfigLayer;
  /** `rig.toml:3:1`, `FLUXRIG_NATS_URL`, `--log-level`; absent for defaults. */
  where?: string;
  secret: boolean;
}

function redactValue(value: unknown, secret: boolean): unknown {
  if (secret) return value === '' || value === undefined ? value : SECRET_MASK;
  if (typeof value === 'string') return maskText(value);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, false));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactValue(item, false)]));
  }
  return value;
}

/** The effective config as rows in schema order, safe to print. */
export function redactedEntries(loaded: Pick<LoadedConfig, 'values' | 'sources'>): ConfigEntry[] {
  return configFields.map((field) => {
    const source = loaded.sources[field.path] ?? { layer: 'default' as const };
    const entry: ConfigEntry = {
      key: field.path,
      value: redactValue(loaded.values[field.path], field.secret),
      source: source.layer,
      secret: field.secret,
    };
    if (source.where !== undefined) entry.where = source.where;
    return entry;
  });
}

/** The effective config as nested TOML-shaped values (durations as written), secrets redacted. */
export function redactedTree(loaded: Pick<LoadedConfig, 'values' | 'sources'>): Record<string, Record<string, unknown>> {
  const tree: Record<string, Record<string, unknown>> = {};
  for (const entry of redactedEntries(loaded)) {
    const [section, ...rest] = entry.key.split('.');
    const table = tree[section as string] ?? {};
    tree[section as string] = table;
    table[rest.join('.')] = entry.value;
  }
  return tree;
}
