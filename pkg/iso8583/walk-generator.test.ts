/**
 * The generated message walk (walk-generator.ts) against the field codecs it stands in for: on valid and
 * broken values, pack must give what packWithFieldCodecs gives (the same bytes, or the same error: code,
 * place and reason), and unpack what unpackDetailed gives (it walks the field codecs), on the bytes packed
 * and on mutations of them. Seeded, so a disagreement reproduces. Covers every shipped spec, the composite
 * test spec and two generated specs using all three bitmaps (ASCII/hex and BCD/binary), so one generated
 * function per bitmap word and every inline shape (text, BCD digits, bytes; fixed, odd BCD, L..LLL
 * prefixes) are exercised.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRigError } from '../errors/index.ts';
import { CHARSETS } from './charset.ts';
import { packWithFieldCodecs } from './codec.ts';
import { type IsoMessage, type IsoSpec, loadSpec, pack, type SpecDocument, unpack, unpackDetailed } from './index.ts';
import type { MessagePlan } from './plan.ts';
import { everySpecUnderTest, hex, prng, type Rnd, toHex } from './testing.ts';
import type { FieldDoc } from './types.ts';

const ITERATIONS = 1500;


/** What a call gave: its bytes/message, or the error's identity (code, where, reason, details). */
function outcome(fn: () => unknown): string {
  try {
    const value = fn();
    return value instanceof Uint8Array ? `bytes ${toHex(value)}` : `value ${JSON.stringify(value, (_k, v) => (v instanceof Uint8Array ? toHex(v) : v))}`;
  } catch (err) {
    assert.ok(isRigError(err), `only RigErrors may escape, got ${String(err)}`);
    return `error ${err.code} | ${err.where} | ${err.message} | ${JSON.stringify(err.details)}`;
  }
}

/** Characters a field of this doc may hold, as codes. */
function alphabet(doc: FieldDoc): number[] {
  const table = CHARSETS[(doc.charset ?? doc.type) as keyof typeof CHARSETS];
  const codes: number[] = [];
  for (let c = 0; c < 256; c++) if (table[c] === 1) codes.push(c);
  return codes;
}

function validValue(doc: FieldDoc, rnd: Rnd): unknown {
  const length = doc.prefix === undefined || doc.prefix === 'fixed' ? doc.length : (doc.minLength ?? 0) + rnd.below(doc.length - (doc.minLength ?? 0) + 1);
  if (doc.type === 'b') return Uint8Array.from({ length }, () => rnd.below(256));
  if (doc.type === 'x+n') return (rnd.chance(0.5) ? 'C' : 'D') + '7'.repeat(Math.max(0, length - 1));
  const codes = doc.type === 'z' ? [...'0123456789='].map((c) => c.charCodeAt(0)) : alphabet(doc);
  return String.fromCharCode(...Array.from({ length }, () => codes[rnd.below(codes.length)]!));
}

/** A value broken in one of the ways callers get wrong: JS type, length, characters. */
function brokenValue(value: unknown, rnd: Rnd): unknown {
  switch (rnd.below(8)) {
    case 0:
      return [7, null, {}, [], true][rnd.below(5)];
    case 1:
      return typeof value === 'string' ? `${value}0` : value instanceof Uint8Array ? Uint8Array.from([...value, 1]) : value;
    case 2:
      return typeof value === 'string' ? value.slice(1) : value instanceof Uint8Array ? value.subarray(1) : value;
    case 3:
    case 4: {
      if (typeof value !== 'string' || value.length === 0) return value instanceof Uint8Array ? toHex(value).toLowerCase() : '';
      const at = rnd.below(value.length);
      // \u0130 and \u0139 have the low bytes of '0' and '9': code points over 255 must never alias a digit.
      const bad = ['\u20ac', '\u00e9', 'x', '=', 'D', ' ', '\u0000', 'A', '\u0130', '\u0139', 'd', ':'][rnd.below(12)];
      return value.slice(0, at) + bad + value.slice(at + 1);
    }
    case 5:
      return typeof value === 'string' ? '' : value;
    default:
      return value instanceof Uint8Array ? toHex(value) : value;
  }
}

const EMV = [
  { tag: '9F02', value: hex('000000001000') },
  { tag: '82', value: hex('1C00') },
  { tag: '5F2A', value: hex('0840') },
  { tag: '70', value: [{ tag: '57', value: hex('4111111111111111D25121') }] },
];

/** A message with a random set of the spec's data elements (subfield fields only where the value is known). */
function randomMessage(spec: IsoSpec, rnd: Rnd, broken: number): IsoMessage {
  const fields: Record<number, unknown> = {};
  for (const n of spec.fieldNumbers) {
    if (!rnd.chance(0.3)) continue;
    const doc = spec.document.fields[String(n)]!;
    let value: unknown;
    if (doc.subfields === undefined) value = validValue(doc, rnd);
    else if (doc.subfields.kind === 'tlv' && doc.subfields.tag.format === 'ber') value = EMV;
    else continue;
    fields[n] = rnd.chance(broken) ? brokenValue(value, rnd) : value;
  }
  if (rnd.chance(broken / 4)) fields[rnd.chance(0.5) ? 1 : 150] = '1';
  return { mti: '0200', fields } as IsoMessage;
}

function mutated(bytes: Uint8Array, rnd: Rnd): Uint8Array {
  const out = Uint8Array.from(bytes);
  switch (rnd.below(4)) {
    case 0:
      out[rnd.below(out.length)]! ^= 1 << rnd.below(8);
      return out;
    case 1:
      out[rnd.below(out.length)] = rnd.below(256);
      return out;
    case 2:
      return out.subarray(0, rnd.below(out.length));
    default: {
      const at = rnd.below(out.length);
      out[at] = (out[at]! + (rnd.chance(0.5) ? 1 : 255)) & 0xff;
      return out;
    }
  }
}

/** A spec using all three bitmaps, one field shape per data element number (n % the number of shapes). */
function tertiarySpec(bcd: boolean): IsoSpec {
  const fields: Record<string, FieldDoc> = {};
  const text = bcd ? ({ encoding: 'ascii' } as const) : {};
  for (let n = 2; n <= 192; n++) {
    if (n === 65) continue;
    const shapes: FieldDoc[] = [
      { type: 'n', length: 6 },
      { type: 'an', length: 12, prefix: 'LL', ...text },
      { type: 'b', length: 4, ...(bcd ? {} : { encoding: 'hex' as const }) },
      { type: 'ans', length: 20, ...text },
      { type: 'n', length: 19, prefix: 'LL' },
      { type: 'z', length: 37, prefix: 'LL', ...(bcd ? { padding: { side: 'right' as const, char: 'F' } } : {}) },
      { type: 'n', length: 3, prefix: bcd ? 'fixed' : 'LLL' },
      // Prefixed bytes: hex with the prefix counting digits / raw with a binary prefix; then hex counting
      // bytes / raw with a BCD prefix, longer than the generated walk's copy loop (32 bytes).
      { type: 'b', length: 12, prefix: 'LLL', ...(bcd ? { prefixEncoding: 'binary' as const } : { encoding: 'hex' as const, prefixCounts: 'bytes' as const }) },
      { type: 'b', length: 40, prefix: 'LL', ...(bcd ? {} : { encoding: 'hex' as const }) },
      // Long text: checked a word at a time on unpack and written natively on pack (ascii-range.ts), and
      // type any, which needs no check on unpack.
      { type: 'ans', length: 150, prefix: 'LLL', ...text },
      { type: 'any', length: 120, prefix: 'LLL', ...text },
    ];
    fields[String(n)] = { description: `field ${n} */ }); throw 1; //`, ...shapes[n % shapes.length]! };
  }
  const document: SpecDocument = {
    name: bcd ? 'tertiary-bcd' : 'tertiary-ascii',
    title: 'generated three-bitmap spec',
    mti: { encoding: bcd ? 'bcd' : 'ascii' },
    bitmap: { encoding: bcd ? 'binary' : 'hex', tertiary: true },
    defaults: bcd ? { encoding: 'bcd', prefixEncoding: 'bcd' } : { encoding: 'ascii', prefixEncoding: 'ascii' },
    fields,
  };
  return loadSpec(document);
}

describe('generated message walk', () => {
  const specs = [...everySpecUnderTest(), tertiarySpec(false), tertiarySpec(true)];

  for (const spec of specs) {
    it(`${spec.name}: pack agrees with the field codecs on valid and broken values, unpack on the bytes and their mutations`, () => {
      const rnd = prng(0x8583 ^ (spec.name.length * 7919));
      const plan = spec.plan as MessagePlan;
      let packed = 0;
      for (let i = 0; i < ITERATIONS; i++) {
        const message = randomMessage(spec, rnd, i % 3 === 0 ? 0 : 0.1);
        const viaWalk = outcome(() => pack(message, spec));
        assert.equal(viaWalk, outcome(() => packWithFieldCodecs(plan, message)), `pack of ${outcome(() => message)}`);
        if (!viaWalk.startsWith('bytes ')) continue;
        packed++;
        const bytes = hex(viaWalk.slice(6));
        for (const input of [bytes, mutated(bytes, rnd), mutated(mutated(bytes, rnd), rnd)]) {
          assert.equal(outcome(() => unpack(input, spec)), outcome(() => unpackDetailed(input, spec).message), `unpack of ${toHex(input)}`);
        }
      }
      assert.ok(packed > ITERATIONS / 4, `only ${packed} messages packed: the generator explores little`);
    });
  }

  // The generated pack asks `n in fields` before reading a key (walk-generator.ts, HAS_FIRST): a key
  // holding undefined and an inherited key must still count exactly as the reference's reads count them.
  it('pack counts keys holding undefined as absent and inherited keys as present, as the field codecs do', () => {
    const spec = everySpecUnderTest().find((s) => s.name === 'iso87ascii')!;
    const plan = spec.plan as MessagePlan;
    const inherited = Object.create({ 4: '000000001000', 70: '301' }) as Record<number, unknown>;
    inherited[3] = '000000';
    inherited[11] = undefined;
    const strayInherited = Object.create({ 150: '1' }) as Record<number, unknown>;
    strayInherited[3] = '000000';
    const cases: Record<number, unknown>[] = [
      { 1: undefined, 3: '000000', 11: undefined, 65: undefined, 150: undefined },
      inherited,
      strayInherited,
    ];
    const outcomes = cases.map((fields) => {
      const message = { mti: '0200', fields } as IsoMessage;
      const viaWalk = outcome(() => pack(message, spec));
      assert.equal(viaWalk, outcome(() => packWithFieldCodecs(plan, message)));
      return viaWalk;
    });
    assert.ok(outcomes[0]!.startsWith('bytes '), outcomes[0]);
    // MTI, primary and secondary bitmaps (DE 3, 4; DE 70), DE 3, DE 4 and DE 70 from the prototype.
    assert.equal(Buffer.from(hex(outcomes[1]!.slice(6))).toString('latin1'), ['0200', 'B000000000000000', '0400000000000000', '000000', '000000001000', '301'].join(''));
    assert.match(outcomes[2]!, /^error ISO_UNDEFINED_FIELD \| DE 150 /);
  });
});

// Text fields are checked by a loop in the generated pack (fixed short ones too) and in unpack's walk for
// the long ones, unrolled for the short ones on unpack; long text of a one-range type (n, ans) is checked
// a word at a time and written natively on pack, then checked (encoding/ascii-range.ts): DE 43, 45 and 60
// below take those paths. Whatever the walk does, a character the type refuses must be caught wherever it sits,
// with the reference's error. Code points over 255 whose low byte is an allowed character are what a check
// of the written bytes misses (a Latin-1 write keeps the low byte).
describe('generated walk on text fields, one bad character at every position', () => {
  const spec = everySpecUnderTest().find((s) => s.name === 'iso87ascii')!;
  const plan = spec.plan as MessagePlan;
  const values: Record<number, string> = {
    // Fixed: n, an and ans, short and just under the unrolling limit (16) of unpack.
    3: '000000',
    4: '000000010000',
    37: '123456789012',
    41: 'TERM0001',
    42: 'MERCHANT0000012',
    49: '840',
    // Prefixed and long.
    2: '4111111111111111',
    32: '12345678901',
    35: '4111111111111111=25121011234567890',
    43: 'Test Store    123 Main St    City  US840',
    45: 'B4111111111111111^CARDHOLDER/TEST^2512101000000000000000000000000000000000',
    // Long enough for the word-at-a-time check on unpack and the native write on pack (ascii-range.ts).
    60: 'Reserved national data, free text: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz ~!@#',
  };
  for (const [key, good] of Object.entries(values)) {
    const n = Number(key);
    it(`DE ${n}: pack refuses it as the field codec does (ISO_BAD_CHAR, naming DE ${n})`, () => {
      for (let at = 0; at < good.length; at++) {
        const low = good.charCodeAt(at);
        // Also the codes just outside the ranges of n (0x30-0x39) and ans (0x20-0x7E).
        for (const bad of [String.fromCharCode(0x100 | low), String.fromCharCode(0xff00 | low), '\u20ac', '\u0080', '\u0000', 'x', '/', ':', '\u001f', '\u007f']) {
          const value = good.slice(0, at) + bad + good.slice(at + 1);
          const message = { mti: '0200', fields: { 3: '000000', [n]: value } } as IsoMessage;
          const viaWalk = outcome(() => pack(message, spec));
          assert.equal(viaWalk, outcome(() => packWithFieldCodecs(plan, message)), `DE ${n} = ${JSON.stringify(value)}`);
          if (CHARSETS[(spec.document.fields[key]!.type) as keyof typeof CHARSETS][bad.charCodeAt(0)] === 1) continue;
          assert.match(viaWalk, new RegExp(`^error ISO_BAD_CHAR \\| DE ${n}\\b`), `DE ${n} = ${JSON.stringify(value)}`);
        }
      }
    });
    it(`DE ${n}: unpack refuses a bad byte as the field codec does (ISO_BAD_CHAR at its offset)`, () => {
      // The field alone, so its data are the message's last bytes.
      const bytes = pack({ mti: '0200', fields: { [n]: good } } as IsoMessage, spec);
      const dataStart = bytes.length - good.length;
      for (let at = dataStart; at < bytes.length; at++) {
        for (const bad of [0x80, 0xff, 0x00, 0x7f, 0xc1, 0x2f, 0x3a, 0x1f]) {
          const input = Uint8Array.from(bytes);
          input[at] = bad;
          const viaWalk = outcome(() => unpack(input, spec));
          assert.equal(viaWalk, outcome(() => unpackDetailed(input, spec).message), `unpack of ${toHex(input)}`);
          if (CHARSETS[spec.document.fields[key]!.type as keyof typeof CHARSETS][bad] === 1) continue;
          assert.match(viaWalk, new RegExp(`^error ISO_BAD_CHAR \\| DE ${n}\\b.*"offset":${at}\\b`), `unpack of ${toHex(input)}`);
        }
      }
    });
  }
});
