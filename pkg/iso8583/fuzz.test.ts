/**
 * Fuzz: random and mutated inputs through unpack (and pack of what unpacks) for every builtin spec and the
 * composite test spec. The only acceptable failure is a RigError with an ISO_ code; anything else (TypeError,
 * RangeError, a hang) is a bug. Deterministic (seeded PRNG) so a failure reproduces; the iteration count
 * comes from FLUXRIG_FUZZ_ITERATIONS (default 100000, split across specs and strategies).
 * Mutations: bit flips, byte overwrites, truncations, insertions, length-prefix tampering, bitmap flips.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRigError } from '../errors/index.ts';
import { type IsoMessage, type IsoSpec, pack, unpack, unpackDetailed } from './index.ts';
import { everySpecUnderTest, hex, prng, type Rnd, toHex } from './testing.ts';

const ITERATIONS = Number(process.env.FLUXRIG_FUZZ_ITERATIONS ?? 100_000);
const SEED = Number(process.env.FLUXRIG_FUZZ_SEED ?? 0x8583);

const EMV = [
  { tag: '9F02', value: hex('000000001000') },
  { tag: '9F26', value: hex('2E078F5CEA112DAA') },
  { tag: '82', value: hex('1C00') },
  { tag: '95', value: hex('0000008000') },
  { tag: '5F2A', value: hex('0840') },
  { tag: '70', value: [{ tag: '57', value: hex('4111111111111111D25121') }] },
];

/** Valid seed messages for a spec: a typical 0200, a 0800 and a 0210 with secondary-bitmap fields. */
function seeds(spec: IsoSpec): Uint8Array[] {
  const has = (n: number) => spec.fieldNumbers.includes(n);
  const is93 = spec.name === 'iso93ascii';
  const base: Record<number, unknown> = {
    2: '4111111111111111',
    3: '000000',
    4: '000000001000',
    7: '1123184500',
    11: '123456',
    12: is93 ? '261123184500' : '184500',
    35: '4111111111111111=25121010000000000000',
    37: '123456789012',
    41: 'TERM0001',
    49: '840',
  };
  if (has(55)) base[55] = EMV;
  if (spec.name === 'composite-test') {
    return [
      pack({ mti: '0200', fields: { 2: '4111111111111111', 11: '000001', 43: { 1: 'ACME', 2: 'TOWN', 3: 'US' }, 48: [{ tag: '01', value: 'AB' }], 55: EMV, 127: { 2: 'KEY', 22: '<a>b</a>', 33: '0001' } } }, spec),
    ];
  }
  const fields = Object.fromEntries(Object.entries(base).filter(([n]) => has(Number(n))));
  const out = [pack({ mti: is93 ? '1200' : '0200', fields } as IsoMessage, spec)];
  out.push(pack({ mti: is93 ? '1804' : '0800', fields: { 7: '1123184500', 11: '000001', 70: is93 ? '301' : '301' } } as IsoMessage, spec));
  out.push(pack({ mti: is93 ? '1210' : '0210', fields: { 11: '000002', 39: is93 ? '000' : '00', 102: '12345678', 128: hex('0102030405060708') } } as IsoMessage, spec));
  return out;
}

function mutate(src: Uint8Array, rnd: Rnd): Uint8Array {
  const bytes = Uint8Array.from(src);
  switch (rnd.below(7)) {
    case 0: {
      // flip 1-4 bits
      for (let i = rnd.below(4) + 1; i > 0; i--) bytes[rnd.below(bytes.length)]! ^= 1 << rnd.below(8);
      return bytes;
    }
    case 1: {
      // overwrite bytes with random values
      for (let i = rnd.below(3) + 1; i > 0; i--) bytes[rnd.below(bytes.length)] = rnd.below(256);
      return bytes;
    }
    case 2:
      return bytes.subarray(0, rnd.below(bytes.length)); // truncate
    case 3: {
      // insert random bytes
      const at = rnd.below(bytes.length + 1);
      const extra = Uint8Array.from({ length: rnd.below(4) + 1 }, () => rnd.below(256));
      return new Uint8Array([...bytes.subarray(0, at), ...extra, ...bytes.subarray(at)]);
    }
    case 4: {
      // tamper with what may be a length prefix: nudge a digit/byte up or down
      const at = rnd.below(bytes.length);
      bytes[at] = (bytes[at]! + (rnd.chance(0.5) ? 1 : 255)) & 0xff;
      return bytes;
    }
    case 5: {
      // flip a bitmap bit (bitmaps start right after a 2- or 4-byte MTI)
      const at = 2 + rnd.below(Math.min(bytes.length - 2, 32));
      if (at < bytes.length) bytes[at]! ^= 1 << rnd.below(8);
      return bytes;
    }
    default: {
      // duplicate a slice (repeats fields / TLV items)
      const a = rnd.below(bytes.length);
      const b = a + rnd.below(Math.min(16, bytes.length - a) + 1);
      return new Uint8Array([...bytes.subarray(0, b), ...bytes.subarray(a, b), ...bytes.subarray(b)]);
    }
  }
}

function randomBytes(rnd: Rnd): Uint8Array {
  return Uint8Array.from({ length: rnd.below(64) }, () => rnd.below(256));
}

/** One input: unpack; if it decodes, pack must give the same bytes back. Only RigErrors may escape. */
function exercise(input: Uint8Array, spec: IsoSpec, detailed: boolean): 'ok' | 'rejected' {
  let message: IsoMessage;
  try {
    message = detailed ? unpackDetailed(input, spec).message : unpack(input, spec);
  } catch (err) {
    if (isRigError(err) && err.code.startsWith('ISO_')) return 'rejected';
    throw new Error(`non-RigError from unpack(${spec.name}, ${toHex(input)}): ${String(err)}`, { cause: err });
  }
  let again: Uint8Array;
  try {
    again = pack(message, spec);
  } catch (err) {
    throw new Error(`pack failed on a message unpack accepted (${spec.name}, ${toHex(input)}): ${String(err)}`, { cause: err });
  }
  assert.equal(toHex(again), toHex(input), `not byte-exact for ${spec.name}`);
  return 'ok';
}

describe('fuzz', () => {
  const specs = everySpecUnderTest();
  const perSpec = Math.ceil(ITERATIONS / specs.length);

  for (const spec of specs) {
    it(`${spec.name}: ${perSpec} random/mutated inputs give only ISO_ RigErrors, and what unpacks re-packs byte-exact`, () => {
      const rnd = prng(SEED ^ spec.name.length * 7919);
      const corpus = seeds(spec);
      for (const s of corpus) assert.equal(exercise(s, spec, false), 'ok', 'seed messages must be valid');
      let accepted = 0;
      for (let i = 0; i < perSpec; i++) {
        let input: Uint8Array;
        if (i % 10 === 0) input = randomBytes(rnd);
        else {
          input = corpus[rnd.below(corpus.length)]!;
          // stack 1-3 mutations
          for (let m = rnd.below(3) + 1; m > 0; m--) input = mutate(input, rnd);
        }
        if (exercise(input, spec, i % 50 === 0) === 'ok') {
          accepted++;
          // Keep some accepted mutants as new seeds so later mutations explore deeper.
          if (corpus.length < 64 && rnd.chance(0.05)) corpus.push(input);
        }
      }
      // Sanity: the mutations must not be so destructive that nothing decodes.
      assert.ok(accepted > 0, 'no mutated input decoded: the fuzzer explores nothing');
    });
  }
});
