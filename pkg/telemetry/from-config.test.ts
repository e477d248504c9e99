import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/index.ts';
import { sinkTimings, telemetryOptions, writerOptions } from './from-config.ts';

const configWith = (env: Record<string, string>) => loadConfig({ env, cwd: '/srv/rig' }).config;

describe('telemetry settings from config', () => {
  test('retention days become writer retention hours under the data directory', () => {
    const config = configWith({ FLUXRIG_TELEMETRY_RETENTION_DAYS: '3', FLUXRIG_NODE_DATA_DIR: 'state' });
    assert.deepEqual(writerOptions(config, '/srv/rig'), { dataDir: resolve('/srv/rig', 'state'), retentionHours: 72 });
  });

  test('the Parquet roll interval drives the sink', () => {
    assert.deepEqual(sinkTimings(configWith({ FLUXRIG_TELEMETRY_PARQUET_ROLL_INTERVAL: '30s' })), { rollIntervalMs: 30_000 });
  });

  test('telemetry.trace_sample_ratio reaches the SDK options; outside 0..1 it is refused, naming the variable', () => {
    assert.equal(telemetryOptions(configWith({}), { serviceName: 'rig', role: 'cli', env: {} }).traceSampleRatio, 1);
    assert.equal(telemetryOptions(configWith({ FLUXRIG_TELEMETRY_TRACE_SAMPLE_RATIO: '0.01' }), { serviceName: 'rig', role: 'cli', env: {} }).traceSampleRatio, 0.01);
    assert.throws(
      () => configWith({ FLUXRIG_TELEMETRY_TRACE_SAMPLE_RATIO: '1.5' }),
      (error: { where?: string; message: string }) =>
        error.where === 'env FLUXRIG_TELEMETRY_TRACE_SAMPLE_RATIO (telemetry.trace_sample_ratio)' && /expected number to be <=1/.test(error.message),
    );
  });

  test('an OTLP endpoint switches OTLP export on; telemetry.enabled = false switches everything off', () => {
    const otlp = telemetryOptions(configWith({ FLUXRIG_TELEMETRY_OTLP_ENDPOINT: 'http://collector:4318' }), { serviceName: 'rig', role: 'cli', env: {} });
    assert.deepEqual(otlp.otlp, { endpoint: 'http://collector:4318' });
    const off = telemetryOptions(configWith({ FLUXRIG_TELEMETRY_ENABLED: 'false' }), { serviceName: 'rig', role: 'cli', env: {} });
    assert.equal(off.env?.FLUXRIG_DISABLE_TELEMETRY, '1');
    assert.equal(off.otlp, undefined);
  });
});
