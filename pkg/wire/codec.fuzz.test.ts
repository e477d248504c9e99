/**
 * Fuzz-style property test: 100,000 random and mutated inputs through decodeEnvelope. Each one either
 * decodes to an envelope whose data is plain (and encodes again), or throws a RigError with a WIRE_*
 * code. Nothing else — no TypeError, no RangeError, no hang. The generator is seeded, so a failure
 * prints the seed and the input, and reproduces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RigError } from '../errors/index.ts';
import { decodeEnvelope, encodeEnvelope } from './codec.ts';
import type { Envelope } from './envelope.ts';

const SEED = Number(process.env.FLUXRIG_FUZZ_SEED ?? 0x5eed);
const CASES = 100_000;
const MAX_BYTES = 4096;
const WIRE_CODES = new Set(['WIRE_MALFORMED', 'WIRE_TOO_LARGE', 'WIRE_INVALID']);

/** mulberry32: tiny, fast, good enough to spread inputs; deterministic per seed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (below: number) => Math.floor(random() * below);

const corpus: Uint8Array[] = [
  { id: '1', type: 't', source: 's', time: '2026-01-01T00:00:00Z', data: null },
  {
    id: '468395841827012609',
    type: 'fluxrig.iso8583.request',
    source: 'rack/r1/gear/tcp-in',
    time: '2026-11-23T18:00:00.123Z',
    data: new Uint8Array([2, 0, 0x72, 0x3a]),
    headers: { reply: 'c7' },
    attempt: 2,
    key: 'T1',
  },
  {
    id: '42',
    type: 'fluxrig.test',
    source: 'fuzz',
    time: 'now',
    data: { list: [1, -1, 1.5, 'x', true, null, 2 ** 40], nested: { deep: { bytes: new Uint8Array(3) } } },
  },
].map((envelope) => encodeEnvelope(envelope as Envelope));

/** Header bytes that steer the decoder into its interesting branches. */
const INTERESTING = [0x00, 0x17, 0x18, 0x1b, 0x1c, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xc1, 0xd8, 0xd9, 0xda, 0xdb, 0xf7, 0xf9, 0xfb, 0xff];

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = int(256);
  return bytes;
}

function mutate(source: Uint8Array): Uint8Array {
  let bytes = Uint8Array.from(source);
  const rounds = 1 + int(4);
  for (let round = 0; round < rounds; round++) {
    const at = int(bytes.length);
    switch (int(6)) {
      case 0: // flip a bit
        bytes[at] = (bytes[at] as number) ^ (1 << int(8));
        break;
      case 1: // random byte
        bytes[at] = int(256);
        break;
      case 2: // interesting header byte
        bytes[at] = INTERESTING[int(INTERESTING.length)] as number;
        break;
      case 3: // truncate
        bytes = bytes.subarray(0, at);
        break;
      case 4: // insert
        bytes = Uint8Array.from([...bytes.subarray(0, at), int(256), ...bytes.subarray(at)]);
        break;
      default: // duplicate a slice (repeated keys, nested copies)
        bytes = Uint8Array.from([...bytes, ...bytes.subarray(at, at + 1 + int(16))]);
    }
    if (bytes.length === 0) break;
  }
  return bytes;
}

/** Random header soup: plausible CBOR structure with random lengths, often ill-formed. */
function structured(): Uint8Array {
  const bytes: number[] = [];
  const items = 1 + int(24);
  for (let i = 0; i < items; i++) {
    const major = int(8) << 5;
    const info = int(10) === 0 ? INTERESTING[int(INTERESTING.length)]! & 0x1f : int(28);
    bytes.push(major | info);
    const extra = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
    for (let j = 0; j < extra; j++) bytes.push(int(4) === 0 ? 0xff : int(4));
    if (int(3) === 0) for (let j = int(6); j > 0; j--) bytes.push(0x61 + int(26));
  }
  return Uint8Array.from(bytes);
}

/** Asserts `value` holds only plain values a CBOR reader would produce. */
function assertPlain(value: unknown, path: string): void {
  if (value === null || value === undefined) return;
  const kind = typeof value;
  if (kind === 'string' || kind === 'number' || kind === 'boolean' || kind === 'bigint') return;
  if (value instanceof Uint8Array || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      assertPlain(item, `${path}[${index}]`);
    });
    return;
  }
  assert.equal(Object.getPrototypeOf(value), Object.prototype, `${path} is not a plain object`);
  for (const [key, item] of Object.entries(value as object)) assertPlain(item, `${path}.${key}`);
}

test(`${CASES} random and mutated inputs decode or fail with a WIRE_* RigError, never anything else`, (t) => {
  const outcomes = new Map<string, number>();
  for (let n = 0; n < CASES; n++) {
    const pick = n % 4;
    const input =
      pick === 0 ? randomBytes(int(48)) : pick === 3 ? structured() : mutate(corpus[int(corpus.length)] as Uint8Array);
    const oversized = int(200) === 0;
    try {
      const envelope = decodeEnvelope(oversized ? new Uint8Array(MAX_BYTES + 1 + int(64)) : input, {
        maxBytes: MAX_BYTES,
      });
      assertPlain(envelope.data, 'data');
      encodeEnvelope(envelope);
      outcomes.set('decoded', (outcomes.get('decoded') ?? 0) + 1);
    } catch (error) {
      if (!(error instanceof RigError) || !WIRE_CODES.has(error.code)) {
        assert.fail(
          `seed ${SEED} case ${n}: input ${Buffer.from(input).toString('hex')} threw ${String(error)}` +
            (error instanceof Error ? `\n${error.stack}` : ''),
        );
      }
      outcomes.set(error.code, (outcomes.get(error.code) ?? 0) + 1);
    }
  }
  t.diagnostic(`seed ${SEED}: ${JSON.stringify(Object.fromEntries(outcomes))}`);
  // The fuzzer must actually reach every outcome, or it proves nothing.
  for (const outcome of ['decoded', 'WIRE_MALFORMED', 'WIRE_TOO_LARGE', 'WIRE_INVALID']) {
    assert.ok((outcomes.get(outcome) ?? 0) > 0, `no input produced ${outcome}: ${JSON.stringify([...outcomes])}`);
  }
});
