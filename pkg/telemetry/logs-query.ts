/**
 * `rig logs` as SQL: filters (scenario, gear, minimum level, since) → one SELECT over the `logs` view,
 * and a printer for its rows. Pure: no I/O. Every filter value is quoted, never spliced raw.
 */
import { RigError } from '../errors/index.ts';
import { maskText } from '../mask/index.ts';
import type { LogLevel } from './records.ts';
import { sqlString } from './store/paths.ts';

export const LEVEL_SEVERITY: Record<LogLevel, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

export interface LogFilters {
  scenario?: string;
  gear?: string;
  /** Minimum level. */
  level?: LogLevel;
  /** Only lines at or after this instant (epoch ms). */
  sinceMs?: number;
  /** Only lines strictly after this `time` value (follow mode), as the ISO text the query returned. */
  afterTime?: string;
  limit?: number;
}

const DURATION = /^(\d+(?:\.\d+)?)(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from now (`90s`, `15m`, `2h`, `7d`) or an ISO 8601 instant. */
export function parseSince(text: string, nowMs: number = Date.now()): number {
  const match = DURATION.exec(text.trim());
  if (match) return nowMs - Number(match[1]) * (UNIT_MS[match[2] as string] as number);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) {
    throw new RigError('CLI_USAGE', `--since ${text}: expected a duration such as 15m, 2h, 7d or an ISO time`, {
      exitCode: 2,
      where: '--since',
    });
  }
  return parsed;
}

export function parseLevel(text: string): LogLevel {
  if (text in LEVEL_SEVERITY) return text as LogLevel;
  throw new RigError('CLI_USAGE', `--level ${text}: expected one of ${Object.keys(LEVEL_SEVERITY).join(', ')}`, {
    exitCode: 2,
    where: '--level',
  });
}

const micros = (ms: number) => `make_timestamp(${Math.floor(ms) * 1000}::BIGINT)`;

/** Newest `limit` lines matching the filters, returned oldest first (the order a terminal reads). */
export function logsQuerySql(filters: LogFilters): string {
  const where: string[] = [];
  if (filters.scenario) where.push(`scenario = ${sqlString(filters.scenario)}`);
  if (filters.gear) where.push(`gear = ${sqlString(filters.gear)}`);
  if (filters.level) where.push(`severity >= ${LEVEL_SEVERITY[filters.level]}`);
  if (filters.sinceMs !== undefined) where.push(`time >= ${micros(filters.sinceMs)}`);
  if (filters.afterTime !== undefined) where.push(`time > ${sqlString(filters.afterTime)}::TIMESTAMP`);
  const limit = Math.max(1, Math.floor(filters.limit ?? 200));
  return `SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%fZ') AS time, level, scenario, gear, rack, message, trace_id, span_id, attributes
FROM (SELECT * FROM logs${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time DESC LIMIT ${limit})
ORDER BY time`;
}

export interface LogLine {
  time: string;
  level: string;
  scenario: string | null;
  gear: string | null;
  rack: string | null;
  message: string;
  trace_id: string | null;
  span_id: string | null;
  attributes: unknown;
}

/** One line for people: `time LEVEL scenario/gear message trace=…` (masked again, defensively). */
export function formatLogLine(line: LogLine): string {
  const where = [line.scenario, line.gear].filter((part) => part).join('/');
  const trace = line.trace_id ? ` trace=${line.trace_id}` : '';
  return maskText(`${line.time} ${line.level.toUpperCase().padEnd(5)} ${where ? `${where} ` : ''}${line.message}${trace}`);
}
