/**
 * The sink in its own thread (pkg/telemetry/sink-thread.ts) on real parts: batches published on a real
 * nats-server land in a real DuckDB file through the thread; start-up errors come back as the thread's
 * own RigError; a thread that dies is started again.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import { RigError } from '../../pkg/errors/index.ts';
import { createStreamLogger, silentLogger } from '../../pkg/log/index.ts';
import { busTelemetryPublisher } from '../../pkg/telemetry/bus-publisher.ts';
import { BatchSequencer } from '../../pkg/telemetry/exporters.ts';
import { startSinkThread } from '../../pkg/telemetry/sink-thread.ts';
import { TelemetryReader } from '../../pkg/telemetry/store/reader.ts';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { useNats } from '../support/engines.ts';
import { eventually } from '../support/fluxrig-node.ts';
import { generateTraffic } from './generate.ts';

const root = mkdtempSync(join(tmpdir(), 'rig-sink-thread-'));
let url: string;
let bus: Bus;

before(async () => {
  url = (await useNats()).url;
  bus = await openBus({ servers: url, name: 'sink-thread-test', logger: silentLogger() });
  await bus.ensureStreams();
});
after(async () => {
  await bus?.close();
  rmSync(root, { recursive: true, force: true });
});

/** A logger whose finished lines the test can read back. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = createStreamLogger({ write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) }, { level: 'debug' });
  return { logger, lines };
}

async function countSpans(dataDir: string, rack: string): Promise<number> {
  const reader = await TelemetryReader.open(dataDir);
  try {
    return Number((await reader.query(`SELECT count(*) FROM spans WHERE rack = '${rack}'`)).rows[0]?.[0]);
  } finally {
    reader.close();
  }
}

/** A sink thread whose module is dying-sink-worker.ts (its first thread dies right after ready). */
async function startDyingSink(timing: { restartDelayMs: number; stopTimeoutMs?: number }) {
  const dataDir = join(root, `dies${randomUUID().slice(0, 8)}`);
  mkdirSync(dataDir, { recursive: true });
  const { logger, lines } = recordingLogger();
  const sink = await startSinkThread({
    bus: { servers: url, name: 'unused' },
    writer: { dataDir },
    logger,
    ...timing,
    module: new URL('./dying-sink-worker.ts', import.meta.url),
  });
  return { sink, lines };
}

describe('telemetry sink thread', () => {
  test('batches on the bus land in the store; stop reports what the thread committed; its log lines reach the node logger', async () => {
    const rack = `st${randomUUID().slice(0, 8)}`;
    const dataDir = join(root, rack);
    const { logger, lines } = recordingLogger();
    const sink = await startSinkThread({ bus: { servers: url, name: `sink-${rack}` }, writer: { dataDir }, sink: { durable: `sink-${rack}`, snapshotIntervalMs: 0 }, logger });
    const batches = new BatchSequencer(`producer-${rack}`, busTelemetryPublisher(bus, `rack/${rack}`));
    let sent = 0;
    for (let b = 0; b < 20; b++) {
      const spans = generateTraffic({ authorisations: 10, startUs: Date.now() * 1000, spreadUs: 1_000_000, seed: b }).spans.map((span) => ({ ...span, rack }));
      await batches.publish('spans', spans);
      sent += spans.length;
    }
    await eventually(async () => ((await countSpans(dataDir, rack)) === sent ? true : undefined), 20_000, `${sent} spans in the store`);
    const stats = await sink.stop();
    // The stream is shared with the run's other tests: a new durable also takes their batches.
    assert.ok(stats.batches >= 20 && stats.rows >= sent && stats.flushes >= 1, JSON.stringify(stats));
    assert.equal(await countSpans(dataDir, rack), sent, 'nothing more, nothing less after stop');
    const connected = lines.find((line) => line.msg === 'nats connected');
    assert.ok(connected, 'the thread logged its bus connection');
    assert.equal(connected.thread, 'telemetry-sink');
    assert.equal(connected.bus, `sink-${rack}`);
    // Stopped means closed: the store opens again at once.
    await (await TelemetryWriter.open({ dataDir })).close();
  });

  test('an unreachable NATS fails the start with the bus error, and leaves the store closed', async () => {
    const dataDir = join(root, `down${randomUUID().slice(0, 8)}`);
    await assert.rejects(
      startSinkThread({ bus: { servers: 'nats://127.0.0.1:1', name: 'sink-down', connectTimeoutMs: 2_000 }, writer: { dataDir }, logger: silentLogger() }),
      (error: unknown) => {
        assert.ok(error instanceof RigError);
        assert.equal(error.code, 'BUS_CONNECT');
        assert.match(error.message, /nats:\/\/127\.0\.0\.1:1/);
        assert.match(error.hint ?? '', /nats-server/);
        return true;
      },
    );
    await (await TelemetryWriter.open({ dataDir })).close();
  });

  test('a thread that dies is started again, and stop then reaches the new one', async () => {
    const { sink, lines } = await startDyingSink({ restartDelayMs: 20 });
    await eventually(async () => lines.find((line) => line.msg === 'telemetry sink thread restarted'), 10_000, 'the restart');
    const died = lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('telemetry sink thread died'));
    assert.equal(died?.reason, 'thread exited with code 3');
    assert.equal(died?.level, 'error');
    assert.equal((await sink.stop()).batches, 7, 'the stats of the restarted thread');
  });

  test('stop between a death and the restart ends at once: nothing runs, nothing is restarted', async () => {
    const { sink, lines } = await startDyingSink({ restartDelayMs: 60_000, stopTimeoutMs: 60_000 });
    await eventually(async () => lines.find((line) => typeof line.msg === 'string' && line.msg.startsWith('telemetry sink thread died')), 10_000, 'the death');
    const started = Date.now();
    assert.deepEqual(await sink.stop(), { batches: 0, rows: 0, duplicateBatches: 0, flushes: 0 });
    assert.ok(Date.now() - started < 5_000, 'neither the restart delay nor the stop timeout was waited out');
    assert.equal(lines.filter((line) => line.msg === 'telemetry sink thread restarted').length, 0);
  });
});
