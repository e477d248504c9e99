import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { generateTraffic } from '../../../test/telemetry/generate.ts';
import { hourDir, telemetryPaths } from './paths.ts';
import type { LogRecord } from '../records.ts';
import { TelemetryReader } from './reader.ts';
import { TelemetryWriter } from './writer.ts';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rig-store-'));
  dirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const HOUR_US = 3_600_000_000;
// 2026-11-23T15:00Z, a fixed past hour so partitions are predictable.
const T15 = Date.UTC(2026, 10, 23, 15) * 1000;

async function count(writer: TelemetryWriter, view: string): Promise<number> {
  const rows = await writer.query(`SELECT count(*)::INTEGER AS n FROM ${view}`);
  return Number(rows[0]?.n);
}

describe('TelemetryWriter', () => {
  test('flushed records of every signal are durable in the file and visible through the views', async () => {
    const dir = dataDir();
    const traffic = generateTraffic({ authorisations: 300, startUs: T15, spreadUs: 60_000_000 });
    const writer = await TelemetryWriter.open({ dataDir: dir });
    writer.append('spans', traffic.spans);
    writer.append('messages', traffic.messages);
    writer.append('logs', traffic.logs);
    writer.append('metrics', traffic.metrics);
    const mark = await writer.flush();
    assert.equal(mark.rows, traffic.spans.length + traffic.messages.length + traffic.logs.length + traffic.metrics.length);
    assert.equal(mark.bySignal.spans, 1200);
    await writer.close();

    const reopened = await TelemetryWriter.open({ dataDir: dir });
    assert.equal(await count(reopened, 'spans'), 1200);
    assert.equal(await count(reopened, 'messages'), 1200);
    assert.equal(await count(reopened, 'logs'), traffic.logs.length);
    assert.equal(await count(reopened, 'metrics'), traffic.metrics.length);
    await reopened.close();
  });

  test('a span row keeps every field of its record', async () => {
    const writer = await TelemetryWriter.open({ dataDir: dataDir() });
    writer.append('spans', [
      {
        traceId: 'a'.repeat(32),
        spanId: 'b'.repeat(16),
        parentSpanId: 'c'.repeat(16),
        name: 'iso-parse process',
        kind: 'consumer',
        startUs: T15 + 123_456,
        endUs: T15 + 125_456,
        durationMs: 2.0005,
        status: 'error',
        statusMessage: 'bad bitmap',
        scenario: 'card-auth',
        gear: 'iso-parse',
        rack: 'r1',
        service: 'rig-rack',
        attributes: { 'messaging.system': 'nats', 'iso8583.fields': [2, 3, 4] },
        resource: { 'service.name': 'rig-rack' },
      },
    ]);
    const [row] = await writer.query(
      `SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.%f') AS t, duration_ms, parent_span_id, kind, status, status_message,
              scenario, gear, rack, attributes->>'$."messaging.system"' AS system, attributes->'$."iso8583.fields"'->>1 AS second_field
       FROM spans`,
    );
    await writer.close();
    assert.deepEqual(row, {
      t: '2026-11-23T15:00:00.123456',
      duration_ms: 2.0005,
      parent_span_id: 'c'.repeat(16),
      kind: 'consumer',
      status: 'error',
      status_message: 'bad bitmap',
      scenario: 'card-auth',
      gear: 'iso-parse',
      rack: 'r1',
      system: 'nats',
      second_field: '3',
    });
  });

  test('text of every length and script, absent and empty values, times and numbers come back exactly across chunks', async () => {
    // Strings up to 12 UTF-8 bytes sit inside DuckDB's row slot, longer ones in the vector's heap
    // (vectors.ts): both sides of that line, non-ASCII on it, repeats and more rows than one chunk.
    const texts = ['', 'a', 'é', '€uro', '😀', 'twelve bytes', 'thirteen byte', 'thirteen byté', '€€€€', '€€€€é', 'x'.repeat(300), 'ünïcödé '.repeat(40)];
    const logs: LogRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const text = texts[i % texts.length] as string;
      logs.push({
        timeUs: T15 + i * 1_000_001 - 7,
        level: 'info',
        severity: (i % 24) + 1,
        message: i % 11 === 0 ? '' : `${text}#${i % 7}`,
        scenario: i % 3 === 0 ? undefined : i % 3 === 1 ? '' : text,
        gear: `gear-${i}-${text}`,
        rack: 'r1',
        traceId: i % 5 === 0 ? undefined : `${i}`.padStart(32, '0'),
        attributes: { text, i },
      });
    }
    const writer = await TelemetryWriter.open({ dataDir: dataDir() });
    writer.append('logs', logs);
    const rows = await writer.query(
      `SELECT epoch_us(time)::DOUBLE AS time_us, severity, message, scenario, gear, rack, service, trace_id, span_id, attributes::VARCHAR AS attributes
       FROM live_logs`,
    );
    await writer.close();
    assert.deepEqual(
      rows,
      logs.map((log) => ({
        time_us: log.timeUs,
        severity: log.severity,
        message: log.message,
        scenario: log.scenario || null,
        gear: log.gear,
        rack: 'r1',
        service: null,
        trace_id: log.traceId ?? null,
        span_id: null,
        attributes: JSON.stringify(log.attributes),
      })),
    );
  });

  test('a batch appended again (a redelivery) is stored once, in the same flush or a later one, across reopen', async () => {
    const dir = dataDir();
    const spans = generateTraffic({ authorisations: 10, startUs: T15, spreadUs: 1_000_000 }).spans;
    const batch = { signal: 'spans' as const, producer: 'rack-r1-1', seq: 7, records: spans };
    const writer = await TelemetryWriter.open({ dataDir: dir });
    writer.appendBatch(batch);
    writer.appendBatch(batch);
    const first = await writer.flush();
    assert.deepEqual([first.rows, first.duplicateBatches], [40, 1]);
    writer.appendBatch(batch);
    writer.appendBatch({ ...batch, seq: 8 });
    const second = await writer.flush();
    assert.deepEqual([second.rows, second.duplicateBatches], [40, 1]);
    await writer.close();
    const reopened = await TelemetryWriter.open({ dataDir: dir });
    reopened.appendBatch(batch);
    assert.equal((await reopened.flush()).duplicateBatches, 1);
    assert.equal(await count(reopened, 'spans'), 80);
    await reopened.close();
  });

  test('publishSnapshot writes a standalone file with the live rows and the views, without bookkeeping tables', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir });
    writer.appendBatch({ signal: 'spans', producer: 'p', seq: 1, records: generateTraffic({ authorisations: 5, startUs: T15, spreadUs: 1_000_000 }).spans });
    const snapshot = await writer.publishSnapshot();
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(snapshot, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    const tables = (await connection.runAndReadAll('SELECT table_name FROM duckdb_tables() ORDER BY 1')).getRowsJS().flat();
    const spans = (await connection.runAndReadAll('SELECT count(*)::INTEGER FROM spans')).getRowsJS()[0]?.[0];
    connection.closeSync();
    instance.closeSync();
    await writer.close();
    assert.deepEqual(tables, ['live_logs', 'live_messages', 'live_metrics', 'live_spans']);
    assert.equal(spans, 20);
  });

  test('roll with finishedHoursOnly moves rows of finished hours into signal/hour Parquet partitions and keeps the current hour live', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir });
    // 100 authorisations at 15:xx, 100 at 16:xx; "now" is 16:30, so only 15:xx is a finished hour.
    writer.append('spans', generateTraffic({ authorisations: 100, startUs: T15, spreadUs: 600_000_000 }).spans);
    writer.append('spans', generateTraffic({ authorisations: 100, startUs: T15 + HOUR_US, spreadUs: 600_000_000, seed: 9 }).spans);
    const result = await writer.roll(T15 / 1000 + 90 * 60_000, { finishedHoursOnly: true });
    const { parquetRoot } = telemetryPaths(dir);
    const expected = join(hourDir(parquetRoot, 'spans', '2026-11-23T15'), 'part-0.parquet');
    assert.deepEqual(
      result.files.map((f) => f.file),
      [expected],
    );
    assert.equal(result.rows, 400);
    assert.ok(existsSync(expected));
    assert.equal(await count(writer, 'live_spans'), 400, 'only the 16:xx rows stay live');
    assert.equal(await count(writer, 'spans'), 800, 'the view reads live and Parquet rows');
    await writer.close();
  });

  test('roll moves rows older than rollAfterMs into their hour partition, newer rows stay live', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir, rollAfterMs: 5 * 60_000 });
    // Spans from 15:00 to 15:10; now is 15:12, so rows before 15:07 roll.
    const spans = generateTraffic({ authorisations: 600, startUs: T15, spreadUs: 600_000_000 }).spans;
    writer.append('spans', spans);
    const nowMs = T15 / 1000 + 12 * 60_000;
    const result = await writer.roll(nowMs);
    const expectedRolled = spans.filter((s) => s.startUs < (nowMs - 5 * 60_000) * 1000).length;
    assert.equal(result.rows, expectedRolled);
    assert.deepEqual(
      result.files.map((f) => [f.signal, f.hour]),
      [['spans', '2026-11-23T15']],
    );
    assert.equal(await count(writer, 'live_spans'), spans.length - expectedRolled);
    assert.equal(await count(writer, 'spans'), spans.length);
    await writer.close();
  });

  test('a second roll into the same hour writes the next part number, never overwriting', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir });
    const now = T15 / 1000 + 2 * 3_600_000;
    const firstLogs = generateTraffic({ authorisations: 200, startUs: T15, spreadUs: 60_000_000 }).logs;
    const secondLogs = generateTraffic({ authorisations: 200, startUs: T15, spreadUs: 60_000_000, seed: 3 }).logs;
    writer.append('logs', firstLogs);
    await writer.roll(now);
    writer.append('logs', secondLogs);
    await writer.roll(now);
    const partition = hourDir(telemetryPaths(dir).parquetRoot, 'logs', '2026-11-23T15');
    assert.deepEqual(readdirSync(partition).sort(), ['part-0.parquet', 'part-1.parquet']);
    assert.equal(await count(writer, 'live_logs'), 0);
    assert.equal(await count(writer, 'logs'), firstLogs.length + secondLogs.length);
    await writer.close();
  });

  test('on open, a recorded interrupted roll is finished and an unrecorded one is undone', async () => {
    const dir = dataDir();
    const first = await TelemetryWriter.open({ dataDir: dir });
    first.append('messages', generateTraffic({ authorisations: 10, startUs: T15, spreadUs: 1_000_000 }).messages);
    await first.roll(T15 / 1000 + 3_600_000);
    await first.close();
    const partition = hourDir(telemetryPaths(dir).parquetRoot, 'messages', '2026-11-23T15');
    // Simulate a crash after COMMIT (file recorded, not renamed) and one before it (not recorded).
    const { renameSync } = await import('node:fs');
    renameSync(join(partition, 'part-0.parquet'), join(partition, 'part-0.parquet.tmp'));
    writeFileSync(join(partition, 'part-1.parquet.tmp'), 'half-written');
    const second = await TelemetryWriter.open({ dataDir: dir });
    assert.deepEqual(readdirSync(partition), ['part-0.parquet']);
    assert.equal(await count(second, 'messages'), 40);
    await second.close();
  });

  test('retention drops partitions and live rows older than the window and keeps the rest', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir, retentionHours: 2 });
    const spansAt = (hourOffset: number, seed: number) =>
      generateTraffic({ authorisations: 5, startUs: T15 + hourOffset * HOUR_US, spreadUs: 1_000_000, seed }).spans;
    writer.append('spans', spansAt(0, 1)); // 15:xx
    writer.append('spans', spansAt(1, 2)); // 16:xx
    writer.append('spans', spansAt(2, 3)); // 17:xx
    const now = T15 / 1000 + 3 * 3_600_000 + 60_000; // 18:01 → window starts 16:01
    await writer.roll(T15 / 1000 + 1 * 3_600_000); // roll 15:xx only; 16:xx and 17:xx stay live
    const result = await writer.applyRetention(now);
    assert.equal(result.partitionsDeleted, 1, 'the 15:xx partition');
    assert.equal(result.rowsDeleted, 20, 'the 16:00-16:01 live rows');
    assert.ok(!existsSync(hourDir(telemetryPaths(dir).parquetRoot, 'spans', '2026-11-23T15')));
    assert.equal(await count(writer, 'spans'), 20, 'the 17:xx rows remain');
    await writer.close();
  });
});

describe('TelemetryReader', () => {
  test('reads live rows and Parquet files through the views with the writer closed', async () => {
    const dir = dataDir();
    const writer = await TelemetryWriter.open({ dataDir: dir });
    writer.append('spans', generateTraffic({ authorisations: 50, startUs: T15, spreadUs: 1_000_000 }).spans);
    await writer.roll(T15 / 1000 + 3_600_000);
    writer.append('spans', generateTraffic({ authorisations: 25, startUs: T15 + HOUR_US, spreadUs: 1_000_000, seed: 11 }).spans);
    await writer.close();
    const reader = await TelemetryReader.open(dir);
    const result = await reader.query('SELECT count(*) AS n, count(DISTINCT trace_id) AS traces FROM spans');
    reader.close();
    assert.equal(reader.source, 'file');
    assert.deepEqual(result.rows, [[300, 75]]);
    assert.deepEqual(
      result.columns.map((c) => c.name),
      ['n', 'traces'],
    );
  });

  test('an empty data directory yields empty views with the right columns', async () => {
    const reader = await TelemetryReader.open(dataDir());
    const result = await reader.query('SELECT trace_id, duration_ms FROM spans');
    const logs = await reader.query('SELECT count(*) AS n FROM logs');
    reader.close();
    assert.equal(reader.source, 'parquet-only');
    assert.deepEqual(result.rows, []);
    assert.deepEqual(logs.rows, [[0]]);
  });

  for (const statement of [
    'INSERT INTO store.live_spans (name) VALUES (1)',
    'CREATE TABLE x AS SELECT 1',
    "COPY (SELECT 1) TO '/tmp/rig-should-not-exist.csv'",
    'DELETE FROM store.live_logs',
    'SELECT 1; DROP VIEW spans',
  ]) {
    test(`rejects a write: ${statement}`, async () => {
      const dir = dataDir();
      const writer = await TelemetryWriter.open({ dataDir: dir });
      await writer.close();
      const reader = await TelemetryReader.open(dir);
      await assert.rejects(reader.query(statement), { code: 'QUERY_READ_ONLY' });
      reader.close();
    });
  }
});

describe('TelemetryReader with a running writer', () => {
  test('reads a snapshot of every flushed row while another process holds the write lock', async () => {
    const { spawn } = await import('node:child_process');
    const dir = dataDir();
    const holder = spawn(process.execPath, ['--import', 'tsx', 'test/telemetry/hold-writer.ts', dir, '40'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      const ready = await new Promise<string>((resolve, reject) => {
        holder.stdout.on('data', (chunk: Buffer) => resolve(chunk.toString()));
        holder.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
      });
      assert.equal(ready.trim(), 'ready 160');
      const reader = await TelemetryReader.open(dir);
      const result = await reader.query('SELECT count(*) FROM spans');
      reader.close();
      assert.equal(reader.source, 'snapshot');
      assert.deepEqual(result.rows, [[160]]);
    } finally {
      holder.stdin.end();
      await new Promise((resolve) => holder.on('exit', resolve));
    }
  });
});
