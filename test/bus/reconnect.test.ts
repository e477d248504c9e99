/**
 * The bus survives a nats-server restart: stop the server, start it again on the same port and store
 * directory, and publishing and consuming resume on the same connection (private server: this test
 * restarts it).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BusConnection } from '../../pkg/bus/connection.ts';
import { startConsumer } from '../../pkg/bus/consume.ts';
import { publishDurable } from '../../pkg/bus/publish.ts';
import { ensureStream } from '../../pkg/bus/streams.ts';
import { freePort, type NatsHandle, startNats } from '../../pkg/supervise/index.ts';
import { connect, envelope, eventually, memoryLogger, testStreamSpec, uniqueToken } from './support.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'fluxrig-bus-reconnect-'));
let nats: NatsHandle | undefined;
let bus: BusConnection | undefined;

after(async () => {
  await bus?.close();
  await nats?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('after a nats-server restart on the same port and store, publishes and the consumer resume', async () => {
  const port = await freePort();
  nats = await startNats({ dataDir, port });
  const log = memoryLogger();
  bus = await connect(nats.url, log.logger);
  const root = uniqueToken();
  const spec = testStreamSpec(root, 'data');
  await ensureStream(bus, spec);
  const seen: unknown[] = [];
  const consumer = await startConsumer(
    bus,
    { stream: spec.name, durable: uniqueToken('c'), filterSubjects: [`${root}.data.>`], dlqSubject: `${root}.dlq.x` },
    async (message) => {
      seen.push(message.data);
    },
  );

  await publishDurable(bus, `${root}.data.w`, envelope('before'));
  await eventually('message before the restart handled', () => seen.length === 1);

  await nats.stop();
  await eventually('disconnect logged', () => log.lines().some((line) => line.msg === 'nats disconnected'));
  // Published while the server is down: the client holds it and the stream acks after the reconnect.
  const duringOutage = publishDurable(bus, `${root}.data.w`, envelope('during'), { timeoutMs: 1_000, retries: 20 });
  nats = await startNats({ dataDir, port });
  await eventually('reconnect logged', () => log.lines().some((line) => line.msg === 'nats reconnected'), 20_000);

  assert.equal((await duringOutage).seq, 2, 'the stream kept the message from before the restart');
  const receipt = await publishDurable(bus, `${root}.data.w`, envelope('after'), { timeoutMs: 10_000 });
  assert.equal(receipt.seq, 3);
  await eventually('messages after the restart handled', () => seen.length === 3, 40_000);
  assert.deepEqual(seen, ['before', 'during', 'after']);
  await consumer.stop();
});
