/**
 * Operator fusion on a rack (pkg/rack/fusion.ts), on a real nats-server: a chain of pure gears behind
 * a gear on the same rack runs in process (nothing stored on the fused wires, final outputs once),
 * keeps one span per gear in the same trace, its metrics and `messages` rows, routes a failure to the
 * failing gear's own error wire, keeps the hop of a `fuse: false` wire, fuses into a gear doing I/O
 * only with `fuse: always`, and stores no duplicate final output when the producer's input is
 * delivered again.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { type Bus, openBus, type RunningConsumer } from '../../pkg/bus/index.ts';
import { envelopeFactory } from '../../pkg/gear/envelopes.ts';
import { createIdGenerator } from '../../pkg/idgen/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import type { ScenarioRecord } from '../../pkg/mixer/records.ts';
import { ScenarioRuntime } from '../../pkg/rack/scenario-runtime.ts';
import { type Scenario, scenarioSchema } from '../../pkg/scenario/index.ts';
import type { ExportedSpan } from '../../pkg/telemetry/convert.ts';
import type { TelemetryPublisher } from '../../pkg/telemetry/exporters.ts';
import { startTelemetry, type Telemetry } from '../../pkg/telemetry/otel.ts';
import type { MessageRecord, TelemetryBatch } from '../../pkg/telemetry/records.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { dataSubject } from '../../pkg/wire/subjects.ts';
import { useNats } from '../support/engines.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { testCatalogue } from '../support/test-gears.ts';

const catalogue = testCatalogue;

class CollectingPublisher implements TelemetryPublisher {
  readonly batches: TelemetryBatch[] = [];
  async publish(_signal: string, batch: TelemetryBatch): Promise<void> {
    this.batches.push(batch);
  }
  records<T>(signal: string): T[] {
    return this.batches.filter((batch) => batch.signal === signal).flatMap((batch) => batch.records as T[]);
  }
}

/**
 * entry (not pure) → w1 → enrich → w2 → screen → w3 → shape → out → sink (not pure); screen's error
 * port → screen-errors → mark → errors → error-sink. w1, w2, w3 and screen-errors lead into pure
 * gears on the same rack: fused unless `fuse: false`.
 */
function chain(id: string, options: { optOut?: string[]; always?: string[]; delivered?: boolean } = {}): Scenario {
  const fuseOf = (name: string) => (options.optOut?.includes(name) ? { fuse: false } : options.always?.includes(name) ? { fuse: 'always' } : {});
  const wire = (name: string, from: string, to: string) => ({ id: name, from, to, ...fuseOf(name) });
  return scenarioSchema.parse({
    id,
    gears: [
      { id: 'source', type: 'test-idle-source' },
      { id: 'entry', type: 'test-relay' },
      { id: 'enrich', type: 'transform', config: { expression: '$merge([$, { "enriched": true }])' } },
      { id: 'screen', type: 'filter', config: { condition: '$number(amount) < 1000' } },
      // Selects nothing (a transform error) for a message without `note`.
      { id: 'shape', type: 'transform', config: { expression: 'note ? { "amount": amount, "enriched": enriched, "note": note }' } },
      { id: 'sink', type: 'test-relay' },
      { id: 'mark', type: 'transform', config: { expression: '$merge([$, { "failed": true }])' } },
      { id: 'error-sink', type: 'test-relay' },
    ],
    wires: [
      wire('in', 'source.out', 'entry.in'),
      wire('w1', 'entry.out', 'enrich.in'),
      wire('w2', 'enrich.out', 'screen.in'),
      wire('w3', 'screen.out', 'shape.in'),
      wire('out', 'shape.out', 'sink.in'),
      wire('screen-errors', 'screen.error', 'mark.in'),
      wire('errors', 'mark.out', 'error-sink.in'),
      // What the sink passes on, stored (error-sink is not pure): shows the sink ran, fused or not.
      ...(options.delivered ? [wire('delivered', 'sink.out', 'error-sink.in')] : []),
    ],
  });
}

describe('operator fusion on a rack (real nats-server)', () => {
  let bus: Bus;
  let nc: NatsConnection;
  let telemetry: Telemetry;
  const publisher = new CollectingPublisher();
  const runtimes: ScenarioRuntime[] = [];
  const taps: RunningConsumer[] = [];
  const ids = createIdGenerator({ machineId: 7 });
  const envelope = envelopeFactory({ nextId: () => ids.next(), scenario: 'test', gearId: 'test', sourcePrefix: 'test' });

  before(async () => {
    telemetry = startTelemetry({ serviceName: 'rig-rack', role: 'rack', rack: 'r1', publisher, batchDelayMs: 50, metricIntervalMs: 200, env: {} });
    const { url } = await useNats();
    bus = await openBus({ servers: url, name: 'fusion-test', logger: silentLogger() });
    await bus.ensureStreams();
    nc = await connect({ servers: url });
  });
  after(async () => {
    for (const tap of taps) await tap.stop();
    for (const runtime of runtimes) await runtime.stop({ undeployed: true });
    await bus.close();
    await nc.close();
    await telemetry.shutdown();
  });

  async function deploy(scenario: Scenario): Promise<ScenarioRuntime> {
    const runtime = new ScenarioRuntime(scenario.id, { bus, rack: 'r1', catalogue, logger: silentLogger(), nextId: () => ids.next(), concurrency: 16, graceMs: 2000 });
    runtimes.push(runtime);
    const record: ScenarioRecord = { id: scenario.id, version: 1, deployed: true, updatedAt: new Date().toISOString(), scenario };
    await runtime.apply(record, scenario.gears.map((gear) => gear.id));
    return runtime;
  }

  /** Everything stored on one wire, read by a durable consumer of the test's own. */
  async function tap(scenario: string, wire: string): Promise<Envelope[]> {
    const seen: Envelope[] = [];
    const durable = `${scenario}__tap__${wire}`;
    taps.push(await bus.consume({ stream: 'FLUXRIG_DATA', durable, filterSubjects: [dataSubject(scenario, wire)] }, async (message) => void seen.push(message)));
    return seen;
  }

  /** Messages stored per wire of a scenario, from the stream's own subject counts. */
  async function storedPerWire(scenario: string): Promise<Record<string, number>> {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info('FLUXRIG_DATA', { subjects_filter: `fluxrig.data.${scenario}.>` });
    const counts: Record<string, number> = {};
    for (const [subject, n] of Object.entries(info.state.subjects ?? {})) counts[subject.slice(`fluxrig.data.${scenario}.`.length)] = n;
    return counts;
  }

  const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;
  const publishIn = (scenario: string, message: Envelope, msgId = message.id) => bus.publish(dataSubject(scenario, 'in'), message, { msgId });

  it('runs a chain of pure gears in process: nothing on the fused wires, each output once, a span per gear in one trace', async () => {
    const id = unique('fuse');
    const runtime = await deploy(chain(id));
    const out = await tap(id, 'out');
    for (const amount of [5, 10, 20]) await publishIn(id, envelope({ amount, note: `n${amount}` }));

    await eventually(async () => (out.length >= 3 ? out : undefined), 15_000, 'three outputs');
    assert.deepEqual(out.map((message) => message.data).sort((a, b) => (a as { amount: number }).amount - (b as { amount: number }).amount), [
      { amount: 5, enriched: true, note: 'n5' },
      { amount: 10, enriched: true, note: 'n10' },
      { amount: 20, enriched: true, note: 'n20' },
    ]);
    // Each final output is stored once; the wires inside the chain carry nothing.
    const sinkDone = await eventually(async () => {
      const counts = await storedPerWire(id);
      return counts.out === 3 ? counts : undefined;
    }, 10_000, 'outputs stored');
    assert.deepEqual(sinkDone, { in: 3, out: 3 });

    // Every gear, fused ones included, reports running.
    assert.deepEqual(
      Object.fromEntries(Object.entries(runtime.status().gears).map(([gear, state]) => [gear, state.state])),
      Object.fromEntries(chain(id).gears.map((gear) => [gear.id, 'running'])),
    );

    // One trace per message: entry, enrich, screen, shape (fused, each its own span) and sink.
    const traces = await eventually(async () => {
      const spans = publisher.records<ExportedSpan>('spans').filter((span) => span.scenario === id && span.attributes['messaging.operation.type'] === 'process');
      const byTrace = new Map<string, ExportedSpan[]>();
      for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
      const complete = [...byTrace.values()].filter((trace) => trace.length === 5);
      return complete.length === 3 ? complete : undefined;
    }, 15_000, 'three complete traces');
    for (const trace of traces) {
      assert.deepEqual(trace.map((span) => span.gear).sort(), ['enrich', 'entry', 'screen', 'shape', 'sink']);
      const fused = trace.filter((span) => span.attributes['fluxrig.fused'] === true).map((span) => [span.gear, span.attributes['messaging.destination.name']]);
      assert.deepEqual(fused.sort(), [['enrich', dataSubject(id, 'w1')], ['screen', dataSubject(id, 'w2')], ['shape', dataSubject(id, 'w3')]]);
      // Each fused span is a child of the span before it in the chain.
      const spanOf = (gear: string) => trace.find((span) => span.gear === gear) as ExportedSpan;
      assert.equal(spanOf('enrich').parentSpanId, spanOf('entry').spanId);
      assert.equal(spanOf('screen').parentSpanId, spanOf('enrich').spanId);
      assert.equal(spanOf('shape').parentSpanId, spanOf('screen').spanId);
    }
    // `messages` rows per fused gear, under the wire it would have arrived on.
    const rows = publisher.records<MessageRecord>('messages').filter((row) => row.scenario === id);
    assert.equal(rows.filter((row) => row.gear === 'screen' && row.subject === dataSubject(id, 'w2')).length, 3);
    // Per-gear metrics count the fused gears' messages too. Points are deltas (one per export interval of
    // 200 ms), so the three messages may be split across points: their sum is the count.
    let screenCounts: number[] = [];
    await eventually(async () => {
      screenCounts = publisher
        .records<{ name: string; value: number; gear?: string; scenario?: string }>('metrics')
        .filter((metric) => metric.name === 'fluxrig.gear.messages' && metric.scenario === id && metric.gear === 'screen')
        .map((metric) => metric.value);
      return screenCounts.reduce((sum, value) => sum + value, 0) === 3 ? true : undefined;
    }, 15_000, 'screen counted 3 messages').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}; screen's exported points: ${JSON.stringify(screenCounts)}`);
    });
  });

  it('sends a failure of the middle gear to its own error wire, fused onward, and nothing to the output', async () => {
    const id = unique('fuse-err');
    await deploy(chain(id));
    const errors = await tap(id, 'errors');
    await publishIn(id, envelope({ amount: 'not a number', note: 'x' }));

    const [failed] = await eventually(async () => (errors.length >= 1 ? errors : undefined), 15_000, 'the error output');
    assert.equal(failed?.headers?.['fluxrig-error-gear'], 'screen');
    assert.deepEqual(failed?.data, { amount: 'not a number', note: 'x', enriched: true, failed: true });
    assert.deepEqual(await storedPerWire(id), { in: 1, errors: 1 });
    const screenSpan = await eventually(async () => publisher.records<ExportedSpan>('spans').find((span) => span.scenario === id && span.gear === 'screen'), 10_000, 'the screen span');
    assert.equal(screenSpan.status, 'error');
  });

  it('keeps the JetStream hop of a wire marked fuse: false', async () => {
    const id = unique('fuse-off');
    await deploy(chain(id, { optOut: ['w2'] }));
    const out = await tap(id, 'out');
    for (const amount of [1, 2]) await publishIn(id, envelope({ amount, note: 'y' }));
    await eventually(async () => (out.length >= 2 ? out : undefined), 15_000, 'two outputs');
    const counts = await eventually(async () => {
      const stored = await storedPerWire(id);
      return stored.out === 2 ? stored : undefined;
    }, 10_000, 'outputs stored');
    assert.deepEqual(counts, { in: 2, w2: 2, out: 2 });
  });

  it('fuses a wire into a gear that is not pure only with fuse: always, and still stores its output once per input', async () => {
    const id = unique('fuse-always');
    await deploy(chain(id, { always: ['out'], delivered: true }));
    const delivered = await tap(id, 'delivered');
    const message = envelope({ amount: 4, note: 'io' });
    // Delivered twice, as after a crash before the ack: the chain, the sink included, runs again, and
    // what the sink emits keeps its dedup key.
    await publishIn(id, message, `${message.id}/first`);
    await publishIn(id, message, `${message.id}/again`);
    await publishIn(id, envelope({ amount: 9, note: 'io2' }));
    await eventually(async () => (delivered.length >= 2 ? delivered : undefined), 15_000, 'two delivered');
    await eventually(async () => ((await storedPerWire(id)).in === 3 ? true : undefined), 5_000, 'inputs stored');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(delivered.map((output) => (output.data as { note: string }).note).sort(), ['io', 'io2']);
    // The sink's input wire `out` carries nothing: the sink ran in process, its span says so.
    assert.deepEqual(await storedPerWire(id), { in: 3, delivered: 2 });
    const sinkSpan = await eventually(async () => publisher.records<ExportedSpan>('spans').find((span) => span.scenario === id && span.gear === 'sink'), 10_000, 'the sink span');
    assert.equal(sinkSpan.attributes['fluxrig.fused'], true);

    // Without `always` the same wire into the (not pure) sink keeps its hop.
    const plain = unique('fuse-io-plain');
    await deploy(chain(plain, { delivered: true }));
    const plainDelivered = await tap(plain, 'delivered');
    await publishIn(plain, envelope({ amount: 4, note: 'hop' }));
    await eventually(async () => (plainDelivered.length >= 1 ? true : undefined), 15_000, 'delivered over the hop');
    assert.deepEqual(await eventually(async () => {
      const counts = await storedPerWire(plain);
      return counts.delivered === 1 ? counts : undefined;
    }, 5_000, 'stored'), { in: 1, out: 1, delivered: 1 });
  });

  it('stores no second final output when the producer\'s input is delivered again', async () => {
    const id = unique('fuse-again');
    await deploy(chain(id));
    const out = await tap(id, 'out');
    // The same envelope stored twice on the entry wire: the entry gear gets it twice, as after a crash
    // before its ack (the host keys everything it emits by the envelope id).
    const message = envelope({ amount: 7, note: 'once' });
    await publishIn(id, message, `${message.id}/first`);
    await publishIn(id, message, `${message.id}/again`);
    const marker = envelope({ amount: 8, note: 'marker' });
    await publishIn(id, marker);
    await eventually(async () => (out.some((output) => (output.data as { note: string }).note === 'marker') ? true : undefined), 15_000, 'the marker output');
    await eventually(async () => ((await storedPerWire(id)).in === 3 ? true : undefined), 5_000, 'inputs stored');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(out.map((output) => (output.data as { note: string }).note).sort(), ['marker', 'once']);
    assert.deepEqual(await storedPerWire(id), { in: 3, out: 2 });
  });

  it('stores the message on the wire of a fused gear that fails with no error wire, once, for its consumer to retry', async () => {
    const id = unique('fuse-fallback');
    await deploy(chain(id));
    const w3 = await tap(id, 'w3');
    // No `note`: shape selects nothing and throws; shape has no error wire.
    const message = envelope({ amount: 3 });
    await publishIn(id, message, `${message.id}/first`);
    await publishIn(id, message, `${message.id}/again`);
    await eventually(async () => (w3.length >= 1 ? w3 : undefined), 15_000, 'the message on w3');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const counts = await storedPerWire(id);
    assert.equal(counts.w3, 1, 'one fallback for both deliveries');
    assert.equal(counts.out, undefined, 'nothing reached the output');
    assert.deepEqual(w3[0]?.data, { amount: 3, enriched: true });
  });
});
