import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64ToBytes, bytesToBase64, payloadConverter } from './payload-converter.ts';

const roundTrip = <T>(value: T): T => payloadConverter.fromPayload<T>(payloadConverter.toPayload(value)!);
const text = (value: unknown): string => new TextDecoder().decode(payloadConverter.toPayload(value)?.data ?? new Uint8Array());

describe('flow payload converter', () => {
  it('writes values without bytes exactly as plain JSON (recorded histories stay readable)', () => {
    const value = { id: '1', data: { trail: ['a'], n: 5 }, headers: { k: 'v' } };
    assert.equal(text(value), JSON.stringify(value));
    const encoding = payloadConverter.toPayload(value)?.metadata?.encoding;
    assert.equal(new TextDecoder().decode(encoding ?? new Uint8Array()), 'json/plain');
  });

  it('keeps byte arrays nested anywhere, Buffers included, as Uint8Array', () => {
    const back = roundTrip({ frame: Uint8Array.from([0, 1, 254, 255]), list: [Buffer.from('hi')], deep: { a: { b: new Uint8Array(0) } } });
    assert.ok(back.frame instanceof Uint8Array);
    assert.deepEqual([...back.frame], [0, 1, 254, 255]);
    assert.deepEqual([...(back.list[0] as Uint8Array)], [104, 105]);
    assert.ok(back.deep.a.b instanceof Uint8Array);
    assert.match(text({ frame: Uint8Array.from([1, 2, 3]) }), /\{"frame":\{"\$bytes":"AQID"\}\}/);
  });

  it('encodes base64 like Node for every length remainder', () => {
    for (let n = 0; n < 10; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + 13) & 0xff);
      assert.equal(bytesToBase64(bytes), Buffer.from(bytes).toString('base64'));
      assert.deepEqual([...base64ToBytes(bytesToBase64(bytes))], [...bytes]);
    }
  });

  it('rejects a corrupted $bytes value', () => {
    assert.throws(() => base64ToBytes('AQ!D'), /invalid base64 character/);
  });
});
