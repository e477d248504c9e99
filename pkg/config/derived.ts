/**
 * Values that follow from others when left empty: node id from the host name, rack id from the node
 * id, the mixer URL from its listen address, file paths under the data directory. One place, so every
 * command and role derives them the same way. Pure apart from reading the host name.
 */
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import type { RigConfig } from './schema.ts';

/** node.id, or the host name when empty. */
export function nodeId(config: RigConfig): string {
  return config.node.id !== '' ? config.node.id : hostname();
}

/** rack.id, or the node id when empty. */
export function rackId(config: RigConfig): string {
  return config.rack.id !== '' ? config.rack.id : nodeId(config);
}

/** mixer.url, or http://<host>:<port> (a wildcard listen address becomes 127.0.0.1). */
export function mixerUrl(config: RigConfig): string {
  if (config.mixer.url !== '') return config.mixer.url.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.mixer.host) ? '127.0.0.1' : config.mixer.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.mixer.port}`;
}

/** The absolute data directory (node.data_dir resolved against `cwd`). */
export function dataDir(config: RigConfig, cwd = process.cwd()): string {
  return resolve(cwd, config.node.data_dir);
}

/** A path under the data directory; absolute paths stay as they are. */
export function dataPath(config: RigConfig, path: string, cwd = process.cwd()): string {
  return isAbsolute(path) ? path : resolve(dataDir(config, cwd), path);
}

/** The log file of long-running commands, or undefined when log.file is empty. */
export function logFilePath(config: RigConfig, cwd = process.cwd()): string | undefined {
  return config.log.file === '' ? undefined : dataPath(config, config.log.file, cwd);
}

/**
 * What an "auto" machine id is derived from: node id, role, rack id and the absolute data directory.
 * Stable across restarts; two processes on one host differ as long as their role, rack id or data
 * directory differs (they cannot share a data directory anyway).
 */
export function machineIdSeed(config: RigConfig, cwd = process.cwd()): string {
  return [nodeId(config), config.node.role, rackId(config), dataDir(config, cwd)].join('\u0000');
}
