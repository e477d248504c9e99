/**
 * Crash safety: a worker process is killed with SIGKILL after a step's side effect reached the receiving
 * end but before the step's completion was recorded. After a new worker process starts, the flow
 * completes; the interrupted step is retried with the SAME idempotency key (workflow id + step), so the
 * receiving end applies every side effect exactly once, and completed steps are not run again.
 * The steps' heartbeat timeout (1s, far below their 30s step timeout) is what lets the retry start soon.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import { flowResult, startFlow } from '../../pkg/orchestration/flows.ts';
import { exportFlowHistory } from '../../pkg/orchestration/history.ts';
import type { FlowPlan } from '../../pkg/orchestration/plan.ts';
import { startSink } from './sink.ts';
import { temporalSettings, testEnvelope, unique } from './support.ts';

const here = dirname(fileURLToPath(import.meta.url));
const children: ChildProcess[] = [];

async function spawnWorker(address: string, namespace: string, rack: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker-child.ts')], {
    env: {
      ...process.env,
      FLUXRIG_CHILD_TEMPORAL_ADDRESS: address,
      FLUXRIG_CHILD_TEMPORAL_NAMESPACE: namespace,
      FLUXRIG_CHILD_RACK: rack,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve) => lines.on('line', (line) => line === 'ready' && resolve()));
  const died = once(child, 'exit').then(([code]) => {
    throw new Error(`worker child exited early with ${code}`);
  });
  await Promise.race([ready, died]);
  return child;
}

describe('worker crash (kill -9) mid-flow', () => {
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it('completes after restart with every side effect applied exactly once at the receiving end', async () => {
    const settings = await temporalSettings();
    const flows = await connectFlowClient(settings);
    const sink = await startSink();
    try {
      const rack = unique('crash');
      const first = await spawnWorker(settings.address, settings.namespace, rack);
      const p = `${unique('crash')}:`;
      const step = (id: string, extra: Record<string, unknown> = {}) => ({
        kind: 'gear' as const,
        id,
        gear: 'test-http-post',
        config: { url: sink.url, label: p + id, ...extra },
        timeout: '30s',
        heartbeat: '1s',
        retry: { initialInterval: '100ms', backoff: 1, maxAttempts: 10 },
      });
      const plan: FlowPlan = {
        flow: unique('crash'),
        scenario: 'test',
        steps: [step('A'), step('B', { hangOnAttempt: 1 }), step('C')],
      };
      const { workflowId } = await startFlow({ client: flows.client, rack, plan, envelope: testEnvelope({ amount: 5 }) });

      // B's POST has reached the sink and B now hangs on attempt 1: the side effect happened, its
      // completion was never reported. Kill the worker process without any chance to clean up.
      await sink.until(() => sink.received.some((r) => r.label === `${p}B`));
      first.kill('SIGKILL');
      await once(first, 'exit');

      await spawnWorker(settings.address, settings.namespace, rack);
      const result = await flowResult(flows.client, workflowId);
      assert.deepEqual(
        result.history.map((r) => [r.step, r.state]),
        [
          ['A', 'completed'],
          ['B', 'completed'],
          ['C', 'completed'],
        ],
      );

      // B's first attempt was declared lost by its heartbeat timeout, not by the 30 s step timeout:
      // the started event of the attempt that completed records why the previous one failed.
      const history = JSON.parse(await exportFlowHistory(flows.client, workflowId)) as {
        events: { eventType: string; activityTaskStartedEventAttributes?: { attempt?: number; lastFailure?: { timeoutFailureInfo?: { timeoutType?: string } } } }[];
      };
      const retried = history.events
        .filter((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_STARTED' && (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1)
        .map((e) => e.activityTaskStartedEventAttributes?.lastFailure?.timeoutFailureInfo?.timeoutType);
      assert.deepEqual(retried, ['TIMEOUT_TYPE_HEARTBEAT']);
      const mine = (records: typeof sink.received) => records.filter((r) => r.label.startsWith(p));
      assert.deepEqual(
        mine(sink.applied).map((r) => [r.label.slice(p.length), r.key]),
        [
          ['A', `${workflowId}/A`],
          ['B', `${workflowId}/B`],
          ['C', `${workflowId}/C`],
        ],
        'each side effect applied once, keyed by workflow id + step',
      );
      const deliveries = mine(sink.received).map((r) => [r.label.slice(p.length), r.attempt]);
      assert.deepEqual(
        deliveries,
        [
          ['A', 1],
          ['B', 1],
          ['B', 2],
          ['C', 1],
        ],
        'B was redelivered after the crash (deduplicated by its key); A was not re-run',
      );
    } finally {
      await flows.close();
      await sink.close();
    }
  });
});
