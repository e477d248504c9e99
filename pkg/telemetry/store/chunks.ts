/**
 * Columnar records → DuckDB data chunks, column by column: each schema column's vector is filled
 * straight from its record field's column (columnar.ts), with no row objects in between. Text columns
 * are dictionaries, so a repeated string is one JS value however many rows carry it. Pure conversion:
 * the caller appends the chunks and owns the transaction.
 */
import { DuckDBDataChunk, DuckDBListValue, DuckDBTimestampValue, type DuckDBType, type DuckDBValue, type DuckDBVector } from '@duckdb/node-api';
import type { ColumnarRecords, ColumnValues, TextColumn } from '../columnar.ts';
import type { Column } from './schema.ts';

/** DuckDB's vector size: one data chunk holds at most this many rows. */
export const ROWS_PER_CHUNK = 2048;

const timestamp = (micros: number): DuckDBValue => new DuckDBTimestampValue(BigInt(Math.trunc(micros)));
const bigint = (n: number): bigint => BigInt(Math.trunc(n));

function fillNumbers(vector: DuckDBVector, numbers: Float64Array, offset: number, count: number, asTime: boolean): void {
  for (let row = 0; row < count; row++) {
    const value = numbers[offset + row] as number;
    vector.setItem(row, asTime ? timestamp(value) : value);
  }
}

function fillText(vector: DuckDBVector, text: TextColumn, offset: number, count: number, emptyIsNull: boolean): void {
  const values = emptyIsNull ? text.values.map((v) => (v === '' ? null : v)) : text.values;
  const index = text.index;
  for (let row = 0; row < count; row++) vector.setItem(row, values[index[offset + row] as number] ?? null);
}

function fillPlain(vector: DuckDBVector, column: Column<unknown>, values: unknown[], offset: number, count: number): void {
  const integers = column.sqlType.startsWith('BIGINT');
  for (let row = 0; row < count; row++) {
    const value = values[offset + row] as number | number[] | null;
    if (value === null) vector.setItem(row, null);
    else if (Array.isArray(value)) vector.setItem(row, new DuckDBListValue(integers ? value.map(bigint) : value));
    else vector.setItem(row, integers ? bigint(value) : value);
  }
}

function fillVector(vector: DuckDBVector, column: Column<unknown>, values: ColumnValues, offset: number, count: number): void {
  switch (column.source) {
    case 'time':
    case 'number':
      fillNumbers(vector, values as Float64Array, offset, count, column.source === 'time');
      return;
    case 'text':
    case 'json':
      fillText(vector, values as TextColumn, offset, count, false);
      return;
    case 'optionalText':
      fillText(vector, values as TextColumn, offset, count, true);
      return;
    default:
      fillPlain(vector, column, values as unknown[], offset, count);
  }
}

/** The data chunks holding `records` (at most ROWS_PER_CHUNK rows each), in row order. */
export function* dataChunks(types: readonly DuckDBType[], columns: readonly Column<unknown>[], records: ColumnarRecords): Generator<DuckDBDataChunk> {
  for (let offset = 0; offset < records.rows; offset += ROWS_PER_CHUNK) {
    const count = Math.min(ROWS_PER_CHUNK, records.rows - offset);
    const chunk = DuckDBDataChunk.create(types, count);
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as Column<unknown>;
      const vector = chunk.getColumnVector(c);
      fillVector(vector, column, records.columns[column.field] as ColumnValues, offset, count);
      vector.flush();
    }
    yield chunk;
  }
}
