/**
 * Telemetry records: the plain shapes producers build, that travel on `fluxrig.telemetry.<signal>`
 * (CBOR, column by column: columnar.ts) and land as rows in the store. One record type per signal. Times are microseconds since the Unix epoch (a JS
 * number holds them exactly until year 2255; nanoseconds would not fit). Only plain values here (no
 * Map, no class instances, no bigint): any CBOR reader must decode a batch.
 * Never put an unmasked PAN in a record: producers mask before they build one (see mask.ts).
 */

/** The four signals, also the subject suffix and the Parquet partition name. */
export const SIGNALS = ['spans', 'logs', 'metrics', 'messages'] as const;
export type Signal = (typeof SIGNALS)[number];

export function isSignal(value: string): value is Signal {
  return (SIGNALS as readonly string[]).includes(value);
}

/** Attribute values as OTel allows them, flattened to JSON-friendly scalars and arrays. */
export type AttributeValue = string | number | boolean | null | readonly (string | number | boolean | null)[];
export type Attributes = Record<string, AttributeValue>;
/**
 * Attributes as JSON text. On the wire, attribute maps travel already serialized (a text column of the
 * columnar batch): CBOR then moves one string instead of a nested map, and the store keeps JSON text
 * anyway. In-process records hold the map or its text.
 */
export type AttributesJson = string;

/** Where a record comes from; lifted out of attributes into columns so queries can filter cheaply. */
export interface RecordOrigin {
  scenario?: string;
  gear?: string;
  rack?: string;
  /** OTel `service.name` of the emitting process, e.g. `rig-rack`. */
  service?: string;
}

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanStatus = 'unset' | 'ok' | 'error';

export interface SpanRecord extends RecordOrigin {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  startUs: number;
  endUs: number;
  /** Exact duration (from the SDK's nanosecond clock), in milliseconds. */
  durationMs: number;
  status: SpanStatus;
  statusMessage?: string;
  attributes: Attributes | AttributesJson;
  resource?: Attributes | AttributesJson;
}

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogRecord extends RecordOrigin {
  timeUs: number;
  level: LogLevel;
  /** OTel severity number (1..24). */
  severity: number;
  message: string;
  traceId?: string;
  spanId?: string;
  attributes: Attributes | AttributesJson;
}

export type MetricKind = 'counter' | 'updown' | 'gauge' | 'histogram';

export interface MetricRecord extends RecordOrigin {
  timeUs: number;
  name: string;
  kind: MetricKind;
  unit?: string;
  /** Counter/updown/gauge value; for histograms the sum divided by count (NaN-free: 0 when empty). */
  value: number;
  /** Histograms only. */
  count?: number;
  sum?: number;
  min?: number;
  max?: number;
  bounds?: number[];
  bucketCounts?: number[];
  attributes: Attributes | AttributesJson;
}

/** One row per message a gear handled: what the messages view and the dashboards count. */
export interface MessageRecord extends RecordOrigin {
  timeUs: number;
  subject: string;
  messageId?: string;
  /** Payload size in bytes. */
  size: number;
  latencyMs: number;
  /** ISO 8583 message type indicator where the payload is ISO 8583 (e.g. `0100`). */
  mti?: string;
  /** ISO 8583 DE 39 where present (e.g. `00` approved). */
  responseCode?: string;
  status: SpanStatus;
  traceId?: string;
}

export interface RecordBySignal {
  spans: SpanRecord;
  logs: LogRecord;
  metrics: MetricRecord;
  messages: MessageRecord;
}

/** A batch of one signal's records as producers hand it over; on the bus it travels in columns (columnar.ts). */
export interface TelemetryBatch<S extends Signal = Signal> {
  signal: S;
  /** Producer identity and a per-producer sequence: `<producer>:<seq>` is the batch's dedup id. */
  producer: string;
  seq: number;
  records: RecordBySignal[S][];
}
