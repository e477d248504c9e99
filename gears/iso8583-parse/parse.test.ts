import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gearHarness } from '../../pkg/gear/harness.ts';
import { builtinSpec, pack } from '../../pkg/iso8583/index.ts';
import { descriptor } from './index.ts';

const spec = builtinSpec('iso87ascii');
const echo = { mti: '0800', fields: { 7: '1123120000', 11: '000042', 70: '301' } };
const echoBytes = Buffer.from(pack(echo, spec));

describe('iso8583-parse gear', () => {
  it('decodes bytes into { mti, fields } on out', async () => {
    const h = gearHarness(descriptor, {});
    await h.send('in', echoBytes);
    const [out] = h.out('out');
    assert.deepEqual(out?.data, echo);
    assert.equal(out?.type, 'fluxrig.iso8583.message');
  });

  it('sets the correlation key as subject and header', async () => {
    const h = gearHarness(descriptor, { correlation: { fields: [11] } });
    await h.send('in', echoBytes);
    const [out] = h.out('out');
    assert.equal(out?.subject, '0810|11=000042');
    assert.equal(out?.headers?.['iso8583-correlation'], '0810|11=000042');
  });

  it('sends bytes that do not decode to error, unchanged, with the reason and the place', async () => {
    const h = gearHarness(descriptor, {});
    const truncated = echoBytes.subarray(0, echoBytes.length - 2);
    await h.send('in', truncated);
    assert.equal(h.out('out').length, 0);
    const [error] = h.out('error');
    assert.deepEqual(error?.data, truncated);
    assert.equal(error?.headers?.reason, 'invalid-message');
    assert.equal(error?.headers?.['error-code'], 'ISO_TRUNCATED');
    assert.match(error?.headers?.error ?? '', /DE 70/);
  });

  it('splits off a fixed header (TPDU) and passes it on as a header', async () => {
    const h = gearHarness(descriptor, { header_length: 5 });
    await h.send('in', Buffer.concat([Buffer.from('6000010002', 'hex'), echoBytes]));
    const [out] = h.out('out');
    assert.equal(out?.headers?.['iso8583-frame-header'], '6000010002');
    assert.equal((out?.data as { mti?: string } | undefined)?.mti, '0800');
  });

  it('decodes with another builtin spec when configured', async () => {
    const binary = builtinSpec('iso87binary');
    const h = gearHarness(descriptor, { spec: 'iso87binary' });
    await h.send('in', Buffer.from(pack(echo, binary)));
    assert.deepEqual(h.out('out')[0]?.data, echo);
  });

  it('loads a spec from a file path', async () => {
    const h = gearHarness(descriptor, { spec: join(import.meta.dirname, '../../configs/specs/iso87binary.yaml') });
    await h.send('in', Buffer.from(pack(echo, builtinSpec('iso87binary'))));
    assert.deepEqual(h.out('out')[0]?.data, echo);
  });

  it('a spec path that does not exist is ISO_SPEC_NOT_FOUND', () => {
    assert.throws(() => gearHarness(descriptor, { spec: 'specs/missing.yaml' }), { code: 'ISO_SPEC_NOT_FOUND' });
  });

  it('refuses a payload that is not bytes', async () => {
    const h = gearHarness(descriptor, {});
    await assert.rejects(h.send('in', 'not bytes'), { code: 'ISO_GEAR_INPUT' });
  });

  it('refuses an unknown spec name at creation', () => {
    assert.throws(() => gearHarness(descriptor, { spec: 'iso87asci' }), { code: 'ISO_UNKNOWN_SPEC' });
  });

  it('rejects unknown config keys', () => {
    assert.throws(() => descriptor.config.parse({ spek: 'iso87ascii' }));
  });
});
