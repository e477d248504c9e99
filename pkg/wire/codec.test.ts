import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RigError } from '../errors/index.ts';
import { decodeCbor, encodeCbor } from './cbor.ts';
import { decodeEnvelope, encodeEnvelope } from './codec.ts';
import type { Envelope } from './envelope.ts';

const base: Envelope = {
  id: '468395841827012609',
  type: 'fluxrig.test',
  source: 'rack/r1/gear/g1',
  time: '2026-11-23T18:00:00.000Z',
  data: { amount: 1500, currency: '978' },
};

/** Runs `fn`, asserts it throws a RigError with `code`, returns the error for further checks. */
function rigError(code: string, fn: () => unknown): RigError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof RigError, `expected RigError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected ${code}, nothing was thrown`);
}

const cbor = (hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex');

describe('envelope codec round trip', () => {
  test('every field survives encode → decode', () => {
    const full: Envelope = {
      ...base,
      subject: 'T1',
      datacontenttype: 'application/cbor',
      scenario: 's1',
      gear: 'g1',
      port: 'out',
      key: 'k',
      attempt: 3,
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      headers: { a: 'b' },
    };
    assert.deepEqual(decodeEnvelope(encodeEnvelope(full)), full);
  });

  test('binary data comes back as bytes with the same content', () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const decoded = decodeEnvelope(encodeEnvelope({ ...base, data: bytes }));
    assert.ok(decoded.data instanceof Uint8Array);
    assert.deepEqual([...(decoded.data as Uint8Array)], [0, 1, 2, 255]);
  });

  test('decoded bytes do not alias the input buffer', () => {
    const wire = Buffer.from(encodeEnvelope({ ...base, data: new Uint8Array([7, 7, 7]) }));
    const decoded = decodeEnvelope(wire);
    wire.fill(0);
    assert.deepEqual([...(decoded.data as Uint8Array)], [7, 7, 7]);
  });

  test('integers beyond 32 bits round-trip as numbers, beyond 2^53 as bigint', () => {
    const data = { millis: 1_795_000_000_123, negative: -(2 ** 40), huge: 2n ** 60n };
    assert.deepEqual(decodeEnvelope(encodeEnvelope({ ...base, data })).data, data);
  });

  test('undefined properties in data are dropped, undefined array items become null', () => {
    const decoded = decodeEnvelope(encodeEnvelope({ ...base, data: { a: undefined, b: [1, undefined] } }));
    assert.deepEqual(decoded.data, { b: [1, null] });
  });

  test('the caller\'s data object is not modified by encoding', () => {
    const data = { millis: 1_795_000_000_123, gone: undefined };
    encodeEnvelope({ ...base, data });
    assert.deepEqual(Object.keys(data), ['millis', 'gone']);
    assert.equal(typeof data.millis, 'number');
  });

  test('equal envelopes encode to identical bytes regardless of property order', () => {
    const reordered: Envelope = { data: base.data, time: base.time, source: base.source, type: base.type, id: base.id };
    assert.deepEqual(encodeEnvelope(reordered), encodeEnvelope(base));
  });

  test('a Map in data is refused with the path, not tagged', () => {
    const error = rigError('WIRE_INVALID', () => encodeEnvelope({ ...base, data: { m: new Map() } }));
    assert.equal(error.where, 'envelope.data.m');
  });

  test('a Set, a function and a class instance are refused', () => {
    class Thing {}
    for (const value of [new Set([1]), () => 1, new Thing(), new Int16Array(2)]) {
      rigError('WIRE_INVALID', () => encodeEnvelope({ ...base, data: [value] }));
    }
  });

  test('nesting the decoder would refuse is refused at encode time too', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = [deep];
    rigError('WIRE_INVALID', () => encodeEnvelope({ ...base, data: deep }));
  });
});

describe('encode validation names the field', () => {
  for (const [field, value] of [
    ['id', ''],
    ['id', 'has space'],
    ['type', undefined],
    ['source', 42],
    ['time', null],
    ['subject', 1],
    ['attempt', 0],
    ['attempt', 1.5],
    ['headers', 'x'],
  ] as const) {
    test(`${field} = ${JSON.stringify(value)} is WIRE_INVALID at envelope.${field}`, () => {
      const error = rigError('WIRE_INVALID', () => encodeEnvelope({ ...base, [field]: value } as unknown as Envelope));
      assert.equal(error.where, `envelope.${field}`);
    });
  }

  test('a non-string header value names the header', () => {
    const error = rigError('WIRE_INVALID', () =>
      encodeEnvelope({ ...base, headers: { ok: 'y', bad: 1 } } as unknown as Envelope),
    );
    assert.equal(error.where, 'envelope.headers.bad');
  });
});

describe('decode of hostile input', () => {
  test('input over maxBytes is WIRE_TOO_LARGE before any parsing', () => {
    const wire = encodeEnvelope({ ...base, data: new Uint8Array(2000) });
    const error = rigError('WIRE_TOO_LARGE', () => decodeEnvelope(wire, { maxBytes: 1024 }));
    assert.equal(error.details?.size, wire.length);
  });

  test('a garbage prefix of 1 MiB+1 is refused by size even though it is not CBOR', () => {
    rigError('WIRE_TOO_LARGE', () => decodeEnvelope(new Uint8Array(1024 * 1024 + 1)));
  });

  test('every truncation of a valid envelope is WIRE_MALFORMED and says truncated', () => {
    const wire = encodeEnvelope(base);
    for (let length = 0; length < wire.length; length++) {
      const error = rigError('WIRE_MALFORMED', () => decodeEnvelope(wire.subarray(0, length)));
      assert.equal(error.details?.truncated, true, `length ${length}`);
    }
  });

  test('trailing bytes after the envelope are WIRE_MALFORMED', () => {
    const wire = encodeEnvelope(base);
    rigError('WIRE_MALFORMED', () => decodeEnvelope(Buffer.concat([wire, Buffer.from([0])])));
  });

  test('an array claiming 2^32 items in 6 bytes is refused without allocating', () => {
    rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('9b 00000001 00000000')));
  });

  test('cbor-x record structures (tag 0xdfff) are refused: not plain CBOR', () => {
    const error = rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('d9dfff 83 00 81 6161 01')));
    assert.match(error.message, /tag 57343/);
  });

  test('shared-reference tags that could build cycles (28/29) are refused', () => {
    rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('d81c a1 6161 d81d 00')));
  });

  test('reserved additional information and stray break bytes are refused', () => {
    rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('1c')));
    rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('ff')));
    rigError('WIRE_MALFORMED', () => decodeEnvelope(cbor('c0 ff')));
  });

  test('1000-deep nesting is refused, not a stack overflow', () => {
    rigError('WIRE_MALFORMED', () => decodeEnvelope(Buffer.alloc(1000, 0x81)));
  });

  test('indefinite-length maps from other producers decode', () => {
    // {_ "id": "1", "type": "t", "source": "s", "time": "x"}
    const wire = cbor('bf 626964 6131 6474797065 6174 66736f75726365 6173 6474696d65 6178 ff');
    assert.deepEqual(decodeEnvelope(wire), { id: '1', type: 't', source: 's', time: 'x', data: undefined });
  });

  test('a CBOR array instead of a map is WIRE_INVALID', () => {
    rigError('WIRE_INVALID', () => decodeEnvelope(encodeCbor(['id', 'type'])));
  });

  test('a missing id is WIRE_INVALID naming envelope.id', () => {
    const { id: _id, ...rest } = base;
    const error = rigError('WIRE_INVALID', () => decodeEnvelope(encodeCbor(rest)));
    assert.equal(error.where, 'envelope.id');
    assert.match(error.message, /missing/);
  });

  test('a numeric type is WIRE_INVALID naming envelope.type and what arrived', () => {
    const error = rigError('WIRE_INVALID', () => decodeEnvelope(encodeCbor({ ...base, type: 7 })));
    assert.equal(error.where, 'envelope.type');
    assert.equal(error.details?.got, 'number');
  });

  test('a __proto__ key cannot change the decoded object\'s prototype', () => {
    // {"__proto__": {"polluted": true}, ...base} written by hand: JS object literals cannot produce it.
    const wire = Buffer.concat([cbor('a6 695f5f70726f746f5f5f a1 68706f6c6c75746564 f5'), encodeCbor(base).subarray(1)]);
    const envelope = decodeEnvelope(wire);
    assert.equal(Object.getPrototypeOf(envelope), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('non-bytes input is WIRE_MALFORMED, not a TypeError', () => {
    rigError('WIRE_MALFORMED', () => decodeEnvelope('a string' as unknown as Uint8Array));
  });
});

describe('plain CBOR values (KV)', () => {
  test('encodeCbor → decodeCbor round-trips a plain record', () => {
    const value = { rack: 'r1', labels: { zone: 'a' }, seen: 1_795_000_000_123, up: true };
    assert.deepEqual(decodeCbor(encodeCbor(value)), value);
  });
});
