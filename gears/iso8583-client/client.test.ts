import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { encodeFrame, FrameDecoder, resolveFraming } from '../../pkg/iso8583/framing.ts';
import { builtinSpec, type IsoMessage, pack, unpack } from '../../pkg/iso8583/index.ts';
import { approve, approveRequests, eventually, type IssuerHandler, purchase, TestHost, TestIssuer } from '../../test/iso8583/support.ts';
import { descriptor, type IsoClientGear } from './index.ts';
import { ISO_HEADERS } from '../iso8583-parse/common.ts';
import { countWrites } from '../../test/support/socket-writes.ts';

const spec = builtinSpec('iso87ascii');
const framing = { kind: 'binary2' as const };
const resolved = resolveFraming(framing);

/** What the issuer side writes for `message`: binary2-framed bytes. */
function framed(message: IsoMessage): Buffer {
  return encodeFrame(pack(message, spec), resolved);
}
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startIssuer(handler: IssuerHandler = approveRequests) {
  const issuer = new TestIssuer(spec, framing, handler);
  await issuer.listen();
  cleanups.push(() => issuer.close());
  return issuer;
}

async function startClient(port: number, config: Record<string, unknown> = {}) {
  const host = new TestHost();
  const context = host.context('client');
  const client = descriptor.create(descriptor.config.parse({ host: '127.0.0.1', port, ...config }), context) as IsoClientGear;
  cleanups.push(() => client.stop());
  await client.start();
  return { host, client, context };
}

/** The client's socket of its first connection (not part of the gear's API). */
function linkSocket(client: IsoClientGear): Socket | undefined {
  return (client as unknown as { links: { socket?: Socket }[] }).links[0]?.socket;
}

describe('iso8583-client gear', () => {
  it('sends a request and emits the matched response on out with the request headers', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port);
    await client.handle('in', context.envelope(purchase(1), { headers: { 'iso8583-connection': 'c1-9' } }));
    await eventually(() => host.out('client.out').length === 1, 'the response');
    const [response] = host.out('client.out');
    const answer = response?.data as IsoMessage | undefined;
    assert.equal(answer?.mti, '0210');
    assert.equal(answer?.fields[39], '00');
    assert.equal(response?.headers?.['iso8583-connection'], 'c1-9', 'request headers travel with the response');
    assert.equal(response?.headers?.['iso8583-correlation'], '0210|11=000001|37=000000000001|41=TERM0001|32=123456');
  });

  it('resolves handle only after the response has been emitted, so a host acks the request after its answer', async () => {
    let answer: (() => void) | undefined;
    const issuer = await startIssuer((request, socket) => {
      answer = () => socket.write(framed(approve(request)));
      return null;
    });
    const { host, client, context } = await startClient(issuer.port);
    let resolved = false;
    const handled = client.handle('in', context.envelope(purchase(1))).then(() => (resolved = true));
    await eventually(() => answer !== undefined, 'the request at the issuer');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(resolved, false, 'still waiting for the issuer');
    answer?.();
    await handled;
    assert.equal(host.out('client.out').length, 1);
  });

  it('pairs responses that come back in a different order with their requests', async () => {
    const held: IsoMessage[] = [];
    const issuer = await startIssuer((request, socket) => {
      held.push(approve(request));
      // Answer all three at once, last request first.
      if (held.length === 3) socket.write(Buffer.concat(held.reverse().map(framed)));
      return null;
    });
    const { host, client, context } = await startClient(issuer.port);
    const sent = [1, 2, 3].map((stan) => context.envelope(purchase(stan), { headers: { n: String(stan) } }));
    const handled = sent.map((envelope) => client.handle('in', envelope));
    await Promise.all(handled);
    assert.equal(host.out('client.out').length, 3, 'every handle resolved after its response was emitted');
    for (const response of host.out('client.out')) {
      const stan = (response.data as { fields: Record<number, string> }).fields[11];
      assert.equal(Number(stan), Number(response.headers?.n));
    }
  });

  it('sends a request without answer to error with reason=timeout', async () => {
    const issuer = await startIssuer(() => null);
    const { host, client, context } = await startClient(issuer.port, { timeout_ms: 50 });
    await client.handle('in', context.envelope(purchase(1)));
    await eventually(() => host.out('client.error').length === 1, 'the timeout');
    const [error] = host.out('client.error');
    assert.equal(error?.headers?.reason, 'timeout');
    assert.deepEqual(error?.data, purchase(1));
    assert.equal(client.stats().pending, 0);
  });

  it('a late answer after the timeout goes to error as unmatched, never to out', async () => {
    let socketOf: Socket | undefined;
    const issuer = await startIssuer((_request, socket) => {
      socketOf = socket;
      return null;
    });
    const { host, client, context } = await startClient(issuer.port, { timeout_ms: 30 });
    await client.handle('in', context.envelope(purchase(1)));
    await eventually(() => host.out('client.error').length === 1, 'the timeout');
    socketOf?.write(framed(approve(purchase(1))));
    await eventually(() => host.out('client.error').length === 2, 'the unmatched response');
    assert.equal(host.out('client.error')[1]?.headers?.reason, 'unmatched-response');
    assert.equal(host.out('client.out').length, 0);
  });

  it('signs on with 0800 DE 70=001 before sending traffic', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port, { sign_on: { enabled: true } });
    assert.equal(client.stats().ready, 1);
    await client.handle('in', context.envelope(purchase(1)));
    await eventually(() => host.out('client.out').length === 1, 'the response');
    assert.equal(issuer.received[0]?.mti, '0800');
    assert.equal(issuer.received[0]?.fields[70], '001');
    assert.match(String(issuer.received[0]?.fields[11]), /^\d{6}$/);
    assert.match(String(issuer.received[0]?.fields[7]), /^\d{10}$/);
    assert.equal(issuer.received[1]?.mti, '0200');
  });

  it('does not become ready when the issuer refuses the sign-on', async () => {
    const issuer = await startIssuer((request) => ({ ...approve(request), fields: { ...approve(request).fields, 39: '91' } }));
    const { client } = await startClient(issuer.port, { sign_on: { enabled: true }, connect_timeout_ms: 300, reconnect: { initial_ms: 1000 } });
    assert.equal(client.stats().ready, 0);
  });

  it('sends echo tests (0800 DE 70=301) at the configured interval', async () => {
    const issuer = await startIssuer();
    await startClient(issuer.port, { echo: { interval_ms: 30 } });
    await eventually(() => issuer.received.filter((m) => m.fields[70] === '301').length >= 2, 'two echo tests');
    assert.equal(issuer.received[0]?.mti, '0800');
  });

  it('answers an echo test from the issuer with 0810 DE 39=00', async () => {
    const issuer = await startIssuer(() => null);
    await startClient(issuer.port);
    const [socket] = [...issuer.sockets];
    socket?.write(framed({ mti: '0800', fields: { 7: '1123120000', 11: '000777', 70: '301' } }));
    await eventually(() => issuer.received.length === 1, 'the answer');
    const [answer] = issuer.received;
    assert.equal(answer?.mti, '0810');
    assert.equal(answer?.fields[39], '00');
    assert.equal(answer?.fields[11], '000777');
  });

  it('fails requests in flight on a dropped connection (connection-lost) and reconnects', async () => {
    const issuer = await startIssuer(() => null);
    const { host, client, context } = await startClient(issuer.port, { reconnect: { initial_ms: 20 } });
    const first = client.handle('in', context.envelope(purchase(1)));
    await eventually(() => issuer.received.length === 1, 'the request at the issuer');
    issuer.handler = approveRequests;
    issuer.dropConnections();
    await first;
    assert.equal(host.out('client.error').length, 1, 'the lost request');
    assert.equal(host.out('client.error')[0]?.headers?.reason, 'connection-lost');
    assert.equal(client.stats().pending, 0);
    await eventually(() => client.stats().ready === 1, 'the reconnect');
    await client.handle('in', context.envelope(purchase(2)));
    await eventually(() => host.out('client.out').length === 1, 'a response after the reconnect');
  });

  it('sends the requests handed over in one turn as one write, in order', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port);
    await eventually(() => issuer.sockets.size === 1, 'the connection at the issuer');
    const chunks: Buffer[] = [];
    for (const socket of issuer.sockets) socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const writes = countWrites(linkSocket(client) as Socket);
    await Promise.all([1, 2, 3].map((n) => client.handle('in', context.envelope(purchase(n)))));
    assert.deepEqual(
      issuer.received.map((request) => request.fields[11]),
      ['000001', '000002', '000003'],
    );
    assert.equal(writes.count, 1, 'one socket write');
    assert.equal(chunks.length, 1, 'one read at the issuer');
    assert.equal(host.out('client.out').length, 3);
  });

  it('fails a request whose connection closes before the write with connection-lost, never sending it', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port, { reconnect: { initial_ms: 5000 } });
    const handled = client.handle('in', context.envelope(purchase(1)));
    // The request is queued for this turn's write; the connection goes away before that write.
    linkSocket(client)?.destroy();
    await handled;
    assert.equal(host.out('client.error')[0]?.headers?.reason, 'connection-lost');
    assert.equal(client.stats().pending, 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(issuer.received.length, 0);
  });

  it('holds requests while the issuer is down and sends them once it is up', async () => {
    const placeholder = new TestIssuer(spec, framing);
    const port = await placeholder.listen();
    await placeholder.close();
    const { host, client, context } = await startClient(port, { connect_timeout_ms: 50, reconnect: { initial_ms: 20, max_ms: 50 } });
    assert.equal(client.stats().ready, 0);
    const handled = client.handle('in', context.envelope(purchase(1)));
    await eventually(() => client.stats().queued === 1, 'the request waiting for a connection');
    const issuer = new TestIssuer(spec, framing);
    await issuer.listen(port);
    cleanups.push(() => issuer.close());
    await handled;
    assert.equal(host.out('client.out').length, 1, 'the queued request answered');
  });

  it('fails a waiting request with not-connected when no connection comes up in time', async () => {
    const placeholder = new TestIssuer(spec, framing);
    const port = await placeholder.listen();
    await placeholder.close();
    const { host, client, context } = await startClient(port, { timeout_ms: 50, connect_timeout_ms: 20, reconnect: { initial_ms: 1000 } });
    await client.handle('in', context.envelope(purchase(1)));
    await eventually(() => host.out('client.error').length === 1, 'the failure');
    assert.equal(host.out('client.error')[0]?.headers?.reason, 'not-connected');
  });

  it('spreads requests over several connections', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port, { connections: 3 });
    await eventually(() => client.stats().ready === 3, 'three connections');
    for (let stan = 1; stan <= 6; stan++) await client.handle('in', context.envelope(purchase(stan)));
    await eventually(() => host.out('client.out').length === 6, 'six responses');
    assert.equal(issuer.sockets.size, 3);
  });

  it('sends the requests of one turn on one connection and the next turn on the next', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port, { connections: 2 });
    await eventually(() => client.stats().ready === 2 && issuer.sockets.size === 2, 'two connections');
    // Which connection each request arrived on, by its STAN.
    const arrivedOn = new Map<string, number>();
    [...issuer.sockets].forEach((socket, index) => {
      const decoder = new FrameDecoder(resolved);
      socket.on('data', (chunk: Buffer) => {
        for (const frame of decoder.push(chunk)) arrivedOn.set(String(unpack(frame.message, spec).fields[11]), index);
      });
    });
    await Promise.all([1, 2, 3].map((n) => client.handle('in', context.envelope(purchase(n)))));
    await Promise.all([4, 5, 6].map((n) => client.handle('in', context.envelope(purchase(n)))));
    assert.equal(host.out('client.out').length, 6);
    const first = new Set(['000001', '000002', '000003'].map((stan) => arrivedOn.get(stan)));
    const second = new Set(['000004', '000005', '000006'].map((stan) => arrivedOn.get(stan)));
    assert.equal(first.size, 1, 'one turn, one connection');
    assert.equal(second.size, 1, 'one turn, one connection');
    assert.notDeepEqual([...first], [...second], 'the next turn takes the other connection');
  });

  it('refuses a request whose key is already in flight (duplicate-request)', async () => {
    const issuer = await startIssuer(() => null);
    const { host, client, context } = await startClient(issuer.port, { timeout_ms: 100 });
    const first = client.handle('in', context.envelope(purchase(1)));
    await eventually(() => client.stats().pending === 1, 'the first request in flight');
    await client.handle('in', context.envelope(purchase(1)));
    assert.equal(host.out('client.error')[0]?.headers?.reason, 'duplicate-request');
    await first;
  });

  it('refuses framing none at creation: a persistent connection needs a length prefix', () => {
    const host = new TestHost();
    assert.throws(
      () => descriptor.create(descriptor.config.parse({ host: '127.0.0.1', port: 1, framing: { kind: 'none' } }), host.context('client')),
      { code: 'ISO_GEAR_CONFIG' },
    );
  });

  it('sends a message the codec refuses to error (invalid-message) without touching the connection', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port);
    await client.handle('in', context.envelope({ mti: '0200', fields: { 4: 'not a number' } }));
    assert.equal(host.out('client.error')[0]?.headers?.reason, 'invalid-message');
    assert.equal(client.stats().ready, 1);
  });

  it('sends a message too large for the framing to error as invalid-message (not connection-lost), the link untouched', async () => {
    const issuer = await startIssuer();
    const { host, client, context } = await startClient(issuer.port, { framing: { kind: 'binary2', max_length: 64 } });
    await client.handle('in', context.envelope({ mti: '0200', fields: { 2: '4111111111111111', 3: '000000', 4: '000000001000', 11: '000001', 43: 'A'.repeat(40), 48: 'B'.repeat(60) } }));
    const error = host.out('client.error')[0];
    assert.equal(error?.headers?.reason, 'invalid-message');
    assert.equal(error?.headers?.[ISO_HEADERS.code], 'ISO_FRAME_TOO_LARGE');
    assert.equal(client.stats().ready, 1);
  });
});
