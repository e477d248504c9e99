/**
 * Composite fields from pkg/iso8583/testdata/composite.yaml: a Postilion/Base24-style DE 127 with its own
 * bitmap, and DE 43 as positional subfields.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { IsoErrorCode, type IsoMessage, loadSpec, pack, unpack, unpackDetailed } from './index.ts';
import { expectRigError, toHex } from './testing.ts';

const spec = loadSpec(fileURLToPath(new URL('./testdata/composite.yaml', import.meta.url)));

describe('nested bitmap subfields (DE 127)', () => {
  const message: IsoMessage = {
    mti: '0200',
    fields: { 127: { 2: 'SWITCHKEY0001', 3: 'ROUTE'.padEnd(48, ' '), 22: '<Tag>value</Tag>', 33: '0001' } },
  };

  it('writes a 6-digit length, then an 8-byte bitmap of the subfields present, then the subfields', () => {
    const bytes = pack(message, spec);
    const body = Buffer.from(bytes).subarray(36); // MTI 4 + primary 16 + secondary 16
    const length = Number(body.subarray(0, 6).toString('latin1'));
    assert.equal(length, body.length - 6);
    // Subfields 2, 3, 22, 33: bits 2 and 3 -> 0x60, bit 22 -> byte 3 = 0x04, bit 33 -> byte 5 = 0x80.
    assert.equal(toHex(body.subarray(6, 14)), '6000040080000000');
    assert.equal(body.subarray(14, 29).toString('latin1'), '13SWITCHKEY0001');
  });

  it('round-trips byte-exact and returns the subfields keyed by number', () => {
    const bytes = pack(message, spec);
    const back = unpack(bytes, spec);
    assert.deepEqual(back, message);
    assert.equal(toHex(pack(back, spec)), toHex(bytes));
  });

  it('reports the nested bitmap and each subfield in unpackDetailed', () => {
    const { spans } = unpackDetailed(pack(message, spec), spec);
    assert.deepEqual(
      spans.filter((s) => s.field === 127).map((s) => [s.label, s.depth]),
      [
        ['DE 127', 0],
        ['DE 127 bitmap', 1],
        ['DE 127.2', 1],
        ['DE 127.3', 1],
        ['DE 127.22', 1],
        ['DE 127.33', 1],
      ],
    );
    assert.equal(spec.describe(127, '22'), 'Structured data');
  });

  it('rejects a nested bitmap bit for an undefined subfield', () => {
    const bytes = Buffer.from(pack({ mti: '0200', fields: { 127: { 33: '0001' } } }, spec));
    bytes[36 + 6] = 0x80; // set subfield 1, which the spec does not define
    expectRigError(() => unpack(bytes, spec), IsoErrorCode.UNDEFINED_FIELD, { field: 'DE 127.1' });
  });

  it('rejects an undefined subfield key on pack', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 127: { 9: 'x' } } }, spec), IsoErrorCode.UNDEFINED_FIELD, {
      field: 'DE 127.9',
    });
  });

  it('rejects bytes left inside DE 127 after its last subfield', () => {
    const good = Buffer.from(pack({ mti: '0200', fields: { 127: { 33: '0001' } } }, spec)).toString('latin1');
    // Grow the declared length by 2 and append 2 bytes: they sit inside DE 127 after subfield 33.
    const body = good.slice(36);
    const grown = String(Number(body.slice(0, 6)) + 2).padStart(6, '0') + body.slice(6) + 'XX';
    expectRigError(() => unpack(Buffer.from(good.slice(0, 36) + grown, 'latin1'), spec), IsoErrorCode.EXTRA_BYTES, {
      field: 'DE 127',
    });
  });
});

describe('positional subfields (DE 43)', () => {
  it('splits name / city / country and joins them back', () => {
    const value = { 1: 'ACME STORE'.padEnd(25), 2: 'SPRINGFIELD'.padEnd(13), 3: 'US' };
    const bytes = pack({ mti: '0200', fields: { 43: value } }, spec);
    assert.equal(Buffer.from(bytes).toString('latin1').slice(20), 'ACME STORE               SPRINGFIELD  US');
    assert.deepEqual(unpack(bytes, spec).fields[43], value);
  });

  it('pads short positional values like top-level fields', () => {
    const bytes = pack({ mti: '0200', fields: { 43: { 1: 'ACME', 2: 'TOWN', 3: 'US' } } }, spec);
    assert.equal(Buffer.from(bytes).toString('latin1').slice(20).length, 40);
  });

  it('rejects a gap: a later subfield without an earlier one', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 43: { 1: 'ACME', 3: 'US' } } }, spec), IsoErrorCode.BAD_VALUE, {
      field: 'DE 43.2',
    });
  });

  it('rejects the wrong character class inside a subfield and names it', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 43: { 1: 'ACME', 2: 'TOWN', 3: '12' } } }, spec), IsoErrorCode.BAD_CHAR, {
      field: 'DE 43.3',
    });
  });
});
