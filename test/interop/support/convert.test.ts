/**
 * The representation rules the interop checks rely on (convert.ts): they must keep different contents
 * different and map each codec's way of holding a value to the same canonical form.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinSpec } from '../../../pkg/iso8583/index.ts';
import {
  canonicalFromFlux,
  canonicalFromOracle,
  canonicalFromVector,
  decodeTlv,
  encodeTlv,
  fluxFromVector,
  oracleFromFlux,
  type Vector,
} from './convert.ts';
import type { Oracle } from './oracles.ts';

const emv = '9F02060000000123455F340102';

function fakeOracle(binaryFields: number[]): Oracle {
  const refuse = () => {
    throw new Error('not called by these tests');
  };
  return { name: 'fake', binaryFields: new Set(binaryFields), unpack: refuse, pack: refuse };
}

function vector(fields: Record<string, string>, binary: Record<string, string>): Vector {
  return { name: 't', source: 't', specs: [], mti: '0200', fields, binary };
}

describe('BER-TLV helpers', () => {
  it('decode then encode gives back the same bytes, with tags as upper-case hex', () => {
    const bytes = Buffer.from(emv, 'hex');
    const items = decodeTlv(bytes);
    assert.deepEqual(
      items.map((i) => i.tag),
      ['9F02', '5F34'],
    );
    assert.equal(Buffer.from(encodeTlv(items)).toString('hex').toUpperCase(), emv);
  });

  it('nests constructed tags and uses long-form lengths above 127 bytes', () => {
    const long = Buffer.alloc(200, 0xab);
    const inner = Buffer.concat([Buffer.from([0x9f, 0x10, 0x81, 200]), long]);
    const bytes = Buffer.concat([Buffer.from([0x70, 0x81, inner.length]), inner]);
    const items = decodeTlv(bytes);
    assert.equal(items[0]?.tag, '70');
    assert.ok(Array.isArray(items[0]?.value));
    assert.deepEqual(Buffer.from(encodeTlv(items)), bytes);
  });

  it('rejects a length running past the end', () => {
    assert.throws(() => decodeTlv(Buffer.from('9F020600', 'hex')), /wants 6 bytes, 1 left/);
  });
});

describe('canonical values', () => {
  it('reads an ASCII-spec oracle text DE 55 as the hex it is, and a binary field as its hex', () => {
    const spec = builtinSpec('iso87ascii');
    const oracle = fakeOracle([52]);
    const canonical = canonicalFromOracle({ mti: '0200', fields: { '52': '3132333435363738', '55': emv.toLowerCase() } }, oracle, spec);
    assert.deepEqual(canonical, canonicalFromVector(vector({}, { '52': '3132333435363738', '55': emv })));
  });

  it('reads a binary-spec oracle text DE 55 (jPOS IFB_LLLCHAR) as Latin-1 bytes', () => {
    const spec = builtinSpec('iso87binary');
    const raw = Buffer.from(emv, 'hex').toString('latin1');
    const canonical = canonicalFromOracle({ mti: '0200', fields: { '55': raw } }, fakeOracle([]), spec);
    assert.deepEqual(canonical, { '55': `hex:${emv}` });
  });

  it('keeps text fields as text and tells apart values that differ', () => {
    const spec = builtinSpec('iso87ascii');
    const ours = canonicalFromFlux(fluxFromVector(vector({ '4': '000000010000' }, { '55': emv }), spec));
    assert.deepEqual(ours, { '4': '000000010000', '55': `hex:${emv}` });
    const theirs = canonicalFromOracle({ mti: '0200', fields: { '4': '000000010001', '55': emv } }, fakeOracle([]), spec);
    assert.notDeepEqual(ours, theirs);
  });

  it('hands an oracle bytes the way its field holds them: hex for binary fields and hex-text specs, Latin-1 for raw text', () => {
    const v = vector({}, { '52': '3132333435363738', '55': emv });
    const ascii = builtinSpec('iso87ascii');
    assert.deepEqual(oracleFromFlux(fluxFromVector(v, ascii), fakeOracle([52]), ascii).fields, { '52': '3132333435363738', '55': emv });
    const binary = builtinSpec('iso87binary');
    assert.deepEqual(oracleFromFlux(fluxFromVector(v, binary), fakeOracle([52]), binary).fields, {
      '52': '3132333435363738',
      '55': Buffer.from(emv, 'hex').toString('latin1'),
    });
  });
});
