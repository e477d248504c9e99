import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { countWrites } from '../../test/support/socket-writes.ts';
import { FrameWriter } from './frame-writer.ts';
import { encodeFrame, FrameDecoder, resolveFraming } from './framing.ts';

const framing = resolveFraming({ kind: 'binary2' });
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A loopback connection: `ours` is written through a FrameWriter, `peer` keeps every chunk it reads. */
async function connection(): Promise<{ ours: Socket; peer: Socket; chunks: Buffer[]; writer: FrameWriter }> {
  const server: Server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const ours = connect({ host: '127.0.0.1', port: address.port, noDelay: true });
  await once(ours, 'connect');
  const [peer] = await accepted;
  const chunks: Buffer[] = [];
  peer.on('data', (chunk: Buffer) => chunks.push(chunk));
  peer.on('error', () => undefined);
  ours.on('error', () => undefined);
  cleanups.push(async () => {
    ours.destroy();
    peer.destroy();
    server.close();
    await once(server, 'close');
  });
  return { ours, peer, chunks, writer: new FrameWriter(ours) };
}

const frame = (text: string) => encodeFrame(Buffer.from(text, 'latin1'), framing);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('FrameWriter', () => {
  it('writes the frames queued in one turn as one write: the peer reads them intact and in order in one chunk', async () => {
    const { ours, writer, chunks } = await connection();
    const texts = ['0110first', '0110second', '0110third, a little longer'];
    const writes = countWrites(ours);
    const results = texts.map((text) => writer.send(frame(text)));
    assert.deepEqual(await Promise.all(results), [true, true, true]);
    await until(() => Buffer.concat(chunks).length === texts.reduce((sum, text) => sum + 2 + text.length, 0), 'all bytes');
    assert.equal(writes.count, 1, 'one socket write');
    assert.equal(chunks.length, 1, 'one read on the peer');
    const frames = new FrameDecoder(framing).push(chunks[0] as Buffer);
    assert.deepEqual(
      frames.map((decoded) => decoded.message.toString('latin1')),
      texts,
    );
  });

  it('keeps the order of frames sent over several turns', async () => {
    const { writer, chunks } = await connection();
    const sent: Promise<boolean>[] = [];
    for (let turn = 0; turn < 5; turn++) {
      for (let i = 0; i < 3; i++) sent.push(writer.send(frame(`frame ${turn}.${i}`)));
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok((await Promise.all(sent)).every(Boolean));
    const decoder = new FrameDecoder(framing);
    await until(() => Buffer.concat(chunks).length === 15 * (2 + 'frame 0.0'.length), 'all bytes');
    const texts = decoder.push(Buffer.concat(chunks)).map((decoded) => decoded.message.toString('latin1'));
    assert.deepEqual(texts, Array.from({ length: 15 }, (_, n) => `frame ${Math.floor(n / 3)}.${n % 3}`));
  });

  it('queue() frames leave with the sent ones of the same turn, in order, in one write; a send after them still learns the outcome', async () => {
    const { ours, writer, chunks } = await connection();
    const writes = countWrites(ours);
    writer.queue(frame('0810queued'));
    const sent = writer.send(frame('0110sent'));
    writer.queue(frame('0810queued too'));
    assert.equal(await sent, true);
    await until(() => Buffer.concat(chunks).length === 3 * 2 + '0810queued'.length + '0110sent'.length + '0810queued too'.length, 'all bytes');
    assert.equal(writes.count, 1, 'one socket write');
    const texts = new FrameDecoder(framing).push(Buffer.concat(chunks)).map((decoded) => decoded.message.toString('latin1'));
    assert.deepEqual(texts, ['0810queued', '0110sent', '0810queued too']);
  });

  it('queue() on a connection that closed writes nothing and raises nothing', async () => {
    const { ours, peer, writer, chunks } = await connection();
    writer.queue(frame('0810never'));
    ours.destroy();
    await once(peer, 'close');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(chunks.length, 0);
    assert.equal(await writer.send(frame('0110neither')), false);
  });

  it('reports frames queued for a connection that closes before the flush (false), and writes nothing', async () => {
    const { ours, peer, writer, chunks } = await connection();
    const first = writer.send(frame('0110never'));
    const second = writer.send(frame('0110neither'));
    ours.destroy();
    assert.deepEqual(await Promise.all([first, second]), [false, false]);
    await once(peer, 'close');
    assert.equal(chunks.length, 0);
  });

  it('reports frames queued after the connection was ended by us', async () => {
    const { ours, writer } = await connection();
    ours.end();
    assert.equal(await writer.send(frame('0110late')), false);
  });

  it('flush() writes queued frames at once, so ending the connection right after does not cut them off', async () => {
    const { ours, peer, writer, chunks } = await connection();
    const sent = writer.send(frame('0110last words'));
    writer.flush();
    ours.end();
    assert.equal(await sent, true);
    await once(peer, 'end');
    assert.equal(Buffer.concat(chunks).subarray(2).toString('latin1'), '0110last words');
  });

  it('reports frames still waiting behind a stuck write when the connection is destroyed', async () => {
    const { ours, peer, writer } = await connection();
    peer.pause();
    const big = Buffer.alloc(framing.maxLength, 0x41);
    for (let i = 0; i < 512; i++) void writer.send(encodeFrame(big, framing));
    await new Promise((resolve) => setImmediate(resolve));
    const waiting = writer.send(frame('0110behind'));
    await new Promise((resolve) => setImmediate(resolve));
    ours.destroy();
    assert.equal(await waiting, false);
  });

  it('resolves only once a peer that stopped reading takes the bytes (back-pressure)', async () => {
    const { peer, writer, chunks } = await connection();
    peer.pause();
    // More than loopback's socket buffers hold, so the write has to wait for the peer.
    const big = Buffer.alloc(framing.maxLength, 0x41);
    let settled = false;
    const sent = writer.send(frame('0110before'));
    for (let i = 0; i < 512; i++) void writer.send(encodeFrame(big, framing));
    const last = writer.send(frame('0110after')).then((written) => {
      settled = true;
      return written;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(settled, false, 'still waiting while the peer does not read');
    peer.resume();
    assert.equal(await sent, true);
    assert.equal(await last, true);
    const expected = 2 + '0110before'.length + 512 * (2 + framing.maxLength) + 2 + '0110after'.length;
    await until(() => Buffer.concat(chunks).length === expected, 'everything');
  });
});
