import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Attributes } from '@opentelemetry/api';
import { AggregationTemporality, type CollectionResult, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { ATTR } from './semconv.ts';
import { DURATION_METRIC, type GearOutcome, gearMetricsProducer, gearPortMetrics, MESSAGES_METRIC } from './gear-metrics.ts';

/** A reader that collects when the test says so. */
class ManualReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/** The points of one metric as plain, comparable rows: attributes and value, sorted. */
function pointsOf(result: CollectionResult, name: string): unknown[] {
  const rows: { attributes: Attributes; value: unknown }[] = [];
  for (const scope of result.resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      if (metric.descriptor.name !== name) continue;
      assert.equal(metric.descriptor.unit, name === DURATION_METRIC.name ? 'ms' : '');
      for (const point of metric.dataPoints) {
        const value = point.value as number | { buckets: { boundaries: number[]; counts: number[] }; count: number; sum: number; min?: number; max?: number };
        rows.push({
          attributes: point.attributes,
          value:
            typeof value === 'number'
              ? value
              : { boundaries: value.buckets.boundaries, counts: value.buckets.counts, count: value.count, sum: value.sum, min: value.min, max: value.max },
        });
      }
    }
  }
  return rows.sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
}

/** The SDK's own counter and histogram, as gear hosts used them, next to a producer of the same temporality. */
function bothWays(temporality: AggregationTemporality, scenario: string) {
  const reader = new ManualReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({ readers: [reader] });
  const meter = provider.getMeter('fluxrig');
  const counter = meter.createCounter(MESSAGES_METRIC.name, { description: MESSAGES_METRIC.description });
  const histogram = meter.createHistogram(DURATION_METRIC.name, { description: DURATION_METRIC.description, unit: 'ms' });
  const producer = gearMetricsProducer(temporality);
  const record = (gear: string, port: string, outcome: GearOutcome, ms: number) => {
    const attributes = { [ATTR.scenario]: scenario, [ATTR.gear]: gear, [ATTR.port]: port };
    counter.add(1, { ...attributes, outcome });
    histogram.record(ms, attributes);
    gearPortMetrics(scenario, gear, port).record(outcome, ms);
  };
  const compare = async (what: string) => {
    const sdk = await reader.collect();
    const ours = await producer.collect();
    for (const name of [MESSAGES_METRIC.name, DURATION_METRIC.name]) assert.deepEqual(pointsOf(ours, name), pointsOf(sdk, name), `${what}: ${name}`);
    return ours;
  };
  return { record, compare, producer, close: () => provider.shutdown() };
}

describe('gear metrics (per-port tallies exported as the SDK instruments would)', () => {
  for (const temporality of [AggregationTemporality.DELTA, AggregationTemporality.CUMULATIVE]) {
    const label = temporality === AggregationTemporality.DELTA ? 'delta' : 'cumulative';
    it(`gives a ${label} reader the points the SDK's counter and histogram give, interval after interval`, async () => {
      const run = bothWays(temporality, `s-${label}`);
      // Bucket edges included: a value on a boundary belongs to that boundary's bucket.
      for (const ms of [0, 0.3, 5, 5.0001, 74.9, 10_000, 10_001]) run.record('router', 'in', 'ok', ms);
      run.record('router', 'in', 'failed', 12);
      run.record('client', 'in', 'error-port', 31_000);
      await run.compare('first interval');
      run.record('router', 'in', 'ok', 2);
      run.record('reply', 'reply', 'ok', 0.5);
      const second = await run.compare('second interval (client idle)');
      if (temporality === AggregationTemporality.DELTA) {
        // Only what changed: the idle client has no point at all.
        assert.ok(pointsOf(second, MESSAGES_METRIC.name).every((row) => (row as { attributes: Attributes }).attributes[ATTR.gear] !== 'client'));
      }
      await run.compare('third interval (nothing recorded)');
      run.producer.close();
      await run.close();
    });
  }

  it('keeps each reader apart: a second producer sees what happened since it started, with its own min and max', async () => {
    const first = gearMetricsProducer(AggregationTemporality.DELTA);
    const port = gearPortMetrics('s-apart', 'g', 'in');
    port.record('ok', 40);
    const second = gearMetricsProducer(AggregationTemporality.DELTA);
    port.record('ok', 7);
    const durationOf = (result: CollectionResult) => pointsOf(result, DURATION_METRIC.name).find((row) => (row as { attributes: Attributes }).attributes[ATTR.scenario] === 's-apart') as { value: { count: number; min: number; max: number } } | undefined;
    assert.deepEqual({ ...durationOf(await first.collect())?.value, boundaries: undefined, counts: undefined }, { count: 2, sum: 47, min: 7, max: 40, boundaries: undefined, counts: undefined });
    assert.deepEqual({ ...durationOf(await second.collect())?.value, boundaries: undefined, counts: undefined }, { count: 1, sum: 7, min: 7, max: 7, boundaries: undefined, counts: undefined });
    port.record('ok', 3);
    first.close();
    assert.equal(durationOf(await second.collect())?.value.min, 3);
    second.close();
  });
});
