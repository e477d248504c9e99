/**
 * OpenTelemetry in every fluxrig process (mixer, rack, all-in-one, CLI): one call, `startTelemetry`,
 * sets up the SDK (@opentelemetry/sdk-node) with
 *   - bus exporters (exporters.ts) when a TelemetryPublisher is given: spans, metrics, logs batched as
 *     CBOR onto `fluxrig.telemetry.<signal>`;
 *   - OTLP/HTTP exporters to an external collector when `otlp.endpoint` is set (the config switch);
 *   - nothing at all when FLUXRIG_DISABLE_TELEMETRY=1: no SDK, no-op tracer/meter/logger.
 * It registers the global providers and the W3C trace-context propagator, so `@opentelemetry/api`
 * calls anywhere in the process are captured. It must never export an unmasked payload (convert.ts
 * masks every record) and never throw from instrumented code paths.
 */
import { type Meter, metrics, propagation, type Tracer, trace } from '@opentelemetry/api';
import { type Logger, logs } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, type IMetricReader, InstrumentType, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import {
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { telemetryDisabled } from '../log/env.ts';
import { BatchSequencer, BusLogExporter, BusMetricExporter, BusSpanExporter, type TelemetryPublisher } from './exporters.ts';
import { ensureContextManager } from './context-manager.ts';
import { type GearMetricsProducer, gearMetricsProducer } from './gear-metrics.ts';
import { ATTR, INSTRUMENTATION_NAME } from './semconv.ts';

export { INSTRUMENTATION_NAME };

export interface TelemetryOptions {
  /** OTel `service.name`, e.g. `rig-mixer`, `rig-rack`, `rig`. */
  serviceName: string;
  /** `mixer`, `rack`, `all-in-one`, `cli`: a resource attribute. */
  role: string;
  /** Rack id, lifted into the store's `rack` column. */
  rack?: string;
  /** Unique per process; the dedup prefix of its batches. Default `<serviceName>-<pid>-<start ms>`. */
  producer?: string;
  /** Export over the bus (DESIGN §6). */
  publisher?: TelemetryPublisher;
  /** Export to an external OTLP/HTTP collector as well, e.g. `http://collector:4318`. */
  otlp?: { endpoint: string; headers?: Record<string, string> };
  /** Metric export interval (default 10 s). */
  metricIntervalMs?: number;
  /**
   * Share of new traces recorded, 0..1 (default 1: all). A trace's root decides by its trace id; every
   * span that continues a trace (a `traceparent` from another gear or process) follows that decision,
   * so a trace is never half recorded.
   */
  traceSampleRatio?: number;
  /** Span/log batch delay (default 1 s): how long a finished span may wait before export. */
  batchDelayMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly logger: Logger;
  /** Export everything buffered now (before a test assertion or a graceful stop). */
  forceFlush(): Promise<void>;
  /** Flush and stop the SDK; the global providers return to no-ops. */
  shutdown(): Promise<void>;
}

/** Parent-based: roots sample by trace id at `ratio`, everything else follows its parent. */
export function traceSampler(ratio: number): Sampler {
  if (!(ratio >= 0 && ratio <= 1)) throw new RangeError(`trace sample ratio must lie in 0..1, got ${ratio}`);
  return new ParentBasedSampler({ root: ratio === 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(ratio) });
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  if (telemetryDisabled(options.env ?? process.env)) return disabledTelemetry();
  const resourceAttributes: Record<string, string> = {
    [ATTR.serviceName]: options.serviceName,
    'fluxrig.role': options.role,
  };
  if (options.rack) resourceAttributes[ATTR.rack] = options.rack;
  const batchDelayMs = options.batchDelayMs ?? 1000;
  const metricIntervalMs = options.metricIntervalMs ?? 10_000;

  // The gear hosts' per-port tallies (gear-metrics.ts), one producer per reader, in its temporality.
  const gearProducers: GearMetricsProducer[] = [];
  const gearMetricsFor = (temporality: AggregationTemporality): GearMetricsProducer => {
    const producer = gearMetricsProducer(temporality);
    gearProducers.push(producer);
    return producer;
  };
  const spanProcessors: SpanProcessor[] = [];
  const logProcessors: LogRecordProcessor[] = [];
  const metricReaders: IMetricReader[] = [];
  const batchOptions = { scheduledDelayMillis: batchDelayMs, maxExportBatchSize: 512, maxQueueSize: 65_536 };
  if (options.publisher) {
    const producer = options.producer ?? `${options.serviceName}-${process.pid}-${Date.now()}`;
    const batches = new BatchSequencer(producer, options.publisher);
    spanProcessors.push(new BatchSpanProcessor(new BusSpanExporter(batches), batchOptions));
    logProcessors.push(new BatchLogRecordProcessor({ exporter: new BusLogExporter(batches), ...batchOptions }));
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new BusMetricExporter(batches),
        exportIntervalMillis: metricIntervalMs,
        metricProducers: [gearMetricsFor(AggregationTemporality.DELTA)],
      }),
    );
  }
  if (options.otlp) {
    const base = options.otlp.endpoint.replace(/\/+$/, '');
    const headers = options.otlp.headers ?? {};
    spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces`, headers }), batchOptions));
    logProcessors.push(new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${base}/v1/logs`, headers }), ...batchOptions }));
    const exporter = new OTLPMetricExporter({ url: `${base}/v1/metrics`, headers });
    metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter,
        exportIntervalMillis: metricIntervalMs,
        metricProducers: [gearMetricsFor(exporter.selectAggregationTemporality(InstrumentType.COUNTER))],
      }),
    );
  }

  const sdk = new NodeSDK({
    resource: resourceFromAttributes(resourceAttributes),
    sampler: traceSampler(options.traceSampleRatio ?? 1),
    // W3C trace context only: NodeSDK's default adds the baggage propagator, which nothing here uses
    // and which every inject/extract (two per message hop) would run.
    textMapPropagator: new W3CTraceContextPropagator(),
    // The process's own context manager (context-manager.ts), registered below: one AsyncLocalStorage
    // for telemetry and the gear hosts' delivery scopes alike. null is NodeSDK's "register none"
    // (setupContextManager in its utils.js), which its option type leaves out.
    contextManager: null as unknown as undefined,
    autoDetectResources: false,
    instrumentations: [],
    spanProcessors,
    logRecordProcessors: logProcessors,
    metricReaders,
  });
  ensureContextManager();
  sdk.start();

  const forceFlush = async () => {
    await Promise.all([
      ...spanProcessors.map((p) => p.forceFlush()),
      ...logProcessors.map((p) => p.forceFlush()),
      ...metricReaders.map((r) => r.forceFlush()),
    ]);
  };
  return {
    enabled: true,
    tracer: trace.getTracer(INSTRUMENTATION_NAME),
    meter: metrics.getMeter(INSTRUMENTATION_NAME),
    logger: logs.getLogger(INSTRUMENTATION_NAME),
    forceFlush,
    shutdown: async () => {
      await forceFlush();
      await sdk.shutdown();
      for (const producer of gearProducers) producer.close();
      // NodeSDK leaves its providers registered; unregister so a later start (tests, restarts) takes over.
      // The context manager stays: it is the process's (context-manager.ts), gear hosts still run on it.
      trace.disable();
      metrics.disable();
      logs.disable();
      propagation.disable();
    },
  };
}

/** The API's no-op implementations: instrumented code runs unchanged and exports nothing. */
function disabledTelemetry(): Telemetry {
  return {
    enabled: false,
    tracer: trace.getTracer(INSTRUMENTATION_NAME),
    meter: metrics.getMeter(INSTRUMENTATION_NAME),
    logger: logs.getLogger(INSTRUMENTATION_NAME),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}
