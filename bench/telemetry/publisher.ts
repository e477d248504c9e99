/**
 * The producing side of bench/telemetry's pipeline run, in its own process as a rack would be: builds
 * `argv[3]` spans in 500-span batches, prints `ready`, waits for a line on stdin, publishes them all on
 * the bus at `argv[2]` (32 publishes in flight), prints `done <n> ms cpu` (its CPU time, start-up and
 * building the spans included).
 */
import { createInterface } from 'node:readline';
import { openBus } from '../../pkg/bus/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { busTelemetryPublisher } from '../../pkg/telemetry/bus-publisher.ts';
import type { TelemetryBatch } from '../../pkg/telemetry/records.ts';
import { generateTraffic } from '../../test/telemetry/generate.ts';

const [url, countText] = process.argv.slice(2);
if (!url) throw new Error('usage: publisher <nats-url> <spans>');
const count = Number(countText ?? 100_000);
const spans = generateTraffic({ authorisations: Math.ceil(count / 4), startUs: Date.now() * 1000, spreadUs: 60_000_000 }).spans.slice(0, count);
const batches: TelemetryBatch<'spans'>[] = [];
for (let i = 0; i < spans.length; i += 500) batches.push({ signal: 'spans', producer: `bench-${process.pid}`, seq: batches.length + 1, records: spans.slice(i, i + 500) });
const bus = await openBus({ servers: url, name: 'bench-publisher', logger: silentLogger() });
const publisher = busTelemetryPublisher(bus, 'bench');
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const _line of lines) break;
let next = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (next < batches.length) await publisher.publish('spans', batches[next++] as TelemetryBatch<'spans'>);
  }),
);
await bus.close();
const cpu = process.cpuUsage();
process.stdout.write(`done ${Math.round((cpu.user + cpu.system) / 1000)} ms cpu\n`);
process.exit(0);
