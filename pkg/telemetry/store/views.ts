/**
 * The views `spans`, `logs`, `metrics`, `messages`: one relation per signal over the live DuckDB table
 * and the rolled Parquet files, so a query never cares where a row sits. read_parquet fails on a glob
 * that matches nothing, so a view only includes Parquet when files exist; callers rebuild views after
 * a roll or retention pass (cheap: views are just text). Never writes data.
 */
import { SIGNALS, type Signal } from '../records.ts';
import { listPartitions, parquetGlob, sqlString } from './paths.ts';
import { COLUMNS, liveTable } from './schema.ts';

export interface ViewOptions {
  parquetRoot: string;
  /** Schema (attached database alias) holding the live tables, e.g. `store`; default: unqualified. */
  liveSchema?: string;
  /** `TEMP` views live in the session only (read-only readers); default persistent. */
  temporary?: boolean;
  /** Leave the live tables out (their database could not be opened). */
  parquetOnly?: boolean;
}

export function hasParquet(parquetRoot: string, signal: Signal): boolean {
  return listPartitions(parquetRoot, signal).some((p) => p.files.length > 0);
}

/** The SELECT behind one view; columns listed explicitly so every source yields the same shape. */
export function viewSelectSql(signal: Signal, options: ViewOptions): string {
  const columns = COLUMNS[signal].map((c) => c.name).join(', ');
  const parts: string[] = [];
  if (!options.parquetOnly) {
    const table = options.liveSchema ? `${options.liveSchema}.${liveTable(signal)}` : liveTable(signal);
    parts.push(`SELECT ${columns} FROM ${table}`);
  }
  if (hasParquet(options.parquetRoot, signal)) {
    const glob = sqlString(parquetGlob(options.parquetRoot, signal));
    parts.push(
      `SELECT ${columns} FROM read_parquet(${glob}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)`,
    );
  }
  if (parts.length === 0) {
    // Neither source: an empty relation with the right columns keeps queries and dashboards valid.
    const typed = COLUMNS[signal].map((c) => `NULL::${c.sqlType} AS ${c.name}`).join(', ');
    return `SELECT ${typed} WHERE false`;
  }
  return parts.join(' UNION ALL BY NAME ');
}

export function createViewsSql(options: ViewOptions): string[] {
  const temp = options.temporary ? 'TEMP ' : '';
  return SIGNALS.map((signal) => `CREATE OR REPLACE ${temp}VIEW ${signal} AS ${viewSelectSql(signal, options)}`);
}
