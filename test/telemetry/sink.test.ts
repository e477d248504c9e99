/**
 * The telemetry pipeline on real parts: OTel SDK → bus exporters → JetStream (real nats-server) →
 * sink → DuckDB file, then read back through the views. Each test tags its records with its own rack
 * id and consumer name, so tests sharing the run's nats-server do not see each other's data.
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SpanStatusCode } from '@opentelemetry/api';
import { type Bus, openBus } from '../../pkg/bus/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { busTelemetryPublisher } from '../../pkg/telemetry/bus-publisher.ts';
import { BatchSequencer } from '../../pkg/telemetry/exporters.ts';
import { startTelemetry } from '../../pkg/telemetry/otel.ts';
import { TelemetrySink } from '../../pkg/telemetry/sink.ts';
import { TelemetryReader } from '../../pkg/telemetry/store/reader.ts';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { useNats } from '../support/engines.ts';
import { generateTraffic } from './generate.ts';

const root = mkdtempSync(join(tmpdir(), 'rig-sink-'));
let url: string;
let bus: Bus;

before(async () => {
  url = (await useNats()).url;
  bus = await openBus({ servers: url, name: 'sink-test', logger: silentLogger() });
  await bus.ensureStreams();
});
after(async () => {
  await bus?.close();
  rmSync(root, { recursive: true, force: true });
});

const unique = () => randomUUID().slice(0, 8);

async function countWhere(dataDir: string, sql: string): Promise<number> {
  const reader = await TelemetryReader.open(dataDir);
  try {
    const result = await reader.query(sql);
    return Number(result.rows[0]?.[0]);
  } finally {
    reader.close();
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('telemetry sink', () => {
  test('spans, messages, logs and metrics from the OTel SDK arrive in the store through the bus, masked', async () => {
    const rack = `rk${unique()}`;
    const dataDir = join(root, rack);
    const writer = await TelemetryWriter.open({ dataDir });
    const sink = await TelemetrySink.start({ bus, writer, log: silentLogger(), durable: `sink-${rack}`, snapshotIntervalMs: 0 });
    const telemetry = startTelemetry({
      serviceName: 'rig-rack',
      role: 'rack',
      rack,
      publisher: busTelemetryPublisher(bus, `rack/${rack}`),
      env: {},
    });
    const authorisations = 250;
    for (let i = 0; i < authorisations; i++) {
      const span = telemetry.tracer.startSpan('iso-parse process', {
        attributes: {
          'messaging.system': 'nats',
          'messaging.destination.name': 'fluxrig.data.card-auth.parsed',
          'messaging.operation.type': 'process',
          'fluxrig.scenario': 'card-auth',
          'fluxrig.gear': 'iso-parse',
          'iso8583.mti': '0100',
          'iso8583.pan': '4111111111111111',
        },
      });
      span.setStatus({ code: SpanStatusCode.OK });
      span.end();
    }
    telemetry.logger.emit({ body: 'declined card 5555555555554444', attributes: { 'fluxrig.gear': 'route' } });
    telemetry.meter.createCounter('fluxrig.messages.processed').add(authorisations, { 'fluxrig.gear': 'iso-parse' });
    await telemetry.shutdown();

    await until(
      async () => (await countWhere(dataDir, `SELECT count(*) FROM spans WHERE rack = '${rack}'`)) === authorisations,
      20_000,
      'spans in the store',
    );
    await sink.stop();
    await writer.close();
    assert.equal(await countWhere(dataDir, `SELECT count(*) FROM messages WHERE rack = '${rack}' AND mti = '0100'`), authorisations);
    assert.equal(await countWhere(dataDir, `SELECT count(*) FROM logs WHERE rack = '${rack}' AND message LIKE 'declined card 555555******4444'`), 1);
    assert.equal(
      await countWhere(dataDir, `SELECT sum(value) FROM metrics WHERE rack = '${rack}' AND name = 'fluxrig.messages.processed'`),
      authorisations,
    );
    const clearPans = await countWhere(
      dataDir,
      `SELECT (SELECT count(*) FROM spans WHERE attributes::VARCHAR LIKE '%4111111111111111%')
            + (SELECT count(*) FROM logs WHERE message LIKE '%5555555555554444%')`,
    );
    assert.equal(clearPans, 0, 'no clear PAN anywhere in the store');
  });

  test('a sink killed mid-stream and restarted stores every batch exactly once', async () => {
    const rack = `rk${unique()}`;
    const dataDir = join(root, rack);
    const durable = `sink-${rack}`;
    const startSink = async (): Promise<ChildProcessWithoutNullStreams> => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/telemetry/run-sink.ts', url, dataDir, durable]);
      await new Promise<void>((resolve, reject) => {
        child.stdout.once('data', () => resolve());
        child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
      });
      return child;
    };
    const stopped = (child: ChildProcessWithoutNullStreams) => new Promise((resolve) => child.once('exit', resolve));

    let sink = await startSink();
    const batches = new BatchSequencer(`producer-${rack}`, busTelemetryPublisher(bus, `rack/${rack}`));
    const batchCount = 120;
    let sent = 0;
    for (let b = 0; b < batchCount; b++) {
      const spans = generateTraffic({ authorisations: 25, startUs: Date.now() * 1000, spreadUs: 1_000_000, seed: b }).spans.map((s) => ({ ...s, rack }));
      await batches.publish('spans', spans);
      sent += spans.length;
      if (b === batchCount / 2) {
        sink.kill('SIGKILL'); // the mixer crashes mid-stream ...
        await stopped(sink);
        sink = await startSink(); // ... and comes back
      }
    }
    const countNow = async () => {
      // Read through a snapshot while the sink runs (the file is locked by it).
      return countWhere(dataDir, `SELECT count(*) FROM spans WHERE rack = '${rack}'`);
    };
    try {
      // Batches the killed sink had taken but not acked come back after the consumer's ack wait (30 s).
      await until(async () => (await countNow()) >= sent, 75_000, `${sent} spans`);
    } finally {
      sink.kill('SIGTERM');
      await stopped(sink);
    }
    assert.equal(await countNow(), sent, 'every span exactly once');
    assert.equal(
      await countWhere(dataDir, `SELECT count(*) FROM (SELECT span_id FROM spans WHERE rack = '${rack}' GROUP BY span_id HAVING count(*) > 1)`),
      0,
      'no duplicates',
    );
  });
});
