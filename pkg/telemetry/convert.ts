/**
 * OTel SDK data → telemetry records (records.ts). Pure functions, one per signal, that also mask:
 * every attribute tree goes through `maskObject` and every free text through `maskText`, so no PAN,
 * track data or secret leaves the process in telemetry. Spans that process a message
 * (`messaging.operation.type = process`) also yield a MessageRecord for the messages view.
 */
import { type Attributes as OtelAttributes, type HrTime, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { maskObject, maskText } from '../mask/index.ts';
import type {
  AttributeValue,
  Attributes,
  LogLevel,
  LogRecord,
  MessageRecord,
  MetricRecord,
  RecordOrigin,
  SpanKind as RecordSpanKind,
  SpanRecord,
} from './records.ts';
import { ATTR } from './semconv.ts';

export function hrTimeToMicros(time: HrTime): number {
  return time[0] * 1_000_000 + Math.floor(time[1] / 1000);
}

export function hrTimeToMillis(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1_000_000;
}

const KINDS: Record<number, RecordSpanKind> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

/** OTel attributes (values may be undefined or typed arrays) → masked plain JSON attributes. */
export function plainAttributes(attributes: OtelAttributes | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    out[key] = (Array.isArray(value) ? [...value] : value) as AttributeValue;
  }
  return maskObject(out);
}

function text(value: AttributeValue | undefined): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/** scenario, gear, rack and service: from the record's attributes first, then its resource. */
function origin(attributes: Attributes, resource: OtelAttributes): RecordOrigin {
  const out: RecordOrigin = {};
  const scenario = text(attributes[ATTR.scenario]);
  const gear = text(attributes[ATTR.gear]);
  const rack = text(attributes[ATTR.rack]) ?? text(resource[ATTR.rack] as AttributeValue | undefined);
  const service = text(resource[ATTR.serviceName] as AttributeValue | undefined);
  if (scenario !== undefined) out.scenario = scenario;
  if (gear !== undefined) out.gear = gear;
  if (rack !== undefined) out.rack = rack;
  if (service !== undefined) out.service = service;
  return out;
}

/** A span record fresh from the SDK: its attributes are still a map (they become JSON on the wire). */
export type ExportedSpan = SpanRecord & { attributes: Attributes; resource: Attributes };

export function spanToRecord(span: ReadableSpan): ExportedSpan {
  const context = span.spanContext();
  const attributes = plainAttributes(span.attributes);
  const resource = span.resource.attributes;
  const record: ExportedSpan = {
    traceId: context.traceId,
    spanId: context.spanId,
    name: maskText(span.name),
    kind: KINDS[span.kind] ?? 'internal',
    startUs: hrTimeToMicros(span.startTime),
    endUs: hrTimeToMicros(span.endTime),
    durationMs: hrTimeToMillis(span.duration),
    status: span.status.code === SpanStatusCode.ERROR ? 'error' : span.status.code === SpanStatusCode.OK ? 'ok' : 'unset',
    attributes,
    resource: plainAttributes(resource),
    ...origin(attributes, resource),
  };
  if (span.parentSpanContext?.spanId) record.parentSpanId = span.parentSpanContext.spanId;
  if (span.status.message) record.statusMessage = maskText(span.status.message);
  return record;
}

/** The message a `process` span handled, or undefined for any other span. */
export function spanToMessage(span: ExportedSpan): MessageRecord | undefined {
  const a = span.attributes;
  if (a[ATTR.operationType] !== 'process' || typeof a[ATTR.destinationName] !== 'string') return undefined;
  const record: MessageRecord = {
    timeUs: span.startUs,
    subject: a[ATTR.destinationName] as string,
    size: typeof a[ATTR.bodySize] === 'number' ? (a[ATTR.bodySize] as number) : 0,
    latencyMs: span.durationMs,
    status: span.status,
    traceId: span.traceId,
  };
  if (span.scenario !== undefined) record.scenario = span.scenario;
  if (span.gear !== undefined) record.gear = span.gear;
  if (span.rack !== undefined) record.rack = span.rack;
  if (span.service !== undefined) record.service = span.service;
  const messageId = text(a[ATTR.messageId]);
  const mti = text(a[ATTR.isoMti]);
  const responseCode = text(a[ATTR.isoResponseCode]);
  if (messageId !== undefined) record.messageId = messageId;
  if (mti !== undefined) record.mti = mti;
  if (responseCode !== undefined) record.responseCode = responseCode;
  return record;
}

/** OTel severity number (1..24) → the level names pino and `rig logs` use. */
export function levelOf(severity: number | undefined): LogLevel {
  const n = severity ?? 9;
  if (n >= 21) return 'fatal';
  if (n >= 17) return 'error';
  if (n >= 13) return 'warn';
  if (n >= 9) return 'info';
  if (n >= 5) return 'debug';
  return 'trace';
}

export function logToRecord(log: ReadableLogRecord): LogRecord {
  const attributes = plainAttributes(log.attributes as OtelAttributes);
  const body = log.body;
  const message = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
  const record: LogRecord = {
    timeUs: hrTimeToMicros(log.hrTime),
    level: levelOf(log.severityNumber),
    severity: log.severityNumber ?? 9,
    message: maskText(message),
    attributes,
    ...origin(attributes, log.resource.attributes),
  };
  if (log.spanContext) {
    record.traceId = log.spanContext.traceId;
    record.spanId = log.spanContext.spanId;
  }
  return record;
}

export function metricsToRecords(resourceMetrics: ResourceMetrics): MetricRecord[] {
  const records: MetricRecord[] = [];
  const resource = resourceMetrics.resource.attributes;
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      const { name, unit } = metric.descriptor;
      for (const point of metric.dataPoints) {
        const attributes = plainAttributes(point.attributes);
        const base = { timeUs: hrTimeToMicros(point.endTime), name, attributes, ...origin(attributes, resource) };
        const withUnit = unit ? { unit } : {};
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const h = point.value as { count: number; sum?: number; min?: number; max?: number; buckets: { boundaries: number[]; counts: number[] } };
          const histogram: MetricRecord = {
            ...base,
            ...withUnit,
            kind: 'histogram',
            value: h.count > 0 && h.sum !== undefined ? h.sum / h.count : 0,
            count: h.count,
            bounds: [...h.buckets.boundaries],
            bucketCounts: [...h.buckets.counts],
          };
          if (h.sum !== undefined) histogram.sum = h.sum;
          if (h.min !== undefined) histogram.min = h.min;
          if (h.max !== undefined) histogram.max = h.max;
          records.push(histogram);
        } else if (metric.dataPointType === DataPointType.SUM || metric.dataPointType === DataPointType.GAUGE) {
          const kind = metric.dataPointType === DataPointType.GAUGE ? 'gauge' : metric.isMonotonic ? 'counter' : 'updown';
          records.push({ ...base, ...withUnit, kind, value: point.value as number });
        }
        // Exponential histograms are not produced by fluxrig's views; skipping them loses nothing we emit.
      }
    }
  }
  return records;
}
