/**
 * Determinism guard: every recorded history under histories/ must replay against the CURRENT workflow
 * bundle. A failure here means a change to workflow code would break flows already running in
 * production; keep the old behaviour (or guard the new one with `patched()`), do not re-record.
 * The second test proves the guard has teeth: a drifted workflow is rejected by the same histories.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { PAYLOAD_CONVERTER_PATH, ensureWorkflowBundle } from '../../pkg/orchestration/bundle.ts';
import { parseFlowHistory } from '../../pkg/orchestration/history.ts';

const here = dirname(fileURLToPath(import.meta.url));
const historiesDir = join(here, 'histories');
const recorded = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => {
    const { workflowId, history } = JSON.parse(readFileSync(join(historiesDir, file), 'utf8')) as { workflowId: string; history: unknown };
    return { file, workflowId, history: parseFlowHistory(JSON.stringify(history)) };
  });

Runtime.install({ logger: new DefaultLogger('ERROR') });

describe('workflow determinism (replay of recorded histories)', () => {
  it('has the representative histories to replay', () => {
    assert.deepEqual(
      recorded.map((r) => r.file),
      ['compensation.json', 'retry-then-success.json', 'signal-wait-sleep-reply.json'],
    );
  });

  for (const { file, workflowId, history } of recorded) {
    it(`replays ${file} against the current workflow bundle`, async () => {
      const { codePath } = await ensureWorkflowBundle();
      await Worker.runReplayHistory({ workflowBundle: { codePath } }, history, workflowId);
    });
  }

  it('rejects a drifted workflow with a determinism violation', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: join(here, 'fixtures', 'drifted-flow.ts'),
      payloadConverterPath: PAYLOAD_CONVERTER_PATH,
      logger: new DefaultLogger('ERROR'),
    });
    const saga = recorded.find((r) => r.file === 'compensation.json');
    assert.ok(saga);
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: { code } }, saga.history, saga.workflowId),
      DeterminismViolationError,
    );
  });
});
