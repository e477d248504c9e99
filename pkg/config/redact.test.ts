import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from './load.ts';
import { redactedEntries, redactedTree } from './redact.ts';

describe('redaction', () => {
  const loaded = loadConfig({
    text: '[nats]\nurl = "nats://app:pw123@nats:4222"\ntoken = "tok-123"\n[mixer]\napi_token = "abc"\n',
    env: { FLUXRIG_TEMPORAL_API_KEY: 'key-9' },
  });
  it('shows set secrets as *** whatever layer set them', () => {
    const tree = redactedTree(loaded);
    assert.equal(tree.nats?.token, '***');
    assert.equal(tree.mixer?.api_token, '***');
    assert.equal(tree.temporal?.api_key, '***');
  });
  it('leaves unset secrets empty so you can see they are unset', () => {
    assert.equal(redactedTree(loaded).nats?.password, '');
  });
  it('hides passwords in URL user-info', () => {
    assert.equal(redactedTree(loaded).nats?.url, 'nats://app:***@nats:4222');
  });
  it('no printed entry contains a secret value', () => {
    const printed = JSON.stringify(redactedEntries(loaded));
    for (const value of ['pw123', 'tok-123', 'abc', 'key-9']) assert.ok(!printed.includes(`"${value}"`) && !printed.includes(value), value);
  });
  it('carries the source of each entry', () => {
    const entry = redactedEntries(loaded).find((row) => row.key === 'temporal.api_key');
    assert.deepEqual(entry, { key: 'temporal.api_key', value: '***', source: 'env', where: 'FLUXRIG_TEMPORAL_API_KEY', secret: true });
  });
});
