/**
 * Small helpers shared by this folder's tests: hex <-> bytes and assertions on RigError codes/offsets.
 * Test support only; never imported by production code.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { isRigError, type RigError } from '../errors/index.ts';
import { builtinSpec, type IsoSpec, listBuiltinSpecs, loadSpec } from './index.ts';

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  assert.match(clean, /^(?:[0-9A-Fa-f]{2})*$/, 'test vector is not hex');
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

export function ascii(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

/** Run `fn`, expect a RigError with `code` (and `offset`/`field` when given); returns it. */
export function expectRigError(fn: () => unknown, code: string, at?: { offset?: number; field?: string }): RigError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught !== undefined, `expected ${code}, nothing was thrown`);
  assert.ok(isRigError(caught), `expected a RigError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, `code (${caught.describe()})`);
  if (at?.offset !== undefined) assert.equal(caught.details?.offset, at.offset, `offset (${caught.describe()})`);
  if (at?.field !== undefined) assert.equal(caught.details?.field, at.field, `field (${caught.describe()})`);
  return caught;
}

/** xorshift32 for the fuzz and differential tests: tiny, fast, and reproducible from its seed. */
export function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, below: (n: number) => next() % n, chance: (p: number) => next() / 0x100000000 < p };
}
export type Rnd = ReturnType<typeof prng>;

/** Every shipped spec and the composite test spec (nested bitmap, TLV, positional subfields). */
export function everySpecUnderTest(): IsoSpec[] {
  return [
    ...listBuiltinSpecs().map((spec) => builtinSpec(spec.name)),
    loadSpec(fileURLToPath(new URL('./testdata/composite.yaml', import.meta.url))),
  ];
}
