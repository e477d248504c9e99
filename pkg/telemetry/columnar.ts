/**
 * Columnar batches: a signal's records column by column, the form a batch takes on the bus and in the
 * writer. A 500-span batch as rows is 500 CBOR maps of 16 keys (every key and every repeated string
 * encoded, decoded and allocated again); as columns it is 16 entries, the numbers one byte string each
 * and every text column a dictionary, so producer and sink do a fraction of the work and the writer
 * fills DuckDB vectors straight from the columns.
 *
 * The wire form (the `data` of a `fluxrig.telemetry.<signal>` envelope) is plain CBOR:
 *
 *   { signal, producer, seq,          as TelemetryBatch (records.ts): `<producer>:<seq>` is the dedup id
 *     rows: n,                        number of records
 *     columns: { <field>: column } }  one per field of the signal's schema (store/schema.ts), where
 *       column = bytes                `time`/`number` fields: n float64, little-endian
 *              | { values, index }    text fields: `values` the distinct strings (null = absent),
 *                                     `index` n unsigned integers into `values`
 *              | [v0, ..., vn-1]      optional numbers and number lists: null = absent
 *
 * Which form a field takes is fixed by its schema column, and the sink refuses anything else with a
 * typed error (TELEMETRY_BATCH_INVALID), as it refuses times that are not finite numbers. Producers
 * mask before records reach this module (convert.ts); nothing here looks inside a value.
 */
import type { RigError } from '../errors/index.ts';
import type { Attributes, AttributesJson, RecordBySignal, Signal, TelemetryBatch } from './records.ts';
import { type Column, COLUMNS, type ColumnSource } from './store/schema.ts';

/** A text column: each row's value is `values[index[row]]`. */
export interface TextColumn {
  values: (string | null)[];
  index: number[];
}

/** One column's values: float64 numbers, a text dictionary, or plain values (null = absent). */
export type ColumnValues = Float64Array | TextColumn | unknown[];

/** Records of one signal, column by column, keyed by record field. */
export interface ColumnarRecords<S extends Signal = Signal> {
  signal: S;
  rows: number;
  columns: Record<string, ColumnValues>;
}

/** A bus batch in columnar form: what the sink hands the writer. */
export interface ColumnBatch<S extends Signal = Signal> extends ColumnarRecords<S> {
  producer: string;
  seq: number;
}

type WireColumn = Uint8Array | TextColumn | unknown[];

/** What a columnar batch looks like on the wire (before CBOR). */
export interface WireColumnBatch {
  signal: Signal;
  producer: string;
  seq: number;
  rows: number;
  columns: Record<string, WireColumn>;
}

type WireForm = 'float64' | 'dictionary' | 'plain';

const WIRE_FORM: Record<ColumnSource, WireForm> = {
  time: 'float64',
  number: 'float64',
  text: 'dictionary',
  optionalText: 'dictionary',
  json: 'dictionary',
  optionalNumber: 'plain',
  numberList: 'plain',
};

/** Attribute maps become JSON text once, here: the store keeps JSON text anyway. */
function textOf(value: unknown, source: ColumnSource): unknown {
  if (value === undefined || value === null) return null;
  if (source === 'json' && typeof value === 'object') return JSON.stringify(value as Attributes);
  return value as string | AttributesJson;
}

function dictionary(records: readonly Record<string, unknown>[], field: string, source: ColumnSource): TextColumn {
  const values: (string | null)[] = [];
  const index = new Array<number>(records.length);
  const positions = new Map<unknown, number>();
  for (let row = 0; row < records.length; row++) {
    const value = textOf((records[row] as Record<string, unknown>)[field], source);
    let position = positions.get(value);
    if (position === undefined) {
      position = values.length;
      positions.set(value, position);
      values.push(value as string | null);
    }
    index[row] = position;
  }
  return { values, index };
}

/** Rows → columns (producer side, and the writer's in-process `append`). */
export function toColumns<S extends Signal>(signal: S, records: readonly RecordBySignal[S][]): ColumnarRecords<S> {
  const rows = records as unknown as readonly Record<string, unknown>[];
  const columns: Record<string, ColumnValues> = {};
  for (const column of COLUMNS[signal] as Column<unknown>[]) {
    const { field, source } = column;
    const form = WIRE_FORM[source];
    if (form === 'float64') {
      const numbers = new Float64Array(rows.length);
      for (let row = 0; row < rows.length; row++) numbers[row] = (rows[row] as Record<string, unknown>)[field] as number;
      columns[field] = numbers;
    } else if (form === 'dictionary') {
      columns[field] = dictionary(rows, field, source);
    } else {
      columns[field] = rows.map((record) => record[field] ?? null);
    }
  }
  return { signal, rows: rows.length, columns };
}

function float64Bytes(numbers: Float64Array): Uint8Array {
  const bytes = new Uint8Array(numbers.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < numbers.length; i++) view.setFloat64(i * 8, numbers[i] as number, true);
  return bytes;
}

function float64s(bytes: Uint8Array): Float64Array {
  const numbers = new Float64Array(bytes.length / 8);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < numbers.length; i++) numbers[i] = view.getFloat64(i * 8, true);
  return numbers;
}

/** A batch as it goes on the bus (the envelope's data). */
export function wireBatch(batch: TelemetryBatch): WireColumnBatch {
  const { rows, columns } = toColumns(batch.signal, batch.records);
  const wire: Record<string, WireColumn> = {};
  for (const [field, values] of Object.entries(columns)) wire[field] = values instanceof Float64Array ? float64Bytes(values) : values;
  return { signal: batch.signal, producer: batch.producer, seq: batch.seq, rows, columns: wire };
}

type Problem = (problem: string) => RigError;

function isTextColumn(value: unknown): value is TextColumn {
  return typeof value === 'object' && value !== null && Array.isArray((value as TextColumn).values) && Array.isArray((value as TextColumn).index);
}

/** Throws `bad(...)` unless `columns` hold every field of the signal, in its form, for `rows` rows. */
export function checkColumns(signal: Signal, rows: number, columns: Record<string, unknown>, bad: Problem): void {
  for (const { field, source } of COLUMNS[signal] as Column<unknown>[]) {
    const column = columns[field];
    const form = WIRE_FORM[source];
    if (form === 'float64') {
      if (!(column instanceof Float64Array) || column.length !== rows) throw bad(`column ${field}: expected ${rows} float64 values`);
      if (source === 'time') {
        for (let row = 0; row < rows; row++) if (!Number.isFinite(column[row])) throw bad(`column ${field}, row ${row}: time is not a finite number`);
      }
    } else if (form === 'dictionary') {
      if (!isTextColumn(column) || column.index.length !== rows) throw bad(`column ${field}: expected a text dictionary of ${rows} rows`);
      for (const value of column.values) {
        if (value !== null && typeof value !== 'string') throw bad(`column ${field}: dictionary holds a ${typeof value}, not text`);
      }
      const size = column.values.length;
      for (let row = 0; row < rows; row++) {
        const position = column.index[row];
        if (!Number.isInteger(position) || (position as number) < 0 || (position as number) >= size) {
          throw bad(`column ${field}, row ${row}: index ${String(position)} outside the dictionary`);
        }
      }
    } else {
      if (!Array.isArray(column) || column.length !== rows) throw bad(`column ${field}: expected ${rows} values`);
      for (const value of column) {
        const ok =
          value === null ||
          (source === 'optionalNumber' ? typeof value === 'number' : Array.isArray(value) && value.every((n) => typeof n === 'number'));
        if (!ok) throw bad(`column ${field}: ${source === 'optionalNumber' ? 'a number' : 'a list of numbers'} or null expected`);
      }
    }
  }
}

/**
 * The columns of a wire batch, checked (`bad` builds the error). `signal`, `rows` and the header were
 * checked by the caller; float64 byte strings become Float64Arrays here.
 */
export function columnsFromWire(signal: Signal, rows: number, wire: unknown, bad: Problem): Record<string, ColumnValues> {
  if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) throw bad('columns is not a map');
  const columns: Record<string, ColumnValues> = {};
  for (const { field, source } of COLUMNS[signal] as Column<unknown>[]) {
    const column = (wire as Record<string, unknown>)[field];
    if (WIRE_FORM[source] === 'float64') {
      if (!(column instanceof Uint8Array) || column.length !== rows * 8) throw bad(`column ${field}: expected ${rows * 8} bytes of float64`);
      columns[field] = float64s(column);
    } else {
      columns[field] = column as ColumnValues;
    }
  }
  checkColumns(signal, rows, columns, bad);
  return columns;
}
