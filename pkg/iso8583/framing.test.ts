import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRigError } from '../errors/index.ts';
import { encodeFrame, FrameDecoder, type FramingOptions, resolveFraming, splitHeader, swapTpdu } from './framing.ts';

/** Deterministic PRNG (mulberry32) so a failing property run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** Cut `stream` at random places (including 0-length and 1-byte pieces) and feed every piece. */
function feedInRandomChunks(decoder: FrameDecoder, stream: Buffer, random: () => number) {
  const frames = [];
  let offset = 0;
  while (offset < stream.length) {
    const style = random();
    const size = style < 0.3 ? Math.floor(random() * 3) : style < 0.8 ? Math.floor(random() * 40) : Math.floor(random() * 400);
    frames.push(...decoder.push(stream.subarray(offset, offset + size)));
    offset += size;
  }
  return frames;
}

function expectRigError(code: string, run: () => unknown) {
  assert.throws(run, (error: unknown) => isRigError(error) && error.code === code);
}

describe('framing: encode', () => {
  test('binary2 writes a big-endian length of the message', () => {
    const frame = encodeFrame(Buffer.from('0800ABC'), resolveFraming({ kind: 'binary2' }));
    assert.deepEqual([...frame.subarray(0, 2)], [0x00, 0x07]);
    assert.equal(frame.subarray(2).toString(), '0800ABC');
  });

  test('binary2 with lengthIncludesPrefix counts the two prefix bytes', () => {
    const frame = encodeFrame(Buffer.from('0800ABC'), resolveFraming({ kind: 'binary2', lengthIncludesPrefix: true }));
    assert.equal(frame.readUInt16BE(0), 9);
  });

  test('ascii4 writes four decimal digits', () => {
    const frame = encodeFrame(Buffer.alloc(123, 0x41), resolveFraming({ kind: 'ascii4' }));
    assert.equal(frame.subarray(0, 4).toString(), '0123');
    assert.equal(frame.length, 127);
  });

  test('the header goes between prefix and message and is counted by the length', () => {
    const tpdu = Buffer.from('6000010002', 'hex');
    const frame = encodeFrame(Buffer.from('0200'), resolveFraming({ kind: 'binary2', headerLength: 5 }), tpdu);
    assert.equal(frame.toString('hex'), `0009${'6000010002'}${Buffer.from('0200').toString('hex')}`);
  });

  test('a header of the wrong size is refused', () => {
    expectRigError('ISO_FRAME_HEADER', () => encodeFrame(Buffer.from('0200'), resolveFraming({ kind: 'binary2', headerLength: 5 })));
  });

  test('a message over the limit is refused', () => {
    expectRigError('ISO_FRAME_TOO_LARGE', () => encodeFrame(Buffer.alloc(10000), resolveFraming({ kind: 'ascii4' })));
    expectRigError('ISO_FRAME_TOO_LARGE', () => encodeFrame(Buffer.alloc(100), resolveFraming({ kind: 'binary2', maxLength: 99 })));
  });

  test('an unknown framing kind is a config error', () => {
    expectRigError('ISO_FRAME_CONFIG', () => resolveFraming({ kind: 'binary3' as FramingOptions['kind'] }));
  });
});

describe('framing: stream decoder', () => {
  test('several frames in one chunk come out in order', () => {
    const framing = resolveFraming({ kind: 'binary2' });
    const stream = Buffer.concat(['one', 'two', 'three'].map((text) => encodeFrame(Buffer.from(text), framing)));
    const frames = new FrameDecoder(framing).push(stream);
    assert.deepEqual(
      frames.map((frame) => frame.message.toString()),
      ['one', 'two', 'three'],
    );
  });

  test('a frame split inside its length prefix waits for the rest', () => {
    const decoder = new FrameDecoder({ kind: 'ascii4' });
    const frame = encodeFrame(Buffer.from('hello'), decoder.framing);
    assert.deepEqual(decoder.push(frame.subarray(0, 2)), []);
    assert.deepEqual(decoder.push(frame.subarray(2, 6)), []);
    assert.equal(decoder.buffered, 6);
    const frames = decoder.push(frame.subarray(6));
    assert.equal(frames.length, 1);
    assert.equal(frames[0]?.message.toString(), 'hello');
    assert.equal(decoder.buffered, 0);
  });

  test('the header is handed back separately from the message', () => {
    const decoder = new FrameDecoder({ kind: 'binary2', headerLength: 5 });
    const tpdu = Buffer.from('6000120034', 'hex');
    const [frame] = decoder.push(encodeFrame(Buffer.from('0800'), decoder.framing, tpdu));
    assert.equal(frame?.header.toString('hex'), '6000120034');
    assert.equal(frame?.message.toString(), '0800');
  });

  test('a declared length over the limit fails with ISO_FRAME_TOO_LARGE before the body arrives', () => {
    const decoder = new FrameDecoder({ kind: 'binary2', maxLength: 1000 });
    expectRigError('ISO_FRAME_TOO_LARGE', () => decoder.push(Buffer.from([0x10, 0x00])));
    assert.equal(decoder.failed, true);
    assert.equal(decoder.buffered, 0, 'nothing stays buffered after the failure');
  });

  test('after a failure every push rethrows, so the owner closes the connection', () => {
    const decoder = new FrameDecoder({ kind: 'binary2', maxLength: 10 });
    expectRigError('ISO_FRAME_TOO_LARGE', () => decoder.push(Buffer.from([0x00, 0x20])));
    expectRigError('ISO_FRAME_TOO_LARGE', () => decoder.push(Buffer.from([0x00, 0x01, 0x41])));
  });

  test('a non-digit ASCII length is ISO_FRAME_BAD_LENGTH naming the stream offset', () => {
    const decoder = new FrameDecoder({ kind: 'ascii4' });
    decoder.push(encodeFrame(Buffer.from('ok'), decoder.framing));
    assert.throws(
      () => decoder.push(Buffer.from('00x1abc')),
      (error: unknown) => isRigError(error) && error.code === 'ISO_FRAME_BAD_LENGTH' && error.where === 'stream byte 6',
    );
  });

  test('lengthIncludesPrefix: a length smaller than the prefix itself is ISO_FRAME_BAD_LENGTH', () => {
    const decoder = new FrameDecoder({ kind: 'binary2', lengthIncludesPrefix: true });
    expectRigError('ISO_FRAME_BAD_LENGTH', () => decoder.push(Buffer.from([0x00, 0x01])));
  });

  test('the stream ending mid-frame is ISO_FRAME_TRUNCATED', () => {
    const decoder = new FrameDecoder({ kind: 'binary2' });
    decoder.push(Buffer.from([0x00, 0x05, 0x41]));
    expectRigError('ISO_FRAME_TRUNCATED', () => decoder.end());
  });

  test('framing none yields the whole transport unit at end()', () => {
    const decoder = new FrameDecoder({ kind: 'none', headerLength: 5 });
    assert.deepEqual(decoder.push(Buffer.from('6000010002', 'hex')), []);
    assert.deepEqual(decoder.push(Buffer.from('0800')), []);
    const [frame] = decoder.end();
    assert.equal(frame?.header.toString('hex'), '6000010002');
    assert.equal(frame?.message.toString(), '0800');
  });

  test('framing none enforces the limit while accumulating', () => {
    const decoder = new FrameDecoder({ kind: 'none', maxLength: 8 });
    decoder.push(Buffer.alloc(5));
    expectRigError('ISO_FRAME_TOO_LARGE', () => decoder.push(Buffer.alloc(5)));
  });

  test('splitHeader refuses a unit shorter than the header', () => {
    expectRigError('ISO_FRAME_SHORT', () => splitHeader(Buffer.alloc(3), resolveFraming({ kind: 'none', headerLength: 5 })));
  });

  test('a frame received whole is a view of the chunk, not a copy', () => {
    const decoder = new FrameDecoder({ kind: 'binary2' });
    const chunk = encodeFrame(Buffer.from('abc'), decoder.framing);
    const [frame] = decoder.push(chunk);
    assert.equal(frame?.message.buffer, chunk.buffer);
  });
});

describe('framing: property — any chunking of a stream yields the same frames', () => {
  const variants: FramingOptions[] = [
    { kind: 'binary2' },
    { kind: 'binary2', lengthIncludesPrefix: true },
    { kind: 'binary2', headerLength: 5 },
    { kind: 'ascii4' },
    { kind: 'ascii4', headerLength: 5, lengthIncludesPrefix: true },
  ];
  for (const options of variants) {
    test(`${JSON.stringify(options)}: 200 random streams, random splits`, () => {
      for (let seed = 1; seed <= 200; seed++) {
        const random = prng(seed * 7919);
        const framing = resolveFraming(options);
        const sent = Array.from({ length: 1 + Math.floor(random() * 20) }, () => ({
          header: randomBytes(random, framing.headerLength),
          message: randomBytes(random, Math.floor(random() * (random() < 0.1 ? 3000 : 300))),
        }));
        const stream = Buffer.concat(sent.map((frame) => encodeFrame(frame.message, framing, frame.header)));
        const decoder = new FrameDecoder(framing);
        const received = feedInRandomChunks(decoder, stream, random);
        assert.equal(received.length, sent.length, `seed ${seed}: frame count`);
        received.forEach((frame, i) => {
          assert.ok(frame.message.equals(sent[i]!.message), `seed ${seed}: message ${i}`);
          assert.ok(frame.header.equals(sent[i]!.header), `seed ${seed}: header ${i}`);
        });
        assert.equal(decoder.buffered, 0);
        assert.deepEqual(decoder.end(), []);
      }
    });
  }
});

describe('framing: TPDU', () => {
  test('swapTpdu swaps destination and source for the reply', () => {
    assert.equal(swapTpdu(Buffer.from('6000120034', 'hex')).toString('hex'), '6000340012');
  });
});
