/**
 * `rig` entry point: builds the commander program, registers each command group and turns RigErrors
 * into a printed message and exit code. Commands stay thin: parse, call pkg/, print.
 * A command group is registered only when it works: no placeholder verbs.
 */
import { Command } from 'commander';
import { isRigError } from '../../pkg/errors/index.ts';
import { commandGroups } from './commands/index.ts';
import { VERSION } from './version.ts';

export function buildProgram(): Command {
  const program = new Command('rig')
    .description('fluxrig: event-driven integration daemon for payments and general events')
    .version(VERSION, '-V, --version', 'print the rig version')
    .option('-c, --config <file>', 'TOML config file (default: ./rig.toml if present)')
    .option('--data-dir <dir>', 'directory for all local state (engines, logs, telemetry)')
    .option('--log-level <level>', 'trace | debug | info | warn | error | fatal')
    .option('--json', 'machine-readable JSON output where a command supports it', false)
    .helpCommand('help [command]', 'show help for rig or one of its commands')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(run `rig help` for usage)');
  for (const register of commandGroups) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, program.opts().json === true);
  }
}

function reportError(error: unknown, json: boolean): number {
  // commander signals help/version and usage errors by throwing a CommanderError once exitOverride is on.
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('commander.')) {
    const exitCode = (error as { exitCode?: number }).exitCode ?? 2;
    return exitCode === 0 ? 0 : 2;
  }
  if (isRigError(error)) {
    if (json) process.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    else process.stderr.write(`rig: ${error.describe()}\n`);
    return error.exitCode;
  }
  process.stderr.write(`rig: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
