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
import duckdb from '@duckdb/node-bindings';
import type { TextColumn } from '../columnar.ts';

if (endianness() !== 'LE') throw new Error('pkg/telemetry/store/vectors.ts writes DuckDB vectors in little-endian layout');

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
export function writeTimestamps(vector: duckdb.Vector, micros: Float64Array, offset: number, count: number): void {
  for (let row = 0; row < count; row++) {
    const value = Math.trunc(micros[offset + row] as number);
    const high = Math.floor(value / TWO_POW_32);
    rowWords[row * 2] = value - high * TWO_POW_32;
    rowInt32s[row * 2 + 1] = high;
  }
  duckdb.copy_data_to_vector(vector, 0, rowsBuffer, 0, count * 8);
}

/** DOUBLE: the float64 values as they are. */
export function writeDoubles(vector: duckdb.Vector, numbers: Float64Array, offset: number, count: number): void {
  // Columns are built in plain ArrayBuffers (columnar.ts), never in shared memory.
  duckdb.copy_data_to_vector(vector, 0, numbers.buffer as ArrayBuffer, numbers.byteOffset + offset * 8, count * 8);
}

/** INTEGER: each value converted as an Int32Array converts it (as @duckdb/node-api's vector does). */
export function writeIntegers(vector: duckdb.Vector, numbers: Float64Array, offset: number, count: number): void {
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
let templates = new Uint32Array(ROWS_PER_CHUNK * 4);
let templateBytes = new Uint8Array(templates.buffer);
let heapBytes = new Uint8Array(64 * 1024);
const utf8 = new TextEncoder();

function reserveDictionary(size: number): void {
  if (states.length >= size) return;
  states = new Uint8Array(size);
  templates = new Uint32Array(size * 4);
  templateBytes = new Uint8Array(templates.buffer);
}

function reserveHeap(bytes: number): void {
  if (heapBytes.length >= bytes) return;
  const grown = new Uint8Array(Math.max(bytes, heapBytes.length * 2));
  grown.set(heapBytes);
  heapBytes = grown;
}

/** Writes `text` as UTF-8 at `heapBytes[at]` (room reserved by the caller); returns its length. */
function encodeAt(text: string, at: number): number {
  // ASCII in a JS loop: telemetry text (ids, names, JSON keys) nearly always is, and a call into
  // TextEncoder costs more than the loop for strings this short.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return utf8.encodeInto(text, heapBytes.subarray(at)).written;
    heapBytes[at + i] = code;
  }
  return text.length;
}

/**
 * VARCHAR/JSON from a dictionary column: row `r` of the vector gets `values[index[offset + r]]`, NULL
 * for null (and for '' when `emptyIsNull`).
 */
export function writeText(vector: duckdb.Vector, text: TextColumn, offset: number, count: number, emptyIsNull: boolean): void {
  const { values, index } = text;
  reserveDictionary(values.length);
  states.fill(UNSEEN, 0, values.length);
  // 1. Each value used by these rows: its string_t, the pointer for now only its offset in the heap bytes.
  let heapLength = 0;
  let nulls = false;
  for (let row = 0; row < count; row++) {
    const position = index[offset + row] as number;
    if (states[position] !== UNSEEN) continue;
    const value = values[position] as string | null;
    if (value === null || (emptyIsNull && value === '')) {
      states[position] = ABSENT;
      nulls = true;
      continue;
    }
    reserveHeap(heapLength + value.length * 3);
    const length = encodeAt(value, heapLength);
    const word = position * 4;
    templates[word] = length;
    if (length <= INLINE_BYTES) {
      templates[word + 1] = 0;
      templates[word + 2] = 0;
      templates[word + 3] = 0;
      templateBytes.set(heapBytes.subarray(heapLength, heapLength + length), word * 4 + 4);
      states[position] = INLINED;
    } else {
      templateBytes.set(heapBytes.subarray(heapLength, heapLength + 4), word * 4 + 4);
      templates[word + 2] = heapLength;
      templates[word + 3] = 0;
      heapLength += length;
      states[position] = IN_HEAP;
    }
  }
  // 2. The long values into the vector's string heap in one call; their pointers from its address.
  if (heapLength > 0) {
    duckdb.vector_assign_string_element_len(vector, 0, heapBytes.subarray(0, heapLength));
    const stored = new Uint32Array(duckdb.vector_get_data(vector, STRING_T_BYTES).slice().buffer);
    const baseLow = stored[2] as number;
    const baseHigh = stored[3] as number;
    for (let position = 0; position < values.length; position++) {
      if (states[position] !== IN_HEAP) continue;
      const low = baseLow + (templates[position * 4 + 2] as number);
      templates[position * 4 + 2] = low; // wraps to the low 32 bits
      templates[position * 4 + 3] = low >= TWO_POW_32 ? baseHigh + 1 : baseHigh;
    }
  }
  // 3. Every row's string_t, then one copy (the long values' row 0 is overwritten; its bytes stay in the heap).
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
