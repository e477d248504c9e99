/**
 * The [telemetry] config section mapped onto pkg/telemetry's options, so the mixer, the rack and
 * `rig run` wire telemetry the same way:
 *   const telemetry = startTelemetry(telemetryOptions(config, { role: 'rack', serviceName: 'rig-rack', publisher }));
 *   const writer = await TelemetryWriter.open(writerOptions(config));
 *   const sink = await TelemetrySink.start({ bus, writer, log, ...sinkTimings(config) });
 * Pure mapping: no I/O.
 */
import { dataDir, type RigConfig } from '../config/index.ts';
import type { TelemetryOptions } from './otel.ts';
import type { SinkOptions } from './sink.ts';
import type { WriterOptions } from './store/writer.ts';

/** startTelemetry options: `telemetry.enabled = false` works like FLUXRIG_DISABLE_TELEMETRY=1. */
export function telemetryOptions(
  config: RigConfig,
  base: Omit<TelemetryOptions, 'otlp' | 'env'> & { env?: NodeJS.ProcessEnv },
): TelemetryOptions {
  const env = base.env ?? process.env;
  const options: TelemetryOptions = {
    ...base,
    env: config.telemetry.enabled ? env : { ...env, FLUXRIG_DISABLE_TELEMETRY: '1' },
    traceSampleRatio: config.telemetry.trace_sample_ratio,
  };
  if (config.telemetry.otlp_endpoint !== '') options.otlp = { endpoint: config.telemetry.otlp_endpoint };
  return options;
}

export function writerOptions(config: RigConfig, cwd?: string): WriterOptions {
  return { dataDir: dataDir(config, cwd), retentionHours: config.telemetry.retention_days * 24 };
}

/** How often the sink rolls Parquet (`telemetry.parquet_roll_interval`). */
export function sinkTimings(config: RigConfig): Pick<SinkOptions, 'rollIntervalMs'> {
  return { rollIntervalMs: config.telemetry.parquet_roll_interval };
}
