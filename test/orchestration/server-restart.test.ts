/**
 * The reversal loop survives a restart of the Temporal server itself: a private dev server (its own
 * SQLite file, fixed port) is stopped while 0401 repeats are going on and started again on the same
 * state; the same worker process reconnects, the repeats resume, and the loop stops at the 0410.
 * This test starts its own server (pkg/supervise) because it must stop it; it never touches the shared one.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gearCatalogue } from '../../gears/catalogue.ts';
import type { RigError } from '../../pkg/errors/index.ts';
import { connectFlowClient } from '../../pkg/orchestration/client.ts';
import { flowResult, startFlow } from '../../pkg/orchestration/flows.ts';
import { iso8583ReversalPlan } from '../../pkg/orchestration/templates/iso8583-reversal.ts';
import { createFlowWorker } from '../../pkg/orchestration/worker.ts';
import { freePort, startTemporal } from '../../pkg/supervise/index.ts';
import type { TemporalHandle } from '../../pkg/supervise/index.ts';
import { testCatalogue } from './gears.ts';
import { startScriptedIssuer } from './iso-issuer.ts';
import { startSink } from './sink.ts';
import { testEnvelope, unique } from './support.ts';

describe('Temporal server restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fluxrig-orch-restart-'));
  let server: TemporalHandle | undefined;
  after(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a reversal loop in progress resumes after the server restarts and stops at the 0410', async () => {
    const port = await freePort();
    server = await startTemporal({ dataDir, port });
    const settings = { address: server.address, namespace: server.namespace };
    const issuer = await startScriptedIssuer();
    const sink = await startSink();
    const rack = unique('rack');
    const worker = await createFlowWorker({ settings, rack, catalogue: [...gearCatalogue, ...testCatalogue], shutdownGraceTime: '2s' });
    const running = worker.run();
    let flows = await connectFlowClient(settings);
    try {
      const stan = '000303';
      let acknowledge = false;
      issuer.decide = (m) => (m.mti !== '0100' && acknowledge ? '00' : undefined);
      const plan = iso8583ReversalPlan({
        flow: unique('reversal'),
        scenario: 'test',
        issuer: { host: '127.0.0.1', port: issuer.port, connect_timeout_ms: 2000 },
        responseTimeoutMs: 700,
        reversalRetry: { initialInterval: '300ms', backoff: 1, maximumInterval: '300ms' },
        respond: { gear: 'test-http-post', config: { url: sink.url, label: 'acquirer' } },
      });
      const request = {
        mti: '0100',
        fields: { 2: '4111111111111111', 3: '000000', 4: '000000000500', 7: '1123191500', 11: stan, 32: '123456', 37: '000000000303', 41: 'TERM0001', 49: '840' },
      };
      const { workflowId } = await startFlow({ client: flows.client, rack, plan, envelope: testEnvelope(request) });
      await issuer.until(() => issuer.received.some((m) => m.mti === '0401'));

      await flows.close();
      await server.stop();
      const duringOutage = issuer.received.length;
      server = await startTemporal({ dataDir, port });
      flows = await connectFlowClient(settings);

      await issuer.until(() => issuer.received.length >= duringOutage + 2, 60_000);
      acknowledge = true;
      const err = (await flowResult(flows.client, workflowId).catch((e: unknown) => e)) as RigError;
      assert.equal(err.code, 'FLOW_FAILED');
      const mtis = issuer.received.map((m) => m.mti);
      assert.deepEqual(mtis.slice(0, 2), ['0100', '0400']);
      assert.ok(mtis.slice(2).every((m) => m === '0401'), mtis.join(' '));
      assert.deepEqual(
        ((err.details?.history ?? []) as { step: string; state: string }[]).map((r) => [r.step, r.state]),
        [
          ['authorize', 'failed'],
          ['answer-timeout', 'completed'],
          ['reverse', 'completed'],
        ],
      );
      assert.equal(sink.received.length, 1, 'the acquirer was answered once');
    } finally {
      await worker.shutdown();
      await running;
      await flows.close();
      await issuer.close();
      await sink.close();
    }
  });
});
