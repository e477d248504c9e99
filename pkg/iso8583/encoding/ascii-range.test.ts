import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHARSETS } from '../charset.ts';
import { prng } from '../testing.ts';
import { bytesInRange, textRangeOf, writeAsciiInRange } from './ascii-range.ts';

/** The per-byte check the word-at-a-time one stands in for. */
function naive(b: Uint8Array, s: number, e: number, lo: number, hi: number): number {
  for (let i = s; i < e; i++) if (b[i]! < lo || b[i]! > hi) return 0;
  return 1;
}

describe('textRangeOf', () => {
  it('finds the one range of n and ans, every byte for any, and none for other sets', () => {
    assert.deepEqual(textRangeOf(CHARSETS.n), { lo: 0x30, hi: 0x39 });
    assert.deepEqual(textRangeOf(CHARSETS.ans), { lo: 0x20, hi: 0x7e });
    assert.deepEqual(textRangeOf(CHARSETS.any), { lo: 0x00, hi: 0xff });
    assert.equal(textRangeOf(CHARSETS.an), undefined, 'letters and digits are two ranges');
    const latin1 = new Uint8Array(256).fill(1, 0x20);
    assert.equal(textRangeOf(latin1), undefined, 'a range past 0x7f that is not every byte');
    assert.equal(textRangeOf(new Uint8Array(256)), undefined, 'an empty set');
  });
});

describe('bytesInRange', () => {
  it('agrees with a per-byte check on random text, any offset, length and alignment', () => {
    const rnd = prng(8583);
    const ranges = [
      { lo: 0x30, hi: 0x39 },
      { lo: 0x20, hi: 0x7e },
      { lo: 0x00, hi: 0x7f },
      { lo: 0x41, hi: 0x41 },
    ];
    // Bytes at and just past each edge, and the ones a borrow or carry between bytes could hide.
    const edges = [0x00, 0x01, 0x1f, 0x20, 0x2f, 0x30, 0x39, 0x3a, 0x40, 0x41, 0x42, 0x7e, 0x7f, 0x80, 0xc0, 0xff];
    const backing = new Uint8Array(300);
    let failures = 0;
    for (let round = 0; round < 20000; round++) {
      const { lo, hi } = ranges[round % ranges.length]!;
      const offset = rnd.below(8);
      const b = backing.subarray(offset, offset + 200);
      const s = rnd.below(21);
      const e = s + rnd.below(71);
      for (let i = s; i < e; i++) b[i] = lo + rnd.below(hi - lo + 1);
      const bad = rnd.below(4);
      for (let k = 0; k < bad && e > s; k++) b[s + rnd.below(e - s)] = edges[rnd.below(edges.length)]!;
      const want = naive(b, s, e, lo, hi);
      if (bytesInRange(b, s, e, lo, hi) !== want) failures++;
    }
    assert.equal(failures, 0);
  });

  it('reads through a view of the whole buffer when the array starts inside it', () => {
    const whole = new Uint8Array(64).fill(0x41);
    const part = whole.subarray(3, 40);
    assert.equal(bytesInRange(part, 0, 37, 0x41, 0x41), 1);
    whole[2] = 0; // before the array: not part of it
    whole[40] = 0; // after it
    assert.equal(bytesInRange(part, 0, 37, 0x41, 0x41), 1);
    whole[39] = 0; // its last byte
    assert.equal(bytesInRange(part, 0, 37, 0x41, 0x41), 0);
  });
});

describe('writeAsciiInRange', () => {
  it('writes text in range and says so', () => {
    const out = Buffer.alloc(80);
    const text = 'Test Store 123 Main St City US'.repeat(2);
    assert.equal(writeAsciiInRange(out, text, 5, 0x20, 0x7e), 1);
    assert.equal(out.toString('latin1', 5, 5 + text.length), text);
  });

  it('writes ASCII text for every byte (type any) without a check, and leaves other text to the caller', () => {
    const out = Buffer.alloc(80);
    assert.equal(writeAsciiInRange(out, `\u0000\u007f${'x'.repeat(66)}`, 0, 0x00, 0xff), 1);
    assert.equal(out[1], 0x7f);
    assert.equal(writeAsciiInRange(out, `\u00e9${'x'.repeat(66)}`, 0, 0x00, 0xff), 0, 'Latin-1 beyond ASCII: the loop writes it');
  });

  it('refuses a character out of range, above 0x7f, or whose low byte alone would pass', () => {
    const base = 'A'.repeat(70);
    for (const bad of ['\u007f', '\u001f', '\u0080', '\u00e9', '\u0141', '\uff41', '\u20ac']) {
      const text = `${base.slice(0, 33)}${bad}${base.slice(34)}`;
      assert.equal(writeAsciiInRange(Buffer.alloc(80), text, 0, 0x20, 0x7e), 0, JSON.stringify(bad));
    }
  });
});
