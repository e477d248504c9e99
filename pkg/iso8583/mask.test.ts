import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { builtinSpec, type IsoMessage, type IsoSpec, loadSpec, pack, type SpecDocument, unpack } from './index.ts';
import type { TlvSubfieldsDoc } from './types.ts';
import { fieldSensitivity, maskMessage, maskPan, maskTrack1, maskTrack2 } from './mask.ts';

/** A compiled-spec stand-in: masking only reads `document`, so the codec is not needed here. */
function specOf(document: SpecDocument): IsoSpec {
  return {
    name: document.name,
    title: document.title,
    source: '<test>',
    document,
    describe: () => undefined,
    fieldNumbers: Object.keys(document.fields).map(Number),
    plan: undefined,
  };
}

const baseDocument: SpecDocument = {
  name: 'masktest',
  title: 'masking test spec',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex' },
  fields: {
    '2': { type: 'n', length: 19, prefix: 'LL' },
    '14': { type: 'n', length: 4 },
    '35': { type: 'z', length: 37, prefix: 'LL' },
    '48': {
      type: 'ans',
      length: 999,
      prefix: 'LLL',
      subfields: {
        kind: 'tlv',
        tag: { format: 'fixed', encoding: 'ascii', length: 2 },
        length: { format: 'fixed', encoding: 'ascii', digits: 2 },
        tags: { '92': { description: 'CVV2', sensitive: 'secret' } },
      },
    },
    '55': {
      type: 'b',
      length: 255,
      prefix: 'LLL',
      subfields: { kind: 'tlv', tag: { format: 'ber' }, length: { format: 'ber' }, dictionary: 'emv' },
    },
    '62': {
      type: 'ans',
      length: 99,
      prefix: 'LL',
      subfields: { kind: 'positional', fields: { '1': { type: 'n', length: 4 }, '2': { type: 'ans', length: 3, sensitive: 'secret' } } },
    },
    '102': { type: 'ans', length: 28, prefix: 'LL', sensitive: 'pan' },
  },
};

describe('mask: primitives', () => {
  test('a PAN keeps its first 6 and last 4 digits', () => {
    assert.equal(maskPan('4111111111111111'), '411111******1111');
    assert.equal(maskPan('5413330089020011234'), '541333*********1234');
  });

  test('a value too short to be a PAN is starred entirely', () => {
    assert.equal(maskPan('12345678'), '********');
  });

  test('track 2: PAN masked, separator kept, everything after it starred', () => {
    assert.equal(maskTrack2('4111111111111111=25121011234567890'), '411111******1111=*****************');
    assert.equal(maskTrack2(';4111111111111111=2512101?'), ';411111******1111=*******?');
  });

  test('track 2 without a separator is starred entirely', () => {
    assert.equal(maskTrack2('41111111'), '********');
  });

  test('track 1: format code kept, PAN masked, name and discretionary data starred', () => {
    assert.equal(maskTrack1('B4111111111111111^DOE/JOHN^2512101123'), 'B411111******1111^********^**********');
  });
});

describe('mask: messages', () => {
  const spec = specOf(baseDocument);
  const message: IsoMessage = {
    mti: '0200',
    fields: {
      2: '4111111111111111',
      3: '000000',
      14: '2512',
      35: '4111111111111111=25121011234567890',
      45: 'B4111111111111111^DOE/JOHN^2512101123',
      52: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]),
    },
  };

  test('without a spec the ISO defaults mask DE 2, 35, 45 and 52 and keep DE 14', () => {
    const masked = maskMessage(message);
    assert.equal(masked.fields[2], '411111******1111');
    assert.equal(masked.fields[35], '411111******1111=*****************');
    assert.equal(masked.fields[45], 'B411111******1111^********^**********');
    assert.equal(masked.fields[52], '****************');
    assert.equal(masked.fields[14], '2512');
    assert.equal(masked.fields[3], '000000');
  });

  test('the input message is not modified', () => {
    maskMessage(message);
    assert.equal(message.fields[2], '4111111111111111');
  });

  test('no masked field contains the clear PAN', () => {
    const text = JSON.stringify(maskMessage(message, spec));
    assert.ok(!text.includes('4111111111111111'));
  });

  test('sensitive EMV tags in DE 55 are masked, other tags kept', () => {
    const masked = maskMessage(
      {
        mti: '0200',
        fields: {
          55: [
            { tag: '5A', value: Buffer.from('4111111111111111', 'hex') },
            { tag: '57', value: Buffer.from('4111111111111111D2512101123456789F', 'hex') },
            { tag: '9F1F', value: Buffer.from('313233', 'hex') },
            { tag: '9F02', value: Buffer.from('000000001000', 'hex') },
          ],
        },
      },
      spec,
    );
    const tlv = masked.fields[55] as { tag: string; value: unknown }[];
    assert.equal(tlv[0]?.value, '411111******1111');
    assert.equal(tlv[1]?.value, '411111******1111D****************F');
    assert.equal(tlv[2]?.value, '******');
    assert.deepEqual(tlv[3]?.value, Buffer.from('000000001000', 'hex'));
  });

  test('any tag the EMV dictionary marks sensitive is starred, e.g. 5F20 cardholder name', () => {
    const masked = maskMessage({ mti: '0100', fields: { 55: [{ tag: '5F20', value: 'DOE/JOHN' }] } });
    assert.deepEqual(masked.fields[55], [{ tag: '5F20', value: '********' }]);
  });

  test('EMV tags inside a constructed tag are masked too', () => {
    const masked = maskMessage({ mti: '0100', fields: { 55: [{ tag: '70', value: [{ tag: '5A', value: '4111111111111111' }] }] } });
    assert.deepEqual(masked.fields[55], [{ tag: '70', value: [{ tag: '5A', value: '411111******1111' }] }]);
  });

  test('a TLV tag marked sensitive in the spec is masked (DE 48 tag 92 CVV2)', () => {
    const masked = maskMessage(
      {
        mti: '0100',
        fields: {
          48: [
            { tag: '92', value: '123' },
            { tag: '10', value: 'keep' },
          ],
        },
      },
      spec,
    );
    assert.deepEqual(masked.fields[48], [
      { tag: '92', value: '***' },
      { tag: '10', value: 'keep' },
    ]);
  });

  test('a positional subfield marked sensitive is masked, its siblings kept', () => {
    const masked = maskMessage({ mti: '0100', fields: { 62: { '1': '2512', '2': '999' } } }, spec);
    assert.deepEqual(masked.fields[62], { '1': '2512', '2': '***' });
  });

  test('a spec can mark any field, e.g. DE 102 as a PAN', () => {
    const masked = maskMessage({ mti: '0200', fields: { 102: '4111111111111111' } }, spec);
    assert.equal(masked.fields[102], '411111******1111');
    assert.equal(fieldSensitivity(102, spec), 'pan');
  });

  test('a spec can turn a default off with sensitive: false', () => {
    const open = specOf({ ...baseDocument, fields: { ...baseDocument.fields, '2': { type: 'n', length: 19, prefix: 'LL', sensitive: false } } });
    assert.equal(maskMessage({ mti: '0200', fields: { 2: '4111111111111111' } }, open).fields[2], '4111111111111111');
  });
});

describe('mask: markings in a real spec file document (schema-valid, loaded by the codec)', () => {
  const base = builtinSpec('iso87ascii').document;
  const de55 = base.fields['55'];
  const document: SpecDocument = {
    ...base,
    name: 'iso87ascii-marked',
    fields: {
      ...base.fields,
      '102': { ...(base.fields['102'] as SpecDocument['fields'][string]), sensitive: 'pan' },
      '55': {
        ...(de55 as SpecDocument['fields'][string]),
        subfields: { ...(de55?.subfields as TlvSubfieldsDoc), tags: { '9F02': { description: 'amount, hidden here', sensitive: 'secret' } } },
      },
    },
  };
  const spec = loadSpec(document);

  test('loadSpec accepts sensitive on fields and TLV tags, and masking applies them to decoded messages', () => {
    const message = unpack(
      pack({ mti: '0200', fields: { 102: '4111111111111111', 55: [{ tag: '9F02', value: '000000001000' }] } }, spec),
      spec,
    );
    const masked = maskMessage(message, spec);
    assert.equal(masked.fields[102], '411111******1111');
    assert.deepEqual(masked.fields[55], [{ tag: '9F02', value: '************' }]);
  });
});
