/**
 * The store's schema: for each signal, its columns in order, their SQL types and how a record fills
 * them. The live DuckDB tables (`live_<signal>`), the Parquet files and the views all share these
 * columns, so this file is the one place a column is declared. It must never do I/O.
 *
 * Every signal has a `time` TIMESTAMP column (UTC, microseconds): Parquet partitions, retention and
 * dashboards key on it.
 */
import { DuckDBListValue, type DuckDBValue, DuckDBTimestampValue } from '@duckdb/node-api';
import type { Attributes, AttributesJson, RecordBySignal, Signal } from '../records.ts';

export interface Column<R> {
  name: string;
  sqlType: string;
  /** The value for one record; `null` for SQL NULL. Runs per row per column: keep it allocation-light. */
  value: (record: R) => DuckDBValue;
}

const text = (v: string | undefined): DuckDBValue => (v === undefined || v === '' ? null : v);
const timestamp = (micros: number): DuckDBValue => new DuckDBTimestampValue(BigInt(Math.trunc(micros)));
const json = (attributes: Attributes | AttributesJson | undefined): DuckDBValue =>
  attributes === undefined ? null : typeof attributes === 'string' ? attributes : JSON.stringify(attributes);
const optionalNumber = (v: number | undefined): DuckDBValue => (v === undefined ? null : v);
const doubleList = (v: number[] | undefined): DuckDBValue => (v === undefined ? null : new DuckDBListValue(v));
const bigintList = (v: number[] | undefined): DuckDBValue =>
  v === undefined ? null : new DuckDBListValue(v.map((n) => BigInt(Math.trunc(n))));

type Columns = { [S in Signal]: Column<RecordBySignal[S]>[] };

export const COLUMNS: Columns = {
  spans: [
    { name: 'time', sqlType: 'TIMESTAMP', value: (r) => timestamp(r.startUs) },
    { name: 'end_time', sqlType: 'TIMESTAMP', value: (r) => timestamp(r.endUs) },
    { name: 'duration_ms', sqlType: 'DOUBLE', value: (r) => r.durationMs },
    { name: 'trace_id', sqlType: 'VARCHAR', value: (r) => r.traceId },
    { name: 'span_id', sqlType: 'VARCHAR', value: (r) => r.spanId },
    { name: 'parent_span_id', sqlType: 'VARCHAR', value: (r) => text(r.parentSpanId) },
    { name: 'name', sqlType: 'VARCHAR', value: (r) => r.name },
    { name: 'kind', sqlType: 'VARCHAR', value: (r) => r.kind },
    { name: 'status', sqlType: 'VARCHAR', value: (r) => r.status },
    { name: 'status_message', sqlType: 'VARCHAR', value: (r) => text(r.statusMessage) },
    { name: 'scenario', sqlType: 'VARCHAR', value: (r) => text(r.scenario) },
    { name: 'gear', sqlType: 'VARCHAR', value: (r) => text(r.gear) },
    { name: 'rack', sqlType: 'VARCHAR', value: (r) => text(r.rack) },
    { name: 'service', sqlType: 'VARCHAR', value: (r) => text(r.service) },
    { name: 'attributes', sqlType: 'JSON', value: (r) => json(r.attributes) },
    { name: 'resource', sqlType: 'JSON', value: (r) => json(r.resource) },
  ],
  logs: [
    { name: 'time', sqlType: 'TIMESTAMP', value: (r) => timestamp(r.timeUs) },
    { name: 'level', sqlType: 'VARCHAR', value: (r) => r.level },
    { name: 'severity', sqlType: 'INTEGER', value: (r) => r.severity },
    { name: 'message', sqlType: 'VARCHAR', value: (r) => r.message },
    { name: 'scenario', sqlType: 'VARCHAR', value: (r) => text(r.scenario) },
    { name: 'gear', sqlType: 'VARCHAR', value: (r) => text(r.gear) },
    { name: 'rack', sqlType: 'VARCHAR', value: (r) => text(r.rack) },
    { name: 'service', sqlType: 'VARCHAR', value: (r) => text(r.service) },
    { name: 'trace_id', sqlType: 'VARCHAR', value: (r) => text(r.traceId) },
    { name: 'span_id', sqlType: 'VARCHAR', value: (r) => text(r.spanId) },
    { name: 'attributes', sqlType: 'JSON', value: (r) => json(r.attributes) },
  ],
  metrics: [
    { name: 'time', sqlType: 'TIMESTAMP', value: (r) => timestamp(r.timeUs) },
    { name: 'name', sqlType: 'VARCHAR', value: (r) => r.name },
    { name: 'kind', sqlType: 'VARCHAR', value: (r) => r.kind },
    { name: 'unit', sqlType: 'VARCHAR', value: (r) => text(r.unit) },
    { name: 'value', sqlType: 'DOUBLE', value: (r) => r.value },
    { name: 'count', sqlType: 'BIGINT', value: (r) => (r.count === undefined ? null : BigInt(Math.trunc(r.count))) },
    { name: 'sum', sqlType: 'DOUBLE', value: (r) => optionalNumber(r.sum) },
    { name: 'min', sqlType: 'DOUBLE', value: (r) => optionalNumber(r.min) },
    { name: 'max', sqlType: 'DOUBLE', value: (r) => optionalNumber(r.max) },
    { name: 'bounds', sqlType: 'DOUBLE[]', value: (r) => doubleList(r.bounds) },
    { name: 'bucket_counts', sqlType: 'BIGINT[]', value: (r) => bigintList(r.bucketCounts) },
    { name: 'scenario', sqlType: 'VARCHAR', value: (r) => text(r.scenario) },
    { name: 'gear', sqlType: 'VARCHAR', value: (r) => text(r.gear) },
    { name: 'rack', sqlType: 'VARCHAR', value: (r) => text(r.rack) },
    { name: 'service', sqlType: 'VARCHAR', value: (r) => text(r.service) },
    { name: 'attributes', sqlType: 'JSON', value: (r) => json(r.attributes) },
  ],
  messages: [
    { name: 'time', sqlType: 'TIMESTAMP', value: (r) => timestamp(r.timeUs) },
    { name: 'scenario', sqlType: 'VARCHAR', value: (r) => text(r.scenario) },
    { name: 'gear', sqlType: 'VARCHAR', value: (r) => text(r.gear) },
    { name: 'rack', sqlType: 'VARCHAR', value: (r) => text(r.rack) },
    { name: 'subject', sqlType: 'VARCHAR', value: (r) => r.subject },
    { name: 'message_id', sqlType: 'VARCHAR', value: (r) => text(r.messageId) },
    { name: 'size', sqlType: 'INTEGER', value: (r) => r.size },
    { name: 'latency_ms', sqlType: 'DOUBLE', value: (r) => r.latencyMs },
    { name: 'mti', sqlType: 'VARCHAR', value: (r) => text(r.mti) },
    { name: 'response_code', sqlType: 'VARCHAR', value: (r) => text(r.responseCode) },
    { name: 'status', sqlType: 'VARCHAR', value: (r) => r.status },
    { name: 'trace_id', sqlType: 'VARCHAR', value: (r) => text(r.traceId) },
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
