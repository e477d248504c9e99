/**
 * Every Grafana panel and variable query in deploy/grafana/dashboards runs against a real store the
 * way Grafana's DuckDB plugin does: opening `snapshot.duckdb` (published by a running writer) and using
 * its persistent views over live rows and Parquet files. Each must return rows of the shape its
 * panel type needs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { TelemetryWriter } from '../../pkg/telemetry/store/writer.ts';
import { generateTraffic } from './generate.ts';

const DASHBOARD_DIR = 'deploy/grafana/dashboards';
const root = mkdtempSync(join(tmpdir(), 'rig-dashboards-'));
const nowMs = Date.now();
const range = { from: new Date(nowMs - 3 * 3_600_000), to: new Date(nowMs) };
const VARIABLES: Record<string, string> = { scenario: 'card-auth', level: 'info' };

interface Query {
  dashboard: string;
  title: string;
  panelType: string;
  sql: string;
}

function collectQueries(): Query[] {
  const queries: Query[] = [];
  for (const file of readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith('.json'))) {
    const dashboard = JSON.parse(readFileSync(join(DASHBOARD_DIR, file), 'utf8')) as {
      panels: { title: string; type: string; targets?: { rawSql?: string }[]; panels?: unknown[] }[];
      templating?: { list: { name: string; type: string; query?: string }[] };
    };
    const panels = dashboard.panels.flatMap((p) => [p, ...((p.panels as typeof dashboard.panels | undefined) ?? [])]);
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.rawSql) queries.push({ dashboard: file, title: panel.title, panelType: panel.type, sql: target.rawSql });
      }
    }
    for (const variable of dashboard.templating?.list ?? []) {
      if (variable.type === 'query' && variable.query) {
        queries.push({ dashboard: file, title: `$${variable.name}`, panelType: 'variable', sql: variable.query });
      }
    }
  }
  return queries;
}

/** Expand what Grafana and the plugin expand; anything left with a `$` is an unknown macro. */
function expand(sql: string): string {
  const ts = (d: Date) => `'${d.toISOString().replace('Z', '')}'::TIMESTAMP`;
  const out = sql
    .replace(/\$__timeFilter\((\w+)\)/g, (_, column: string) => `(${column} BETWEEN ${ts(range.from)} AND ${ts(range.to)})`)
    .replace(/\$__timeFrom\(\)/g, ts(range.from))
    .replace(/\$__timeTo\(\)/g, ts(range.to))
    .replace(/\$__interval_ms\b/g, '60000')
    .replace(/\$(\w+)/g, (match, name: string) => VARIABLES[name] ?? match);
  assert.doesNotMatch(out, /\$/, `unexpanded macro in: ${out}`);
  return out;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|FLOAT|DOUBLE|DECIMAL)/;

let instance: DuckDBInstance;
let connection: DuckDBConnection;
let writer: TelemetryWriter;
let rolledRows = 0;

before(async () => {
  writer = await TelemetryWriter.open({ dataDir: join(root, 'data') });
  // An hour ago and earlier: rolled to Parquet below. The last 20 minutes: stays live.
  const startOld = (Math.floor(nowMs / 3_600_000) - 1) * 3_600_000_000;
  const old = generateTraffic({ authorisations: 1500, startUs: startOld, spreadUs: 50 * 60_000_000, seed: 1 });
  const recent = generateTraffic({ authorisations: 1500, startUs: (nowMs - 20 * 60_000) * 1000, spreadUs: 19 * 60_000_000, seed: 2 });
  for (const traffic of [old, recent]) {
    writer.append('spans', traffic.spans);
    writer.append('messages', traffic.messages);
    writer.append('logs', traffic.logs);
    writer.append('metrics', traffic.metrics);
  }
  rolledRows = (await writer.roll(nowMs, { finishedHoursOnly: true })).rows;
  const snapshot = await writer.publishSnapshot();
  instance = await DuckDBInstance.create(snapshot, { access_mode: 'READ_ONLY' });
  connection = await instance.connect();
});

after(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await writer?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('Grafana dashboards', () => {
  test('the store behind them holds rolled Parquet rows as well as live rows', () => {
    assert.ok(rolledRows > 0);
  });

  const queries = collectQueries();
  test('there are panels for TPS, latency percentiles, approval rate, errors by gear, scenario drill-down and logs', () => {
    const titles = queries.map((q) => q.title.toLowerCase()).join(' | ');
    for (const word of ['throughput', 'latency percentiles', 'approval rate', 'errors by gear', 'slowest traces', 'logs', '$scenario']) {
      assert.ok(titles.includes(word), `no panel about ${word}: ${titles}`);
    }
  });

  for (const query of queries) {
    test(`${query.dashboard} / ${query.title} (${query.panelType}) returns rows of the right shape`, async () => {
      const reader = await connection.runAndReadAll(expand(query.sql));
      const names = reader.columnNames();
      const types = reader.columnTypes().map(String);
      const rows = reader.getRowsJS();
      assert.ok(rows.length > 0, 'no rows');
      const numericColumns = types.filter((t) => NUMERIC.test(t)).length;
      switch (query.panelType) {
        case 'timeseries':
          assert.equal(names[0], 'time');
          assert.equal(types[0], 'TIMESTAMP');
          assert.ok(numericColumns >= 1, `no value column: ${types.join(',')}`);
          break;
        case 'stat':
          assert.equal(rows.length, 1);
          assert.equal(numericColumns, 1);
          assert.ok(typeof rows[0]?.[0] === 'number' && rows[0][0] > 0 && rows[0][0] <= 100, `value ${rows[0]?.[0]}`);
          break;
        case 'logs':
          assert.deepEqual([names[0], types[0]], ['time', 'TIMESTAMP']);
          assert.ok(names.includes('body') && names.includes('level'));
          break;
        case 'variable':
          assert.equal(names.length, 1);
          assert.ok(rows.some((row) => row[0] === VARIABLES.scenario));
          break;
        default:
          assert.ok(numericColumns >= 1, `no numeric column: ${types.join(',')}`);
      }
    });
  }
});
