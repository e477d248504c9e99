/**
 * Data-element sweep: every data element a shipped fluxrig spec defines, with a seeded random value that
 * fits its definition (type, length, prefix), checked against an oracle in both directions: one message
 * per element, then one message carrying all of them at once (primary and secondary bitmap full).
 * The vectors (vectors.json) test realistic messages; this sweep tests the whole field table.
 *
 * Known differences are data, each with its reason, and the sweep holds them to it: a listed element
 * must still differ (so the list never outlives the difference), every other element must agree.
 * What it must never do: drop an element silently. Elements with subfields (EMV DE 55) are covered by
 * the vectors instead and are listed as such.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { builtinSpec, type FieldDoc, type IsoFieldValue, type IsoMessage, type IsoSpec, pack, unpack } from '../../../pkg/iso8583/index.ts';
import { canonicalFromFlux, canonicalFromOracle, oracleFromFlux, toHex } from './convert.ts';
import { isOracleError, type Oracle } from './oracles.ts';

const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SPECIALS = ' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

/** Small deterministic generator (LCG): the same seed gives the same messages on every machine. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 0x1_0000_0000;
  };
  const int = (below: number) => Math.floor(next() * below);
  const chars = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
  return { int, chars };
}

/** A value that fits `doc`, or undefined for elements with subfields. Variable lengths stay below 40. */
function valueFor(doc: FieldDoc, g: ReturnType<typeof generator>): IsoFieldValue | undefined {
  if (doc.subfields !== undefined) return undefined;
  const variable = doc.prefix !== undefined && doc.prefix !== 'fixed';
  const n = variable ? Math.max(doc.minLength ?? 0, 1 + g.int(Math.min(doc.length, 40))) : doc.length;
  switch (doc.type) {
    case 'n':
      return g.chars(DIGITS, n);
    case 'a':
      return g.chars(LETTERS, n);
    case 'an':
      return g.chars(LETTERS + DIGITS, n);
    case 'anp':
      return g.chars(`${LETTERS}${DIGITS} `, n);
    case 'ans':
    case 'any':
      return g.chars(LETTERS + DIGITS + SPECIALS, n);
    case 'as':
      return g.chars(LETTERS + SPECIALS, n);
    case 'ns':
      return g.chars(DIGITS + SPECIALS, n);
    case 's':
      return g.chars(SPECIALS, n);
    case 'z': {
      // Track 2 shape: digits, a separator, digits.
      if (n < 3) return g.chars(DIGITS, n);
      const pan = 1 + g.int(n - 2);
      return `${g.chars(DIGITS, pan)}=${g.chars(DIGITS, n - pan - 1)}`;
    }
    case 'x+n':
      return `${g.int(2) === 0 ? 'C' : 'D'}${g.chars(DIGITS, n - 1)}`;
    case 'b':
      return new Uint8Array(Array.from({ length: n }, () => g.int(256)));
  }
  return undefined;
}

export interface KnownDifferences {
  [dataElement: number]: string;
}

/** Registers the sweep of `fluxSpecName` against an oracle; `known` lists elements expected to differ. */
export function elementSweep(fluxSpecName: string, openOracle: () => Oracle, known: KnownDifferences = {}, seed = 8583): void {
  let spec: IsoSpec;
  let oracle: Oracle;
  let singles: { n: number; message: IsoMessage }[] = [];
  let all: IsoMessage;

  describe(`${fluxSpecName} data-element sweep`, () => {
    before(() => {
      spec = builtinSpec(fluxSpecName);
      oracle = openOracle();
      const g = generator(seed);
      singles = [];
      const everything: Record<number, IsoFieldValue> = {};
      for (const n of spec.fieldNumbers) {
        const doc = spec.document.fields[String(n)];
        // DE 1 (and DE 65 as the tertiary-bitmap bit) are bitmaps, implied by the field set.
        if (n < 2 || doc === undefined || (n === 65 && spec.document.bitmap.tertiary === true)) continue;
        const value = valueFor(doc, g);
        if (value === undefined) continue;
        singles.push({ n, message: { mti: '0200', fields: { [n]: value } } });
        if (known[n] === undefined) everything[n] = value;
      }
      all = { mti: '0200', fields: everything };
    });

    it('sweeps every data element except those with subfields (covered by the vectors)', () => {
      const withSubfields = spec.fieldNumbers.filter((n) => spec.document.fields[String(n)]?.subfields !== undefined);
      assert.ok(singles.length >= 100, `only ${singles.length} elements swept`);
      assert.equal(singles.length + withSubfields.length, spec.fieldNumbers.filter((n) => n >= 2).length, 'every element is swept or has subfields');
    });

    it('the oracle reads every element fluxrig writes, alone and all together, as fluxrig wrote it', () => {
      const messages = [...singles.map((s) => s.message), all];
      const answers = oracle.unpack(messages.map((m) => toHex(pack(m, spec))));
      const disagreeing: number[] = [];
      singles.forEach(({ n, message }, i) => {
        const answer = answers[i];
        const same = answer !== undefined && !isOracleError(answer) && answer.mti === '0200' &&
          JSON.stringify(canonicalFromOracle(answer, oracle, spec)) === JSON.stringify(canonicalFromFlux(message));
        if (!same) disagreeing.push(n);
      });
      assert.deepEqual(disagreeing, knownNumbers(known), `elements ${oracle.name} reads differently (known: ${describeKnown(known)})`);
      const together = answers[singles.length];
      assert.ok(together !== undefined && !isOracleError(together), `${oracle.name} rejects the all-elements message: ${JSON.stringify(together)}`);
      assert.deepEqual(canonicalFromOracle(together, oracle, spec), canonicalFromFlux(all), 'the all-elements message');
    });

    it('fluxrig reads every element the oracle writes, alone and all together, and writes it back byte for byte', () => {
      const messages = [...singles.map((s) => s.message), all];
      const packed = oracle.pack(messages.map((m) => oracleFromFlux(m, oracle, spec)));
      const disagreeing: number[] = [];
      const readBack = (hex: string | { error: string } | undefined, message: IsoMessage): boolean => {
        if (typeof hex !== 'string') return false;
        try {
          const ours = unpack(Buffer.from(hex, 'hex'), spec);
          return JSON.stringify(canonicalFromFlux(ours)) === JSON.stringify(canonicalFromFlux(message)) && toHex(pack(ours, spec)) === hex;
        } catch {
          // A RigError here is the disagreement itself (e.g. a length fluxrig rejects): counted, and the
          // assertion below names the element.
          return false;
        }
      };
      singles.forEach(({ n, message }, i) => {
        if (!readBack(packed[i], message)) disagreeing.push(n);
      });
      assert.deepEqual(disagreeing, knownNumbers(known), `elements fluxrig reads differently from ${oracle.name} (known: ${describeKnown(known)})`);
      assert.ok(readBack(packed[singles.length], all), `the all-elements message packed by ${oracle.name}: ${JSON.stringify(packed[singles.length]).slice(0, 200)}`);
    });
  });
}

function knownNumbers(known: KnownDifferences): number[] {
  return Object.keys(known)
    .map(Number)
    .sort((a, b) => a - b);
}

function describeKnown(known: KnownDifferences): string {
  const entries = Object.entries(known);
  return entries.length === 0 ? 'none' : entries.map(([n, why]) => `DE ${n}: ${why}`).join('; ');
}
