/**
 * Triggers on a real Temporal dev server: event-triggered starts dedup by envelope id (or run one at a
 * time per key), and a Temporal Schedule starts flows on its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isRigError } from '../../pkg/errors/index.ts';
import { flowResult, listFlows, startFlowForEvent } from '../../pkg/orchestration/flows.ts';
import type { FlowPlan } from '../../pkg/orchestration/plan.ts';
import { scheduleFlow } from '../../pkg/orchestration/schedules.ts';
import { startSink } from './sink.ts';
import type { Sink } from './sink.ts';
import { startHarness, testEnvelope, unique } from './support.ts';
import type { OrchestrationHarness } from './support.ts';

describe('flow triggers', () => {
  let h: OrchestrationHarness;
  let sink: Sink;
  before(async () => {
    h = await startHarness();
    sink = await startSink();
  });
  after(async () => {
    await h.close();
    await sink.close();
  });

  const postPlan = (label: string, extra: FlowPlan['steps'] = []): FlowPlan => ({
    flow: unique('trigger'),
    scenario: 'test',
    steps: [...extra, { kind: 'gear', id: 'post', gear: 'test-http-post', config: { url: sink.url, label } }],
  });

  it('starts one run per envelope id: a redelivered event is a duplicate, before and after completion', async () => {
    const label = unique('event');
    const plan = postPlan(label);
    const envelope = testEnvelope({ n: 1 });
    const first = await startFlowForEvent({ client: h.flows.client, rack: h.rack, plan, envelope });
    const again = await startFlowForEvent({ client: h.flows.client, rack: h.rack, plan, envelope });
    assert.equal(first.duplicate, false);
    assert.equal(again.duplicate, true);
    assert.equal(again.workflowId, first.workflowId);
    await flowResult(h.flows.client, first.workflowId);
    const late = await startFlowForEvent({ client: h.flows.client, rack: h.rack, plan, envelope });
    assert.equal(late.duplicate, true);
    assert.equal(sink.received.filter((r) => r.label === label).length, 1);
  });

  it('runs one flow at a time per key: refuses the next message while busy, dedups a redelivery', async () => {
    const label = unique('keyed');
    const plan = postPlan(label, [{ kind: 'sleep', id: 'hold', duration: '500ms' }]);
    const event = (envelope: ReturnType<typeof testEnvelope>) =>
      startFlowForEvent({ client: h.flows.client, rack: h.rack, plan, envelope, per: 'key' });
    const first = testEnvelope({ n: 1 }, { key: 'T1' });
    const second = testEnvelope({ n: 2 }, { key: 'T1' });
    const a = await event(first);
    assert.equal(a.workflowId, `${plan.flow}/key/T1`);
    await assert.rejects(event(second), (e: unknown) => isRigError(e) && e.code === 'FLOW_KEY_BUSY', 'same key while running: wait');
    assert.equal((await event(first)).duplicate, true, 'redelivery of the running message');
    await flowResult(h.flows.client, a.workflowId);
    assert.equal((await event(first)).duplicate, true, 'redelivery of the message whose run completed');
    const b = await event(second);
    assert.equal(b.duplicate, false, 'the next message of the key runs once the previous run closed');
    await flowResult(h.flows.client, b.workflowId);
    assert.deepEqual(
      sink.received.filter((r) => r.label === label).map((r) => r.data),
      [{ n: 1 }, { n: 2 }],
    );
  });

  it('fires a flow from a Temporal Schedule, each run with its own identity', async () => {
    const label = unique('cron');
    const plan = postPlan(label);
    const schedule = await scheduleFlow({
      client: h.flows.client,
      rack: h.rack,
      plan,
      scheduleId: unique('schedule'),
      every: ['1s'],
      template: { type: 'fluxrig.test.tick', data: { tick: true } },
    });
    try {
      await sink.until(() => sink.received.filter((r) => r.label === label).length >= 2, 20_000);
    } finally {
      await schedule.delete();
    }
    const runs = sink.received.filter((r) => r.label === label);
    assert.deepEqual(runs[0]?.data, { tick: true });
    const keys = new Set(runs.map((r) => r.key));
    assert.equal(keys.size, runs.length, 'every scheduled run has its own workflow id');
    for (const key of keys) assert.ok(key.startsWith(`${plan.flow}/scheduled`), key);
    // Visibility is eventually consistent: poll briefly.
    let listed = await listFlows(h.flows.client, { query: `WorkflowId STARTS_WITH '${plan.flow}/scheduled'` });
    for (let i = 0; i < 50 && listed.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      listed = await listFlows(h.flows.client, { query: `WorkflowId STARTS_WITH '${plan.flow}/scheduled'` });
    }
    assert.ok(listed.length >= 2, `visibility lists the scheduled runs (got ${listed.length})`);
    assert.ok(listed.every((f) => f.flow === plan.flow));
  });
});
