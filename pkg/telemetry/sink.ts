/**
 * The telemetry sink (runs in the mixer): a durable pull consumer on FLUXRIG_TELEMETRY whose handler
 * hands each batch to the TelemetryWriter and resolves only when a flush made it durable, so the bus
 * acks a batch only after it is in the DuckDB file. Many in-flight batches share one flush (group
 * commit): a flush runs when `maxPendingRows` are waiting or `flushIntervalMs` after the first one.
 * Housekeeping runs on timers: Parquet roll, retention, and the snapshot for Grafana.
 * It must never ack before durable, and never drop a batch it could not decode without the bus's
 * retry and dead-letter path seeing the error.
 */
import type { Bus, RunningConsumer } from '../bus/index.ts';
import { RigError } from '../errors/index.ts';
import type { Envelope } from '../wire/envelope.ts';
import { telemetrySubject } from '../wire/subjects.ts';
import { TELEMETRY_STREAM, TELEMETRY_TYPE_PREFIX } from './bus-publisher.ts';
import { type ColumnBatch, checkColumns, columnsFromWire, toColumns, type WireColumnBatch } from './columnar.ts';
import { isSignal, SIGNALS, type TelemetryBatch } from './records.ts';
import type { DurableMark, TelemetryWriter } from './store/writer.ts';

export interface SinkLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface SinkOptions {
  bus: Pick<Bus, 'consume'>;
  writer: TelemetryWriter;
  log: SinkLogger;
  /** Durable consumer name (one per store). Default `telemetry-sink`. */
  durable?: string;
  /** Longest wait before buffered batches are flushed. Default 200 ms. */
  flushIntervalMs?: number;
  /** Flush as soon as this many rows wait. Default 20 000. */
  maxPendingRows?: number;
  /** Batches handled at once (they share flushes). Default 256. */
  concurrency?: number;
  /** Parquet roll check; default every 60 s. 0 disables. */
  rollIntervalMs?: number;
  /** Retention pass; default every 10 min. 0 disables. */
  retentionIntervalMs?: number;
  /** snapshot.duckdb refresh for Grafana; default every 10 s. 0 disables. */
  snapshotIntervalMs?: number;
}

export interface SinkStats {
  batches: number;
  rows: number;
  duplicateBatches: number;
  flushes: number;
}

/** The stats of a sink that has handled nothing. */
export function emptySinkStats(): SinkStats {
  return { batches: 0, rows: 0, duplicateBatches: 0, flushes: 0 };
}

/**
 * Check and type the data of a telemetry envelope: a columnar batch (columnar.ts), or a batch of rows
 * as producers of earlier releases published them (still in the stream after an upgrade: taken, not lost).
 */
export function batchFromEnvelope(envelope: Envelope): ColumnBatch {
  const data = envelope.data as Partial<WireColumnBatch & TelemetryBatch> | null;
  const bad = (problem: string) =>
    new RigError('TELEMETRY_BATCH_INVALID', `telemetry envelope ${envelope.id}: ${problem}`, { where: envelope.type });
  if (data === null || typeof data !== 'object') throw bad('data is not a batch object');
  if (typeof data.signal !== 'string' || !isSignal(data.signal)) throw bad(`unknown signal ${String(data.signal)}`);
  if (envelope.type !== `${TELEMETRY_TYPE_PREFIX}${data.signal}`) throw bad(`type does not match signal ${data.signal}`);
  if (typeof data.producer !== 'string' || data.producer === '') throw bad('producer missing');
  if (typeof data.seq !== 'number' || !Number.isInteger(data.seq)) throw bad('seq missing');
  const header = { signal: data.signal, producer: data.producer, seq: data.seq };
  if (data.columns === undefined && Array.isArray(data.records)) {
    const { rows, columns } = toColumns(data.signal, data.records);
    checkColumns(data.signal, rows, columns, bad);
    return { ...header, rows, columns };
  }
  if (typeof data.rows !== 'number' || !Number.isInteger(data.rows) || data.rows < 0) throw bad('rows is not a count');
  return { ...header, rows: data.rows, columns: columnsFromWire(data.signal, data.rows, data.columns, bad) };
}

interface Deferred {
  promise: Promise<DurableMark>;
  resolve: (mark: DurableMark) => void;
  reject: (error: unknown) => void;
}

export class TelemetrySink {
  readonly stats: SinkStats = emptySinkStats();
  private consumer: RunningConsumer | undefined;
  private waiting: Deferred | undefined;
  private running: Promise<DurableMark> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly flushIntervalMs: number;
  private readonly maxPendingRows: number;

  private constructor(private readonly options: SinkOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.maxPendingRows = options.maxPendingRows ?? 20_000;
  }

  static async start(options: SinkOptions): Promise<TelemetrySink> {
    const sink = new TelemetrySink(options);
    const concurrency = options.concurrency ?? 256;
    sink.consumer = await options.bus.consume(
      {
        stream: TELEMETRY_STREAM,
        durable: options.durable ?? 'telemetry-sink',
        filterSubjects: SIGNALS.map(telemetrySubject),
        concurrency,
        maxAckPending: Math.max(concurrency * 4, 1000),
        ackWaitMs: 30_000,
      },
      (envelope) => sink.ingest(batchFromEnvelope(envelope)),
    );
    sink.every(options.rollIntervalMs ?? 60_000, 'roll', () => options.writer.roll());
    sink.every(options.retentionIntervalMs ?? 600_000, 'retention', () => options.writer.applyRetention());
    sink.every(options.snapshotIntervalMs ?? 10_000, 'snapshot', () => options.writer.publishSnapshot());
    return sink;
  }

  /** Buffer one batch; resolves when a flush made it durable (then the consumer acks it). */
  async ingest(batch: ColumnBatch | TelemetryBatch): Promise<void> {
    this.options.writer.appendBatch(batch);
    this.stats.batches++;
    await this.scheduleFlush();
  }

  /** Stop consuming (in-flight batches finish and are acked), flush, stop the timers. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.consumer?.stop();
    if (this.flushTimer) clearTimeout(this.flushTimer);
    // A failed flush already failed its batches' handlers (they will be redelivered); just wait for it.
    await this.running?.catch(() => undefined);
    if (this.waiting) await this.startFlush();
  }

  /**
   * Group commit: at most one flush runs; batches arriving meanwhile wait for the next one, which
   * starts as soon as the running one ends. When idle, the first batch waits at most
   * `flushIntervalMs` (or until `maxPendingRows` are buffered) so a flush carries more than one batch.
   */
  private scheduleFlush(): Promise<DurableMark> {
    if (!this.waiting) {
      let settle!: Pick<Deferred, 'resolve' | 'reject'>;
      const promise = new Promise<DurableMark>((resolve, reject) => {
        settle = { resolve, reject };
      });
      this.waiting = { promise, ...settle };
    }
    const promise = this.waiting.promise;
    if (!this.running) {
      if (this.options.writer.pendingRows >= this.maxPendingRows) void this.startFlush();
      else this.flushTimer ??= setTimeout(() => void this.startFlush(), this.flushIntervalMs);
    }
    return promise;
  }

  /** Flush everything buffered; the waiters of this round settle with it. */
  private startFlush(): Promise<DurableMark> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    const flushed = this.options.writer.flush().then((mark) => {
      this.stats.flushes++;
      this.stats.rows += mark.rows;
      this.stats.duplicateBatches += mark.duplicateBatches;
      return mark;
    });
    this.running = flushed;
    if (waiting) flushed.then(waiting.resolve, waiting.reject);
    const next = () => {
      this.running = undefined;
      if (this.waiting) void this.startFlush(); // batches arrived during the flush: commit them now
    };
    flushed.then(next, next);
    return flushed;
  }

  private every(intervalMs: number, name: string, task: () => Promise<unknown>): void {
    if (intervalMs <= 0) return;
    const timer = setInterval(() => {
      task().catch((error: unknown) => this.options.log.error({ err: error, task: name }, 'telemetry housekeeping failed'));
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}
