/**
 * Raw writers for DuckDB vectors, used by chunks.ts for the columns that carry nearly all of a span's
 * bytes. Each fills a whole vector with one copy into DuckDB's memory (`copy_data_to_vector`), where
 * @duckdb/node-api's vectors make one native call per text value (`DuckDBVarCharVector.flush`, about
 * half of the sink's JS time) and build a DuckDBTimestampValue and a BigInt per timestamp. They work on
 * the vector handles of @duckdb/node-bindings, which @duckdb/node-api keeps private.
 *
 * Text: a VARCHAR (or JSON) vector holds one 16-byte `duckdb_string_t` per row (duckdb.h):
 *
 *   length: uint32 | the bytes, zero padded: 12               when length <= 12 (inlined)
 *   length: uint32 | first 4 bytes | pointer to the bytes: 8   otherwise
 *
 * A text column is a dictionary (columnar.ts), so each distinct value used by the chunk's rows is
 * encoded to UTF-8 once. The values longer than 12 bytes are laid end to end and handed to DuckDB as
 * one string (one native call); DuckDB copies it into the vector's string heap. Its pointer, read back,
 * plus a value's offset in it is that value's pointer. Every row's `duckdb_string_t` is then written
 * into a scratch buffer and copied into the vector at once. Many rows pointing to the same bytes is what
 * DuckDB's own constant and dictionary vectors look like once flattened. The heap belongs to the
 * vector, so the pointers are good for the chunk's life; the appender copies the strings out of it.
 *
 * Layouts assume a little-endian platform with 64-bit pointers, as every platform DuckDB publishes
 * Node bindings for is.
 */
import { endianness } from 'node:os';
import type DuckDBBindings from '@duckdb/node-bindings';
import type { DataChunk, LogicalType, Vector } from '@duckdb/node-bindings';
import type { TextColumn } from '../columnar.ts';

if (endianness() !== 'LE') throw new Error('pkg/telemetry/store/vectors.ts writes DuckDB vectors in little-endian layout');

/**
 * The bindings, imported on first use (`loadVectorBindings`), not statically: in the single executable
 * (deploy/sea) a static import of them lists the addon's exports while the bundle starts, which
 * loads the DuckDB addon for every command, even `rig --version`.
 */
let duckdb: typeof DuckDBBindings;

/** Makes the writers usable; call (and await) before any of them. */
export async function loadVectorBindings(): Promise<void> {
  duckdb ??= (await import('@duckdb/node-bindings')).default;
}

/** A data chunk of `rows` rows with columns of `types`. */
export function createDataChunk(types: LogicalType[], rows: number): DataChunk {
  const chunk = duckdb.create_data_chunk(types);
  duckdb.data_chunk_set_size(chunk, rows);
  return chunk;
}

/** The vector of a chunk's column. */
export function columnVector(chunk: DataChunk, column: number): Vector {
  return duckdb.data_chunk_get_vector(chunk, column);
}

/** The rows of one data chunk (DuckDB's vector size). */
export const ROWS_PER_CHUNK = 2048;

const STRING_T_BYTES = 16;
const INLINE_BYTES = 12;
const TWO_POW_32 = 2 ** 32;

/** One vector's rows before they are copied into DuckDB (string_t is the widest row: 16 bytes). */
const rowsBuffer = new ArrayBuffer(ROWS_PER_CHUNK * STRING_T_BYTES);
const rowWords = new Uint32Array(rowsBuffer);
const rowInt32s = new Int32Array(rowsBuffer);
/** Validity: bit `row` set when the row holds a value (DuckDB's uint64 words, little-endian). */
const validityWords = new Uint32Array(ROWS_PER_CHUNK / 32);

/** TIMESTAMP (int64 microseconds) from float64 microseconds, truncated like BigInt(Math.trunc(x)). */
export function writeTimestamps(vector: Vector, micros: Float64Array, offset: number, count: number): void {
  for (let row = 0; row < count; row++) {
    const value = Math.trunc(micros[offset + row] as number);
    const high = Math.floor(value / TWO_POW_32);
    rowWords[row * 2] = value - high * TWO_POW_32;
    rowInt32s[row * 2 + 1] = high;
  }
  duckdb.copy_data_to_vector(vector, 0, rowsBuffer, 0, count * 8);
}

/** DOUBLE: the float64 values as they are. */
export function writeDoubles(vector: Vector, numbers: Float64Array, offset: number, count: number): void {
  // Columns are built in plain ArrayBuffers (columnar.ts), never in shared memory.
  duckdb.copy_data_to_vector(vector, 0, numbers.buffer as ArrayBuffer, numbers.byteOffset + offset * 8, count * 8);
}

/** INTEGER: each value converted as an Int32Array converts it (as @duckdb/node-api's vector does). */
export function writeIntegers(vector: Vector, numbers: Float64Array, offset: number, count: number): void {
  for (let row = 0; row < count; row++) rowInt32s[row] = numbers[offset + row] as number;
  duckdb.copy_data_to_vector(vector, 0, rowsBuffer, 0, count * 4);
}

/** Per dictionary position: not yet seen in this chunk, absent (NULL), or its string_t is in `templates`. */
const UNSEEN = 0;
const ABSENT = 1;
const INLINED = 2;
const IN_HEAP = 3;

/** Growable scratch of the text writer, kept between calls (one JS thread, never re-entered). */
let states = new Uint8Array(ROWS_PER_CHUNK);
/** Per dictionary position, its string_t: words length, prefix or inlined bytes, pointer low, high. */
let templates = new Uint32Array(ROWS_PER_CHUNK * 4);
let templateBytes = new Uint8Array(templates.buffer);
/** Dictionary positions used by the chunk's rows, in first-use order. */
let used = new Int32Array(ROWS_PER_CHUNK);
/** The used values' UTF-8, end to end; what DuckDB copies into the vector's heap. */
let heapBytes = new Uint8Array(64 * 1024);
const utf8 = new TextEncoder();

function reserveDictionary(size: number): void {
  if (states.length >= size) return;
  states = new Uint8Array(size);
  templates = new Uint32Array(size * 4);
  templateBytes = new Uint8Array(templates.buffer);
  used = new Int32Array(size);
}

function reserveHeap(bytes: number): void {
  if (heapBytes.length < bytes) heapBytes = new Uint8Array(Math.max(bytes, heapBytes.length * 2));
}

/**
 * Encodes the used values end to end into `heapBytes`, leaving each one's byte offset in its template's
 * third word and its byte length in the first; returns the bytes written. One TextEncoder call for
 * them all when they are ASCII (telemetry text nearly always is: ids, names, JSON keys), so that byte
 * offsets are the character offsets; one call per value otherwise.
 */
function encodeUsed(values: readonly (string | null)[], usedCount: number): number {
  const parts = new Array<string>(usedCount);
  let chars = 0;
  for (let i = 0; i < usedCount; i++) {
    const position = used[i] as number;
    const value = values[position] as string;
    parts[i] = value;
    templates[position * 4] = value.length;
    templates[position * 4 + 2] = chars;
    chars += value.length;
  }
  reserveHeap(chars * 3);
  const joined = parts.join('');
  if (utf8.encodeInto(joined, heapBytes).written === chars) return chars;
  let bytes = 0;
  for (let i = 0; i < usedCount; i++) {
    const position = used[i] as number;
    const length = utf8.encodeInto(values[position] as string, heapBytes.subarray(bytes)).written;
    templates[position * 4] = length;
    templates[position * 4 + 2] = bytes;
    bytes += length;
  }
  return bytes;
}

/**
 * VARCHAR/JSON from a dictionary column: row `r` of the vector gets `values[index[offset + r]]`, NULL
 * for null (and for '' when `emptyIsNull`).
 */
export function writeText(vector: Vector, text: TextColumn, offset: number, count: number, emptyIsNull: boolean): void {
  const { values, index } = text;
  reserveDictionary(values.length);
  states.fill(UNSEEN, 0, values.length);
  // 1. The values these rows use, encoded.
  let usedCount = 0;
  let nulls = false;
  for (let row = 0; row < count; row++) {
    const position = index[offset + row] as number;
    if (states[position] !== UNSEEN) continue;
    const value = values[position] as string | null;
    if (value === null || (emptyIsNull && value === '')) {
      states[position] = ABSENT;
      nulls = true;
    } else {
      states[position] = IN_HEAP;
      used[usedCount++] = position;
    }
  }
  const heapLength = encodeUsed(values, usedCount);
  // 2. Their string_t: short ones inlined, long ones pointing into the heap bytes, for now by offset.
  let anyInHeap = false;
  for (let i = 0; i < usedCount; i++) {
    const position = used[i] as number;
    const word = position * 4;
    const length = templates[word] as number;
    const at = templates[word + 2] as number;
    if (length <= INLINE_BYTES) {
      templates[word + 1] = 0;
      templates[word + 2] = 0;
      templates[word + 3] = 0;
      for (let b = 0; b < length; b++) templateBytes[word * 4 + 4 + b] = heapBytes[at + b] as number;
      states[position] = INLINED;
    } else {
      templates[word + 1] = (heapBytes[at] as number) | ((heapBytes[at + 1] as number) << 8) | ((heapBytes[at + 2] as number) << 16) | ((heapBytes[at + 3] as number) << 24);
      anyInHeap = true;
    }
  }
  // 3. The heap bytes into the vector's string heap in one call (longer than 12 bytes, so DuckDB
  // stores them there); the long values' pointers from its address.
  if (anyInHeap) {
    duckdb.vector_assign_string_element_len(vector, 0, heapBytes.subarray(0, heapLength));
    const stored = new Uint32Array(duckdb.vector_get_data(vector, STRING_T_BYTES).slice().buffer);
    const baseLow = stored[2] as number;
    const baseHigh = stored[3] as number;
    for (let i = 0; i < usedCount; i++) {
      const position = used[i] as number;
      if (states[position] !== IN_HEAP) continue;
      const low = baseLow + (templates[position * 4 + 2] as number);
      templates[position * 4 + 2] = low; // wraps to the low 32 bits
      templates[position * 4 + 3] = low >= TWO_POW_32 ? baseHigh + 1 : baseHigh;
    }
  }
  // 4. Every row's string_t, then one copy (row 0's slot, which held the heap bytes, is overwritten;
  // the bytes stay in the heap).
  if (nulls) validityWords.fill(0xffffffff, 0, Math.ceil(count / 64) * 2);
  for (let row = 0; row < count; row++) {
    const position = index[offset + row] as number;
    const to = row * 4;
    if (states[position] === ABSENT) {
      rowWords[to] = 0;
      rowWords[to + 1] = 0;
      rowWords[to + 2] = 0;
      rowWords[to + 3] = 0;
      validityWords[row >>> 5] = (validityWords[row >>> 5] as number) & ~(1 << (row & 31));
      continue;
    }
    const from = position * 4;
    rowWords[to] = templates[from] as number;
    rowWords[to + 1] = templates[from + 1] as number;
    rowWords[to + 2] = templates[from + 2] as number;
    rowWords[to + 3] = templates[from + 3] as number;
  }
  duckdb.copy_data_to_vector(vector, 0, rowsBuffer, 0, count * STRING_T_BYTES);
  if (nulls) {
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, validityWords.buffer, 0, Math.ceil(count / 64) * 8);
  }
}
