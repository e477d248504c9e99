import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { builtinSpec, unpack } from '../../pkg/iso8583/index.ts';
import { descriptor as parse } from '../iso8583-parse/index.ts';
import { descriptor } from './index.ts';

const spec = builtinSpec('iso87ascii');
const purchase = {
  mti: '0200',
  fields: { 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000001', 41: 'TERM0001' },
};

describe('iso8583-build gear', () => {
  it('encodes { mti, fields } into bytes that decode back to the same message', async () => {
    const h = gearHarness(descriptor, {});
    await h.send('in', purchase);
    const [out] = h.out('out');
    assert.ok(out?.data instanceof Uint8Array);
    assert.deepEqual(unpack(out.data as Uint8Array, spec), purchase);
    assert.equal(out.datacontenttype, 'application/octet-stream');
  });

  it('parse then build gives back the very same bytes', async () => {
    const build = gearHarness(descriptor, {});
    await build.send('in', purchase);
    const bytes = build.out('out')[0]?.data as Uint8Array;
    const parsed = gearHarness(parse, {});
    await parsed.send('in', bytes);
    const again = gearHarness(descriptor, {});
    await again.send('in', parsed.out('out')[0]?.data);
    assert.deepEqual(Buffer.from(again.out('out')[0]?.data as Uint8Array), Buffer.from(bytes));
  });

  it('accepts field keys as strings (the JSON/CBOR form)', async () => {
    const h = gearHarness(descriptor, {});
    await h.send('in', { mti: '0800', fields: { '11': '000001', '70': '301' } });
    assert.equal(h.out('out').length, 1);
  });

  it('sends a message the codec refuses to error, naming the field', async () => {
    const h = gearHarness(descriptor, {});
    await h.send('in', { mti: '0200', fields: { ...purchase.fields, 4: '12345678901234' } });
    assert.equal(h.out('out').length, 0);
    const [error] = h.out('error');
    assert.equal(error?.headers?.reason, 'invalid-message');
    assert.match(error?.headers?.error ?? '', /DE 4/);
  });

  it('sends a payload that is not a message to error', async () => {
    const h = gearHarness(descriptor, {});
    await h.send('in', 'hello');
    assert.equal(h.out('error')[0]?.headers?.['error-code'], 'ISO_GEAR_INPUT');
  });

  it('writes the frame header from the iso8583-frame-header header in front', async () => {
    const h = gearHarness(descriptor, { header_length: 5 });
    await h.send('in', purchase, { headers: { 'iso8583-frame-header': '6000020001' } });
    const bytes = Buffer.from(h.out('out')[0]?.data as Uint8Array);
    assert.equal(bytes.subarray(0, 5).toString('hex'), '6000020001');
    assert.deepEqual(unpack(bytes.subarray(5), spec), purchase);
  });

  it('a missing frame header is an error, not a guess', async () => {
    const h = gearHarness(descriptor, { header_length: 5 });
    await h.send('in', purchase);
    assert.equal(h.out('error')[0]?.headers?.['error-code'], 'ISO_FRAME_HEADER');
  });
});
