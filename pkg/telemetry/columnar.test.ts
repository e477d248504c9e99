import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateTraffic } from '../../test/telemetry/generate.ts';
import { isRigError, type RigError } from '../errors/index.ts';
import { decodeEnvelope, encodeEnvelope } from '../wire/codec.ts';
import type { Envelope } from '../wire/envelope.ts';
import { batchEnvelope } from './bus-publisher.ts';
import type { TextColumn } from './columnar.ts';
import type { SpanRecord, TelemetryBatch } from './records.ts';
import { batchFromEnvelope } from './sink.ts';

const traffic = generateTraffic({ authorisations: 50, startUs: Date.UTC(2026, 10, 23, 15) * 1000, spreadUs: 1_000_000 });
const spans: TelemetryBatch<'spans'> = { signal: 'spans', producer: 'rack/r1', seq: 3, records: traffic.spans };

/** What the sink sees after a batch went over the bus: encoded, decoded, checked. */
const throughTheBus = (envelope: Envelope) => batchFromEnvelope(decodeEnvelope(encodeEnvelope(envelope)));

function invalid(envelope: Envelope): RigError {
  try {
    throughTheBus(envelope);
  } catch (error) {
    assert.ok(isRigError(error), `not a RigError: ${String(error)}`);
    assert.equal(error.code, 'TELEMETRY_BATCH_INVALID');
    return error;
  }
  assert.fail('the batch was accepted');
}

/** The envelope of `spans` with its data's columns changed by `change`. */
function tampered(change: (columns: Record<string, unknown>) => void): Envelope {
  const envelope = batchEnvelope(spans, 'rack/r1');
  const data = envelope.data as { columns: Record<string, unknown> };
  change(data.columns);
  return envelope;
}

/** Row `row` of a decoded batch, read back from its columns. */
function rowOf(columns: Record<string, unknown>, row: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, column] of Object.entries(columns)) {
    if (column instanceof Float64Array) out[field] = column[row];
    else if (Array.isArray(column)) out[field] = column[row];
    else out[field] = (column as TextColumn).values[(column as TextColumn).index[row] as number];
  }
  return out;
}

describe('columnar telemetry batches', () => {
  test('a batch crosses the bus column by column and every field of every record comes back', () => {
    const batch = throughTheBus(batchEnvelope(spans, 'rack/r1'));
    assert.deepEqual([batch.signal, batch.producer, batch.seq, batch.rows], ['spans', 'rack/r1', 3, 200]);
    traffic.spans.forEach((span: SpanRecord, row) => {
      const back = rowOf(batch.columns, row);
      assert.equal(back.traceId, span.traceId);
      assert.equal(back.startUs, span.startUs, 'microsecond times survive exactly');
      assert.equal(back.durationMs, span.durationMs);
      assert.equal(back.parentSpanId, span.parentSpanId ?? null);
      assert.equal(back.attributes, JSON.stringify(span.attributes));
      assert.equal(back.gear, span.gear);
    });
    const gears = batch.columns.gear as TextColumn;
    assert.equal(gears.values.length, 4, 'a repeated string travels once');
  });

  test('metrics keep optional numbers and number lists', () => {
    const metrics: TelemetryBatch<'metrics'> = { signal: 'metrics', producer: 'p', seq: 1, records: traffic.metrics };
    const batch = throughTheBus(batchEnvelope(metrics, 'p'));
    const histogram = traffic.metrics.findIndex((m) => m.kind === 'histogram');
    const counter = traffic.metrics.findIndex((m) => m.kind === 'counter');
    assert.deepEqual(rowOf(batch.columns, histogram).bucketCounts, traffic.metrics[histogram]?.bucketCounts);
    assert.equal(rowOf(batch.columns, histogram).count, traffic.metrics[histogram]?.count);
    assert.equal(rowOf(batch.columns, counter).count, null);
  });

  test('a row batch of an earlier release is still taken', () => {
    const envelope = batchEnvelope(spans, 'rack/r1');
    envelope.data = { ...spans, records: traffic.spans.map((s) => ({ ...s, attributes: JSON.stringify(s.attributes), resource: JSON.stringify(s.resource) })) };
    const batch = throughTheBus(envelope);
    assert.equal(batch.rows, 200);
    assert.equal(rowOf(batch.columns, 7).spanId, traffic.spans[7]?.spanId);
  });

  test('a batch of the wrong shape is refused with a typed error naming the problem', () => {
    assert.match(invalid(tampered((c) => delete c.traceId)).message, /column traceId/);
    assert.match(invalid(tampered((c) => (c.startUs = new Uint8Array(12)))).message, /column startUs: expected 1600 bytes/);
    assert.match(invalid(tampered((c) => (c.startUs = new Uint8Array(1600).fill(0xff)))).message, /time is not a finite number/);
    assert.match(invalid(tampered((c) => ((c.gear as TextColumn).index[5] = 9))).message, /column gear, row 5: index 9 outside/);
    assert.match(invalid(tampered((c) => ((c.gear as TextColumn).values[0] = 42 as unknown as string))).message, /holds a number/);
    assert.match(invalid(tampered((c) => (c.kind = ['server']))).message, /column kind: expected a text dictionary/);
    const envelope = batchEnvelope(spans, 'rack/r1');
    (envelope.data as { rows: unknown }).rows = -1;
    assert.match(invalid(envelope).message, /rows is not a count/);
  });
});
