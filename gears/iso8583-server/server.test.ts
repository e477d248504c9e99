import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { builtinSpec, type IsoMessage, pack, unpack } from '../../pkg/iso8583/index.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { approve, eventually, purchase, TestHost, TestTerminal } from '../../test/iso8583/support.ts';
import { descriptor, type IsoServerGear } from './index.ts';
import { countWrites } from '../../test/support/socket-writes.ts';

const spec = builtinSpec('iso87ascii');
const framing = { kind: 'binary2' as const };
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(config: Record<string, unknown> = {}) {
  const host = new TestHost();
  const context = host.context('server');
  const server = descriptor.create(descriptor.config.parse({ host: '127.0.0.1', port: 0, ...config }), context) as IsoServerGear;
  await server.start();
  cleanups.push(() => server.stop());
  const port = server.address().port;
  const terminal = async (options: { headerLength?: number } = {}) => {
    const client = await TestTerminal.connect(port, spec, { ...framing, ...options });
    cleanups.push(() => client.close());
    return client;
  };
  return { host, server, context, port, terminal };
}

/** Reply to a request envelope the way a downstream flow does: approval, request headers carried along. */
function replyTo(server: IsoServerGear, request: Envelope, context: ReturnType<TestHost['context']>) {
  return server.handle('reply', context.envelope(approve(request.data as IsoMessage), { parent: request }));
}


/** The server's side of its only connection (not part of the gear's API). */
function serverSocket(server: IsoServerGear): Socket {
  const [connection] = (server as unknown as { connections: Map<string, { socket: Socket }> }).connections.values();
  if (!connection) throw new Error('no connection');
  return connection.socket;
}

describe('iso8583-server gear', () => {
  it('emits each framed request on out with connection and correlation headers', async () => {
    const { host, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'one request');
    const [request] = host.out('server.out');
    assert.deepEqual(request?.data, purchase(1));
    assert.match(request?.headers?.['iso8583-connection'] ?? '', /^c.+-1$/);
    assert.equal(request?.headers?.['iso8583-correlation'], '0210|11=000001|37=000000000001|41=TERM0001|32=123456');
    assert.equal(request?.subject, request?.headers?.['iso8583-correlation']);
  });

  it('writes each reply back to the connection its request came from', async () => {
    const { host, server, context, terminal } = await startServer();
    const first = await terminal();
    const second = await terminal();
    first.send(purchase(1, 'TERMAAAA'));
    second.send(purchase(2, 'TERMBBBB'));
    await eventually(() => host.out('server.out').length === 2, 'two requests');
    for (const request of [...host.out('server.out')].reverse()) await replyTo(server, request, context);
    await eventually(() => first.received.length === 1 && second.received.length === 1, 'one reply each');
    assert.equal(first.received[0]?.message.fields[41], 'TERMAAAA');
    assert.equal(second.received[0]?.message.fields[41], 'TERMBBBB');
    assert.equal(first.received[0]?.message.mti, '0210');
  });

  it('routes a reply by its correlation key when the connection header was dropped on the way', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(7));
    await eventually(() => host.out('server.out').length === 1, 'request');
    await server.handle('reply', context.envelope(approve(purchase(7))));
    await eventually(() => client.received.length === 1, 'reply');
    assert.equal(client.received[0]?.message.fields[11], '000007');
  });

  it('keeps the connection open after a message that does not decode, and reports it', async () => {
    const { host, terminal } = await startServer();
    const client = await terminal();
    client.socket.write(Buffer.from([0x00, 0x04, 0x30, 0x32, 0x30, 0x30])); // "0200" and no bitmap
    client.send(purchase(2));
    await eventually(() => host.out('server.out').length === 1, 'the good request');
    const [error] = host.out('server.error');
    assert.equal(error?.headers?.reason, 'invalid-message');
    assert.equal(error?.headers?.['error-code'], 'ISO_TRUNCATED');
    assert.equal(client.closed, false);
  });

  it('closes a connection whose frame exceeds max_length and reports framing-error', async () => {
    const { host, terminal } = await startServer({ framing: { max_length: 100 } });
    const client = await terminal();
    client.socket.write(Buffer.from([0x10, 0x00]));
    await eventually(() => client.closed, 'the connection to close');
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'framing-error');
    assert.equal(host.out('server.error')[0]?.headers?.['error-code'], 'ISO_FRAME_TOO_LARGE');
  });

  it('stops reading a connection at max_in_flight_per_connection and resumes after a reply', async () => {
    const { host, server, context, terminal } = await startServer({ max_in_flight_per_connection: 2 });
    const client = await terminal();
    // One write per request, each after the previous one arrived, so the limit is exact (not per chunk).
    for (let stan = 1; stan <= 2; stan++) {
      client.send(purchase(stan));
      await eventually(() => host.out('server.out').length === stan, `request ${stan}`);
    }
    assert.equal(server.stats().paused, 1);
    client.send(purchase(3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(host.out('server.out').length, 2, 'the third request waits in the socket while paused');
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    await eventually(() => host.out('server.out').length === 3, 'the third request after a reply');
  });

  it('pauses every connection at the global max_in_flight', async () => {
    const { host, server, context, terminal } = await startServer({ max_in_flight: 1 });
    const first = await terminal();
    const second = await terminal();
    first.send(purchase(1, 'TERMAAAA'));
    await eventually(() => host.out('server.out').length === 1, 'first request');
    assert.equal(server.stats().paused, 2);
    second.send(purchase(2, 'TERMBBBB'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(host.out('server.out').length, 1, 'the other connection is not read either');
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    await eventually(() => host.out('server.out').length === 2, 'second request after the reply');
  });

  it('sends a reply for a connection that has closed to error (connection-closed)', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'request');
    await client.close();
    await eventually(() => server.stats().connections === 0, 'the server to see the close');
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'connection-closed');
    assert.equal(server.stats().inFlight, 0);
  });

  it('writes the replies handed over in one turn as one write, in the order they were handed over', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    const chunks: Buffer[] = [];
    client.socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    for (const n of [1, 2, 3]) client.send(purchase(n));
    await eventually(() => host.out('server.out').length === 3, 'three requests');
    const writes = countWrites(serverSocket(server));
    const requests = [...host.out('server.out')].reverse();
    await Promise.all(requests.map((request) => replyTo(server, request, context)));
    await eventually(() => client.received.length === 3, 'three replies');
    assert.deepEqual(
      client.received.map((reply) => reply.message.fields[11]),
      ['000003', '000002', '000001'],
    );
    assert.equal(writes.count, 1, 'one socket write');
    assert.equal(chunks.length, 1, 'one read on the terminal');
    assert.equal(host.out('server.error').length, 0);
  });

  it('reports a reply queued for a connection that closes before the write (connection-closed), writing nothing', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'request');
    const replied = replyTo(server, host.out('server.out')[0] as Envelope, context);
    // The reply is queued for this turn's write; the connection goes away before that write.
    serverSocket(server).destroy();
    await replied;
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'connection-closed');
    assert.equal(server.stats().inFlight, 0);
    await eventually(() => client.closed, 'the terminal to see the close');
    assert.equal(client.received.length, 0);
  });

  it('sends a raw reply naming an unknown connection to error (unknown-connection)', async () => {
    const { host, server, context } = await startServer();
    await server.handle('reply', context.envelope(pack(approve(purchase(1)), spec), { headers: { 'iso8583-connection': 'elsewhere-1' } }));
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'unknown-connection');
  });

  it('never writes a second answer to the same request: the repeat goes to error (no-request-in-flight)', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'request');
    const request = host.out('server.out')[0] as Envelope;
    await replyTo(server, request, context);
    await replyTo(server, request, context); // e.g. a reply redelivered after a crash
    await eventually(() => client.received.length === 1, 'the first answer');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(client.received.length, 1, 'the acquirer sees exactly one answer');
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'no-request-in-flight');
  });

  it('frees the slot of a request without reply after reply_timeout_ms and reports it', async () => {
    const { host, server, terminal } = await startServer({ reply_timeout_ms: 50 });
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.error').length === 1, 'the timeout');
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'reply-timeout');
    assert.deepEqual(host.out('server.error')[0]?.data, purchase(1));
    assert.equal(server.stats().inFlight, 0);
  });

  it('refuses a second request with the same key while the first is unanswered', async () => {
    const { host, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(5));
    client.send({ ...purchase(5), mti: '0201' });
    await eventually(() => host.out('server.error').length === 1, 'the duplicate');
    assert.equal(host.out('server.error')[0]?.headers?.reason, 'duplicate-request');
    assert.equal(host.out('server.out').length, 1);
  });

  it('swaps the TPDU addresses in the reply header when configured', async () => {
    const { host, server, context, terminal } = await startServer({ framing: { header_length: 5 }, frame_header_reply: 'swap-tpdu' });
    const client = await terminal({ headerLength: 5 });
    client.send(purchase(1), Buffer.from('6000120034', 'hex'));
    await eventually(() => host.out('server.out').length === 1, 'request');
    assert.equal(host.out('server.out')[0]?.headers?.['iso8583-frame-header'], '6000120034');
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    await eventually(() => client.received.length === 1, 'reply');
    assert.equal(client.received[0]?.header.toString('hex'), '6000340012');
  });

  it('answers in-flight requests before stop() closes the connections', async () => {
    const { host, server, context, terminal } = await startServer();
    const client = await terminal();
    client.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'request');
    const stopped = server.stop();
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    await stopped;
    await eventually(() => client.closed, 'close after the drain');
    assert.equal(client.received.length, 1);
  });

  it('framing none: one request per connection, delimited by the peer half-closing; the reply ends the stream', async () => {
    const { host, server, context, port } = await startServer({ framing: { kind: 'none' } });
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const answer: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => answer.push(chunk));
    socket.end(pack(purchase(3), spec));
    await eventually(() => host.out('server.out').length === 1, 'the request');
    await replyTo(server, host.out('server.out')[0] as Envelope, context);
    await once(socket, 'close');
    assert.equal(unpack(Buffer.concat(answer), spec).fields[11], '000003');
  });

  it('refuses connections beyond max_connections', async () => {
    const { host, terminal } = await startServer({ max_connections: 1 });
    const first = await terminal();
    const second = await terminal();
    await eventually(() => second.closed, 'the extra connection to be closed');
    first.send(purchase(1));
    await eventually(() => host.out('server.out').length === 1, 'the first connection still served');
  });

  it('no longer accepts connections after stop()', async () => {
    const { server, port } = await startServer();
    await server.stop();
    const socket = connect({ host: '127.0.0.1', port });
    const [error] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    assert.equal(error.code, 'ECONNREFUSED');
  });
});
