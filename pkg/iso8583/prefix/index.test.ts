/** Length prefixers: each encoding writes and reads the same number; bad digits are ISO_BAD_LENGTH. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IsoErrorCode } from '../errors.ts';
import { expectRigError, toHex } from '../testing.ts';
import { makePrefixer } from './index.ts';

function written(digits: number, encoding: 'ascii' | 'ebcdic' | 'bcd' | 'binary', n: number, bytes?: number): string {
  const p = makePrefixer(digits, encoding, bytes);
  const out = new Uint8Array(p.bytes);
  p.encode(n, out, 0);
  assert.equal(p.decode(out, 0, 'DE x'), n, 'reads back what it wrote');
  return toHex(out);
}

describe('prefixers', () => {
  it('ASCII LL/LLL: decimal digits', () => {
    assert.equal(written(2, 'ascii', 7), '3037');
    assert.equal(written(3, 'ascii', 255), '323535');
  });
  it('EBCDIC LL: F0-F9 digits', () => {
    assert.equal(written(2, 'ebcdic', 19), 'F1F9');
  });
  it('BCD LL = 1 byte, LLL = 2 bytes, right-justified', () => {
    assert.equal(written(2, 'bcd', 19), '19');
    assert.equal(written(3, 'bcd', 148), '0148');
    assert.equal(written(4, 'bcd', 9999), '9999');
  });
  it('binary LL = 1 byte, LLL = 2 bytes big-endian, or the bytes the spec says', () => {
    assert.equal(written(2, 'binary', 19), '13');
    assert.equal(written(3, 'binary', 300), '012C');
    assert.equal(written(2, 'binary', 19, 2), '0013');
  });
  it('caps the value at what both the digits and the bytes can hold', () => {
    assert.equal(makePrefixer(2, 'ascii').maxValue, 99);
    assert.equal(makePrefixer(3, 'binary').maxValue, 999);
    assert.equal(makePrefixer(3, 'binary', 1).maxValue, 255);
  });
  it('rejects non-digits', () => {
    expectRigError(() => makePrefixer(2, 'ascii').decode(Uint8Array.from([0x31, 0x41]), 0, 'DE 2'), IsoErrorCode.BAD_LENGTH, { field: 'DE 2' });
    expectRigError(() => makePrefixer(2, 'bcd').decode(Uint8Array.from([0x1a]), 0, 'DE 2'), IsoErrorCode.BAD_LENGTH);
    expectRigError(() => makePrefixer(2, 'ebcdic').decode(Uint8Array.from([0xf1, 0x31]), 0, 'DE 2'), IsoErrorCode.BAD_LENGTH);
  });
});
