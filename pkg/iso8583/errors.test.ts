/**
 * Every codec error code, with the field and byte offset it must name. Negative vectors follow pyiso8583's
 * tests/test_decode.py (https://github.com/knovichikhin/pyiso8583), whose positions are the same byte
 * offsets (field 2 configured per case; message prefix b"02004000000000000000").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinSpec, IsoErrorCode, type IsoMessage, loadSpec, pack, type SpecDocument, unpack } from './index.ts';
import { ascii, expectRigError, hex } from './testing.ts';

const iso87ascii = builtinSpec('iso87ascii');
const iso87binary = builtinSpec('iso87binary');

/** iso87ascii-like spec with only DE 2, defined as given (pyiso8583's per-test spec["2"] tweaks). */
function de2(field: SpecDocument['fields'][string]) {
  return loadSpec({ name: 't', title: 't', mti: { encoding: 'ascii' }, bitmap: { encoding: 'hex' }, fields: { 2: field } });
}
const HEAD = '02004000000000000000';

describe('ISO_TRUNCATED', () => {
  it('names the MTI when the message is shorter than 4 bytes', () => {
    expectRigError(() => unpack(ascii('02'), iso87ascii), IsoErrorCode.TRUNCATED, { field: 'mti', offset: 0 });
  });
  it('names the bitmap when it is cut short (pyiso8583: "0210" + "0000")', () => {
    expectRigError(() => unpack(ascii('02100000'), iso87ascii), IsoErrorCode.TRUNCATED, { field: 'bitmap', offset: 4 });
  });
  it('names a fixed field whose data is cut short (pyiso8583: b"12345", fixed 6 -> pos 20)', () => {
    expectRigError(() => unpack(ascii(`${HEAD}12345`), de2({ type: 'n', length: 6 })), IsoErrorCode.TRUNCATED, {
      field: 'DE 2',
      offset: 20,
    });
  });
  it('names the data of a variable field cut short (pyiso8583: b"612345", L max 6 -> pos 21)', () => {
    const spec = de2({ type: 'n', length: 6, prefix: 'L' });
    expectRigError(() => unpack(ascii(`${HEAD}612345`), spec), IsoErrorCode.TRUNCATED, { field: 'DE 2', offset: 21 });
  });
  it('names a length prefix cut short (pyiso8583: b"1", LL -> pos 20)', () => {
    const spec = de2({ type: 'n', length: 17, prefix: 'LL' });
    expectRigError(() => unpack(ascii(`${HEAD}1`), spec), IsoErrorCode.TRUNCATED, { field: 'DE 2', offset: 20 });
  });
});

describe('ISO_BAD_LENGTH', () => {
  it('rejects a length above the maximum (pyiso8583: b"7", L max 6 -> pos 20)', () => {
    const spec = de2({ type: 'n', length: 6, prefix: 'L' });
    expectRigError(() => unpack(ascii(`${HEAD}7123456`), spec), IsoErrorCode.BAD_LENGTH, { field: 'DE 2', offset: 20 });
  });
  it('rejects a non-numeric ASCII length (pyiso8583: b"g123456" -> pos 20)', () => {
    const spec = de2({ type: 'n', length: 9, prefix: 'L' });
    expectRigError(() => unpack(ascii(`${HEAD}g123456`), spec), IsoErrorCode.BAD_LENGTH, { field: 'DE 2', offset: 20 });
  });
  it('rejects a BCD length with a nibble above 9 (pyiso8583: b"\\x0a123456" -> pos 20)', () => {
    const spec = de2({ type: 'n', length: 15, prefix: 'LL', prefixEncoding: 'bcd' });
    const wire = new Uint8Array([...ascii(HEAD), 0x0a, ...ascii('123456')]);
    expectRigError(() => unpack(wire, spec), IsoErrorCode.BAD_LENGTH, { field: 'DE 2', offset: 20 });
  });
  it('rejects a binary length above the maximum (pyiso8583: b"\\x10123456", max 15 -> pos 20)', () => {
    const spec = de2({ type: 'n', length: 15, prefix: 'LL', prefixEncoding: 'binary' });
    const wire = new Uint8Array([...ascii(HEAD), 0x10, ...ascii('123456')]);
    expectRigError(() => unpack(wire, spec), IsoErrorCode.BAD_LENGTH, { field: 'DE 2', offset: 20 });
  });
  it('rejects a value longer than the maximum on pack', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 2: '1'.repeat(20) } }, iso87ascii), IsoErrorCode.BAD_LENGTH, {
      field: 'DE 2',
    });
  });
  it('rejects a fixed binary value of the wrong size on pack (binary fields are never padded)', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 52: hex('1122') } }, iso87binary), IsoErrorCode.BAD_LENGTH, {
      field: 'DE 52',
    });
  });
});

describe('ISO_BAD_CHAR', () => {
  it('rejects a letter in a numeric field and names its byte', () => {
    // DE 3 starts at byte 20 in "0200" + "2000000000000000"; the 'X' is its third character.
    expectRigError(() => unpack(ascii('0200200000000000000000X000'), iso87ascii), IsoErrorCode.BAD_CHAR, {
      field: 'DE 3',
      offset: 22,
    });
  });
  it('rejects non-ASCII bytes in a text field (pyiso8583: b"02\\xff\\xff" -> data at pos 22)', () => {
    const spec = de2({ type: 'ans', length: 4, prefix: 'LL' });
    const wire = new Uint8Array([...ascii(`${HEAD}02`), 0xff, 0xff]);
    expectRigError(() => unpack(wire, spec), IsoErrorCode.BAD_CHAR, { field: 'DE 2', offset: 22 });
  });
  it('rejects a BCD digit nibble above 9', () => {
    const wire = hex('0200' + '2000000000000000' + '00001A');
    expectRigError(() => unpack(wire, iso87binary), IsoErrorCode.BAD_CHAR, { field: 'DE 3', offset: 12 });
  });
  it('rejects a BCD pad nibble the spec does not use (it could not re-pack byte-exact)', () => {
    // DE 2 in iso87binary pads odd lengths on the right with 0; F is refused.
    const wire = hex('0200' + '4000000000000000' + '03' + '123F');
    expectRigError(() => unpack(wire, iso87binary), IsoErrorCode.BAD_CHAR, { field: 'DE 2', offset: 12 });
  });
  it('rejects an x+n amount without its C/D sign', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 28: '000000100' } }, iso87ascii), IsoErrorCode.BAD_CHAR, {
      field: 'DE 28',
    });
  });
  it('rejects lower-case hex in a hex-carried binary field', () => {
    const wire = ascii('0200' + '0000000000001000' + '0123456789abcdef');
    expectRigError(() => unpack(wire, iso87ascii), IsoErrorCode.BAD_CHAR, { field: 'DE 52', offset: 30 });
  });
});

describe('ISO_UNDEFINED_FIELD', () => {
  it('rejects a bitmap bit for a field the spec does not define', () => {
    const spec = de2({ type: 'n', length: 2 });
    expectRigError(() => unpack(ascii('02006000000000000000' + '12' + '000000'), spec), IsoErrorCode.UNDEFINED_FIELD, {
      field: 'DE 3',
    });
  });
  it('rejects a data element number (1..192) the spec does not define, and DE 1 which is derived', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 150: 'x' } } as IsoMessage, iso87ascii), IsoErrorCode.UNDEFINED_FIELD);
    const err = expectRigError(() => pack({ mti: '0200', fields: { 1: 'x' } }, iso87ascii), IsoErrorCode.UNDEFINED_FIELD);
    assert.match(err.message, /derived/);
  });
});

describe('ISO_BAD_BITMAP', () => {
  it('rejects non-hex bitmap text (pyiso8583: b"incorrecthexdata" -> pos 4)', () => {
    expectRigError(() => unpack(ascii('0210incorrecthexdata'), iso87ascii), IsoErrorCode.BAD_BITMAP, {
      field: 'bitmap',
      offset: 4,
    });
  });
  it('rejects a secondary bitmap that is announced but empty (found by the fuzz test: pack never writes one)', () => {
    const wire = ascii('0800' + '8220000000000000' + '0000000000000000' + '1123184510' + '000001');
    expectRigError(() => unpack(wire, iso87ascii), IsoErrorCode.BAD_BITMAP, { field: 'secondary bitmap', offset: 20 });
  });
  it('rejects lower-case hex bitmaps, which pyiso8583 accepts, because they would not re-pack byte-exact', () => {
    expectRigError(() => unpack(ascii('02000aa0000000000000'), iso87ascii), IsoErrorCode.BAD_BITMAP, { offset: 5 });
  });
  it('names the first bad digit wherever it sits in either half of the bitmap', () => {
    for (let at = 0; at < 16; at++) {
      for (const bad of ['/', ':', 'a', 'G', '@', ' ']) {
        const bitmap = `${'7'.repeat(at)}${bad}${'7'.repeat(15 - at)}`;
        expectRigError(() => unpack(ascii(`0200${bitmap}`), iso87ascii), IsoErrorCode.BAD_BITMAP, { field: 'bitmap', offset: 4 + at });
      }
    }
  });
});

describe('ISO_EXTRA_BYTES', () => {
  it('rejects bytes after the last field (pyiso8583: bitmap 0000000000000000 + "extra" -> pos 20)', () => {
    expectRigError(() => unpack(ascii('02100000000000000000extra'), iso87ascii), IsoErrorCode.EXTRA_BYTES, { offset: 20 });
  });
  it('rejects bytes after a fixed field (pyiso8583: b"123456", fixed 4 -> pos 24)', () => {
    expectRigError(() => unpack(ascii(`${HEAD}123456`), de2({ type: 'n', length: 4 })), IsoErrorCode.EXTRA_BYTES, {
      offset: 24,
    });
  });
});

describe('other codes', () => {
  it('ISO_BAD_MTI: the MTI must be 4 digits on both sides', () => {
    expectRigError(() => unpack(ascii('02X00000000000000000'), iso87ascii), IsoErrorCode.BAD_MTI, { offset: 0 });
    expectRigError(() => pack({ mti: '200', fields: {} }, iso87ascii), IsoErrorCode.BAD_MTI);
  });
  it('ISO_BAD_MTI: a byte just below 0 or just above 9 at any MTI position, ASCII and EBCDIC', () => {
    const iso87ebcdic = builtinSpec('iso87ebcdic');
    for (let at = 0; at < 4; at++) {
      for (const bad of [0x2f, 0x3a, 0x00, 0xff]) {
        const wire = ascii('02000000000000000000');
        wire[at] = bad;
        expectRigError(() => unpack(wire, iso87ascii), IsoErrorCode.BAD_MTI, { offset: 0 });
      }
      for (const bad of [0xef, 0xfa, 0x30, 0x00]) {
        const wire = hex('F0F2F0F0' + '40404040404040404040404040404040'.replace(/40/g, 'F0'));
        wire[at] = bad;
        expectRigError(() => unpack(wire, iso87ebcdic), IsoErrorCode.BAD_MTI, { offset: 0 });
      }
      const mti = `${'0200'.slice(0, at)}/${'0200'.slice(at + 1)}`;
      expectRigError(() => pack({ mti, fields: { 3: '000000' } }, iso87ascii), IsoErrorCode.BAD_MTI);
    }
  });
  it('ISO_BAD_VALUE: a value of the wrong JS type names the field', () => {
    expectRigError(() => pack({ mti: '0200', fields: { 3: 123 as unknown as string } }, iso87ascii), IsoErrorCode.BAD_VALUE, {
      field: 'DE 3',
    });
    expectRigError(() => pack({ mti: '0200', fields: { 55: 'not a list' } }, iso87ascii), IsoErrorCode.BAD_VALUE, {
      field: 'DE 55',
    });
  });
  it('ISO_UNKNOWN_SPEC: an unknown builtin name lists the known ones', () => {
    const err = expectRigError(() => builtinSpec('iso99'), IsoErrorCode.UNKNOWN_SPEC);
    assert.match(err.hint ?? '', /iso87ascii/);
  });
  it('errors carry `where` as "<field> @ byte <offset>" and exit code 2', () => {
    const err = expectRigError(() => unpack(ascii('02100000'), iso87ascii), IsoErrorCode.TRUNCATED);
    assert.equal(err.where, 'bitmap @ byte 4');
    assert.equal(err.exitCode, 2);
  });
});
