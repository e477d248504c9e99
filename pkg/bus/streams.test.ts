import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nanos } from '@nats-io/transport-node';
import { configDrift, STREAM_SPECS, streamSpecs } from './streams.ts';

const data = STREAM_SPECS.data;
const inSync = {
  subjects: ['fluxrig.data.>'],
  description: data.description,
  max_age: nanos(data.maxAgeMs),
  max_bytes: data.maxBytes,
  max_msgs: data.maxMsgs,
  max_msg_size: data.maxMsgSize,
  duplicate_window: nanos(data.duplicateWindowMs),
  discard: 'old' as const,
  num_replicas: 1,
};

test('a config matching the spec has no drift', () => {
  assert.deepEqual(configDrift(inSync, data), []);
});

test('subject order does not count as drift, a missing subject does', () => {
  const two = { ...data, subjects: ['a.>', 'b.>'] };
  assert.deepEqual(configDrift({ ...inSync, subjects: ['b.>', 'a.>'] }, two), []);
  assert.deepEqual(configDrift({ ...inSync, subjects: ['a.>'] }, two), ['subjects']);
});

test('every changed limit is named', () => {
  assert.deepEqual(configDrift({ ...inSync, max_bytes: 1, duplicate_window: nanos(1) }, data), [
    'max_bytes',
    'duplicate_window',
  ]);
});

test('the five families map to the five documented streams and subject filters', () => {
  assert.deepEqual(
    streamSpecs().map((spec) => [spec.name, spec.subjects]),
    [
      ['FLUXRIG_CONTROL', ['fluxrig.control.>']],
      ['FLUXRIG_DATA', ['fluxrig.data.>']],
      ['FLUXRIG_EVENTS', ['fluxrig.events.>']],
      ['FLUXRIG_TELEMETRY', ['fluxrig.telemetry.>']],
      ['FLUXRIG_DLQ', ['fluxrig.dlq.>']],
    ],
  );
});

test('overrides replace only the fields they name', () => {
  const telemetry = streamSpecs({ telemetry: { maxBytes: 42 } }).find((spec) => spec.name === 'FLUXRIG_TELEMETRY');
  assert.equal(telemetry?.maxBytes, 42);
  assert.equal(telemetry?.maxAgeMs, STREAM_SPECS.telemetry.maxAgeMs);
});

test('every stream keeps its duplicate window inside its max age (JetStream refuses otherwise)', () => {
  for (const spec of streamSpecs()) assert.ok(spec.duplicateWindowMs <= spec.maxAgeMs, spec.name);
});

test('the control stream records without acking, and a control stream that acks is drift', () => {
  const control = STREAM_SPECS.control;
  assert.equal(control.noAck, true);
  const acking = { ...inSync, subjects: control.subjects, description: control.description, max_age: nanos(control.maxAgeMs), max_bytes: control.maxBytes, max_msgs: control.maxMsgs };
  assert.deepEqual(configDrift(acking, control), ['no_ack']);
  assert.deepEqual(configDrift({ ...acking, no_ack: true }, control), []);
});
