/**
 * Retention: drop whole hour partitions that ended before the window and live rows older than it.
 * The window is `retention_hours` from config. Only the writer calls this, on its serial lane.
 */
import { rmSync } from 'node:fs';
import type { DuckDBConnection } from '@duckdb/node-api';
import { SIGNALS } from '../records.ts';
import { hourStartMs, listPartitions, sqlString } from './paths.ts';
import { liveTable } from './schema.ts';

export interface RetentionResult {
  partitionsDeleted: number;
  rowsDeleted: number;
}

const HOUR_MS = 3_600_000;

export async function applyRetention(
  connection: DuckDBConnection,
  parquetRoot: string,
  retentionHours: number,
  nowMs: number,
): Promise<RetentionResult> {
  const oldestKeptMs = nowMs - retentionHours * HOUR_MS;
  let partitionsDeleted = 0;
  let rowsDeleted = 0;
  for (const signal of SIGNALS) {
    for (const partition of listPartitions(parquetRoot, signal)) {
      const start = hourStartMs(partition.hour);
      // A partition goes only when all of its hour is outside the window.
      if (Number.isNaN(start) || start + HOUR_MS > oldestKeptMs) continue;
      rmSync(partition.dir, { recursive: true, force: true });
      await connection.run(`DELETE FROM telemetry_rolls WHERE file LIKE ${sqlString(`${partition.dir}/%`)}`);
      partitionsDeleted++;
    }
    const deleted = await connection.run(
      `DELETE FROM ${liveTable(signal)} WHERE time < make_timestamp(${Math.floor(oldestKeptMs) * 1000}::BIGINT)`,
    );
    rowsDeleted += deleted.rowsChanged;
  }
  return { partitionsDeleted, rowsDeleted };
}
