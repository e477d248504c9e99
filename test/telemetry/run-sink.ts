/**
 * A stand-in mixer for sink tests: connects to NATS (argv[2]), runs the telemetry sink into the store
 * under argv[3] with durable consumer argv[4], prints `ready` once consuming. SIGTERM stops it cleanly
 * (consumer drained, writer closed); SIGKILL is the crash the tests inflict.
 */
import { openBus } from '../../pkg/bus/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { TelemetrySink } from '../../pkg/telemetry/sink.ts';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';

const [url, dataDir, durable] = process.argv.slice(2);
if (!url || !dataDir || !durable) throw new Error('usage: run-sink <nats-url> <data-dir> <durable>');
const log = silentLogger();
const bus = await openBus({ servers: url, name: 'test-sink', logger: log });
await bus.ensureStreams();
const writer = await TelemetryWriter.open({ dataDir });
const sink = await TelemetrySink.start({ bus, writer, log, durable, snapshotIntervalMs: 300, rollIntervalMs: 0, retentionIntervalMs: 0 });
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void (async () => {
    await sink.stop();
    await writer.close();
    await bus.close();
    process.stdout.write(`stopped ${JSON.stringify(sink.stats)}\n`);
    process.exit(0);
  })();
});
