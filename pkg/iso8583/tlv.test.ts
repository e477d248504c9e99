/**
 * TLV subfields: EMV BER-TLV in DE 55 (parse, build, constructed templates, long lengths, strictness) and
 * fixed-format ASCII TLV in DE 48. Values come from EMV 4.3 Book 3 Annex A tag definitions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { builtinSpec, emvTagInfo, IsoErrorCode, type IsoMessage, loadSpec, MAX_TLV_DEPTH, pack, type TlvValue, unpack } from './index.ts';
import { expectRigError, hex, toHex } from './testing.ts';

const binary = builtinSpec('iso87binary');
const composite = loadSpec(fileURLToPath(new URL('./testdata/composite.yaml', import.meta.url)));

/** iso87binary message with DE 55 = the given raw bytes (2-byte BCD LLL prefix). */
function withDe55(bytes: Uint8Array): Uint8Array {
  const length = hex(String(bytes.length).padStart(4, '0'));
  return new Uint8Array([...hex('0200'), ...hex('0000000000000200'), ...length, ...bytes]);
}

describe('EMV BER-TLV (DE 55)', () => {
  it('builds tags in the order given, with 1- and 2-byte tags and short lengths', () => {
    const items: TlvValue[] = [
      { tag: '9F02', value: hex('000000001000') },
      { tag: '5F2A', value: hex('0840') },
      { tag: '82', value: hex('1C00') },
      { tag: '95', value: hex('0000008000') },
    ];
    const bytes = pack({ mti: '0200', fields: { 55: items } }, binary);
    assert.equal(toHex(bytes).slice(20), '0025' + '9F0206000000001000' + '5F2A020840' + '82021C00' + '95050000008000');
    assert.deepEqual(unpack(bytes, binary).fields[55], items);
  });

  it('nests constructed templates (tag 70 holding 57 and 5A) as lists', () => {
    const items: TlvValue[] = [{ tag: '70', value: [{ tag: '57', value: hex('4111111111111111D25121') }, { tag: '5A', value: hex('4111111111111111') }] }];
    const bytes = pack({ mti: '0200', fields: { 55: items } }, binary);
    assert.equal(toHex(bytes).slice(20 + 4), '7017' + '570B4111111111111111D25121' + '5A084111111111111111');
    assert.deepEqual(unpack(bytes, binary).fields[55], items);
  });

  it('writes and reads long-form lengths (81 xx, 82 xx xx)', () => {
    const big = Uint8Array.from({ length: 200 }, (_, i) => i);
    const bytes = pack({ mti: '0200', fields: { 55: [{ tag: '9F10', value: big }] } }, builtinSpec('iso93ascii'));
    const items = unpack(bytes, builtinSpec('iso93ascii')).fields[55] as TlvValue[];
    assert.deepEqual(items[0]!.value, big);
    const spec = loadSpec({
      name: 't',
      title: 't',
      mti: { encoding: 'ascii' },
      bitmap: { encoding: 'binary' },
      fields: { 55: { type: 'b', length: 999, prefix: 'LLL', subfields: { kind: 'tlv', tag: { format: 'ber' }, length: { format: 'ber' } } } },
    });
    const huge = new Uint8Array(300);
    const wire = pack({ mti: '0200', fields: { 55: [{ tag: 'DF01', value: huge }] } }, spec);
    assert.equal(toHex(wire).slice(24, 24 + 6 + 10), toHex(new TextEncoder().encode('305')) + 'DF0182012C');
  });

  it('rejects a non-minimal length (81 05) because it could not re-pack byte-exact', () => {
    expectRigError(() => unpack(withDe55(hex('9F028105000000001000')), binary), IsoErrorCode.BAD_LENGTH, { field: 'DE 55 tag 9F02' });
  });

  it('rejects an indefinite length (80)', () => {
    expectRigError(() => unpack(withDe55(hex('7080')), binary), IsoErrorCode.BAD_LENGTH);
  });

  it('rejects a value that runs past the end of DE 55 and names the byte', () => {
    // DE 55 data starts at byte 12; tag 9F02 claims 6 bytes but 2 follow; the value starts at byte 15.
    expectRigError(() => unpack(withDe55(hex('9F02060000')), binary), IsoErrorCode.TRUNCATED, { offset: 15 });
  });

  it('rejects a multi-byte tag cut off by the end of the field', () => {
    expectRigError(() => unpack(withDe55(hex('9F')), binary), IsoErrorCode.TRUNCATED);
  });

  it(`stops at ${MAX_TLV_DEPTH} levels of constructed tags instead of recursing without bound`, () => {
    let data = hex('8100');
    for (let i = 0; i < MAX_TLV_DEPTH + 1; i++) data = new Uint8Array([0x70, data.length, ...data]);
    expectRigError(() => unpack(withDe55(data), binary), IsoErrorCode.BAD_TLV);
  });

  it('rejects a malformed tag on pack', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 55: [{ tag: '9F', value: hex('00') }] } }, binary), IsoErrorCode.BAD_TLV);
    expectRigError(() => pack({ mti: '0200', fields: { 55: [{ tag: 'zz', value: hex('00') }] } }, binary), IsoErrorCode.BAD_TLV);
  });

  it('keeps repeated tags and their order', () => {
    const items: TlvValue[] = [
      { tag: '9F36', value: hex('0001') },
      { tag: '9F36', value: hex('0002') },
    ];
    assert.deepEqual(unpack(pack({ mti: '0200', fields: { 55: items } }, binary), binary).fields[55], items);
  });
});

describe('EMV tag dictionary', () => {
  it('names the common tags and flags card data as sensitive', () => {
    const names: Record<string, string> = {
      '9F02': 'Amount, Authorised (Numeric)',
      '9F26': 'Application Cryptogram',
      '82': 'Application Interchange Profile',
      '95': 'Terminal Verification Results',
      '9A': 'Transaction Date',
      '9C': 'Transaction Type',
      '5F2A': 'Transaction Currency Code',
      '9F10': 'Issuer Application Data',
      '9F36': 'Application Transaction Counter (ATC)',
      '9F37': 'Unpredictable Number',
      '84': 'Dedicated File (DF) Name',
      '9F1A': 'Terminal Country Code',
      '9F33': 'Terminal Capabilities',
      '9F34': 'Cardholder Verification Method (CVM) Results',
      '9F35': 'Terminal Type',
      '57': 'Track 2 Equivalent Data',
      '5A': 'Application Primary Account Number (PAN)',
      '5F34': 'Application PAN Sequence Number',
    };
    for (const [tag, name] of Object.entries(names)) assert.equal(emvTagInfo(tag)?.name, name, tag);
    assert.equal(emvTagInfo('5a')?.sensitive, true);
    assert.equal(emvTagInfo('57')?.sensitive, true);
    assert.equal(emvTagInfo('9F02')?.sensitive, false);
    assert.equal(emvTagInfo('DF7F'), undefined);
  });
});

describe('fixed-format ASCII TLV (DE 48)', () => {
  it('reads 2-character tags with 2-digit lengths and text values', () => {
    const message: IsoMessage = { mti: '0100', fields: { 48: [{ tag: '01', value: 'ABC' }, { tag: '42', value: '0000000' }] } };
    const bytes = pack(message, composite);
    assert.equal(Buffer.from(bytes).toString('latin1').slice(20), '018' + '0103ABC' + '42070000000');
    assert.deepEqual(unpack(bytes, composite), message);
  });

  it('names tags from the spec\'s own `tags` entries', () => {
    assert.equal(composite.describe(48, '42'), 'Electronic commerce indicators');
    assert.equal(composite.describe(48, '99'), undefined);
  });

  it('refuses per-tag subfields, which the codec does not decode', () => {
    const err = expectRigError(
      () =>
        loadSpec({
          name: 't',
          title: 't',
          mti: { encoding: 'ascii' },
          bitmap: { encoding: 'hex' },
          fields: {
            48: {
              type: 'ans',
              length: 999,
              prefix: 'LLL',
              subfields: {
                kind: 'tlv',
                tag: { format: 'fixed', encoding: 'ascii', length: 2 },
                length: { format: 'fixed', encoding: 'ascii', digits: 2 },
                tags: { '01': { subfields: { kind: 'positional', fields: { 1: { type: 'n', length: 1 } } } } },
              },
            },
          },
        }),
      IsoErrorCode.BAD_SPEC,
    );
    assert.match(err.where ?? '', /tags\.01\.subfields/);
  });

  it('rejects a tag of the wrong size on pack', () => {
    expectRigError(() => pack({ mti: '0100', fields: { 48: [{ tag: '1', value: 'x' }] } }, composite), IsoErrorCode.BAD_TLV);
  });

  it('rejects a non-numeric length on unpack', () => {
    const wire = Buffer.from('0100' + '0000000000010000' + '007' + '01XXABC', 'latin1');
    expectRigError(() => unpack(wire, composite), IsoErrorCode.BAD_LENGTH, { offset: 25 });
  });
});
