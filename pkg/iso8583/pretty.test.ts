import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IsoMessage } from './index.ts';
import { formatMessageTable, messageToJson } from './pretty.ts';

const message: IsoMessage = {
  mti: '0200',
  fields: {
    2: '4111111111111111',
    4: '000000001000',
    52: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04]),
    55: [
      { tag: '9F02', value: new Uint8Array([0, 0, 0, 0, 0x10, 0]) },
      { tag: '5A', value: new Uint8Array([0x41, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11]) },
    ],
    62: { '1': 'AB', '2': 'C\u0001D' },
  },
};

describe('pretty: JSON', () => {
  test('masked by default: no clear PAN, PIN block starred', () => {
    const json = messageToJson(message, undefined);
    assert.equal(json.fields['2'], '411111******1111');
    assert.equal(json.fields['52'], '****************');
    assert.ok(!JSON.stringify(json).includes('4111111111111111'));
  });

  test('unmasked on request: bytes as upper-case hex, TLV and composites kept in shape', () => {
    const json = messageToJson(message, undefined, { unmasked: true });
    assert.deepEqual(json, {
      mti: '0200',
      fields: {
        '2': '4111111111111111',
        '4': '000000001000',
        '52': 'DEADBEEF01020304',
        '55': [
          { tag: '9F02', value: '000000001000' },
          { tag: '5A', value: '4111111111111111' },
        ],
        '62': { '1': 'AB', '2': 'C\u0001D' },
      },
    });
  });
});

describe('pretty: table', () => {
  test('one row per field in field order, EMV tags named from the dictionary', () => {
    const lines = formatMessageTable(message, undefined).split('\n');
    assert.match(lines[0] ?? '', /^MTI\s+0200$/);
    assert.match(lines[1] ?? '', /^DE 2\s+411111\*{6}1111$/);
    assert.ok(lines.some((line) => /^ {2}9F02\s+Amount, Authorised \(Numeric\)\s+<6 bytes> 000000001000$/.test(line)));
  });

  test('masked tables say so; unmasked tables show the PAN', () => {
    assert.match(formatMessageTable(message, undefined), /sensitive values masked/);
    const clear = formatMessageTable(message, undefined, { unmasked: true });
    assert.match(clear, /4111111111111111/);
    assert.doesNotMatch(clear, /masked/);
  });

  test('control characters are escaped, never printed raw', () => {
    assert.match(formatMessageTable(message, undefined), /C\\x01D/);
  });

  test('spans add the byte offset and length of each field', () => {
    const table = formatMessageTable({ mti: '0800', fields: { 70: '301' } }, undefined, {
      spans: [
        { label: 'mti', field: undefined, path: [], start: 0, dataStart: 0, end: 4, depth: 0, description: '' },
        { label: 'DE 70', field: 70, path: [], start: 36, dataStart: 36, end: 39, depth: 0, description: '' },
      ],
    });
    assert.match(table, /^DE 70\s+@36\+3\s+301$/m);
    assert.match(table, /^MTI\s+@0\+4\s+0800$/m);
  });
});
