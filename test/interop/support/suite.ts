/**
 * The interop specification every oracle is held to, registered once per (fluxrig spec, oracle) pair:
 *   1. the oracle unpacks every message fluxrig packs into the same MTI and fields;
 *   2. fluxrig unpacks every message the oracle packs into the same fields and repacks it byte for byte;
 *   3. both write the very same bytes for the same message;
 *   4. where a public source states a vector's bytes, fluxrig writes exactly those.
 * Messages come from test/interop/vectors.json; each oracle runs once per batch, not once per message.
 * What it must never do: skip a vector or loosen a comparison for one oracle (differences are failures).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { builtinSpec, type IsoSpec, pack, unpack } from '../../../pkg/iso8583/index.ts';
import {
  canonicalFromFlux,
  canonicalFromOracle,
  canonicalFromVector,
  fluxFromVector,
  oracleFromFlux,
  toHex,
  type Vector,
  type VectorFile,
} from './convert.ts';
import { isOracleError, type Oracle, type OracleError } from './oracles.ts';

export const VECTORS_PATH = new URL('../vectors.json', import.meta.url);

export function loadVectors(): VectorFile {
  return JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile;
}

/**
 * Registers the checks for one (fluxrig spec, oracle) pair. `openSpec` defaults to the shipped spec of
 * that name; pass one to hold a spec file under review to the same checks.
 */
export function interopSuite(fluxSpecName: string, openOracle: () => Oracle, openSpec: () => IsoSpec = () => builtinSpec(fluxSpecName)): void {
  const vectors: Vector[] = loadVectors().vectors.filter((v) => v.specs.includes(fluxSpecName));
  let spec: IsoSpec;
  let oracle: Oracle;
  // What the oracle packs for the vectors: asked once, read by two tests (a JVM start is the slow part).
  let oraclePacked: (string | OracleError)[] | undefined;
  const packedByOracle = () => {
    oraclePacked ??= oracle.pack(vectors.map((v) => oracleFromFlux(fluxFromVector(v, spec), oracle, spec)));
    return oraclePacked;
  };

  describe(`${fluxSpecName} interop`, () => {
    before(() => {
      spec = openSpec();
      oracle = openOracle();
    });

    it('has vectors to compare', () => {
      assert.ok(vectors.length >= 5, `only ${vectors.length} vectors for ${fluxSpecName} in vectors.json`);
    });

    it('the oracle unpacks every message fluxrig packs into the same MTI and fields', () => {
      const packed = vectors.map((v) => toHex(pack(fluxFromVector(v, spec), spec)));
      const answers = oracle.unpack(packed);
      vectors.forEach((vector, i) => {
        const answer = answers[i];
        assert.ok(answer !== undefined && !isOracleError(answer), `${oracle.name} rejected "${vector.name}": ${JSON.stringify(answer)}\n  bytes: ${packed[i]}`);
        assert.equal(answer.mti, vector.mti, `MTI of "${vector.name}" as ${oracle.name} reads it`);
        assert.deepEqual(canonicalFromOracle(answer, oracle, spec), canonicalFromVector(vector), `fields of "${vector.name}" as ${oracle.name} reads fluxrig's bytes`);
      });
    });

    it('fluxrig unpacks every message the oracle packs into the same fields and repacks it byte for byte', () => {
      const answers = packedByOracle();
      vectors.forEach((vector, i) => {
        const hex = answers[i];
        assert.ok(typeof hex === 'string', `${oracle.name} could not pack "${vector.name}": ${JSON.stringify(hex)}`);
        const bytes = Buffer.from(hex, 'hex');
        const message = unpack(bytes, spec);
        assert.equal(message.mti, vector.mti, `MTI of "${vector.name}" as fluxrig reads ${oracle.name}'s bytes`);
        assert.deepEqual(canonicalFromFlux(message), canonicalFromVector(vector), `fields of "${vector.name}" as fluxrig reads ${oracle.name}'s bytes`);
        assert.equal(toHex(pack(message, spec)), hex, `fluxrig repacks ${oracle.name}'s "${vector.name}" byte for byte`);
      });
    });

    it('fluxrig and the oracle write identical bytes for the same message', () => {
      const theirs = packedByOracle();
      vectors.forEach((vector, i) => {
        assert.equal(toHex(pack(fluxFromVector(vector, spec), spec)), theirs[i], `bytes of "${vector.name}": fluxrig vs ${oracle.name}`);
      });
    });

    const published = vectors.filter((v) => v.expect?.[fluxSpecName] !== undefined);
    if (published.length === 0) return;
    it('fluxrig writes the bytes public sources state for their examples', () => {
      for (const vector of published) {
        assert.equal(toHex(pack(fluxFromVector(vector, spec), spec)), vector.expect?.[fluxSpecName], `"${vector.name}" (${vector.source})`);
      }
    });
  });
}
