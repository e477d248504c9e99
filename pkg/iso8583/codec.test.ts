/**
 * pack/unpack against public vectors and round trips for every shipped spec. Each vector names its source;
 * the bytes are data taken from those sources (or built from the packager definitions they cite).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinSpec, type IsoMessage, loadSpec, pack, type SpecDocument, unpack, unpackDetailed } from './index.ts';
import { ascii, hex, toHex } from './testing.ts';

const iso87ascii = builtinSpec('iso87ascii');
const iso87binary = builtinSpec('iso87binary');
const iso93ascii = builtinSpec('iso93ascii');
const iso87ebcdic = builtinSpec('iso87ebcdic');

function roundTrip(bytes: Uint8Array, spec = iso87ascii): IsoMessage {
  const message = unpack(bytes, spec);
  assert.equal(toHex(pack(message, spec)), toHex(bytes), 'pack(unpack(bytes)) must give the same bytes');
  return message;
}

describe('public vectors', () => {
  it('decodes the pyiso8583 README message (DE 2 LLVAR) and re-packs it byte-exact', () => {
    // Source: https://github.com/knovichikhin/pyiso8583 README.rst, "Usage": b"02004000000000000000101234567890"
    // decoded with iso8583.specs.default_ascii.
    const message = roundTrip(ascii('02004000000000000000101234567890'));
    assert.deepEqual(message, { mti: '0200', fields: { 2: '1234567890' } });
  });

  it('packs the pyiso8583 how-to secondary-bitmap message (DE 21, DE 102) to its published bytes', () => {
    // Source: https://github.com/knovichikhin/pyiso8583 docs/howto.rst, "Check for Mandatory Fields":
    // {"t": "0200", "21": "051", "102": "111111"} encodes to b"0200800008000000000000000000040000000510611111"
    // (primary bitmap with DE 1 and DE 21, secondary with DE 102) under default_ascii.
    const bytes = pack({ mti: '0200', fields: { 21: '051', 102: '111111' } }, iso87ascii);
    assert.equal(Buffer.from(bytes).toString('latin1'), '020080000800000000000000000004000000' + '051' + '06111111');
    roundTrip(bytes);
  });

  it('carries the pyiso8583 how-to EMV DE 55 as hex with a character-counting LLL prefix', () => {
    // Source: https://github.com/knovichikhin/pyiso8583 docs/howto.rst, "Sending Binary Data":
    // DE 55 = 9F02060000000123455F340102 (tag 9F02 amount 000000012345, tag 5F34 PAN sequence 02).
    const message: IsoMessage = {
      mti: '0200',
      fields: { 55: [{ tag: '9F02', value: hex('000000012345') }, { tag: '5F34', value: hex('02') }] },
    };
    const bytes = pack(message, iso87ascii);
    assert.equal(Buffer.from(bytes).toString('latin1'), '02000000000000000200' + '026' + '9F02060000000123455F340102');
    assert.deepEqual(unpack(bytes, iso87ascii), message);
  });

  it('decodes the fluidpay/iso8583 1993 ASCII message with a secondary bitmap field by field', () => {
    // Source: https://github.com/fluidpay/iso8583 message_test.go, TestNewMessageWithSecondaryBitmap
    // (MTI 1200, bitmap F230040102A00000 0000000004000000).
    const wire =
      '1200F230040102A000000000000004000000104846811212201234000010000000110722180000000116120417192' +
      '6FABCDE123ABD06414243000termid1210Community11112341234234';
    const message = roundTrip(ascii(wire), iso93ascii);
    assert.deepEqual(message, {
      mti: '1200',
      fields: {
        2: '4846811212',
        3: '201234',
        4: '000010000000',
        7: '1107221800',
        11: '000001',
        12: '161204171926',
        22: 'FABCDE123ABD',
        32: '414243',
        39: '000',
        41: 'termid12',
        43: 'Community1',
        102: '12341234234',
      },
    });
  });

  it('decodes the DE 55 of Chuckks/Iso8583Lib into its 19 EMV tags and re-packs it', () => {
    // Source: https://github.com/Chuckks/Iso8583Lib src/test/java/com/bbva/iso8583lib/IsoFileTest.kt,
    // DEFAULT_ISO_FIELD_55 (a contactless purchase).
    const de55 =
      '5F2A02048482021C008407A0000000032010950580800080009A032401089C01009F02060000000900009F0306000000000000' +
      '9F090200839F100706010A03A4A8109F1A0204849F1E0836523635333530349F26082E078F5CEA112DAA9F2701809F3303E0B0C8' +
      '9F34030103029F3501229F4104000000019F530100';
    const data = hex(de55);
    // DE 55 is IFB_LLLCHAR in ISO87BPackager: a 2-byte BCD length (0148 here) then the bytes.
    const bcdLength = hex(String(data.length).padStart(4, '0'));
    const wire = new Uint8Array([...hex('0200'), ...hex('0000000000000200'), ...bcdLength, ...data]);
    const message = roundTrip(wire, iso87binary);
    const items = message.fields[55] as { tag: string; value: Uint8Array }[];
    assert.deepEqual(
      items.map((i) => i.tag),
      ['5F2A', '82', '84', '95', '9A', '9C', '9F02', '9F03', '9F09', '9F10', '9F1A', '9F1E', '9F26', '9F27', '9F33', '9F34', '9F35', '9F41', '9F53'],
    );
    assert.equal(toHex(items.find((i) => i.tag === '9F02')!.value), '000000090000');
    assert.equal(toHex(items.find((i) => i.tag === '84')!.value), 'A0000000032010');
  });
});

describe('moov-io/iso8583 TestPackUnpack vector (mixed encodings in one spec)', () => {
  // Source: https://github.com/moov-io/iso8583 message_test.go, TestPackUnpack: a spec mixing a binary
  // bitmap, ASCII fields, BCD DE 19, left-aligned BCD DE 49 (LBCD: pad nibble on the right), DE 43 padded
  // on the LEFT with spaces, raw binary DE 52 and LLL DE 120; `want` is its packed message. The spec below
  // restates that field list in fluxrig's format.
  const spec = loadSpec({
    name: 'moov-testpackunpack',
    title: 'moov-io TestPackUnpack spec',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'binary' },
    fields: {
      2: { type: 'n', length: 19, prefix: 'LL' },
      3: { type: 'n', length: 6 },
      4: { type: 'n', length: 12 },
      7: { type: 'n', length: 10 },
      11: { type: 'n', length: 6 },
      12: { type: 'n', length: 6 },
      13: { type: 'n', length: 4 },
      14: { type: 'n', length: 4 },
      19: { type: 'n', length: 3, encoding: 'bcd' },
      22: { type: 'n', length: 3 },
      25: { type: 'n', length: 2 },
      32: { type: 'n', length: 11, prefix: 'LL' },
      35: { type: 'z', length: 37, prefix: 'LL' },
      37: { type: 'an', length: 12 },
      39: { type: 'an', length: 2 },
      41: { type: 'ans', length: 8 },
      42: { type: 'ans', length: 15 },
      43: { type: 'ans', length: 40, padding: { side: 'left', char: ' ' } },
      49: { type: 'n', length: 3, encoding: 'bcd', padding: { side: 'right', char: '0' } },
      52: { type: 'b', length: 8 },
      53: { type: 'n', length: 16 },
      120: { type: 'ans', length: 999, prefix: 'LLL' },
    },
  });
  const want = Uint8Array.from([
    48, 49, 48, 48, 242, 60, 36, 129, 40, 224, 152, 0, 0, 0, 0, 0, 0, 0, 1, 0, 49, 54, 52, 50, 55, 54, 53, 53, 53, 53, 53, 53, 53,
    53, 53, 53, 53, 53, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 55, 55, 55, 48, 48, 48, 55, 48, 49, 49, 49, 49, 56,
    52, 52, 48, 48, 48, 49, 50, 51, 49, 51, 49, 56, 52, 52, 48, 55, 48, 49, 49, 57, 48, 50, 6, 67, 57, 48, 49, 48, 50, 48, 54,
    49, 50, 51, 52, 53, 54, 51, 55, 52, 50, 55, 54, 53, 53, 53, 53, 53, 53, 53, 53, 53, 53, 53, 53, 61, 49, 50, 51, 52, 53, 54,
    55, 56, 57, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 48, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 48, 49, 48, 48, 48, 48, 48,
    51, 50, 49, 49, 50, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 51, 52, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32,
    32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 84, 101, 115, 116, 32, 116, 101, 120, 116, 100, 48,
    1, 2, 3, 4, 5, 6, 7, 8, 49, 50, 51, 52, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 49, 55, 65, 110, 111, 116, 104,
    101, 114, 32, 116, 101, 115, 116, 32, 116, 101, 120, 116,
  ]);

  it('packs the TestPackUnpack values to moov-io\'s bytes (padding applied by the spec)', () => {
    const bytes = pack(
      {
        mti: '0100',
        fields: {
          2: '4276555555555555',
          3: '000000',
          4: '77700',
          7: '701111844',
          11: '123',
          12: '131844',
          13: '701',
          14: '1902',
          19: '643',
          22: '901',
          25: '2',
          32: '123456',
          35: '4276555555555555=12345678901234567890',
          37: '987654321001',
          41: '00000321',
          42: '120000000000034',
          43: 'Test text',
          49: '643',
          52: hex('0102030405060708'),
          53: '1234000000000000',
          120: 'Another test text',
        },
      },
      spec,
    );
    assert.equal(toHex(bytes), toHex(want));
  });

  it('unpacks moov-io\'s bytes and re-packs them byte-exact', () => {
    const message = roundTrip(want, spec);
    assert.equal(message.fields[4], '000000077700');
    assert.equal(message.fields[19], '643');
    assert.equal(message.fields[49], '643');
    assert.equal(message.fields[43], 'Test text'.padStart(40, ' '));
    assert.equal(message.fields[120], 'Another test text');
  });
});

/** An inline spec where the given fields are all fixed n 4, to test bitmaps alone. */
function fourDigitSpec(fields: number[], bitmap: SpecDocument['bitmap']): SpecDocument {
  return {
    name: 'bitmap-test',
    title: 'bitmap test',
    mti: { encoding: 'ascii' },
    bitmap,
    fields: Object.fromEntries(fields.map((n) => [String(n), { type: 'n', length: 4 }])),
  };
}

describe('bitmaps (pyiso8583 tests/test_decode.py vectors)', () => {
  // Source: https://github.com/knovichikhin/pyiso8583 tests/test_decode.py, test_primary_bitmap_decoding,
  // test_secondary_bitmap_decoding and test_tertiary_bitmap_decoding: bitmap 7010001102C04804 announces
  // fields 2 3 4 12 28 32 39 41 42 50 53 62 (+64 / +128 in the secondary / tertiary bitmap).
  const primary = [2, 3, 4, 12, 28, 32, 39, 41, 42, 50, 53, 62];
  const secondary = primary.map((n) => n + 64);
  const tertiary = primary.map((n) => n + 128);
  const data = (fields: number[]) => fields.map((n) => String(n).padStart(4, '0')).join('');

  for (const [encoding, bitmap] of [
    ['hex', ascii('7010001102C04804')],
    ['ebcdic-hex', hex('F7F0F1F0F0F0F1F1F0F2C3F0F4F8F0F4')],
    ['binary', hex('7010001102C04804')],
  ] as const) {
    it(`reads a ${encoding} primary bitmap`, () => {
      const spec = loadSpec(fourDigitSpec(primary, { encoding }));
      const wire = new Uint8Array([...ascii('0210'), ...bitmap, ...ascii(data(primary))]);
      const message = roundTrip(wire, spec);
      assert.deepEqual(Object.keys(message.fields).map(Number), primary);
      assert.equal(message.fields[62], '0062');
    });
  }

  it('reads a secondary bitmap announced by bit 1', () => {
    const spec = loadSpec(fourDigitSpec([...primary, ...secondary], { encoding: 'hex' }));
    const wire = ascii(`0210F010001102C048047010001102C04804${data(primary)}${data(secondary)}`);
    const message = roundTrip(wire, spec);
    assert.deepEqual(Object.keys(message.fields).map(Number), [...primary, ...secondary]);
  });

  it('reads a tertiary bitmap announced by bit 65 when the spec has one', () => {
    const spec = loadSpec(fourDigitSpec([...primary, ...secondary, ...tertiary], { encoding: 'hex', tertiary: true }));
    const wire = ascii(
      `0210F010001102C04804F010001102C048047010001102C04804${data(primary)}${data(secondary)}${data(tertiary)}`,
    );
    const message = roundTrip(wire, spec);
    assert.deepEqual(Object.keys(message.fields).map(Number), [...primary, ...secondary, ...tertiary]);
  });

  it('derives the bitmaps on pack: no secondary bitmap without a field above 64', () => {
    const bytes = pack({ mti: '0800', fields: { 11: '000001' } }, iso87ascii);
    assert.equal(Buffer.from(bytes).toString('latin1'), '08000020000000000000000001');
  });
});

describe('builtin specs: wire layout', () => {
  it('iso87binary packs MTI and numerics as BCD, the bitmap as 8 bytes and LLVAR numerics with a BCD length (jPOS ISO87BPackager)', () => {
    // Layout from https://github.com/jpos/jPOS ISO87BPackager.java: IFB_NUMERIC(4) MTI, IFB_BITMAP,
    // IFB_LLNUM(19, pad=false) PAN (BCD length, right-padded digits), IFB_NUMERIC(6) processing code.
    const bytes = pack({ mti: '0200', fields: { 2: '4111111111111', 3: '000000' } }, iso87binary);
    assert.equal(toHex(bytes), '0200' + '6000000000000000' + '13' + '41111111111110' + '000000');
  });

  it('iso87binary writes x+n amounts as an ASCII sign then BCD digits (jPOS IFB_AMOUNT)', () => {
    const bytes = pack({ mti: '0200', fields: { 28: 'D00000150' } }, iso87binary);
    assert.equal(toHex(bytes), '0200' + '0000001000000000' + '44' + '00000150');
  });

  it('iso87binary writes track 2 as BCD with = as the D nibble', () => {
    const bytes = pack({ mti: '0200', fields: { 35: '4111111111111111=2512101' } }, iso87binary);
    assert.equal(toHex(bytes), '0200' + '0000000020000000' + '24' + '4111111111111111D2512101');
    assert.equal(unpack(bytes, iso87binary).fields[35], '4111111111111111=2512101');
  });

  it('iso87ebcdic writes MTI, text and length prefixes in cp037', () => {
    const bytes = pack({ mti: '0800', fields: { 2: '12', 41: 'TERM 01' } }, iso87ebcdic);
    // '0800' = F0F8F0F0; bitmap binary; LL "02" = F0F2; "12" = F1F2; "TERM 01 " = E3C5D9D4 40 F0F1 40 (padded).
    assert.equal(toHex(bytes), 'F0F8F0F0' + '4000000000800000' + 'F0F2F1F2' + 'E3C5D9D440F0F140');
  });

  it('pads short fixed fields on pack: numbers with leading zeros, text with trailing spaces', () => {
    const message = unpack(pack({ mti: '0200', fields: { 4: '1000', 41: 'T1' } }, iso87ascii), iso87ascii);
    assert.deepEqual(message.fields, { 4: '000000001000', 41: 'T1      ' });
  });
});

/** A value that satisfies a field definition, for the every-field round trip. */
function sampleValue(spec: ReturnType<typeof builtinSpec>, n: number): unknown {
  const doc = spec.document.fields[String(n)]!;
  if (doc.subfields?.kind === 'tlv') return [{ tag: '9F36', value: hex('0012') }, { tag: '82', value: hex('1C00') }];
  const variable = (doc.prefix ?? 'fixed') !== 'fixed';
  const len = variable ? Math.min(doc.length, 7) : doc.length;
  if (doc.type === 'b') return Uint8Array.from({ length: len }, (_, i) => (i * 37 + n) & 0xff);
  if (doc.type === 'x+n') return 'C' + '7'.repeat(len - 1);
  if (doc.type === 'n') return String(n).padStart(len, '0').slice(-len);
  if (doc.type === 'z') return '1234=567'.slice(0, len);
  if (doc.type === 'ns') return '12-34/56'.slice(0, len);
  if (doc.type === 'a') return 'Abc Def Ghi'.padEnd(len, 'x').slice(0, len);
  if (doc.type === 'an' || doc.type === 'anp') return `F${n} Data 123`.padEnd(len, 'x').slice(0, len);
  return `F${n} data with spaces and / - . : symbols`.padEnd(len, 'x').slice(0, len);
}

describe('round trips: every field of every builtin spec', () => {
  for (const name of ['iso87ascii', 'iso87binary', 'iso93ascii', 'iso87ebcdic']) {
    it(`${name}: unpack(pack(m)) == m and pack(unpack(b)) == b with all ${builtinSpec(name).fieldNumbers.length} fields set`, () => {
      const spec = builtinSpec(name);
      const fields: Record<number, unknown> = {};
      for (const n of spec.fieldNumbers) fields[n] = sampleValue(spec, n);
      const message = { mti: name === 'iso93ascii' ? '1200' : '0200', fields } as IsoMessage;
      const bytes = pack(message, spec);
      const back = unpack(bytes, spec);
      assert.deepEqual(back, message);
      assert.equal(toHex(pack(back, spec)), toHex(bytes));
    });
  }
});

describe('unpackDetailed', () => {
  it('reports where the MTI, bitmap and each field sit', () => {
    const bytes = ascii('02004000000000000000101234567890');
    const { message, spans } = unpackDetailed(bytes, iso87ascii);
    assert.deepEqual(message.fields, { 2: '1234567890' });
    assert.deepEqual(
      spans.map((s) => [s.label, s.start, s.dataStart, s.end]),
      [
        ['mti', 0, 0, 4],
        ['bitmap', 4, 4, 20],
        ['DE 2', 20, 22, 32],
      ],
    );
    assert.equal(spans[2]!.description, 'Primary account number (PAN)');
  });

  it('names EMV tags inside DE 55 from the dictionary', () => {
    const bytes = pack({ mti: '0200', fields: { 55: [{ tag: '9F26', value: hex('2E078F5CEA112DAA') }] } }, iso87binary);
    const { spans } = unpackDetailed(bytes, iso87binary);
    const tag = spans.find((s) => s.label === 'DE 55 tag 9F26');
    assert.equal(tag?.description, 'Application Cryptogram');
    assert.equal(tag?.depth, 1);
  });

  it('maps EMV tag spans of a hex-carried DE 55 back to wire offsets (two wire bytes per byte)', () => {
    const bytes = pack({ mti: '0200', fields: { 55: [{ tag: '82', value: hex('1C00') }, { tag: '9F36', value: hex('0012') }] } }, iso87ascii);
    const { spans } = unpackDetailed(bytes, iso87ascii);
    const text = Buffer.from(bytes).toString('latin1');
    const atc = spans.find((s) => s.label === 'DE 55 tag 9F36')!;
    assert.equal(text.slice(atc.start, atc.end), '9F36020012');
    assert.equal(text.slice(atc.dataStart, atc.end), '0012');
  });
});

describe('value conventions', () => {
  it('accepts hex text for binary fields on pack and returns bytes on unpack', () => {
    const bytes = pack({ mti: '0200', fields: { 52: '0123456789ABCDEF' } }, iso87ascii);
    assert.equal(Buffer.from(bytes).toString('latin1').slice(20), '0123456789ABCDEF');
    assert.deepEqual(unpack(bytes, iso87ascii).fields[52], hex('0123456789ABCDEF'));
  });

  it('hands out pack results that later packs never overwrite, small ones and ones larger than the shared output chunk', () => {
    // pack writes into a shared chunk and returns views of it; a message that outgrows the room left is
    // copied out. Sizes from 23 bytes to over 9 KB (more than a chunk), mixed, so both paths and chunk
    // changes are crossed.
    const messages: IsoMessage[] = [];
    for (let i = 0; i < 60; i++) {
      const filler = String.fromCharCode(0x41 + (i % 26)).repeat(999);
      const fields: Record<number, string> = { 11: String(i).padStart(6, '0') };
      const large = i % 7 === 3 ? 9 : i % 5 === 1 ? 2 : 0;
      for (const n of [60, 61, 62, 63, 120, 121, 122, 123, 124].slice(0, large)) fields[n] = filler;
      messages.push({ mti: '0200', fields });
    }
    const packed = messages.map((message) => pack(message, iso87ascii));
    const expected = messages.map((message) => toHex(pack(message, iso87ascii)));
    assert.ok(packed.some((bytes) => bytes.length > 8192) && packed.some((bytes) => bytes.length < 64));
    packed.forEach((bytes, i) => {
      assert.deepEqual(unpack(bytes, iso87ascii), messages[i]);
      assert.equal(toHex(bytes), expected[i]);
    });
  });

  it('does not alias the input buffer in binary values', () => {
    const bytes = pack({ mti: '0200', fields: { 52: hex('1122334455667788') } }, iso87binary);
    const value = unpack(bytes, iso87binary).fields[52] as Uint8Array;
    (bytes as Uint8Array).fill(0);
    assert.equal(toHex(value), '1122334455667788');
  });
});
