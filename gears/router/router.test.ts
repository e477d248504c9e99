import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { descriptor } from './index.ts';

const byBin = {
  routes: [
    { name: 'visa', when: '$substring(fields."2", 0, 1) = "4"' },
    { name: 'mastercard', when: '$number($substring(fields."2", 0, 2)) in [51,52,53,54,55]' },
    { name: 'large', when: '$number(fields."4") > 100000' },
  ],
};

describe('router gear', () => {
  it('sends each message to the first route whose condition holds', async () => {
    const h = gearHarness(descriptor, byBin);
    await h.send('in', { fields: { 2: '4111111111111111', 4: '000000999999' } });
    await h.send('in', { fields: { 2: '5500000000000004', 4: '000000000100' } });
    await h.send('in', { fields: { 2: '6011000000000004', 4: '000000000100' } });
    assert.equal(h.out('visa').length, 1);
    assert.equal(h.out('mastercard').length, 1);
    assert.equal(h.out('large').length, 0, 'first match wins');
    assert.equal(h.out('default').length, 1);
  });

  it('copies to every matching route in mode all', async () => {
    const h = gearHarness(descriptor, { ...byBin, mode: 'all' });
    const sent = await h.send('in', { fields: { 2: '4111111111111111', 4: '000000999999' } });
    assert.deepEqual([h.out('visa')[0]?.id, h.out('large')[0]?.id], [sent.id, sent.id]);
  });

  it('goes on past conditions that answer asynchronously, and rejects when a condition fails', async () => {
    // `$count` is outside the synchronous JSONata subset: its condition answers with a promise.
    const h = gearHarness(descriptor, {
      routes: [
        { name: 'none', when: 'kind = "never"' },
        { name: 'many', when: '$count(items) > 2' },
        { name: 'rest', when: 'true' },
      ],
    });
    await h.send('in', { items: [1, 2, 3] });
    await h.send('in', { items: [] });
    assert.deepEqual([h.out('none').length, h.out('many').length, h.out('rest').length], [0, 1, 1]);
    const failing = gearHarness(descriptor, { routes: [{ name: 'x', when: 'kind = "a"' }, { name: 'y', when: '$error("no route for you")' }] });
    await assert.rejects(failing.send('in', { kind: 'b' }), /no route for you/);
    assert.equal(failing.out('default').length, 0);
  });

  it('reads headers through $headers', async () => {
    const h = gearHarness(descriptor, { routes: [{ name: 'web', when: '$headers.channel = "web"' }] });
    await h.send('in', {}, { headers: { channel: 'web' } });
    assert.equal(h.out('web').length, 1);
  });

  it('declares its routes as output ports', () => {
    const ports = descriptor.portsFor?.(descriptor.config.parse(byBin));
    assert.deepEqual(ports?.outputs?.map((p) => p.name), ['visa', 'mastercard', 'large', 'default', 'error']);
  });

  it('rejects reserved and duplicate route names and bad expressions at config time', () => {
    assert.equal(descriptor.config.safeParse({ routes: [{ name: 'default', when: 'true' }] }).success, false);
    assert.equal(descriptor.config.safeParse({ routes: [{ name: 'a', when: 'true' }, { name: 'a', when: 'false' }] }).success, false);
    assert.throws(() => gearHarness(descriptor, { routes: [{ name: 'a', when: 'fields.(' }] }), { code: 'GEAR_EXPRESSION', where: /^routes\[0\]\.when at character \d+$/ });
  });
});
