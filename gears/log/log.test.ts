import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { descriptor } from './index.ts';

describe('log gear', () => {
  it('logs each message at the configured level, bytes by length', async () => {
    const h = gearHarness(descriptor, { level: 'warn', message: 'seen' });
    const sent = await h.send('in', new Uint8Array(12), { key: 'k' });
    assert.equal(h.logs.length, 1);
    assert.equal(h.logs[0]?.level, 'warn');
    assert.equal(h.logs[0]?.message, 'seen');
    assert.deepEqual(h.logs[0]?.entry, { id: sent.id, type: 'fluxrig.message', key: 'k', headers: undefined, data: { bytes: 12 } });
  });
});
