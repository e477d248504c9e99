/**
 * Worker set-up against a real Temporal dev server: the task queue follows the rack, workflows come from
 * the prebuilt bundle file, and shutdown drains an in-flight step before resolving.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRigError } from '../../pkg/errors/index.ts';
import { after, before, describe, it } from 'node:test';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import type { FlowClient } from '../../pkg/orchestration/client.ts';
import { ensureWorkflowBundle } from '../../pkg/orchestration/bundle.ts';
import { flowResult, startFlow } from '../../pkg/orchestration/flows.ts';
import type { FlowPlan } from '../../pkg/orchestration/plan.ts';
import { taskQueueFor } from '../../pkg/orchestration/settings.ts';
import type { TemporalSettings } from '../../pkg/orchestration/settings.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import { testCatalogue } from './gears.ts';
import { startSink } from './sink.ts';
import type { Sink } from './sink.ts';
import { temporalSettings, testEnvelope, trailOf, unique } from './support.ts';

const bundleScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'pkg', 'orchestration', 'bundle.ts');

describe('flow worker', () => {
  let settings: TemporalSettings;
  let flows: FlowClient;
  let sink: Sink;
  before(async () => {
    settings = await temporalSettings();
    flows = await connectFlowClient(settings);
    sink = await startSink();
  });
  after(async () => {
    await flows.close();
    await sink.close();
  });

  it('runs workflows from a prebuilt bundle file on the task queue fluxrig-<rack>', async () => {
    const { codePath } = await ensureWorkflowBundle();
    assert.ok(existsSync(codePath));
    const rack = unique('rack');
    const worker = await createFlowWorker({ settings, rack, catalogue: testCatalogue, bundlePath: codePath });
    assert.equal(worker.taskQueue, taskQueueFor(rack));
    assert.equal(worker.taskQueue, `fluxrig-${rack}`);
    const running = worker.run();
    const plan: FlowPlan = {
      flow: unique('bundle'),
      scenario: 'test',
      steps: [{ kind: 'gear', id: 'a', gear: 'test-append', config: { mark: 'a' } }],
    };
    const { workflowId } = await startFlow({ client: flows.client, rack, plan, envelope: testEnvelope({}) });
    const result = await flowResult(flows.client, workflowId);
    assert.deepEqual(trailOf(result), ['a']);
    await worker.shutdown();
    await running;
  });

  it('runs flows from the bundle file the build step writes (bundle.ts as a script), no sources needed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fluxrig-bundle-'));
    try {
      const outFile = join(dir, 'workflows.bundle.js');
      execFileSync(process.execPath, ['--import', 'tsx', bundleScript, outFile], { stdio: 'pipe' });
      assert.ok(existsSync(outFile));
      const rack = unique('rack');
      const worker = await createFlowWorker({ settings, rack, catalogue: testCatalogue, bundlePath: outFile });
      const running = worker.run();
      const plan: FlowPlan = {
        flow: unique('built'),
        scenario: 'test',
        steps: [{ kind: 'gear', id: 'a', gear: 'test-append', config: { mark: 'built' } }],
      };
      const { workflowId } = await startFlow({ client: flows.client, rack, plan, envelope: testEnvelope({}) });
      assert.deepEqual(trailOf(await flowResult(flows.client, workflowId)), ['built']);
      await worker.shutdown();
      await running;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bundle path that does not exist with ORCH_BUNDLE_MISSING', async () => {
    await assert.rejects(ensureWorkflowBundle({ codePath: '/nonexistent/workflows.bundle.js' }), (e: unknown) => isRigError(e) && e.code === 'ORCH_BUNDLE_MISSING');
  });

  it('shutdown() lets the in-flight step finish before it resolves', async () => {
    const rack = unique('rack');
    const worker = await createFlowWorker({ settings, rack, catalogue: testCatalogue, shutdownGraceTime: '10s' });
    const running = worker.run();
    const label = unique('drain');
    const plan: FlowPlan = {
      flow: unique('drain'),
      scenario: 'test',
      steps: [{ kind: 'gear', id: 'slow', gear: 'test-slow', config: { url: sink.url, label, delayMs: 1500 } }],
    };
    await startFlow({ client: flows.client, rack, plan, envelope: testEnvelope({}) });
    await sink.until(() => sink.received.some((r) => r.label === `${label}:start`));
    await worker.shutdown();
    await running;
    assert.ok(
      sink.received.some((r) => r.label === `${label}:end`),
      'the step that was running when shutdown began completed its side effect',
    );
  });
});
