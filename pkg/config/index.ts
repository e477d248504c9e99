/**
 * pkg/config: rig.toml loading, layering (defaults < file < env < flags), validation with
 * `file:line:col key` errors, sources per key and redacted views. See load.ts for the rules,
 * schema.ts + sections/ for the keys, configs/rig.toml for their documentation.
 */
export type { ConfigField, ConfigSectionInfo } from './fields.ts';
export { configFields, configSections, fieldsByEnvVar, fieldsByPath } from './fields.ts';
export type { ConfigFlag, ConfigIssue, ConfigLayer, ConfigSource, LoadConfigOptions, LoadedConfig } from './load.ts';
export { loadConfig } from './load.ts';
export { dataDir, dataPath, logFilePath, machineIdSeed, mixerUrl, nodeId, rackId } from './derived.ts';
export type { ConfigEntry } from './redact.ts';
export { redactedEntries, redactedTree } from './redact.ts';
export type { RigConfig, RigConfigInput } from './schema.ts';
export { configSchema } from './schema.ts';
export { renderDocumentedToml, tomlValue } from './document.ts';
export { byteSize, duration, parseByteSize, parseDuration, port, secret, text } from './types.ts';
