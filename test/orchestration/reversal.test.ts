/**
 * ISO 8583 reversal / store-and-forward as a durable flow (issue 6 §3), with the product's own
 * iso8583-client and transform gears against a scripted issuer on real TCP: when the 0100 gets no
 * answer in time, the acquirer is answered at once with DE 39 = 91, then 0400 is sent and repeated as
 * 0401 with back-off until a 0410 arrives — and the loop survives a kill -9 of the worker process.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gearCatalogue } from '../../gears/catalogue.ts';
import type { IsoMessage } from '../../pkg/iso8583/types.ts';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import type { FlowClient } from '../../pkg/orchestration/client.ts';
import { flowResult, startFlow } from '../../pkg/orchestration/flows.ts';
import type { FlowFailure } from '../../pkg/orchestration/plan.ts';
import { iso8583ReversalPlan } from '../../pkg/orchestration/templates/iso8583-reversal.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import type { RigError } from '../../pkg/errors/index.ts';
import { testCatalogue } from './gears.ts';
import { startScriptedIssuer } from './iso-issuer.ts';
import type { ScriptedIssuer } from './iso-issuer.ts';
import { startSink } from './sink.ts';
import type { Sink } from './sink.ts';
import { temporalSettings, testEnvelope, unique } from './support.ts';
import type { TemporalSettings } from '../../pkg/orchestration/settings.ts';

const here = dirname(fileURLToPath(import.meta.url));

function authorization(stan: string): IsoMessage {
  return {
    mti: '0100',
    fields: { 2: '4111111111111111', 3: '000000', 4: '000000001250', 7: '1123191500', 11: stan, 32: '123456', 37: `0000000${stan.slice(1)}`, 41: 'TERM0001', 49: '840' },
  };
}

describe('ISO 8583 reversal flow', () => {
  let settings: TemporalSettings;
  let flows: FlowClient;
  let sink: Sink;
  let issuer: ScriptedIssuer;
  const children: ChildProcess[] = [];
  before(async () => {
    settings = await temporalSettings();
    flows = await connectFlowClient(settings);
    sink = await startSink();
    issuer = await startScriptedIssuer();
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await flows.close();
    await sink.close();
    await issuer.close();
  });

  const planFor = (label: string) =>
    iso8583ReversalPlan({
      flow: unique('reversal'),
      scenario: 'test',
      issuer: { host: '127.0.0.1', port: issuer.port, connect_timeout_ms: 2000 },
      responseTimeoutMs: 700,
      reversalTimeoutMs: 700,
      reversalRetry: { initialInterval: '200ms', backoff: 1.5, maximumInterval: '1s' },
      respond: { gear: 'test-http-post', config: { url: sink.url, label } },
    });
  const mtisFor = (stan: string) => issuer.received.filter((m) => (m.fields as Record<string, unknown>)['11'] === stan).map((m) => m.mti);

  it('answers the acquirer with 91, then sends 0400 and repeats 0401 until the 0410', async () => {
    const rack = unique('rack');
    const worker = await createFlowWorker({ settings, rack, catalogue: [...gearCatalogue, ...testCatalogue], shutdownGraceTime: '2s' });
    const running = worker.run();
    try {
      const stan = '000101';
      let repeats = 0;
      // Silent to the 0100 and the 0400; acknowledges the second 0401.
      issuer.decide = (m) => (m.fields as Record<string, unknown>)['11'] !== stan || m.mti !== '0401' ? undefined : ++repeats >= 2 ? '00' : undefined;
      const label = unique('acquirer');
      const { workflowId } = await startFlow({ client: flows.client, rack, plan: planFor(label), envelope: testEnvelope(authorization(stan), { type: 'fluxrig.iso8583.message' }) });
      const err = (await flowResult(flows.client, workflowId).catch((e: unknown) => e)) as RigError;
      assert.equal(err.code, 'FLOW_FAILED');
      const failure = err.details as unknown as FlowFailure;
      assert.equal(failure.step, 'authorize');
      assert.equal(failure.code, 'TIMEOUT');

      assert.deepEqual(mtisFor(stan), ['0100', '0400', '0401', '0401'], 'the loop stopped at the first 0410');
      const reversal = issuer.received.find((m) => m.mti === '0400' && (m.fields as Record<string, unknown>)['11'] === stan);
      assert.ok(reversal !== undefined);
      const reversalFields = reversal.fields as Record<string, unknown>;
      assert.equal(reversalFields['90'], `0100${stan}11231915000000012345600000000000`, 'DE 90 names the original 0100');
      assert.equal(reversalFields['4'], '000000001250');

      const answers = sink.received.filter((r) => r.label === label);
      assert.equal(answers.length, 1, 'the acquirer got exactly one answer');
      const answer = answers[0]?.data as IsoMessage;
      assert.equal(answer.mti, '0110');
      assert.equal((answer.fields as Record<string, unknown>)['39'], '91');
      assert.deepEqual(
        failure.history.map((r) => [r.step, r.state]),
        [
          ['authorize', 'failed'],
          ['answer-timeout', 'completed'],
          ['reverse', 'completed'],
        ],
      );
    } finally {
      await worker.shutdown();
      await running;
    }
  });

  it('keeps repeating the reversal across a kill -9 of the worker and stops at the 0410', async () => {
    const rack = unique('rack');
    const spawnWorker = async (): Promise<ChildProcess> => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'worker-child.ts')], {
        env: { ...process.env, FLUXRIG_CHILD_TEMPORAL_ADDRESS: settings.address, FLUXRIG_CHILD_TEMPORAL_NAMESPACE: settings.namespace, FLUXRIG_CHILD_RACK: rack },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      const lines = createInterface({ input: child.stdout! });
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (line) => line === 'ready' && resolve());
        child.once('exit', (code) => reject(new Error(`worker child exited with ${code}`)));
      });
      return child;
    };
    const stan = '000202';
    let acknowledge = false;
    issuer.decide = (m) => ((m.fields as Record<string, unknown>)['11'] === stan && m.mti !== '0100' && acknowledge ? '00' : undefined);
    const first = await spawnWorker();
    const label = unique('acquirer');
    const { workflowId } = await startFlow({ client: flows.client, rack, plan: planFor(label), envelope: testEnvelope(authorization(stan), { type: 'fluxrig.iso8583.message' }) });
    await issuer.until(() => mtisFor(stan).filter((m) => m === '0401').length >= 1);
    first.kill('SIGKILL');
    await once(first, 'exit');
    const beforeRestart = mtisFor(stan).length;
    await spawnWorker();
    await issuer.until(() => mtisFor(stan).length >= beforeRestart + 1);
    acknowledge = true;
    const err = (await flowResult(flows.client, workflowId).catch((e: unknown) => e)) as RigError;
    assert.equal(err.code, 'FLOW_FAILED');
    const seen = mtisFor(stan);
    assert.equal(seen[0], '0100');
    assert.equal(seen[1], '0400');
    assert.ok(seen.length > beforeRestart, 'reversal repeats continued on the new worker');
    assert.ok(seen.slice(2).every((m) => m === '0401'), `repeats are 0401: ${seen.join(' ')}`);
    const settled = seen.length;
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(mtisFor(stan).length, settled, 'no reversal is sent after the 0410');
    assert.equal(sink.received.filter((r) => r.label === label).length, 1, 'the acquirer was answered once');
  });
});
