/**
 * The metrics every gear host records on every message — `fluxrig.gear.messages` (counter, by
 * outcome) and `fluxrig.gear.duration` (histogram, ms) — tallied in place per input port, and handed
 * to each metric reader by a MetricProducer when it exports.
 *
 * Why not the SDK's instruments: the metrics SDK finds a series by re-hashing its attribute set (keys
 * sorted, then JSON) on every add() and record(); two of them per gear per message were 8.5 % of the
 * example switch's CPU (bench/switch/README.md). Here a port finds its series once, when its host
 * starts, and a message costs a few additions.
 *
 * What a reader receives is what those instruments gave it: the same names, descriptions, units and
 * attributes, the SDK's default histogram buckets with min and max, and points per the reader's
 * temporality — delta points only for series that changed since that reader's last collection,
 * cumulative points for every series since it started. gear-metrics.test.ts holds it to the SDK.
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { ValueType } from '@opentelemetry/api';
import { hrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  type CollectionResult,
  type DataPoint,
  DataPointType,
  type Histogram,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import { ATTR, INSTRUMENTATION_NAME } from './semconv.ts';

/** How a delivery ended, as counted in `fluxrig.gear.messages`. */
export type GearOutcome = 'ok' | 'error-port' | 'failed';
const OUTCOMES: readonly GearOutcome[] = ['ok', 'error-port', 'failed'];
const OUTCOME_INDEX: Record<GearOutcome, number> = { ok: 0, 'error-port': 1, failed: 2 };

export const MESSAGES_METRIC = { name: 'fluxrig.gear.messages', description: 'messages a gear handled, by outcome', unit: '' } as const;
export const DURATION_METRIC = { name: 'fluxrig.gear.duration', description: 'time a gear took per message, publishing included', unit: 'ms' } as const;

/** The SDK's default explicit bucket boundaries for histograms (ms here). */
export const DURATION_BOUNDARIES: readonly number[] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** One reader's view of a series since its last collection: the extremes it has not exported yet. */
interface Window {
  min: number;
  max: number;
}

/** Counts, sum and buckets of a series at one moment: what a delta reader last exported. */
interface Snapshot {
  outcomes: number[];
  count: number;
  sum: number;
  buckets: number[];
}

/** The tallies of one input port of one gear; cumulative since the series was made. */
class PortSeries {
  readonly outcomeAttributes: Attributes[];
  readonly outcomes = [0, 0, 0];
  count = 0;
  sum = 0;
  readonly buckets: number[] = new Array(DURATION_BOUNDARIES.length + 1).fill(0);
  /** Per producer slot (see `slots`); undefined for a slot no producer holds. */
  readonly windows: (Window | undefined)[] = [];
  readonly startTime: HrTime = hrTime();

  constructor(readonly portAttributes: Attributes) {
    this.outcomeAttributes = OUTCOMES.map((outcome) => ({ ...portAttributes, outcome }));
    for (const slot of slots.keys()) this.windows[slot] = emptyWindow();
  }

  record(outcome: GearOutcome, durationMs: number): void {
    const index = OUTCOME_INDEX[outcome];
    this.outcomes[index] = (this.outcomes[index] as number) + 1;
    // NaN falls in no bucket and counts for nothing, as in the SDK.
    if (Number.isNaN(durationMs)) return;
    this.count++;
    this.sum += durationMs;
    const bucket = bucketOf(durationMs);
    this.buckets[bucket] = (this.buckets[bucket] as number) + 1;
    for (const window of this.windows) {
      if (window === undefined) continue;
      if (durationMs < window.min) window.min = durationMs;
      if (durationMs > window.max) window.max = durationMs;
    }
  }
}

/** The first boundary at or above `value` (the SDK's bucket rule: (b[i-1], b[i]]), else the overflow bucket. */
function bucketOf(value: number): number {
  for (let i = 0; i < DURATION_BOUNDARIES.length; i++) if (value <= (DURATION_BOUNDARIES[i] as number)) return i;
  return DURATION_BOUNDARIES.length;
}

function emptyWindow(): Window {
  return { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
}

/** Every series of the process, by scenario, gear and port. Kept for the process's life, like an SDK instrument's series. */
const series = new Map<string, PortSeries>();
/** Producer slots in use: a series keeps one min/max window per slot. */
const slots = new Set<number>();

/** What a gear host records into, per input port. */
export interface GearPortMetrics {
  record(outcome: GearOutcome, durationMs: number): void;
}

/** The series of one input port (made on first use; the same object for the life of the process). */
export function gearPortMetrics(scenario: string, gear: string, port: string): GearPortMetrics {
  const key = `${scenario}\u0000${gear}\u0000${port}`;
  let found = series.get(key);
  if (!found) {
    found = new PortSeries({ [ATTR.scenario]: scenario, [ATTR.gear]: gear, [ATTR.port]: port });
    series.set(key, found);
  }
  return found;
}

export interface GearMetricsProducer extends MetricProducer {
  /** Stop taking part: the series stop keeping this producer's window. */
  close(): void;
}

/** A producer for one metric reader, exporting with `temporality` (its exporter's). */
export function gearMetricsProducer(temporality: AggregationTemporality): GearMetricsProducer {
  let slot = 0;
  while (slots.has(slot)) slot++;
  slots.add(slot);
  for (const one of series.values()) one.windows[slot] = emptyWindow();
  const delta = temporality === AggregationTemporality.DELTA;
  /**
   * What each series held when this reader last exported (delta) or when it started (cumulative): a
   * reader counts from its own start, as an SDK reader does; a series made later counts from zero.
   */
  const base = new Map<PortSeries, Snapshot>();
  for (const one of series.values()) base.set(one, snapshotOf(one));
  const started = hrTime();
  let since = started;

  return {
    async collect(): Promise<CollectionResult> {
      const now = hrTime();
      const messages: DataPoint<number>[] = [];
      const durations: DataPoint<Histogram>[] = [];
      for (const one of series.values()) {
        const window = one.windows[slot] ?? emptyWindow();
        const before = base.get(one) ?? zero();
        const startTime = delta ? since : laterOf(started, one.startTime);
        // Delta: what changed since the last export; cumulative: since the reader started (stays > 0 once it was).
        for (let i = 0; i < OUTCOMES.length; i++) {
          const value = (one.outcomes[i] as number) - (before.outcomes[i] as number);
          if (value > 0) messages.push({ startTime, endTime: now, attributes: one.outcomeAttributes[i] as Attributes, value });
        }
        const count = one.count - before.count;
        if (count > 0) {
          durations.push({
            startTime,
            endTime: now,
            attributes: one.portAttributes,
            value: {
              buckets: { boundaries: [...DURATION_BOUNDARIES], counts: one.buckets.map((n, i) => n - (before.buckets[i] as number)) },
              count,
              sum: one.sum - before.sum,
              ...(window.min <= window.max ? { min: window.min, max: window.max } : {}),
            },
          });
        }
        if (delta) {
          base.set(one, snapshotOf(one));
          one.windows[slot] = emptyWindow();
        }
      }
      since = now;
      const metrics: MetricData[] = [];
      if (messages.length > 0) {
        metrics.push({
          descriptor: { ...MESSAGES_METRIC, valueType: ValueType.DOUBLE },
          aggregationTemporality: temporality,
          dataPointType: DataPointType.SUM,
          isMonotonic: true,
          dataPoints: messages,
        });
      }
      if (durations.length > 0) {
        metrics.push({
          descriptor: { ...DURATION_METRIC, valueType: ValueType.DOUBLE },
          aggregationTemporality: temporality,
          dataPointType: DataPointType.HISTOGRAM,
          dataPoints: durations,
        });
      }
      // The reader keeps the SDK's resource and adds these scope metrics to its own.
      return { resourceMetrics: { resource: emptyResource(), scopeMetrics: metrics.length > 0 ? [{ scope: { name: INSTRUMENTATION_NAME }, metrics }] : [] }, errors: [] };
    },
    close() {
      slots.delete(slot);
      for (const one of series.values()) one.windows[slot] = undefined;
    },
  };
}

function laterOf(a: HrTime, b: HrTime): HrTime {
  return a[0] > b[0] || (a[0] === b[0] && a[1] >= b[1]) ? a : b;
}

function snapshotOf(one: PortSeries): Snapshot {
  return { outcomes: [...one.outcomes], count: one.count, sum: one.sum, buckets: [...one.buckets] };
}

function zero(): Snapshot {
  return { outcomes: [0, 0, 0], count: 0, sum: 0, buckets: new Array(DURATION_BOUNDARIES.length + 1).fill(0) };
}
