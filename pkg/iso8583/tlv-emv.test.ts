/**
 * The EMV fast path (tlv-emv.ts) against the general TLV walk it stands in for (tlv.ts with fastPaths off):
 * on random item lists, valid and broken, encode must give the same bytes or the same error (code, place,
 * reason); on their bytes and mutations of them, decode must give the same items or the same error. The
 * lists mix everything the fast path gives up on (3-byte tags, long-form lengths, hex-string values,
 * templates nested past the depth limit, malformed tags and items), so both ways in and out are crossed.
 * Seeded, so a disagreement reproduces.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRigError } from '../errors/index.ts';
import type { FieldContext } from './field.ts';
import type { Writer } from './io.ts';
import type { SubfieldCodec } from './plan.ts';
import { prng, type Rnd, toHex } from './testing.ts';
import { MAX_TLV_DEPTH, tlvSubfields } from './tlv.ts';
import type { TlvSubfieldsDoc } from './types.ts';

const ITERATIONS = 4000;

const doc: TlvSubfieldsDoc = { kind: 'tlv', tag: { format: 'ber' }, length: { format: 'ber' }, dictionary: 'emv' };
const parent: FieldContext = {
  label: 'DE 55',
  field: 55,
  path: ['55'],
  depth: 0,
  specWhere: 'tlv-emv.test fields.55',
  defaults: { encoding: 'binary', prefixEncoding: 'ascii' },
  compileSubfields: () => {
    throw new Error('EMV items have no subfields');
  },
};
const fast = tlvSubfields(doc, parent);
const general = tlvSubfields(doc, parent, { fastPaths: false });

/** What a call gave: its value (bytes as hex) or the error's identity. */
function outcome(fn: () => unknown): string {
  try {
    return `value ${JSON.stringify(fn(), (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))}`;
  } catch (err) {
    assert.ok(isRigError(err), `only RigErrors may escape, got ${String(err)}`);
    return `error ${err.code} | ${err.where} | ${err.message} | ${JSON.stringify(err.details)}`;
  }
}

function encoded(codec: SubfieldCodec, items: unknown): Uint8Array {
  // A small buffer, so growing it is part of what is compared.
  const w: Writer = { buf: Buffer.allocUnsafe(8), pos: 0 };
  codec.encode(items, w);
  return w.buf.subarray(0, w.pos);
}

function decoded(codec: SubfieldCodec, bytes: Uint8Array): unknown {
  return codec.decodeRegion({ buf: bytes, pos: 0, spans: null }, 0, bytes.length);
}

const PRIMITIVE_TAGS = ['82', '95', '9A', '9C', '5A', '57', '00', '9F02', '5F2A', '9F10', '9f1a', '9F26', 'DF01', '9F00'];
const LONG_TAGS = ['9F8101', 'DF818201'];
const CONSTRUCTED_TAGS = ['70', '77', 'A5', 'BF0C'];
const BAD_TAGS: unknown[] = ['9', '1F', '9F80', 'XY', 'zz', '9F020', '', 0x9f02, undefined, '9F\u0102'];

function bytesOf(rnd: Rnd, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => rnd.below(256));
}

function randomItems(rnd: Rnd, depth: number, broken: number): unknown[] {
  const items: unknown[] = [];
  const count = rnd.below(6);
  for (let i = 0; i < count; i++) {
    const pick = rnd.below(20);
    let item: unknown;
    if (pick < 12) {
      const length = rnd.chance(0.1) ? 100 + rnd.below(300) : rnd.below(20);
      item = { tag: PRIMITIVE_TAGS[rnd.below(PRIMITIVE_TAGS.length)], value: bytesOf(rnd, length) };
    } else if (pick < 14) {
      item = { tag: LONG_TAGS[rnd.below(LONG_TAGS.length)], value: bytesOf(rnd, rnd.below(8)) };
    } else if (pick < 17 && depth <= MAX_TLV_DEPTH) {
      item = { tag: CONSTRUCTED_TAGS[rnd.below(CONSTRUCTED_TAGS.length)], value: randomItems(rnd, depth + 1, broken) };
    } else {
      item = { tag: PRIMITIVE_TAGS[rnd.below(PRIMITIVE_TAGS.length)], value: toHex(bytesOf(rnd, rnd.below(6))) };
    }
    if (rnd.chance(broken)) item = brokenItem(item as { tag: unknown; value: unknown }, rnd);
    items.push(item);
  }
  return items;
}

function brokenItem(item: { tag: unknown; value: unknown }, rnd: Rnd): unknown {
  switch (rnd.below(5)) {
    case 0:
      return [null, 'x', 7, [item]][rnd.below(4)];
    case 1:
      return { tag: BAD_TAGS[rnd.below(BAD_TAGS.length)], value: item.value };
    case 2:
      return { tag: item.tag, value: [7, null, 'not hex', {}, true][rnd.below(5)] };
    case 3:
      // A primitive tag holding a list, or a template holding bytes.
      return { tag: CONSTRUCTED_TAGS.includes(item.tag as string) ? '9F02' : '70', value: item.value };
    default:
      return { value: item.value };
  }
}

/** Templates nested `levels` deep around one item: past MAX_TLV_DEPTH both sides must refuse the same way. */
function nested(levels: number): unknown[] {
  let items: unknown[] = [{ tag: '9F02', value: Uint8Array.of(1, 2) }];
  for (let i = 0; i < levels; i++) items = [{ tag: '70', value: items }];
  return items;
}

function mutated(bytes: Uint8Array, rnd: Rnd): Uint8Array {
  const out = Uint8Array.from(bytes);
  if (out.length === 0) return Uint8Array.of(rnd.below(256));
  switch (rnd.below(4)) {
    case 0:
      out[rnd.below(out.length)]! ^= 1 << rnd.below(8);
      return out;
    case 1:
      out[rnd.below(out.length)] = [0x1f, 0x9f, 0x81, 0x80, 0x7f, 0xff, 0x70][rnd.below(7)]!;
      return out;
    case 2:
      return out.subarray(0, rnd.below(out.length));
    default:
      return Uint8Array.from([...out, ...bytesOf(rnd, 1 + rnd.below(3))]);
  }
}

describe('EMV fast path (tlv-emv.ts) against the general TLV walk', () => {
  it('encodes random and broken item lists to the same bytes or the same error', () => {
    const rnd = prng(0x55e3);
    let fastBytes = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const items = i % 50 === 7 ? nested(MAX_TLV_DEPTH - 2 + (i % 4)) : randomItems(rnd, 1, i % 3 === 0 ? 0 : 0.15);
      const viaFast = outcome(() => encoded(fast, items));
      assert.equal(viaFast, outcome(() => encoded(general, items)), `encode of ${outcome(() => items)}`);
      if (viaFast.startsWith('value ')) fastBytes++;
    }
    assert.ok(fastBytes > ITERATIONS / 3, `only ${fastBytes} lists encoded: the generator explores little`);
    assert.equal(outcome(() => encoded(fast, 'not a list')), outcome(() => encoded(general, 'not a list')));
  });

  it('decodes the bytes of random lists, and mutations of them, to the same items or the same error', () => {
    const rnd = prng(0x8583);
    for (let i = 0; i < ITERATIONS; i++) {
      const items = i % 50 === 7 ? nested(MAX_TLV_DEPTH - 2 + (i % 4)) : randomItems(rnd, 1, 0);
      let bytes: Uint8Array;
      try {
        bytes = encoded(general, items);
      } catch {
        // Nested past the depth limit: encoded without the last level, then wrapped by hand below.
        bytes = encoded(general, nested(MAX_TLV_DEPTH - 1));
        bytes = Uint8Array.from([0x70, bytes.length, ...bytes]);
      }
      for (const input of [bytes, mutated(bytes, rnd), mutated(mutated(bytes, rnd), rnd)]) {
        assert.equal(outcome(() => decoded(fast, input)), outcome(() => decoded(general, input)), `decode of ${toHex(input)}`);
      }
    }
  });

  it('writes hex text (ASCII specs) exactly as the hex of the general encoding, and declines whatever that refuses', () => {
    const rnd = prng(0x4845);
    let taken = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const items = randomItems(rnd, 1, i % 3 === 0 ? 0 : 0.15);
      const w: Writer = { buf: Buffer.allocUnsafe(8), pos: 0 };
      const wrote = outcome(() => fast.encodeHex?.(items, w) === true && Buffer.from(w.buf.subarray(0, w.pos)).toString('latin1'));
      const reference = outcome(() => toHex(encoded(general, items)));
      if (wrote === 'value false') continue;
      assert.equal(wrote, reference, `hex encode of ${outcome(() => items)}`);
      taken++;
    }
    assert.ok(taken > ITERATIONS / 4, `only ${taken} lists taken: the generator explores little`);
  });

  it('reads hex text (ASCII specs) to the items the general walk reads from its bytes, and declines bad hex', () => {
    const rnd = prng(0x4844);
    let taken = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const items = randomItems(rnd, 1, 0);
      let bytes: Uint8Array;
      try {
        bytes = encoded(general, items);
      } catch {
        continue;
      }
      for (const input of [bytes, mutated(bytes, rnd)]) {
        const text = Uint8Array.from(toHex(input), (c) => c.charCodeAt(0));
        // A character that is not an upper-case hex digit now and then: the field reports those itself.
        if (rnd.chance(0.2)) text[rnd.below(text.length)] = [0x61, 0x47, 0x20, 0x00][rnd.below(4)]!;
        const viaHex = fast.decodeHexRegion?.(text, 0, text.length);
        if (viaHex === undefined) continue;
        assert.match(Buffer.from(text).toString('latin1'), /^[0-9A-F]*$/, 'only hex text is taken');
        assert.equal(outcome(() => viaHex), outcome(() => decoded(general, input)), `hex decode of ${toHex(input)}`);
        taken++;
      }
    }
    assert.ok(taken > ITERATIONS / 4, `only ${taken} regions taken: the generator explores little`);
  });

  it('returns fresh values: mutating a decoded value changes neither the input nor a second decode', () => {
    const bytes = encoded(general, [{ tag: '9F02', value: Uint8Array.of(0, 0, 0, 0, 0x10, 0) }]);
    const first = decoded(fast, bytes) as { tag: string; value: Uint8Array }[];
    first[0]!.value[0] = 0xff;
    assert.equal(toHex(bytes), '9F0206000000001000');
    assert.deepEqual(decoded(fast, bytes), [{ tag: '9F02', value: Uint8Array.of(0, 0, 0, 0, 0x10, 0) }]);
  });
});
