/**
 * Records the histories the replay test replays: representative durable-flow runs on a real Temporal
 * dev server, each written to test/orchestration/histories/<name>.json as { workflowId, history }.
 * Re-record ONLY when a workflow change is meant to be incompatible with running flows (and then also
 * version the workflow); otherwise the replay test is exactly what must keep passing.
 *   node --import tsx test/orchestration/histories/record.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowResult, flowStatus, signalFlow, startFlow } from '../../../pkg/orchestration/flows.ts';
import { exportFlowHistory } from '../../../pkg/orchestration/history.ts';
import type { FlowPlan } from '../../../pkg/orchestration/plan.ts';
import { startSink } from '../sink.ts';
import { startHarness, testEnvelope } from '../support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const h = await startHarness();
const sink = await startSink();
const post = (label: string) => ({ gear: 'test-http-post', config: { url: sink.url, label } });

const runs: { name: string; plan: FlowPlan; drive?: (workflowId: string) => Promise<void>; fails: boolean }[] = [
  {
    name: 'retry-then-success',
    fails: false,
    plan: {
      flow: 'replay-retry',
      scenario: 'replay',
      steps: [
        { kind: 'gear', id: 'flaky', gear: 'test-flaky', config: { failures: 2 }, retry: { initialInterval: '50ms', backoff: 1, maxAttempts: 5 } },
        { kind: 'gear', id: 'mark', gear: 'test-append', config: { mark: 'done' }, local: true },
      ],
    },
  },
  {
    name: 'compensation',
    fails: true,
    plan: {
      flow: 'replay-saga',
      scenario: 'replay',
      steps: [
        { kind: 'gear', id: 'a', ...post('A'), compensate: 'undo-a' },
        { kind: 'gear', id: 'b', ...post('B'), compensate: 'undo-b' },
        { kind: 'gear', id: 'charge', gear: 'test-fail', config: { code: 'TEST_DECLINED' }, retry: { maxAttempts: 1 } },
      ],
      compensations: [
        { id: 'undo-a', ...post('undo-A') },
        { id: 'undo-b', ...post('undo-B') },
      ],
      onError: [{ id: 'answer', ...post('answer') }],
    },
  },
  {
    name: 'signal-wait-sleep-reply',
    fails: false,
    plan: {
      flow: 'replay-signal',
      scenario: 'replay',
      steps: [
        { kind: 'wait', id: 'approval', accept: ['approve'], reject: ['reject'], timeout: '1m', into: 'approval' },
        { kind: 'sleep', id: 'pause', duration: '1s' },
        { kind: 'request', id: 'ask', ...post('request'), replyTimeout: '1m' },
        { kind: 'gear', id: 'mark', gear: 'test-append', config: { mark: 'replied' } },
      ],
    },
    async drive(workflowId) {
      await until(async () => (await flowStatus(h.flows.client, workflowId)).state === 'waiting');
      await signalFlow(h.flows.client, workflowId, { name: 'approve', payload: { by: 'alice' } });
      await until(async () => (await flowStatus(h.flows.client, workflowId)).current === 'ask' && sink.received.some((r) => r.label === 'request'));
      await signalFlow(h.flows.client, workflowId, { name: 'reply', payload: testEnvelope({ rc: '00', trail: [] }) });
    },
  },
];

try {
  for (const run of runs) {
    const envelope = testEnvelope({ amount: 1 });
    const { workflowId } = await startFlow({ client: h.flows.client, rack: h.rack, plan: run.plan, envelope });
    await run.drive?.(workflowId);
    const outcome = await flowResult(h.flows.client, workflowId).then(
      () => 'completed',
      (err: unknown) => `failed: ${(err as Error).message}`,
    );
    if ((outcome !== 'completed') !== run.fails) throw new Error(`${run.name}: unexpected outcome ${outcome}`);
    const history = JSON.parse(await exportFlowHistory(h.flows.client, workflowId)) as unknown;
    writeFileSync(join(here, `${run.name}.json`), `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
    process.stdout.write(`${run.name}: ${outcome}\n`);
  }
} finally {
  await h.close();
  await sink.close();
}

async function until(predicate: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met within 20 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}
