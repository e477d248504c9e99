/**
 * pkg/bus publish + durable consumers against a real nats-server with JetStream: dedup by envelope id,
 * ack only after the handler resolves, redelivery with increasing attempt, dead-lettering with the
 * reason in headers, malformed payloads to the DLQ, bounded concurrency, draining stop.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BusConnection } from '../../pkg/bus/connection.ts';
import { DLQ_HEADERS, startConsumer, type RunningConsumer } from '../../pkg/bus/consume.ts';
import { publishBytesDurable, publishDurable } from '../../pkg/bus/publish.ts';
import { RigError } from '../../pkg/errors/index.ts';
import { decodeEnvelope } from '../../pkg/wire/codec.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { useNats } from '../support/engines.ts';
import { connect, envelope, eventually, storedMessages, testStreams, uniqueToken } from './support.ts';

let bus: BusConnection;
const consumers: RunningConsumer[] = [];

before(async () => {
  bus = await connect((await useNats()).url);
});

after(async () => {
  await Promise.all(consumers.map((consumer) => consumer.stop(1_000)));
  await bus.close();
});

async function consumer(
  streams: Awaited<ReturnType<typeof testStreams>>,
  handler: (envelope: Envelope, attempt: number) => Promise<void>,
  options: { maxDeliver?: number; concurrency?: number; backoffMs?: number[] } = {},
): Promise<RunningConsumer & { dlq: string }> {
  const durable = uniqueToken('c');
  const running = await startConsumer(
    bus,
    {
      stream: streams.data.name,
      durable,
      filterSubjects: [streams.dataSubject('*')],
      dlqSubject: streams.dlqSubject(durable),
      backoffMs: options.backoffMs ?? [50],
      maxDeliver: options.maxDeliver ?? 3,
      concurrency: options.concurrency ?? 4,
    },
    (received, delivery) => handler(received, delivery.attempt),
  );
  consumers.push(running);
  return Object.assign(running, { dlq: streams.dlqSubject(durable) });
}

/**
 * The consumer's info once the server has applied every ack and term it was sent. `stats.acked` counts
 * an ack when it is handed to the connection; the server applies it on its own goroutine a little later.
 */
async function settledConsumerInfo(stream: string, durable: string) {
  const info = await eventually(
    'the server to apply the acks',
    async () => {
      const info = await bus.jsm.consumers.info(stream, durable);
      return info.num_ack_pending === 0 ? info : undefined;
    },
    5_000,
  );
  assert.ok(info);
  return info;
}

describe('durable publish', () => {
  test('the same envelope published twice is stored once (Nats-Msg-Id = envelope id)', async () => {
    const streams = await testStreams(bus);
    const message = envelope({ n: 1 });
    const first = await publishDurable(bus, streams.dataSubject('w'), message);
    const second = await publishDurable(bus, streams.dataSubject('w'), message);
    assert.equal(first.duplicate, false);
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    const stored = await storedMessages(bus, streams.data.name);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.header.get('Nats-Msg-Id'), message.id);
  });

  test('a different id with the same content is a new message', async () => {
    const streams = await testStreams(bus);
    await publishDurable(bus, streams.dataSubject('w'), envelope({ n: 1 }));
    await publishDurable(bus, streams.dataSubject('w'), envelope({ n: 1 }));
    assert.equal((await storedMessages(bus, streams.data.name)).length, 2);
  });

  test('a dedup key given as msgId replaces the id: two envelopes with one key are stored once', async () => {
    const streams = await testStreams(bus);
    const key = 'input-42/parse/out/0';
    await publishDurable(bus, streams.dataSubject('w'), envelope('first'), { msgId: key });
    const again = await publishDurable(bus, streams.dataSubject('w'), envelope('re-emitted'), { msgId: key });
    assert.equal(again.duplicate, true);
    const stored = await storedMessages(bus, streams.data.name);
    assert.deepEqual(stored.map((message) => decodeEnvelope(message.data).data), ['first']);
  });

  test('publishing to a subject no stream captures is BUS_NO_STREAM', async () => {
    await assert.rejects(
      publishDurable(bus, `${uniqueToken()}.nowhere`, envelope(1), { timeoutMs: 2_000 }),
      (error: unknown) => error instanceof RigError && error.code === 'BUS_NO_STREAM',
    );
  });
});

describe('durable consumer', () => {
  test('the handler receives the decoded envelope with attempt 1, and the message is acked', async () => {
    const streams = await testStreams(bus);
    const received: Envelope[] = [];
    const running = await consumer(streams, async (message) => {
      received.push(message);
    });
    const sent = envelope({ amount: 1500, raw: new Uint8Array([1, 2, 3]) }, { key: 'T1' });
    await publishDurable(bus, streams.dataSubject('w'), sent);
    await eventually('ack', () => running.stats.acked === 1);
    assert.deepEqual(received, [{ ...sent, attempt: 1, data: { amount: 1500, raw: Buffer.from([1, 2, 3]) } }]);
    const info = await settledConsumerInfo(streams.data.name, running.durable);
    assert.equal(info.num_pending, 0);
  });

  test('a handler that throws gets the message again with the attempt incremented, then it is acked', async () => {
    const streams = await testStreams(bus);
    const attempts: number[] = [];
    const running = await consumer(streams, async (_message, attempt) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error(`transient failure ${attempt}`);
    });
    await publishDurable(bus, streams.dataSubject('w'), envelope('retry me'));
    await eventually('ack after retries', () => running.stats.acked === 1);
    assert.deepEqual(attempts, [1, 2, 3]);
    assert.equal(running.stats.retried, 2);
    assert.equal(running.stats.deadLettered, 0);
  });

  test('no ack is sent while the handler is still running: the message stays pending', async () => {
    const streams = await testStreams(bus);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = await consumer(streams, () => gate);
    await publishDurable(bus, streams.dataSubject('w'), envelope('slow'));
    await eventually('handler started', () => running.stats.inFlight === 1);
    const during = await bus.jsm.consumers.info(streams.data.name, running.durable);
    assert.equal(during.num_ack_pending, 1, 'unacked while the handler runs');
    release();
    await eventually('acked', () => running.stats.acked === 1);
    await settledConsumerInfo(streams.data.name, running.durable);
  });

  test('after maxDeliver failures the message goes to the DLQ with reason, subject and attempts, and is not redelivered', async () => {
    const streams = await testStreams(bus);
    const attempts: number[] = [];
    const running = await consumer(
      streams,
      async (_message, attempt) => {
        attempts.push(attempt);
        throw new RigError('GEAR_BOOM', 'issuer unreachable for 4111111111111111\nat line 2');
      },
      { maxDeliver: 3 },
    );
    const sent = envelope({ pan: 'masked' });
    await publishDurable(bus, streams.dataSubject('auth'), sent);
    await eventually('dead-lettered', () => running.stats.deadLettered === 1);

    const [dead, ...more] = await storedMessages(bus, streams.dlq.name);
    assert.equal(more.length, 0);
    assert.ok(dead);
    assert.equal(dead.subject, running.dlq);
    assert.equal(dead.header.get(DLQ_HEADERS.code), 'GEAR_BOOM');
    assert.match(dead.header.get(DLQ_HEADERS.reason), /handler failed 3 times; last: issuer unreachable for 411111\*+1111 at line 2/);
    assert.equal(dead.header.get(DLQ_HEADERS.subject), streams.dataSubject('auth'));
    assert.equal(dead.header.get(DLQ_HEADERS.attempts), '3');
    assert.equal(dead.header.get(DLQ_HEADERS.stream), streams.data.name);
    assert.equal(dead.header.get(DLQ_HEADERS.consumer), running.durable);
    assert.equal(decodeEnvelope(dead.data).id, sent.id, 'the original envelope is kept byte for byte');

    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(attempts, [1, 2, 3], 'term: no fourth delivery');
    await settledConsumerInfo(streams.data.name, running.durable);
  });

  test('a payload that is not a CBOR envelope goes to the DLQ at once, and the consumer keeps working', async () => {
    const streams = await testStreams(bus);
    const handled: string[] = [];
    const running = await consumer(streams, async (message) => {
      handled.push(message.id);
    });
    await publishBytesDurable(bus, streams.dataSubject('w'), new TextEncoder().encode('{"not":"cbor"}'), 'junk-1');
    const good = envelope('fine');
    await publishDurable(bus, streams.dataSubject('w'), good);

    await eventually('junk dead-lettered and good one handled', () => running.stats.deadLettered === 1 && running.stats.acked === 1);
    assert.deepEqual(handled, [good.id]);
    assert.equal(running.stats.malformed, 1);
    const [dead] = await storedMessages(bus, streams.dlq.name);
    assert.equal(dead?.header.get(DLQ_HEADERS.code), 'WIRE_MALFORMED');
    assert.equal(dead?.header.get(DLQ_HEADERS.attempts), '1');
    assert.equal(new TextDecoder().decode(dead?.data), '{"not":"cbor"}', 'the bad bytes are kept for inspection');
  });

  test('an envelope missing its type goes to the DLQ as WIRE_INVALID', async () => {
    const streams = await testStreams(bus);
    const running = await consumer(streams, async () => {});
    const { encodeCbor } = await import('../../pkg/wire/cbor.ts');
    await publishBytesDurable(bus, streams.dataSubject('w'), encodeCbor({ id: '1', source: 's', time: 't' }), 'bad-1');
    await eventually('dead-lettered', () => running.stats.deadLettered === 1);
    const [dead] = await storedMessages(bus, streams.dlq.name);
    assert.equal(dead?.header.get(DLQ_HEADERS.code), 'WIRE_INVALID');
    assert.match(dead?.header.get(DLQ_HEADERS.reason) ?? '', /type/);
  });

  test('no more than `concurrency` handlers run at once', async () => {
    const streams = await testStreams(bus);
    let running = 0;
    let peak = 0;
    const consumerHandle = await consumer(
      streams,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 30 }, (_, i) => publishDurable(bus, streams.dataSubject('w'), envelope(i))));
    await eventually('all acked', () => consumerHandle.stats.acked === 30);
    assert.equal(peak, 3);
  });

  test('stop() waits for in-flight handlers and their acks reach the server', async () => {
    const streams = await testStreams(bus);
    let finished = 0;
    const running = await consumer(
      streams,
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 200));
        finished++;
      },
      { concurrency: 2 },
    );
    await publishDurable(bus, streams.dataSubject('w'), envelope(1));
    await publishDurable(bus, streams.dataSubject('w'), envelope(2));
    await eventually('both started', () => running.stats.inFlight === 2);
    await running.stop();
    assert.equal(finished, 2);
    assert.equal(running.stats.acked, 2);
    // stop() flushed: the server has both acks and settles them without redelivering anything.
    const info = await settledConsumerInfo(streams.data.name, running.durable);
    assert.equal(info.ack_floor.stream_seq, 2);
    assert.equal(info.num_redelivered, 0);
    assert.equal(finished, 2, 'no handler ran again');
  });

  test('a second consumer start with the same durable resumes where the first stopped', async () => {
    const streams = await testStreams(bus);
    const durable = uniqueToken('c');
    const spec = {
      stream: streams.data.name,
      durable,
      filterSubjects: [streams.dataSubject('*')],
      dlqSubject: streams.dlqSubject(durable),
    };
    const seen: unknown[] = [];
    const first = await startConsumer(bus, spec, async (message) => {
      seen.push(message.data);
    });
    await publishDurable(bus, streams.dataSubject('w'), envelope('a'));
    await eventually('first handled', () => first.stats.acked === 1);
    await first.stop();
    await publishDurable(bus, streams.dataSubject('w'), envelope('b'));
    const second = await startConsumer(bus, spec, async (message) => {
      seen.push(message.data);
    });
    consumers.push(second);
    await eventually('second handled', () => second.stats.acked === 1);
    assert.deepEqual(seen, ['a', 'b']);
  });
});
