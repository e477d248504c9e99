import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { descriptor } from './index.ts';

describe('generator gear', () => {
  it('emits count messages at the interval with a sequence', async () => {
    const h = gearHarness(descriptor, { interval: '10ms', count: 3, expression: '{ "n": seq * 10 }' });
    await h.instance.start?.();
    const out = await h.waitFor('out', 3);
    await h.stop();
    assert.deepEqual(out.map((m) => m.data), [{ n: 10 }, { n: 20 }, { n: 30 }]);
    assert.deepEqual(out.map((m) => m.headers?.seq), ['1', '2', '3']);
  });

  it('stops an unbounded generator when the host stops it', async () => {
    const h = gearHarness(descriptor, { interval: '5ms', data: { ping: true } });
    await h.instance.start?.();
    await h.waitFor('out', 2);
    await h.stop();
    const seen = h.out('out').length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(h.out('out').length, seen);
  });
});
