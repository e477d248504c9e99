/**
 * The FLUXRIG_* streams on a private nats-server (these tests create the real stream names and edit
 * their limits, which must not disturb other test files sharing the run's server).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nanos } from '@nats-io/transport-node';
import type { BusConnection } from '../../pkg/bus/connection.ts';
import { publishDurable } from '../../pkg/bus/publish.ts';
import { ensureStreams, STREAM_SPECS } from '../../pkg/bus/streams.ts';
import { RigError } from '../../pkg/errors/index.ts';
import { type NatsHandle, startNats } from '../../pkg/supervise/index.ts';
import { dataSubject, dlqSubject } from '../../pkg/wire/subjects.ts';
import { connect, envelope, memoryLogger } from './support.ts';

let nats: NatsHandle;
let bus: BusConnection;
const log = memoryLogger();

before(async () => {
  nats = await startNats({ dataDir: mkdtempSync(join(tmpdir(), 'fluxrig-bus-streams-')), ephemeral: true });
  bus = await connect(nats.url, log.logger);
});

after(async () => {
  await bus.close();
  await nats.stop();
});

describe('FLUXRIG streams', () => {
  test('first start creates all five streams with the documented subjects and limits', async () => {
    const reports = await ensureStreams(bus);
    assert.deepEqual(
      reports.map((report) => [report.name, report.action]),
      [
        ['FLUXRIG_CONTROL', 'created'],
        ['FLUXRIG_DATA', 'created'],
        ['FLUXRIG_EVENTS', 'created'],
        ['FLUXRIG_TELEMETRY', 'created'],
        ['FLUXRIG_DLQ', 'created'],
      ],
    );
    const data = (await bus.jsm.streams.info('FLUXRIG_DATA')).config;
    assert.deepEqual(data.subjects, ['fluxrig.data.>']);
    assert.equal(data.max_age, nanos(STREAM_SPECS.data.maxAgeMs));
    assert.equal(data.max_bytes, STREAM_SPECS.data.maxBytes);
    assert.equal(data.max_msgs, STREAM_SPECS.data.maxMsgs);
    assert.equal(data.duplicate_window, nanos(STREAM_SPECS.data.duplicateWindowMs));
    assert.equal(data.storage, 'file');
    assert.equal(data.no_ack ?? false, false, 'data publishes are acknowledged');
    assert.equal((await bus.jsm.streams.info('FLUXRIG_CONTROL')).config.no_ack, true, 'control is recorded, never acked');
  });

  test('a second start changes nothing', async () => {
    const reports = await ensureStreams(bus);
    assert.ok(reports.every((report) => report.action === 'unchanged'), JSON.stringify(reports));
  });

  test('limits edited behind our back are set back, and the drift is reported and logged', async () => {
    const current = (await bus.jsm.streams.info('FLUXRIG_EVENTS')).config;
    await bus.jsm.streams.update('FLUXRIG_EVENTS', { ...current, max_msgs: 5, max_age: nanos(3_600_000) });
    const reports = await ensureStreams(bus);
    const events = reports.find((report) => report.name === 'FLUXRIG_EVENTS');
    assert.deepEqual(events, { name: 'FLUXRIG_EVENTS', action: 'updated', drift: ['max_age', 'max_msgs'] });
    const repaired = (await bus.jsm.streams.info('FLUXRIG_EVENTS')).config;
    assert.equal(repaired.max_msgs, STREAM_SPECS.events.maxMsgs);
    assert.ok(log.lines().some((line) => line.msg === 'stream limits drifted; updated' && line.stream === 'FLUXRIG_EVENTS'));
  });

  test('overrides from config win over the defaults', async () => {
    const reports = await ensureStreams(bus, { telemetry: { maxAgeMs: 3_600_000 } });
    assert.deepEqual(reports.find((report) => report.name === 'FLUXRIG_TELEMETRY')?.drift, ['max_age']);
    assert.equal((await bus.jsm.streams.info('FLUXRIG_TELEMETRY')).config.max_age, nanos(3_600_000));
  });

  test('a stream with immutable settings fluxrig cannot repair is BUS_STREAM_DRIFT, not silently accepted', async () => {
    await bus.jsm.streams.delete('FLUXRIG_DLQ');
    await bus.jsm.streams.add({ name: 'FLUXRIG_DLQ', subjects: ['fluxrig.dlq.>'], storage: 'memory' });
    await assert.rejects(
      ensureStreams(bus),
      (error: unknown) => error instanceof RigError && error.code === 'BUS_STREAM_DRIFT' && error.where === 'FLUXRIG_DLQ',
    );
  });

  test('data and DLQ subjects built by pkg/wire land in their streams', async () => {
    await bus.jsm.streams.delete('FLUXRIG_DLQ');
    await ensureStreams(bus);
    const receipt = await publishDurable(bus, dataSubject('s1', 'w1'), envelope(1));
    assert.equal(receipt.stream, 'FLUXRIG_DATA');
    const dead = await publishDurable(bus, dlqSubject('c1'), envelope(2));
    assert.equal(dead.stream, 'FLUXRIG_DLQ');
  });
});
