/** Encoders in isolation: ASCII/EBCDIC text, BCD packing and padding, binary/hex. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHARSETS } from '../charset.ts';
import { IsoErrorCode } from '../errors.ts';
import type { Writer } from '../io.ts';
import { expectRigError, hex, toHex } from '../testing.ts';
import { bcdCodec } from './bcd.ts';
import { decodeHexInto, encodeHexFrom, hexCodec } from './binary.ts';
import type { DataCodec } from './codec.ts';
import { EBCDIC_TO_LATIN1, LATIN1_TO_EBCDIC } from './cp037.ts';
import { asciiCodec, ebcdicCodec } from './text.ts';

function encode(codec: DataCodec, value: string | Uint8Array): string {
  const v = codec.prepare(value, 'DE x');
  const units = codec.unitsOf(v);
  const w: Writer = { buf: Buffer.alloc(codec.wireBytes(units)), pos: 0 };
  codec.encode(v, units, w, 'DE x');
  assert.equal(w.pos, codec.wireBytes(units), 'writes exactly wireBytes(units)');
  return toHex(w.buf);
}

function decode(codec: DataCodec, wire: string, units: number): string | Uint8Array {
  const buf = Buffer.from(hex(wire));
  return codec.decode(buf, 0, buf.length, units, 'DE x');
}

describe('EBCDIC cp037', () => {
  it('maps digits, letters and space as IBM code page 037 does', () => {
    assert.equal(LATIN1_TO_EBCDIC['0'.charCodeAt(0)], 0xf0);
    assert.equal(LATIN1_TO_EBCDIC['A'.charCodeAt(0)], 0xc1);
    assert.equal(LATIN1_TO_EBCDIC['a'.charCodeAt(0)], 0x81);
    assert.equal(LATIN1_TO_EBCDIC[' '.charCodeAt(0)], 0x40);
    for (let b = 0; b < 256; b++) assert.equal(LATIN1_TO_EBCDIC[EBCDIC_TO_LATIN1[b]!], b);
  });
  it('encodes and decodes text through the type check', () => {
    const codec = ebcdicCodec(CHARSETS.ans, 'ans');
    assert.equal(encode(codec, 'Hi 1'), 'C889 40F1'.replace(' ', ''));
    assert.equal(decode(codec, 'C889 40F1'.replace(' ', ''), 4), 'Hi 1');
    expectRigError(() => decode(ebcdicCodec(CHARSETS.n, 'n'), 'F1C1', 2), IsoErrorCode.BAD_CHAR, { offset: 1 });
  });
});

describe('BCD', () => {
  it('packs two digits per byte, padding odd counts on the configured side', () => {
    assert.equal(encode(bcdCodec('n', true, 0), '123'), '0123');
    assert.equal(encode(bcdCodec('n', false, 0), '123'), '1230');
    assert.equal(encode(bcdCodec('z', false, 0xf), '12=3'), '12D3');
    assert.equal(encode(bcdCodec('z', false, 0xf), '1=3'), '1D3F');
  });
  it('reads back the digits without the pad nibble', () => {
    assert.equal(decode(bcdCodec('n', true, 0), '0123', 3), '123');
    assert.equal(decode(bcdCodec('z', false, 0xf), '1D3F', 3), '1=3');
  });
  it('writes x+n as an ASCII sign byte then the digits', () => {
    assert.equal(encode(bcdCodec('x+n', true, 0), 'C1234'), '431234');
    assert.equal(decode(bcdCodec('x+n', true, 0), '441234', 5), 'D1234');
  });
  it('rejects letters for n and a wrong pad nibble', () => {
    expectRigError(() => encode(bcdCodec('n', true, 0), '12A'), IsoErrorCode.BAD_CHAR);
    expectRigError(() => decode(bcdCodec('n', true, 0), 'F123', 3), IsoErrorCode.BAD_CHAR, { offset: 0 });
  });
});

describe('ASCII text and hex binary', () => {
  it('checks the type while encoding and decoding', () => {
    const an = asciiCodec(CHARSETS.an, 'an');
    assert.equal(encode(an, 'AB 12'), toHex(Buffer.from('AB 12')));
    expectRigError(() => encode(an, 'A-1'), IsoErrorCode.BAD_CHAR);
    expectRigError(() => encode(an, 'A€'), IsoErrorCode.BAD_CHAR);
    expectRigError(() => decode(an, toHex(Buffer.from('A-1')), 3), IsoErrorCode.BAD_CHAR, { offset: 1 });
  });
  it('writes bytes as upper-case hex and counts units in bytes', () => {
    assert.equal(encode(hexCodec, hex('0AFF')), toHex(Buffer.from('0AFF')));
    assert.equal(hexCodec.unitsIn(4), 2);
    assert.equal(hexCodec.unitsIn(3), -1);
    assert.deepEqual(decode(hexCodec, toHex(Buffer.from('0AFF')), 2), hex('0AFF'));
  });
  // The hex loops work several bytes per iteration with a tail: every length up to past two iterations,
  // every byte value, and a bad digit at every position.
  it('decodes and encodes hex of every length and byte value, naming the first bad digit', () => {
    for (let count = 0; count <= 40; count++) {
      const bytes = Uint8Array.from({ length: count }, (_, i) => (i * 97 + count * 31) & 0xff);
      const text = Buffer.from(bytes).toString('hex').toUpperCase();
      const w = { buf: Buffer.alloc(3 + 2 * count), pos: 3 };
      encodeHexFrom(bytes, count, w);
      assert.equal(w.pos, 3 + 2 * count);
      assert.equal(w.buf.toString('latin1', 3), text);
      const wire = Buffer.from(`##${text}`, 'latin1');
      const into = new Uint8Array(count);
      assert.equal(decodeHexInto(wire, 2, count, into), -1);
      assert.deepEqual(into, bytes);
      for (let at = 0; at < 2 * count; at++) {
        for (const bad of ['a', 'G', '/', ':', '@', '\u00c1']) {
          const broken = Buffer.from(wire);
          broken[2 + at] = bad.charCodeAt(0);
          assert.equal(decodeHexInto(broken, 2, count, new Uint8Array(count)), 2 + at, `${bad} at ${at} of ${count}`);
        }
      }
    }
    const all = Uint8Array.from({ length: 256 }, (_, b) => b);
    const w = { buf: Buffer.alloc(512), pos: 0 };
    encodeHexFrom(all, 256, w);
    const into = new Uint8Array(256);
    assert.equal(decodeHexInto(w.buf, 0, 256, into), -1);
    assert.deepEqual(into, all);
    assert.equal(w.buf.toString('latin1'), Buffer.from(all).toString('hex').toUpperCase());
  });
});
