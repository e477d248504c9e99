import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { descriptor as filter } from '../filter/index.ts';
import { descriptor as transform } from './index.ts';

describe('transform gear', () => {
  it('reshapes data and keeps key, headers and trace', async () => {
    const h = gearHarness(transform, { expression: '{ "amount": $number(fields."4") / 100, "currency": fields."49" }', type: 'payment.summary' });
    await h.send('in', { fields: { 4: '000000012345', 49: '978' } }, { key: 'T1', headers: { a: 'b' }, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const [out] = h.out('out');
    assert.deepEqual(out?.data, { amount: 123.45, currency: '978' });
    assert.equal(out?.type, 'payment.summary');
    assert.equal(out?.key, 'T1');
    assert.deepEqual(out?.headers, { a: 'b' });
    assert.equal(out?.traceparent, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });

  it('treats an expression that selects nothing as an error', async () => {
    const h = gearHarness(transform, { expression: 'missing.field' });
    await assert.rejects(h.send('in', { other: 1 }), { code: 'TRANSFORM_EMPTY' });
  });
});

describe('filter gear', () => {
  it('passes matching messages and rejects the rest', async () => {
    const h = gearHarness(filter, { condition: '$number(fields."4") < 100000' });
    await h.send('in', { fields: { 4: '000000000500' } });
    await h.send('in', { fields: { 4: '000009999999' } });
    assert.equal(h.out('out').length, 1);
    assert.equal(h.out('rejected').length, 1);
  });
});
