/**
 * `rig logs`: log records from the telemetry store (every process's logs, via the sink), filtered by
 * scenario, gear, minimum level and time, optionally followed. `rig inspect logs`: this node's own
 * rotated log files (pkg/log), pretty or raw. Thin: queries and file reading live in pkg/telemetry.
 */
import type { Command } from 'commander';
import { dataDir, logFilePath } from '../../../pkg/config/index.ts';
import { RigError } from '../../../pkg/errors/index.ts';
import { logLinePrinter, rotatedLogFiles, tailLines } from '../../../pkg/telemetry/logfiles.ts';
import { formatLogLine, type LogFilters, type LogLine, logsQuerySql, parseLevel, parseSince } from '../../../pkg/telemetry/logs-query.ts';
import { TelemetryReader } from '../../../pkg/telemetry/store/reader.ts';
import { loadCommandConfig } from '../context.ts';
import { inspectCommand } from './inspect.ts';

interface LogsOptions {
  scenario?: string;
  gear?: string;
  level?: string;
  since?: string;
  limit: string;
  follow?: boolean;
  interval: string;
}

async function readLogs(dir: string, filters: LogFilters): Promise<{ lines: LogLine[]; warnings: string[] }> {
  const reader = await TelemetryReader.open(dir);
  try {
    const result = await reader.query(logsQuerySql(filters));
    const names = result.columns.map((c) => c.name);
    const lines = result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])) as unknown as LogLine);
    return { lines, warnings: reader.warnings };
  } finally {
    reader.close();
  }
}

function positiveInteger(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new RigError('CLI_USAGE', `${flag} ${text}: expected a positive whole number`, { exitCode: 2, where: flag });
  return n;
}

async function showLogs(options: LogsOptions, command: Command): Promise<void> {
  const { globals, loaded } = loadCommandConfig(command);
  const dir = dataDir(loaded.config);
  const filters: LogFilters = { limit: positiveInteger(options.limit, '--limit') };
  if (options.scenario) filters.scenario = options.scenario;
  if (options.gear) filters.gear = options.gear;
  if (options.level) filters.level = parseLevel(options.level);
  if (options.since) filters.sinceMs = parseSince(options.since);
  const print = (lines: LogLine[]) => {
    for (const line of lines) process.stdout.write(globals.json ? `${JSON.stringify(line)}\n` : `${formatLogLine(line)}\n`);
  };
  const first = await readLogs(dir, filters);
  for (const warning of first.warnings) process.stderr.write(`rig: warning: ${warning}\n`);
  print(first.lines);
  if (!options.follow) return;

  // Follow: poll for lines newer than the last one shown until SIGINT/SIGTERM.
  const intervalMs = positiveInteger(options.interval, '--interval');
  let last = first.lines.at(-1)?.time;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  while (!stopped) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (stopped) break;
    const next = await readLogs(dir, { ...filters, ...(last ? { afterTime: last.replace('Z', '') } : {}), limit: 10_000 });
    print(next.lines);
    last = next.lines.at(-1)?.time ?? last;
  }
}

function inspectLogs(options: { raw?: boolean; lines: string }, command: Command): void {
  const { loaded } = loadCommandConfig(command);
  const path = logFilePath(loaded.config);
  if (!path) {
    throw new RigError('LOG_FILE_OFF', 'no log file is configured (log.file = "")', { exitCode: 2, hint: 'set log.file in rig.toml, e.g. "logs/rig.log"' });
  }
  const files = rotatedLogFiles(path);
  if (files.length === 0) {
    throw new RigError('LOG_FILE_MISSING', 'no log files yet', { where: path, hint: 'long-running commands (rig run) write them' });
  }
  const print = logLinePrinter(options.raw === true);
  for (const line of tailLines(files, positiveInteger(options.lines, '--lines'))) process.stdout.write(print(line));
}

export function register(program: Command): void {
  program
    .command('logs')
    .description('show log records from the telemetry store (all processes), oldest first')
    .option('--scenario <id>', 'only this scenario')
    .option('--gear <id>', 'only this gear')
    .option('--level <level>', 'minimum level: trace | debug | info | warn | error | fatal')
    .option('--since <when>', 'only since a duration ago (15m, 2h, 7d) or an ISO time')
    .option('--limit <n>', 'at most this many lines (the newest)', '200')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('--interval <ms>', 'poll interval of --follow', '1000')
    .addHelpText('after', '\nWith the mixer running, lines arrive through its store snapshot (refreshed every few seconds).\nAdd --json for one JSON object per line.')
    .action((options: LogsOptions, command: Command) => showLogs(options, command));

  inspectCommand(program)
    .command('logs')
    .description("this node's rotated log files (log.file under the data dir), pretty-printed")
    .option('--raw', 'print the JSON lines as written')
    .option('-n, --lines <n>', 'how many of the last lines', '100')
    .action((options: { raw?: boolean; lines: string }, command: Command) => inspectLogs(options, command));
}
