/**
 * `rig inspect …`: read-only views of this node's state. This file owns the `inspect` group and its
 * `config` topic: the effective configuration, each value's source, secrets redacted; a table for
 * people, `--json` for scripts. Other groups add topics with `inspectCommand(program).command(…)`.
 */
import type { Command } from 'commander';
import { redactedEntries, redactedTree, tomlValue } from '../../../pkg/config/index.ts';
import { loadCommandConfig } from '../context.ts';

/** The `inspect` command group, created on first use so several files can add topics to it. */
export function inspectCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'inspect') ??
    program.command('inspect').description("show this node's configuration and state (read-only)")
  );
}

/** A plain left-aligned text table with a header rule. */
export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n')}\n`;
}

function inspectConfig(command: Command): void {
  const { globals, loaded } = loadCommandConfig(command);
  for (const warning of loaded.warnings) process.stderr.write(`rig: warning: ${warning}\n`);
  const entries = redactedEntries(loaded);
  if (globals.json === true) {
    const sources = Object.fromEntries(
      entries.map((entry) => [entry.key, entry.where === undefined ? { layer: entry.source } : { layer: entry.source, where: entry.where }]),
    );
    process.stdout.write(`${JSON.stringify({ file: loaded.file ?? null, config: redactedTree(loaded), sources }, null, 2)}\n`);
    return;
  }
  const rows = entries.map((entry) => [
    entry.key,
    tomlValue(entry.value),
    entry.where === undefined ? entry.source : `${entry.source} ${entry.where}`,
  ]);
  process.stdout.write(`config file: ${loaded.file ?? 'none (built-in defaults)'}\n\n`);
  process.stdout.write(renderTable(['KEY', 'VALUE', 'SOURCE'], rows));
}

export function register(program: Command): void {
  inspectCommand(program)
    .command('config')
    .description('print the effective configuration and where each value came from (secrets as ***)')
    .addHelpText(
      'after',
      '\nPrecedence: defaults < rig.toml (--config) < FLUXRIG_<SECTION>_<KEY> env < flags (--data-dir, --log-level).\nAdd --json for machine-readable output.',
    )
    .action((_options: unknown, command: Command) => inspectConfig(command));
}
