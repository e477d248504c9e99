/**
 * Event-triggered flows from a real JetStream stream (nats-server) into a real Temporal dev server: each
 * message published on the trigger subject starts exactly one flow, even when the same envelope is
 * published twice under different stream dedup keys (a redelivery upstream).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openBus } from '../../pkg/bus/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { triggerFlowsFromStream } from '../../pkg/orchestration/event-trigger.ts';
import { flowResult } from '../../pkg/orchestration/flows.ts';
import type { FlowPlan } from '../../pkg/orchestration/plan.ts';
import { dataSubject } from '../../pkg/wire/subjects.ts';
import { useNats } from '../support/engines.ts';
import { startSink } from './sink.ts';
import { startHarness, testEnvelope, unique } from './support.ts';

describe('event trigger (JetStream subject → durable flow)', () => {
  it('starts one flow per message id and acks only once the flow was accepted', async () => {
    const { url } = await useNats();
    const bus = await openBus({ servers: url, name: unique('rig-test-trigger'), logger: silentLogger() });
    const h = await startHarness();
    const sink = await startSink();
    try {
      await bus.ensureStreams();
      const scenario = unique('s');
      const subject = dataSubject(scenario, 'payments');
      const label = unique('evt');
      const plan: FlowPlan = {
        flow: unique('evt'),
        scenario,
        steps: [{ kind: 'gear', id: 'post', gear: 'test-http-post', config: { url: sink.url, label } }],
      };
      const started: { workflowId: string; duplicate: boolean }[] = [];
      const consumer = await triggerFlowsFromStream({
        bus,
        client: h.flows.client,
        rack: h.rack,
        plan,
        stream: 'FLUXRIG_DATA',
        subjects: [subject],
        onStarted: (workflowId, duplicate) => started.push({ workflowId, duplicate }),
      });
      const one = testEnvelope({ n: 1 });
      const two = testEnvelope({ n: 2 });
      await bus.publish(subject, one);
      await bus.publish(subject, two);
      await bus.publish(subject, one, { msgId: `${one.id}/again` }); // same envelope, new stream message
      await sink.until(() => started.length === 3);
      await consumer.stop();
      // Handlers run concurrently: compare as sets, not in publish order.
      const fresh = started.filter((s) => !s.duplicate).map((s) => s.workflowId);
      const dupes = started.filter((s) => s.duplicate).map((s) => s.workflowId);
      assert.deepEqual(fresh.sort(), [`${plan.flow}/${one.id}`, `${plan.flow}/${two.id}`].sort());
      assert.deepEqual(dupes, [`${plan.flow}/${one.id}`], 'the republished envelope found its flow already started');
      for (const s of started) await flowResult(h.flows.client, s.workflowId);
      const posted = sink.received.filter((r) => r.label === label).map((r) => r.data);
      assert.deepEqual(posted.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))), [{ n: 1 }, { n: 2 }]);
    } finally {
      await h.close();
      await sink.close();
      await bus.close();
    }
  });

  it('per key: a message whose key is busy is redelivered until the run closed, then runs', async () => {
    const { url } = await useNats();
    const bus = await openBus({ servers: url, name: unique('rig-test-trigger'), logger: silentLogger() });
    const h = await startHarness();
    const sink = await startSink();
    try {
      await bus.ensureStreams();
      const scenario = unique('s');
      const subject = dataSubject(scenario, 'terminal');
      const label = unique('key');
      const plan: FlowPlan = {
        flow: unique('key'),
        scenario,
        steps: [
          { kind: 'sleep', id: 'hold', duration: '700ms' },
          { kind: 'gear', id: 'post', gear: 'test-http-post', config: { url: sink.url, label } },
        ],
      };
      const consumer = await triggerFlowsFromStream({ bus, client: h.flows.client, rack: h.rack, plan, per: 'key', stream: 'FLUXRIG_DATA', subjects: [subject] });
      await bus.publish(subject, testEnvelope({ n: 1 }, { key: 'T9' }));
      await bus.publish(subject, testEnvelope({ n: 2 }, { key: 'T9' }));
      await sink.until(() => sink.received.filter((r) => r.label === label).length === 2, 30_000);
      await consumer.stop();
      const runs = sink.received.filter((r) => r.label === label).map((r) => r.data as { n: number });
      assert.equal(new Set(runs.map((r) => r.n)).size, 2, 'both messages ran, each once');
      assert.equal(consumer.stats.deadLettered, 0);
    } finally {
      await h.close();
      await sink.close();
      await bus.close();
    }
  });
});
