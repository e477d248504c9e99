/**
 * `rig data query "<SQL>"`: read-only SQL over the telemetry store (views spans, logs, metrics,
 * messages), printed as a table, `--json` or `--csv`. Works with the mixer down (reads the files) or up
 * (reads a snapshot). Thin: the work is in pkg/telemetry.
 */
import type { Command } from 'commander';
import { dataDir } from '../../../pkg/config/index.ts';
import { RigError } from '../../../pkg/errors/index.ts';
import { formatCsv, formatJson, formatTable } from '../../../pkg/telemetry/format.ts';
import { TelemetryReader } from '../../../pkg/telemetry/store/reader.ts';
import { loadCommandConfig } from '../context.ts';

export function register(program: Command): void {
  const data = program.command('data').description('query the telemetry store (DuckDB + Parquet)');
  data
    .command('query')
    .description('run read-only SQL over the views spans, logs, metrics, messages')
    .argument('<sql>', 'the SQL to run, e.g. "SELECT gear, count(*) FROM messages GROUP BY gear"')
    .option('--csv', 'print CSV instead of a table')
    .addHelpText(
      'after',
      '\nViews: spans, logs, metrics, messages (live DuckDB rows and rolled Parquet files).\nExample: rig data query "SELECT trace_id, count(*) FROM spans GROUP BY 1 ORDER BY 2 DESC LIMIT 5"',
    )
    .action(async (sql: string, options: { csv?: boolean }, command: Command) => {
      const { globals, loaded } = loadCommandConfig(command);
      if (options.csv && globals.json) {
        throw new RigError('CLI_USAGE', 'choose one of --json and --csv', { exitCode: 2 });
      }
      const reader = await TelemetryReader.open(dataDir(loaded.config));
      try {
        for (const warning of reader.warnings) process.stderr.write(`rig: warning: ${warning}\n`);
        const result = await reader.query(sql);
        const text = globals.json ? formatJson(result) : options.csv ? formatCsv(result) : formatTable(result);
        process.stdout.write(text);
      } finally {
        reader.close();
      }
    });
}
