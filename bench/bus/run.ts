/**
 * bench/bus: JetStream publish and consume throughput on a private nats-server, raw client next to
 * pkg/bus in the same run, so the cost of the envelope codec, dedup ids and the consumer's
 * ack-after-handler bookkeeping shows as a ratio. This is the baseline bench/pipeline compares against.
 *
 *   node --import tsx bench/bus/run.ts [--messages 20000] [--window 256]
 *
 * Cases (same 1-node file-backed stream, ~500-byte envelopes):
 *   raw js.publish, awaited one by one       latency-bound publish
 *   raw js.publish, `window` in flight       pipelined publish (the realistic producer)
 *   pkg/bus publishDurable, same window      + encodeEnvelope + Nats-Msg-Id
 *   raw consume + ack                        pull consumer, ack each message
 *   pkg/bus startConsumer, no-op handler     + decodeEnvelope + ack-after-handler + concurrency limit
 *   raw core publish + flush                 no persistence, for scale
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { type BusConnection, connectBus } from '../../pkg/bus/connection.ts';
import { startConsumer } from '../../pkg/bus/consume.ts';
import { publishDurable } from '../../pkg/bus/publish.ts';
import { ensureStream, type StreamSpec } from '../../pkg/bus/streams.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { startNats } from '../../pkg/supervise/index.ts';
import { encodeEnvelope } from '../../pkg/wire/codec.ts';
import type { Envelope } from '../../pkg/wire/envelope.ts';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}
const MESSAGES = arg('messages', 20_000);
const WINDOW = arg('window', 256);

let sequence = 0;
function envelope(): Envelope {
  sequence++;
  return {
    id: String(468395841827012609n + BigInt(sequence)),
    type: 'fluxrig.iso8583.request',
    source: 'bench/bus',
    time: '2026-11-23T18:00:00.123Z',
    datacontenttype: 'application/octet-stream',
    data: new Uint8Array(300).fill(sequence & 0xff),
    scenario: 'bench',
    gear: 'gen',
    port: 'out',
    key: 'T0001',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  };
}

function spec(name: string): StreamSpec {
  return {
    name,
    subjects: [`bench.${name.toLowerCase()}.>`],
    description: 'bench',
    maxAgeMs: 3_600_000,
    maxBytes: 512 * 1024 * 1024,
    maxMsgs: 10_000_000,
    maxMsgSize: 1024 * 1024,
    duplicateWindowMs: 120_000,
    storage: 'file',
    replicas: 1,
  };
}

/** Runs `publishOne(i)` for i < count with at most `window` in flight; returns msgs/s. */
async function pipelined(count: number, window: number, publishOne: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  async function lane(): Promise<void> {
    while (next < count) await publishOne(next++);
  }
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
  return (count * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fluxrig-bench-bus-'));
  const nats = await startNats({ dataDir, ephemeral: true });
  const bus: BusConnection = await connectBus({ servers: nats.url, name: 'bench-bus', logger: silentLogger() });
  const results: [string, number][] = [];
  try {
    // Pre-encoded so the raw cases measure the client and the server only.
    const rawPayloads = Array.from({ length: MESSAGES }, () => encodeEnvelope(envelope()));
    const rawIds = rawPayloads.map((_, i) => `raw-${i}`);

    await ensureStream(bus, spec('RAWSEQ'));
    const sequentialCount = Math.min(MESSAGES, 3_000);
    let started = performance.now();
    for (let i = 0; i < sequentialCount; i++) {
      await bus.js.publish('bench.rawseq.x', rawPayloads[i], { msgID: rawIds[i] as string });
    }
    results.push(['raw js.publish, awaited one by one', (sequentialCount * 1000) / (performance.now() - started)]);

    await ensureStream(bus, spec('RAW'));
    const rawPublish = await pipelined(MESSAGES, WINDOW, (i) =>
      bus.js.publish('bench.raw.x', rawPayloads[i], { msgID: rawIds[i] as string }),
    );
    results.push([`raw js.publish, ${WINDOW} in flight`, rawPublish]);

    await ensureStream(bus, spec('FLUX'));
    const envelopes = Array.from({ length: MESSAGES }, envelope);
    const busPublish = await pipelined(MESSAGES, WINDOW, (i) =>
      publishDurable(bus, 'bench.flux.x', envelopes[i] as Envelope),
    );
    results.push([`pkg/bus publishDurable, ${WINDOW} in flight`, busPublish]);

    // Raw consume of the RAW stream: pull consumer, ack each.
    await bus.jsm.consumers.add('RAW', {
      durable_name: 'raw',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 10_000,
    });
    const rawConsumer = await bus.js.consumers.get('RAW', 'raw');
    started = performance.now();
    const messages = await rawConsumer.consume({ max_messages: 1_000 });
    let received = 0;
    for await (const message of messages) {
      message.ack();
      if (++received === MESSAGES) break;
    }
    await bus.nc.flush();
    const rawConsume = (MESSAGES * 1000) / (performance.now() - started);
    results.push(['raw consume + ack', rawConsume]);

    // pkg/bus consumer of the FLUX stream: decode, no-op handler, ack after it resolves.
    let handled = 0;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => {
      done = resolve;
    });
    started = performance.now();
    const consumer = await startConsumer(
      bus,
      { stream: 'FLUX', durable: 'flux', filterSubjects: ['bench.flux.>'], concurrency: 256, maxAckPending: 10_000 },
      async () => {
        if (++handled === MESSAGES) done();
      },
    );
    await finished;
    await bus.nc.flush();
    const busConsume = (MESSAGES * 1000) / (performance.now() - started);
    results.push(['pkg/bus startConsumer, no-op handler', busConsume]);
    await consumer.stop();

    started = performance.now();
    for (let i = 0; i < MESSAGES; i++) bus.nc.publish('bench.core.x', rawPayloads[i]);
    await bus.nc.flush();
    results.push(['raw core publish + flush', (MESSAGES * 1000) / (performance.now() - started)]);

    // Wall-clock rates (client and server share the machine); the load says how much else was running.
    console.log(`\nJetStream on one local nats-server, ${MESSAGES} messages of ${rawPayloads[0]?.length} bytes`);
    console.log(`machine: ${cpus().length} CPUs, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
    for (const [label, rate] of results) {
      console.log(`${label.padEnd(44)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} msg/s`);
    }
    console.log(`\npkg/bus publish / raw publish: ${(busPublish / rawPublish).toFixed(2)}`);
    console.log(`pkg/bus consume / raw consume: ${(busConsume / rawConsume).toFixed(2)}`);
  } finally {
    await bus.close();
    await nats.stop();
  }
}

await main();
