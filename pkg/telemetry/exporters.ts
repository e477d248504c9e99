/**
 * OTel exporters that ship telemetry over the bus instead of OTLP: each SDK export call becomes one or
 * more TelemetryBatch values handed to a TelemetryPublisher (pkg/telemetry/bus-publisher.ts puts them
 * on `fluxrig.telemetry.<signal>` as CBOR envelopes, JetStream-durable). Records are masked on the way
 * (convert.ts). Spans that process a message also feed the `messages` signal.
 * They never block the instrumented code: the SDK's batch processors call them off the hot path.
 */
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, type PushMetricExporter, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { logToRecord, metricsToRecords, spanToMessage, spanToRecord } from './convert.ts';
import type { MessageRecord, RecordBySignal, Signal, TelemetryBatch } from './records.ts';

/** Where batches go. The bus adapter implements it; tests may collect batches in memory. */
export interface TelemetryPublisher {
  publish<S extends Signal>(signal: S, batch: TelemetryBatch<S>): Promise<void>;
}

/** Records per bus message: keeps a batch well under NATS's default 1 MiB payload limit. */
export const MAX_RECORDS_PER_BATCH = 500;

/** Numbers the batches of one producer (process): `<producer>:<seq>` is each batch's dedup id. */
export class BatchSequencer {
  private seq = 0;
  constructor(
    readonly producer: string,
    private readonly publisher: TelemetryPublisher,
  ) {}

  async publish<S extends Signal>(signal: S, records: RecordBySignal[S][]): Promise<void> {
    for (let offset = 0; offset < records.length; offset += MAX_RECORDS_PER_BATCH) {
      const slice = records.slice(offset, offset + MAX_RECORDS_PER_BATCH);
      this.seq++;
      await this.publisher.publish(signal, { signal, producer: this.producer, seq: this.seq, records: slice });
    }
  }
}

function settle(promise: Promise<void>, done: (result: ExportResult) => void): void {
  promise.then(
    () => done({ code: ExportResultCode.SUCCESS }),
    (error: unknown) => done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
  );
}

export class BusSpanExporter implements SpanExporter {
  constructor(private readonly batches: BatchSequencer) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const records = spans.map(spanToRecord);
    const messages: MessageRecord[] = [];
    for (const record of records) {
      const message = spanToMessage(record);
      if (message) messages.push(message);
    }
    settle(
      (async () => {
        await this.batches.publish('spans', records);
        if (messages.length > 0) await this.batches.publish('messages', messages);
      })(),
      done,
    );
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

export class BusLogExporter implements LogRecordExporter {
  constructor(private readonly batches: BatchSequencer) {}

  export(logs: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    settle(this.batches.publish('logs', logs.map(logToRecord)), done);
  }

  async shutdown(): Promise<void> {}
  async forceFlush(): Promise<void> {}
}

export class BusMetricExporter implements PushMetricExporter {
  constructor(private readonly batches: BatchSequencer) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    settle(this.batches.publish('metrics', metricsToRecords(metrics)), done);
  }

  /** Delta temporality: each exported point counts only its interval, so SQL can sum() points. */
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.DELTA;
  }

  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}
