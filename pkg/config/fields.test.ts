import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configFields, configSections, fieldsByEnvVar, fieldsByPath } from './fields.ts';

describe('config fields', () => {
  it('covers the sections the product needs', () => {
    assert.deepEqual(
      configSections.map((section) => section.name),
      ['node', 'log', 'nats', 'temporal', 'mixer', 'rack', 'telemetry', 'iso8583'],
    );
  });
  it('names env variables FLUXRIG_<SECTION>_<KEY>', () => {
    assert.equal(fieldsByPath.get('node.data_dir')?.envVar, 'FLUXRIG_NODE_DATA_DIR');
    assert.equal(fieldsByEnvVar.get('FLUXRIG_TEMPORAL_TASK_QUEUE_PREFIX')?.path, 'temporal.task_queue_prefix');
  });
  it('gives every field a description and a default', () => {
    for (const field of configFields) {
      assert.ok(field.description.length > 0, `${field.path} has no description`);
      assert.notEqual(field.defaultValue, undefined, `${field.path} has no default`);
    }
  });
  it('marks tokens, passwords and keys secret, and nothing else', () => {
    const secrets = configFields.filter((field) => field.secret).map((field) => field.path);
    assert.deepEqual(secrets, ['nats.password', 'nats.token', 'temporal.api_key', 'mixer.api_token']);
  });
  it('keeps defaults in their written form', () => {
    assert.equal(fieldsByPath.get('rack.heartbeat_interval')?.defaultValue, '5s');
    assert.match(fieldsByPath.get('rack.heartbeat_interval')?.typeName ?? '', /^duration/);
  });
});
