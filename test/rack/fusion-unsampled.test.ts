/**
 * Operator fusion inside a trace that is not sampled (telemetry.trace_sample_ratio < 1), on a real
 * nats-server: a fused chain goes on in its producer's unsampled span (pkg/telemetry/propagation.ts
 * `unsampledSpan`) instead of starting spans of its own. What must hold: every message still gets
 * through the chain, nothing is recorded for it, and what the chain stores carries the same trace,
 * still unsampled, so the next rack does not start a fresh sampling decision.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Bus, openBus, type RunningConsumer } from '../../pkg/bus/index.ts';
import { envelopeFactory } from '../../pkg/gear/envelopes.ts';
import { createIdGenerator } from '../../pkg/idgen/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { ScenarioRuntime } from '../../pkg/rack/scenario-runtime.ts';
import { scenarioSchema } from '../../pkg/scenario/index.ts';
import type { TelemetryPublisher } from '../../pkg/telemetry/exporters.ts';
import { startTelemetry, type Telemetry } from '../../pkg/telemetry/otel.ts';
import type { TelemetryBatch } from '../../pkg/telemetry/records.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { dataSubject } from '../../pkg/wire/subjects.ts';
import { useNats } from '../support/engines.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { testCatalogue } from '../support/test-gears.ts';

describe('operator fusion in an unsampled trace (real nats-server)', () => {
  const batches: TelemetryBatch[] = [];
  const publisher: TelemetryPublisher = { publish: async (_signal, batch) => void batches.push(batch) };
  let telemetry: Telemetry;
  let bus: Bus;
  let runtime: ScenarioRuntime | undefined;
  let tap: RunningConsumer | undefined;
  const ids = createIdGenerator({ machineId: 9 });

  before(async () => {
    telemetry = startTelemetry({ serviceName: 'rig-rack', role: 'rack', rack: 'r1', publisher, traceSampleRatio: 0, batchDelayMs: 50, env: {} });
    bus = await openBus({ servers: (await useNats()).url, name: 'fusion-unsampled-test', logger: silentLogger() });
    await bus.ensureStreams();
  });
  after(async () => {
    await tap?.stop();
    await runtime?.stop({ undeployed: true });
    await bus.close();
    await telemetry.shutdown();
  });

  it('runs the chain, records nothing, and stores its output in the same unsampled trace', async () => {
    const id = `unsampled-${randomBytes(4).toString('hex')}`;
    // in (stored) → enrich → w1 (fused) → screen → w2 (fused) → shape → out (stored: sink is not pure) → sink.
    const scenario = scenarioSchema.parse({
      id,
      gears: [
        { id: 'source', type: 'test-idle-source' },
        { id: 'enrich', type: 'transform', config: { expression: '$merge([$, { "enriched": true }])' } },
        { id: 'screen', type: 'filter', config: { condition: '$number(amount) < 1000' } },
        { id: 'shape', type: 'transform', config: { expression: '{ "amount": amount, "enriched": enriched }' } },
        { id: 'sink', type: 'test-relay' },
      ],
      wires: [
        { id: 'in', from: 'source.out', to: 'enrich.in' },
        { id: 'w1', from: 'enrich.out', to: 'screen.in' },
        { id: 'w2', from: 'screen.out', to: 'shape.in' },
        { id: 'out', from: 'shape.out', to: 'sink.in' },
      ],
    });
    runtime = new ScenarioRuntime(id, { bus, rack: 'r1', catalogue: testCatalogue, logger: silentLogger(), nextId: () => ids.next(), concurrency: 4, graceMs: 1000 });
    await runtime.apply({ id, version: 1, deployed: true, updatedAt: new Date().toISOString(), scenario }, scenario.gears.map((gear) => gear.id));
    const stored: Envelope[] = [];
    tap = await bus.consume({ stream: 'FLUXRIG_DATA', durable: `${id}__tap`, filterSubjects: [dataSubject(id, 'out')] }, async (message) => void stored.push(message));

    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const envelope = envelopeFactory({ nextId: () => ids.next(), scenario: id, gearId: 'test', sourcePrefix: 'test' });
    const input = { ...envelope({ amount: 5 }), traceparent: `00-${traceId}-b7ad6b7169203331-00` };
    await bus.publish(dataSubject(id, 'in'), input, { msgId: input.id });

    const [output] = await eventually(async () => (stored.length >= 1 ? stored : undefined), 15_000, 'the chain output');
    assert.deepEqual(output?.data, { amount: 5, enriched: true });
    assert.match(output?.traceparent ?? '', new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`), 'same trace, still unsampled');
    await telemetry.forceFlush();
    const spans = batches.filter((batch) => batch.signal === 'spans').flatMap((batch) => batch.records);
    assert.deepEqual(spans, [], 'nothing recorded for an unsampled trace');
  });
});
