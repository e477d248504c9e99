/**
 * The store's schema: for each signal, its columns in order, their SQL types and how a record fills
 * them. The live DuckDB tables (`live_<signal>`), the Parquet files and the views all share these
 * columns, and columnar batches on the bus (columnar.ts) carry exactly these fields, so this file is the
 * one place a column is declared. It must never do I/O, nor load DuckDB: producers import it too.
 *
 * Every signal has a `time` TIMESTAMP column (UTC, microseconds): Parquet partitions, retention and
 * dashboards key on it.
 */
import type { RecordBySignal, Signal } from '../records.ts';

/**
 * How a record field fills its column, which also fixes how the field travels in a columnar batch
 * (columnar.ts):
 *   - `time`: a number of microseconds since the epoch (TIMESTAMP); `number`: a number (DOUBLE,
 *     INTEGER). Both always present; on the wire, float64 values in one byte string.
 *   - `text`: a string, always present; `optionalText`: a string or absent (absent and `''` are NULL);
 *     `json`: an attribute map or its JSON text. On the wire, a dictionary of distinct strings.
 *   - `optionalNumber`, `numberList`: a number or a list of numbers, maybe absent (metrics only). On
 *     the wire, one plain value per row, null when absent.
 */
export type ColumnSource = 'time' | 'number' | 'text' | 'optionalText' | 'json' | 'optionalNumber' | 'numberList';

export interface Column<R> {
  name: string;
  sqlType: string;
  /** The record field that fills this column (one field per column). */
  field: keyof R & string;
  source: ColumnSource;
}

type Columns = { [S in Signal]: Column<RecordBySignal[S]>[] };

export const COLUMNS: Columns = {
  spans: [
    { name: 'time', sqlType: 'TIMESTAMP', field: 'startUs', source: 'time' },
    { name: 'end_time', sqlType: 'TIMESTAMP', field: 'endUs', source: 'time' },
    { name: 'duration_ms', sqlType: 'DOUBLE', field: 'durationMs', source: 'number' },
    { name: 'trace_id', sqlType: 'VARCHAR', field: 'traceId', source: 'text' },
    { name: 'span_id', sqlType: 'VARCHAR', field: 'spanId', source: 'text' },
    { name: 'parent_span_id', sqlType: 'VARCHAR', field: 'parentSpanId', source: 'optionalText' },
    { name: 'name', sqlType: 'VARCHAR', field: 'name', source: 'text' },
    { name: 'kind', sqlType: 'VARCHAR', field: 'kind', source: 'text' },
    { name: 'status', sqlType: 'VARCHAR', field: 'status', source: 'text' },
    { name: 'status_message', sqlType: 'VARCHAR', field: 'statusMessage', source: 'optionalText' },
    { name: 'scenario', sqlType: 'VARCHAR', field: 'scenario', source: 'optionalText' },
    { name: 'gear', sqlType: 'VARCHAR', field: 'gear', source: 'optionalText' },
    { name: 'rack', sqlType: 'VARCHAR', field: 'rack', source: 'optionalText' },
    { name: 'service', sqlType: 'VARCHAR', field: 'service', source: 'optionalText' },
    { name: 'attributes', sqlType: 'JSON', field: 'attributes', source: 'json' },
    { name: 'resource', sqlType: 'JSON', field: 'resource', source: 'json' },
  ],
  logs: [
    { name: 'time', sqlType: 'TIMESTAMP', field: 'timeUs', source: 'time' },
    { name: 'level', sqlType: 'VARCHAR', field: 'level', source: 'text' },
    { name: 'severity', sqlType: 'INTEGER', field: 'severity', source: 'number' },
    { name: 'message', sqlType: 'VARCHAR', field: 'message', source: 'text' },
    { name: 'scenario', sqlType: 'VARCHAR', field: 'scenario', source: 'optionalText' },
    { name: 'gear', sqlType: 'VARCHAR', field: 'gear', source: 'optionalText' },
    { name: 'rack', sqlType: 'VARCHAR', field: 'rack', source: 'optionalText' },
    { name: 'service', sqlType: 'VARCHAR', field: 'service', source: 'optionalText' },
    { name: 'trace_id', sqlType: 'VARCHAR', field: 'traceId', source: 'optionalText' },
    { name: 'span_id', sqlType: 'VARCHAR', field: 'spanId', source: 'optionalText' },
    { name: 'attributes', sqlType: 'JSON', field: 'attributes', source: 'json' },
  ],
  metrics: [
    { name: 'time', sqlType: 'TIMESTAMP', field: 'timeUs', source: 'time' },
    { name: 'name', sqlType: 'VARCHAR', field: 'name', source: 'text' },
    { name: 'kind', sqlType: 'VARCHAR', field: 'kind', source: 'text' },
    { name: 'unit', sqlType: 'VARCHAR', field: 'unit', source: 'optionalText' },
    { name: 'value', sqlType: 'DOUBLE', field: 'value', source: 'number' },
    { name: 'count', sqlType: 'BIGINT', field: 'count', source: 'optionalNumber' },
    { name: 'sum', sqlType: 'DOUBLE', field: 'sum', source: 'optionalNumber' },
    { name: 'min', sqlType: 'DOUBLE', field: 'min', source: 'optionalNumber' },
    { name: 'max', sqlType: 'DOUBLE', field: 'max', source: 'optionalNumber' },
    { name: 'bounds', sqlType: 'DOUBLE[]', field: 'bounds', source: 'numberList' },
    { name: 'bucket_counts', sqlType: 'BIGINT[]', field: 'bucketCounts', source: 'numberList' },
    { name: 'scenario', sqlType: 'VARCHAR', field: 'scenario', source: 'optionalText' },
    { name: 'gear', sqlType: 'VARCHAR', field: 'gear', source: 'optionalText' },
    { name: 'rack', sqlType: 'VARCHAR', field: 'rack', source: 'optionalText' },
    { name: 'service', sqlType: 'VARCHAR', field: 'service', source: 'optionalText' },
    { name: 'attributes', sqlType: 'JSON', field: 'attributes', source: 'json' },
  ],
  messages: [
    { name: 'time', sqlType: 'TIMESTAMP', field: 'timeUs', source: 'time' },
    { name: 'scenario', sqlType: 'VARCHAR', field: 'scenario', source: 'optionalText' },
    { name: 'gear', sqlType: 'VARCHAR', field: 'gear', source: 'optionalText' },
    { name: 'rack', sqlType: 'VARCHAR', field: 'rack', source: 'optionalText' },
    { name: 'subject', sqlType: 'VARCHAR', field: 'subject', source: 'text' },
    { name: 'message_id', sqlType: 'VARCHAR', field: 'messageId', source: 'optionalText' },
    { name: 'size', sqlType: 'INTEGER', field: 'size', source: 'number' },
    { name: 'latency_ms', sqlType: 'DOUBLE', field: 'latencyMs', source: 'number' },
    { name: 'mti', sqlType: 'VARCHAR', field: 'mti', source: 'optionalText' },
    { name: 'response_code', sqlType: 'VARCHAR', field: 'responseCode', source: 'optionalText' },
    { name: 'status', sqlType: 'VARCHAR', field: 'status', source: 'text' },
    { name: 'trace_id', sqlType: 'VARCHAR', field: 'traceId', source: 'optionalText' },
  ],
};

/** Name of the DuckDB table that holds a signal's not-yet-rolled rows. */
export function liveTable(signal: Signal): string {
  return `live_${signal}`;
}

export function createTableSql(signal: Signal): string {
  const columns = COLUMNS[signal].map((c) => `${c.name} ${c.sqlType}`).join(', ');
  return `CREATE TABLE IF NOT EXISTS ${liveTable(signal)} (${columns})`;
}

/** Bookkeeping of Parquet rolls, committed with the DELETE of the rolled rows (see parquet.ts). */
export const CREATE_ROLLS_SQL =
  'CREATE TABLE IF NOT EXISTS telemetry_rolls (file VARCHAR PRIMARY KEY, signal VARCHAR, hour VARCHAR, row_count BIGINT, rolled_at TIMESTAMP)';

/**
 * Ids (`<producer>:<seq>`) of the bus batches already stored, committed in the same transaction as
 * their rows: a batch redelivered after a crash between commit and ack is recognised and skipped.
 */
export const CREATE_BATCHES_SQL = 'CREATE TABLE IF NOT EXISTS telemetry_batches (id VARCHAR PRIMARY KEY, stored_at TIMESTAMP)';

/** Batch ids are kept this long: longer than the telemetry stream keeps a message (24 h). */
export const BATCH_ID_RETENTION_HOURS = 48;
