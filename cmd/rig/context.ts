/**
 * The per-command context every command group shares: the effective config (global --config,
 * --data-dir, --log-level feed its flags layer), a logger built from it, and an id generator with this
 * node's machine id. Commands call `openCommandContext(command)` in their action and `close()` it when
 * done (long-running commands on shutdown). Config warnings are logged once here. Never prints results:
 * that is the command's job.
 */
import type { Command } from 'commander';
import {
  type ConfigFlag,
  type ConfigSource,
  type LoadConfigOptions,
  loadConfig,
  logFilePath,
  machineIdSeed,
  nodeId,
  type RigConfig,
} from '../../pkg/config/index.ts';
import { createIdGenerator, type IdGenerator, resolveMachineId } from '../../pkg/idgen/index.ts';
import { closeLogger, createLogger, type Logger } from '../../pkg/log/index.ts';

/** The program-wide options main.ts defines. */
export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  logLevel?: string;
  json?: boolean;
}

export interface ContextOptions {
  /** Extra flag → config mappings of the command, e.g. `rig run --nats-url` → nats.url. */
  flags?: ConfigFlag[];
  /** Also log to the rotated file under the data dir (long-running commands: `rig run`). */
  logToFile?: boolean;
  /** Bound to every log line, e.g. `{ cmd: 'run' }`. */
  bindings?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface CommandContext {
  config: RigConfig;
  /** Where each key's value came from (`nats.url` → file rig.toml:3:1). */
  sources: Record<string, ConfigSource>;
  /** The config file read, if any. */
  configFile: string | undefined;
  logger: Logger;
  /** Sonyflake ids with this node's machine id (node.machine_id, or derived: see machineIdSeed). */
  ids: IdGenerator;
  /** --json was given: print machine-readable output. */
  json: boolean;
  globals: GlobalOptions;
  /** Flushes and closes the log file. */
  close(): Promise<void>;
}

/** The config flags the global options stand for. */
export function globalConfigFlags(globals: GlobalOptions): ConfigFlag[] {
  const flags: ConfigFlag[] = [];
  if (globals.dataDir !== undefined) flags.push({ key: 'node.data_dir', value: globals.dataDir, flag: '--data-dir' });
  if (globals.logLevel !== undefined) flags.push({ key: 'log.level', value: globals.logLevel, flag: '--log-level' });
  return flags;
}

/** Loads the config as the command's global options and extra flags say; no logger, no side effects. */
export function loadCommandConfig(command: Command, options: Pick<ContextOptions, 'flags' | 'env' | 'cwd'> = {}) {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const load: LoadConfigOptions = { flags: [...globalConfigFlags(globals), ...(options.flags ?? [])] };
  if (globals.config !== undefined) load.file = globals.config;
  if (options.env !== undefined) load.env = options.env;
  if (options.cwd !== undefined) load.cwd = options.cwd;
  return { globals, loaded: loadConfig(load) };
}

export async function openCommandContext(command: Command, options: ContextOptions = {}): Promise<CommandContext> {
  const { globals, loaded } = loadCommandConfig(command, options);
  const { config } = loaded;
  const file = options.logToFile ? logFilePath(config, options.cwd) : undefined;
  const logger = await createLogger({
    level: config.log.level,
    format: config.log.format,
    stderr: config.log.stderr,
    bindings: { node: nodeId(config), ...options.bindings },
    env: options.env ?? process.env,
    ...(file === undefined
      ? {}
      : {
          file: {
            path: file,
            rotateBytes: config.log.rotate_size,
            rotateInterval: config.log.rotate_interval,
            maxFiles: config.log.max_files,
          },
        }),
  });
  for (const warning of loaded.warnings) logger.warn(warning);
  return {
    config,
    sources: loaded.sources,
    configFile: loaded.file,
    logger,
    ids: createIdGenerator({ machineId: resolveMachineId(config.node.machine_id, machineIdSeed(config, options.cwd)) }),
    json: globals.json === true,
    globals,
    close: () => closeLogger(logger),
  };
}
