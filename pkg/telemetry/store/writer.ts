/**
 * TelemetryWriter: the store's only writer. It owns one DuckDB file (`telemetry.duckdb`) and the
 * Parquet tree beside it:
 *   - `append` and `appendBatch` turn records into DuckDB data chunks at once (chunks.ts) and buffer
 *     them: that work then runs while an earlier flush's commit is busy in DuckDB's own threads;
 *   - `flush` appends the buffered chunks with the DuckDB appender in one
 *     transaction; DuckDB writes and fsyncs its WAL at commit, so when it resolves the rows are
 *     durable, which is when the sink may ack. The WAL is folded into the file by a CHECKPOINT at most
 *     every `checkpointIntervalMs` (and before a roll, a snapshot and close);
 *   - `roll` moves rows of finished hours into `signal=<s>/hour=<h>/part-<n>.parquet` (parquet.ts);
 *   - `applyRetention` drops partitions and rows older than the configured window;
 *   - `publishSnapshot` refreshes a consistent copy of the file for readers such as Grafana.
 * All of them run on one serial lane over one connection, so a roll never races an append.
 * It must never be opened twice on the same file (DuckDB's file lock enforces it across processes)
 * and never ack anything itself.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import {
  type DuckDBAppender,
  type DuckDBConnection,
  type DuckDBDataChunk,
  DuckDBInstance,
  DuckDBTimestampValue,
  type DuckDBType,
} from '@duckdb/node-api';
import { RigError } from '../../errors/index.ts';
import { type ColumnarRecords, type ColumnBatch, checkColumns, toColumns } from '../columnar.ts';
import { type RecordBySignal, SIGNALS, type Signal, type TelemetryBatch } from '../records.ts';
import { ChunkLayout } from './chunks.ts';
import { ensureSchemaFiles, recoverInterruptedRolls, rollFinishedHours, type RollResult } from './parquet.ts';
import { sqlString, type TelemetryPaths, telemetryPaths } from './paths.ts';
import { applyRetention, type RetentionResult } from './retention.ts';
import { BATCH_ID_RETENTION_HOURS, COLUMNS, type Column, CREATE_BATCHES_SQL, CREATE_ROLLS_SQL, createTableSql, liveTable } from './schema.ts';
import { SerialLane } from './serial.ts';
import { createViewsSql } from './views.ts';

export interface WriterOptions {
  dataDir: string;
  /** Keep telemetry this long (hours); undefined keeps everything. */
  retentionHours?: number;
  /** Fold the WAL into the file after a flush when the last CHECKPOINT is older than this (default 5 s; 0 = every flush). */
  checkpointIntervalMs?: number;
  /**
   * `roll` moves rows older than this into Parquet (default: 60 s), so the live file stays small; rows
   * still go to their hour's partition. Without it only finished hours would roll.
   */
  rollAfterMs?: number;
  /** DuckDB threads for this instance (default: DuckDB's choice). */
  threads?: number;
}

/**
 * DuckDB checkpoints on its own, inside a COMMIT, once the WAL passes this size (its default: 16 MB,
 * about 40k spans). Each checkpoint compresses and rewrites the table's last, partly filled row group
 * (122,880 rows), so at 16 MB each row group was compressed several times over, and the commits that
 * carried a checkpoint held up the acks of their batches: sustained (1M spans), the sink spent
 * 13-15 µs of CPU per span with it, 8.6-8.9 with 128 MB. The timed CHECKPOINT after a flush
 * (`checkpointIntervalMs`) still folds the WAL in every few seconds; this only bounds it between.
 */
const WAL_CHECKPOINT_THRESHOLD = '128MB';

/** What a flush made durable. */
export interface DurableMark {
  rows: number;
  bySignal: Record<Signal, number>;
  /** Batches skipped because an earlier flush already stored them (redeliveries). */
  duplicateBatches: number;
}

/** The id of a bus batch, `<producer>:<seq>`: what exactly-once ingestion keys on. */
export function batchId(batch: Pick<TelemetryBatch, 'producer' | 'seq'>): string {
  return `${batch.producer}:${batch.seq}`;
}

interface SignalSink {
  appender: DuckDBAppender;
  layout: ChunkLayout;
  pending: PendingRows[];
}

/** Records made into data chunks, waiting for a flush. */
interface PendingRows {
  signal: Signal;
  rows: number;
  chunks: DuckDBDataChunk[];
}

/** A bus batch's chunks and its dedup id. */
interface PendingBatch extends PendingRows {
  id: string;
}

export class TelemetryWriter {
  readonly paths: TelemetryPaths;
  private readonly lane = new SerialLane();
  private closed = false;
  private pendingBatches: PendingBatch[] = [];
  private lastCheckpointMs = Date.now();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly sinks: Record<Signal, SignalSink>,
    private readonly batchIds: DuckDBAppender,
    private readonly options: WriterOptions,
  ) {
    this.paths = telemetryPaths(options.dataDir);
  }

  static async open(options: WriterOptions): Promise<TelemetryWriter> {
    const paths = telemetryPaths(options.dataDir);
    mkdirSync(paths.parquetRoot, { recursive: true });
    const config: Record<string, string> = { checkpoint_threshold: WAL_CHECKPOINT_THRESHOLD };
    if (options.threads !== undefined) config.threads = String(options.threads);
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(paths.database, config);
    } catch (cause) {
      throw new RigError('TELEMETRY_STORE_OPEN', `cannot open the telemetry store for writing: ${errorText(cause)}`, {
        where: paths.database,
        hint: 'another process (a running mixer?) holds it; only one writer may own the store',
        cause,
      });
    }
    const connection = await instance.connect();
    for (const signal of SIGNALS) await connection.run(createTableSql(signal));
    await connection.run(CREATE_ROLLS_SQL);
    await connection.run(CREATE_BATCHES_SQL);
    // The schema goes into the file itself, not only the WAL: copies of the file are then always usable.
    await connection.run('CHECKPOINT');
    await recoverInterruptedRolls(connection, paths.parquetRoot);
    await ensureSchemaFiles(connection, paths.parquetRoot);
    const sinks = {} as Record<Signal, SignalSink>;
    for (const signal of SIGNALS) {
      const appender = await connection.createAppender(liveTable(signal));
      const types: DuckDBType[] = [];
      for (let i = 0; i < appender.columnCount; i++) types.push(appender.columnType(i));
      sinks[signal] = { appender, layout: await ChunkLayout.create(types, COLUMNS[signal] as Column<unknown>[]), pending: [] };
    }
    const batchIds = await connection.createAppender('telemetry_batches');
    const writer = new TelemetryWriter(instance, connection, sinks, batchIds, options);
    await writer.refreshViews();
    return writer;
  }

  /** Buffer records; nothing is durable until `flush` resolves. */
  append<S extends Signal>(signal: S, records: readonly RecordBySignal[S][]): void {
    if (this.closed) throw new RigError('TELEMETRY_STORE_CLOSED', 'the telemetry writer is closed');
    if (records.length === 0) return;
    this.sinks[signal].pending.push(this.chunked(checkedColumns(signal, records)));
  }

  /**
   * Buffer a bus batch. Its rows and its id commit together in the next flush; a batch whose id is
   * already stored (a redelivery) is skipped then, so each batch lands exactly once.
   */
  appendBatch(batch: ColumnBatch | TelemetryBatch): void {
    if (this.closed) throw new RigError('TELEMETRY_STORE_CLOSED', 'the telemetry writer is closed');
    const columnar = 'records' in batch ? checkedColumns(batch.signal, batch.records) : batch;
    this.pendingBatches.push({ id: batchId(batch), ...this.chunked(columnar) });
  }

  private chunked(records: ColumnarRecords): PendingRows {
    return { signal: records.signal, rows: records.rows, chunks: [...this.sinks[records.signal].layout.dataChunks(records)] };
  }

  /** Rows buffered and not yet flushed. */
  get pendingRows(): number {
    let total = 0;
    for (const signal of SIGNALS) for (const pending of this.sinks[signal].pending) total += pending.rows;
    for (const batch of this.pendingBatches) total += batch.rows;
    return total;
  }

  /** Append every buffered record, commit and (by default) checkpoint. Resolves when durable. */
  flush(): Promise<DurableMark> {
    return this.lane.run(() => this.flushNow());
  }

  /**
   * Move rows older than `rollAfterMs` before `nowMs` (default: now) into their hour's Parquet
   * partition; `{ finishedHoursOnly: true }` rolls only hours that ended before `nowMs`.
   */
  roll(nowMs: number = Date.now(), options: { finishedHoursOnly?: boolean } = {}): Promise<RollResult> {
    return this.lane.run(async () => {
      await this.flushNow();
      const hourStart = Math.floor(nowMs / 3_600_000) * 3_600_000;
      const cutoffMs = options.finishedHoursOnly ? hourStart : nowMs - (this.options.rollAfterMs ?? 60_000);
      const result = await rollFinishedHours(this.connection, this.paths.parquetRoot, cutoffMs);
      await this.checkpointNow();
      if (result.files.length > 0) await this.refreshViewsNow();
      return result;
    });
  }

  /** Delete partitions and live rows older than the retention window (none set: keep all) and old batch ids. */
  applyRetention(nowMs: number = Date.now()): Promise<RetentionResult> {
    return this.lane.run(async () => {
      await this.flushNow();
      const oldestIdUs = (nowMs - BATCH_ID_RETENTION_HOURS * 3_600_000) * 1000;
      await this.connection.run(`DELETE FROM telemetry_batches WHERE stored_at < make_timestamp(${oldestIdUs}::BIGINT)`);
      if (this.options.retentionHours === undefined) return { partitionsDeleted: 0, rowsDeleted: 0 };
      const result = await applyRetention(this.connection, this.paths.parquetRoot, this.options.retentionHours, nowMs);
      await this.refreshViewsNow();
      return result;
    });
  }

  /**
   * Refresh `snapshot.duckdb`: the live tables and the views, copied by DuckDB into a fresh file that
   * is then renamed over the old one, so readers (the Grafana plugin reloads on change, `rig data
   * query` while the mixer runs) always find a complete file. Bookkeeping tables (batch ids, rolls)
   * stay out: they only grow. The copy is made by DuckDB, never by opening the live file here: closing
   * any descriptor of it would drop this process's POSIX lock on it.
   */
  publishSnapshot(): Promise<string> {
    return this.lane.run(async () => {
      await this.flushNow();
      const temporary = `${this.paths.snapshot}.tmp`;
      rmSync(temporary, { force: true });
      const current = await this.connection.runAndReadAll('SELECT current_database()');
      const home = String(current.getRowsJS()[0]?.[0]);
      await this.connection.run(`ATTACH ${sqlString(temporary)} AS telemetry_snapshot`);
      try {
        for (const signal of SIGNALS) {
          await this.connection.run(`CREATE TABLE telemetry_snapshot.${liveTable(signal)} AS SELECT * FROM "${home}".${liveTable(signal)}`);
        }
        // Views bind unqualified names in the database they are created from: create them there.
        await this.connection.run('USE telemetry_snapshot');
        try {
          await this.refreshViewsNow();
        } finally {
          await this.connection.run(`USE "${home}"`);
        }
      } finally {
        await this.connection.run('DETACH telemetry_snapshot');
      }
      renameSync(temporary, this.paths.snapshot);
      return this.paths.snapshot;
    });
  }

  /** Rebuild the persistent views (for tools that open the file directly once the writer is gone). */
  refreshViews(): Promise<void> {
    return this.lane.run(() => this.refreshViewsNow());
  }

  /** Run SQL on the write connection (tests, benchmarks, the mixer's own queries). */
  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.lane.run(async () => {
      await this.flushNow();
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    });
  }

  /** Flush what is buffered, checkpoint and release the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.lane.run(async () => {
      await this.flushNow();
      for (const signal of SIGNALS) this.sinks[signal].appender.closeSync();
      this.batchIds.closeSync();
      await this.checkpointNow();
      this.closed = true;
      this.connection.closeSync();
      this.instance.closeSync();
    });
  }

  private async flushNow(): Promise<DurableMark> {
    const bySignal = { spans: 0, logs: 0, metrics: 0, messages: 0 } as Record<Signal, number>;
    const { fresh, duplicates } = await this.takeFreshBatches();
    for (const batch of fresh) this.sinks[batch.signal].pending.push(batch);
    let rows = 0;
    for (const signal of SIGNALS) for (const pending of this.sinks[signal].pending) rows += pending.rows;
    if (rows === 0 && fresh.length === 0) return { rows, bySignal, duplicateBatches: duplicates };
    // One transaction: the appenders join it, so rows and batch ids commit (or roll back) together.
    await this.connection.run('BEGIN TRANSACTION');
    try {
      for (const signal of SIGNALS) {
        const sink = this.sinks[signal];
        if (sink.pending.length === 0) continue;
        const pending = sink.pending;
        sink.pending = [];
        for (const { rows: count, chunks } of pending) {
          for (const chunk of chunks) sink.appender.appendDataChunk(chunk);
          bySignal[signal] += count;
        }
        sink.appender.flushSync();
      }
      if (fresh.length > 0) {
        const now = new DuckDBTimestampValue(BigInt(Date.now()) * 1000n);
        for (const batch of fresh) {
          this.batchIds.appendVarchar(batch.id);
          this.batchIds.appendTimestamp(now);
          this.batchIds.endRow();
        }
        this.batchIds.flushSync();
      }
      await this.connection.run('COMMIT');
    } catch (error) {
      await this.connection.run('ROLLBACK');
      for (const signal of SIGNALS) this.sinks[signal].appender.clear();
      this.batchIds.clear();
      throw new RigError('TELEMETRY_STORE_WRITE', `telemetry flush failed, nothing of it was stored: ${errorText(error)}`, {
        where: this.paths.database,
        cause: error,
      });
    }
    if (Date.now() - this.lastCheckpointMs >= (this.options.checkpointIntervalMs ?? 5000)) await this.checkpointNow();
    return { rows, bySignal, duplicateBatches: duplicates };
  }

  /** Pending batches minus those already stored or repeated within the pending list. */
  private async takeFreshBatches(): Promise<{ fresh: PendingBatch[]; duplicates: number }> {
    if (this.pendingBatches.length === 0) return { fresh: [], duplicates: 0 };
    const batches = this.pendingBatches;
    this.pendingBatches = [];
    const stored = new Set<string>();
    const ids = [...new Set(batches.map((batch) => batch.id))];
    for (let offset = 0; offset < ids.length; offset += 1000) {
      const list = ids.slice(offset, offset + 1000).map(sqlString).join(', ');
      const found = await this.connection.runAndReadAll(`SELECT id FROM telemetry_batches WHERE id IN (${list})`);
      for (const [id] of found.getRowsJS()) stored.add(String(id));
    }
    const fresh: PendingBatch[] = [];
    for (const batch of batches) {
      if (stored.has(batch.id)) continue;
      stored.add(batch.id);
      fresh.push(batch);
    }
    return { fresh, duplicates: batches.length - fresh.length };
  }

  private async checkpointNow(): Promise<void> {
    await this.connection.run('CHECKPOINT');
    this.lastCheckpointMs = Date.now();
  }

  private async refreshViewsNow(): Promise<void> {
    for (const sql of createViewsSql({ parquetRoot: this.paths.parquetRoot })) await this.connection.run(sql);
  }
}

/** Records → columns, refusing what the store could not take (a time that is not a number, say). */
function checkedColumns<S extends Signal>(signal: S, records: readonly RecordBySignal[S][]): ColumnarRecords<S> {
  const columnar = toColumns(signal, records);
  checkColumns(signal, columnar.rows, columnar.columns, (problem) => new RigError('TELEMETRY_RECORDS_INVALID', `${signal} records: ${problem}`));
  return columnar;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
