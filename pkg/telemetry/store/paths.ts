/**
 * Where telemetry lives under the data directory. One function per path so the writer, the reader,
 * retention and the Grafana provisioning agree. Never creates anything.
 *
 *   <data_dir>/telemetry/telemetry.duckdb                                   live rows (DuckDB file)
 *   <data_dir>/telemetry/snapshot.duckdb                                    copy for outside readers
 *   <data_dir>/telemetry/parquet/signal=<signal>/hour=<YYYY-MM-DDTHH>/part-<n>.parquet
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Signal } from '../records.ts';

export interface TelemetryPaths {
  root: string;
  database: string;
  /** A consistent copy of `database` the writer refreshes for outside readers (Grafana). */
  snapshot: string;
  parquetRoot: string;
}

export function telemetryPaths(dataDir: string): TelemetryPaths {
  const root = join(dataDir, 'telemetry');
  return {
    root,
    database: join(root, 'telemetry.duckdb'),
    snapshot: join(root, 'snapshot.duckdb'),
    parquetRoot: join(root, 'parquet'),
  };
}

/**
 * The partition holding one empty, correctly typed Parquet file per signal: the views' glob then always
 * matches, so view definitions never depend on whether data was rolled yet. Retention skips it (its hour
 * does not parse).
 */
export const SCHEMA_PARTITION = 'schema';

export function signalDir(parquetRoot: string, signal: Signal): string {
  return join(parquetRoot, `signal=${signal}`);
}

/** `hour` is the partition value, `YYYY-MM-DDTHH` in UTC (see hourOf). */
export function hourDir(parquetRoot: string, signal: Signal, hour: string): string {
  return join(signalDir(parquetRoot, signal), `hour=${hour}`);
}

export function parquetGlob(parquetRoot: string, signal: Signal): string {
  return join(signalDir(parquetRoot, signal), 'hour=*', '*.parquet');
}

/** The UTC hour partition a microsecond timestamp falls in. */
export function hourOf(micros: number): string {
  return new Date(Math.floor(micros / 1000)).toISOString().slice(0, 13);
}

/** Parse a partition value back to the epoch milliseconds of the hour's start; NaN if malformed. */
export function hourStartMs(hour: string): number {
  return /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(hour) ? Date.parse(`${hour}:00:00Z`) : Number.NaN;
}

/** A string literal for SQL: paths come from config and may hold quotes. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface ParquetPartition {
  hour: string;
  dir: string;
  /** Finished `*.parquet` files (in-flight `*.parquet.tmp` files are not listed). */
  files: string[];
}

/** The hour partitions of one signal on disk, oldest first. */
export function listPartitions(parquetRoot: string, signal: Signal): ParquetPartition[] {
  const dir = signalDir(parquetRoot, signal);
  if (!existsSync(dir)) return [];
  const partitions: ParquetPartition[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('hour=')) continue;
    const path = join(dir, entry.name);
    const files = readdirSync(path).filter((name) => name.endsWith('.parquet')).map((name) => join(path, name));
    partitions.push({ hour: entry.name.slice('hour='.length), dir: path, files });
  }
  return partitions.sort((a, b) => a.hour.localeCompare(b.hour));
}
