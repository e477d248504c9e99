import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rigCommand } from '../../../test/support/rig-process.ts';


function rig(args: string[], input?: string | Buffer) {
  const result = spawnSync(...rigCommand([...args]), { input, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout.toString('latin1'), stderr: result.stderr.toString('utf8'), raw: result.stdout };
}

const purchase = {
  mti: '0200',
  fields: {
    '2': '4111111111111111',
    '3': '000000',
    '4': '000000001000',
    '11': '000001',
    '35': '4111111111111111=25121011234567890',
    '41': 'TERM0001',
    '52': '0123456789ABCDEF',
    '55': [
      { tag: '9F02', value: '000000001000' },
      { tag: '5A', value: '4111111111111111' },
    ],
  },
};
// 0800 echo test in iso87ascii: MTI, hex primary + secondary bitmap, DE 7, DE 11, DE 70.
const echoHex = Buffer.from('0800822000000000000004000000000000001123120000000001301', 'latin1').toString('hex');

describe('rig iso8583', () => {
  it('encode turns JSON into hex, decode --json --unmasked gives the same JSON back (byte-exact round trip)', () => {
    const encoded = rig(['iso8583', 'encode', JSON.stringify(purchase)]);
    assert.equal(encoded.code, 0, encoded.stderr);
    const hex = encoded.stdout.trim();
    assert.match(hex, /^[0-9A-F]+$/);
    assert.equal(Buffer.from(hex, 'hex').subarray(0, 4).toString('latin1'), '0200');
    const decoded = rig(['--json', 'iso8583', 'decode', '--unmasked', hex]);
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.deepEqual(JSON.parse(decoded.stdout), purchase);
    const again = rig(['iso8583', 'encode'], decoded.stdout);
    assert.equal(again.stdout.trim(), hex, 'encode(decode(x)) = x, reading JSON from stdin');
  });

  it('decode prints a masked table by default: PAN, track 2, PIN block and EMV PAN hidden', () => {
    const hex = rig(['iso8583', 'encode', JSON.stringify(purchase)]).stdout.trim();
    const table = rig(['iso8583', 'decode', hex]);
    assert.equal(table.code, 0, table.stderr);
    assert.doesNotMatch(table.stdout, /4111111111111111/);
    assert.match(table.stdout, /^DE 2 +@20\+18 +Primary account number.* 411111\*{6}1111$/m);
    assert.match(table.stdout, /^DE 35 .*411111\*{6}1111=\*+$/m);
    assert.match(table.stdout, /^DE 52 .* \*{16}$/m);
    assert.match(table.stdout, /^ {2}5A +Application Primary Account Number \(PAN\) +411111\*{6}1111$/m);
    assert.match(rig(['iso8583', 'decode', '--unmasked', hex]).stdout, /4111111111111111/);
  });

  it('decode reads a raw file with several binary2-framed messages', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rig-iso-'));
    const message = Buffer.from(echoHex, 'hex');
    const frame = Buffer.concat([Buffer.from([0, message.length]), message]);
    writeFileSync(join(dir, 'stream.bin'), Buffer.concat([frame, frame]));
    const result = rig(['--json', 'iso8583', 'decode', '--framing', 'binary2', '--file', join(dir, 'stream.bin')]);
    assert.equal(result.code, 0, result.stderr);
    const messages = JSON.parse(result.stdout) as { mti: string; fields: Record<string, string> }[];
    assert.deepEqual(
      messages.map((m) => [m.mti, m.fields['70']]),
      [
        ['0800', '301'],
        ['0800', '301'],
      ],
    );
  });

  it('decode reads hex text from stdin with --hex', () => {
    const result = rig(['iso8583', 'decode', '--hex'], `${echoHex}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^DE 70 .* 301$/m);
  });

  it('a truncated message fails with exit 2 naming the field and byte offset', () => {
    const hex = rig(['iso8583', 'encode', JSON.stringify(purchase)]).stdout.trim();
    const result = rig(['iso8583', 'decode', hex.slice(0, 60)]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^rig: DE 2 @ byte 22: /m);
  });

  it('--json errors are machine-readable with code and where', () => {
    const result = rig(['--json', 'iso8583', 'decode', '3032']);
    assert.equal(result.code, 2);
    const { error } = JSON.parse(result.stderr) as { error: { code: string; where: string } };
    assert.equal(error.code, 'ISO_TRUNCATED');
    assert.match(error.where, /byte/);
  });

  it('bad hex input is refused with the position of the first bad character', () => {
    const result = rig(['iso8583', 'decode', '30x0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /non-hex character at position 2/);
  });

  it('an unknown spec name suggests the closest builtin', () => {
    const result = rig(['iso8583', 'decode', '--spec', 'iso87asci', echoHex]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /iso87ascii/);
  });

  it('encode --raw writes the bytes themselves, framed when asked', () => {
    const result = rig(['iso8583', 'encode', '--raw', '--framing', 'ascii4', '{"mti":"0800","fields":{"7":"1123120000","11":"000001","70":"301"}}']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.raw.subarray(0, 4).toString('latin1'), String(result.raw.length - 4).padStart(4, '0'));
    assert.equal(result.raw.subarray(4).toString('hex'), echoHex);
  });

  it('encode names the field the codec refuses', () => {
    const result = rig(['iso8583', 'encode', '{"mti":"0200","fields":{"4":"12345678901234"}}']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /DE 4/);
  });

  it('specs lists the builtin specs and specs show prints one field by field', () => {
    const list = rig(['--json', 'iso8583', 'specs']);
    assert.deepEqual(
      (JSON.parse(list.stdout) as { name: string }[]).map((spec) => spec.name).sort(),
      ['iso87ascii', 'iso87binary', 'iso87ebcdic', 'iso93ascii'],
    );
    const show = rig(['iso8583', 'specs', 'show', 'iso87binary']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^DE 2 +n +LL19 +bcd/m);
  });
});
