/**
 * KV buckets with CBOR values and core request-reply, against the run's nats-server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { BusConnection } from '../../pkg/bus/connection.ts';
import { type BucketSpec, type KvChange, openBucket } from '../../pkg/bus/kv.ts';
import { request, serve, subscribe } from '../../pkg/bus/request.ts';
import { publishFast } from '../../pkg/bus/publish.ts';
import { RigError } from '../../pkg/errors/index.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';
import { useNats } from '../support/engines.ts';
import { connect, envelope, eventually, uniqueToken } from './support.ts';

let bus: BusConnection;

before(async () => {
  bus = await connect((await useNats()).url);
});

after(async () => {
  await bus.close();
});

function bucketSpec(): BucketSpec {
  return {
    name: uniqueToken('kv'),
    description: 'test bucket',
    history: 5,
    ttlMs: 0,
    maxBytes: 1024 * 1024,
    maxValueBytes: 64 * 1024,
  };
}

interface RackRecord {
  labels: Record<string, string>;
  seenAt: number;
}

function isRigError(code: string) {
  return (error: unknown) => error instanceof RigError && error.code === code;
}

describe('KV buckets', () => {
  test('put then get returns the same structured value and its revision', async () => {
    const bucket = await openBucket<RackRecord>(bus, bucketSpec());
    const value = { labels: { zone: 'a', pci: 'true' }, seenAt: 1_795_000_000_123 };
    const revision = await bucket.put('rack-1', value);
    assert.deepEqual(await bucket.get('rack-1'), {
      key: 'rack-1',
      value,
      revision,
      created: (await bucket.get('rack-1'))?.created,
    });
  });

  test('values are plain CBOR maps in the bucket (readable by any CBOR reader)', async () => {
    const spec = bucketSpec();
    const bucket = await openBucket<RackRecord>(bus, spec);
    await bucket.put('r', { labels: {}, seenAt: 1 });
    const stored = await bus.jsm.streams.getMessage(`KV_${spec.name}`, { last_by_subj: `$KV.${spec.name}.r` });
    assert.equal(stored?.data[0], 0xa2, 'a CBOR map of two entries, no cbor-x record tag');
  });

  test('an absent or deleted key reads as undefined', async () => {
    const bucket = await openBucket<string>(bus, bucketSpec());
    assert.equal(await bucket.get('nope'), undefined);
    await bucket.put('gone', 'x');
    await bucket.delete('gone');
    assert.equal(await bucket.get('gone'), undefined);
  });

  test('a watch sees the current values first, then puts and deletes as they happen', async () => {
    const bucket = await openBucket<{ v: number }>(bus, bucketSpec());
    await bucket.put('scenario.a', { v: 1 });
    const watch = await bucket.watch({ key: 'scenario.>' });
    const changes: KvChange<{ v: number }>[] = [];
    const reading = (async () => {
      for await (const change of watch) changes.push(change);
    })();
    await eventually('initial value', () => changes.length === 1);
    await bucket.put('scenario.b', { v: 2 });
    await bucket.put('other', { v: 99 });
    await bucket.delete('scenario.a');
    await eventually('two live changes', () => changes.length === 3);
    watch.stop();
    await reading;
    assert.deepEqual(
      changes.map(({ key, op, value, initial }) => ({ key, op, value, initial })),
      [
        { key: 'scenario.a', op: 'put', value: { v: 1 }, initial: true },
        { key: 'scenario.b', op: 'put', value: { v: 2 }, initial: false },
        { key: 'scenario.a', op: 'delete', value: undefined, initial: false },
      ],
    );
  });

  test('breaking out of a watch loop stops the watch (its server-side consumer is no longer bound)', async () => {
    const spec = bucketSpec();
    const bucket = await openBucket<number>(bus, spec);
    await bucket.put('k', 1);
    const bound = async () =>
      (await bus.jsm.consumers.list(`KV_${spec.name}`).next()).filter((consumer) => consumer.push_bound === true).length;
    const watch = await bucket.watch();
    // The server marks the push consumer bound once the watch's subscription interest reaches it,
    // which may be a moment after watch() returned (a CI run listed it unbound once).
    await eventually('watch bound', async () => (await bound()) === 1);
    for await (const change of watch) {
      assert.equal(change.value, 1);
      break;
    }
    await eventually('watch unbound', async () => (await bound()) === 0);
  });

  test('compare-and-set: a put with a stale revision is KV_CONFLICT', async () => {
    const bucket = await openBucket<number>(bus, bucketSpec());
    const first = await bucket.put('desired', 1, { expectRevision: 0 });
    await bucket.put('desired', 2, { expectRevision: first });
    await assert.rejects(bucket.put('desired', 3, { expectRevision: first }), isRigError('KV_CONFLICT'));
    await assert.rejects(bucket.put('desired', 3, { expectRevision: 0 }), isRigError('KV_CONFLICT'));
    assert.equal((await bucket.get('desired'))?.value, 2);
  });

  test('keys lists matching keys; bad keys are KV_KEY_INVALID', async () => {
    const bucket = await openBucket<number>(bus, bucketSpec());
    await bucket.put('racks.r2', 2);
    await bucket.put('racks.r1', 1);
    await bucket.put('x', 0);
    await bucket.put('racks.r3', 3);
    await bucket.delete('racks.r3');
    assert.deepEqual(await bucket.keys('racks.*'), ['racks.r1', 'racks.r2'], 'deleted keys are gone');
    assert.deepEqual((await bucket.entries('racks.*')).map((e) => [e.key, e.value]), [['racks.r1', 1], ['racks.r2', 2]]);
    assert.deepEqual(await bucket.keys('none.>'), []);
    await assert.rejects(bucket.keys('bad filter'), isRigError('KV_KEY_INVALID'));
    await assert.rejects(bucket.put('has space', 1), isRigError('KV_KEY_INVALID'));
    await assert.rejects(bucket.get('.leading'), isRigError('KV_KEY_INVALID'));
  });

  test('listing keys and entries and probing readiness create no consumer (the mixer polls them; a consumer per call hit the server limit)', async () => {
    const spec = bucketSpec();
    const bucket = await openBucket<number>(bus, spec);
    await bucket.put('a', 1);
    for (let i = 0; i < 50; i++) await Promise.all([bucket.keys(), bucket.entries(), bucket.reachable()]);
    const info = await bus.jsm.streams.info(`KV_${spec.name}`);
    assert.equal(info.state.consumer_count, 0);
  });

  test('opening an existing bucket binds to it and keeps its data', async () => {
    const spec = bucketSpec();
    await (await openBucket<number>(bus, spec)).put('k', 7);
    assert.equal((await (await openBucket<number>(bus, spec)).get('k'))?.value, 7);
  });
});

describe('request-reply', () => {
  test('a request gets the served reply envelope', async () => {
    const subject = `${uniqueToken()}.ping`;
    const server = serve(bus, subject, async (asked) => envelope({ pong: asked.data }, { subject: asked.id }));
    const asked = envelope('hello');
    const reply = await request(bus, subject, asked, { timeoutMs: 2_000 });
    assert.deepEqual(reply.data, { pong: 'hello' });
    assert.equal(reply.subject, asked.id);
    await server.stop();
  });

  test('a request nobody answers in time is BUS_TIMEOUT naming the subject and timeout', async () => {
    const subject = `${uniqueToken()}.slow`;
    const server = serve(bus, subject, async (asked) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      return asked;
    });
    const started = Date.now();
    await assert.rejects(request(bus, subject, envelope(1), { timeoutMs: 150 }), (error: unknown) => {
      assert.ok(error instanceof RigError);
      assert.equal(error.code, 'BUS_TIMEOUT');
      assert.equal(error.where, subject);
      assert.match(error.message, /timed out after 150 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 450, 'fails at the timeout, not when the reply finally comes');
    await server.stop();
  });

  test('a request to a subject with no subscribers is BUS_NO_RESPONDERS', async () => {
    await assert.rejects(
      request(bus, `${uniqueToken()}.void`, envelope(1), { timeoutMs: 2_000 }),
      isRigError('BUS_NO_RESPONDERS'),
    );
  });

  test('core subscribe receives fast publishes; an undecodable one is dropped and the next still arrives', async () => {
    const subject = `${uniqueToken()}.fast`;
    const received: Envelope[] = [];
    const listener = subscribe(bus, subject, async (message) => {
      received.push(message);
    });
    await bus.nc.flush();
    bus.nc.publish(subject, new Uint8Array([0xff]));
    const sent = envelope('fast');
    publishFast(bus, subject, sent);
    await eventually('fast message', () => received.length === 1);
    assert.equal(received[0]?.id, sent.id);
    await listener.stop();
  });
});
