/**
 * Rolling live rows into hourly Parquet partitions, exactly once even across a crash:
 *   1. COPY the hour's rows to `part-<n>.parquet.tmp` (the views' glob ignores `.tmp`);
 *   2. in ONE transaction: DELETE those rows and record the file in `telemetry_rolls`;
 *   3. rename the `.tmp` to `part-<n>.parquet`.
 * After a crash, `recoverInterruptedRolls` finishes step 3 for recorded files and deletes unrecorded
 * `.tmp` files (their rows are still live). So a row is never in both places, and never in neither.
 * Only the writer calls this, on its serial lane.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { SIGNALS, type Signal } from '../records.ts';
import { hourDir, hourStartMs, listPartitions, SCHEMA_PARTITION, signalDir, sqlString } from './paths.ts';
import { COLUMNS, liveTable } from './schema.ts';

export interface RolledFile {
  signal: Signal;
  hour: string;
  file: string;
  rows: number;
}

export interface RollResult {
  files: RolledFile[];
  rows: number;
}

const HOUR_MS = 3_600_000;

/** Roll every live row with `time < cutoffMs`, one new part file per signal and hour touched. */
export async function rollFinishedHours(
  connection: DuckDBConnection,
  parquetRoot: string,
  cutoffMs: number,
): Promise<RollResult> {
  const files: RolledFile[] = [];
  for (const signal of SIGNALS) {
    const hours = await connection.runAndReadAll(
      `SELECT strftime(time, '%Y-%m-%dT%H') AS hour, count(*)::BIGINT AS n FROM ${liveTable(signal)}
       WHERE time < make_timestamp(${cutoffMs * 1000}::BIGINT) GROUP BY hour ORDER BY hour`,
    );
    for (const row of hours.getRowObjectsJS()) {
      const hour = String(row.hour);
      files.push(await rollHour(connection, parquetRoot, signal, hour, Number(row.n), cutoffMs));
    }
  }
  return { files, rows: files.reduce((sum, f) => sum + f.rows, 0) };
}

async function rollHour(
  connection: DuckDBConnection,
  parquetRoot: string,
  signal: Signal,
  hour: string,
  rows: number,
  cutoffMs: number,
): Promise<RolledFile> {
  const dir = hourDir(parquetRoot, signal, hour);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `part-${nextPartNumber(dir)}.parquet`);
  const temporary = `${file}.tmp`;
  const startUs = hourStartMs(hour) * 1000;
  const endUs = Math.min(startUs + HOUR_MS * 1000, cutoffMs * 1000);
  const range = `time >= make_timestamp(${startUs}::BIGINT) AND time < make_timestamp(${endUs}::BIGINT)`;
  const columns = COLUMNS[signal].map((c) => c.name).join(', ');
  await connection.run(
    `COPY (SELECT ${columns} FROM ${liveTable(signal)} WHERE ${range} ORDER BY time) TO ${sqlString(temporary)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await connection.run('BEGIN TRANSACTION');
  try {
    await connection.run(`DELETE FROM ${liveTable(signal)} WHERE ${range}`);
    await connection.run(
      `INSERT INTO telemetry_rolls VALUES (${sqlString(file)}, ${sqlString(signal)}, ${sqlString(hour)}, ${rows}, now()::TIMESTAMP)`,
    );
    await connection.run('COMMIT');
  } catch (error) {
    await connection.run('ROLLBACK');
    rmSync(temporary, { force: true });
    throw error;
  }
  renameSync(temporary, file);
  return { signal, hour, file, rows };
}

/** Next free `part-<n>` in a partition (counting `.tmp` leftovers so a name is never reused). */
function nextPartNumber(dir: string): number {
  let max = -1;
  for (const name of readdirSync(dir)) {
    const match = /^part-(\d+)\.parquet(\.tmp)?$/.exec(name);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return max + 1;
}

/** Finish or undo rolls a crash interrupted (see the module comment). */
export async function recoverInterruptedRolls(connection: DuckDBConnection, parquetRoot: string): Promise<void> {
  for (const signal of SIGNALS) {
    if (!existsSync(signalDir(parquetRoot, signal))) continue;
    for (const partition of listPartitions(parquetRoot, signal)) {
      for (const name of readdirSync(partition.dir)) {
        if (!name.endsWith('.parquet.tmp')) continue;
        const temporary = join(partition.dir, name);
        const file = temporary.slice(0, -'.tmp'.length);
        const recorded = await connection.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM telemetry_rolls WHERE file = ${sqlString(file)}`,
        );
        if (Number(recorded.getRowObjectsJS()[0]?.n) > 0) renameSync(temporary, file);
        else rmSync(temporary);
      }
    }
  }
}

/** Write the empty per-signal schema files if missing (see SCHEMA_PARTITION). */
export async function ensureSchemaFiles(connection: DuckDBConnection, parquetRoot: string): Promise<void> {
  for (const signal of SIGNALS) {
    const dir = hourDir(parquetRoot, signal, SCHEMA_PARTITION);
    const file = join(dir, 'part-0.parquet');
    if (existsSync(file)) continue;
    mkdirSync(dir, { recursive: true });
    const columns = COLUMNS[signal].map((c) => c.name).join(', ');
    await connection.run(`COPY (SELECT ${columns} FROM ${liveTable(signal)} WHERE false) TO ${sqlString(`${file}.tmp`)} (FORMAT parquet)`);
    renameSync(`${file}.tmp`, file);
  }
}
