/**
 * Entry of a probe executable that build.test.ts packages exactly like dist/rig (deploy/build.ts
 * --entry): it runs one durable flow through pkg/orchestration inside a single executable (Temporal
 * client, worker with its core bridge, workflow worker threads, the prebuilt workflow bundle and the
 * bytes-preserving payload converter Temporal loads by path) and prints the outcome as one JSON line.
 * It exists because `rig` commands reach Temporal only through `rig run`'s durable flows; the probe
 * proves that path without a full node. Reads FLUXRIG_TEST_TEMPORAL_ADDRESS / _NAMESPACE; never starts
 * an engine itself.
 */
import { randomBytes } from 'node:crypto';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import { flowResult, startFlow } from '../../pkg/orchestration/flows.ts';
import type { FlowPlan } from '../../pkg/orchestration/plan.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import { unpackEagerAssets } from '../../deploy/sea/runtime.ts';
import { testCatalogue } from '../orchestration/gears.ts';

async function probe(): Promise<void> {
  const address = process.env.FLUXRIG_TEST_TEMPORAL_ADDRESS;
  if (!address) throw new Error('set FLUXRIG_TEST_TEMPORAL_ADDRESS');
  const settings = { address, namespace: process.env.FLUXRIG_TEST_TEMPORAL_NAMESPACE || 'default' };
  unpackEagerAssets();
  const flows = await connectFlowClient(settings);
  const rack = `probe-${randomBytes(4).toString('hex')}`;
  const worker = await createFlowWorker({ settings, rack, catalogue: testCatalogue });
  const running = worker.run();
  try {
    const plan: FlowPlan = {
      flow: `probe-${randomBytes(4).toString('hex')}`,
      scenario: 'build-probe',
      steps: [
        { kind: 'gear', id: 'a', gear: 'test-append', config: { mark: 'a' } },
        { kind: 'gear', id: 'b', gear: 'test-append', config: { mark: 'b' } },
      ],
    };
    const envelope = {
      id: `${Date.now()}0001`,
      type: 'fluxrig.test',
      source: 'test/build',
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: { raw: new Uint8Array([0x02, 0x00, 0xff]) },
    };
    const { workflowId } = await startFlow({ client: flows.client, rack, plan, envelope });
    const result = await flowResult(flows.client, workflowId);
    const data = result.outputs[0]?.envelope.data as { trail?: string[]; raw?: unknown } | undefined;
    const raw = data?.raw instanceof Uint8Array ? [...data.raw] : data?.raw;
    process.stdout.write(`${JSON.stringify({ trail: data?.trail, raw })}\n`);
  } finally {
    await worker.shutdown();
    await running;
    await flows.close();
  }
}

probe().catch((error: unknown) => {
  process.stderr.write(`probe failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
