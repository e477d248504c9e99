/**
 * bench/telemetry: how fast spans get into the store, and how fast the store answers.
 *
 *   1. baseline: a raw DuckDB appender loop (value by value) into a table of the same columns;
 *   2. TelemetryWriter alone: 500-span batches as the sink hands them over (columnar, decoded from
 *      the wire before the clock starts), durable flush (commit + checkpoint) every 20k rows;
 *   3. the pipeline: a producer process (publisher.ts, as a rack) publishes pre-built 500-span batches
 *      on a private nats-server (JetStream, CBOR envelopes) → TelemetrySink → TelemetryWriter in this
 *      process, timed from "go" until every span is durable (committed);
 *   4. query latency over >= 10M span rows (8/10 rolled to Parquet, the rest live) read through
 *      TelemetryReader and the views, each query run 7 times: p50 reported.
 * Spans/s of 2 and 3 are reported against 1 from the same run, with the CPU time this process spent
 * per span in 2 and 3 (steadier than wall time on a busy machine: other work slows the clock, not the
 * CPU count; in 3 it is the sink's CPU, DuckDB's threads included). Goals (issue 7): >= 100k spans/s
 * sustained through the pipeline; p50 query < 1 s.
 *
 *   node --import tsx bench/telemetry/run.ts [--spans 200000] [--rows 10000000] [--only writer|pipeline]
 *
 * `--only` runs one step without the baseline (for `node --cpu-prof`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance, DuckDBTimestampValue } from '@duckdb/node-api';
import { openBus } from '../../pkg/bus/index.ts';
import { silentLogger } from '../../pkg/log/index.ts';
import { startNats } from '../../pkg/supervise/index.ts';
import { batchEnvelope } from '../../pkg/telemetry/bus-publisher.ts';
import type { SpanRecord, TelemetryBatch } from '../../pkg/telemetry/records.ts';
import { batchFromEnvelope, TelemetrySink } from '../../pkg/telemetry/sink.ts';
import { TelemetryReader } from '../../pkg/telemetry/store/reader.ts';
import { createTableSql } from '../../pkg/telemetry/store/schema.ts';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { decodeEnvelope, encodeEnvelope } from '../../pkg/wire/codec.ts';
import { generateTraffic } from '../../test/telemetry/generate.ts';

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : fallback;
};
const SPANS = arg('spans', 200_000);
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const ROWS = arg('rows', 10_000_000);
const BATCH = 500;
const here = dirname(fileURLToPath(import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'fluxrig-bench-telemetry-'));
const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
/** CPU time (user + system, all threads of this process) spent since `since`, in µs per span. */
const cpuPerSpan = (since: NodeJS.CpuUsage, n: number) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / n;
};

interface StepResult {
  spansPerSecond: number;
  cpuUsPerSpan: number;
}
const fmt = (n: number) => n.toLocaleString('en-US');

const spans: SpanRecord[] = generateTraffic({ authorisations: Math.ceil(SPANS / 4), startUs: Date.now() * 1000, spreadUs: 60_000_000 }).spans.slice(0, SPANS);
const batches: TelemetryBatch<'spans'>[] = [];
for (let i = 0; i < spans.length; i += BATCH) batches.push({ signal: 'spans', producer: 'bench', seq: batches.length + 1, records: spans.slice(i, i + BATCH) });

async function rawAppenderBaseline(): Promise<number> {
  const instance = await DuckDBInstance.create(join(root, 'raw.duckdb'));
  const connection = await instance.connect();
  await connection.run(createTableSql('spans'));
  const appender = await connection.createAppender('live_spans');
  const text = (v: string | undefined) => (v === undefined ? appender.appendNull() : appender.appendVarchar(v));
  const started = performance.now();
  for (const s of spans) {
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(s.startUs)));
    appender.appendTimestamp(new DuckDBTimestampValue(BigInt(s.endUs)));
    appender.appendDouble(s.durationMs);
    appender.appendVarchar(s.traceId);
    appender.appendVarchar(s.spanId);
    text(s.parentSpanId);
    appender.appendVarchar(s.name);
    appender.appendVarchar(s.kind);
    appender.appendVarchar(s.status);
    text(s.statusMessage);
    text(s.scenario);
    text(s.gear);
    text(s.rack);
    text(s.service);
    appender.appendVarchar(JSON.stringify(s.attributes));
    appender.appendVarchar(JSON.stringify(s.resource));
    appender.endRow();
  }
  appender.flushSync();
  await connection.run('CHECKPOINT');
  const elapsed = performance.now() - started;
  appender.closeSync();
  connection.closeSync();
  instance.closeSync();
  return rate(spans.length, elapsed);
}

async function writerAlone(): Promise<StepResult> {
  const received = batches.map((batch) => batchFromEnvelope(decodeEnvelope(encodeEnvelope(batchEnvelope(batch, 'bench')))));
  const writer = await TelemetryWriter.open({ dataDir: join(root, 'writer') });
  const started = performance.now();
  const cpu = process.cpuUsage();
  let pending = 0;
  for (const batch of received) {
    writer.appendBatch(batch);
    pending += batch.rows;
    if (pending >= 20_000) {
      await writer.flush();
      pending = 0;
    }
  }
  await writer.flush();
  const elapsed = performance.now() - started;
  const cpuUsPerSpan = cpuPerSpan(cpu, spans.length);
  await writer.close();
  return { spansPerSecond: rate(spans.length, elapsed), cpuUsPerSpan };
}

async function pipeline(): Promise<StepResult & { flushes: number }> {
  const nats = await startNats({ dataDir: join(root, 'nats'), ephemeral: true });
  const log = silentLogger();
  const bus = await openBus({ servers: nats.url, name: 'bench-telemetry', logger: log });
  try {
    await bus.ensureStreams();
    const writer = await TelemetryWriter.open({ dataDir: join(root, 'pipeline') });
    const sink = await TelemetrySink.start({ bus, writer, log, snapshotIntervalMs: 0, rollIntervalMs: 0, retentionIntervalMs: 0 });
    // The producer runs in its own process, as a rack does.
    const producer = spawn(process.execPath, ['--import', 'tsx', join(here, 'publisher.ts'), nats.url, String(spans.length)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => producer.once('exit', resolve));
    const lines = createInterface({ input: producer.stdout });
    const nextLine = () => new Promise<string>((resolve) => lines.once('line', resolve));
    await nextLine(); // ready: its spans are built
    const started = performance.now();
    const cpu = process.cpuUsage();
    producer.stdin.write('go\n');
    while (sink.stats.rows < spans.length) await new Promise((resolve) => setTimeout(resolve, 5));
    const elapsed = performance.now() - started;
    const cpuUsPerSpan = cpuPerSpan(cpu, spans.length);
    await exited;
    await sink.stop();
    await writer.close();
    return { spansPerSecond: rate(spans.length, elapsed), cpuUsPerSpan, flushes: sink.stats.flushes };
  } finally {
    await bus.close();
    await nats.stop();
  }
}

const QUERIES: Record<string, string> = {
  'messages per gear, last hour': `SELECT gear, count(*) FROM spans WHERE time > now()::TIMESTAMP - INTERVAL 1 HOUR GROUP BY gear`,
  'p50/p95/p99 latency by scenario, all rows (exact)': `SELECT scenario, quantile_cont(duration_ms, [0.5, 0.95, 0.99]) FROM spans GROUP BY scenario`,
  'p50/p95/p99 latency by scenario, all rows (t-digest)': `SELECT scenario, approx_quantile(duration_ms, [0.5, 0.95, 0.99]) FROM spans GROUP BY scenario`,
  'error rate by gear per hour': `SELECT date_trunc('hour', time) h, gear, avg((status = 'error')::INT) FROM spans GROUP BY ALL ORDER BY h`,
  'one trace by id': `SELECT * FROM spans WHERE trace_id = (SELECT max(trace_id) FROM store.live_spans) ORDER BY time`,
};

async function queryLatency(): Promise<{ rows: number; p50: Record<string, number> }> {
  const dataDir = join(root, 'query');
  const writer = await TelemetryWriter.open({ dataDir });
  const hours = 10;
  const perHour = Math.ceil(ROWS / hours);
  const nowUs = Date.now() * 1000;
  // The last of `hours` hours ends now: 9 of them roll to Parquet, the current one stays live.
  await writer.query(`
    INSERT INTO live_spans
    SELECT make_timestamp(${nowUs}::BIGINT - (${hours * 3_600_000_000}::BIGINT * i // ${hours * perHour})) AS time,
           time + INTERVAL 3 MILLISECOND AS end_time,
           (i % 97) * 0.37 AS duration_ms,
           md5((i // 4)::VARCHAR) AS trace_id,
           substr(md5(i::VARCHAR), 1, 16) AS span_id,
           NULL AS parent_span_id,
           ['tcp-in', 'iso-parse', 'route', 'tcp-out'][i % 4 + 1] || ' process' AS name,
           'consumer' AS kind,
           CASE WHEN i % 53 = 0 THEN 'error' ELSE 'ok' END AS status,
           NULL AS status_message,
           ['card-auth', 'echo'][(i // 4) % 2 + 1] AS scenario,
           ['tcp-in', 'iso-parse', 'route', 'tcp-out'][i % 4 + 1] AS gear,
           'r1' AS rack, 'rig-rack' AS service,
           '{"messaging.system":"nats","messaging.operation.type":"process"}' AS attributes,
           '{"service.name":"rig-rack"}' AS resource
    FROM range(${hours * perHour}) t(i)`);
  await writer.roll();
  await writer.close();
  const reader = await TelemetryReader.open(dataDir);
  const total = Number((await reader.query('SELECT count(*) FROM spans')).rows[0]?.[0]);
  const p50: Record<string, number> = {};
  for (const [name, sql] of Object.entries(QUERIES)) {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      await reader.query(sql);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    p50[name] = times[3] as number;
  }
  reader.close();
  return { rows: total, p50 };
}

const cpuNote = (step: StepResult) => `${step.cpuUsPerSpan.toFixed(1)} µs CPU/span`;

try {
  process.stdout.write(`bench/telemetry: ${fmt(spans.length)} spans in ${batches.length} batches of ${BATCH}\n`);
  if (ONLY === 'writer' || ONLY === 'pipeline') {
    const step = ONLY === 'writer' ? await writerAlone() : await pipeline();
    process.stdout.write(`  ${ONLY}: ${fmt(step.spansPerSecond)} spans/s, ${cpuNote(step)}, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB\n`);
  } else {
    const raw = await rawAppenderBaseline();
    process.stdout.write(`  raw appender loop (baseline)        ${fmt(raw).padStart(10)} spans/s\n`);
    const alone = await writerAlone();
    process.stdout.write(
      `  TelemetryWriter (durable flushes)   ${fmt(alone.spansPerSecond).padStart(10)} spans/s   ${(alone.spansPerSecond / raw).toFixed(2)}x baseline, ${cpuNote(alone)}\n`,
    );
    const piped = await pipeline();
    process.stdout.write(
      `  bus -> sink -> DuckDB (end to end)  ${fmt(piped.spansPerSecond).padStart(10)} spans/s   ${(piped.spansPerSecond / raw).toFixed(2)}x baseline, ${cpuNote(piped)}, ${piped.flushes} flushes   goal >= 100,000\n`,
    );
    const query = await queryLatency();
    process.stdout.write(`  query latency over ${fmt(query.rows)} span rows (p50 of 7, goal < 1000 ms):\n`);
    for (const [name, ms] of Object.entries(query.p50)) process.stdout.write(`    ${name.padEnd(55)} ${ms.toFixed(1).padStart(8)} ms\n`);
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
