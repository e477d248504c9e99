/**
 * Columnar records → DuckDB data chunks, column by column: each schema column's vector is filled
 * straight from its record field's column (columnar.ts), with no row objects in between. Times, numbers
 * and text, nearly all of a span's bytes, go through the raw writers of vectors.ts (one copy into
 * DuckDB per vector, each distinct string encoded once); metrics' optional numbers and number lists
 * through @duckdb/node-api's vectors. Pure conversion: the caller appends the chunks and owns the
 * transaction.
 */
import type { LogicalType } from '@duckdb/node-bindings';
import { DuckDBDataChunk, DuckDBListValue, type DuckDBType, type DuckDBVector } from '@duckdb/node-api';
import type { ColumnarRecords, ColumnValues, TextColumn } from '../columnar.ts';
import type { Column } from './schema.ts';
import {
  columnVector,
  createDataChunk,
  loadVectorBindings,
  ROWS_PER_CHUNK,
  writeDoubles,
  writeIntegers,
  writeText,
  writeTimestamps,
} from './vectors.ts';

export { ROWS_PER_CHUNK };

const bigint = (n: number): bigint => BigInt(Math.trunc(n));

function fillPlain(vector: DuckDBVector, column: Column<unknown>, values: unknown[], offset: number, count: number): void {
  const integers = column.sqlType.startsWith('BIGINT');
  for (let row = 0; row < count; row++) {
    const value = values[offset + row] as number | number[] | null;
    if (value === null) vector.setItem(row, null);
    else if (Array.isArray(value)) vector.setItem(row, new DuckDBListValue(integers ? value.map(bigint) : value));
    else vector.setItem(row, integers ? bigint(value) : value);
  }
  vector.flush();
}

function fillColumn(chunk: DuckDBDataChunk, index: number, column: Column<unknown>, values: ColumnValues, offset: number, count: number): void {
  const vector = () => columnVector(chunk.chunk, index);
  switch (column.source) {
    case 'time':
      writeTimestamps(vector(), values as Float64Array, offset, count);
      return;
    case 'number':
      if (column.sqlType === 'INTEGER') writeIntegers(vector(), values as Float64Array, offset, count);
      else if (column.sqlType === 'DOUBLE') writeDoubles(vector(), values as Float64Array, offset, count);
      else throw new Error(`column ${column.name}: no vector writer for a number column of type ${column.sqlType}`);
      return;
    case 'text':
    case 'json':
      writeText(vector(), values as TextColumn, offset, count, false);
      return;
    case 'optionalText':
      writeText(vector(), values as TextColumn, offset, count, true);
      return;
    default:
      fillPlain(chunk.getColumnVector(index), column, values as unknown[], offset, count);
  }
}

/**
 * How a signal's chunks are made: its columns and their DuckDB logical types, built once (DuckDB's
 * own `DuckDBDataChunk.create` builds a logical type per column for every chunk).
 */
export class ChunkLayout {
  private readonly logicalTypes: LogicalType[];

  private constructor(
    types: readonly DuckDBType[],
    private readonly columns: readonly Column<unknown>[],
  ) {
    this.logicalTypes = types.map((type) => type.toLogicalType().logical_type);
  }

  static async create(types: readonly DuckDBType[], columns: readonly Column<unknown>[]): Promise<ChunkLayout> {
    await loadVectorBindings();
    return new ChunkLayout(types, columns);
  }

  /** The data chunks holding `records` (at most ROWS_PER_CHUNK rows each), in row order. */
  *dataChunks(records: ColumnarRecords): Generator<DuckDBDataChunk> {
    for (let offset = 0; offset < records.rows; offset += ROWS_PER_CHUNK) {
      const count = Math.min(ROWS_PER_CHUNK, records.rows - offset);
      const chunk = new DuckDBDataChunk(createDataChunk(this.logicalTypes, count));
      for (let c = 0; c < this.columns.length; c++) {
        const column = this.columns[c] as Column<unknown>;
        fillColumn(chunk, c, column, records.columns[column.field] as ColumnValues, offset, count);
      }
      yield chunk;
    }
  }
}
