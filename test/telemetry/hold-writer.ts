/**
 * A stand-in for a running mixer in tests: opens the telemetry writer on argv[2] (data dir), appends
 * argv[3] generated authorisations, flushes, prints `ready <spans>` and holds the file lock until its
 * stdin closes. Used to prove readers cope with a locked store.
 */
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { generateTraffic } from './generate.ts';

const [dataDir, countText] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: hold-writer <data-dir> <authorisations>');
const writer = await TelemetryWriter.open({ dataDir });
const traffic = generateTraffic({ authorisations: Number(countText ?? 10), startUs: Date.now() * 1000, spreadUs: 1_000_000 });
writer.append('spans', traffic.spans);
await writer.flush();
if (!process.env.NO_SNAP) await writer.publishSnapshot(); // what the mixer's sink does every few seconds
process.stdout.write(`ready ${traffic.spans.length}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void writer.close().then(() => process.exit(0));
});
