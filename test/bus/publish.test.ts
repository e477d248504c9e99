/**
 * Pipelined durable publishes (pkg/bus/pub-acks.ts) against a real nats-server: many in flight at once
 * each get their own stream ack, a refusal by the JetStream API and a publish nobody acks come back as
 * the usual RigErrors, and publishes still waiting when the connection closes are failed, not left hanging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BusConnection } from '../../pkg/bus/connection.ts';
import { publishDurable } from '../../pkg/bus/publish.ts';
import { RigError } from '../../pkg/errors/index.ts';
import { useNats } from '../support/engines.ts';
import { connect, envelope, testStreams, uniqueToken } from './support.ts';

let url: string;
let bus: BusConnection;

before(async () => {
  url = (await useNats()).url;
  bus = await connect(url);
});

after(async () => {
  await bus.close();
});

const isRigError = (code: string) => (error: unknown) => error instanceof RigError && error.code === code;

describe('pipelined durable publish', () => {
  test('500 publishes in flight at once each resolve with their own sequence', async () => {
    const streams = await testStreams(bus);
    const receipts = await Promise.all(
      Array.from({ length: 500 }, (_, n) => publishDurable(bus, streams.dataSubject('w'), envelope({ n }))),
    );
    assert.deepEqual(
      receipts.map((receipt) => receipt.seq).sort((a, b) => a - b),
      Array.from({ length: 500 }, (_, n) => n + 1),
    );
    assert.ok(receipts.every((receipt) => receipt.stream === streams.data.name && !receipt.duplicate));
    assert.equal((await bus.jsm.streams.info(streams.data.name)).state.messages, 500);
  });

  test('a publish the JetStream API refuses (wrong expected stream) is BUS_JETSTREAM', async () => {
    const streams = await testStreams(bus);
    await assert.rejects(
      publishDurable(bus, streams.dataSubject('w'), envelope(1), { expectStream: streams.dlq.name }),
      isRigError('BUS_JETSTREAM'),
    );
  });

  test('a publish no stream acks in time is BUS_TIMEOUT after its retries', async () => {
    // A core subscriber on the subject: the server sees a responder, so no 503, but nobody acks.
    const subject = `${uniqueToken()}.silent`;
    const silent = bus.nc.subscribe(subject);
    try {
      const started = Date.now();
      await assert.rejects(publishDurable(bus, subject, envelope(1), { timeoutMs: 200, retries: 1 }), isRigError('BUS_TIMEOUT'));
      assert.ok(Date.now() - started >= 400, 'two attempts of 200 ms each');
    } finally {
      silent.unsubscribe();
    }
  });

  test('publishes waiting for their ack when the connection closes are failed with BUS_CLOSED', async () => {
    const own = await connect(url);
    const subject = `${uniqueToken()}.silent`;
    own.nc.subscribe(subject);
    const waiting = publishDurable(own, subject, envelope(1), { timeoutMs: 30_000, retries: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await own.nc.close();
    await assert.rejects(waiting, isRigError('BUS_CLOSED'));
  });
});
