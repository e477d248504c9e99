/**
 * startTelemetryRuntime on real parts: an all-in-one process traces a message, and the span lands in
 * its own store through the bus and the sink thread; with telemetry disabled nothing is opened.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import { loadConfig } from '../../pkg/config/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { startTelemetryRuntime } from '../../pkg/telemetry/runtime.ts';
import { TelemetryReader } from '../../pkg/telemetry/store/reader.ts';
import { useNats } from '../support/engines.ts';

const root = mkdtempSync(join(tmpdir(), 'rig-telemetry-runtime-'));
let bus: Bus;
let url: string;
before(async () => {
  url = (await useNats()).url;
  bus = await openBus({ servers: url, name: 'runtime-test', logger: silentLogger() });
  await bus.ensureStreams();
});
after(async () => {
  await bus?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('startTelemetryRuntime', () => {
  test('all-in-one: a span traced in the process is stored by its own sink', async () => {
    const rack = `rt${randomUUID().slice(0, 8)}`;
    const { config } = loadConfig({ env: { FLUXRIG_NODE_DATA_DIR: join(root, rack) }, cwd: root });
    const runtime = await startTelemetryRuntime({ config, bus, sinkBus: { servers: url, name: `sink-${rack}` }, role: 'all-in-one', rack, log: silentLogger(), env: {}, cwd: root });
    try {
      assert.ok(runtime.sink);
      runtime.telemetry.tracer.startSpan('route process', { attributes: { 'fluxrig.gear': 'route' } }).end();
      await runtime.telemetry.forceFlush();
      const deadline = Date.now() + 20_000;
      let rows: unknown[][] = [];
      while (rows.length === 0 && Date.now() < deadline) {
        const reader = await TelemetryReader.open(join(root, rack));
        rows = (await reader.query(`SELECT name, gear, rack, service FROM spans WHERE rack = '${rack}'`).finally(() => reader.close())).rows;
        if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.deepEqual(rows, [['route process', 'route', rack, 'rig-all-in-one']]);
    } finally {
      await runtime.stop();
    }
  });

  test('FLUXRIG_DISABLE_TELEMETRY=1: no store, no sink, no-op tracer', async () => {
    const dataDir = join(root, 'off');
    const { config } = loadConfig({ env: { FLUXRIG_NODE_DATA_DIR: dataDir }, cwd: root });
    const runtime = await startTelemetryRuntime({ config, bus, role: 'mixer', log: silentLogger(), env: { FLUXRIG_DISABLE_TELEMETRY: '1' }, cwd: root });
    await runtime.stop();
    assert.equal(runtime.telemetry.enabled, false);
    assert.equal(runtime.sink, undefined);
    assert.equal(existsSync(join(dataDir, 'telemetry')), false);
  });
});
